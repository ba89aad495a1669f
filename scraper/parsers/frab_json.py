"""frab/pretalx `schedule.json` (the c3voc schedule JSON) → one Programme.

Accepts both layouts the c3voc validator publishes a schema for:

* schedule.json (`schema.json`): `schedule.conference.days[].rooms{room: [event]}`, as
  frab (camp2019), pretalx (GOOD 2025, democon, rC3) and the c3voc tools write it; event
  `id` an integer (frab, pretalx) or a string, `duration` HH:MM, `date` ISO with offset,
  persons with `public_name` (frab, pretalx) or `name`;
* "schedule2" (`schema2.json`, 38C3 hub): flat `schedule.events[]` with `start`/`end`,
  `room` and `track` objects (the track by slug, named in `conference.tracks`),
  `participants` with roles, and `code`/`guid` instead of a numeric id.

Each file is validated against the vendored schema of its layout; violations become
warnings, never errors (only pretalx's democon example passes). Abstracts stay in their
source markup (Markdown for frab and pretalx, HTML when most of them hold tags). Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

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
from .indico_common import load_json_object
from .schedule_common import (
    FOSDEM_TIMEZONE,
    acronym,
    collapse,
    date_or_none,
    duration_minutes,
    fix_url,
    iso_datetime,
    link_kind,
    markup_format,
    minutes_between,
    never_crashes,
    refuse_other_family,
    source_key,
)

FORMAT = "frab-json"
PAGE_KIND = "schedule-json"

_HEAD = 65536
_OBJECT = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\{")
_SCHEDULE_KEY = re.compile(rb'"schedule"\s*:\s*\{')
_CONFERENCE_KEY = re.compile(rb'"conference"\s*:\s*\{')
_SPEAKER_ROLES = {"speaker", "moderator", "host"}


def sniff(body: bytes, url: str) -> bool:
    """A JSON object with a "schedule" object holding a "conference" object."""
    head = body[:_HEAD]
    return bool(_OBJECT.match(head) and _SCHEDULE_KEY.search(head) and _CONFERENCE_KEY.search(head))


@never_crashes("schedule.json")
def parse(body: bytes, url: str) -> Programme:
    """Parse one schedule.json; ParseError (one line) for anything that is not one."""
    if not isinstance(body, bytes | bytearray):
        raise ParseError("schedule.json body must be bytes")
    refuse_other_family(body, url, FORMAT, "json", "a schedule.json")
    data = load_json_object(bytes(body), "schedule.json")
    schedule = data.get("schedule")
    if not isinstance(schedule, dict) or not isinstance(schedule.get("conference"), dict):
        raise UnsupportedPage(f"unsupported JSON: not a frab/pretalx schedule.json (no schedule.conference): {url}")
    conf = schedule["conference"]
    flat = isinstance(schedule.get("events"), list)
    warnings: list[str] = []
    try:
        warnings.extend(schedule_schema.json_violations(
            data, schedule_schema.JSON_SCHEMA2_NAME if flat else schedule_schema.JSON_SCHEMA_NAME))
    except RecursionError:
        warnings.append("not checked against the c3voc schema: nested too deeply")

    event = _event_info(schedule, conf, url, warnings)
    track_names = _track_names(conf)
    entries = list(_flat_events(schedule, conf) if flat else _nested_events(conf, warnings))
    fmt = markup_format(f"{_str(e.get('abstract'))}{_str(e.get('description'))}" for e, _ in entries)
    is_fosdem = (event.title or "").upper().startswith("FOSDEM")
    if is_fosdem and not event.timezone:
        event.timezone = FOSDEM_TIMEZONE

    talks, seen = [], {}
    for raw, day_date in entries:
        talk = _talk(raw, day_date, fmt, track_names, warnings)
        if talk is None:
            continue
        _unique_key(talk, seen, warnings)
        talks.append(talk)
    return Programme(format=FORMAT, page_kind=PAGE_KIND, url=url, event=event,
                     tracks=_tracks(conf, talks), talks=talks, warnings=warnings)


def _event_info(schedule: dict, conf: dict, url: str, warnings: list[str]) -> EventInfo:
    start, end = _conf_date(conf, "start", warnings), _conf_date(conf, "end", warnings)
    days = sorted(d for d in (date_or_none(_str(day.get("date"))) for day in _dicts(conf.get("days"))) if d)
    title = collapse(_str(conf.get("title"))) or None
    return EventInfo(
        source_key=source_key(url),
        title=title,
        timezone=_clean(conf.get("time_zone_name")),
        start_date=start or (days[0] if days else None),
        end_date=end or (days[-1] if days else None),
        url=_clean(schedule.get("base_url")) or _clean(conf.get("url")) or source_key(url),
        conference=acronym(_str(conf.get("acronym"))),
    )


def _conf_date(conf: dict, name: str, warnings: list[str]) -> str | None:
    value = _clean(conf.get(name))
    if value is None:
        return None
    parsed = date_or_none(value)
    if parsed is None:
        warnings.append(f"conference {name} is not a date: {value!r}")
    return parsed


def _nested_events(conf: dict, warnings: list[str]):
    """(event, day date) from days[].rooms{name: [event]} (schedule.json)."""
    for day in _dicts(conf.get("days")):
        day_date = date_or_none(_str(day.get("date")))
        rooms = day.get("rooms")
        if not isinstance(rooms, dict):
            continue
        for room_name, events in rooms.items():
            for raw in _dicts(events):
                if not raw.get("room"):
                    raw = {**raw, "room": room_name}
                yield raw, day_date


def _flat_events(schedule: dict, conf: dict):
    """(event, None) from the flat schedule2 list."""
    for raw in _dicts(schedule.get("events")):
        yield raw, None


def _track_names(conf: dict) -> dict[str, str]:
    """schedule2 names a talk's track by slug; conference.tracks maps slugs to names."""
    names = {}
    for track in _dicts(conf.get("tracks")):
        name, slug = _clean(track.get("name")), _clean(track.get("slug"))
        if name and slug:
            names[slug] = name
    return names


