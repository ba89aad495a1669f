"""Indico HTML pages → Programme. Pure: bytes + URL in, records out.

Accepts Indico 3.2 and 3.3 markup (3.3.14 is what lpc.events serves):
- session page `/event/E/sessions/S/`: the session (a microconference) with its description,
  conveners and materials; its talks from the contribution list (speakers in published order,
  person titles such as "Mr", affiliations) and from the inline timetable JSON (times,
  durations, rooms, breaks, the full abstract source). Follows each contribution page.
- contribution page `/event/E/contributions/C/`: one talk with the full rendered abstract,
  speakers, authors and co-authors, materials, track and session.

Markup differences handled: 3.2 renders contribution rows as `<div class="contribution-row">`
and wraps the description in a link; 3.3 uses `<ol class="contribution-list-items">` with
`<li>` rows and a "Go to contribution page" link. Both put the event time zone only in the
page header ("America/New_York timezone").
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ..records import (
    RANK_DETAIL,
    RANK_LISTING,
    EventInfo,
    Link,
    ParseError,
    PersonRef,
    Programme,
    TalkInfo,
    TrackInfo,
    UnsupportedPage,
)
from .markup import has_class, html_document, inner_html
from .indico_common import (
    absolute,
    clean,
    contribution_id,
    event_base,
    parse_header_dates,
    session_id,
    split_honorific,
)

FORMAT = "indico-html"

def sniff(body: bytes, url: str) -> bool:
    head = body[:4096].lstrip().lower()
    if not (head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head):
        return False
    return b"getindico.io" in body or (b"/event/" in body and b"data-event-id=" in body)


def parse(body: bytes, url: str) -> Programme:
    doc = html_document(body)
    base = event_base(url)
    if doc.xpath('//*[@id="session-contrib-list"] | //*[@id="session-calendar-link"]'):
        return _parse_session(doc, url, base)
    if doc.xpath('//*[@id="contribution-calendar-link"]') or _section(doc, "Speakers") is not None:
        if contribution_id(url):
            return _parse_contribution(doc, url, base)
    title = _text(doc.xpath("//title"))
    raise UnsupportedPage(
        f"unsupported Indico page kind (supported: session, contribution page): {url}"
        + (f" ({title})" if title else "")
    )


# --- documents and small helpers -------------------------------------------------------

def _text(nodes) -> str | None:
    if not nodes:
        return None
    node = nodes[0]
    return clean(node if isinstance(node, str) else node.text_content())


def _section(doc, heading: str):
    """The <section> whose header h3 reads `heading`, singular or plural."""
    for section in doc.xpath(f'//section[.//div[{has_class("header")}]//h3]'):
        text = clean(section.xpath(f'.//div[{has_class("header")}]//h3')[0].text_content())
        if text and text.lower().rstrip("s") == heading.lower().rstrip("s"):
            return section
    return None


def _people(container, role: str) -> list[PersonRef]:
    """Speaker/author items: optional span.speaker-title, the name, optional (affiliation)."""
    people = []
    items = container.xpath(
        f'.//*[{has_class("speaker-item-inline")} or {has_class("speaker-item")}]'
    ) if container is not None else []
    for item in items:
        title = _text(item.xpath(f'.//*[{has_class("speaker-title")}]'))
        affiliation = _text(item.xpath(f'.//*[{has_class("affiliation")}]//*[{has_class("text")}]'))
        if affiliation and affiliation.startswith("(") and affiliation.endswith(")"):
            affiliation = clean(affiliation[1:-1])
        name_nodes = [
            span for span in item.xpath(".//span[not(@class)] | .//a/span")
            if not span.xpath(f'ancestor::*[{has_class("affiliation")}]')
        ]
        name = _text(name_nodes)
        if not name:
            continue
        name, honorific = split_honorific(name, title)
        people.append(PersonRef(name=name, role=role, affiliation=affiliation, honorific=honorific))
    return people


def _attachments(container, page_url: str) -> list[Link]:
    links = []
    for a in container.xpath(f'.//a[{has_class("attachment")}]') if container is not None else []:
        href = absolute(page_url, a.get("href"))
        if not href:
            continue
        title = clean(a.text_content()) or clean(a.get("title")) or href
        links.append(Link(title=title, url=href, kind=link_kind(title, href)))
    return links


def link_kind(title: str, url: str) -> str:
    """slides / video / notes / link, from the attachment's title and URL."""
    probe = f"{title} {url}".lower()
    if "slide" in probe or probe.endswith(".pdf") or ".pdf" in probe:
        return "slides"
    if "video" in probe or "youtube" in probe or "recording" in probe:
        return "video"
    if "etherpad" in probe or "notes" in probe or "pad" in title.lower():
        return "notes"
    return "link"


