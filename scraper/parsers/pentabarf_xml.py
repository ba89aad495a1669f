"""FOSDEM/pentabarf `schedule.xml` → one Programme (page kind "schedule-xml").

Accepts every FOSDEM export from 2007 to 2026 and frab/pretalx files of the same family
(root `<schedule>` holding `<conference>`):

* 2007–2012 archive rendering: `<event>` directly under `<day>` (no `<room name>` wrapper),
  empty `<slug>`, empty `<video>`/`<end>`, HH:MM times;
* 2010 as served: `<tag>` instead of `<slug>`, plain-text abstracts; 2012 as served:
  Markdown abstracts (the archive rendering of the same talks is HTML);
* 2013–2023: `day/room[@name]/event[@id]`, escaped-HTML abstracts, `<attachments>` (2020+);
* 2024+ (new style): `<version>`, conference `acronym`/`base_url`/`time_zone_name`, day
  `start`/`end`, room `slug`, event `guid`, `<date>` (ISO with offset), `<url>`,
  `<feedback_url>`, top-level `<tracks>` and (2026) `<persons>`.

The same family, as other producers write it (c3voc "schedule.xml"):

* frab (31C3: `version` "1.5 …", single-quoted attributes, `event@guid`, `<recording>`);
* c3voc-merged frab (36C3: sub-schedules merged into one file, so one `id` can name two
  different talks; those are told apart by their `guid`);
* pretalx (GOOD 2025: `<generator name="pretalx">`, Markdown abstracts, `<url>` with a
  doubled slash after the host in pretalx 2.3);
* wafer (DebConf23: served at `/schedule/pentabarf.xml`, UTC `<date>`s with an Asia/Kolkata
  `time_zone_name`).

A file that declares itself c3voc-style (`<version>` or `<generator>` under `<schedule>`)
is validated against the vendored c3voc XSD; violations become warnings, never errors.
Older pentabarf files (FOSDEM before 2024) predate that schema and are not checked.

Times stay as published: day date + `<start>` as naive local time, or the aware `<date>`
when the file gives one; normalize derives UTC. Pure: no I/O.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from operator import attrgetter

from lxml import etree

from ..records import (
    RANK_SCHEDULE,
    EventInfo,
    Link,
    ParseError,
    PersonRef,
    Programme,
    TalkInfo,
    TrackInfo,
    UnsupportedPage,
)
from . import schedule_schema
from .schedule_common import FOSDEM_TIMEZONE, duration_minutes, markup_format, refuse_other_family
from .schedule_common import TIME as _TIME
from .schedule_common import acronym as _acronym_text
from .schedule_common import clean as _clean
from .schedule_common import collapse as _collapse
from .schedule_common import date_or_none as _date_or_none
from .schedule_common import fix_url as _fix_url
from .schedule_common import link_kind as _link_kind
from .schedule_common import never_crashes
from .schedule_common import one_line as _one_line
from .schedule_common import source_key as _source_key

FORMAT = "pentabarf-xml"
PAGE_KIND = "schedule-xml"

_SNIFF_BYTES = 65536

# BOM, XML declaration, comments, processing instructions, DOCTYPE and whitespace before
# the root element; the DOCTYPE may carry an internal subset in brackets.
_PROLOG = re.compile(
    rb"(?:\xef\xbb\xbf)?"
    rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*",
    re.S | re.I,
)
_ROOT = re.compile(rb"<schedule[\s>/]")
_CONFERENCE = re.compile(rb"<conference[\s>/]")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)

_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def sniff(body: bytes, url: str) -> bool:
    """True for a document whose root element is <schedule> and which holds <conference>."""
    head = body[:_SNIFF_BYTES]
    prolog = _PROLOG.match(head)
    start = prolog.end() if prolog else 0
    if not _ROOT.match(head, start):
        return False
    return _CONFERENCE.search(head, start) is not None


@never_crashes("schedule.xml")
def parse(body: bytes, url: str) -> Programme:
    """Parse one schedule.xml; ParseError (one line) for anything that is not one."""
    refuse_other_family(body, url, FORMAT, "xml", "a schedule.xml")
    root = _xml_root(body)
    if not isinstance(root.tag, str) or root.tag != "schedule":
        raise UnsupportedPage(f"not a schedule.xml: root element is <{root.tag}> ({url})")
    conf = root.find("conference")
    if conf is None:
        raise UnsupportedPage(f"not a schedule.xml: no <conference> element ({url})")

    warnings: list[str] = []
    event = _event_info(conf, url, warnings)
    # FOSDEM 2008 publishes <end>20008-02-24</end>: fall back on the days' own dates.
    day_dates = sorted(d for d in (_date_or_none(day.get("date")) for day in root.iterfind("day")) if d)
    if day_dates:
        event.start_date = event.start_date or day_dates[0]
        event.end_date = event.end_date or day_dates[-1]
    is_fosdem = (event.title or "").upper().startswith("FOSDEM")
    year = _year(event)
    # Every <event> in the file, read once, in document order: the abstract-format vote and
    # the track list look at all of them, the talks at those under a day.
    events = {ev: _Event(ev) for ev in root.iter("event")}
    fmt = _abstract_format(events.values())

    if root.find("version") is not None or root.find("generator") is not None:
        warnings.extend(schedule_schema.xml_violations(root))

    talks: list[TalkInfo] = []
    keys = _TalkKeys(warnings)
    for day in root.iterfind("day"):
        day_date = _date_or_none(day.get("date"))
        if day_date is None:
            warnings.append(f"day {day.get('index') or '?'} has no valid date attribute")
        for child in day:
            if child.tag == "event":
                entries = [(child, None)]
            elif child.tag == "room":
                entries = [(ev, _clean(child.get("name"))) for ev in child.iterchildren("event")]
            else:
                continue
            for ev, room_name in entries:
                talk = _talk(events[ev], day_date, room_name, fmt, is_fosdem, year, warnings)
                if talk is not None:
                    keys.assign(talk)
                    talks.append(talk)

    return Programme(
        format=FORMAT,
        page_kind=PAGE_KIND,
        url=url,
        event=event,
        tracks=_tracks(root, events.values(), talks),
        talks=talks,
        follow=[],
        warnings=warnings,
    )


class _TalkKeys:
    """Keeps one published id to one talk. 36C3's merged file reuses 10 ids for different
    talks (each sub-schedule numbers its own); such a later talk is keyed by its guid. A
    talk listed twice under one id and guid (3 in the same file) stays one talk."""

    def __init__(self, warnings: list[str]) -> None:
        self.seen: dict[str, tuple[str | None, str]] = {}
        self.warnings = warnings

    def assign(self, talk: TalkInfo) -> None:
        first = self.seen.get(talk.source_id)
        if first is None:
            self.seen[talk.source_id] = (talk.guid, talk.title)
            return
        guid, title = first
        if (talk.guid and guid and talk.guid == guid) or (not (talk.guid and guid) and talk.title == title):
            return
        published = talk.source_id
        if talk.guid and talk.guid not in self.seen:
            talk.source_id = talk.guid
        else:
            n = 2
            while f"{published}-{n}" in self.seen:
                n += 1
            talk.source_id = f"{published}-{n}"
        self.seen[talk.source_id] = (talk.guid, talk.title)
        self.warnings.append(f"event id {published} names two talks; {talk.title!r} is keyed {talk.source_id}")


def _xml_root(body: bytes) -> etree._Element:
    if not isinstance(body, bytes | bytearray):
        raise ParseError("schedule.xml body must be bytes")
    # Entity declarations only serve entity expansion (billion laughs, external files):
    # refuse them before libxml2 sees the document. The DTD check below catches encodings
    # this byte scan cannot read.
    head = bytes(body[:_SNIFF_BYTES])
    if b"<!DOCTYPE" in head and _ENTITY_DECL.search(head):
        raise ParseError("refused XML: DOCTYPE declares entities")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(bytes(body), parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {_one_line(exc)}") from None
    if root is None:
        raise ParseError("malformed XML: no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError("refused XML: DOCTYPE declares entities")
    return root


def _event_info(conf: etree._Element, url: str, warnings: list[str]) -> EventInfo:
    title = _text(conf, "title")
    source_key = _source_key(url)
    venue = _text(conf, "venue")
    city = _text(conf, "city")
    if venue and city and city not in venue:
        venue = f"{venue}, {city}"
    elif not venue:
        venue = city
    timezone = _text(conf, "time_zone_name")
    if timezone is None and (title or "").upper().startswith("FOSDEM"):
        timezone = FOSDEM_TIMEZONE
    start_date = _conference_date(conf, "start", warnings)
    end_date = _conference_date(conf, "end", warnings)
    return EventInfo(
        source_key=source_key,
        title=title,
        timezone=timezone,
        start_date=start_date,
        end_date=end_date,
        venue=venue,
        url=_text(conf, "base_url") or source_key,
        conference=_acronym(conf),
    )


def _acronym(conf: etree._Element) -> str | None:
    return _acronym_text(_text(conf, "acronym"))


def _conference_date(conf: etree._Element, name: str, warnings: list[str]) -> str | None:
    value = _text(conf, name)
    if value is None:
        return None
    parsed = _date_or_none(value)
    if parsed is None:
        warnings.append(f"conference <{name}> is not a date: {value!r}")
    return parsed


def _year(event: EventInfo) -> str | None:
    match = _YEAR.search(event.title or "")
    if match:
        return match.group(1)
    return event.start_date[:4] if event.start_date else None


class _Event:
    """One <event>, read in a single pass over its children. `children` maps each tag to
    its first child (what `find(tag)` returns) and `text` each field a talk uses to that
    child's stripped text (what `_text` returns), so no field is looked up twice."""

    __slots__ = ("el", "children", "repeats", "text")

    def __init__(self, el: etree._Element) -> None:
        self.el = el
        kids = el[::-1]  # last to first, so that the first child of each tag is the one kept
        children = self.children = dict(zip(map(_TAG, kids), kids))
        self.repeats = len(children) < len(kids)  # some tag comes twice (rare)
        self.text = {name: _stripped(children.get(name)) for name in _FIELDS}

    def items(self, container: str, tag: str) -> list[etree._Element]:
        """Every <tag> of every <container>, in document order, as `iterfind("container/tag")`
        gives them; an event nearly always has at most one <persons>, <links>, <attachments>."""
        parent = self.children.get(container)
        if parent is None:
            return []
        if not self.repeats:
            return list(parent.iterchildren(tag))
        return [item for parent in self.el.iterchildren(container) for item in parent.iterchildren(tag)]


