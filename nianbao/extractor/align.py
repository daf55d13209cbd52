"""Identity-guided alignment: place values when the layout lost the cell boundaries.

Two damages are handled, both as a constraint problem over the whole table:

* **glued** cells — a page that runs every cell together (``21710000218`` is 217,1,0,0,0,0,218): a digit
  group is cut into cells, each a number without a leading zero;
* **dropped** blanks — flattening removed empty cells, so a row shows fewer values than columns
  (``103 3 1 107`` for seven columns): whole values are placed in order and the gaps read as 0.

A row's readings are first filtered by its own identity (row total, group total); table 3 is then
solved as a whole against the column identities (（七）总计 and the balance 一+二 = 三+四). A cell is
accepted only when every consistent reading of the whole table gives it the same value — the unique
reading — and is then recorded as inferred. Anything else stays blank with the candidate readings
reported. Never a guess.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import combinations, pairwise, product

_GROUP = re.compile(r"\d+(?:\.\d+)?")
MAX_READINGS = 5000  # per row: beyond this the row is too damaged to read by identities


@dataclass(frozen=True)
class Piece:
    """One cell of a reading: its value and the characters it came from (start == end: a dropped blank)."""

    value: int | Decimal
    start: int
    end: int

    @property
    def dropped(self) -> bool:
        return self.start == self.end


Reading = tuple[Piece, ...]


@dataclass(frozen=True)
class Group:
    text: str  # the digits (and a decimal point)
    start: int
    # a sign printed right against the digits ("90-8": 90 and −8; 减4): the group is one signed cell,
    # never cut, its span the sign and the digits
    sign: str = ""
    # a whole printed cell (a converter's pipe cell, its neighbours dropped): placed, never cut
    cell: bool = False

    @property
    def value(self) -> int | Decimal:
        number: int | Decimal = Decimal(self.text) if "." in self.text else int(self.text)
        return -number if self.sign in _MINUS else number

    @property
    def whole(self) -> bool:
        """Whether the group can only be one cell (a decimal, or signed)."""
        return "." in self.text or bool(self.sign) or self.cell


_PARENS = re.compile(r"\([^()\n]*\)")
_MINUS = ("-", "−", "减")
_SIGNS = (*_MINUS, "+", "增")


def digit_groups(text: str, start: int, end: int) -> list[Group]:
    """Digit runs of a region, leaving out those inside parentheses (a header's ``(指2019年事项数)``)."""
    hidden = [(m.start(), m.end()) for m in _PARENS.finditer(text, start, end)]
    groups = []
    for m in _GROUP.finditer(text, start, end):
        if any(a <= m.start() < b for a, b in hidden):
            continue
        sign = text[m.start() - 1] if m.start() > start and text[m.start() - 1] in _SIGNS else ""
        groups.append(Group(m.group(), m.start(), sign))
    return groups


@lru_cache(maxsize=4096)
def _splits(digits: str, parts: int) -> tuple[tuple[int, ...], ...]:
    """Cut positions splitting ``digits`` into ``parts`` numbers without leading zeros."""
    if parts == 1:
        return ((),) if (len(digits) == 1 or digits[0] != "0") else ()
    out = []
    first_max = 1 if digits[0] == "0" else len(digits) - parts + 1
    for cut in range(1, first_max + 1):
        for rest in _splits(digits[cut:], parts - 1):
            out.append((cut, *(cut + r for r in rest)))
    return tuple(out)


def _split_group(group: Group, parts: int) -> Iterator[tuple[Piece, ...]]:
    if group.whole:  # a decimal (a fee) or a signed change is one cell, never cut
        if parts == 1:
            yield (Piece(group.value, group.start - len(group.sign), group.start + len(group.text)),)
        return
    for cuts in _splits(group.text, parts):
        bounds = (0, *cuts, len(group.text))
        yield tuple(Piece(int(group.text[a:b]), group.start + a, group.start + b) for a, b in pairwise(bounds))


def _compositions(total: int, caps: Sequence[int]) -> Iterator[tuple[int, ...]]:
    if len(caps) == 1:
        if 1 <= total <= caps[0]:
            yield (total,)
        return
    for k in range(1, min(caps[0], total - len(caps) + 1) + 1):
        for rest in _compositions(total - k, caps[1:]):
            yield (k, *rest)


def glued_readings(groups: Sequence[Group], ncols: int) -> Iterator[Reading]:
    """Every way to cut the groups into exactly ``ncols`` cells, in order."""
    caps = [1 if g.whole else len(g.text) for g in groups]
    for counts in _compositions(ncols, caps):
        for parts in product(*(_split_group(g, k) for g, k in zip(groups, counts, strict=True))):
            yield tuple(p for part in parts for p in part)


def dropped_readings(groups: Sequence[Group], ncols: int) -> Iterator[Reading]:
    """Every way to place whole groups, in order, into ``ncols`` columns, the rest read as 0."""
    if len(groups) >= ncols:
        return
    whole = []
    for g in groups:
        pieces = list(_split_group(g, 1))
        if not pieces:
            return
        whole.append(pieces[0][0])
    anchor = whole[0].start if whole else 0
    for cols in combinations(range(ncols), len(whole)):
        row: list[Piece] = [Piece(0, anchor, anchor)] * ncols
        for col, piece in zip(cols, whole, strict=True):
            row[col] = piece
        yield tuple(row)


def readings(groups: Sequence[Group], ncols: int, check: Callable[[Sequence[int | Decimal]], bool]) -> list[Reading]:
    """Readings of one row that satisfy its own identity, glued and dropped together, distinct by value."""
    seen: dict[tuple[int | Decimal, ...], Reading] = {}
    count = 0
    # One run of digits with at least as many digits as cells is cells run together: nothing was printed
    # blank, so no reading may invent blank cells ("34089" for three cells is never "34089 (0) (0)").
    glued_only = len(groups) == 1 and not groups[0].whole and len(groups[0].text) >= ncols
    gens = (
        (glued_readings(groups, ncols),)
        if glued_only
        else (glued_readings(groups, ncols), dropped_readings(groups, ncols))
    )
    for gen in gens:
        for r in gen:
            count += 1
            if count > MAX_READINGS:
                break
            values = tuple(p.value for p in r)
            if values not in seen and check(values):
                seen[values] = r
    return list(seen.values())


def row_total_ok(values: Sequence[int | Decimal]) -> bool:
    return sum(values[:-1]) == values[-1]


def group_totals_ok(values: Sequence[int | Decimal]) -> bool:
    return all(sum(values[i : i + 4]) == values[i + 4] for i in range(0, len(values), 5))


def no_check(values: Sequence[int | Decimal]) -> bool:
    return True


@dataclass
class Solution:
    chosen: dict[str, Reading] = field(default_factory=dict)  # rows whose reading is unique
    ambiguous: dict[str, list[Reading]] = field(default_factory=dict)  # rows with several readings left
    unreadable: list[str] = field(default_factory=list)  # rows with no consistent reading at all
    exhausted: bool = False  # too many partial sums: nothing beyond row-level uniqueness accepted


def _row_level(sol: Solution, live: dict[str, list[Reading]]) -> Solution:
    """Accept only rows whose own identity left one reading; the rest stay ambiguous."""
    for k, v in live.items():
        if len(v) == 1:
            sol.chosen[k] = v[0]
        else:
            sol.ambiguous[k] = v
    return sol


def solve(options: dict[str, list[Reading]]) -> Solution:
    """Each row on its own identity (tables 2 and 4; table 3 goes through :func:`solve_linear`)."""
    sol = Solution(unreadable=[k for k, opts in options.items() if not opts])
    return _row_level(sol, {k: v for k, v in options.items() if v})


def describe(reading: Reading) -> str:
    return " ".join("(0)" if p.dropped else str(p.value) for p in reading)


MAX_STATES = 50_000  # per DP layer


def solve_linear(
    options: dict[str, list[Reading]],
    order: Sequence[str],
    coefficient: Callable[[str, tuple[int | Decimal, ...]], tuple[int, ...]],
    width: int,
) -> Solution:
    """Like :func:`solve` for identities that are linear in the cells (table 3's column sums and balance):
    dynamic programming over the vector of partial sums instead of a search over combinations.

    ``coefficient(row, values)`` is the row's contribution to the identities' left-minus-right vector;
    the table is consistent when the contributions of all rows add up to zero. Forward layers hold the
    reachable partial sums, backward layers the partial sums from which zero is still reachable; a
    reading survives when it links one to the other. Milliseconds where the search took seconds.
    """
    sol = Solution()
    for key, opts in options.items():
        if not opts:
            sol.unreadable.append(key)
    keys = [k for k in order if options.get(k)]
    zero = (0,) * width

    def add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(map(operator.add, a, b))  # (3x a generator's speed: ~100 000 calls for a glued table 3)

    coefs = {k: [coefficient(k, tuple(p.value for p in r)) for r in options[k]] for k in keys}
    if any(len(c) != width for cs in coefs.values() for c in cs):  # (map would cut a longer vector short)
        raise ValueError(f"a row's contribution is not a vector of {width}")
    forward: list[set[tuple[int, ...]]] = [{zero}]
    for k in keys:
        layer = {add(s, c) for s in forward[-1] for c in coefs[k]}
        if len(layer) > MAX_STATES:
            sol.exhausted = True
            break
        forward.append(layer)
    if sol.exhausted or zero not in forward[-1]:
        # Too many combinations, or none consistent (the source may be inconsistent): accept only rows
        # whose own identity left one reading; the verifier reports what breaks.
        return _row_level(sol, {k: options[k] for k in keys})
    backward: list[set[tuple[int, ...]]] = [set() for _ in range(len(keys) + 1)]
    backward[len(keys)] = {zero}
    for i in range(len(keys) - 1, -1, -1):
        backward[i] = {s for s in forward[i] if any(add(s, c) in backward[i + 1] for c in coefs[keys[i]])}
    for i, k in enumerate(keys):
        left = [
            r for r, c in zip(options[k], coefs[k], strict=True)
            if any(add(s, c) in backward[i + 1] for s in backward[i])
        ]  # fmt: skip
        if len(left) == 1:
            sol.chosen[k] = left[0]
        else:
            sol.ambiguous[k] = left
    return sol


def forced_by_count(groups: Sequence[Group], ncols: int) -> Reading | None:
    """The one split of digits run together when there are exactly as many digits as cells ("417" for
    three cells, "0000000" for seven): each digit is a cell, whatever the identities say — a report whose
    own sums are wrong is read as printed, and the verifier calls it source_inconsistent."""
    if (
        any("." in g.text or (len(g.text) > 1 and (g.sign or g.cell)) for g in groups)
        or sum(len(g.text) for g in groups) != ncols
    ):
        return None  # ("1-10" for three cells: 1, −1, 0 or 1, −10 and a cell missing — not the count's)
    return tuple(
        Piece(g.value, g.start - len(g.sign), g.start + 1) if g.sign else Piece(int(ch), g.start + i, g.start + i + 1)
        for g in groups
        for i, ch in enumerate(g.text)
    )
