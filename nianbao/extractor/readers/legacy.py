"""Legacy Word (.doc) and WPS (.wps) files: converted to DOCX by LibreOffice, headless, then read as DOCX.

No maintained pure-Python reader of the binary Word format exists; LibreOffice's filters are the ones made
for the job. Each conversion runs in a private, throw-away profile (so parallel workers never share one,
and a crashed conversion leaves nothing behind), with a time limit. Without LibreOffice the file fails with
the package to install. Many ``.wps`` files are Word-compatible and convert the same way; one that does
not yields no document, and fails with that reason.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from nianbao.errors import UnsupportedFormatError

CONVERT_SECONDS = 120
PACKAGE = "libreoffice-writer-nogui"  # Debian's headless Writer


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx_text(path: Path, data: bytes) -> str:
    """The text of a .doc/.wps file, through a DOCX made by LibreOffice."""
    from nianbao.extractor.readers.docx import docx_to_text

    exe = soffice()
    if exe is None:
        raise UnsupportedFormatError(
            f"a legacy Word/WPS file (.doc/.wps) needs LibreOffice to be read: install Debian's {PACKAGE} "
            "(apt-get install libreoffice-writer-nogui), or convert the file to DOCX or PDF", file=path,
        )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as work:
        folder = Path(work)
        # a plain ASCII name: LibreOffice's command line and some filters choke on others
        source = folder / f"input{path.suffix.lower() if path.suffix.lower() in ('.doc', '.wps') else '.doc'}"
        source.write_bytes(data)
        profile = (folder / "profile").as_uri()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=CONVERT_SECONDS)
        except subprocess.TimeoutExpired:
            raise UnsupportedFormatError(
                f"LibreOffice did not convert it within {CONVERT_SECONDS} s", file=path
            ) from None
        out = folder / "out" / "input.docx"
        if not out.is_file() or out.stat().st_size == 0:
            said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no document produced"]
            raise UnsupportedFormatError(f"LibreOffice could not convert it to a document ({said[0][:200]})", file=path)
        return docx_to_text(out)
