"""Indico HTML pages → Programme. Pure: bytes + URL in, records out.

Accepts Indico 3.2 and 3.3 markup (3.3.14 is what lpc.events serves), page kinds:
- session page `/event/E/sessions/S/`: the session (a microconference) with its description,
  conveners and materials; its talks from the contribution list (speakers in published order,
  person titles such as "Mr", affiliations, unscheduled talks without a time) and from the
  inline timetable JSON (times, durations, rooms, full abstract source; breaks skipped).
  Follows its talks' contribution pages.
- contribution page `/event/E/contributions/C/`: one talk with the full rendered abstract,
  speakers, authors and co-authors, materials, track and session.
- event overview, timetable, contribution list, speaker and author lists, programme page and
  custom pages: see indico_event.py and indico_lists.py.

Markup differences handled: 3.2 renders contribution rows as `<div class="contribution-row">`
and wraps the description in a link; 3.3 uses `<ol class="contribution-list-items">` with
`<li>` rows and a "Go to contribution page" link; 3.3 heads authors "Author(s)", 3.2
"Primary author(s)". Both put the displayed time zone only in the page header
("America/New_York timezone").
"""

from __future__ import annotations

from ..records import RANK_DETAIL, ParseError, Programme, TalkInfo, TrackInfo, UnsupportedPage
from . import indico_event, indico_lists, indico_timetable
from .indico_common import (
    absolute,
    add_person,
    contribution_id,
    event_base,
    session_id,
    session_url,
)
from .indico_page import (
    attachments,
    fill_event,
    timetable_args,
    zone_warnings,
    contribution_row,
    conveners,
    duration_minutes,
    event_header,
    find_section,
    first_in,
    headed_sections,
    local_time,
    people,
    section,
    text,
)
from .markup import has_class, html_document, inner_html

FORMAT = "indico-html"

SUPPORTED = ("session, contribution, event overview, timetable, contribution list, speaker list, "
             "author list, programme, custom page")


def sniff(body: bytes, url: str) -> bool:
    head = body[:4096].lstrip().lower()
    if not (head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head):
        return False
    return b"getindico.io" in body or (b"/event/" in body and b"data-event-id=" in body)


def parse(body: bytes, url: str) -> Programme:
    doc = html_document(body)
    base = event_base(url)
    if doc.xpath('//*[@id="session-contrib-list" or @id="session-calendar-link"]'):
        return _parse_session(doc, url, base)
    if contribution_id(url) and (doc.xpath('//*[@id="contribution-calendar-link"]')
                                 or section(doc, "Speakers") is not None):
        return _parse_contribution(doc, url, base)
    for kind in (indico_event.timetable_page, indico_lists.contribution_list, indico_lists.person_list,
                 indico_event.program_page, indico_event.custom_page, indico_event.overview):
        programme = kind(doc, url, base)
        if programme is not None:
            return programme
    title = text(doc.xpath("//title"))
    raise UnsupportedPage(f"unsupported Indico page kind (supported: {SUPPORTED}): {url}"
                          + (f" ({title})" if title else ""))


# --- session page ----------------------------------------------------------------------