# The fields of an <event> that become part of a talk.
_FIELDS = ("title", "subtitle", "slug", "tag", "url", "track", "type", "room", "date", "start", "duration",
           "abstract", "description", "feedback_url")
_TAG = attrgetter("tag")  # a str for elements; the Entity factory for entity references


def _abstract_format(events) -> str:
    """html when most published abstracts hold HTML tags (FOSDEM 2007–2026 archive and final
    files), else markdown (FOSDEM 2010/2012 as served, pretalx, wafer)."""
    return markup_format((ev.text["abstract"] or "") + (ev.text["description"] or "") for ev in events)


def _talk(
    ev: _Event,
    day_date: str | None,
    room_name: str | None,
    fmt: str,
    is_fosdem: bool,
    year: str | None,
    warnings: list[str],
) -> TalkInfo | None:
    get = ev.el.get
    source_id = _clean(get("id")) or _clean(get("guid"))
    title = ev.text["title"]
    if source_id is None:
        warnings.append(f"skipped an event without id: {title!r}")
        return None
    if title is None:
        warnings.append(f"skipped event {source_id}: no title")
        return None

    slug = ev.text["slug"]
    url = _fix_url(ev.text["url"])
    if url is None and is_fosdem and slug and year:
        url = f"https://fosdem.org/{year}/schedule/event/{slug}/"

    return TalkInfo(
        source_id=source_id,
        title=_collapse(title),
        subtitle=_collapse(ev.text["subtitle"]) or None,
        guid=_clean(get("guid")),
        slug=slug or ev.text["tag"],
        track_title=_collapse(ev.text["track"]) or None,
        abstract=_abstract(ev),
        abstract_format=fmt,
        abstract_complete=True,
        start=_start(ev, day_date, source_id, warnings),
        duration_minutes=_duration(ev, source_id, warnings),
        room=ev.text["room"] or room_name,
        url=url,
        kind=ev.text["type"],
        people=_people(ev),
        links=_links(ev),
        rank=RANK_SCHEDULE,
    )


