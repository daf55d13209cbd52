"""Normalisation: the text every extractor reads and every provenance span points into.

Steps, in order: line ends; full-width ASCII (digits, parentheses, punctuation) and exotic spaces to
their plain forms; pinyin glosses dropped (``報(bào)告`` → ``報告``); 繁→简 with OpenCC. Cell noise such
as ``0?`` is left in the text on purpose: the cell reader reads around it, so the span still shows
what the source printed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from nianbao.extractor.traditional import MAY_CHANGE

_TRANSLATE: dict[int, int | None] = {0xFF01 + i: 0x21 + i for i in range(94)}
_TRANSLATE.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x202F: 0x20})
_TRANSLATE.update({0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})

# Only a few hundred characters of a report need mapping: translate those runs, not the whole text
# (str.translate walks every character through a dict, ~0.4 ms for a 10 KB report).
_NEEDS_MAP = re.compile("[" + "".join(f"\\U{c:08x}" for c in sorted(_TRANSLATE)) + "]+")

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A gloss is a bracketed pinyin syllable with a tone mark right after a Han character; requiring the
# tone mark keeps ordinary bracketed Latin text (URLs, English words) untouched.
# (The pattern opens with the bracket, the Han character checked behind it: the regex engine then skips to
# brackets; opening with the lookbehind it tried every character, 16 µs a report against 0.7.)
_GLOSS = re.compile(rf"\((?<=[\u3400-\u9fff]\()(?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NEEDS_MAP.sub(lambda m: m.group().translate(_TRANSLATE), text)
    text = _GLOSS.sub("", text)
    if MAY_CHANGE.search(text) is None:  # no character the pass could change (a simplified report): skip it
        return text
    converted: str = _t2s().convert(text)
    return converted
