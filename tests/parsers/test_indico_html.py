"""Indico HTML parser on every bundled real page (3.3.14 and 3.2.9) against golden JSON."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import indico_html, parse_page
from scraper.records import ParseError, UnsupportedPage

PAGES = fixture_files("indico-html")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_matches_golden(path, golden):
    golden(path, to_json(indico_html.parse(path.read_bytes(), source_url(path))))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recognised_from_content(path):
    assert parse_page(path.read_bytes(), source_url(path)).format == "indico-html"


def _parse(version: str, name: str):
    path = FIXTURES / "indico-html" / version / name
    return indico_html.parse(path.read_bytes(), source_url(path))


@pytest.mark.parametrize("version", ["3.3.14", "3.2.9"])
def test_session_page_2023_containers_mc(version):
    programme = _parse(version, "session__e17_s162.html")
    assert programme.page_kind == "session"
    assert programme.event.timezone == "America/New_York"
    assert programme.event.title == "Linux Plumbers Conference 2023"
    assert [t.title for t in programme.tracks] == ["Containers and checkpoint/restore MC"]
    talks = programme.talks
    assert len(talks) == 8  # the break at 16:00 is not a talk
    assert [t.start[11:16] for t in talks] == ["14:30", "14:35", "15:00", "15:30", "16:30", "17:00", "17:30", "17:55"]
    anjum = talks[1].people[1]
    assert (anjum.name, anjum.honorific, anjum.affiliation) == ("Muhammad Usama Anjum", "Mr", "Collabora")
    assert [p.name for p in talks[1].people] == ["Andrei Vagin", "Muhammad Usama Anjum"]
    assert programme.follow == [t.url for t in talks]
    assert all("/event/17/contributions/" in url for url in programme.follow)


@pytest.mark.parametrize("version", ["3.3.14", "3.2.9"])
def test_both_markups_give_the_same_records(version):
    for name in ("session__e16_s136.html", "contribution__e17_c1568.html", "session__e7_s90020.html"):
        a, b = _parse("3.3.14", name), _parse(version, name)
        assert to_json(a) == to_json(b), name


def test_other_session_does_not_leak():
    programme = _parse("3.3.14", "session__e17_s90101.html")
    assert {t.source_id for t in programme.talks} == {"1550", "90102"}
    assert programme.tracks[0].title == "LPC Refereed Track"


def test_contribution_page_full_abstract_and_roles():
    talk = _parse("3.3.14", "contribution__e17_c1568.html").talks[0]
    assert talk.abstract_complete and "..." not in talk.abstract[-10:]
    roles = [(p.name, p.role) for p in talk.people]
    assert ("Radostin Stoyanov", "author") in roles and ("Adrian Reber", "coauthor") in roles
    assert [p.name for p in talk.people if p.role == "speaker"] == [
        "Adrian Reber", "Radostin Stoyanov", "Wesley Armour"]


def test_not_indico_is_not_sniffed():
    assert not indico_html.sniff(b"<?xml version='1.0'?><schedule/>", "https://x/")
    assert not indico_html.sniff(b"<html><body>hello</body></html>", "https://x/event/1/")


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body><p>Powered by getindico.io</p></body></html>"])
def test_bad_pages_raise_parse_error(body):
    with pytest.raises(ParseError):
        indico_html.parse(body, "https://indico.example.org/event/1/sessions/2/")


def test_url_without_event_is_a_clear_error():
    path = FIXTURES / "indico-html" / "3.3.14" / "session__e17_s162.html"
    with pytest.raises(ParseError, match="not an Indico event URL"):
        indico_html.parse(path.read_bytes(), "file:///tmp/session.html")


def test_unsupported_kind_names_supported_kinds():
    body = b"<html><body><footer>Powered by getindico.io</footer><div>x</div></body></html>"
    with pytest.raises(UnsupportedPage, match="supported: session, contribution"):
        indico_html.parse(body, "https://indico.example.org/event/1/program")
