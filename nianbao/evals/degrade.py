"""Page images degraded as copiers, fax machines and phones degrade them — a seeded random mix.

Each *family* names the damage that defines it (a fax is binarised, a phone photo is lit unevenly and
seen in perspective…) and draws the rest at random from the seed: resolution 100–300 dpi, a turn of up
to ±3°, blur, Gaussian and salt-and-pepper noise, JPEG quality 40–90. The same seed always gives the
same pages, so a case that fails can be made again; nobody tuned the reader to the draws.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Rgb = npt.NDArray[np.uint8]  # H×W×3

FAMILIES: tuple[str, ...] = ("copier", "fax", "lighting", "seal", "phone", "rough")
# families outside the builders' rotation (:func:`~nianbao.evals.cases.scan_plan` takes them as extra scans)
EXTRA_FAMILIES: tuple[str, ...] = ("scanner", "show-through")
FAMILY_LAYOUT = {
    "copier": "copier scan (noise, JPEG, slight turn)",
    "fax": "fax-like (binarised, low dpi, speckles)",
    "lighting": "uneven lighting and blur",
    "seal": "red seal over a table",
    "phone": "phone photo (perspective, lighting)",
    "rough": "turned up to 3°, heavy noise, low JPEG",
    "scanner": "scanned with the lid open (dark borders, turned)",
    "show-through": "thin paper: the back page shows through, mirrored",
}


@dataclass(frozen=True)
class Plan:
    """The draws for one scan (every page of it)."""

    family: str
    dpi: int
    turn: float  # degrees, counter-clockwise
    blur: float  # Gaussian sigma in pixels at 150 dpi, 0 for none
    noise: float  # Gaussian sigma in grey levels
    salt: float  # share of pixels flipped black or white
    jpeg: int  # quality; 0 for a lossless page (a fax's bilevel image)
    binarise: bool = False
    lighting: float = 0.0  # darkest corner's loss of brightness, 0–1
    perspective: float = 0.0  # share of the width a top corner is pulled in
    seal: bool = False
    borders: bool = False  # dark bands along two to four edges: a scanner's lid left open, the page turned
    show_through: float = 0.0  # the share of the back page's ink seen through the paper, mirrored
    extras: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{self.dpi} dpi", f"turn {self.turn:+.1f}°"]
        parts += [f"blur {self.blur:.1f}"] if self.blur else []
        parts += [f"noise {self.noise:.0f}"] if self.noise else []
        parts += [f"salt {self.salt:.3f}"] if self.salt else []
        parts += ["binarised"] if self.binarise else []
        parts += [f"lighting {self.lighting:.2f}"] if self.lighting else []
        parts += [f"perspective {self.perspective:.3f}"] if self.perspective else []
        parts += ["seal"] if self.seal else []
        parts += ["dark borders"] if self.borders else []
        parts += [f"show-through {self.show_through:.2f}"] if self.show_through else []
        parts += [f"JPEG q{self.jpeg}"] if self.jpeg else ["bilevel PNG"]
        return f"{self.family}: " + ", ".join(parts)


def plan(family: str, seed: str) -> Plan:
    """The family's defining damage, and the rest drawn from ``seed``."""
    rng = random.Random(hashlib.sha256(f"{family}/{seed}".encode()).digest())
    dpi = rng.choice((150, 200, 240, 300)) if family != "fax" else rng.choice((100, 150, 200))
    turn = rng.uniform(-1.5, 1.5)
    blur = rng.choice((0.0, 0.0, 0.6, 1.0))
    noise = rng.uniform(4, 14)
    salt = rng.choice((0.0, 0.0005, 0.002))
    jpeg = rng.randint(50, 90)
    if family == "fax":
        return Plan(family, dpi, turn, 0.0, 0.0, rng.uniform(0.0005, 0.003), 0, binarise=True)
    if family == "lighting":
        return Plan(family, dpi, turn, rng.uniform(0.6, 1.4), noise, salt, jpeg, lighting=rng.uniform(0.25, 0.45))
    if family == "seal":
        return Plan(family, dpi, turn, blur, noise, salt, jpeg, seal=True)
    if family == "phone":
        return Plan(family, dpi, rng.uniform(-3, 3), rng.uniform(0.5, 1.0), noise, 0.0, rng.randint(40, 75),
                    lighting=rng.uniform(0.15, 0.35), perspective=rng.uniform(0.01, 0.025))  # fmt: skip
    if family == "scanner":  # (a held-out layout: table 2's 9 read as a letter beside such a border verified wrong)
        return Plan(family, dpi, turn, blur, noise, salt, jpeg, borders=True)
    if family == "show-through":  # (a held-out layout: the back's mirrored 0 in a cell read as a second number)
        return Plan(family, dpi, turn, blur, noise, salt, jpeg, show_through=rng.uniform(0.06, 0.14))
    if family == "rough":
        side = rng.choice((-1, 1))
        return Plan(family, dpi, side * rng.uniform(2.0, 3.0), blur, rng.uniform(14, 24), rng.uniform(0.001, 0.004),
                    rng.randint(40, 55))  # fmt: skip
    return Plan(family, dpi, turn, blur, noise, salt, jpeg)


