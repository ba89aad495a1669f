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


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES if p.parent.name == "3.2.9"))
def test_both_markups_give_the_same_records(name):
    """Every page kind: Indico 3.2.9 and 3.3.14 renderings of the same content agree."""
    assert to_json(_parse("3.3.14", name)) == to_json(_parse("3.2.9", name))


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
    with pytest.raises(UnsupportedPage, match="supported: session, contribution, event overview"):
        indico_html.parse(body, "https://indico.example.org/event/1/program")


@pytest.mark.parametrize("event", ["7", "16", "17"])
def test_event_overview_asks_for_the_whole_event(event):
    programme = _parse("3.2.9", f"event-overview__e{event}.html")
    assert programme.page_kind == "event" and not programme.talks
    root = "https://indico.example.org"
    assert programme.follow == [f"{root}/export/event/{event}.json?detail=sessions",
                                f"{root}/export/event/{event}.json?detail=contributions",
                                f"{root}/export/timetable/{event}.json"]
    # With the API disabled: the timetable page and the contribution list.
    assert programme.follow_fallback == {
        programme.follow[0]: [f"{root}/event/{event}/timetable/"],
        programme.follow[1]: [f"{root}/event/{event}/contributions/"],
        programme.follow[2]: [f"{root}/event/{event}/timetable/"]}
    assert programme.event.timezone == {"7": "US/Pacific", "16": "Europe/Dublin", "17": "America/New_York"}[event]


def test_timetable_page_every_session_no_breaks_times_in_zone():
    programme = _parse("3.3.14", "timetable__e16.html")
    assert [t.title for t in programme.tracks] == ["LPC Refereed Track", "Containers and Checkpoint/Restore MC"]
    assert len(programme.talks) == 11
    starts = [t.start for t in programme.talks]
    assert starts == sorted(starts) and starts[0] == "2022-09-13T10:00:00+01:00"
    assert "Break" not in {t.title for t in programme.talks}
    assert {t.track_title for t in programme.talks if t.source_id == "1240"} == {"Containers and Checkpoint/Restore MC"}
    assert "https://indico.example.org/event/16/sessions/136/" in programme.follow


def test_contribution_list_rows_keep_their_session():
    programme = _parse("3.2.9", "contribution-list__e17.html")
    by_id = {t.source_id: t for t in programme.talks}
    assert len(by_id) == 10
    assert by_id["1550"].track_title == "LPC Refereed Track"
    assert by_id["90002"].people[1].honorific == "Mr"
    assert programme.follow == [t.url for t in programme.talks]


def test_speaker_and_author_lists_give_roles():
    speakers = {t.source_id: t for t in _parse("3.3.14", "speaker-list__e17.html").talks}
    authors = {t.source_id: t for t in _parse("3.3.14", "author-list__e17.html").talks}
    assert sorted(p.name for p in speakers["1568"].people) == ["Adrian Reber", "Radostin Stoyanov", "Wesley Armour"]
    assert {(p.name, p.role) for p in authors["1568"].people} == {
        ("Radostin Stoyanov", "author"), ("Adrian Reber", "coauthor"), ("Wesley Armour", "coauthor")}
    assert {p.affiliation for p in speakers["90001"].people} == {"Zabbly"}


def test_program_page_tracks():
    programme = _parse("3.3.14", "program__e7.html")
    assert [t.title for t in programme.tracks] == ["Containers and Checkpoint/Restore MC", "LPC Refereed Track"]


