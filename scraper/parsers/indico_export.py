"""Indico HTTP export API (JSON) → Programme. Pure: bytes + URL in, records out.

Accepts the answers of
- `/export/event/ID.json?detail=contributions`: the event (title, its zone in `timezone`,
  dates in UTC) and every contribution, scheduled or not (`startDate: null`), with full
  abstract source (markdown), speakers, primary authors and co-authors (first/last name,
  affiliation, event person id), session, track, type, room and attachment folders;
- `?detail=sessions`: the same per session block, plus each session's description,
  conveners and materials;
- `/export/timetable/ID.json`: the timetable data of the timetable page (times in the
  event's zone; see indico_timetable.py);
- an API error (`"_type": "HTTPAPIError"`, or no result: disabled, protected, unknown
  event) is a ParseError, so a page that asked for the export falls back to HTML pages.

Ids: a contribution's `id`/`friendly_id` is a per-event counter; the id in its URL is
`db_id`, which is the talk's source id here as on every HTML page. The export writes
absolute URLs with the server's configured base URL; they are moved onto the site the
export was fetched from (indico_common.rebase). `emailHash` and e-mail fields are never
read. The person title ("Mr") is not exported; HTML pages of the same talk supply it.
"""

from __future__ import annotations

from ..records import RANK_DETAIL, EventInfo, Link, ParseError, PersonRef, Programme, TalkInfo, TrackInfo, UnsupportedPage
from . import indico_timetable
from .indico_common import (
    add_person,
    attachment_link,
    clean,
    contribution_id,
    contribution_url,
    event_base,
    event_number,
    indico_datetime,
    load_json_object,
    local_date,
    person,
    rebase,
    session_id,
    session_url,
    text_of,
)

FORMAT = "indico-export"

_ROLES = (("speakers", "speaker"), ("primaryauthors", "author"), ("coauthors", "coauthor"))


def sniff(body: bytes, url: str) -> bool:
    if not body[:64].lstrip().startswith(b"{"):
        return False
    # "_type" comes last in 3.3's pretty output, so look at the whole body.
    return b'"HTTPAPIResult"' in body or b'"HTTPAPIError"' in body


def parse(body: bytes, url: str) -> Programme:
    data = load_json_object(body, "Indico export")
    if data.get("_type") == "HTTPAPIError" or "results" not in data:
        message = clean(text_of(data.get("message"))) or "no results"
        if data.get("_type") not in ("HTTPAPIError", "HTTPAPIResult"):
            raise UnsupportedPage(f"unsupported JSON (not an Indico export API answer): {url}")
        raise ParseError(f"Indico export API error: {message} ({url})")
    base = event_base(url)
    results = data["results"]
    if isinstance(results, dict):
        return _timetable(results, url, base)
    if isinstance(results, list):
        return _event(results, url, base)
    raise ParseError(f"malformed Indico export: results is neither a list nor an object ({url})")


# --- /export/timetable/ID.json ---------------------------------------------------------

def _timetable(results: dict, url: str, base: str) -> Programme:
    days = results.get(event_number(url))
    if not isinstance(days, dict):
        raise ParseError(f"Indico export API: no timetable of event {event_number(url)} in the answer ({url})")
    table = indico_timetable.read(days, None, url, base)
    warnings = []
    if len(table.zones) > 1:
        warnings.append(f"time zone conflict: timetable entries are given in {', '.join(sorted(table.zones))}")
    event = EventInfo(source_key=base, url=base, timezone=next(iter(table.zones)) if len(table.zones) == 1 else None)
    return Programme(format=FORMAT, page_kind="export-timetable", url=url, event=event, tracks=table.tracks,
                     talks=table.talks, warnings=warnings)


# --- /export/event/ID.json -------------------------------------------------------------

def _event(results: list, url: str, base: str) -> Programme:
    number = event_number(url)
    found = [r for r in results if isinstance(r, dict) and str(r.get("id")) == number]
    if not found:
        raise ParseError(f"Indico export API: event {number} is not in the answer (protected or unknown?) ({url})")
    conf = found[0]
    tz = clean(text_of(conf.get("timezone")))
    event = EventInfo(
        source_key=base,
        title=clean(text_of(conf.get("title"))),
        timezone=tz,
        start_date=local_date(conf.get("startDate"), tz),
        end_date=local_date(conf.get("endDate"), tz),
        venue=clean(text_of(conf.get("location"))),
        url=base,
    )
    warnings: list[str] = []
    tracks: dict[str, TrackInfo] = {}
    talks: dict[str, TalkInfo] = {}
    for contribution in conf.get("contributions") or []:
        _add_talk(talks, contribution, None, url, base, warnings)
    for slot in conf.get("sessions") or []:
        if not isinstance(slot, dict):
            continue
        track = _session_track(slot, url, base)
        if track is None:
            continue
        known = tracks.setdefault(track.source_id or track.title, track)
        if known is not track:  # another block of the same session
            for ref in track.people:
                add_person(known.people, ref)
            known.links += [k for k in track.links if k.url not in {x.url for x in known.links}]
        for contribution in slot.get("contributions") or []:
            _add_talk(talks, contribution, known.title, url, base, warnings)
    kind = "export-sessions" if conf.get("sessions") is not None else "export-contributions"
    return Programme(format=FORMAT, page_kind=kind, url=url, event=event, tracks=list(tracks.values()),
                     talks=list(talks.values()), warnings=warnings)


