"""The review page: a local web server (Flask, server-rendered, no build step) on 127.0.0.1.

The queue is a workload: filters (reason, rule, agency, region, year, format), counts and how many are
left, and a bulk confirmation — previewed before it applies — for reports whose every cell is read and
whose only faults are the agency's own sums. For each report the first screen shows the problem: the
cells at fault outlined one by one in the tables, the source passage (or the scan's page) beside them
with the chosen cell's span (or box) marked, the violations grouped by kind. It is worked from the
keyboard (``?`` lists the keys); every cell must be accounted for before a decision, and every decision
names its reviewer. Labels come from :mod:`nianbao.i18n` (Chinese by default, English by ``--lang`` or the
browser's Accept-Language). All report text is untrusted: it reaches the page only through Jinja's
autoescaping (and ``tojson`` for script data), never as markup.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from nianbao import i18n, review
from nianbao.errors import NianbaoError, ReviewError
from nianbao.extractor.sections import locate_sections
from nianbao.pipeline import source_if_unchanged
from nianbao.regions import regions
from nianbao.schema import Record, Violation, cell_label, cells_of, flatten
from nianbao.store import CHANGED, Listed, Row, Store
from nianbao.verifier.identities import IDENTITY_RULES

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
MAX_REQUEST = 1 << 20  # a decision is a few KB; a 300 MB POST is refused before it is read
PAGE_SIZE = 50
BULK_BATCH = 500  # reports a bulk preview offers at once
FILTERS = ("reason", "rule", "agency", "region", "year", "format")
INFORMATIONAL = frozenset({"inferred"})  # shown as a count, folded


def source_path(row_path: str, db: str | Path) -> Path:
    """A stored document path as a file here: absolute as stored, else relative to the store's folder (a
    store filled by ``nianbao run DIR`` beside it), else relative to where the page was started."""
    path = Path(row_path)
    if path.is_absolute():
        return path
    beside = Path(db).resolve().parent / path
    return beside if beside.is_file() else path.resolve()


def _source_segments(row: Row, record: Record, db: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """The report's table sections as (text, cell paths or None) pieces; or why the source is not shown. A
    scan is shown as its page images instead (reading its text again would mean OCR'ing it again)."""
    if record.scan is not None:
        return [], None
    text, why_not = source_if_unchanged(record.source, source_path(row.path, db))
    if text is None:
        return [], why_not
    sections = locate_sections(text)
    spans = [s for s in (sections.t2, sections.t3, sections.t4) if s is not None]
    start = min((s.start for s in spans), default=0)
    end = max((s.end for s in spans), default=len(text))
    marks = [
        (p.span.start, p.span.end, path)
        for path, p in record.provenance.items()
        if start <= p.span.start < p.span.end <= end
    ]
    # a row the extraction could not split (digits run together) has no spans: its printed text is marked
    # for all its cells, so choosing any of them shows what the source prints there
    for v in record.violations:
        unplaced = [c for c in v.cells if c not in record.provenance]
        if v.severity == "error" and v.found and unplaced and len(v.found) >= 3:
            at = text.find(v.found, start, end)
            if at >= 0:
                marks.append((at, at + len(v.found), " ".join(unplaced)))
    pieces: list[tuple[str, str | None]] = []
    pos = start
    for a, b, cells in sorted(marks):
        if a < pos:
            continue
        pieces.append((text[pos:a], None))
        pieces.append((text[a:b], cells))
        pos = b
    pieces.append((text[pos:end], None))
    return pieces, None


def _grid(record: Record) -> dict[str, Any]:
    """The three tables as printed: rows and columns under their Chinese labels (keys on hover)."""
    cells = flatten(record.report())
    tables: dict[int, dict[str, dict[str, Any]]] = {2: {}, 3: {}, 4: {}}
    row_labels: dict[str, str] = {}
    col_labels: dict[str, str] = {}
    for path, value in cells.items():
        table, r, c = path.split(".")
        t = {"active_disclosure": 2, "applications": 3, "reviews_litigation": 4}[table]
        row_label, col_label = cell_label(path, record.template)
        row_labels[f"{t}.{r}"] = row_label
        col_labels[f"{t}.{c}"] = col_label
        method = record.provenance[path].method if path in record.provenance else ""
        tables[t].setdefault(r, {})[c] = {"path": path, "value": "" if value is None else str(value), "method": method}
    return {"tables": tables, "row_labels": row_labels, "col_labels": col_labels}


def _shown(row: Row) -> Record:
    """What the page shows: the state now — the reviewer's decided values once a decision stands."""
    record = review.record_of(row)
    data = row.standing()
    if data is None or data is row.result:
        return record
    merged: dict[str, Any] = record.model_dump(mode="json")
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        if table in data:
            merged[table] = data[table]
    merged["provenance"] = data.get("provenance", merged["provenance"])
    if row.effective_status == "reviewed":
        merged["violations"] = [v for v in merged["violations"] if v["severity"] == "warning"]
        merged["status"], merged["reason"] = "verified", None
    return Record.model_validate(merged)


@dataclass(frozen=True)
class Faults:
    """What the first screen points at: the cells at fault in template order (each outlined, the keyboard
    walks them), the cells a broken identity merely involves, and the violations grouped by kind."""

    cells: list[str]
    involved: set[str]
    suspects: set[str]
    groups: list[tuple[str, str, list[Violation]]]  # (rule, severity, violations)
    folded: dict[str, int]  # informational rule → how many


def faults(record: Record, unaccounted: list[str]) -> Faults:
    errors = [v for v in record.violations if v.severity == "error"]
    # a cell named by two broken identities (its row's and its column's) is the likely culprit
    hits = Counter(c for v in errors if v.rule in IDENTITY_RULES for c in v.cells)
    suspects = {c for c, n in hits.items() if n >= 2}
    at_fault = set(unaccounted) | suspects
    for v in errors:
        if v.rule not in IDENTITY_RULES:
            at_fault.update(v.cells)
        elif v.cells and not set(v.cells) & suspects:
            at_fault.add(v.cells[-1])  # the printed total, where no crossing cell is found
    order = {p: i for i, p in enumerate(cells_of(record.template))}
    by_kind: dict[tuple[str, str], list[Violation]] = {}
    folded: Counter[str] = Counter()
    for v in record.violations:
        if v.severity == "warning" and v.rule in INFORMATIONAL:
            folded[v.rule] += 1
        else:
            by_kind.setdefault((v.rule, v.severity), []).append(v)
    groups = sorted(((r, s, vs) for (r, s), vs in by_kind.items()), key=lambda g: (g[1] != "error", g[0]))
    return Faults(
        sorted((c for c in at_fault if c in order), key=order.__getitem__),
        {c for v in errors if v.rule in IDENTITY_RULES for c in v.cells} - at_fault,
        suspects,
        groups,
        dict(folded),
    )


def place(v: Violation, template: str) -> str:
    """Where a violation stands, in the printed labels: a broken sum by its total cell, a row's cells by
    the row once, else the first cells."""
    cells = [c for c in v.cells if c in cells_of(template)]
    if not cells:
        return ""
    if v.expected is not None:
        return " · ".join(cell_label(cells[-1], template))
    rows = {cell_label(c, template)[0] for c in cells}
    if len(rows) == 1 and len(cells) > 1:
        return f"{rows.pop()} ({len(cells)})"
    shown = "; ".join(" · ".join(cell_label(c, template)) for c in cells[:3])
    return shown + (" …" if len(cells) > 3 else "")


def _rules_of(row: Row) -> set[str]:
    return {v["rule"] for v in (row.result or {}).get("violations", []) if v.get("severity") == "error"}


def create_app(db: str | Path, default_reviewer: str | None = None, lang: str | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config["DB"] = str(db)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST
    rules_cache: dict[int, set[str]] = {}  # an extraction's rules never change: unpacked once a process
    formats_cache: dict[str, str | None] = {}

    def store() -> Store:
        return Store(app.config["DB"])

    def language() -> str:
        return i18n.choose(request.args.get("lang") or lang, request.headers.get("Accept-Language"))

    @app.context_processor
    def messages() -> dict[str, Any]:
        chosen = language()
        return {
            "_": lambda key, **kw: i18n.t(chosen, key, **kw),
            "rule_label": lambda rule: i18n.rule_label(chosen, rule),
            "status_label": lambda status: i18n.status_label(chosen, status),
            "refusal": lambda message: i18n.refusal(chosen, str(message)),
            "lang": chosen,
            "html_lang": i18n.HTML_LANG[chosen],
            "keys": i18n.keys_help(chosen),
        }

    @app.before_request
    def same_origin_only() -> None:
        """The page serves this machine's reviewer only. A foreign Host (DNS rebinding) is refused, and a
        decision (POST) must come from this page: its Origin (or Referer) names this host. So a page the
        reviewer visits elsewhere cannot post a correction."""
        host = request.host.lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if name not in LOCAL_HOSTS:
            abort(403, description=f"host {host!r} is not served: open the page as http://127.0.0.1:<port>/")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
            parsed = urlsplit(origin)
            if origin in ("", "null") or (parsed.netloc or "").lower() != host:
                abort(403, description="a decision must be posted from the review page itself")

    @app.errorhandler(HTTPException)
    def client_error(e: HTTPException) -> tuple[Any, int]:
        code = e.code or 500
        if request.path.startswith("/api/"):
            return {"status": "invalid", "error": e.description, "violations": []}, code
        return render_template("error.html", message=e.description, extraction_id=None), code

    def _queue(s: Store, chosen: dict[str, str]) -> tuple[list[Listed], dict[str, list[str]]]:
        """The waiting reports the filters keep, and each filter's choices over the whole queue."""
        waiting = list(s.waiting())
        # regions are parsed from the agencies' names only when the filter asks (a queue of 30 000 names
        # would take the parser seconds on every first visit)
        where = regions([r.agency or "" for r in waiting]) if chosen["region"] else {}
        unknown = [r.sha256 for r in waiting if r.sha256 not in formats_cache]
        if unknown:
            formats_cache.update(s.document_formats(unknown))

        def rules(r: Listed) -> set[str]:
            """The first error's rule from its column; every error's only when filtering by rule (a stored
            result unpacked, once a process: the queue lists from columns alone otherwise)."""
            if not chosen["rule"]:
                return {(r.first_error or "").split(":", 1)[0]}
            if r.id not in rules_cache:
                rules_cache[r.id] = _rules_of(s.get(r.id))
            return rules_cache[r.id]

        def facts(r: Listed) -> dict[str, set[str]]:
            reason = r.effective_status if r.effective_status == CHANGED else (r.reason or "")
            return {
                "reason": {reason},
                "rule": rules(r),
                "region": {x for x in where.get(r.agency or "", ()) if x},
                "year": {str(r.year or "")},
                "format": {formats_cache.get(r.sha256) or ""},
            }

        choices: dict[str, set[str]] = {k: set() for k in FILTERS if k != "agency"}
        kept = []
        for r in waiting:
            f = facts(r)
            for k, values in f.items():
                choices[k] |= values
            if chosen["agency"] and chosen["agency"] not in (r.agency or ""):
                continue
            if chosen["region"] and not any(chosen["region"] in x for x in f["region"]):
                continue
            if all(not chosen[k] or chosen[k] in f[k] for k in f if k != "region"):
                kept.append(r)
        return kept, {k: sorted(v - {""}) for k, v in choices.items()}

    def _chosen() -> dict[str, str]:
        return {k: (request.args.get(k) or "").strip()[:200] for k in FILTERS}

    @app.get("/")
    def index() -> str:
        chosen = _chosen()
        try:
            page = max(1, int(request.args.get("page") or 1))
        except ValueError:
            abort(400, description="page must be a number")
        with store() as s:
            shown, choices = _queue(s, chosen)
            counts = s.counts()
            pages = max(1, -(-len(shown) // PAGE_SIZE))
            this = shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            pending = [(r, review.first_error_line(s, r)) for r in this]
            decided = list(s.decided())
        # which of them the bulk confirmation takes is decided on its preview page (it unpacks each result)
        inconsistent = sum(1 for r in shown if r.reason == "source_inconsistent" and r.effective_status == "rejected")
        query = {k: v for k, v in chosen.items() if v}
        return render_template(
            "list.html", pending=pending, decided=decided, counts=counts, choices=choices, chosen=chosen,
            page=page, pages=pages, total=len(shown), left=len(shown),
            query=urlencode(query), bulk=inconsistent, reviewer=default_reviewer or "",
        )  # fmt: skip

    @app.get("/bulk")
    def bulk_preview() -> str:
        """What the bulk confirmation would decide, before it applies."""
        chosen = _chosen()
        with store() as s:
            shown, _ = _queue(s, chosen)
            # a batch at a time: each candidate's result is unpacked and judged again (~4 ms a report)
            candidates = review.bulk_candidates(s, [r.id for r in shown], BULK_BATCH)
            rows = [(r, review.first_error_line(s, next(x for x in shown if x.id == r.id))) for r in candidates]
        return render_template("bulk.html", rows=rows, reviewer=default_reviewer or "", query=urlencode(chosen))

    @app.post("/bulk")
    def bulk_accept() -> Response | tuple[str, int]:
        form = request.form
        try:
            ids = [int(i) for i in form.getlist("id")][:10_000]
        except ValueError:
            abort(400, description="ids must be numbers")
        with store() as s:
            try:
                done = review.accept_in_bulk(s, ids, form.get("reviewer") or default_reviewer, form.get("reason"))
            except NianbaoError as e:
                return render_template("error.html", message=e.reason, extraction_id=None, refused=True), 400
        return redirect(url_for("index", done=len(done), lang=request.args.get("lang")))

    @app.get("/file/<int:extraction_id>")
    def original(extraction_id: int) -> Response:
        """The original file, as the reviewer's own copy: never run as a page of this site (a report's
        HTML is untrusted), so it is sent sandboxed, and web pages as downloads."""
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
        path = source_path(row.path, app.config["DB"])
        if not path.is_file():
            abort(404, description=f"{row.path} is no longer there")
        webpage = path.suffix.lower() in (".html", ".htm", ".xhtml", ".svg")
        response = send_file(path, as_attachment=webpage, mimetype=None if not webpage else "application/octet-stream")
        response.headers["Content-Security-Policy"] = "sandbox"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/page/<int:extraction_id>/<int:page>.png")
    def scan_page(extraction_id: int, page: int) -> Response:
        """A page of a scanned report as it was read (deskewed), for the boxes drawn on it."""
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
        record = _shown(row) if row.result is not None else None
        if record is None or record.scan is None or page not in record.scan.pages:
            abort(404)
        path = source_path(row.path, app.config["DB"])
        if (
            record.source is None
            or not path.is_file()
            or hashlib.sha256(path.read_bytes()).hexdigest() != record.source.sha256
        ):
            abort(404, description=f"{row.path} is no longer there as it was read")
        from nianbao.extractor.readers.ocr import page_png

        response = Response(page_png(path, page, record.scan.pages[page][3]), mimetype="image/png")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    @app.get("/report/<int:extraction_id>")
    def report(extraction_id: int) -> str:
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
            waiting = [r.id for r in s.waiting()]
        if row.result is None:
            return render_template("failed.html", row=row)
        record = _shown(row)
        others = [i for i in waiting if i != row.id]
        following = next((i for i in others if i > row.id), others[0] if others else None)
        previous = next((i for i in reversed(others) if i < row.id), others[-1] if others else None)
        pieces, missing = _source_segments(row, record, app.config["DB"])
        decided = row.decision is not None and row.effective_status != CHANGED
        todo = [] if decided or record.status == "verified" else review.unaccounted(record, record.provenance)
        found = faults(record, todo)
        chosen = language()
        default_reason = "; ".join(  # what the accept form offers: the broken sums themselves
            i18n.rule_label(chosen, v.rule)
            + (f" ({i18n.t(chosen, 'expected_found', expected=v.expected, found=v.found)})" if v.expected else "")
            for v in record.violations
            if v.severity == "error"
        )[:300]
        return render_template(
            "report.html", row=row, record=record, pieces=pieces, source_missing=missing, grid=_grid(record),
            faults=found, todo=todo, reviewer=default_reviewer or "", message=request.args.get("message"),
            next_id=following, prev_id=previous, left=len(others) + (0 if decided else 1),
            changed=row.disagreements(), decided=decided, default_reason=default_reason,
            labels={c: " · ".join(cell_label(c, record.template)) for c in cells_of(record.template)},
            place=lambda v: place(v, record.template),
        )  # fmt: skip

    def _payload() -> object:
        """The request's JSON, strictly: NaN and ±Infinity are not JSON; malformed input is a 400."""
        try:
            return json.loads(request.get_data(cache=False), parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as e:
            abort(400, description=f"not JSON: {e}")

    @app.post("/api/check/<int:extraction_id>")
    def api_check(extraction_id: int) -> Any:
        payload = _payload()
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
            try:
                return review.check(review.record_of(row), payload)
            except NianbaoError as e:
                return {"status": "invalid", "error": e.reason, "violations": []}, 400

    def _cell_decisions(form: Any) -> review.CellDecisions:
        """The page's cell decisions (``decisions``: changes, confirmed, illegible), or the bare
        ``changes`` object of cell → value."""
        try:
            if form.get("decisions"):
                return review.CellDecisions.parse(json.loads(form["decisions"], parse_constant=_no_constant))
            return review.CellDecisions.parse({"changes": json.loads(form.get("changes") or "{}")})
        except ValueError as e:
            raise ReviewError(f"malformed changes: {e}") from None

    def _decide(extraction_id: int, action: str) -> Response | tuple[str, int]:
        form = request.form
        who = form.get("reviewer") or default_reviewer
        why = (form.get("reason") or "").strip() or None
        chosen = language()
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
            try:
                if action == "correct":
                    review.save_correction(s, row, _cell_decisions(form), who, why)
                    message = i18n.t(chosen, "saved_correction")
                elif action == "accept":
                    review.accept_source_error(s, row, who, why, changes=_cell_decisions(form))
                    message = i18n.t(chosen, "saved_source_error")
                else:
                    review.reject(s, row, who, why)
                    message = i18n.t(chosen, "saved_rejected")
            except NianbaoError as e:
                return render_template("error.html", message=e.reason, extraction_id=extraction_id, refused=True), 400
        return redirect(url_for("report", extraction_id=extraction_id, message=message, lang=request.args.get("lang")))

    @app.post("/report/<int:extraction_id>/correct")
    def correct(extraction_id: int) -> Response | tuple[str, int]:
        return _decide(extraction_id, "correct")

    @app.post("/report/<int:extraction_id>/accept-source-error")
    def accept(extraction_id: int) -> Response | tuple[str, int]:
        return _decide(extraction_id, "accept")

    @app.post("/report/<int:extraction_id>/reject")
    def reject(extraction_id: int) -> Response | tuple[str, int]:
        return _decide(extraction_id, "reject")

    return app


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")
