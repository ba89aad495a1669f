"""The CLI contract: help for every command, one clear line per expected failure, exit codes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from scraper.cli import cli

COMMANDS = sorted(cli.commands)


def test_commands():
    assert COMMANDS == ["build", "parse", "reparse", "scrape"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_a_readme_section(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mcarchive {command}" in readme


def test_parse_prints_json(tmp_path):
    page = FIXTURES / "indico-html" / "3.3.14" / "contribution__e17_c1569.html"
    result = CliRunner().invoke(cli, ["parse", str(page), "--url",
                                      "https://indico.example.org/event/17/contributions/1569/"])
    assert result.exit_code == 0
    assert '"source_id": "1569"' in result.output


def test_parse_unsupported_is_one_line_no_traceback(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"<html><body>hello</body></html>")
    result = subprocess.run([sys.executable, "-m", "scraper", "parse", str(junk), "--url", "https://x.org/a"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "unsupported page" in result.stderr and "Traceback" not in result.stderr


def test_scrape_missing_file_and_malformed_file(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<?xml version='1.0'?><schedule><conference><title>X 2020</title>")
    db = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "scraper", "scrape", str(tmp_path / "nope.html"), str(bad),
                             "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "cannot read" in errors[0]


def test_unreachable_host_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scraper", "scrape", "http://127.0.0.1:9/event/1/",
                             "--allow-private", "--retries", "0", "--db", str(tmp_path / "a.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "could not connect" in result.stderr


def test_build_is_atomic_and_keeps_old_archive_on_failure(tmp_path):
    db = tmp_path / "archive.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db)]).exit_code == 0
    talks = sqlite3.connect(db).execute("SELECT count(*) FROM talks").fetchone()[0]
    assert talks > 0
    broken = tmp_path / "fixtures"
    broken.mkdir()
    (broken / "MANIFEST.tsv").write_text("file\turl\tformat\tprovenance\nx.html\thttps://x.org/event/1/\tindico-html\tnone\n")
    (broken / "x.html").write_bytes(b"<html>not indico</html>")
    result = runner.invoke(cli, ["build", "--db", str(db), "--fixtures", str(broken)])
    assert result.exit_code == 1
    assert "left as it was" in result.output
    assert sqlite3.connect(db).execute("SELECT count(*) FROM talks").fetchone()[0] == talks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "fixtures"]


def test_reparse_gives_the_same_rows(tmp_path):
    db = tmp_path / "archive.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db)]).exit_code == 0
    query = "SELECT * FROM talks ORDER BY id"
    before = sqlite3.connect(db).execute(query).fetchall()
    result = runner.invoke(cli, ["reparse", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(db).execute(query).fetchall() == before