# Indico 3.x session_display.html: a "Conveners" section, one h4 + ul per block, each
# convener an li.icon-user "Full Name (Affiliation)"; an empty block says so without the icon.
CONVENERS = """
        <section>
            <div class="flexrow">
                <div class="infoline">
                    <div class="header"><div class="header-row"><h3>Conveners</h3></div></div>
                    <div class="header-row"><h4>Containers and Checkpoint/Restore MC</h4></div>
                    <ul>
                        <li class="icon-user">
                            St\u00e9phane Graber
                            (Canonical Ltd.)
                        </li>
                        <li class="icon-user">
                            Mike Rapoport
                            ()
                        </li>
                    </ul>
                    <div class="header-row"><h4>Containers and Checkpoint/Restore MC: second block</h4></div>
                    <ul><li>There are no conveners in this block</li></ul>
                </div>
            </div>
        </section>
""".encode()


@pytest.mark.parametrize("version", ["3.3.14", "3.2.9"])
def test_session_conveners_per_block(version):
    path = FIXTURES / "indico-html" / version / "session__e7_s90020.html"
    body = path.read_bytes()
    at = body.index(b"<section", body.index(b'class="page-content"'))
    programme = indico_html.parse(body[:at] + CONVENERS + body[at:], source_url(path))
    assert [(p.name, p.role, p.affiliation) for p in programme.tracks[0].people] == [
        ("Stéphane Graber", "convener", "Canonical Ltd."), ("Mike Rapoport", "convener", None)]
    assert programme.tracks[0].description.startswith("<p>The Containers and Checkpoint/Restore MC")


def test_unscheduled_row_has_no_time():
    """A contribution of the session without a timetable entry: listed last, no time."""
    path = FIXTURES / "indico-html" / "3.3.14" / "session__e16_s136.html"
    body = path.read_bytes()
    last = body.rindex(b'<div class="contrib-time icon-time">')
    end = body.index(b"</div>", last) + len(b"</div>")
    body = body[:last] + body[end:]
    body = body.replace(b'"contributionId":90016', b'"contributionId":99999')
    talk = indico_html.parse(body, source_url(path)).talks[-1]
    assert (talk.source_id, talk.start, talk.duration_minutes) == ("90016", None, None)


def test_announcement_page_tracks_topics_leads():
    path = FIXTURES / "indico-html" / "built" / "custom-page__e17_p200.html"
    programme = indico_html.parse(path.read_bytes(), source_url(path))
    assert programme.page_kind == "custom-page" and not programme.talks
    mc, testing = programme.tracks
    assert mc.title == "Containers and Checkpoint/Restore MC" and mc.kind == "microconference"
    assert testing.title == "Kernel Testing & Dependability MC"  # "Microconference" → "MC", as sessions are named
    assert "<li>Making user namespaces easier to use</li>" in mc.description
    assert [(p.name, p.role) for p in mc.people] == [
        ("Stéphane Graber", "lead"), ("Christian Brauner", "lead"), ("Mike Rapoport", "lead"), ("Adrian Reber", "lead")]
    assert [(p.name, p.affiliation) for p in testing.people] == [("Sasha Levin", None), ("Guillaume Tucker", "Collabora")]
    assert "@" not in to_json(programme)


def test_custom_page_without_microconferences_is_empty_not_an_error():
    path = FIXTURES / "indico-html" / "built" / "custom-page__e17_p200.html"
    body = path.read_bytes()
    start = body.index(b'<div class="editor-output">')
    end = body.index(b"</div>", start)
    body = body[:start] + b'<div class="editor-output"><h3>Venue</h3><p>The hotel is downtown.</p>' + body[end:]
    programme = indico_html.parse(body, source_url(path))
    assert programme.tracks == [] and programme.warnings


def test_header_and_timetable_zones_must_agree():
    path = FIXTURES / "indico-html" / "3.3.14" / "session__e17_s162.html"
    body = path.read_bytes().replace(b"America/New_York timezone", b"Europe/Paris timezone")
    programme = indico_html.parse(body, source_url(path))
    assert programme.warnings == [
        "time zone conflict: the page header says Europe/Paris, the timetable data says America/New_York"]
    # Each time keeps the zone it was published in: the timetable's are New York's.
    assert programme.talks[0].start == "2023-11-13T14:30:00-05:00"
