"""The rules parser's version, apart from the parser so that ``nianbao --version`` imports nothing else.

Bump when a change can alter any extracted value: stored results are re-run on a new version.
"""

VERSION = "1.5.0"