def _event_header(doc, url: str, base: str) -> EventInfo:
    """Event title, dates, place and time zone from the conference header."""
    tz = _text(doc.xpath(f'//*[{has_class("datePlace")}]//*[{has_class("timezone")}]'))
    if tz and tz.lower().endswith(" timezone"):
        tz = tz[: -len(" timezone")].strip()
    start, end = parse_header_dates(_text(doc.xpath(f'//*[{has_class("datePlace")}]//*[{has_class("date")}]')))
    return EventInfo(
        source_key=base,
        title=_text(doc.xpath('//*[@itemprop="title"]')) or _text(doc.xpath(f'//*[{has_class("confTitle")}]//h1')),
        timezone=tz,
        start_date=start,
        end_date=end,
        venue=_text(doc.xpath(f'//*[{has_class("datePlace")}]//*[{has_class("place")}]')),
        url=base,
    )


def _local_time(text: str | None, formats: tuple[str, ...]) -> str | None:
    if not text:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    # Month names such as "Sept" (babel's abbreviation) that strptime does not know.
    fixed = re.sub(r"\b([A-Za-z]{3})[a-z]*\b", lambda m: m[1], text)
    for fmt in formats:
        try:
            return datetime.strptime(fixed, fmt).isoformat()
        except ValueError:
            continue
    return None


def _duration_minutes(text: str | None) -> int | None:
    """Indico's "25m", "1h", "1h 30m", "2d 3h"."""
    if not text:
        return None
    units = {"d": 1440, "h": 60, "m": 1}
    found = re.findall(r"(\d+)\s*([dhm])", text)
    return sum(int(n) * units[u] for n, u in found) if found else None


# --- the inline timetable JSON ---------------------------------------------------------

def timetable_args(doc) -> tuple[dict, dict] | None:
    """`var timetableArgs = [null, {DAY: {ENTRY: ...}}, {event...}, width, ...]`: the days
    and the event object. Only the leading JSON elements are decoded; the rest is JS."""
    for script in doc.xpath("//script[contains(., 'timetableArgs')]"):
        source = script.text or ""
        start = source.find("[", source.find("timetableArgs"))
        if start < 0:
            continue
        decoder, pos, values = json.JSONDecoder(), start + 1, []
        try:
            for _ in range(3):
                while pos < len(source) and source[pos] in " \t\r\n,":
                    pos += 1
                value, pos = decoder.raw_decode(source, pos)
                values.append(value)
        except json.JSONDecodeError:
            continue
        days, event = values[1], values[2]
        if isinstance(days, dict) and isinstance(event, dict):
            return days, event
    return None


def timetable_entries(days: dict):
    """Every entry, blocks' nested entries included, with its parent block (or None)."""
    for entries in days.values():
        if not isinstance(entries, dict):
            continue
        for entry in entries.values():
            if not isinstance(entry, dict):
                continue
            yield entry, None
            for child in (entry.get("entries") or {}).values():
                if isinstance(child, dict):
                    yield child, entry


def _tt_datetime(value) -> str | None:
    if isinstance(value, dict) and value.get("date") and value.get("time"):
        return f"{value['date']}T{value['time']}"
    return None


def _event_from_timetable(event: dict, info: EventInfo) -> None:
    """Fill what the header lacked from the timetable's event object."""
    start, end = event.get("startDate") or {}, event.get("endDate") or {}
    info.title = info.title or clean(event.get("title"))
    info.start_date = info.start_date or start.get("date")
    info.end_date = info.end_date or end.get("date")
    info.timezone = info.timezone or start.get("tz")


