"""frab_json: frab/pretalx schedule.json (c3voc schema) and the flat schedule2 layout,
against golden files; schema violations are warnings; hostile and foreign input."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import frab_json, parser_for
from scraper.records import ParseError, UnsupportedPage

FILES = fixture_files("frab-json")
DIR = FIXTURES / "frab-json"


@cache
def parsed(path: Path):
    return frab_json.parse(path.read_bytes(), source_url(path))


def events_in(data: dict) -> int:
    schedule = data["schedule"]
    if "events" in schedule:
        return len(schedule["events"])
    return sum(len(events) for day in schedule["conference"]["days"] for events in day["rooms"].values())


def test_bundled():
    assert len(FILES) == 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parse_matches_golden(path, golden):
    golden(path, to_json(parsed(path)))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sniffed_and_one_talk_per_event(path):
    body = path.read_bytes()
    assert parser_for(body, source_url(path)) is frab_json
    programme = parsed(path)
    assert len(programme.talks) == events_in(json.loads(body))
    assert programme.format == "frab-json" and programme.page_kind == "schedule-json"
    assert all(t.title and t.source_id for t in programme.talks)


def test_schema_violations_are_warnings():
    """Only pretalx's democon example satisfies the published schema (and schedule2's
    example its own): the rest parse, with one line per kind of violation."""
    for path in FILES:
        warnings = [w for w in parsed(path).warnings if "c3voc schema" in w]
        if path.name in ("c3voc-pretalx-democon.json", "c3voc-hub-schedule2.json"):
            assert warnings == [], path.name
        else:
            assert 1 <= len(warnings) <= 4 and all("\n" not in w for w in warnings), path.name
    invalid = parsed(DIR / "c3voc-invalid-example.json").warnings
    assert any("'2814' is not of type 'integer'" in w for w in invalid)


def test_schedule2_layout():
    programme = parsed(DIR / "c3voc-hub-schedule2.json")
    opening = programme.talks[0]
    assert (opening.source_id, opening.track_title, opening.room) == ("HQCCYH", "CCC", "Saal 1")
    assert (opening.start, opening.duration_minutes) == ("2024-12-27T10:30:00+01:00", 30)
    assert [(p.name, p.role) for p in opening.people] == [
        ("Gabriela Bogk", "speaker"), ("Aline Blankertz", "speaker"), ("Senficon", "author")]
    assert {link.kind for link in opening.links} == {"slides", "link", "feedback"}
    assert programme.event.timezone == "Europe/Berlin" and programme.event.conference == "38c3"
    assert "Art & Beauty" in [t.title for t in programme.tracks]


def test_frab_camp2019():
    programme = parsed(DIR / "c3voc-frab-camp2019.json")
    first = programme.talks[0]
    assert (first.source_id, first.title, first.start, first.duration_minutes, first.room) == (
        "10386", "Opening Ceremony", "2019-08-21T11:00:00+02:00", 30, "Curie")
    assert [p.name for p in first.people] == ["jinxx", "smtw"]
    assert first.abstract_format == "markdown"


MINIMAL = {"schedule": {"version": "1", "conference": {
    "title": "Tiny", "acronym": "tiny", "start": "2025-01-02", "end": "2025-01-02",
    "days": [{"index": 1, "date": "2025-01-02", "rooms": {"A": [
        {"id": 7, "title": " A  talk ", "start": "09:30", "duration": "0:45", "track": None,
         "persons": [{"name": "Ada"}, "junk"], "links": [{"url": "https://x.example/s.pdf", "title": "Slides"}]},
        {"id": 7, "guid": "g2", "title": "Another talk", "start": "10:30"},
        {"title": "no id"}, "junk"]}}]}}}


def test_minimal_and_odd_values():
    programme = frab_json.parse(json.dumps(MINIMAL).encode(), "https://tiny.example/schedule.json")
    first, second = programme.talks
    assert (first.title, first.start, first.duration_minutes, first.room, first.track_title) == (
        "A talk", "2025-01-02T09:30:00", 45, "A", None)
    assert [link.kind for link in first.links] == ["slides"]
    assert second.source_id == "g2"  # id 7 already names another talk
    assert any("without id" in w for w in programme.warnings)
    assert programme.event.source_key == "https://tiny.example/"


@pytest.mark.parametrize("body, error", [
    (b"", ParseError),
    (b"{", ParseError),
    (b"[" * 100000 + b"]" * 100000, ParseError),
    (b'{"schedule": []}', UnsupportedPage),
    (b'{"schedule": {"conference": "x"}}', UnsupportedPage),
    (b'{"results": [{"_type": "Conference"}]}', UnsupportedPage),
])
def test_bad_input_is_a_parse_error(body, error):
    with pytest.raises(error) as info:
        frab_json.parse(body, "https://x.example/schedule.json")
    assert "\n" not in str(info.value)


def test_not_sniffed_for_other_json():
    indico = (FIXTURES / "indico-json" / "3.3.14" / "contribution-json__e7_c642.json").read_bytes()
    assert not frab_json.sniff(indico, "https://indico.example.org/event/7/contributions/642.json")
    assert not frab_json.sniff(b'<schedule><conference/></schedule>', "x")
