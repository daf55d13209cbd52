"""Digit ranges of run-together numbers: verified only when used up exactly and when the source allows one
reading — whoever proposed the split."""

from __future__ import annotations

from nianbao.schema import Provenance, Report, Span, flatten, report_from_cells
from nianbao.verifier import verify
from nianbao.verifier.evidence import check_splits, narrative_figures

DOCS = "active_disclosure.normative_documents"


def _part(text: str, run: str, lo: int, hi: int, at: int = 0) -> Provenance:
    start = text.index(run, at) + lo
    return Provenance(span=Span(start=start, end=start + hi - lo), text=text[start : start + hi - lo])


def _cells(values: dict[str, int]) -> dict[str, object]:
    cells: dict[str, object] = dict.fromkeys(flatten(Report()), None)
    cells.update(values)
    return cells


def _docs(text: str, cuts: list[tuple[int, int]], values: list[int]) -> tuple[dict[str, object], dict[str, Provenance]]:
    cols = ("issued", "repealed", "in_force")
    prov = {f"{DOCS}.{c}": _part(text, "6233440", lo, hi) for c, (lo, hi) in zip(cols, cuts, strict=True)}
    return _cells({f"{DOCS}.{c}": v for c, v in zip(cols, values, strict=True)}), prov


def test_a_split_the_source_does_not_settle_is_ambiguous_with_the_proposal_first() -> None:
    text = "行政规范性文件6233440\n"
    cells, prov = _docs(text, [(0, 2), (2, 4), (4, 7)], [62, 33, 440])
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["ambiguous"]
    assert set(errors[0].cells) == set(prov) and errors[0].expected is not None
    assert errors[0].expected.startswith("62 33 440;")  # the model's choice shown first, the others after


def test_the_narrative_settles_a_split_and_a_wrong_split_is_then_an_evidence_error() -> None:
    text = "本年度制发行政规范性文件62件，现行有效行政规范性文件440件。\n行政规范性文件6233440\n"
    cells, prov = _docs(text, [(0, 2), (2, 4), (4, 7)], [62, 33, 440])
    assert check_splits(cells, prov, text) == []  # type: ignore[arg-type]
    cells, prov = _docs(text, [(0, 3), (3, 5), (5, 7)], [623, 34, 40])
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["evidence"] and "62 33 440" in errors[0].message


def test_digits_left_over_or_a_leading_zero_are_not_used_up_exactly() -> None:
    text = "行政规范性文件6233440\n"
    cells, prov = _docs(text, [(0, 2), (2, 4), (4, 6)], [62, 33, 44])  # the last 0 used by no cell
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert errors and errors[0].rule == "evidence" and "left over" in errors[0].message
    text = "行政规范性文件6203440\n"
    prov = {
        f"{DOCS}.issued": _part(text, "6203440", 0, 2),
        f"{DOCS}.repealed": _part(text, "6203440", 2, 4),
        f"{DOCS}.in_force": _part(text, "6203440", 4, 7),
    }
    cells = _cells({f"{DOCS}.issued": 62, f"{DOCS}.repealed": 3, f"{DOCS}.in_force": 440})
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert errors and "leading zero" in errors[0].message


