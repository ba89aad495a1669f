"""The default archive (every bundled real page), built once per test session for the
people, series and topics tests, which only read it (or copy it)."""

from __future__ import annotations

import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from conftest import ROOT
from scraper import pipeline


@lru_cache(maxsize=1)
def default_archive() -> Path:
    """The path of a built default archive; treat it as read-only (see copy_of)."""
    path = Path(tempfile.mkdtemp(prefix="mcarchive-derived-")) / "archive.db"
    pipeline.build(path, ROOT / "fixtures")
    return path


def copy_of(target: Path) -> Path:
    """A copy of the default archive that a test may change."""
    shutil.copy(default_archive(), target)
    return target