def _talk(raw: dict, day_date: str | None, fmt: str, track_names: dict[str, str],
          warnings: list[str]) -> TalkInfo | None:
    guid = _clean(raw.get("guid"))
    raw_id = raw.get("id")
    source_id = _id(raw_id) or _clean(raw.get("code")) or guid
    title = collapse(_str(raw.get("title")))
    if not source_id:
        warnings.append(f"skipped an event without id, code or guid: {title!r}")
        return None
    if not title:
        warnings.append(f"skipped event {source_id}: no title")
        return None
    start = _start(raw, day_date, source_id, warnings)
    duration = raw.get("duration")
    minutes = duration_minutes(duration) if isinstance(duration, str) else None
    if isinstance(duration, str) and minutes is None:
        warnings.append(f"event {source_id}: duration is not HH:MM[:SS]: {duration!r}")
    if minutes is None and raw.get("end"):
        minutes = minutes_between(start, _clean(raw.get("end")))
    return TalkInfo(
        source_id=source_id,
        title=title,
        subtitle=collapse(_str(raw.get("subtitle"))) or None,
        guid=guid,
        slug=_clean(raw.get("slug")),
        track_title=_track(raw.get("track"), track_names),
        abstract=_abstract(raw),
        abstract_format=fmt,
        start=start,
        duration_minutes=minutes,
        room=_name(raw.get("room")),
        url=fix_url(_clean(raw.get("url"))),
        kind=_clean(raw.get("type")),
        people=_people(raw),
        links=_links(raw),
        rank=RANK_SCHEDULE,
    )


def _unique_key(talk: TalkInfo, seen: dict[str, tuple], warnings: list[str]) -> None:
    """One published id, one talk: a reused id for another talk is keyed by its guid (as
    in pentabarf_xml); the same talk listed twice stays one."""
    key = (talk.guid, talk.title)
    first = seen.get(talk.source_id)
    if first is None:
        seen[talk.source_id] = key
        return
    if first == key or (talk.guid and talk.guid == first[0]) or (not (talk.guid and first[0]) and talk.title == first[1]):
        return
    published = talk.source_id
    candidate = talk.guid if talk.guid and talk.guid not in seen else None
    n = 2
    while candidate is None or candidate in seen:
        candidate = f"{published}-{n}"
        n += 1
    talk.source_id = candidate
    seen[candidate] = key
    warnings.append(f"event id {published} names two talks; {talk.title!r} is keyed {candidate}")