def test_identities_settle_a_table_3_row_and_an_item_number_glued_to_it_is_no_value() -> None:
    row = "applications.granted"
    cols = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total")  # fmt: skip
    text = "(一)予以公开21710000218(二)部分公开00000002.其他\n"
    cuts = [(0, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 11)]
    prov = {f"{row}.{c}": _part(text, "21710000218", lo, hi) for c, (lo, hi) in zip(cols, cuts, strict=True)}
    values = dict(zip([f"{row}.{c}" for c in cols], [217, 1, 0, 0, 0, 0, 218], strict=True))
    zeros = "applications.partially_granted"
    prov |= {f"{zeros}.{c}": _part(text, "00000002", k, k + 1) for k, c in enumerate(cols)}
    values |= {f"{zeros}.{c}": 0 for c in cols}
    assert check_splits(_cells(values), prov, text) == []  # type: ignore[arg-type]
    values[f"{row}.natural_person"], values[f"{row}.commercial_enterprise"] = 21, 71
    prov[f"{row}.natural_person"] = _part(text, "21710000218", 0, 2)
    prov[f"{row}.commercial_enterprise"] = _part(text, "21710000218", 2, 4)
    prov[f"{row}.research_institution"] = _part(text, "21710000218", 4, 5)
    errors = check_splits(_cells(values), prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["evidence"]  # the only reading the row's identity allows is another
    assert errors[0].expected == "217 1 0 0 0 0 218" and errors[0].found == "21 71 0 0 0 0 218"


def test_a_narrative_figure_cited_for_a_cell_it_does_not_name_is_rejected() -> None:
    text = "本年度制发行政规范性文件62件，受理行政复议3件。\n"
    at = text.index("62")
    prov = {f"{DOCS}.in_force": Provenance(span=Span(start=at, end=at + 2), text="62", method="inferred")}
    errors = check_splits(_cells({f"{DOCS}.in_force": 62}), prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["evidence"] and "normative_documents.issued" in errors[0].message
    prov = {f"{DOCS}.issued": Provenance(span=Span(start=at, end=at + 2), text="62", method="inferred")}
    assert check_splits(_cells({f"{DOCS}.issued": 62}), prov, text) == []  # type: ignore[arg-type]
    assert {f.cell for f in narrative_figures(text)} == {f"{DOCS}.issued", "reviews_litigation.review.total"}


def test_a_saved_record_is_rejected_on_reverification_whoever_proposed_the_split() -> None:
    text = "行政规范性文件6233440\n"
    cells, prov = _docs(text, [(0, 2), (2, 4), (4, 7)], [62, 33, 440])
    report = report_from_cells(cells, agency=None, year=None, template="2021")  # type: ignore[arg-type]
    verdict = verify(report, prov, text)
    assert verdict.status == "rejected" and any(v.rule == "ambiguous" for v in verdict.errors)


def test_a_number_no_cell_reads_between_a_tables_values_makes_its_row_ambiguous() -> None:
    from nianbao.verifier.evidence import check_accounted

    text = "行政许可\t5\n行政处罚\t6\t9\n行政强制\t7\n3.其他 (其中告知承诺制 3204 件) 2024年\n行政事业性收费\t8\n"
    paths = ["licensing.decisions", "penalty.decisions", "coercion.decisions", "fees.amount_10k_yuan"]
    prov, values = {}, {}
    for path, digit in zip(paths, "5678", strict=True):
        at = text.index(f"\t{digit}") + 1
        prov[f"active_disclosure.{path}"] = Provenance(span=Span(start=at, end=at + 1), text=digit)
        values[f"active_disclosure.{path}"] = int(digit)
    errors = check_accounted(_cells(values), prov, text)  # type: ignore[arg-type]
    # 9 follows 行政处罚's 6 unread; the item number, the note and the year are printed beside values
    assert [(v.rule, v.found, v.cells) for v in errors] == [("ambiguous", "9", ["active_disclosure.penalty.decisions"])]


def test_a_number_with_a_leading_zero_is_never_read_as_one_value() -> None:
    text = "规章000\n"
    at = text.index("000")
    prov = {"active_disclosure.regulations.issued": Provenance(span=Span(start=at, end=at + 3), text="000")}
    errors = check_splits(_cells({"active_disclosure.regulations.issued": 0}), prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["evidence"] and "leading zero" in errors[0].message


def test_an_ambiguous_split_names_only_the_cells_its_readings_disagree_on() -> None:
    # 平潭 2023: the narrative states 制发 77 (with "的"), the run 77132470 leaves 废止 | 现行有效 open
    text = "动态更新本年度制发的规范性文件77件。\n行政规范性文件77132470\n"
    cols = ("issued", "repealed", "in_force")
    prov = {
        f"{DOCS}.{c}": _part(text, "77132470", lo, hi)
        for c, (lo, hi) in zip(cols, [(0, 2), (2, 5), (5, 8)], strict=True)
    }
    cells = _cells({f"{DOCS}.issued": 77, f"{DOCS}.repealed": 132, f"{DOCS}.in_force": 470})
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert [v.rule for v in errors] == ["ambiguous"]
    assert errors[0].cells == [f"{DOCS}.repealed", f"{DOCS}.in_force"]
    # a proposal that disagrees with what every reading gives that cell is named for it too
    prov[f"{DOCS}.issued"], prov[f"{DOCS}.repealed"] = _part(text, "77132470", 0, 1), _part(text, "77132470", 1, 5)
    cells.update({f"{DOCS}.issued": 7, f"{DOCS}.repealed": 7132})
    errors = check_splits(cells, prov, text)  # type: ignore[arg-type]
    assert errors and f"{DOCS}.issued" in errors[0].cells


def test_a_zero_placed_for_a_blank_cell_must_be_forced_by_the_identities() -> None:
    from nianbao.schema import APPLICANT_COLUMNS
    from nianbao.verifier.evidence import check_forced_zeros

    text = "一、本年新收政府信息公开申请数量\t26\t\t\t\t\t\t26\n"
    row = "applications.new_received"
    at = text.index("26")
    read = Provenance(span=Span(start=at, end=at + 2), text="26")
    blank = Provenance(span=Span(start=at + 3, end=at + 3), text="", method="inferred")
    prov = {f"{row}.{c}": blank for c in APPLICANT_COLUMNS}
    prov[f"{row}.natural_person"] = read
    prov[f"{row}.total"] = Provenance(span=Span(start=at + 8, end=at + 10), text="26")
    cells = _cells({f"{row}.{c}": 0 for c in APPLICANT_COLUMNS} | {f"{row}.natural_person": 26, f"{row}.total": 26})
    assert check_forced_zeros(cells, prov, text) == []  # 26 = 26 + five blanks: each is 0  # type: ignore[arg-type]
    # the same zeros where 总计 is blank too: 自然人 26 leaves 总计 and the five open — none is forced
    prov[f"{row}.total"] = blank
    cells[f"{row}.total"] = 0
    errors = check_forced_zeros(cells, prov, text)  # type: ignore[arg-type]
    assert {c for v in errors for c in v.cells} == {f"{row}.{c}" for c in APPLICANT_COLUMNS} - {f"{row}.natural_person"}
    assert all(v.rule == "evidence" for v in errors)


def _not_item_by_hand(gaps: str) -> bool:
    """The definition _NOT_ITEM encodes, one digit at a time: a digit after a digit, comma or point, or one
    not followed by a point and a non-digit (NUL joins the gaps)."""
    for i, ch in enumerate(gaps):
        if not ch.isdecimal():  # (\d: any decimal digit, as the regex)
            continue
        if i > 0 and (gaps[i - 1].isdecimal() or gaps[i - 1] in ",."):
            return True
        nxt = gaps[i + 1 : i + 3]
        if not (len(nxt) == 2 and nxt[0] in ".、．" and not nxt[1].isdecimal() and nxt[1] != "\x00"):
            return True
    return False


def test_the_item_number_fast_path_finds_exactly_the_digits_that_are_no_item_number() -> None:
    import random

    from nianbao.verifier.evidence import _NOT_ITEM

    rnd = random.Random(7)
    alphabet = "0123456789０.,、．\x00 件一（）\n"
    for _ in range(20000):
        gaps = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 10)))
        assert (_NOT_ITEM.search(gaps) is not None) == _not_item_by_hand(gaps), repr(gaps)
    assert _NOT_ITEM.search("（一）主动公开\x003.其他\x00") is None  # item numbers only
    assert _NOT_ITEM.search("合计\x0012") is not None  # a value the reading skipped