# --- session page ----------------------------------------------------------------------

def _parse_session(doc, url: str, base: str) -> Programme:
    event = _event_header(doc, url, base)
    warnings: list[str] = []
    title = _text(doc.xpath(f'//*[{has_class("item-summary")}]//*[{has_class("subtitle-container")}]//h3')) \
        or _text(doc.xpath(f'//*[{has_class("item-summary")}]//header//h3'))
    if not title:
        raise ParseError(f"Indico session page without a session title: {url}")
    sid = session_id(url) or doc.xpath('string(//*[@id="session-calendar-link"]/@data-session-id)') or None

    description_nodes = doc.xpath(
        f'//section[.//h3[normalize-space()="Description"]]//div[{has_class("description")}]'
    )
    track = TrackInfo(
        title=title,
        description=inner_html(description_nodes[0]) if description_nodes else None,
        url=absolute(url, f"{base}sessions/{sid}/") if sid else url,
        source_id=sid,
        people=_people(_section(doc, "Conveners"), "convener"),
        links=_attachments(doc.xpath(f'(//section[{has_class("item-attachments")}])[1]')[0]
                           if doc.xpath(f'//section[{has_class("item-attachments")}]') else None, url),
        room=_session_room(doc),
    )

    timetable = timetable_args(doc)
    scheduled: dict[str, dict] = {}
    if timetable:
        days, tt_event = timetable
        _event_from_timetable(tt_event, event)
        tt_zone = (tt_event.get("startDate") or {}).get("tz")
        if event.timezone and tt_zone and tt_zone != event.timezone:
            warnings.append(f"time zone conflict: header says {event.timezone}, timetable {tt_zone}")
        for entry, block in timetable_entries(days):
            if entry.get("entryType") == "Contribution" and entry.get("contributionId") is not None:
                scheduled[str(entry["contributionId"])] = entry
            elif entry.get("entryType") == "Session" and entry.get("conveners"):
                for person in entry["conveners"]:
                    _add_convener(track, person)

    talks, follow = [], []
    for row in doc.xpath(f'//*[@id="session-contrib-list"]//*[{has_class("contribution-row")}]'):
        talk = _session_row(row, url, track.title, scheduled)
        if talk is None:
            continue
        talks.append(talk)
        if talk.url:
            follow.append(talk.url)
    return Programme(format=FORMAT, page_kind="session", url=url, event=event,
                     tracks=[track], talks=talks, follow=follow, warnings=warnings)


def _session_room(doc) -> str | None:
    room = _text(doc.xpath(f'//header//*[{has_class("location-info-tip")}]/h3'))
    return room


def _add_convener(track: TrackInfo, person: dict) -> None:
    name, honorific = split_honorific(person.get("name") or "", person.get("title"))
    if name and all(p.name != name for p in track.people):
        track.people.append(PersonRef(name=name, role="convener",
                                      affiliation=clean(person.get("affiliation")), honorific=honorific))


def _session_row(row, page_url: str, track_title: str, scheduled: dict[str, dict]) -> TalkInfo | None:
    link = row.xpath(f'.//*[{has_class("contrib-title")}]//a[@href]')
    if not link:
        return None
    href = absolute(page_url, link[0].get("href"))
    cid = contribution_id(href or "")
    if not cid:
        return None
    title_node = link[0]
    id_span = title_node.xpath(f'.//*[{has_class("contrib-id")}]')
    title = clean(title_node.text_content())
    if id_span and title:
        prefix = clean(id_span[0].text_content()) or ""
        title = clean(title[len(prefix):]) if title.startswith(prefix) else title
    talk = TalkInfo(
        source_id=cid,
        title=title or "",
        # The session is the microconference, whatever track the talk was submitted to.
        track_title=track_title,
        url=href,
        people=_people(row.xpath(f'.//*[{has_class("speaker-list")}]')[0]
                       if row.xpath(f'.//*[{has_class("speaker-list")}]') else None, "speaker"),
        start=_local_time(_text(row.xpath(f'.//*[{has_class("contrib-time")}]')), ("%d/%m/%Y, %H:%M",)),
        rank=RANK_LISTING,
    )
    snippet = row.xpath(f'.//div[{has_class("description")}]')
    if snippet:
        for extra in snippet[0].xpath(f'.//a[{has_class("description-link")}]'):
            extra.drop_tree()
        talk.abstract = inner_html(snippet[0])
        talk.abstract_complete = not (clean(snippet[0].text_content()) or "").endswith("...")

    entry = scheduled.get(cid)
    if entry:
        # The timetable gives the exact start, the duration, the room and the full
        # abstract source (markdown) that the list only shows truncated.
        talk.start = _tt_datetime(entry.get("startDate")) or talk.start
        if isinstance(entry.get("duration"), (int, float)):
            talk.duration_minutes = int(entry["duration"])
        talk.room = clean(entry.get("room")) or None
        description = entry.get("description")
        if isinstance(description, str) and description.strip():
            talk.abstract, talk.abstract_format, talk.abstract_complete = description, "markdown", True
        talk.links.extend(_timetable_attachments(entry, page_url))
    return talk


