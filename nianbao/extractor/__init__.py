"""Extractors: turn a report file into a :class:`nianbao.schema.Report` with provenance.

The flow, one module each: ``readers`` (file → text) → ``normalize`` → ``sections`` (locate 二/三/四)
→ ``rules`` (the deterministic, template-aware parser, using ``labels`` and ``cells``).
Extractors never decide acceptance; :mod:`verifier` does.
"""
