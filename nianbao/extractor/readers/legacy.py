"""Legacy Word (.doc) and WPS (.wps) files: converted to DOCX by LibreOffice, headless, then read as DOCX.

No maintained pure-Python reader of the binary Word format exists; LibreOffice's filters are the ones made
for the job. Each conversion runs in a private, throw-away profile (so parallel workers never share one,
and a crashed conversion leaves nothing behind), with a time limit. Without LibreOffice the file fails with
the package to install. Many ``.wps`` files are Word-compatible and convert the same way; one that does
not yields no document, and fails with that reason.

A conversion costs ~2 s (LibreOffice starts for each file); the DOCX it made is cached by the file's hash and
the converter's identity (diskcache, beside the OCR cache under ``NIANBAO_CACHE_DIR`` or ``~/.cache/nianbao``),
so a re-run of a batch, or the same file in another folder, is not converted again. The DOCX, not its text,
is kept: a change to the DOCX reader applies to cached conversions too.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from nianbao.errors import UnsupportedFormatError
from nianbao.extractor.readers.cache_dir import open_cache

CONVERT_SECONDS = 120
CACHE_BYTES = 2**28  # DOCX files of a few hundred KB: a thousand reports and more
PACKAGE = "libreoffice-writer-nogui"  # Debian's headless Writer


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _key(exe: str, data: bytes, suffix: str) -> str:
    """The file's hash and the converter that made the DOCX: another LibreOffice (its program file's path,
    size and time) may convert otherwise, so its conversions are its own."""
    real = Path(exe).resolve()
    try:
        st = real.stat()
        stamp = f"{real}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = str(real)
    return f"{stamp}:{suffix}:{hashlib.sha256(data).hexdigest()}"


def to_docx_text(path: Path, data: bytes) -> str:
    """The text of a .doc/.wps file, through a DOCX made by LibreOffice (or taken from the cache)."""
    from nianbao.extractor.readers.docx import docx_to_text

    exe = soffice()
    if exe is None:
        raise UnsupportedFormatError(
            f"a legacy Word/WPS file (.doc/.wps) needs LibreOffice to be read: install Debian's {PACKAGE} "
            "(apt-get install libreoffice-writer-nogui), or convert the file to DOCX or PDF", file=path,
        )  # fmt: skip
    suffix = path.suffix.lower() if path.suffix.lower() in (".doc", ".wps") else ".doc"
    key = _key(exe, data, suffix)
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as work:
        folder = Path(work)
        out = folder / "out" / "input.docx"
        made = _cached(key)
        if made is not None:
            out.parent.mkdir()
            out.write_bytes(made)
        else:
            _convert(exe, path, data, folder, suffix)
            _keep(key, out.read_bytes())
        return docx_to_text(out)


def _cached(key: str) -> bytes | None:
    cache = open_cache("convert", CACHE_BYTES)
    if cache is None:
        return None
    try:
        hit = cache.get(key)
    except Exception:  # a broken cache costs the time it saves, not the file
        hit = None
    finally:
        cache.close()
    return hit if isinstance(hit, bytes) else None


def _keep(key: str, docx: bytes) -> None:
    cache = open_cache("convert", CACHE_BYTES)
    if cache is None:
        return
    try:
        cache.set(key, docx)
    except Exception:  # a full disk: the next read converts again
        pass
    finally:
        cache.close()


def _convert(exe: str, path: Path, data: bytes, folder: Path, suffix: str) -> None:
    """``data`` converted by LibreOffice to ``folder/out/input.docx``, or a named error."""
    # a plain ASCII name: LibreOffice's command line and some filters choke on others
    source = folder / f"input{suffix}"
    source.write_bytes(data)
    profile = (folder / "profile").as_uri()
    cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
           "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=CONVERT_SECONDS)
    except subprocess.TimeoutExpired:
        raise UnsupportedFormatError(f"LibreOffice did not convert it within {CONVERT_SECONDS} s", file=path) from None
    out = folder / "out" / "input.docx"
    if not out.is_file() or out.stat().st_size == 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no document produced"]
        raise UnsupportedFormatError(f"LibreOffice could not convert it to a document ({said[0][:200]})", file=path)