def _session_track(slot: dict, url: str, base: str) -> TrackInfo | None:
    """A SessionSlot (one block) with its session: title, id, description, conveners,
    room and materials."""
    session = slot.get("session") if isinstance(slot.get("session"), dict) else {}
    title = clean(text_of(session.get("title"))) or clean(text_of(slot.get("title")))
    if not title:
        return None
    href = rebase(url, text_of(session.get("url")) or text_of(slot.get("url")))
    sid = session.get("db_id")
    sid = str(sid) if isinstance(sid, int) else session_id(href or "")
    track = TrackInfo(
        title=title,
        description=text_of(session.get("description")) or text_of(slot.get("description")) or None,
        description_format="markdown",
        room=clean(text_of(slot.get("room"))) or clean(text_of(session.get("room"))),
        url=session_url(base, sid) if sid else href,
        source_id=sid,
    )
    for raw in list(session.get("sessionConveners") or []) + list(slot.get("conveners") or []):
        add_person(track.people, _person(raw, "convener"))
    track.links = _folders(session.get("folders"), url)
    return track


def _add_talk(talks: dict[str, TalkInfo], data, session_title: str | None, url: str, base: str,
              warnings: list[str]) -> None:
    if not isinstance(data, dict):
        return
    db_id = data.get("db_id")
    href = rebase(url, text_of(data.get("url")))
    cid = str(db_id) if isinstance(db_id, int) else contribution_id(href or "")
    title = clean(text_of(data.get("title")))
    if not cid or not title:
        # The friendly "id" is not the URL id: never use it as the talk's id.
        warnings.append(f"contribution without a database id or URL skipped: {title or data.get('id')!r}")
        return
    people: list[PersonRef] = []
    for key, role in _ROLES:
        for raw in data.get(key) or []:
            add_person(people, _person(raw, role))
    duration = data.get("duration")
    kind = data.get("type")
    kind = text_of(kind.get("name")) if isinstance(kind, dict) else text_of(kind)
    description = text_of(data.get("description"))
    track_title = session_title or clean(text_of(data.get("session"))) or clean(text_of(data.get("track")))
    talks[cid] = TalkInfo(
        source_id=cid,
        title=title,
        track_title=track_title,
        abstract=description if description.strip() else None,
        abstract_format="markdown",
        abstract_complete=True,
        start=indico_datetime(data.get("startDate")),  # UTC unless &tz= was asked for
        duration_minutes=int(duration) if isinstance(duration, (int, float)) and duration >= 0 else None,
        room=clean(text_of(data.get("room"))) or clean(text_of(data.get("roomFullname"))),
        url=contribution_url(base, cid),
        kind=clean(kind),
        people=people,
        links=_folders(data.get("folders"), url),
        rank=RANK_DETAIL,
    )


def _person(raw, role: str) -> PersonRef | None:
    """contributionParticipationMetadata and the like: first/last name (snake or camel
    case), "fullName" as "Last, First", affiliation, person id. No e-mail is read."""
    if not isinstance(raw, dict):
        return None
    first = text_of(raw.get("first_name")) or text_of(raw.get("firstName"))
    last = text_of(raw.get("last_name")) or text_of(raw.get("familyName"))
    name = None
    if not (first or last):
        full = text_of(raw.get("fullName")) or text_of(raw.get("full_name")) or text_of(raw.get("name"))
        last_first = full.split(", ", 1)
        name = f"{last_first[1]} {last_first[0]}" if len(last_first) == 2 else full
    return person(role, name=name, first=first, last=last, title=text_of(raw.get("title")) or None,
                  affiliation=text_of(raw.get("affiliation")), person_id=raw.get("person_id"))


def _folders(folders, url: str) -> list[Link]:
    links: list[Link] = []
    for folder in folders if isinstance(folders, list) else []:
        if not isinstance(folder, dict):
            continue
        for item in folder.get("attachments") or []:
            if isinstance(item, dict):
                # A link attachment's target, as the HTML pages show it; a file's download URL.
                link = attachment_link(url, item.get("title"), item.get("link_url") or item.get("download_url"))
                if link and link.url not in {k.url for k in links}:
                    links.append(link)
    return links
