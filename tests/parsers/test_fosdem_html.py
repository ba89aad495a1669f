"""fosdem_html: FOSDEM event and track pages delegate to the year's schedule/xml (follow +
select), and parse themselves only as a fallback. The test pages are written in the
markup of FOSDEM's published templates (no saved fosdem.org page exists; see MANIFEST)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper import pipeline, store
from scraper.fetch import Fetcher, FetchPolicy
from scraper.normalize.merge import select_part
from scraper.parsers import fosdem_html, parser_for, pentabarf_xml
from scraper.records import RANK_LISTING, ParseError, UnsupportedPage
from static_site import StaticSite

FILES = fixture_files("fosdem-html")
EVENT = FIXTURES / "fosdem-html" / "event__2020_containers_syscall_emulation.html"
TRACK = FIXTURES / "fosdem-html" / "track__2026_containers.html"


def parse(path, url=None):
    return fosdem_html.parse(path.read_bytes(), url or source_url(path))


def xml(year):
    path = FIXTURES / "pentabarf-xml" / f"fosdem-{year}.xml"
    return pentabarf_xml.parse(path.read_bytes(), f"https://fosdem.org/{year}/schedule/xml")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parse_matches_golden(path, golden):
    assert parser_for(path.read_bytes(), source_url(path)) is fosdem_html
    golden(path, to_json(parse(path)))


def test_event_page_follows_and_selects_its_talk():
    programme = parse(EVENT)
    xml_url = "https://fosdem.org/2020/schedule/xml"
    assert programme.follow == [xml_url]
    assert programme.event.source_key == "https://fosdem.org/2020/" == xml(2020).event.source_key
    selection = programme.select[xml_url]
    assert selection.talk_slugs[0] == "containers_syscall_emulation"
    assert selection.talk_source_ids == ["10542"]  # from the page's feedback link
    selected = select_part(xml(2020), selection)
    # The talk and its devroom's 17 other sessions ("More sessions"), nothing else.
    assert len(selected.talks) == 18 and {t.track_title for t in selected.talks} == {"Containers"}
    assert [t.title for t in selected.tracks] == ["Containers"]


def test_event_page_fallback_matches_the_export():
    own = parse(EVENT).talks[0]
    (same,) = [t for t in xml(2020).talks if t.source_id == "10542"]
    assert own.rank == RANK_LISTING  # the export wins every field it has
    assert (own.source_id, own.slug, own.title, own.track_title, own.room, own.duration_minutes) == (
        same.source_id, same.slug, same.title, same.track_title, same.room, same.duration_minutes)
    assert own.start == "2020-02-01T13:20:00+01:00" and same.start == "2020-02-01T13:20:00"
    assert [p.name for p in own.people] == ["Christian Brauner"]
    assert own.abstract == same.abstract
    assert {link.url for link in own.links} == {link.url for link in same.links}


def test_track_page_selects_the_track():
    programme = parse(TRACK)
    xml_url = "https://fosdem.org/2026/schedule/xml"
    assert programme.follow == [xml_url]
    assert programme.select[xml_url].track_titles == ["Containers"]
    selected = select_part(xml(2026), programme.select[xml_url])
    assert len(selected.talks) == 12
    listed = {t.slug: t for t in programme.talks}
    for talk in selected.talks:
        page = listed[talk.slug]
        assert (page.title, page.start, page.duration_minutes, page.room) == (
            talk.title, talk.start, talk.duration_minutes, talk.room)
        assert [p.name for p in page.people] == [p.name for p in talk.people]
    (track,) = programme.tracks
    assert (track.title, track.source_id, track.room) == ("Containers", "containers", "UA2.118 (Henriot)")


def test_archive_host_follows_its_own_host():
    programme = parse(EVENT, "https://archive.fosdem.org/2020/schedule/event/containers_syscall_emulation/")
    assert programme.follow == ["https://archive.fosdem.org/2020/schedule/xml"]


def test_url_without_year_or_slug_falls_back_on_the_page():
    programme = parse(EVENT, "https://mirror.example.org/saved.html")
    assert programme.follow == ["https://mirror.example.org/2020/schedule/xml"]
    assert programme.talks[0].slug == "containers_syscall_emulation"  # from its attachment path
    programme = parse(TRACK, "file:///tmp/track.html")
    assert programme.follow == [] and programme.warnings
    assert programme.tracks[0].source_id == "containers"  # from its iCal link


def test_tolerant_of_a_stripped_page():
    body = (b'<html><head><title>FOSDEM 2019 - Some talk</title></head><body class="schedule-event">'
            b'<div id="main"><h1>Some talk</h1><p>FOSDEM</p></div></body></html>')
    assert fosdem_html.sniff(body, "x")
    programme = fosdem_html.parse(body, "https://fosdem.org/2019/schedule/event/some_talk/")
    (talk,) = programme.talks
    assert (talk.title, talk.slug, talk.source_id, talk.start, talk.people) == (
        "Some talk", "some_talk", "some_talk", None, [])
    assert programme.select["https://fosdem.org/2019/schedule/xml"].talk_slugs == ["some_talk"]


def test_other_fosdem_pages_are_unsupported():
    body = EVENT.read_bytes().replace(b'class="schedule-event"', b'class="schedule-day"')
    with pytest.raises(UnsupportedPage, match="schedule/xml"):
        fosdem_html.parse(body, "https://fosdem.org/2020/schedule/day/saturday/")
    with pytest.raises(ParseError):
        fosdem_html.parse(b"", "https://fosdem.org/2020/schedule/event/x/")


def test_scrape_of_an_event_page_archives_the_devroom_from_the_export(tmp_path, httpserver):
    """Loopback: the event page and /2020/schedule/xml; the rows are the export's, one
    per talk (the page's own listing never duplicates a talk the export gives)."""
    site = StaticSite(pages={
        "/2020/schedule/xml": ((FIXTURES / "pentabarf-xml" / "fosdem-2020.xml").read_bytes(), "application/xml"),
        "/2020/schedule/event/containers_syscall_emulation/": (EVENT.read_bytes(), "text/html; charset=utf-8"),
    })
    base = site.install(httpserver)
    db = store.open_db(tmp_path / "archive.db")
    with Fetcher(FetchPolicy(allow_private=True, min_delay=0, retries=0)) as fetcher:
        report = pipeline.scrape(db, [f"{base}/2020/schedule/event/containers_syscall_emulation/"], fetcher)
    assert report.ok, report.errors
    talks = {t["id"]: t for t in db.query("SELECT * FROM talks")}
    assert len(talks) == 18
    assert all(t["starts_at"] for t in talks.values())
    anchor = talks["fosdem-2020/10542"]
    assert (anchor["title"], anchor["room"], anchor["starts_at"]) == (
        "Supervising and emulating syscalls", "UD2.208 (Decroly)", "2020-02-01T13:20:00+01:00")
    assert [e["id"] for e in db.query("SELECT id FROM events")] == ["fosdem-2020"]
