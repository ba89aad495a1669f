"""Indico timetable data → tracks and talks: shared by the timetable page and session
page (inline `timetableArgs` JSON) and the export API's `/export/timetable/ID.json`.

The data is `{DAY: {ENTRY_ID: entry}}`: `s…` session blocks with nested `entries`,
`c…` contributions, `b…` breaks. Key order is not chronological, a session may have
several blocks on different days (each with its own conveners), breaks are never talks,
and times carry the zone they are given in (`{"date", "time", "tz"}`). Presenters come
in storage order; Indico publishes them sorted by `displayOrderKey`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records import RANK_SCHEDULE, Link, PersonRef, TalkInfo, TrackInfo
from .indico_common import (
    add_person,
    attachment_link,
    clean,
    contribution_url,
    indico_datetime,
    person,
    rebase,
    session_url,
    text_of,
)


@dataclass
class Timetable:
    tracks: list[TrackInfo] = field(default_factory=list)
    talks: list[TalkInfo] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)  # the zones its times are given in


def entries(days) -> list[tuple[dict, dict | None]]:
    """Every entry, blocks' nested entries included, with its block (or None), in time order."""
    found = []
    if not isinstance(days, dict):
        return found
    for day in days.values():
        if not isinstance(day, dict):
            continue
        for entry in day.values():
            if not isinstance(entry, dict):
                continue
            found.append((entry, None))
            children = entry.get("entries")
            if isinstance(children, dict):
                found.extend((child, entry) for child in children.values() if isinstance(child, dict))
    found.sort(key=lambda pair: indico_datetime(pair[0].get("startDate")) or "")
    return found


def presenters(entry: dict, role: str = "speaker") -> list[PersonRef]:
    """People of an entry in published order; "name" carries the title ("Mr Muhammad Usama
    Anjum"), firstName/familyName do not. E-mail fields are never read."""
    raw = [p for p in (entry.get("presenters") if role == "speaker" else entry.get("conveners")) or []
           if isinstance(p, dict)]

    def order(p: dict):
        key = p.get("displayOrderKey")
        return [str(k) for k in key] if isinstance(key, list) else ["0", text_of(p.get("name"))]

    people: list[PersonRef] = []
    for p in sorted(raw, key=order):
        add_person(people, person(role, name=text_of(p.get("name")) or None, first=text_of(p.get("firstName")),
                                  last=text_of(p.get("familyName")), title=text_of(p.get("title")) or None,
                                  affiliation=text_of(p.get("affiliation"))))
    return people


def attachments(entry: dict, page_url: str) -> list[Link]:
    data = entry.get("attachments")
    if isinstance(data, list):  # newer serializers: a flat list of files and folders
        items = data
    elif isinstance(data, dict):
        items = list(data.get("files") or []) + [a for folder in data.get("folders") or [] if isinstance(folder, dict)
                                                 for a in folder.get("attachments") or []]
    else:
        items = []
    links = []
    for item in items:
        if isinstance(item, dict):
            link = attachment_link(page_url, item.get("title"), item.get("download_url") or item.get("url"))
            if link and link.url not in {k.url for k in links}:
                links.append(link)
    return links


def read(days, event: dict | None, page_url: str, base: str, session: str | None = None) -> Timetable:
    """Tracks (one per session, all its blocks merged) and talks of a timetable; with
    `session`, only that session's entries (a session page's own timetable)."""
    sessions = (event or {}).get("sessions") if isinstance(event, dict) else None
    sessions = sessions if isinstance(sessions, dict) else {}
    table = Timetable()
    tracks: dict[str, TrackInfo] = {}

    def track_for(sid, fallback_title: str | None) -> TrackInfo | None:
        info = sessions.get(str(sid)) if sid is not None else None
        info = info if isinstance(info, dict) else {}
        title = clean(text_of(info.get("title"))) or clean(fallback_title)
        if not title:
            return None
        key = str(sid) if sid is not None else title
        if key not in tracks:
            tracks[key] = TrackInfo(
                title=title,
                description=text_of(info.get("description")) or None,
                description_format="markdown",
                room=clean(text_of(info.get("room"))),
                url=rebase(page_url, text_of(info.get("url"))) or (session_url(base, str(sid)) if sid is not None else None),
                source_id=str(sid) if sid is not None else None,
            )
            table.tracks.append(tracks[key])
        return tracks[key]

    for entry, block in entries(days):
        tz = (entry.get("startDate") or {}).get("tz") if isinstance(entry.get("startDate"), dict) else None
        if isinstance(tz, str) and tz:
            table.zones.add(tz)
        kind = entry.get("entryType")
        sid = entry.get("sessionId")
        if session is not None and str(sid) != session:
            continue
        if kind == "Session":
            track = track_for(sid, text_of(entry.get("title")))
            if track is None:
                continue
            track.description = track.description or text_of(entry.get("description")) or None
            track.room = track.room or clean(text_of(entry.get("room")))
            for ref in presenters(entry, "convener"):
                add_person(track.people, ref)
            # A block's "attachments" are its session's materials, but only as download
            # URLs; the session page and the sessions export give them with their targets.
        elif kind == "Contribution":
            talk = _talk(entry, block, page_url, base)
            if talk is None:
                continue
            if sid is not None or block is not None:
                track = track_for(sid if sid is not None else (block or {}).get("sessionId"),
                                  text_of((block or {}).get("title")))
                talk.track_title = track.title if track else None
            table.talks.append(talk)
        # Breaks ("Break") and anything else are never talks.
    return table


def _talk(entry: dict, block: dict | None, page_url: str, base: str) -> TalkInfo | None:
    cid = entry.get("contributionId")
    if not isinstance(cid, (int, str)) or not str(cid).strip():
        return None
    cid = str(cid)
    title = clean(text_of(entry.get("title")))
    if not title:
        return None
    duration = entry.get("duration")
    description = text_of(entry.get("description"))
    return TalkInfo(
        source_id=cid,
        title=title,
        abstract=description if description.strip() else None,
        abstract_format="markdown",
        abstract_complete=True,
        start=indico_datetime(entry.get("startDate")),
        duration_minutes=int(duration) if isinstance(duration, (int, float)) and duration >= 0 else None,
        room=clean(text_of(entry.get("room"))),
        url=rebase(page_url, text_of(entry.get("url"))) or contribution_url(base, cid),
        people=presenters(entry),
        links=attachments(entry, page_url),
        rank=RANK_SCHEDULE,
    )