def test_digits_cut_by_their_count_beside_a_mark_no_reader_could_read_are_not_settled() -> None:
    """A scan's table-2 row ``g 6 87`` (its 9 read as a letter, marked unread): its digits are not all it
    prints, so ``6 87`` cut 6 | 8 | 7 — three digits for three cells, the only cut of them — is no reading.
    Without the mark the same cut stands (a run-together text's row). A mark after the digits counts too."""
    cols = ("issued", "repealed", "in_force")
    for row, expected in (
        ("行政规范性文件\t\ufffd\t6\t87\n", ["ambiguous"]),
        ("行政规范性文件\t6\t87 \ufffd\n", ["ambiguous"]),
        ("行政规范性文件\tg\t6\t87\n", ["ambiguous"]),  # the letter as read, not marked: the same
        ("行政规范性文件\n\t\ufffd\n\t6 87\n", ["ambiguous"]),  # a cell a line: the mark on the line above
        ("行政规范性文件\t6\t87\n", []),
    ):
        text = "二、主动公开政府信息情况\n" + row
        six, run = text.index("6"), text.index("87")
        spans = [(six, six + 1), (run, run + 1), (run + 1, run + 2)]
        prov = {f"{DOCS}.{c}": Provenance(span=Span(start=a, end=b), text=text[a:b], method="inferred")
                for c, (a, b) in zip(cols, spans, strict=True)}  # fmt: skip
        cells = _cells({f"{DOCS}.{c}": v for c, v in zip(cols, (6, 8, 7), strict=True)})
        assert [v.rule for v in check_splits(cells, prov, text)] == expected, row  # type: ignore[arg-type]
