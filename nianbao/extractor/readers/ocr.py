"""Scans — PDFs of page images, and images (PNG, JPEG, TIFF, multi-page TIFF) — → text, by OCR.

Engine: RapidOCR (``rapidocr-onnxruntime``: PaddleOCR's PP-OCRv4 Chinese detection and recognition
models inside its wheel, run by ONNX Runtime; Apache-2.0), chosen by measurement against Tesseract 5 with
Debian's ``chi_sim`` on the same scanned report pages (README, "OCR"). It is the optional extra
``nianbao[ocr]``; without it a scan fails with a message naming the extra.

A page becomes text the way a web page does: its ruled tables (:mod:`.ruling`) are cell grids written a
row a line with a tab between cells and ``〃`` where a merged cell covers a position (the HTML reader's
grid), and the text outside them is written line by line, top to bottom. OCR boxes are placed in the
cell that holds their centre; a box the detector drew across a border is cut at the border and each
part recognised on its own, so ``9  0  0`` never reads as one number. A cell with ink but no detected
text (the detector drops a lone ``0``) is recognised from its ink. What OCR reads is never corrected
here: a misread digit is caught by the verifier's identities, like any other misreading.

Each page's result is cached by the hash of its pixels (diskcache, under ``NIANBAO_CACHE_DIR`` or
``~/.cache/nianbao``): a re-run, or the same page in another file, is not OCR'd again.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import EmptyFileError, MissingExtraError, UnsupportedFormatError
from nianbao.extractor.readers.cache_dir import open_cache
from nianbao.extractor.readers.html import MERGED
from nianbao.extractor.readers.limits import LimitError

MAX_OCR_PAGES = 60  # OCR costs seconds a page; a report is a few pages (its tables fewer)
MAX_PAGE_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 M; beyond is a decompression bomb
# what one page is read at: a larger image is scaled down to it first (a 6300×6300 PNG, under the bomb limit
# above, took 1.1 GB and 13 s of CPU read as it was; 0.9 GB and 6 s scaled). An A4 page at 300 dpi is 8.7 M:
# a scan at that resolution is read as it was.
MAX_OCR_PIXELS = 9_000_000
OCR_DPI = 200  # a text-layer-less PDF page is rasterised at its images' resolution, capped here
OCR_VERSION = "64"  # part of the cache key: a change to how pages are read invalidates cached pages

_lock = threading.Lock()
_engine: Any = None


@dataclass(frozen=True)
class Word:
    """One recognised piece of text: page (from 1), box in page pixels, recogniser confidence."""

    text: str
    page: int
    box: tuple[int, int, int, int]
    score: float


@dataclass(frozen=True)
class Page:
    number: int  # from 1, in the file
    text: str
    words: tuple[Word, ...]
    width: int
    height: int
    dpi: float
    lines: tuple[tuple[str, tuple[tuple[int, int, int, int], ...]], ...] = ()  # table lines, their cells' boxes
    turn: int = 0  # degrees clockwise the page was turned to stand upright
    doubts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # top lines whose readings disagree, with each reading


def engine() -> Any:
    """The process's OCR engine, made on first use (each worker process makes its own)."""
    global _engine
    with _lock:
        if _engine is None:
            from nianbao.extractor.readers.ocr_engine import make_engine

            _engine = make_engine()
        return _engine


