"""pretalx_html: the GOOD 2025 talk page (pretalx 2.3 static export) against its golden
file, agreement with the same conference's schedule.json, and tolerance of other
renderings of the date line."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import frab_json, parser_for, pretalx_html
from scraper.records import ParseError, UnsupportedPage

FILES = fixture_files("pretalx-html")
PAGE = FIXTURES / "pretalx-html" / "good2025-talk-73MZUC.html"


def parsed():
    return pretalx_html.parse(PAGE.read_bytes(), source_url(PAGE))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parse_matches_golden(path, golden):
    assert parser_for(path.read_bytes(), source_url(path)) is pretalx_html
    golden(path, to_json(pretalx_html.parse(path.read_bytes(), source_url(path))))


def test_talk_page_agrees_with_the_schedule_export():
    (talk,) = parsed().talks
    export = FIXTURES / "frab-json" / "good2025-pretalx.json"
    schedule = frab_json.parse(export.read_bytes(), source_url(export))
    (same,) = [t for t in schedule.talks if t.url == talk.url]
    assert talk.title == same.title
    assert talk.room == same.room
    assert talk.duration_minutes == same.duration_minutes
    assert talk.start == same.start[:19]  # the page shows local time; the export adds the offset
    assert [p.name for p in talk.people] == [p.name for p in same.people]
    assert parsed().event.source_key == schedule.event.source_key
    assert parsed().event.timezone == schedule.event.timezone == "US/Eastern"
    assert talk.source_id == "73MZUC" and talk.abstract_format == "html"
    assert talk.abstract.startswith("<p>Tufts University") and "nf-core pipelines into Tufts" in talk.abstract


@pytest.mark.parametrize("line, start, minutes, room", [
    ("03-19, 14:30–14:55 (US/Eastern), Tsai Auditorium", "2025-03-19T14:30:00", 25, "Tsai Auditorium"),
    ("2025-03-19, 14:30–14:55 (America/New_York), Room A", "2025-03-19T14:30:00", 25, "Room A"),
    ("Wed, 19 Mar 2025 09:00–10:30, Main hall", "2025-03-19T09:00:00", 90, "Main hall"),
    ("March 19, 2025, 23:30-00:15, Late room", "2025-03-19T23:30:00", 45, "Late room"),
    ("", None, None, None),
])
def test_date_line_variants(line, start, minutes, room):
    body = PAGE.read_bytes().replace(
        b"03-19, 14:30\xe2\x80\x9314:55 (US/Eastern), Tsai Auditorium (CGIS S010)", line.encode())
    (talk,) = pretalx_html.parse(body, "https://pretalx.example.org/good2025/talk/73MZUC/").talks
    assert (talk.start, talk.duration_minutes, talk.room) == (start, minutes, room)


def test_other_pretalx_pages_and_garbage():
    with pytest.raises(UnsupportedPage):
        pretalx_html.parse(b'<html><head><meta name="generator" content="pretalx"></head><body>'
                           b'<h1>Schedule</h1></body></html>', "https://pretalx.example.org/x/schedule/")
    for body in (b"", b"\x00\xff", b"<html><h3 class='talk-title'></h3></html>"):
        with pytest.raises(ParseError):
            pretalx_html.parse(body, "https://pretalx.example.org/x/talk/ABC/")
