"""Digits run together: a split is verified only where the source allows exactly one reading.

A cell whose span is a digit range of a longer printed run (``6233440`` read as 62 | 33 | 440) is not
evidence by itself: the run could be cut elsewhere. This module re-derives, from the normalised text and
the provenance alone (so a saved record is re-checked the same way, whoever proposed it — the rules
parser, a model, a person editing JSON):

* **used up exactly, left to right**: the cells citing a run tile it without a gap or an overlap, in the
  template's order; the only digits a run may leave are an item number glued to its end (``…00000002.其他``,
  a digit before ``.``/``、`` and a word); a part never has a leading zero;
* **uniqueness**: every way of cutting the chain of runs (runs separated by blanks only, cut into as many
  parts as cells cite them) is enumerated; a reading survives only if every identity over it holds and it
  agrees with the figures the report's own narrative states for those cells (a figure that agrees with no
  reading is a finding, not a constraint). Jointly over every chain of the report: a split is verified only
  when exactly one joint reading survives; otherwise the cells are ``ambiguous``, with the candidates — the
  proposed reading first — in the violation;
* **a narrative figure cited as a cell's evidence** (``本年度制发行政规范性文件62件`` for 制发) must be a
  figure this module's own phrase table reads as naming that very cell — or a value an identity forces
  (every other cell of one identity over it has a value, and the identities are checked);
* **every printed number accounted for**: between a table's first and last value, each number is some
  cell's, or a kind printed beside values (item number, year, page number, note, column numbers);
* **no unread mark beside a cut**: a chain with a mark a reader could not read beside it
  (:data:`~nianbao.schema.UNREAD_MARK`, or a Latin letter: a scan's ``9`` read as ``g``) is not settled,
  whatever its digits' count allows — the mark may be digits of the same cells.

The phrase table is the verifier's own and deliberately stricter than the parser's (``N件`` right after
the phrase that names one cell): the verifier imports nothing but the schema.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, combinations

from nianbao.schema import (
    APPLICATION_ROWS,
    RESULT_ROWS,
    UNREAD_MARK,
    CellValue,
    Provenance,
    Violation,
    sum_identities,
    table_of,
)

EVIDENCE = "evidence"
AMBIGUOUS = "ambiguous"
MAX_READINGS = 20_000  # per chain; more readings than this is not settled (and would be slow to search)
MAX_NODES = 200_000  # joint search over chains; a search this large is reported as unsettled
_MAX_SOLUTIONS = 64  # joint readings kept: enough to show the candidates; at this many, not unique

_N = r"(\d+)\s*件"
_DOCS = r"(?:行政)?规范性文件"
# (cell, pattern): a figure stated for exactly one cell. Both the verb and the noun must be printed.
NARRATIVE: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "本年度制发的规范性文件77件" (平潭 2023) names the same cell as "制发规范性文件77件"
    ("active_disclosure.normative_documents.issued", re.compile(rf"(?:制发|印发|出台)的?{_DOCS}(?:共)?{_N}")),
    ("active_disclosure.normative_documents.repealed", re.compile(rf"废止{_DOCS}(?:共)?{_N}")),
    ("active_disclosure.normative_documents.in_force", re.compile(rf"现行有效的?(?:{_DOCS}|件数)(?:共)?{_N}")),
    ("active_disclosure.regulations.issued", re.compile(rf"(?:制发|印发|出台)(?:政府)?规章(?:共)?{_N}")),
    ("active_disclosure.regulations.repealed", re.compile(rf"废止(?:政府)?规章(?:共)?{_N}")),
    ("active_disclosure.regulations.in_force", re.compile(rf"现行有效的?(?:政府)?规章(?:共)?{_N}")),
    ("applications.granted.total", re.compile(rf"(?<!不)予以公开(?![及和与、]){_N}")),
    ("applications.partially_granted.total", re.compile(rf"(?<![及和与、])部分公开{_N}")),
    ("applications.carried_over.total", re.compile(rf"上年结转{_N}")),
    ("applications.carried_to_next_year.total", re.compile(rf"结转下一?年度(?:继续办理)?{_N}")),
    ("reviews_litigation.review.total", re.compile(rf"行政复议(?:案件)?{_N}")),
)
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")
_ITEM_AFTER = re.compile(r"[.、．][^\d\s]")


@dataclass(frozen=True)
class Figure:
    cell: str
    value: int
    start: int  # the figure's digits in the text
    end: int
    sentence: str


def narrative_figures(text: str) -> list[Figure]:
    """Every single-cell figure the text states, with where its digits stand."""
    out = []
    for sm in _SENTENCE.finditer(text):
        sentence = sm.group()
        if "件" not in sentence:
            continue
        for cell, pattern in NARRATIVE:
            for m in pattern.finditer(sentence):
                a, b = m.span(1)
                out.append(Figure(cell, int(m.group(1)), sm.start() + a, sm.start() + b, sentence.strip()))
    return out


def _run(text: str, start: int, end: int) -> tuple[int, int]:
    """The maximal run of digits around ``start:end``."""
    a, b = start, end
    while a > 0 and text[a - 1].isdigit():
        a -= 1
    while b < len(text) and text[b].isdigit():
        b += 1
    return a, b


@dataclass
class Chain:
    """Runs of digits separated only by blanks, and the cells (in the template's order) that cite them."""

    runs: list[tuple[int, int]]  # each run's digits in the text (an item-number tail left out)
    cells: list[str]
    proposed: tuple[int, ...]
    readings: list[tuple[int, ...]]


@lru_cache(maxsize=4096)
def _cuts(digits: str, k: int) -> tuple[tuple[int, ...], ...]:
    """Every way to cut ``digits`` into ``k`` numbers without leading zeros. Cached: the search of a chain's
    readings asks for the same run and count once for every reading of the runs before it (a run-together
    table-3 page asked ~30 000 times for a few hundred distinct cuts, ~85 % of its verification)."""
    n = len(digits)
    if k <= 0 or k > n:
        return ()
    out = []
    for points in combinations(range(1, n), k - 1):
        bounds = (0, *points, n)
        parts = [digits[bounds[i] : bounds[i + 1]] for i in range(k)]
        if all(len(x) == 1 or x[0] != "0" for x in parts):
            out.append(tuple(int(x) for x in parts))
    return tuple(out)


def _chain_readings(runs: Sequence[str], k: int, limit: int) -> list[tuple[int, ...]] | None:
    """Every reading of the runs as ``k`` cells (each run at least one cell); None beyond ``limit``."""
    out: list[tuple[int, ...]] = []

    def go(i: int, left: int, acc: tuple[int, ...]) -> bool:
        if i == len(runs):
            if left == 0:
                out.append(acc)
            return len(out) <= limit
        rest = len(runs) - i - 1
        for take in range(1, min(len(runs[i]), left - rest) + 1):
            for cut in _cuts(runs[i], take):
                if not go(i + 1, left - take, acc + cut):
                    return False
        return True

    return out if go(0, k, ()) else None


Cited = tuple[int, int, str, str]  # (start, end, path, the digits at the span) of a read or inferred cell
Held = dict[str, list[tuple[int, int, str]]]  # a path's second letter (its table) → its values' (start, end, path)


@dataclass(frozen=True)
class Spans:
    """What the checks below need of the provenance, gathered in one pass over it (each check had its own
    pass: ~45 % of a clean report's verification)."""

    parts: list[str]  # cells whose span is a digit range of a longer printed run
    zeros: list[str]  # cells that read digits with a leading zero ("000") as one number
    figures: list[Cited]  # cells whose span is digits followed by 件 (a figure of the report's words)
    values: Held  # the rest with a value: printed in a table


_DIGIT = re.compile(r"\d")


def cited_spans(provenance: dict[str, Provenance], text: str, cells: dict[str, CellValue]) -> Spans:
    """Every read or inferred cell whose span lies inside ``text``, sorted into :class:`Spans`."""
    n = len(text)
    parts: list[str] = []
    zeros: list[str] = []
    figures: list[Cited] = []
    values: Held = {"c": [], "p": [], "e": []}
    for path, pr in provenance.items():
        if pr.method != "read" and pr.method != "inferred":
            continue
        t = pr.text
        if len(t) > 1 and t[0] == "0" and t.isdigit():
            zeros.append(path)
        sp = pr.span
        s, e = sp.start, sp.end
        if not 0 <= s < e <= n:
            continue
        x = text[s:e]
        digits = x.isdigit()
        after_digit = s > 0 and text[s - 1].isdigit()
        if digits and (after_digit or (e < n and text[e].isdigit())):
            parts.append(path)
        if "件" in text[e : e + 3] and text[e : e + 3].lstrip().startswith("件"):
            if digits and not after_digit:
                figures.append((s, e, path, x))
            continue  # (outside the table: never a value to account for there)
        if cells.get(path) is not None and (digits or any(ch.isdigit() for ch in x)):
            values[path[1]].append((s, e, path))  # (a blank inferred 0 has a span too)
    return Spans(parts, zeros, figures, values)


def check_splits(
    cells: dict[str, CellValue],
    provenance: dict[str, Provenance],
    text: str | None,
    spans: Spans | None = None,
) -> list[Violation]:
    """The checks of this module's docstring; nothing to check without the source text. ``spans``:
    :func:`cited_spans`, where the caller has it already."""
    if text is None:
        return []
    spans = spans or cited_spans(provenance, text, cells)
    parts = spans.parts
    out = _narrative_citations(cells, spans.figures, text)
    for path in spans.zeros:  # "000" is cells run together, never one number
        t = provenance[path].text
        out.append(_violation(
            EVIDENCE, [path], f"{path}: reads '{t}' as one number; a leading zero is digits run together", found=t
        ))  # fmt: skip
    if not parts:
        return out
    chains, problems = _chains(cells, provenance, text, parts)
    out.extend(problems)
    if not chains:
        return out
    figures = narrative_figures(text)
    out.extend(_settle(cells, chains, figures))
    return out


def _narrative_citations(cells: dict[str, CellValue], cited: list[Cited], text: str) -> list[Violation]:
    """A cell whose span is a figure of the narrative (digits followed by 件): it must name that cell."""
    out = []
    figures: list[Figure] | None = None
    for s, e, path, x in cited:
        if figures is None:
            figures = narrative_figures(text)
        named = {f.cell for f in figures if f.start == s and f.end == e}
        if path not in named and not _forced(path, cells):
            what = f"names {', '.join(sorted(named))}" if named else "names no cell this verifier can tell"
            out.append(_violation(
                EVIDENCE, [path],
                f"{path}: cites the report's figure {x}件 at {s}, which {what} — not this cell",
                found=x,
            ))  # fmt: skip
    return out


def _forced(path: str, cells: dict[str, CellValue]) -> bool:
    """Whether an identity over ``path`` has every other cell's value: then the identity check (which must
    hold) fixes this value whatever sentence it was taken from."""
    for s in _identities(cells):
        members = _cells(s)
        if path in members and all(c == path or cells.get(c) is not None for c in members):
            return True
    return False


def _violation(rule: str, cells: list[str], message: str, **kw: str | None) -> Violation:
    return Violation(rule=rule, severity="error", cells=cells, message=message, **kw)


def _chains(
    cells: dict[str, CellValue], provenance: dict[str, Provenance], text: str, parts: list[str]
) -> tuple[list[Chain], list[Violation]]:
    """Group the cited runs into chains and check each is used up exactly, left to right."""
    # every cell citing digits, by the run it cites (the runs holding a part, and whole runs beside them)
    runs: dict[tuple[int, int], list[str]] = {}
    for path in parts:
        pr = provenance[path]
        runs.setdefault(_run(text, pr.span.start, pr.span.end), []).append(path)
    order = {p: i for i, p in enumerate(cells)}
    whole: dict[tuple[int, int], list[str]] = {}
    for path, pr in provenance.items():
        if path in parts or pr.method not in ("read", "inferred"):
            continue
        s, e = pr.span.start, pr.span.end
        if 0 <= s < e <= len(text) and text[s:e].isdigit() and _run(text, s, e) == (s, e):
            whole.setdefault((s, e), []).append(path)
    problems: list[Violation] = []
    chains: list[Chain] = []
    seen: set[tuple[int, int]] = set()
    for key in sorted(runs):
        if key in seen:
            continue
        group = [key]  # extend over neighbouring cited runs separated by blanks only
        for step in (-1, 1):
            at = key
            while True:
                nxt = _neighbour(text, at, step)
                if nxt is None or (nxt not in runs and nxt not in whole):
                    break
                group.append(nxt)
                at = nxt
        group.sort()
        seen.update(group)
        chain_cells = sorted(
            {c for g in group for c in runs.get(g, []) + whole.get(g, [])}, key=lambda c: order.get(c, 0)
        )
        tiles, bad = _tiling(text, group, chain_cells, provenance)
        if not bad and _beside_unread(text, group[0], group[-1]):
            bad = _violation(AMBIGUOUS, chain_cells, _say(chain_cells, text, tiles, UNREAD_BESIDE))
        if bad:
            problems.append(bad)
            continue
        proposed = tuple(int(cells[c] or 0) for c in chain_cells)
        readings = _chain_readings([text[a:b] for a, b in tiles], len(chain_cells), MAX_READINGS)
        if readings is None:
            problems.append(_violation(AMBIGUOUS, chain_cells, _say(chain_cells, text, tiles, "too many readings")))
            continue
        chains.append(Chain(tiles, chain_cells, proposed, readings))
    return chains, problems


UNREAD_BESIDE = "a mark beside these digits could not be read: it may be digits of these cells"


def _is_unread(ch: str) -> bool:
    """A mark a reader could not read (:data:`~nianbao.schema.UNREAD_MARK`), or a Latin letter (a digit
    misread: ``9`` as ``g``): no template's row prints one beside its values."""
    return ch == UNREAD_MARK or ("a" <= ch.lower() <= "z")


def _beside_unread(text: str, first: tuple[int, int], last: tuple[int, int]) -> bool:
    """Whether an unread mark (:func:`_is_unread`) stands beside a chain, across blanks only: the chain's
    digits are then not all that is printed there, and cutting them by their count (``6 87`` beside an
    unread ``9``, cut 6 | 8 | 7) is no reading of the source."""
    i, j = _past_blanks(text, first[0], -1, LINE_BLANKS), _past_blanks(text, last[1], 1, LINE_BLANKS)
    return (i > 0 and _is_unread(text[i - 1])) or (j < len(text) and _is_unread(text[j]))


BLANKS = " \t\u3000"  # what separates a chain's runs: not a line break or a pipe
LINE_BLANKS = BLANKS + "\r\n"  # and an unread mark from a chain: a cell a line (``\ufffd`` above ``6 87``) too


def _past_blanks(text: str, at: int, step: int, blanks: str = BLANKS) -> int:
    """From a run's end (``step`` 1) or start (-1), the position past the ``blanks`` beside it: the next
    character is ``text[at]`` going right, ``text[at - 1]`` going left."""
    if step > 0:
        while at < len(text) and text[at] in blanks:
            at += 1
        return at
    while at > 0 and text[at - 1] in blanks:
        at -= 1
    return at


def _neighbour(text: str, run: tuple[int, int], step: int) -> tuple[int, int] | None:
    """The digit run next to ``run`` across blanks only (spaces, tabs; not a line break or a pipe)."""
    if step > 0:
        i = _past_blanks(text, run[1], 1)
        if i == run[1] or i >= len(text) or not text[i].isdigit():
            return None
        return _run(text, i, i + 1)
    i = _past_blanks(text, run[0], -1)
    if i == run[0] or i == 0 or not text[i - 1].isdigit():
        return None
    return _run(text, i - 1, i)


def _tiling(
    text: str, group: list[tuple[int, int]], chain_cells: list[str], provenance: dict[str, Provenance]
) -> tuple[list[tuple[int, int]], Violation | None]:
    """The runs as the cells must use them up (an item-number tail cut off the last), or what is wrong."""
    spans = [(provenance[c].span.start, provenance[c].span.end) for c in chain_cells]
    tiles = list(group)
    a, b = tiles[-1]
    if b - a > 1 and _ITEM_AFTER.match(text, b) and text[b - 1] != "0":
        tiles[-1] = (a, b - 1)  # "00000002.其他…": the 2 is the next label's item number
    expected = sorted(spans)
    if spans != expected:
        return tiles, _violation(
            EVIDENCE, chain_cells,
            f"{_where(text, tiles)}: the cells cite its digits out of the template's order "
            f"({', '.join(text[s:e] for s, e in spans)})",
        )  # fmt: skip
    cursor_runs = iter(tiles)
    run = next(cursor_runs)
    at = run[0]
    for (s, e), cell in zip(spans, chain_cells, strict=True):
        while at >= run[1]:
            nxt = next(cursor_runs, None)
            if nxt is None:
                break
            run, at = nxt, nxt[0]
        if s != at or e > run[1]:
            gap = text[at:s] if s > at else ""
            why = f"digits '{gap}' at {at}-{s} are left over before {cell}" if gap else f"{cell} overlaps or skips"
            return tiles, _violation(EVIDENCE, chain_cells, f"{_where(text, tiles)}: {why}", found=text[s:e])
        part = text[s:e]
        if len(part) > 1 and part[0] == "0":
            return tiles, _violation(
                EVIDENCE, [cell], f"{_where(text, tiles)}: {cell} takes '{part}', a number with a leading zero"
            )
        at = e
    left = [text[at : run[1]]] if at < run[1] else []
    left += [text[x:y] for x, y in list(cursor_runs)]
    if left:
        return tiles, _violation(
            EVIDENCE, chain_cells, f"{_where(text, tiles)}: digits '{''.join(left)}' are left over (used by no cell)"
        )
    return tiles, None


def _where(text: str, tiles: list[tuple[int, int]]) -> str:
    return f"the run-together '{' '.join(text[a:b] for a, b in tiles)}' at {tiles[0][0]}"


def _say(chain_cells: list[str], text: str, tiles: list[tuple[int, int]], why: str) -> str:
    return f"{_where(text, tiles)} ({len(chain_cells)} cells): {why}"


def _settle(cells: dict[str, CellValue], chains: list[Chain], figures: list[Figure]) -> list[Violation]:
    """Which readings the count of digits, the narrative and the identities leave; a violation unless it is
    one, the proposed one. A chain with one reading by its digits and the narrative alone is settled by the
    print, and the identities do not unsettle it (where they break, that is the agency's arithmetic)."""
    fixed = dict(cells)
    stated: dict[str, set[int]] = {}
    for f in figures:
        stated.setdefault(f.cell, set()).add(f.value)
    out: list[Violation] = []
    open_chains: list[Chain] = []
    for ch in chains:
        for j, cell in enumerate(ch.cells):
            said = stated.get(cell)
            if said and any(r[j] in said for r in ch.readings):
                ch.readings = [r for r in ch.readings if r[j] in said]
        if len(ch.readings) == 1:
            if ch.readings[0] != ch.proposed:
                out.append(
                    _unsettled(ch, EVIDENCE, "the only reading its digits and the narrative allow is", ch.readings)
                )
            fixed.update(zip(ch.cells, ch.readings[0], strict=True))
        else:
            open_chains.append(ch)
    if not open_chains:
        return out
    in_chain = {c: (i, j) for i, ch in enumerate(open_chains) for j, c in enumerate(ch.cells)}
    identities = _identities(cells)
    for i, ch in enumerate(open_chains):
        local = [s for s in identities if _only(s, in_chain, i)]
        ch.readings = [r for r in ch.readings if all(_holds(s, fixed, in_chain, {i: r}) for s in local)]
    joint = [s for s in identities if len({in_chain[c][0] for c in _cells(s) if c in in_chain}) > 1]
    solutions, complete = _search(open_chains, joint, fixed, in_chain)
    unique = complete and len(solutions) == 1
    every = complete and len(solutions) < _MAX_SOLUTIONS  # all surviving readings are in ``solutions``
    for i, ch in enumerate(open_chains):
        options = sorted({s[i] for s in solutions}, key=lambda r: r != ch.proposed)
        if unique:
            if solutions[0][i] != ch.proposed:
                out.append(
                    _unsettled(ch, EVIDENCE, "the only reading the identities and the narrative allow is", options)
                )
        elif not complete:
            out.append(_unsettled(ch, AMBIGUOUS, "too many readings to settle; some are", options))
        elif not solutions:
            out.append(_unsettled(ch, AMBIGUOUS, "no reading agrees with the identities", []))
        elif len(options) > 1:
            # only the cells whose value differs between the surviving readings are unsettled: a cell that
            # every reading the source allows gives the same value is settled by it (平潭 2023's 77, stated)
            open_cells = (
                [c for j, c in enumerate(ch.cells) if len({r[j] for r in options} | {ch.proposed[j]}) > 1]
                if every
                else None
            )
            out.append(
                _unsettled(
                    ch, AMBIGUOUS, f"{len(options)} readings agree with the identities and the narrative:", options,
                    open_cells,
                )
            )  # fmt: skip
    return out


def _unsettled(
    ch: Chain, rule: str, what: str, options: Sequence[tuple[int, ...]], open_cells: list[str] | None = None
) -> Violation:
    shown = "; ".join(" ".join(map(str, r)) for r in options[:5])
    more = f" (and {len(options) - 5} more)" if len(options) > 5 else ""
    rows = sorted({c.rsplit(".", 1)[0] for c in ch.cells}, key=[c.rsplit(".", 1)[0] for c in ch.cells].index)
    proposed = " ".join(map(str, ch.proposed))
    message = f"{' / '.join(rows)}: digits run together, cut as {proposed}: {what} {shown}{more}"
    named = list(ch.cells) if open_cells is None else open_cells
    return _violation(rule, named, message.rstrip(), expected=shown or None, found=proposed)


def _cells(s: object) -> tuple[str, ...]:
    return (*s.parts, *s.totals)  # type: ignore[attr-defined]


def _identities(cells: dict[str, CellValue]) -> list[object]:
    rows = tuple(r for r in APPLICATION_ROWS if f"applications.{r}.total" in cells)
    results = tuple(r for r in RESULT_ROWS if f"applications.{r}.total" in cells)
    return list(sum_identities(rows, results))


def _only(s: object, in_chain: dict[str, tuple[int, int]], i: int) -> bool:
    chains = {in_chain[c][0] for c in _cells(s) if c in in_chain}
    return chains == {i}


def _holds(
    s: object, fixed: dict[str, CellValue], in_chain: dict[str, tuple[int, int]], chosen: dict[int, tuple[int, ...]]
) -> bool:
    """Whether the identity holds with the chosen readings; True where a cell it needs is blank."""

    def value(c: str) -> int | None:
        if c in in_chain:
            i, j = in_chain[c]
            return chosen[i][j]
        v = fixed.get(c)
        return None if v is None else int(v)

    parts = [value(c) for c in s.parts]  # type: ignore[attr-defined]
    totals = [value(c) for c in s.totals]  # type: ignore[attr-defined]
    if any(v is None for v in parts + totals):
        return True
    return sum(v for v in parts if v is not None) == sum(v for v in totals if v is not None)


def _search(
    chains: list[Chain], joint: list[object], fixed: dict[str, CellValue], in_chain: dict[str, tuple[int, int]]
) -> tuple[list[tuple[tuple[int, ...], ...]], bool]:
    """Joint readings of every chain, all of them when there are few (a set of every distinct one, enough
    to say which readings remain); ``complete`` False when the search grew too large."""
    order = sorted(range(len(chains)), key=lambda i: len(chains[i].readings))
    last: dict[int, list[object]] = {}  # an identity is checked once its last chain is chosen
    for s in joint:
        mine = {in_chain[c][0] for c in _cells(s) if c in in_chain}
        last.setdefault(max(mine, key=order.index), []).append(s)
    solutions: list[tuple[tuple[int, ...], ...]] = []
    chosen: dict[int, tuple[int, ...]] = {}
    nodes = 0

    def go(k: int) -> bool:
        nonlocal nodes
        if k == len(order):
            solutions.append(tuple(chosen[i] for i in range(len(chains))))
            return len(solutions) < _MAX_SOLUTIONS
        i = order[k]
        for r in chains[i].readings:
            nodes += 1
            if nodes > MAX_NODES:
                return False
            chosen[i] = r
            if all(_holds(s, fixed, in_chain, chosen) for s in last.get(i, [])) and not go(k + 1):
                return False
        chosen.pop(i, None)
        return True

    complete = go(0)
    if not complete and len(solutions) >= _MAX_SOLUTIONS:
        complete = True  # stopped at many solutions: certainly not unique, and the first ones are shown
    return solutions, complete


# ---------------------------------------------------------------- a 0 placed by the identities


def check_forced_zeros(
    cells: dict[str, CellValue], provenance: dict[str, Provenance], text: str | None
) -> list[Violation]:
    """A cell printed blank whose 0 is ``inferred`` (no digit in its span: nothing printed) must be forced by
    the identities over the other values: the only unknown of an identity whose other terms have values,
    or one of the unknowns of a side whose known terms already add up to the other side (non-negative
    counts: each is 0). Propagated to a fixpoint, as the rules parser places such zeros; whoever claims one
    that no identity forces (a model answering ``inferred`` for a cell the identities leave open) is told so."""
    open_: set[str] = set()
    for path, pr in provenance.items():
        if pr.method != "inferred" or cells.get(path) is None:
            continue  # (tested first: nearly every cell is read, and slicing each cost ~10 % of verification)
        start, end = pr.span.start, pr.span.end
        if text is not None and 0 <= start <= end <= len(text):
            printed = _DIGIT.search(text, start, end)  # (searched in place: no slice, no per-character loop)
        else:
            printed = _DIGIT.search(pr.text)
        if printed is None:
            open_.add(path)
    if not open_:
        return []
    equations = [(_parts(s), _totals(s)) for s in _identities(cells)]

    def known(c: str) -> bool:
        return c not in open_ and cells.get(c) is not None

    changed = True
    while changed and open_:
        changed = False
        for left, right in equations:
            for side, other in ((left, right), (right, left)):
                unknown = [c for c in side if c in open_]
                if not unknown or not all(known(c) for c in other) or not all(known(c) or c in open_ for c in side):
                    continue
                rest = sum(int(cells[c] or 0) for c in side if c not in open_)
                if len(unknown) == 1 or rest == sum(int(cells[c] or 0) for c in other):
                    open_.difference_update(unknown)
                    changed = True
    return [
        _violation(
            EVIDENCE,
            [path],
            f"{path}: 0 placed for a cell printed blank, but no identity forces it: the other cells of every "
            "identity over it leave its value open",
            found="0",
        )
        for path in sorted(open_)
    ]


def _parts(s: object) -> tuple[str, ...]:
    return s.parts  # type: ignore[attr-defined,no-any-return]


def _totals(s: object) -> tuple[str, ...]:
    return s.totals  # type: ignore[attr-defined,no-any-return]


# ---------------------------------------------------------------- every printed number accounted for

_PRINTED = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_YEAR_AFTER = re.compile(r"\s*年")
_PAGE = re.compile(r"第\s*$|[-—]\s*$")
_PAGE_AFTER = re.compile(r"\s*页|\s*[-—]")


def _explained(text: str, m: re.Match[str], runs: list[re.Match[str]], k: int, cited: set[int]) -> bool:
    """A number printed beside a table's values that is no value: an item number, a year, a page number, a
    note in brackets, a printed run of column numbers (1 2 3 4 5 …, none of them cited)."""
    s, e, t = m.start(), m.end(), m.group()
    if t.isdigit() and len(t) == 1 and re.match(r"[.、．](?!\d)", text[e : e + 2]):
        return True  # "3.其他", "3. 6 0 0 … 其他" (a label cut by its numbers): never a decimal
    if len(t) == 4 and t[:2] in ("19", "20") and _YEAR_AFTER.match(text, e):
        return True
    if _PAGE.search(text[max(0, s - 3) : s]) and _PAGE_AFTER.match(text, e):
        return True
    line_start, line_end = text.rfind("\n", 0, s) + 1, text.find("\n", e)
    if not text[line_start:s].strip() and not text[e : len(text) if line_end < 0 else line_end].strip():
        # alone on its line between rows: a page number a PDF's text left (a value alone on its line is cited)
        return _page_alone(text, line_start)
    depth = 0
    for ch in text[max(0, s - 80) : s]:
        depth += ch in "(（"
        depth -= ch in ")）"
    if depth > 0:
        return True
    start = k - (int(t) - 1) if t.isdigit() and len(t) == 1 else -1
    if start >= 0:
        n = 0
        while start + n < len(runs) and runs[start + n].group() == str(n + 1):
            n += 1
        if n >= 5 and k - start < n and not any(runs[start + j].start() in cited for j in range(n)):
            return True
    return False


_NUMBER_LINE = re.compile(r"\s*[\d.,]+\s*\|?\s*")


def _page_alone(text: str, line_start: int) -> bool:
    """A number alone on its line is a page number a PDF→Markdown conversion left between rows when neither
    line beside it holds a number alone (one cell per line prints its values so, each cited)."""
    prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1
    prev = text[prev_start : max(prev_start, line_start - 1)].strip()
    line_end = text.find("\n", line_start)
    after_end = text.find("\n", line_end + 1) if line_end >= 0 else -1
    after = text[line_end + 1 : after_end if after_end >= 0 else len(text)] if line_end >= 0 else ""
    return bool(prev) and not _NUMBER_LINE.fullmatch(prev) and not _NUMBER_LINE.fullmatch(after)


# a cell path's table by its second letter (table_of splits the path: ~10 % of this check)
_TABLE_OF = {k[1]: table_of(k + ".x") for k in ("active_disclosure", "applications", "reviews_litigation")}


# A digit that is not a lone item number ("3.其他"): one before or after another digit, a comma or a point,
# or one not followed by a point and a non-digit (the gaps are joined by NUL, so a gap's end is such a digit).
# The pattern opens with the digit so the regex engine skips to digits by its character-set prefix (opening
# with the lookbehind tried it at every character: 19 µs a table of labels, now 2.7).
_NOT_ITEM = re.compile(r"\d(?:(?<=[\d,.]\d)|(?![.、．][^\d\x00]))")


def _only_item_numbers(text: str, starts: Sequence[int], reach: Sequence[int]) -> bool:
    """Whether the text between the spans (sorted by start; ``reach``: the furthest end up to each) holds no
    number but item numbers — then nothing printed there needs accounting for, and the per-number search
    below is skipped (a clean table's usual case; slicing and one regex, no Python loop per number). Every
    number the search would consider lies inside one such gap, and a lone digit before ``.``/``、`` and a
    word is what :func:`_explained` accepts first."""
    gaps = map(text.__getitem__, map(slice, reach[:-1], starts[1:]))
    return _NOT_ITEM.search("\x00".join(gaps)) is None


def _covered(reach: list[int], below: int, point: int) -> bool:
    """Whether one of the first ``below`` spans (sorted by start; ``reach``: the furthest end up to each) ends
    after ``point`` — one bisect instead of a pass over every span of the table."""
    return below > 0 and reach[below - 1] > point


def check_accounted(
    cells: dict[str, CellValue],
    provenance: dict[str, Provenance],
    text: str | None,
    also: Sequence[tuple[int, int]] = (),
    spans: Spans | None = None,
) -> list[Violation]:
    """Between a table's first and last value (in the text), every printed number is a value's (inside some
    cell's span) or a kind printed beside values; otherwise the row it follows is ``ambiguous`` — a number
    the reading skipped could be one of its cells. ``spans``: :func:`cited_spans` with ``cells``, where the
    caller has it."""
    if text is None:
        return []
    by_table = (spans or cited_spans(provenance, text, cells)).values
    out: list[Violation] = []
    for key, mine in by_table.items():
        if not mine:
            continue
        table = _TABLE_OF[key]
        mine.sort()
        ss, ee, _ = zip(*mine, strict=True)
        held_starts, held_ends = ss, ee
        if also:  # values kept beside the template's cells
            held_starts, held_ends = zip(*sorted([*zip(ss, ee, strict=True), *also]), strict=True)
        reach = list(accumulate(held_ends, max))  # the furthest end among the spans up to each
        if _only_item_numbers(text, held_starts, reach):
            continue
        lo, hi = ss[0], max(ee)
        starts = set(ss)
        exact = set(zip(ss, ee, strict=True))
        runs = list(_PRINTED.finditer(text, lo, hi))
        # Nearly every printed number is exactly one cell's span: those are values, and only the rest is
        # searched (a table's ~200 numbers passed three checks each: ~0.4 ms of a clean report's verification).
        found = list(map(re.Match.span, runs))
        missing = set(found).difference(exact)  # (C-level passes: a per-number loop was ~15 % of this check)
        at = dict(zip(found, range(len(found)), strict=True)) if missing else {}
        rest = [(k, runs[k]) for k in sorted(at[sp] for sp in missing)]
        cited_at = {m.start() for _, m in rest if _covered(reach, bisect_right(held_starts, m.start()), m.start())}
        values_at = cited_at | starts  # every number inside a value's span (the exact ones are among ``starts``)
        for k, m in rest:
            if m.start() in cited_at or _covered(reach, bisect_left(held_starts, m.end()), m.start()):
                continue
            if _explained(text, m, runs, k, values_at):
                continue
            before = [p for s, _, p in mine if s < m.start()]
            row = before[-1].rsplit(".", 1)[0] if before else mine[0][2].rsplit(".", 1)[0]
            row_cells = [p for _, _, p in mine if p.rsplit(".", 1)[0] == row]
            out.append(_violation(
                AMBIGUOUS, row_cells,
                f"table {table} {row}: {m.group()} printed at {m.start()} is no cell's value and no kind printed "
                "beside values (column numbers, an item number, a year, a page number, a note)",
                found=m.group(),
            ))  # fmt: skip
    return out