def _start(raw: dict, day_date: str | None, source_id: str, warnings: list[str]) -> str | None:
    # `date` (schedule.json) and `start` (schedule2) carry the full start with its offset.
    for name in ("date", "start"):
        value = _clean(raw.get(name))
        if value and "T" in value:
            if iso_datetime(value):
                return value
            warnings.append(f"event {source_id}: {name} is not ISO 8601: {value!r}")
    start = _clean(raw.get("start"))
    if start and day_date and duration_minutes(start) is not None and len(start) <= 8:
        hours, minutes = divmod(duration_minutes(start), 60)
        if hours < 24:
            return f"{day_date}T{hours:02d}:{minutes:02d}:00"
    return None


def _abstract(raw: dict) -> str | None:
    """The abstract, then the description when it says something else: both are published."""
    abstract = _clean(_str(raw.get("abstract")))
    description = _clean(_str(raw.get("description")))
    if description and description != abstract:
        return f"{abstract}\n\n{description}" if abstract else description
    return abstract


def _track(value: Any, names: dict[str, str]) -> str | None:
    if isinstance(value, dict):
        name = _clean(value.get("name"))
        slug = _clean(value.get("slug"))
        return collapse(name or names.get(slug or "") or slug) or None
    return collapse(_str(value)) or None


def _people(raw: dict) -> list[PersonRef]:
    people = []
    for person in _dicts(raw.get("persons")):
        name = collapse(_str(person.get("public_name")) or _str(person.get("name"))
                        or _str(person.get("full_name")))
        if name:
            people.append(PersonRef(name=name, role="speaker",
                                    source_person_id=_id(person.get("id")) or _clean(person.get("code"))
                                    or _clean(person.get("guid"))))
    speakers, others = [], []
    for person in _dicts(raw.get("participants")):
        name = collapse(_str(person.get("name")) or _str(person.get("public_name")))
        if not name:
            continue
        role = _str(person.get("role")).lower()
        ref = PersonRef(name=name, role="speaker" if not role or role in _SPEAKER_ROLES else "author",
                        source_person_id=_clean(person.get("guid")) or _id(person.get("id")))
        (speakers if ref.role == "speaker" else others).append(ref)
    return people + speakers + others


def _links(raw: dict) -> list[Link]:
    links: list[Link] = []
    for item in _dicts(raw.get("attachments")):
        href = _clean(item.get("url") or item.get("href"))
        if href:
            kind = _str(item.get("type")).lower() or None
            title = collapse(_str(item.get("title"))) or kind or "attachment"
            links.append(Link(title=title, url=href, kind=kind if kind in ("slides", "video") else
                              link_kind(href, title)))
    for item in _dicts(raw.get("links")):
        href = _clean(item.get("url") or item.get("href"))
        if not href:
            continue
        kind = _str(item.get("type")).lower()
        title = collapse(_str(item.get("title"))) or kind or href
        # schedule2 marks the talk's own page as ORIGIN: that is the talk URL, not a link.
        if kind == "origin":
            continue
        links.append(Link(title=title, url=href, kind="feedback" if kind == "feedback" else link_kind(href, title)))
    feedback = _clean(raw.get("feedback_url"))
    if feedback:
        links.append(Link(title="Submit feedback", url=feedback, kind="feedback"))
    seen, unique = set(), []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            unique.append(link)
    return unique


def _tracks(conf: dict, talks: list[TalkInfo]) -> list[TrackInfo]:
    """The tracks the conference lists (schedule2, pretalx), then those its talks use."""
    found: dict[str, str | None] = {}
    for track in _dicts(conf.get("tracks")):
        name = collapse(_str(track.get("name")))
        if name and name not in found:
            found[name] = _clean(track.get("slug"))
    rooms: dict[str, set] = {}
    kinds: dict[str, Counter] = {}
    for talk in talks:
        if talk.track_title:
            found.setdefault(talk.track_title, None)
            rooms.setdefault(talk.track_title, set()).add(talk.room)
            if talk.kind:
                kinds.setdefault(talk.track_title, Counter())[talk.kind] += 1
    tracks = []
    for name, slug in found.items():
        track_rooms = rooms.get(name, set())
        devroom = name.lower().endswith("devroom") or set(kinds.get(name, ())) == {"devroom"}
        tracks.append(TrackInfo(title=name, kind="devroom" if devroom else None, source_id=slug,
                                room=next(iter(track_rooms)) if len(track_rooms) == 1 else None))
    return tracks


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _clean(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return collapse(_str(value)) or None


def _id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _clean(value)