def _parse_session(doc, url: str, base: str) -> Programme:
    event = event_header(doc, base)
    warnings: list[str] = []
    summary = doc.xpath(f'//*[{has_class("item-summary")}]')
    title = text(first_in(summary, f'.//*[{has_class("subtitle-container")}]//h3')) \
        or text(first_in(summary, './/header//h3'))
    if not title:
        raise ParseError(f"Indico session page without a session title: {url}")
    sid = session_id(url) or doc.xpath('string(//*[@id="session-calendar-link"]/@data-session-id)') or None

    description = doc.xpath(f'//section[.//h3[normalize-space()="Description"]]//div[{has_class("description")}]')
    materials = doc.xpath(f'//section[{has_class("item-attachments")}]')
    track = TrackInfo(
        title=title,
        description=inner_html(description[0]) if description else None,
        url=session_url(base, sid) if sid else url,
        source_id=sid,
        people=conveners(doc),
        links=attachments(materials[0] if materials else None, url),
        room=text(doc.xpath(f'//header//*[{has_class("location-info-tip")}]/h3')),
    )

    scheduled: dict[str, TalkInfo] = {}
    timetable = timetable_args(doc)
    if timetable:
        days, tt_event = timetable
        fill_event(event, tt_event)
        table = indico_timetable.read(days, tt_event, url, base)
        warnings += zone_warnings(event.timezone, table.zones, "timetable data says")
        scheduled = {talk.source_id: talk for talk in table.talks}
        for block in table.tracks:
            if block.source_id in (sid, None) or block.title == title:
                for ref in block.people:
                    add_person(track.people, ref)

    talks = []
    for row in doc.xpath(f'//*[@id="session-contrib-list"]//*[{has_class("contribution-row")}]'):
        talk = contribution_row(row, url, event.timezone, track.title)
        if talk is None:
            continue
        entry = scheduled.get(talk.source_id)
        if entry:
            # The timetable gives the exact start, the duration, the room and the full
            # abstract source (markdown) that the list only shows truncated.
            talk.start = entry.start or talk.start
            talk.duration_minutes = entry.duration_minutes
            talk.room = entry.room
            if entry.abstract:
                talk.abstract, talk.abstract_format, talk.abstract_complete = entry.abstract, "markdown", True
            talk.links = entry.links
        talks.append(talk)
    # The talks' own pages complete them (full abstracts, authors). Not the event's
    # contributions export: a job scraping several sessions of one event would ask for it
    # once, and a page already visited in the job is not visited again for the next
    # session (its selection and fallbacks would be lost).
    return Programme(format=FORMAT, page_kind="session", url=url, event=event, tracks=[track], talks=talks,
                     follow=[t.url for t in talks if t.url], warnings=warnings)


# --- contribution page -----------------------------------------------------------------

def _parse_contribution(doc, url: str, base: str) -> Programme:
    event = event_header(doc, base)
    cid = contribution_id(url)
    summary = doc.xpath(f'//*[{has_class("item-summary")}]')
    title = text(first_in(summary, f'.//header//*[{has_class("title")}]//h2')) \
        or text(doc.xpath('//*[@id="main-content"]'))
    if not title:
        raise ParseError(f"Indico contribution page without a title: {url}")
    info = first_in(summary, f'.//*[{has_class("page-info")}]')
    info = info[0] if info else doc
    start = local_time(text(info.xpath(f'.//*[{has_class("time-info")} and not(@title)]')), event.timezone)
    duration = duration_minutes(text(info.xpath(f'.//*[{has_class("time-info")} and @title="Duration"]')))
    room = text(info.xpath(f'.//*[{has_class("location-info-tip")}]/h3'))
    track_title = text(info.xpath(f'.//*[{has_class("contrib-track")}]'))
    session_link = info.xpath(f'.//*[{has_class("contrib-session")}]//a')
    session_title = text(session_link)

    headed = headed_sections(doc)
    found = people(find_section(headed, "Speakers"), "speaker")
    # 3.3 heads the section "Author(s)", 3.2 "Primary author(s)".
    authors = find_section(headed, "Author")
    if authors is None:
        authors = find_section(headed, "Primary author")
    found += people(authors, "author")
    found += people(find_section(headed, "Co-author"), "coauthor")

    description = doc.xpath(f'//section[.//h3[normalize-space()="Description"]]//div[{has_class("description")}]')
    materials = doc.xpath(f'//section[{has_class("item-attachments")}]')
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
        people=found,
        links=attachments(materials[0] if materials else None, url),
        rank=RANK_DETAIL,
    )
    tracks = []
    if talk.track_title:
        href = absolute(url, session_link[0].get("href")) if session_link else None
        sid = session_id(href or "")
        tracks.append(TrackInfo(title=talk.track_title, url=session_url(base, sid) if sid else None,
                                source_id=sid or None))
    return Programme(format=FORMAT, page_kind="contribution", url=url, event=event, tracks=tracks, talks=[talk])
