"""Indico contribution JSON parser on every bundled real file against golden JSON."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import indico_html, indico_json
from scraper.records import ParseError, UnsupportedPage

FILES = fixture_files("indico-json")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_matches_golden(path, golden):
    assert indico_json.sniff(path.read_bytes(), source_url(path))
    golden(path, to_json(indico_json.parse(path.read_bytes(), source_url(path))))


def test_never_reads_email_hash():
    path = FIXTURES / "indico-json" / "3.3.14" / "contribution-json__e17_c90002.json"
    assert "email" not in to_json(indico_json.parse(path.read_bytes(), source_url(path))).lower()


def test_agrees_with_contribution_page():
    """Same talk, two representations: people (names, roles, affiliations, titles) agree."""
    for cid in ("1568", "1569", "90002"):
        j = FIXTURES / "indico-json" / "3.3.14" / f"contribution-json__e17_c{cid}.json"
        h = FIXTURES / "indico-html" / "3.3.14" / f"contribution__e17_c{cid}.html"
        from_json = indico_json.parse(j.read_bytes(), source_url(j)).talks[0]
        from_html = indico_html.parse(h.read_bytes(), source_url(h)).talks[0]
        key = lambda t: sorted((p.name, p.role, p.affiliation, p.honorific) for p in t.people)  # noqa: E731
        assert key(from_json) == key(from_html), cid
        assert from_json.duration_minutes == from_html.duration_minutes
        assert from_json.title == from_html.title


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"friendly_id": 1, "persons": "x", "start_dt": 5, "title": 7, "id": 3}'])
def test_bad_json_raises_parse_error(body):
    with pytest.raises(ParseError):
        indico_json.parse(body, "https://indico.example.org/event/1/contributions/3.json")


def test_other_json_is_unsupported():
    with pytest.raises(UnsupportedPage):
        indico_json.parse(b'{"a": 1}', "https://indico.example.org/event/1/contributions/3.json")
