"""pentabarf_xml: every bundled FOSDEM schedule.xml (2007–2026 and variants) against its
golden file, plus the anchor talk, counts, time zones and hostile input."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from scraper.parsers import pentabarf_xml
from scraper.records import ParseError

from conftest import FIXTURES, fixture_files, source_url, to_json

# FOSDEM's files; the other producers' schedule.xml (frab-xml/) are in test_frab_xml.py.
FILES = [p for p in fixture_files("pentabarf-xml") if p.parent.name == "pentabarf-xml"]
# Real data bugs, kept as published.
KNOWN_WARNINGS = {"fosdem-2008.xml": ["conference <end> is not a date: '20008-02-24'"]}
FINAL = {int(p.stem.split("-")[1]): p for p in FILES if p.stem.count("-") == 1}


@cache
def parsed(path: Path):
    return pentabarf_xml.parse(path.read_bytes(), source_url(path))


def fosdem(year: int):
    return parsed(FINAL[year])


def test_every_final_year_is_bundled():
    assert sorted(FINAL) == list(range(2007, 2027))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parse_matches_golden(path, golden):
    golden(path, to_json(parsed(path)))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sniffed_and_one_talk_per_event(path):
    body = path.read_bytes()
    assert pentabarf_xml.sniff(body, source_url(path))
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    programme = parsed(path)
    assert len(programme.talks) == len(root.findall(".//event"))
    assert [w for w in programme.warnings if "c3voc" not in w] == KNOWN_WARNINGS.get(path.name, [])
    assert programme.format == "pentabarf-xml" and programme.page_kind == "schedule-xml"
    assert programme.follow == []


def test_only_c3voc_style_files_are_schema_checked():
    """2024+ files declare <version> (c3voc style) and are checked against the XSD: FOSDEM
    adds <subtitle> to <conference> and a top-level <tracks>. Older pentabarf files
    predate the schema and are not checked."""
    for year, path in FINAL.items():
        schema_warnings = [w for w in parsed(path).warnings if "c3voc schedule.xml.xsd" in w]
        if year >= 2024:
            assert [w.split(": ", 2)[2] for w in schema_warnings] == [
                "Element 'subtitle': This element is not expected.",
                "Element 'tracks': This element is not expected. Expected is ( day ).",
            ]
        else:
            assert schema_warnings == []


@pytest.mark.parametrize("year", range(2007, 2027))
def test_fosdem_event_info(year):
    event = fosdem(year).event
    assert event.timezone == "Europe/Brussels"
    assert event.source_key == f"https://fosdem.org/{year}/"
    assert event.title == f"FOSDEM {year}"
    assert event.start_date.startswith(str(year)) and event.end_date.startswith(str(year))


def test_anchor_talk_2020():
    programme = fosdem(2020)
    (talk,) = [t for t in programme.talks if t.source_id == "10542"]
    assert talk.title == "Supervising and emulating syscalls"
    assert talk.url == "https://fosdem.org/2020/schedule/event/containers_syscall_emulation/"
    assert [(p.name, p.source_person_id, p.role) for p in talk.people] == [("Christian Brauner", "5245", "speaker")]
    assert talk.track_title == "Containers"
    assert talk.kind == "devroom"
    assert talk.room == "UD2.208 (Decroly)"
    assert talk.start == "2020-02-01T13:20:00"
    assert talk.duration_minutes == 20
    assert talk.abstract_format == "html" and talk.abstract.startswith("<p>")
    assert [link.kind for link in talk.links].count("slides") == 1
    videos = [link.url for link in talk.links if link.kind == "video"]
    assert any("/UA2.208/" in u for u in videos) and any("/UD2.208/" in u for u in videos)
    assert len(videos) == len(set(videos)) == 4
    (track,) = [t for t in programme.tracks if t.title == "Containers"]
    assert track.kind == "devroom"
    event = programme.event
    assert (event.start_date, event.end_date) == ("2020-02-01", "2020-02-02")
    assert event.venue == "ULB (Université Libre de Bruxelles), Brussels"
    assert event.url == "https://fosdem.org/2020/" and event.conference is None


def test_aware_start_2025():
    talks = fosdem(2025).talks
    assert all(t.start.endswith("+01:00") for t in talks)
    assert fosdem(2025).event.conference == "fosdem-2025"


def test_naive_start_before_2024():
    assert all(len(t.start) == 19 for t in fosdem(2019).talks)


def test_2024_urls_kept_as_published():
    programme = fosdem(2024)
    assert programme.event.url == "https://fosdem.org/2025/schedule/"
    assert programme.event.source_key == "https://fosdem.org/2024/"
    assert all(t.url.startswith("https://fosdem.org/2025/schedule/event/fosdem-2024-") for t in programme.talks)


def test_archive_years_without_room_wrapper():
    talks = fosdem(2007).talks
    assert all(t.room and t.start.startswith("2007-02-2") for t in talks)
    assert all(t.url is None for t in talks)  # every 2007–2012 archive slug is empty


def test_as_served_variants_are_markdown():
    for name in ("fosdem-2010-asserved.xml", "fosdem-2012-asserved.xml"):
        programme = parsed(FIXTURES / "pentabarf-xml" / name)
        assert {t.abstract_format for t in programme.talks} == {"markdown"}


def test_source_key_other_hosts():
    assert pentabarf_xml._source_key("https://pretalx.example.org/good2025/schedule/export/schedule.xml") == (
        "https://pretalx.example.org/good2025/"
    )
    assert pentabarf_xml._source_key("https://events.example.org/31c3/Fahrplan/schedule.xml") == (
        "https://events.example.org/31c3/Fahrplan/"
    )


MINIMAL = b"""<?xml version="1.0"?>
<!-- made with love -->
<schedule><version>1</version><conference><title>Tiny Conf</title><start>2025-03-17</start>
<end>2025-03-17</end></conference>
<day index="1" date="2025-03-17"><room name="A"><event id="7" guid="x">
<start>23:30</start><duration>1:05:00</duration><title> A
 talk </title><track>Main</track><type>Talk</type><abstract>Hello *there*</abstract>
