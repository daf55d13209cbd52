"""Output files written whole: a temporary file beside the target, renamed over it when complete (a full
disk or a kill leaves the old file, or none, never a truncated one) — with the permissions a plain
``open(target, "w")`` would give. ``mkstemp`` makes its files 0600 whatever the umask, and the rename kept
that: an export under umask 022 came out unreadable to the group, unlike every other file nianbao writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    try:  # Linux states it (no race with other threads)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temporary_beside(target: Path, suffix: str = "") -> tuple[int, str]:
    """``mkstemp`` beside ``target`` (an open descriptor and its path), its mode 0666 less the umask."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, tmp
