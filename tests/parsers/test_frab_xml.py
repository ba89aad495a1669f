"""schedule.xml from other producers of the pentabarf family (frab, c3voc-merged frab,
pretalx, wafer), parsed by pentabarf_xml: golden files, schema warnings, id reuse."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from conftest import FIXTURES, fixture_files, source_url, to_json
from scraper.parsers import frab_json, parser_for, pentabarf_xml

FILES = [p for p in fixture_files("pentabarf-xml") if p.parent.name == "frab-xml"]
DIR = FIXTURES / "frab-xml"


@cache
def parsed(path: Path):
    return pentabarf_xml.parse(path.read_bytes(), source_url(path))


def test_bundled():
    assert sorted(p.name for p in FILES) == ["31c3-frab.xml", "36c3-merged.xml", "debconf23-wafer.xml",
                                              "good2025-pretalx.xml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parse_matches_golden(path, golden):
    golden(path, to_json(parsed(path)))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sniffed_one_talk_per_event_and_schema_checked(path):
    body = path.read_bytes()
    assert parser_for(body, source_url(path)) is pentabarf_xml
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    programme = parsed(path)
    assert len(programme.talks) == len(root.findall(".//event"))
    # Every one of these real exports breaks the c3voc XSD somewhere; never an error.
    assert any("c3voc schedule.xml.xsd" in w for w in programme.warnings)
    assert all("\n" not in w for w in programme.warnings)


def test_36c3_reused_ids_stay_apart():
    """The merged file reuses 10 ids for different talks (and lists 3 talks twice under
    one guid): talks are never merged on a bare id."""
    programme = parsed(DIR / "36c3-merged.xml")
    keys = {}
    for talk in programme.talks:
        keys.setdefault(talk.source_id, set()).add(talk.guid)
    assert all(len(guids) == 1 for guids in keys.values())
    assert len(keys) == 1351 - 3
    reused = [w for w in programme.warnings if "names two talks" in w]
    assert len(reused) == 10
    (podcast,) = [t for t in programme.talks if t.title == "Podcaster* innen - Ein Rückblick auf 2019"]
    assert podcast.source_id in ("885", podcast.guid)


def test_31c3_frab():
    programme = parsed(DIR / "31c3-frab.xml")
    assert programme.event.conference == "31c3"
    assert programme.event.source_key == "https://events.ccc.de/congress/2014/Fahrplan/"
    (keynote,) = [t for t in programme.talks if t.source_id == "6571"]
    assert (keynote.title, keynote.subtitle, keynote.start, keynote.duration_minutes) == (
        "31C3 Keynote", "A New Dawn", "2014-12-27T11:30:00+01:00", 60)
    assert keynote.guid == "8c4e647f-813e-41ef-b05b-65469dd841c3"
    assert [p.name for p in keynote.people] == ["alecempire"]


def test_debconf23_wafer_keeps_utc_dates_and_zone():
    programme = parsed(DIR / "debconf23-wafer.xml")
    assert programme.event.timezone == "Asia/Kolkata"
    assert programme.event.source_key == "https://debconf23.debconf.org/"
    assert all(t.start.endswith("+00:00") for t in programme.talks if t.start)


def test_pretalx_xml_and_json_agree():
    """GOOD 2025 in pretalx's XML and JSON exports: the same talks, ids, times, people,
    and the same talk URL (the XML's doubled slash repaired)."""
    xml = parsed(DIR / "good2025-pretalx.xml")
    path = FIXTURES / "frab-json" / "good2025-pretalx.json"
    js = frab_json.parse(path.read_bytes(), source_url(path))
    assert xml.event.source_key == js.event.source_key == "https://cfp.openondemand.org/2025/"
    assert xml.event.conference is None  # the acronym is just "2025"

    def facts(programme):
        return sorted((t.source_id, t.guid, t.title, t.start, t.duration_minutes, t.room, t.url, t.track_title,
                       tuple(p.name for p in t.people)) for t in programme.talks)

    assert facts(xml) == facts(js)
    assert all("//2025" not in t.url for t in xml.talks)
