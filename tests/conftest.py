"""Shared test helpers: the bundled real fixtures and their golden JSON files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden JSON files from the current parser output (read the diff!)",
    )


def manifest() -> list[dict[str, str]]:
    """Rows of fixtures/MANIFEST.tsv: file, url, format, provenance."""
    with open(FIXTURES / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fixture_files(fmt: str) -> list[Path]:
    return sorted(FIXTURES / row["file"] for row in manifest() if row["format"] == fmt)


def source_url(path: Path) -> str:
    rel = path.resolve().relative_to(FIXTURES).as_posix()
    for row in manifest():
        if row["file"] == rel:
            return row["url"]
    raise KeyError(f"{rel} is not in fixtures/MANIFEST.tsv")


def to_json(data) -> str:
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture
def golden(request):
    """golden(path, text) compares text with tests/golden/<format dir>/<stem>.json."""

    def check(path: Path, text: str) -> None:
        rel = path.resolve().relative_to(FIXTURES)
        target = GOLDEN / rel.parent / (rel.name + ".json")
        if request.config.getoption("--update-golden"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            return
        assert target.exists(), f"no golden file {target}: run pytest --update-golden and review it"
        assert text == target.read_text(encoding="utf-8")

    return check