def _abstract(ev: _Event) -> str | None:
    """The abstract, then the description when it says something else: both are published."""
    abstract = ev.text["abstract"]
    description = ev.text["description"]
    if description and description != abstract:
        return f"{abstract}\n\n{description}" if abstract else description
    return abstract


def _start(ev: _Event, day_date: str | None, source_id: str, warnings: list[str]) -> str | None:
    # <date> (2024+ FOSDEM, frab, pretalx) is the full start with its offset; it alone may
    # move a talk after midnight to the next calendar day.
    published = ev.text["date"]
    if published is not None:
        try:
            datetime.fromisoformat(published)
            return published
        except ValueError:
            warnings.append(f"event {source_id}: <date> is not ISO 8601: {published!r}")
    start = ev.text["start"]
    if start is None or day_date is None:
        return None
    moment = _local_start(day_date, start)
    if moment is None:
        warnings.append(f"event {source_id}: <start> is not a time: {start!r}")
    return moment


@lru_cache(maxsize=4096)
def _local_start(day_date: str, start: str) -> str | None:
    """Day date + HH:MM[:SS] as naive local time, None when start is no time. Cached: a
    file has a few hundred distinct (day, start) pairs for thousands of talks."""
    match = _TIME.match(start)
    if match is None or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    moment = datetime.fromisoformat(day_date) + timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# Cached for the same reason: a file uses a handful of distinct durations.
