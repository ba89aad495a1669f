"""Indico JSON → Programme. Pure: bytes + URL in, records out.

Accepts the contribution JSON that Indico 3.x contribution pages load
(`/event/E/contributions/C.json`): full abstract source (markdown), start in UTC,
duration in seconds, room, session and track, persons with person title ("Mr"),
affiliation, author type and speaker flag. `email_hash` is never read.
"""

from __future__ import annotations


from ..records import (
    RANK_DETAIL,
    EventInfo,
    ParseError,
    PersonRef,
    Programme,
    TalkInfo,
    TrackInfo,
    UnsupportedPage,
)
from .indico_common import absolute, clean, event_base, load_json_object, split_honorific

FORMAT = "indico-json"

_CONTRIBUTION_KEYS = {"friendly_id", "persons", "start_dt", "title"}
_ROLES = {"primary": "author", "secondary": "coauthor"}


def sniff(body: bytes, url: str) -> bool:
    head = body[:2048].lstrip()
    if not head.startswith(b"{"):
        return False
    return b'"friendly_id"' in body and b'"persons"' in body


def parse(body: bytes, url: str) -> Programme:
    data = load_json_object(body, "Indico JSON")
    if not _CONTRIBUTION_KEYS <= data.keys():
        raise UnsupportedPage(f"unsupported Indico JSON (supported: contribution .json): {url}")
    base = event_base(url)
    cid = data.get("id")
    if not isinstance(cid, (int, str)) or not str(cid).strip():
        raise ParseError(f"Indico contribution JSON without an id: {url}")
    title = clean(_str(data.get("title")))
    if not title:
        raise ParseError(f"Indico contribution JSON without a title: {url}")
    session = data.get("session") if isinstance(data.get("session"), dict) else {}
    track = data.get("track") if isinstance(data.get("track"), dict) else {}
    track_title = clean(_str(session.get("title"))) or clean(_str(track.get("title")))
    duration = data.get("duration")
    talk = TalkInfo(
        source_id=str(cid),
        title=title,
        track_title=track_title,
        abstract=_str(data.get("description")) or None,
        abstract_format="markdown",
        abstract_complete=True,
        start=_str(data.get("start_dt")) or None,  # UTC with offset: normalize converts
        duration_minutes=int(duration) // 60 if isinstance(duration, (int, float)) else None,
        room=clean(_str(data.get("room_name"))),
        url=absolute(url, f"{base}contributions/{cid}/"),
        kind=clean(_str((data.get("type") or {}).get("name"))) if isinstance(data.get("type"), dict) else None,
        people=_persons(data.get("persons")),
        rank=RANK_DETAIL,
    )
    tracks = []
    if track_title:
        sid = session.get("id")
        tracks.append(TrackInfo(title=track_title, source_id=str(sid) if sid is not None else None,
                                url=absolute(url, f"{base}sessions/{sid}/") if sid is not None else None))
    event = EventInfo(source_key=base, venue=clean(_str(data.get("venue_name"))), url=base)
    return Programme(format=FORMAT, page_kind="contribution-json", url=url, event=event,
                     tracks=tracks, talks=[talk])


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _persons(persons) -> list[PersonRef]:
    """Speakers first (in the JSON's order), then authors and co-authors."""
    if not isinstance(persons, list):
        return []
    speakers, authors = [], []
    for person in persons:
        if not isinstance(person, dict):
            continue
        name = clean(_str(person.get("full_name"))) or clean(
            f"{_str(person.get('first_name'))} {_str(person.get('last_name'))}")
        if not name:
            continue
        name, honorific = split_honorific(name, _str(person.get("title")))
        pid = person.get("person_id")
        ref = dict(name=name, affiliation=clean(_str(person.get("affiliation"))), honorific=honorific,
                   source_person_id=str(pid) if isinstance(pid, (int, str)) else None)
        if person.get("is_speaker"):
            speakers.append(PersonRef(role="speaker", **ref))
        role = _ROLES.get(_str(person.get("author_type")))
        if role:
            authors.append(PersonRef(role=role, **ref))
    return speakers + authors