def _seal(img: Rgb, rng: random.Random) -> Rgb:
    """A red round seal (ring, star, an arc of text-like strokes) stamped with the red's transparency over
    the lower part of a table, where seals are pressed (over the signature and the last rows)."""
    import cv2

    h, w = img.shape[:2]
    r = int(w * rng.uniform(0.09, 0.13))
    cx = int(w * rng.uniform(0.45, 0.75))
    cy = int(h * rng.uniform(0.35, 0.75))
    stamp = np.zeros((h, w), np.uint8)
    thick = max(2, r // 14)
    cv2.circle(stamp, (cx, cy), r, 255, thick)
    star = [
        (cx + int(r * 0.35 * (1 if k % 2 == 0 else 0.4) * math.cos(math.pi / 2 + k * math.pi / 5)),
         cy - int(r * 0.35 * (1 if k % 2 == 0 else 0.4) * math.sin(math.pi / 2 + k * math.pi / 5)))
        for k in range(10)
    ]  # fmt: skip
    cv2.fillPoly(stamp, [np.array(star, np.int32)], 255)
    for k in range(14):  # the agency's name round the rim: short strokes standing for characters
        a = math.pi * (1.15 + k * 0.7 / 13)
        x, y = cx + int(r * 0.72 * math.cos(a)), cy + int(r * 0.72 * math.sin(a))
        cv2.rectangle(stamp, (x - r // 14, y - r // 14), (x + r // 14, y + r // 14), 255, max(1, thick // 2))
    # an inked stamp is uneven: parts of it print faint
    grain = np.random.default_rng(rng.randrange(2**32)).random((h, w))
    alpha = (stamp.astype(np.float32) / 255) * np.where(grain < 0.25, 0.4, 0.85)
    red = np.array([200, 30, 40], np.float32)  # RGB
    page = img.astype(np.float64)
    # a seal's ink multiplies with the print under it: black text stays black
    tinted = page * (red / 255.0)
    mixed = page * (1 - alpha[..., None]) + tinted * alpha[..., None]
    return np.clip(mixed, 0, 255).astype(np.uint8)


def _lighting(img: Rgb, strength: float, rng: random.Random) -> Rgb:
    """Light falling off from a point beside the page: one corner up to ``strength`` darker."""
    h, w = img.shape[:2]
    lx, ly = rng.uniform(-0.3, 1.3) * w, rng.uniform(-0.3, 1.3) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(xx - lx, yy - ly)
    shade = 1 - strength * (d / d.max())
    out: Rgb = np.clip(img.astype(np.float32) * shade[..., None], 0, 255).astype(np.uint8)
    return out


def _perspective(img: Rgb, amount: float, rng: random.Random) -> Rgb:
    import cv2

    h, w = img.shape[:2]
    dx, dy = amount * w, amount * h * rng.uniform(0.3, 1.0)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    near = rng.choice((0, 1))  # the edge nearer the camera stays wider
    corners = [[dx, dy], [w - dx, dy], [w, h], [0, h]] if near else [[0, 0], [w, 0], [w - dx, h - dy], [dx, h - dy]]
    dst = np.array(corners, dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    out: Rgb = cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(235, 235, 230))  # type: ignore[assignment]
    return out


def _show_through(img: Rgb, back: Rgb, share: float, rng: random.Random) -> Rgb:
    """The back page seen through thin paper: mirrored left to right, printed a few pixels off (the two sides
    never register exactly), at ``share`` of its ink's darkness."""
    h, w = img.shape[:2]
    dy, dx = rng.randint(-30, 30), rng.randint(-12, 12)
    mirrored = np.full_like(img, 255)
    seen = back[:, ::-1][max(0, -dy) : h - dy, max(0, -dx) : w - dx]  # the back as seen from the front, shifted
    mirrored[max(0, dy) : max(0, dy) + seen.shape[0], max(0, dx) : max(0, dx) + seen.shape[1]] = seen
    ghost = 255 - (255 - mirrored.astype(np.float32)) * share
    out: Rgb = np.minimum(img.astype(np.float32), ghost).astype(np.uint8)
    return out


def degrade(img: Rgb, p: Plan, seed: str, back: Rgb | None = None) -> bytes:
    """One page image (RGB, rendered at ``p.dpi``) degraded by ``p``; the bytes of the page's image file
    (JPEG, or a bilevel PNG for a fax). ``back``: the page printed on its back (the document's next page, or
    a blank one), seen through the paper where ``p.show_through``."""
    import cv2
    from PIL import Image

    rng = random.Random(hashlib.sha256(f"page/{seed}".encode()).digest())
    noise = np.random.default_rng(rng.randrange(2**32))
    h, w = img.shape[:2]
    if p.show_through and back is not None:
        img = _show_through(img, back, p.show_through, rng)
    if p.seal:
        img = _seal(img, rng)
    if p.perspective:
        img = _perspective(img, p.perspective, rng)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), p.turn, 1.0)
    dark = rng.randint(10, 45) if p.borders else 255  # (drawn only here: the other families' pages stay as they were)
    paper = (dark,) * 3  # the lid open: beyond the turned page, the dark lid
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=paper)  # type: ignore[assignment]
    if p.borders:
        img = img.copy()
        for side in rng.sample(("left", "right", "top", "bottom"), rng.randint(2, 4)):
            k = rng.randint(int(0.015 * w), int(0.045 * w))
            band = {"left": np.s_[:, :k], "right": np.s_[:, w - k :], "top": np.s_[:k, :], "bottom": np.s_[h - k :, :]}
            img[band[side]] = dark
    if p.lighting:
        img = _lighting(img, p.lighting, rng)
    if p.blur:
        sigma = p.blur * p.dpi / 150
        img = cv2.GaussianBlur(img, (0, 0), sigma)  # type: ignore[assignment]
    arr = img.astype(np.int16)
    if p.noise:
        arr += noise.normal(0, p.noise, (h, w, 1)).astype(np.int16)
    if p.binarise:
        grey = np.clip(arr, 0, 255).astype(np.uint8).mean(axis=2)
        arr = np.where(grey < rng.uniform(150, 190), 0, 255).astype(np.int16)[..., None].repeat(3, axis=2)
    if p.salt:
        flips = noise.random((h, w))
        arr[flips < p.salt / 2] = 0
        arr[(flips >= p.salt / 2) & (flips < p.salt)] = 255
    out = np.clip(arr, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    if p.binarise:
        Image.fromarray(out[..., 0]).convert("1").save(buf, "PNG", dpi=(p.dpi, p.dpi))
    else:
        Image.fromarray(out).save(buf, "JPEG", quality=p.jpeg, dpi=(p.dpi, p.dpi))
    return buf.getvalue()


def scan(pdf: bytes, family: str, seed: str) -> tuple[bytes, Plan]:
    """An image-only PDF of ``pdf``'s pages degraded by ``family``'s seeded plan; and the plan."""
    import img2pdf  # type: ignore[import-untyped]
    import pypdfium2 as pdfium

    p = plan(family, seed)
    pages = []
    doc = pdfium.PdfDocument(pdf)
    try:

        def render(k: int) -> Any:
            page = doc[k]
            try:
                return np.asarray(page.render(scale=p.dpi / 72).to_pil().convert("RGB"), dtype=np.uint8)
            finally:
                page.close()

        following: Any = render(0) if len(doc) else None
        for k in range(len(doc)):
            rgb, following = following, render(k + 1) if k + 1 < len(doc) else None
            # printed on both sides: the back of a page is the next one (the last page's back is blank)
            back = following if p.show_through else None
            # only the page that holds the end of table 3 or table 4 gets the seal (the last table page)
            q = p if not p.seal or k == len(doc) - 1 or k == 1 else Plan(**{**p.__dict__, "seal": False})
            pages.append(degrade(rgb, q, f"{seed}/{k}", back))
    finally:
        doc.close()
    return bytes(img2pdf.convert(pages)), p
