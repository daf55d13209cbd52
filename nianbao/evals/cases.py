"""The eval corpus: every golden as it is, every golden rendered in every format and noise variant, and
copies whose printed numbers were altered so that the source itself breaks an identity.

A case carries the truth (what the file *prints*) and what a right outcome is: ``verified``, or a
rejection the file deserves — the report's own arithmetic (``source_inconsistent``), cells the file
cannot determine (``unresolvable``), or zeros printed blank that no identity forces (``blank_zeros``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from nianbao.errors import EvalSetupError, InternalError
from nianbao.evals import degrade
from nianbao.evals.corpus import (
    FORMATS,
    LAYOUT_FORMATS,
    LIBREOFFICE_FORMATS,
    RENDERERS,
    SCAN_FORMATS,
    UNRENDERABLE,
    VARIANTS,
    ZERO_VARIANTS,
    libreoffice,
    render,
    renderable,
    scan_pdf,
)
from nianbao.evals.degrade import FAMILIES, FAMILY_LAYOUT
from nianbao.evals.scan_builders import BUILDERS, STYLE_LAYOUT, builder_available, print_page
from nianbao.schema import Report

# The source checkout's goldens/ (absent from an installed wheel: goldens are the repository's, not the package's)
CHECKOUT_GOLDENS = Path(__file__).resolve().parents[2] / "goldens"


def find_goldens(explicit: Path | None = None) -> Path:
    """The golden cases folder: the one named, else ./goldens, else the source checkout's. A one-line
    :class:`EvalSetupError` when there is none (``nianbao eval`` run from a wheel outside the repository)."""
    for candidate in [explicit] if explicit is not None else [Path.cwd() / "goldens", CHECKOUT_GOLDENS]:
        if candidate.is_dir() and any((d / "expected.json").is_file() for d in candidate.iterdir()):
            return candidate
        if explicit is not None:
            raise EvalSetupError(f"{candidate}: not a folder of golden cases (<case>/expected.json + case.json)")
    raise EvalSetupError(
        "no goldens/ folder here: run from a nianbao checkout or pass --goldens DIR "
        "(a folder of <case>/case.json + expected.json + source)"
    )


LAYOUT_OF = {
    "md_apart": "PDF→Markdown, labels apart",
    "md_first": "PDF→Markdown, labels first",
    "txt_cut": "labels cut by their numbers (PDF text)",
    "lo_pdf": "labels wrapped (LibreOffice PDF)",
    "doc": "legacy .doc (LibreOffice)",
    "scan": "scanned, 150 dpi (turned, noisy JPEG)",
    "scan200": "scanned, 200 dpi (turned, noisy JPEG)",
    "scan_damaged": "scanned, one digit rubbed out",
    "scan_real": "scanned real PDF, 150 dpi",
}


def ocr_available() -> bool:
    """Whether the OCR extra (and the scan renderer's img2pdf) is installed: scans are generated only then."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "img2pdf"))


# Planted source errors: (what, row, column, delta) — one printed cell changed, the report's totals not.
PLANTS: tuple[tuple[str, str, str, int], ...] = (
    ("row_total", "results_total", "total", +1),  # breaks 总计 of its row, its column and the balance
    ("result_cell", "granted", "natural_person", +2),  # a result row no longer adds up, nor its column
)


@dataclass
class EvalCase:
    name: str
    kind: str  # "golden" | "rendered" | "planted"
    format: str
    variant: str
    template: str
    truth: Report
    path: Path
    expected_status: str  # "verified" | "rejected"
    expected_reason: str | None = (
        None  # for a deserved rejection: "source_inconsistent" | "unresolvable" | "blank_zeros"
    )
    unresolvable: list[str] = field(default_factory=list)
    # "caught": a layout this backend cannot read, declared in case.json with why; reported apart and
    # outside the floors, but still a silent error if it ever verifies wrong
    expected_outcome: str | None = None
    layout: str = ""  # what makes the file hard, for the eval's layouts breakdown


def _format_of(path: Path) -> str:
    return {".htm": "html", ".md": "md", ".markdown": "md"}.get(
        path.suffix.lower(), path.suffix.lower().lstrip(".") or "txt"
    )


def golden_cases(goldens: Path) -> list[EvalCase]:
    cases = []
    for case_dir in sorted(p for p in goldens.iterdir() if (p / "expected.json").is_file()):
        meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
        truth = Report.model_validate_json((case_dir / "expected.json").read_text(encoding="utf-8"))
        source = (case_dir / meta["source"]).resolve()
        unresolvable = meta.get("unresolvable_cells", [])
        reason = meta.get("expected_reason") or ("unresolvable" if unresolvable else None)
        cases.append(
            EvalCase(
                case_dir.name, "golden", _format_of(source), "as published", truth.template, truth, source,
                meta["expected_status"], reason, unresolvable, meta.get("expected_outcome"),
                meta.get("layout_tag", "as published"),
            )
        )  # fmt: skip
    return cases


def _planted(truth: Report, row: str, col: str, delta: int) -> Report:
    data = truth.model_dump()
    data["applications"][row][col] += delta
    return Report.model_validate(data)


@dataclass(frozen=True)
class Job:
    """The files of some cases and how to make them: ``make`` (a picklable call: a worker process may run it)
    writes each case's file; ``slow`` where it runs LibreOffice or Chromium, or rasterises a scan."""

    cases: tuple[EvalCase, ...]
    make: Callable[[], None]
    slow: bool = False


def _suffix(fmt: str) -> str:
    if fmt in LIBREOFFICE_FORMATS:
        return LIBREOFFICE_FORMATS[fmt][1]
    return (RENDERERS.get(fmt) or LAYOUT_FORMATS[fmt])[1]


def _write_rendering(path: Path, truth: Report, fmt: str, variant: str, golden: str) -> None:
    path.write_bytes(render(truth, fmt, variant, golden).data)


def _write_libreoffice(
    path: Path, truth: Report, fmt: str, golden: str, scans: tuple[tuple[Path, int, str, bool], ...]
) -> None:
    """A LibreOffice rendering, and the scans made from it: (path, dpi, seed, damage) each."""
    data = render(truth, fmt, "plain", golden).data
    path.write_bytes(data)
    for scan_path, dpi, seed, damage in scans:
        scan_path.write_bytes(scan_pdf(data, dpi, seed, damage=damage))


def _write_scan(path: Path, truth: Report, builder: str, style: str, family: str, seed: str) -> None:
    """A builder's table in a style (``ruled``: every rule drawn, as the degraded scans), scanned degraded."""
    path.write_bytes(degrade.scan(BUILDERS[builder](truth, style), family, seed)[0])


def _scan_job(
    g: EvalCase, path: Path, builder: str, style: str, family: str, seed: str, fmt: str, variant: str, layout: str
) -> Job:
    """A degraded scan of another builder's table: read right or rejected, never verified wrong."""
    case = EvalCase(
        f"{g.name}/{fmt}/{variant}", "rendered", fmt, variant, g.template, g.truth, path, "verified",
        expected_outcome="caught", layout=layout,
    )  # fmt: skip
    return Job((case,), partial(_write_scan, path, g.truth, builder, style, family, seed), slow=True)


def _write_real_scan(path: Path, source: Path, seed: str) -> None:
    path.write_bytes(scan_pdf(source.read_bytes(), 150, seed))


def _make(job: Job) -> bool:
    job.make()
    return True


def plan(goldens: list[EvalCase], workdir: Path) -> list[Job]:
    """The generated cases and how to make their files, in the eval's order — nothing made yet (which cases
    are planned depends on what is installed: LibreOffice, Chromium, the OCR extra)."""
    return list(_jobs(goldens, workdir))


def generated_cases(goldens: list[EvalCase], workdir: Path, workers: int = 1) -> list[EvalCase]:
    """Renderings and planted source errors of every golden the 2021 layout can print, their files made in
    ``workers`` processes (LibreOffice's conversions each in a profile of their own, Chromium's prints each in
    a user folder of its own: they may run side by side) — the slow ones sent first."""
    from nianbao.evals.parallel import in_order

    jobs = plan(goldens, workdir)
    slow_first = [i for i, j in enumerate(jobs) if j.slow] + [i for i, j in enumerate(jobs) if not j.slow]
    for job, made in zip(jobs, in_order(_make, jobs, workers, send_first=slow_first), strict=True):
        if made is None:
            raise InternalError(f"making the eval's {job.cases[0].name}: its worker process died")
    return [case for job in jobs for case in job.cases]


def _jobs(goldens: list[EvalCase], workdir: Path) -> Iterator[Job]:
    """The generated cases, in the eval's order, with the files each job makes."""
    printable = [g for g in goldens if _printable(g)]
    if ocr_available():
        yield from degraded_scans(printable, workdir)
        yield from styled_scans(printable, workdir)
        yield from web_page_scans(goldens, workdir)
    printed = {g.name: k for k, g in enumerate(printable)}
    for g in goldens:
        if g.kind == "golden" and g.format == "pdf" and not g.expected_outcome and ocr_available():
            yield _real_scan(g, workdir)
        if not _printable(g):
            continue
        for fmt in FORMATS:
            for variant in VARIANTS:
                if (fmt, variant) in UNRENDERABLE:
                    continue
                path = workdir / f"{g.name}.{variant}{_suffix(fmt)}"
                zeros = variant in ZERO_VARIANTS
                case = EvalCase(
                    f"{g.name}/{fmt}/{variant}", "rendered", fmt, variant, g.template, g.truth, path,
                    "verified", "blank_zeros" if zeros else None, layout=f"rendered: {variant}",
                )  # fmt: skip
                yield Job((case,), partial(_write_rendering, path, g.truth, fmt, variant, g.name))
            if fmt == "docx" and libreoffice() is not None:  # and as LibreOffice makes PDFs and .doc from it
                for lo in LIBREOFFICE_FORMATS:
                    path = workdir / f"{g.name}.{lo}{_suffix(lo)}"
                    case = EvalCase(
                        f"{g.name}/{lo}/plain", "rendered", lo, "plain", g.template, g.truth, path, "verified",
                        layout=LAYOUT_OF[lo],
                    )  # fmt: skip
                    # and that PDF printed and scanned
                    scans = _scans(g, workdir, printed[g.name]) if lo == "lo_pdf" and ocr_available() else []
                    plan = tuple((c.path, dpi, seed, damage) for c, dpi, seed, damage in scans)
                    make = partial(_write_libreoffice, path, g.truth, lo, g.name, plan)
                    yield Job((case, *(c for c, *_ in scans)), make, slow=True)
            for what, row, col, delta in PLANTS:
                truth = _planted(g.truth, row, col, delta)
                path = workdir / f"{g.name}.planted_{what}{_suffix(fmt)}"
                case = EvalCase(
                    f"{g.name}/{fmt}/planted_{what}", "planted", fmt, "plain", g.template, truth, path,
                    "rejected", "source_inconsistent", layout="planted source error",
                )  # fmt: skip
                yield Job((case,), partial(_write_rendering, path, truth, fmt, "plain", g.name))
        for fmt in LAYOUT_FORMATS:  # real layouts, as made by converters: read right, and an error planted
            plants = [(f"planted_{w}", _planted(g.truth, row, col, delta)) for w, row, col, delta in PLANTS]
            for what, truth in [("plain", g.truth), *plants]:
                path = workdir / f"{g.name}.{fmt}.{what}{_suffix(fmt)}"
                planted = what != "plain"
                case = EvalCase(
                    f"{g.name}/{fmt}/{what}", "planted" if planted else "rendered", fmt, "plain", g.template, truth,
                    path, "rejected" if planted else "verified", "source_inconsistent" if planted else None,
                    layout="planted source error" if planted else LAYOUT_OF[fmt],
                )  # fmt: skip
                yield Job((case,), partial(_write_rendering, path, truth, fmt, "plain", g.name))


def _printable(g: EvalCase) -> bool:
    """A golden the 2021 layout prints, verified as it is: rendered in every format."""
    return g.kind == "golden" and g.expected_status == "verified" and not g.expected_outcome and renderable(g.truth)


# beyond the plan's rotation: the official template's table photographed and roughly scanned — turned 2–3°
# at up to 300 dpi, the skew's fit had failed and table 2 verified a fee read from another line
# — Chromium's print scanned with the scanner's lid open, and the template printed on both sides of thin paper
# (:data:`~.degrade.EXTRA_FAMILIES`)
EXTRA_SCANS: tuple[tuple[str, str], ...] = (
    ("template", "rough"),
    ("template", "phone"),
    ("chromium", "scanner"),
    ("template", "show-through"),
)


def scan_plan() -> list[tuple[str, str]]:
    """(builder, degradation family) of the degraded scans: each builder under four families, each family
    under two builders, and :data:`EXTRA_SCANS` — 16 scans, a budget of OCR time the eval can afford in CI."""
    builders = list(BUILDERS)
    plan = [(b, FAMILIES[(2 * i + j) % len(FAMILIES)]) for i, b in enumerate(builders) for j in range(4)]
    return plan + [(b, f) for b, f in EXTRA_SCANS if b in BUILDERS]


def degraded_scans(printable: list[EvalCase], workdir: Path) -> Iterator[Job]:
    """Scans of tables laid out by other builders (the official template through LibreOffice, Chromium's
    print of the web page, reportlab's platypus), degraded by a seeded mix (:mod:`.degrade`); goldens
    taken in turn. Read right or rejected are both fine (a known limit: the image may not settle a cell),
    verified wrong never; nianbao eval reports them by builder and by degradation, known limits included."""
    if not printable:
        return
    for k, (builder, family) in enumerate(scan_plan()):
        if not builder_available(builder):
            continue
        g = printable[k % len(printable)]
        path = workdir / f"{g.name}.{builder}.{family}.pdf"
        seed = f"{g.name}/{builder}/{family}"
        yield _scan_job(g, path, builder, "ruled", family, seed, f"scan_{builder}", family, FAMILY_LAYOUT[family])


# (builder, table style, degradation family) of the scans of tables drawn without trustworthy inner rules:
# each style by two builders where it can be, a copier's damage (a scan costs 15–20 s of CPU)
STYLED_SCANS: tuple[tuple[str, str, str], ...] = (
    ("chromium", "frame", "copier"),
    ("platypus", "frame", "copier"),
    ("chromium", "dotted", "copier"),
    ("platypus", "faint", "copier"),
    ("template", "horizontal", "copier"),
    ("platypus", "horizontal", "copier"),
    ("chromium", "double", "phone"),  # a doubled frame, each cell boxed apart, photographed (a held-out layout)
    ("template", "zebra", "lighting"),  # every other row shaded grey, under uneven light
)


def styled_scans(printable: list[EvalCase], workdir: Path) -> Iterator[Job]:
    """Scans of tables whose inner rules are dotted, faint, not drawn or drawn twice (:data:`.scan_builders.STYLES`):
    format ``styled_<builder>``, variant the style. Read right or rejected, never verified wrong; nianbao
    eval reports them by table style."""
    for k, (builder, style, family) in enumerate(STYLED_SCANS):
        if not printable or not builder_available(builder):
            continue
        g = printable[k % len(printable)]
        path = workdir / f"{g.name}.{builder}.{style}.{family}.pdf"
        seed = f"{g.name}/{builder}/{style}/{family}"
        layout = f"{STYLE_LAYOUT[style]} ({FAMILY_LAYOUT[family]})"
        yield _scan_job(g, path, builder, style, family, seed, f"styled_{builder}", style, layout)


# The real published web pages (the goldens' own HTML: a CMS's and Word's table layouts, fonts, merged cells,
# tables broken across pages where the browser breaks them) printed by Chromium and scanned — at 150 dpi as
# a copier scans, and degraded by a family in turn. Their layouts are nobody's here: two of the three read
# 0 of 7 scans right before the reader closed tables broken across pages and kept a heading's strokes from
# joining two tables.
WEB_PAGE_FAMILIES: tuple[str, ...] = ("copier", "phone", "rough")


def _write_web_page_scan(path: Path, source: Path, family: str, seed: str) -> None:
    pdf = print_page(source.read_bytes())
    path.write_bytes(scan_pdf(pdf, 150, seed) if family == "plain" else degrade.scan(pdf, family, seed)[0])


def web_page_scans(goldens: list[EvalCase], workdir: Path) -> Iterator[Job]:
    """Each real web page golden printed by Chromium and scanned: plain at 150 dpi, and degraded by one of
    :data:`WEB_PAGE_FAMILIES` in turn; format ``scan_web``, variant the degradation. Read right or rejected
    (an agency's name the OCR cannot settle rejects it), verified wrong never."""
    if not builder_available("chromium"):
        return
    pages = sorted((g for g in goldens if g.kind == "golden" and g.format == "html" and not g.expected_outcome),
                   key=lambda g: g.name)  # fmt: skip
    for k, g in enumerate(pages):
        for family in ("plain", WEB_PAGE_FAMILIES[k % len(WEB_PAGE_FAMILIES)]):
            path = workdir / f"{g.name}.web.{family}.pdf"
            seed = f"{g.name}/web/{family}"
            layout = "printed web page, " + ("scanned 150 dpi" if family == "plain" else FAMILY_LAYOUT[family])
            case = EvalCase(
                f"{g.name}/scan_web/{family}", "rendered", "scan_web", family, g.template, g.truth, path,
                g.expected_status, expected_outcome="caught", layout=layout,
            )  # fmt: skip
            yield Job((case,), partial(_write_web_page_scan, path, g.path, family, seed), slow=True)


def _real_scan(g: EvalCase, workdir: Path) -> Job:
    """A real published PDF (its own layout, not the generator's) printed and scanned at 150 dpi. Its
    truth is the golden's; a report whose own arithmetic fails must say, on a scan, that it cannot tell."""
    path = workdir / f"{g.name}.scan.pdf"
    reason = "source_inconsistent_on_scan" if g.expected_reason == "source_inconsistent" else g.expected_reason
    case = EvalCase(
        f"{g.name}/scan/plain", "rendered", "scan", "plain", g.template, g.truth, path, g.expected_status, reason,
        g.unresolvable, layout=LAYOUT_OF["scan_real"],
    )  # fmt: skip
    return Job((case,), partial(_write_real_scan, path, g.path, f"{g.name}/scan/real"), slow=True)


# Of the goldens' LibreOffice PDFs (the generator's own tables: the kindest scans here), every other one
# scanned, in turn at 150 dpi (the first, fifth, … golden) and at 200 dpi (the third, seventh, …), and one of
# the rest with a digit rubbed out (the second, sixth, …): CI's time. A scan costs 25–35 s of CPU; every
# golden at both and rubbed out was 18 scans more (~9 minutes of CPU), every golden once 6 more (~3 minutes).
# In the printed goldens' order, k: a cycle of four — 150 dpi, rubbed out, 200 dpi, none.
SCAN_CYCLE = 4


def _scans(g: EvalCase, workdir: Path, k: int) -> list[tuple[EvalCase, int, str, bool]]:
    """The scans of a golden's LibreOffice PDF (``k``: the golden's place among those printed), (case, dpi,
    seed, damage) each."""
    out = []
    for scan, dpi in SCAN_FORMATS.items():
        if k % 2 or (dpi == SCAN_FORMATS["scan"]) != (k % SCAN_CYCLE == 0):
            continue
        case = EvalCase(
            f"{g.name}/{scan}/plain", "rendered", scan, "plain", g.template, g.truth, workdir / f"{g.name}.{scan}.pdf",
            "verified", layout=LAYOUT_OF[scan],
        )  # fmt: skip
        out.append((case, dpi, f"{g.name}/{scan}/plain", False))
    # One digit rubbed out: the truth is still what was printed; reading it right or rejecting the report
    # are both fine (a known limit, outside the floors), verifying anything else is a silent error.
    damaged = EvalCase(
        f"{g.name}/scan/damaged", "rendered", "scan", "damaged", g.template, g.truth,
        workdir / f"{g.name}.scan_damaged.pdf", "verified", expected_outcome="caught", layout=LAYOUT_OF["scan_damaged"],
    )  # fmt: skip
    return [*out, (damaged, 150, f"{g.name}/scan_damaged/plain", True)] if k % SCAN_CYCLE == 1 else out


def all_cases(
    goldens: Path, *, generated: bool = True, workdir: Path | None = None, workers: int = 1
) -> list[EvalCase]:
    """The goldens, and (``generated``) the corpus made from them in ``workers`` processes."""
    base = golden_cases(goldens)
    if not generated:
        return base
    work = workdir or Path(tempfile.mkdtemp(prefix="nianbao-eval-"))
    return base + generated_cases(base, work, workers)
