"""The eval's degraded scans: a seeded mix (the same seed, the same pages), each family's defining damage."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("cv2", reason="needs nianbao[ocr] (OpenCV)")
pytest.importorskip("img2pdf", reason="needs img2pdf")

from PIL import Image

from nianbao.evals.degrade import FAMILIES, FAMILY_LAYOUT, degrade, plan, scan


def _page() -> np.ndarray:
    img = np.full((600, 420, 3), 255, np.uint8)
    img[100:102, 40:380] = 0  # a rule
    img[100:500, 40:42] = 0
    return img


def test_every_family_draws_within_the_issue_s_ranges() -> None:
    for family in FAMILIES:
        for k in range(20):
            p = plan(family, f"golden/{k}")
            assert 100 <= p.dpi <= 300 and abs(p.turn) <= 3.0
            assert p.jpeg == 0 or 40 <= p.jpeg <= 90
            assert family in FAMILY_LAYOUT and p.describe().startswith(family)
    assert plan("fax", "x").binarise and plan("fax", "x").jpeg == 0
    assert plan("seal", "x").seal and plan("phone", "x").perspective > 0 and plan("lighting", "x").lighting > 0
    assert abs(plan("rough", "x").turn) >= 2.0


def test_the_same_seed_gives_the_same_page_and_another_seed_another() -> None:
    p = plan("copier", "golden/a")
    assert degrade(_page(), p, "s") == degrade(_page(), p, "s")
    assert degrade(_page(), p, "s") != degrade(_page(), p, "t")
    assert plan("copier", "golden/a") == p and plan("copier", "golden/b") != p


def test_a_fax_is_bilevel_and_a_seal_is_red() -> None:
    fax = Image.open(io.BytesIO(degrade(_page(), plan("fax", "x"), "s")))
    assert fax.mode == "1"
    sealed = np.asarray(Image.open(io.BytesIO(degrade(_page(), plan("seal", "y"), "s"))).convert("RGB")).astype(int)
    reddish = (sealed[..., 0] - sealed[..., 1] > 60).mean()
    assert reddish > 0.002  # the stamp's ink: red well above green (none on a white page otherwise)


def test_a_scan_is_an_image_only_pdf_of_every_page() -> None:
    pypdfium2 = pytest.importorskip("pypdfium2")
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for k in range(2):
        c.drawString(100, 700, f"page {k}")
        c.showPage()
    c.save()
    data, p = scan(buf.getvalue(), "phone", "golden/phone")
    doc = pypdfium2.PdfDocument(data)
    try:
        assert len(doc) == 2
        assert doc[0].get_textpage().get_text_range().strip() == ""  # no text layer: OCR must read it
    finally:
        doc.close()
    assert p.family == "phone"


def test_a_scanner_with_its_lid_open_darkens_two_to_four_edges_and_no_other_family_does() -> None:
    for k in range(6):
        p = plan("scanner", f"golden/{k}")
        page = np.asarray(
            Image.open(io.BytesIO(degrade(np.full((600, 420, 3), 255, np.uint8), p, f"s{k}"))).convert("L")
        )
        edges = [page[:, :4], page[:, -4:], page[:4, :], page[-4:, :]]
        assert 2 <= sum(float(e.mean()) < 80 for e in edges) <= 4 and page[200:400, 100:300].mean() > 200
    assert all(not plan(f, "golden/0").borders for f in FAMILIES)


def test_thin_paper_shows_the_back_page_mirrored_and_faint_and_no_other_family_does() -> None:
    front = np.full((600, 420, 3), 255, np.uint8)
    back = front.copy()
    back[100:300, 40:120] = 0  # the back's ink, on its left: seen from the front, on the right
    for k in range(4):
        p = plan("show-through", f"golden/{k}")
        assert 0.06 <= p.show_through <= 0.14
        page = np.asarray(Image.open(io.BytesIO(degrade(front, p, f"s{k}", back))).convert("L")).astype(float)
        right, left = page[150:250, 330:360].mean(), page[150:250, 60:100].mean()
        assert 255 * (1 - p.show_through) - 25 < right < left - 8, (right, left)  # faint, mirrored
        plain = np.asarray(Image.open(io.BytesIO(degrade(front, p, f"s{k}"))).convert("L")).astype(float)
        assert abs(plain[150:250, 330:360].mean() - left) < 8  # no back printed: nothing shows
    assert all(not plan(f, "golden/0").show_through for f in FAMILIES)
