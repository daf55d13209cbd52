"""The review page: a local web server (Flask, server-rendered, no build step) on 127.0.0.1.

For each rejected report: the located source sections on one side — each extracted value wrapped at its
span, so clicking a cell shows where it was read — and the extracted grid on the other, cells with a
violation highlighted, every cell editable with the identities re-checked as you type (``/api/check``).
Decisions are buttons. All report text is untrusted: it reaches the page only through Jinja's
autoescaping (and ``tojson`` for script data), never as markup.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from nianbao import review
from nianbao.errors import NianbaoError
from nianbao.extractor.sections import locate_sections
from nianbao.pipeline import source_if_unchanged
from nianbao.schema import Record, cell_label, cells_of, flatten
from nianbao.store import Row, Store

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
ROW_LABELS_T4 = {
    "review": "行政复议",
    "litigation_direct": "诉讼·未经复议直接起诉",
    "litigation_after_review": "诉讼·复议后起诉",
}


def _source_segments(row: Row, record: Record) -> tuple[list[tuple[str, str | None]], str | None]:
    """The report's table sections as (text, cell path or None) pieces; or why the source is not shown."""
    text, why_not = source_if_unchanged(record.source, Path(row.path))
    if text is None:
        return [], f"source not shown: {why_not}"
    sections = locate_sections(text)
    spans = [s for s in (sections.t2, sections.t3, sections.t4) if s is not None]
    start = min((s.start for s in spans), default=0)
    end = max((s.end for s in spans), default=len(text))
    marks = sorted(
        (p.span.start, p.span.end, path)
        for path, p in record.provenance.items()
        if start <= p.span.start < p.span.end <= end
    )
    pieces: list[tuple[str, str | None]] = []
    pos = start
    for a, b, path in marks:
        if a < pos:
            continue
        pieces.append((text[pos:a], None))
        pieces.append((text[a:b], path))
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
        tables[t].setdefault(r, {})[c] = {"path": path, "value": "" if value is None else str(value)}
    return {"tables": tables, "t4_labels": ROW_LABELS_T4, "row_labels": row_labels, "col_labels": col_labels}


def _shown(row: Row) -> Record:
    """What the page shows: the state now — the reviewer's corrected values once a correction stands."""
    record = review.record_of(row)
    if row.effective_status != "reviewed" or not row.corrected:
        return record
    data: dict[str, Any] = record.model_dump(mode="json")
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        if table in row.corrected:
            data[table] = row.corrected[table]
    data["provenance"] = row.corrected.get("provenance", data["provenance"])
    data["violations"] = [v for v in data["violations"] if v["severity"] == "warning"]
    data["status"], data["reason"] = "verified", None
    return Record.model_validate(data)


PAGE_SIZE = 50


def create_app(db: str | Path, default_reviewer: str = "unknown") -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config["DB"] = str(db)

    def store() -> Store:
        return Store(app.config["DB"])

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

    @app.errorhandler(403)
    def forbidden(e: Any) -> tuple[str, int]:
        return render_template("error.html", message=getattr(e, "description", "forbidden"), extraction_id=None), 403

    @app.get("/")
    def index() -> str:
        reason = request.args.get("reason") or ""
        agency = request.args.get("agency") or ""
        try:
            page = max(1, int(request.args.get("page") or 1))
        except ValueError:
            abort(400, description="page must be a number")
        with store() as s:  # columns only: the queue of a 100 000-report store lists in well under a second
            waiting = list(s.waiting())
            counts = s.counts()
            reasons = sorted({r.reason or "" for r in waiting})
            shown = [
                r for r in waiting if (not reason or r.reason == reason) and (not agency or agency in (r.agency or ""))
            ]
            pages = max(1, -(-len(shown) // PAGE_SIZE))
            this = shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            pending = [(r, review.first_error_line(s, r)) for r in this]
            decided = list(s.decided())
        return render_template("list.html", pending=pending, decided=decided, counts=counts, reasons=reasons,
                               reason=reason, agency=agency, page=page, pages=pages, total=len(shown))  # fmt: skip

    @app.get("/file/<int:extraction_id>")
    def original(extraction_id: int) -> Response:
        """The original file, as the reviewer's own copy: never run as a page of this site (a report's
        HTML is untrusted), so it is sent sandboxed, and web pages as downloads."""
        with store() as s:
            try:
                row = s.get(extraction_id)
            except NianbaoError:
                abort(404)
        path = Path(row.path)
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
        path = Path(row.path)
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
        if row.result is None:
            return render_template("failed.html", row=row)
        record = _shown(row)
        with store() as s:
            later = [r.id for r in s.waiting() if r.id != row.id]
        following = next((i for i in later if i > row.id), later[0] if later else None)
        pieces, missing = _source_segments(row, record)
        bad = {c for v in record.violations if v.severity == "error" for c in v.cells}
        # a cell named by two broken identities (its row's and its column's) is the likely culprit
        hits = Counter(c for v in record.violations if v.severity == "error" and v.rule != "missing" for c in v.cells)
        suspects = {c for c, n in hits.items() if n >= 2}
        return render_template(
            "report.html", row=row, record=record, pieces=pieces, source_missing=missing, grid=_grid(record),
            bad=bad, suspects=suspects, reviewer=default_reviewer, message=request.args.get("message"),
            cells=list(cells_of(record.template)), next_id=following, changed=row.disagreements(),
        )  # fmt: skip

    @app.post("/api/check/<int:extraction_id>")
    def api_check(extraction_id: int) -> Any:
        payload = request.get_json(force=True, silent=True) or {}
        with store() as s:
            try:
                row = s.get(extraction_id)
                return review.check(review.record_of(row), dict(payload.get("changes", {})))
            except NianbaoError as e:
                return {"status": "invalid", "error": e.reason, "violations": []}, 400

    def _decide(extraction_id: int, action: str) -> Response | tuple[str, int]:
        form = request.form
        who = review.reviewer_name(form.get("reviewer") or default_reviewer)
        why = form.get("reason") or None
        with store() as s:
            try:
                row = s.get(extraction_id)
                if action == "correct":
                    try:
                        raw = json.loads(form.get("changes") or "{}")
                        if not isinstance(raw, dict):
                            raise ValueError("changes must be an object of cell → value")
                        changes = {str(p): review.parse_value(str(p), None if v is None else str(v))
                                   for p, v in raw.items()}  # fmt: skip
                    except (ValueError, TypeError) as e:
                        return render_template("error.html", message=f"malformed changes: {e}",
                                               extraction_id=extraction_id), 400  # fmt: skip
                    review.save_correction(s, row, changes, who, why)
                    message = "correction saved: the report verifies"
                elif action == "accept":
                    review.accept_source_error(s, row, who, why)
                    message = "recorded as the agency's own inconsistency"
                else:
                    review.reject(s, row, who, why)
                    message = "rejected"
            except NianbaoError as e:
                return render_template("error.html", message=e.reason, extraction_id=extraction_id), 400
        return redirect(url_for("report", extraction_id=extraction_id, message=message))

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
