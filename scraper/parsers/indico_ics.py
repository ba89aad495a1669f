"""Indico iCalendar files → Programme. Pure: bytes + URL in, records out.

Accepts what Indico 3.x serves as .ics: a session (`/event/E/sessions/S/session.ics`,
one VEVENT `indico-session-S@host`), a session's or the event's contributions
(`?detail=contributions`, one VEVENT per contribution, `indico-contribution-C@host`) and
the export API's `/export/event/E.ics` (UIDs there carry the per-event friendly id,
`indico-contribution-E-N@host`, so the id is always taken from the URL property).
Times are UTC; DESCRIPTION begins "Speakers: Name (Affiliation), …" ("Last, First
(Affiliation)" in the export's files, with "()" when there is none), then the abstract
source, then the URL. Unfolding and escapes are left to the icalendar library.

Talks are listings: their contribution pages complete them; a session file follows
its session page.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import icalendar

from ..records import RANK_LISTING, EventInfo, ParseError, PersonRef, Programme, TalkInfo, TrackInfo
from .indico_common import (
    add_person,
    clean,
    contribution_id,
    event_base,
    person,
    rebase,
    session_id,
    session_url,
)

FORMAT = "indico-ics"

_SPEAKERS = re.compile(r"^Speakers?:\s*(?P<list>[^\n]*)\n+", re.I)
_LAST_FIRST = re.compile(r"(?P<last>[^,()]+),\s*(?P<first>[^,()]+?)\s*\((?P<aff>[^()]*)\)")


def sniff(body: bytes, url: str) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.upper().startswith(b"BEGIN:VCALENDAR") and (b"INDICO" in body[:2048].upper()
                                                             or b"UID:indico-" in body)


def parse(body: bytes, url: str) -> Programme:
    try:
        calendar = icalendar.Calendar.from_ical(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ParseError(f"malformed iCalendar file: {' '.join(str(exc).split())[:200]}") from None
    except RecursionError:
        raise ParseError("malformed iCalendar file: nested too deeply") from None
    base = event_base(url)
    tracks: list[TrackInfo] = []
    talks: list[TalkInfo] = []
    follow: list[str] = []
    warnings: list[str] = []
    for component in calendar.walk("VEVENT"):
        try:
            _event_component(component, url, base, tracks, talks, follow)
        except (ValueError, TypeError, AttributeError) as exc:
            # icalendar reports a broken property (a malformed DTSTART, say) only when read.
            warnings.append(f"VEVENT skipped: {' '.join(str(exc).split())[:200]}")
    if not talks and not tracks:
        raise ParseError(f"iCalendar file without Indico sessions or contributions: {url}")
    follow = [t.url for t in talks if t.url] + follow
    return Programme(format=FORMAT, page_kind="ics", url=url, event=EventInfo(source_key=base, url=base),
                     tracks=tracks, talks=talks, follow=follow, warnings=warnings)


def _event_component(component, url: str, base: str, tracks: list[TrackInfo], talks: list[TalkInfo],
                     follow: list[str]) -> None:
    """One VEVENT: a contribution (a talk) or a session (a track, its page followed)."""
    uid = str(component.get("UID") or "")
    href = rebase(url, str(component.get("URL") or "")) or ""
    title = clean(str(component.get("SUMMARY") or ""))
    if not title:
        return
    cid = contribution_id(href)
    sid = session_id(href) if not cid else None
    if cid or uid.startswith("indico-contribution-"):
        if not cid:
            return  # the export's UIDs carry friendly ids, never URL ids
        # Export files write "Last, First (Affiliation)"; their UIDs carry "E-N".
        last_first = "/export/" in url or bool(re.match(r"indico-contribution-\d+-\d+@", uid))
        talks.append(_talk(component, cid, title, base, last_first))
    elif sid or uid.startswith("indico-session-"):
        sid = sid or uid.removeprefix("indico-session-").split("@")[0]
        if sid.isdigit():
            tracks.append(TrackInfo(title=title, url=session_url(base, sid), source_id=sid))
            follow.append(session_url(base, sid))


def _talk(component, cid: str, title: str, base: str, last_first: bool) -> TalkInfo:
    start, end = _moment(component.get("DTSTART")), _moment(component.get("DTEND"))
    duration = int((end - start).total_seconds() // 60) if start and end and end >= start else None
    description = str(component.get("DESCRIPTION") or "").replace("\r\n", "\n")
    people: list[PersonRef] = []
    match = _SPEAKERS.match(description)
    if match:
        description = description[match.end():]
        for ref in _speakers(match["list"], last_first):
            add_person(people, ref)
    # The description ends with the contribution's URL on its own line.
    lines = description.rstrip().split("\n")
    if lines and re.match(r"^https?://\S+$", lines[-1].strip()):
        lines = lines[:-1]
    abstract = "\n".join(lines).strip()
    return TalkInfo(
        source_id=cid,
        title=title,
        abstract=abstract or None,
        abstract_format="markdown",
        abstract_complete=True,
        start=start.isoformat() if start else None,
        duration_minutes=duration,
        url=f"{base}contributions/{cid}/",
        people=people,
        rank=RANK_LISTING,
    )


def _moment(prop) -> datetime | None:
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _speakers(text: str, last_first: bool) -> list[PersonRef]:
    """"A, B (Affil)" or, in export files, "Last, First (Affil), Last, First ()"."""
    text = text.strip()
    if not text:
        return []
    if last_first:
        found = [person("speaker", first=m["first"], last=m["last"], affiliation=m["aff"])
                 for m in _LAST_FIRST.finditer(text)]
    else:
        found = []
        for part in re.split(r",\s*(?![^()]*\))", text):
            match = re.match(r"^(?P<name>.*?)\s*(?:\((?P<aff>[^()]*)\))?\s*$", part)
            if match:
                found.append(person("speaker", name=match["name"], affiliation=match["aff"]))
    return [p for p in found if p]