<persons><person id="3"> Ada   Lovelace </person></persons>
<links><link href=" https://example.org/s.pdf ">Slides</link><link href="https://example.org/s.pdf">again</link></links>
</event></room></day></schedule>"""


def test_minimal_frab_style_file():
    assert pentabarf_xml.sniff(b"\xef\xbb\xbf  " + MINIMAL, "x")
    programme = pentabarf_xml.parse(MINIMAL, "https://tiny.example.org/2025/schedule.xml")
    assert programme.event.timezone is None
    assert programme.event.source_key == "https://tiny.example.org/2025/"
    (talk,) = programme.talks
    assert (talk.title, talk.start, talk.duration_minutes, talk.room) == ("A talk", "2025-03-17T23:30:00", 65, "A")
    assert talk.url is None and talk.abstract_format == "markdown"
    assert [(p.name, p.source_person_id) for p in talk.people] == [("Ada Lovelace", "3")]
    assert [(link.url, link.kind) for link in talk.links] == [("https://example.org/s.pdf", "slides")]
    assert programme.tracks[0].room == "A" and programme.tracks[0].kind is None


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Indico</title></head><body><schedule>"
        b"<conference/></schedule></body></html>",
        b'{"results": [{"_type": "Conference", "title": "<schedule><conference>"}]}',
        b'<?xml version="1.0"?><rss><channel><title>schedule</title></channel></rss>',
        b'<?xml version="1.0"?><schedule><day date="2020-01-01"/></schedule>',
        b"",
    ],
    ids=["indico-html", "indico-json", "rss", "schedule-without-conference", "empty"],
)
def test_not_sniffed(body):
    assert not pentabarf_xml.sniff(body, "https://fosdem.org/2020/schedule/xml")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<schedule><conference><title>&lol9;</title></conference></schedule>"""


def test_billion_laughs_refused_quickly():
    began = time.monotonic()
    with pytest.raises(ParseError, match="entities"):
        pentabarf_xml.parse(BILLION_LAUGHS, "https://fosdem.org/2020/schedule/xml")
    assert time.monotonic() - began < 1


def test_external_entity_refused():
    body = b'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY x SYSTEM "file:///etc/passwd">]><schedule><conference><title>&x;</title></conference></schedule>'
    with pytest.raises(ParseError, match="entities"):
        pentabarf_xml.parse(body, "https://fosdem.org/2020/schedule/xml")


def test_truncated_xml():
    body = FINAL[2020].read_bytes()[:50000]
    with pytest.raises(ParseError, match="^malformed XML: ") as info:
        pentabarf_xml.parse(body, "https://fosdem.org/2020/schedule/xml")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<rss><channel/></rss>", "root element"),
        (b"<schedule><day/></schedule>", "no <conference>"),
        (b"", "malformed XML"),
        (b"\x00\x01garbage", "malformed XML"),
    ],
)
def test_other_structures_are_parse_errors(body, message):
    with pytest.raises(ParseError, match=message):
        pentabarf_xml.parse(body, "https://example.org/schedule.xml")


def test_odd_values_tolerated_with_warnings():
    body = (
        b"<schedule><conference><title>X</title><start>soon</start></conference>"
        b'<day date="2020-01-01"><event id="1"><title>T</title><start>nine</start><duration>long</duration>'
        b'<date>yesterday</date></event><event><title>no id</title></event></day>'
        b'<day><room name="R"><event id="2"><title>U</title><start>10:00</start></event></room></day></schedule>'
    )
    programme = pentabarf_xml.parse(body, "https://example.org/schedule.xml")
    assert [(t.source_id, t.start, t.duration_minutes, t.room) for t in programme.talks] == [
        ("1", None, None, None),
        ("2", None, None, "R"),
    ]
    assert len(programme.warnings) == 6
