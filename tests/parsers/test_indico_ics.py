"""Indico iCalendar parser on every bundled real .ics (3.3.14 and 3.2.9) against golden JSON."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import indico_ics, parse_page
from scraper.records import ParseError

FILES = fixture_files("indico-ics")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_matches_golden(path, golden):
    assert parse_page(path.read_bytes(), source_url(path)).format == "indico-ics"
    golden(path, to_json(indico_ics.parse(path.read_bytes(), source_url(path))))


def _talks(name: str, version: str = "3.3.14"):
    path = FIXTURES / "indico-ics" / version / name
    return {t.source_id: t for t in indico_ics.parse(path.read_bytes(), source_url(path)).talks}


def test_event_and_export_calendars_agree():
    """The export's file numbers UIDs by friendly id and writes "Last, First (Affiliation)";
    the ids come from the URL property and the names read the same."""
    page = _talks("event-ics-contributions__e17.ics")
    export = _talks("export-event-ics-contributions__e17.ics")
    assert set(page) == set(export) and "1569" in page
    for cid in page:
        assert [(p.name, p.affiliation) for p in page[cid].people] == \
            [(p.name, p.affiliation) for p in export[cid].people], cid
        assert (page[cid].start, page[cid].duration_minutes) == (export[cid].start, export[cid].duration_minutes)
    assert [(p.name, p.affiliation) for p in page["90002"].people] == [
        ("Andrei Vagin", None), ("Muhammad Usama Anjum", "Collabora")]


def test_session_calendar_follows_session_page():
    path = FIXTURES / "indico-ics" / "3.2.9" / "session-ics__e17_s162.ics"
    programme = indico_ics.parse(path.read_bytes(), source_url(path))
    assert [(t.title, t.source_id) for t in programme.tracks] == [("Containers and checkpoint/restore MC", "162")]
    assert programme.follow == ["https://indico.example.org/event/17/sessions/162/"]


def test_not_a_calendar():
    with pytest.raises(ParseError):
        indico_ics.parse(b"BEGIN:VCALENDAR\nPRODID:-//CERN//INDICO//EN\nEND:VCALENDAR\n",
                         "https://indico.example.org/event/1/event.ics")