def _timetable_attachments(entry: dict, page_url: str) -> list[Link]:
    links = []
    files = ((entry.get("attachments") or {}).get("files") or []) if isinstance(entry.get("attachments"), dict) else []
    for item in files:
        if not isinstance(item, dict):
            continue
        href = absolute(page_url, item.get("download_url"))
        title = clean(item.get("title")) or href
        if href:
            links.append(Link(title=title, url=href, kind=link_kind(title, href)))
    return links


# --- contribution page -----------------------------------------------------------------

def _parse_contribution(doc, url: str, base: str) -> Programme:
    event = _event_header(doc, url, base)
    cid = contribution_id(url)
    title = _text(doc.xpath(f'//*[{has_class("item-summary")}]//header//*[{has_class("title")}]//h2')) \
        or _text(doc.xpath('//*[@id="main-content"]'))
    if not title:
        raise ParseError(f"Indico contribution page without a title: {url}")
    info = doc.xpath(f'//*[{has_class("item-summary")}]//*[{has_class("page-info")}]')
    info = info[0] if info else doc
    start = _local_time(_text(info.xpath(f'.//*[{has_class("time-info")} and not(@title)]')),
                        ("%d %b %Y, %H:%M", "%d %B %Y, %H:%M"))
    duration = _duration_minutes(_text(info.xpath(f'.//*[{has_class("time-info")} and @title="Duration"]')))
    room = _text(info.xpath(f'.//*[{has_class("location-info-tip")}]/h3'))
    track_title = _text(info.xpath(f'.//*[{has_class("contrib-track")}]'))
    session_link = info.xpath(f'.//*[{has_class("contrib-session")}]//a')
    session_title = _text(session_link)

    people = _people(_section(doc, "Speakers"), "speaker")
    # 3.3 heads the section "Author(s)", 3.2 "Primary author(s)".
    authors = _section(doc, "Author")
    if authors is None:
        authors = _section(doc, "Primary author")
    people += _people(authors, "author")
    people += _people(_section(doc, "Co-author"), "coauthor")

    description = doc.xpath(f'//section[.//h3[normalize-space()="Description"]]//div[{has_class("description")}]')
    attachments = doc.xpath(f'//section[{has_class("item-attachments")}]')
    talk = TalkInfo(
        source_id=cid or "",
        title=title,
        # Indico: the session is the microconference; the track usually has the same title.
        track_title=session_title or track_title,
        abstract=inner_html(description[0]) if description else None,
        abstract_format="html",
        abstract_complete=True,
        start=start,
        duration_minutes=duration,
        room=room,
        url=url,
        people=people,
        links=_attachments(attachments[0] if attachments else None, url),
        rank=RANK_DETAIL,
    )
    tracks = []
    if talk.track_title:
        href = absolute(url, session_link[0].get("href")) if session_link else None
        tracks.append(TrackInfo(title=talk.track_title, url=href, source_id=session_id(href or "") or None))
    return Programme(format=FORMAT, page_kind="contribution", url=url, event=event,
                     tracks=tracks, talks=[talk], follow=[])