def image_pages(data: bytes, path: Path) -> Iterator[tuple[Any, float]]:
    """The frames of an image file (each page of a multi-page TIFF) as grey PIL images, with their dpi."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PAGE_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        frames = getattr(img, "n_frames", 1)
        if frames > MAX_OCR_PAGES:
            raise LimitError(f"image has {frames} pages, over the limit of {MAX_OCR_PAGES} for OCR", file=path)
        for i in range(frames):
            img.seek(i)
            if img.width * img.height > MAX_PAGE_PIXELS:  # refused from the header, before decoding
                raise LimitError(
                    f"an image page of {img.width}×{img.height} pixels, over the limit of {MAX_PAGE_PIXELS}", file=path
                )
            dpi = _image_dpi(img)
            yield _within_budget(seal_free_grey(img), dpi)
    except Image.DecompressionBombError:
        raise LimitError(f"an image page of over {MAX_PAGE_PIXELS} pixels (a decompression bomb?)", file=path) from None
    except UnidentifiedImageError:  # (its message names the in-memory buffer, not the file)
        raise UnsupportedFormatError("not a readable image (no image format recognised)", file=path) from None
    except (OSError, SyntaxError) as e:
        raise UnsupportedFormatError(f"not a readable image ({_BUFFER.sub('the image', str(e))})", file=path) from None


_BUFFER = re.compile(r"<_io\.BytesIO object at 0x[0-9a-fA-F]+>")


def _within_budget(img: Any, dpi: float) -> tuple[Any, float]:
    """A page over :data:`MAX_OCR_PIXELS` scaled down to it (its dpi with it): the page's memory and time
    are bounded, and the boxes read are in the pixels of the page as read (``page_png`` reads it the same way)."""
    pixels = img.width * img.height
    if pixels <= MAX_OCR_PIXELS:
        return img, dpi
    scale = (MAX_OCR_PIXELS / pixels) ** 0.5
    size = (max(1, int(img.width * scale)), max(1, int(img.height * scale)))
    return img.resize(size, reducing_gap=3.0), dpi * scale


SEAL_RED_FLOOR = 150  # a reddish pixel darker than this in the red channel is black print under a seal


def seal_free_grey(img: Any) -> Any:
    """A page as grey, red ink left out: a colour page's red channel, with what is clearly red (red well above
    green and blue, and light in red light: :data:`SEAL_RED_FLOOR`) made paper. A red seal stamped over a
    table (and red letterhead) vanishes, black print under it stays black; a grey page is unchanged."""
    import numpy as np
    from PIL import Image

    if img.mode in ("L", "1", "LA", "I", "I;16", "F"):
        return img.convert("L")
    rgb = np.asarray(img.convert("RGB"), dtype=np.int16)
    red = rgb[..., 0]
    reddish = red - np.maximum(rgb[..., 1], rgb[..., 2]) > 60
    # dark in red light is print: a red seal hardly darkens the red channel (a JPEG's blurred colour leaves
    # its strokes ~150-220 there), black print under the seal does — its edges, reddish where the seal's
    # green and blue went under them, made paper had cut a 0's top off (read 6)
    return Image.fromarray(np.where(reddish & (red >= SEAL_RED_FLOOR), 255, red).astype(np.uint8))


def _image_dpi(img: Any) -> float:
    dpi = img.info.get("dpi")
    if dpi and 50 <= float(dpi[0]) <= 1200:
        return float(dpi[0])
    return float(img.width) / 8.27  # no resolution recorded: assume the page is A4 wide


def pdf_pages(path: Path, only: set[int] | None = None) -> Iterator[tuple[Any, float]]:
    """Each page of a PDF (or the pages numbered in ``only``, from 1) rasterised at the resolution of its
    images (the scan's own), grey."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    pdf = pdfium.PdfDocument(str(path))
    try:
        count = len(pdf) if only is None else len(only)
        if count > MAX_OCR_PAGES:
            raise LimitError(f"scanned PDF has {count} pages to OCR, over the limit of {MAX_OCR_PAGES}", file=path)
        for number, page in enumerate(pdf, start=1):
            if only is not None and number not in only:
                page.close()
                continue
            width_pt, height_pt = page.get_size()
            images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            px = max((img.get_px_size()[0] for img in images), default=0)
            dpi = min(OCR_DPI, max(150.0, px / (width_pt / 72))) if px else OCR_DPI
            if width_pt * height_pt * (dpi / 72) ** 2 > MAX_PAGE_PIXELS:
                raise LimitError(f"a page of {width_pt:.0f}×{height_pt:.0f} pt is too large to OCR", file=path)
            yield seal_free_grey(page.render(scale=dpi / 72).to_pil()), dpi
            page.close()
    finally:
        pdf.close()


# a page as read: text, words, (height, width, turn), table lines with their cells' boxes, doubts, dpi
PageReading = tuple[Any, ...]
# pages already read elsewhere (a cluster's page tasks), by page number: used instead of reading them here
_given: ContextVar[dict[int, PageReading] | None] = ContextVar("nianbao_ocr_given_pages", default=None)


@contextmanager
def pages_read(readings: dict[int, PageReading]) -> Iterator[None]:
    """Within the block, a scan's pages numbered in ``readings`` are taken as read (by a cluster's page
    tasks, from the same file's bytes) rather than OCR'd again."""
    token = _given.set(readings)
    try:
        yield
    finally:
        _given.reset(token)


def _page(n: int, reading: PageReading) -> Page:
    text, words, shape, lines, doubts, dpi = reading
    found = tuple(Word(t, n, b, s) for t, b, s in words)
    boxes = tuple((line, tuple(cells)) for line, cells in lines)
    unsure = tuple((line, tuple(readings)) for line, readings in doubts)
    return Page(n, text, found, shape[1], shape[0], dpi, boxes, shape[2], unsure)


def read_frame(img: Any, dpi: float, number: int) -> PageReading:
    """Page ``number`` (from 1) of its file, read (or taken from the cache): in full where it holds a
    ruled table, else cheaply (:mod:`.ocr_textpage`: the title area of page one, and short lines)."""
    import numpy as np

    from nianbao.extractor.readers.faint_ink import without_faint_ink
    from nianbao.extractor.readers.ocr_engine import runtime
    from nianbao.extractor.readers.ocr_page import read_page
    from nianbao.extractor.readers.ocr_textpage import holds_table, read_text_page

    gray = np.asarray(img, dtype=np.uint8)
    # the runtime is in the key: OpenVINO and ONNX Runtime read alike here, but nothing promises it; and
    # whether the page is the first (a text page's title area is read on the first page only)
    first = "first" if number == 1 else "later"
    key = f"{OCR_VERSION}:{runtime()}:{first}:{hashlib.sha256(gray.tobytes()).hexdigest()}:{gray.shape}:{dpi:.0f}"
    cache = open_cache("ocr", 2**30)
    try:
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            gray = without_faint_ink(gray, dpi)  # (after the key: a cached page costs nothing)
            hit = None if holds_table(gray, dpi) else read_text_page(gray, dpi, engine(), number)
            hit = hit if hit is not None else read_page(gray, dpi, engine())
            if cache is not None:
                cache.set(key, hit)
    finally:
        if cache is not None:
            cache.close()
    return (*hit[:5], dpi)


def _frames(path: Path, data: bytes, only: set[int] | None) -> Iterator[tuple[Any, float]]:
    if data.startswith(b"%PDF"):
        yield from pdf_pages(path, only)
        return
    for n, frame in enumerate(image_pages(data, path), start=1):
        if only is None or n in only:
            yield frame


def _read_pages(path: Path, data: bytes, numbers: list[int] | None) -> list[Page]:
    """The pages numbered (every page where None), read here — except those a cluster's page tasks read."""
    given = _given.get() or {}
    if numbers is None and given:
        numbers = list(range(1, scan_page_count(data) + 1))
    if numbers is None:
        readings = {n: read_frame(*frame, n) for n, frame in enumerate(_frames(path, data, None), start=1)}
        if not any(r[0].strip() for r in readings.values()):
            raise EmptyFileError(f"no text layer, and OCR found no text on {len(readings)} page(s)", file=path)
        return [_page(n, r) for n, r in readings.items()]
    todo = sorted(n for n in numbers if n not in given)
    readings = dict(given)
    frames = _frames(path, data, set(todo))
    readings.update((n, read_frame(*frame, n)) for n, frame in zip(todo, frames, strict=True))
    return [_page(n, readings[n]) for n in numbers]


def scan_page_count(data: bytes) -> int:
    """The pages of a PDF, or the frames of an image file."""
    if data.startswith(b"%PDF"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            return len(pdf)
        finally:
            pdf.close()
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return int(getattr(img, "n_frames", 1))


def pages_to_read(path: Path, data: bytes) -> list[int]:
    """The pages (from 1) that reading this file OCRs: every page of a scan or an image, the pages of a
    mixed PDF that have no text layer; none for any other file, or for one that cannot be opened or is
    over the page limit (its reading then fails by name, as a whole)."""
    from nianbao.extractor.readers import is_image

    try:
        if data.startswith(b"%PDF"):
            numbers = _pages_without_text(data)
        elif is_image(path, data):
            numbers = list(range(1, scan_page_count(data) + 1))
        else:
            return []
    except Exception:  # a broken file is read (and fails) as a whole, where it is named
        return []
    return numbers if len(numbers) <= MAX_OCR_PAGES else []


def _pages_without_text(data: bytes) -> list[int]:
    """A PDF's pages with no character at all: counted, not laid out (the client of a cluster asks this of
    every PDF). A page holding only a page number is read with the file's own task, as a mixed PDF's is."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for n, page in enumerate(pdf, start=1):
            textpage = page.get_textpage()
            if textpage.count_chars() == 0:
                out.append(n)
            textpage.close()
            page.close()
        return out
    finally:
        pdf.close()


def read_scan_page(path: Path, data: bytes, number: int) -> PageReading | None:
    """Page ``number`` (from 1) of a scan or image file, read: a cluster's page task. None where it cannot
    be (the file's own reading then reads that page, and fails by name if it must)."""
    try:
        frame = next(_frames(path, data, {number}), None)
        return None if frame is None else read_frame(*frame, number)
    except Exception:  # see above
        return None


def require_extra(path: Path) -> None:
    """Fail by name, before any page is touched, where the OCR extra (or a part of it) is missing."""
    import importlib.util

    missing = [m for m in ("numpy", "PIL", "cv2", "rapidocr_onnxruntime") if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"reading a scan needs the OCR extra ({', '.join(missing)} missing)", extra="ocr",
                                file=path)  # fmt: skip


def ocr_pdf_pages(path: Path, numbers: list[int]) -> list[Page]:
    """The pages of a mixed PDF that have no text layer (numbered from 1), OCR'd."""
    require_extra(path)
    if len(numbers) > MAX_OCR_PAGES:
        raise LimitError(f"scanned PDF has {len(numbers)} pages to OCR, over the limit of {MAX_OCR_PAGES}", file=path)
    return _read_pages(path, path.read_bytes(), sorted(numbers))


def scan_to_text(path: Path, data: bytes) -> tuple[str, list[Page]]:
    """The OCR'd text of a scanned PDF or an image file, pages joined, page numbers removed."""
    from nianbao.extractor.readers.pdf import strip_furniture

    require_extra(path)
    pages = _read_pages(path, data, None)
    return join_pages([strip_furniture(p.text) for p in pages]), pages


_DIGIT = re.compile(r"\d")


def join_pages(texts: list[str]) -> str:
    """Pages joined; a table row that a page break cut in two (Word splits a tall row: its values and
    the first lines of its label on one page, the rest of the label on the next) is made one row again,
    cell by cell — left apart, the label's second half would read as a row of its own."""
    lines: list[str] = []
    for text in texts:
        page = text.split("\n")
        if lines and page and (joined := join_rows(lines[-1], page[0])) is not None:
            lines[-1] = joined
            page = page[1:]
        lines.extend(page)
    return "\n".join(lines)


def join_rows(last: str, first: str) -> str | None:
    """A page's last table row and the next page's first, as one row, if the second continues the first
    (same cells, no number of its own); else None."""
    if not (last.startswith("\t") and first.startswith("\t")) or _DIGIT.search(first):
        return None
    before, after = last.split("\t"), first.split("\t")
    if len(before) != len(after):
        return None
    return "\t".join(_continue(a, b) for a, b in zip(before, after, strict=True))


def _continue(first: str, rest: str) -> str:
    if not rest or rest == MERGED:
        return first
    return rest if first in ("", MERGED) else first + rest


def page_png(path: Path, page: int, turn: int = 0) -> bytes:
    """Page ``page`` (from 1) of a scan as PNG, deskewed and turned (``turn``) exactly as it was read:
    the boxes of :class:`~nianbao.schema.ScanInfo` are in its pixels."""
    import numpy as np
    from PIL import Image

    from nianbao.extractor.readers.ocr_page import turn_page
    from nianbao.extractor.readers.ruling import deskew

    data = path.read_bytes()
    frames = pdf_pages(path, {page}) if data.startswith(b"%PDF") else image_pages(data, path)
    for n, (img, dpi) in enumerate(frames, start=1):
        if n == page or data.startswith(b"%PDF"):
            buf = io.BytesIO()
            upright = turn_page(deskew(np.asarray(img, dtype=np.uint8), dpi), turn)
            Image.fromarray(upright).save(buf, "PNG", optimize=False)
            return buf.getvalue()
    raise UnsupportedFormatError(f"the scan has no page {page}", file=path)
