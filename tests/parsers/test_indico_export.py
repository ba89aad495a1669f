"""Indico export API parser on every bundled real answer (3.3.14 and 3.2.9) against golden JSON."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import indico_export, parse_page
from scraper.records import ParseError

FILES = fixture_files("indico-export")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_matches_golden(path, golden):
    assert parse_page(path.read_bytes(), source_url(path)).format == "indico-export"
    golden(path, to_json(indico_export.parse(path.read_bytes(), source_url(path))))


def _parse(version: str, name: str):
    path = FIXTURES / "indico-export" / version / name
    return indico_export.parse(path.read_bytes(), source_url(path))


def test_db_id_not_friendly_id_and_utc_times():
    programme = _parse("3.3.14", "export-event-contributions__e17.json")
    talk = {t.source_id: t for t in programme.talks}["1569"]
    assert talk.url == "https://indico.example.org/event/17/contributions/1569/"
    assert talk.start == "2023-11-13T20:00:00+00:00"  # 15:00 in New York
    assert programme.event.timezone == "America/New_York"
    assert (programme.event.start_date, programme.event.end_date) == ("2023-11-13", "2023-11-15")
    assert not {"1", "2", "3"} & {t.source_id for t in programme.talks}


def test_roles_in_published_order_and_no_email():
    programme = _parse("3.3.14", "export-event-contributions__e17.json")
    talk = {t.source_id: t for t in programme.talks}["1568"]
    assert [(p.name, p.role) for p in talk.people] == [
        ("Adrian Reber", "speaker"), ("Radostin Stoyanov", "speaker"), ("Wesley Armour", "speaker"),
        ("Radostin Stoyanov", "author"), ("Adrian Reber", "coauthor"), ("Wesley Armour", "coauthor")]
    assert "email" not in to_json(programme).lower()


def test_sessions_export_gives_session_description_and_materials():
    programme = _parse("3.3.14", "export-event-sessions__e7.json")
    mc = {t.title: t for t in programme.tracks}["Containers and Checkpoint/Restore MC"]
    assert mc.source_id == "90020" and mc.description.startswith("The Containers and Checkpoint/Restore MC")
    programme = _parse("3.3.14", "export-event-sessions__e17.json")
    mc = {t.title: t for t in programme.tracks}["Containers and checkpoint/restore MC"]
    assert [(k.title, k.url, k.kind) for k in mc.links] == [
        ("Notes (etherpad)", "https://notes.example.org/lpc2023-containers-cr-mc", "notes")]


def test_timetable_export_breaks_are_not_talks_and_times_are_local():
    programme = _parse("3.2.9", "export-timetable__e16.json")
    assert len(programme.talks) == 11  # 9 MC talks + 2 refereed; the 11:30 break is not a talk
    talk = {t.source_id: t for t in programme.talks}["1240"]
    assert (talk.start, talk.duration_minutes) == ("2022-09-14T11:45:00+01:00", 25)
    assert programme.event.timezone == "Europe/Dublin"


def test_absolute_urls_move_to_the_site_fetched():
    path = FIXTURES / "indico-export" / "3.3.14" / "export-event-contributions__e17.json"
    programme = indico_export.parse(path.read_bytes(), "http://127.0.0.1:8080/export/event/17.json?detail=contributions")
    assert programme.event.source_key == "http://127.0.0.1:8080/event/17/"
    assert all(t.url.startswith("http://127.0.0.1:8080/event/17/contributions/") for t in programme.talks)


@pytest.mark.parametrize("body, message", [
    (b'{"count": 0, "results": [], "_type": "HTTPAPIResult"}', "not in the answer"),
    (b'{"message": "API key is required", "_type": "HTTPAPIError"}', "API key is required"),
    (b'{"_type": "HTTPAPIResult", "results": 5}', "neither a list"),
    (b"{", "malformed JSON"),
])
def test_api_errors_are_parse_errors(body, message):
    with pytest.raises(ParseError, match=message):
        indico_export.parse(body, "https://indico.example.org/export/event/17.json?detail=contributions")


def test_unscheduled_talk_has_no_start():
    """Accepted but not scheduled: Indico exports "startDate": null (no such talk in the
    fixtures, so one is unscheduled here)."""
    path = FIXTURES / "indico-export" / "3.3.14" / "export-event-contributions__e17.json"
    body = path.read_bytes()
    start = body.index(b'"db_id":90006')
    at = body.index(b'"startDate":{', start)
    end = body.index(b"}", at) + 1
    body = body[:at] + b'"startDate":null' + body[end:]
    programme = indico_export.parse(body, source_url(path))
    talk = {t.source_id: t for t in programme.talks}["90006"]
    assert talk.start is None and talk.track_title == "Containers and checkpoint/restore MC"
    from scraper.normalize.merge import merge
    row = {r["source_id"]: r for r in merge([programme]).talks}["90006"]
    assert (row["starts_at"], row["starts_at_utc"]) == (None, None)


def test_block_conveners_become_track_people_without_email():
    path = FIXTURES / "indico-export" / "3.3.14" / "export-timetable__e17.json"
    convener = (b'"conveners":[{"firstName":"St\\u00e9phane","familyName":"Graber","name":"St\\u00e9phane Graber",'
                b'"affiliation":"Zabbly","emailHash":"0123","email":"stgraber@example.org",'
                b'"displayOrderKey":[0,"St\\u00e9phane Graber"]}]')
    body = path.read_bytes().replace(b'"conveners":[]', convener, 1)
    programme = indico_export.parse(body, source_url(path))
    mc = {t.title: t for t in programme.tracks}["Containers and checkpoint/restore MC"]
    assert [(p.name, p.role, p.affiliation) for p in mc.people] == [("Stéphane Graber", "convener", "Zabbly")]
    assert "stgraber@" not in to_json(programme) and "0123" not in to_json(programme)