_duration_minutes = lru_cache(maxsize=1024)(duration_minutes)


def _duration(ev: _Event, source_id: str, warnings: list[str]) -> int | None:
    value = ev.text["duration"]
    if value is None:
        return None
    minutes = _duration_minutes(value)
    if minutes is None:
        warnings.append(f"event {source_id}: <duration> is not HH:MM[:SS]: {value!r}")
    return minutes


def _people(ev: _Event) -> list[PersonRef]:
    people = []
    for person in ev.items("persons", "person"):
        name_el = person.find("name") if len(person) else None
        name = _collapsed(name_el if name_el is not None else person)
        if name:
            people.append(PersonRef(name=name, role="speaker", source_person_id=_clean(person.get("id"))))
    return people


def _links(ev: _Event) -> list[Link]:
    """Attachments, then links, then the feedback form: one Link per URL, the first."""
    links: list[Link] = []
    seen: set[str] = set()
    for att in ev.items("attachments", "attachment"):
        href = _clean(att.get("href"))
        if href and href not in seen:
            seen.add(href)
            kind = _clean(att.get("type")) or "link"
            links.append(Link(title=_collapsed(att) or kind, url=href, kind=kind))
    for link in ev.items("links", "link"):
        href = _clean(link.get("href"))
        if href and href not in seen:
            seen.add(href)
            title = _collapsed(link) or href
            links.append(Link(title=title, url=href, kind=_link_kind(href, title)))
    feedback = ev.text["feedback_url"]
    if feedback and feedback not in seen:
        links.append(Link(title="Submit feedback", url=feedback, kind="feedback"))
    return links


def _tracks(root: etree._Element, events, talks: list[TalkInfo]) -> list[TrackInfo]:
    """One track per distinct name: those the file lists (2024+), then those its talks use."""
    slugs: dict[str, str | None] = {}
    for track in root.iterfind("tracks/track"):
        name = _collapse(_all_text(track))
        if name and name not in slugs:
            slugs[name] = _clean(track.get("slug"))
    for ev in events:
        track = ev.children.get("track")
        if track is not None:
            name = _collapse(ev.text["track"])
            if name and not slugs.get(name):
                slugs[name] = _clean(track.get("slug"))

    # The rooms and the kinds of talk of each track: a track whose talks are all of kind
    # "devroom" is one, as is a track that names itself so.
    rooms: dict[str, set[str | None]] = {}
    kinds: dict[str, set[str]] = {}
    for talk in talks:
        name = talk.track_title  # already collapsed
        if name is None:
            continue
        if name not in rooms:
            slugs.setdefault(name, None)
            rooms[name] = set()
            kinds[name] = set()
        rooms[name].add(talk.room)
        if talk.kind:
            kinds[name].add(talk.kind)

    tracks = []
    for name, slug in slugs.items():
        track_rooms = rooms.get(name, ())
        devroom = name.lower().endswith("devroom") or kinds.get(name) == {"devroom"}
        room = next(iter(track_rooms)) if len(track_rooms) == 1 else None
        tracks.append(TrackInfo(title=name, kind="devroom" if devroom else None, room=room, source_id=slug))
    return tracks


def _text(parent: etree._Element, name: str) -> str | None:
    """The stripped text of a child element, None when missing or empty."""
    return _stripped(parent.find(name))


def _stripped(el: etree._Element | None) -> str | None:
    """The stripped text of el, None when el is missing or holds no text."""
    if el is None:
        return None
    text = _all_text(el) if len(el) else el.text  # a leaf's .text is all its text
    return (text.strip() or None) if text else None


def _collapsed(el: etree._Element) -> str:
    """The text of el on one line, each run of white space one space."""
    text = _all_text(el) if len(el) else el.text
    return " ".join(text.split()) if text else ""


def _all_text(el: etree._Element) -> str:
    """All the text inside el. Almost every field is a leaf, whose .text is all of it;
    only mixed content (and entity references, which count as children) needs a walk."""
    if not len(el):
        return el.text or ""
    return "".join(t for t in el.itertext() if isinstance(t, str))
