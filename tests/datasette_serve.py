"""The Datasette that `make serve` starts, for tests: its exact command line (from
`make -n serve`), and the same configuration as an in-process `Datasette` object."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from datasette.cli import Setting

from conftest import ROOT


def serve_command(db: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The `datasette serve ...` command `make serve` would run for this archive and port."""
    make = shutil.which("make")
    if make is None:
        raise RuntimeError("make is not installed")
    out = subprocess.run([make, "-s", "-n", "-C", str(ROOT), "serve", f"DB={db}", f"PORT={port}",
                          f"HOST={host}"], capture_output=True, text=True, check=True).stdout
    for line in out.replace("\\\n", " ").splitlines():
        argv = shlex.split(line)
        for i, word in enumerate(argv[:-1]):
            if word.endswith("datasette") and argv[i + 1] == "serve":
                return argv[i:]
    raise RuntimeError(f"no datasette serve line in `make -n serve`:\n{out}")


def serve_options(argv: list[str]) -> dict[str, Any]:
    """`datasette serve` arguments → keyword arguments of datasette.app.Datasette (paths
    relative to the repository). An option this does not know fails loudly, so the tests
    never silently run a configuration other than make serve's."""
    options: dict[str, Any] = {"files": [], "immutables": [], "settings": {}}
    args = iter(argv[2:])
    for arg in args:
        if arg == "-i":
            options["immutables"].append(next(args))
        elif arg == "-m":
            options["metadata"] = yaml.safe_load((ROOT / next(args)).read_text(encoding="utf-8"))
        elif arg == "--plugins-dir":
            options["plugins_dir"] = str(ROOT / next(args))
        elif arg == "--template-dir":
            options["template_dir"] = str(ROOT / next(args))
        elif arg == "--setting":
            # Datasette's own conversion: "off" is False (a bare string would be truthy).
            name, value = Setting().convert((next(args), next(args)), None, None)
            options["settings"][name] = value
        elif arg in ("--host", "--port"):
            next(args)
        elif arg.startswith("-"):
            raise ValueError(f"tests/datasette_serve.py does not know the serve option {arg}")
        else:
            options["files"].append(arg)
    return options


# A small archive from real pages: every LPC page of the default build and three FOSDEM
# years (2018-2020: the containers devroom and Christian Brauner's talks, who also spoke at
# LPC), then a rescrape of FOSDEM 2019 in which a site rewrote one title, so `changes`
# has a row as a real rescrape leaves it.
SMALL_FOSDEM_YEARS = ("2018", "2019", "2020")
REWRITTEN_TITLE = ("A year of Container Kernel Work", "A year of container kernel work (revised)")


def small_archive(tmp_path_factory) -> Path:
    """The small archive, built once per test session (tests must not change it: copy it)."""
    directory = tmp_path_factory.getbasetemp() / "small-archive"
    if not (directory / "archive.db").exists():
        build_small_archive(directory)
    return directory / "archive.db"


def build_small_archive(directory: Path) -> Path:
    """Build the small archive into `directory`/archive.db through the real build and
    scrape code, and return its path."""
    import csv

    from scraper import pipeline, store

    fixtures = directory / "fixtures"
    fixtures.mkdir(parents=True)
    with open(ROOT / "fixtures" / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        fields, rows = reader.fieldnames, list(reader)
    keep = [row for row in rows if (row.get("build") or "yes") != "no" and (
        row["format"] == "indico-html"
        or any(row["file"] == f"pentabarf-xml/fosdem-{year}.xml" for year in SMALL_FOSDEM_YEARS))]
    with open(fixtures / "MANIFEST.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, delimiter="\t")
        writer.writeheader()
        writer.writerows(keep)
    for row in keep:
        target = fixtures / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(ROOT / "fixtures" / row["file"])
    db_path = directory / "archive.db"
    pipeline.build(db_path, fixtures)
    row = next(r for r in keep if r["file"].endswith("fosdem-2019.xml"))
    body = (ROOT / "fixtures" / row["file"]).read_bytes()
    old, new = (s.encode() for s in REWRITTEN_TITLE)
    assert old in body, "the FOSDEM 2019 fixture no longer has the title the test rewrites"
    rewritten = directory / "fosdem-2019-rewritten.xml"
    rewritten.write_bytes(body.replace(old, new, 1))
    db = store.open_db(db_path)
    try:
        report = pipeline.scrape(db, [str(rewritten)], url=row["url"], follow=False)
        assert report.ok, report.errors
    finally:
        db.close()
    return db_path
