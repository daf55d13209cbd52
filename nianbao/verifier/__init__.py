"""The deterministic verifier: identities and grounding decide acceptance, nothing else does.

Depends on :mod:`nianbao.schema` only — never on an extractor — so the same rules judge the rules
parser, an LLM and a person's correction alike.
"""

from nianbao.verifier.outcome import Verdict, verify

__all__ = ["Verdict", "verify"]
