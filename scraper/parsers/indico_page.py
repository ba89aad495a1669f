"""Markup shared by Indico 3.2/3.3 HTML page kinds: the conference header, people
items, attachments, contribution rows, and times as the pages print them.

Evidence from the bundled renderings: both versions use the same conference header
(`.confTitle`, `.datePlace` with `.date`, `.place`, `.timezone` "America/New_York
timezone"); 3.3 renders contribution rows as `<li class="contribution-row">` inside
`ol.contribution-list-items` with a "Go to contribution page" link, 3.2 as
`<div class="contribution-row">` with the description wrapped in a link.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ..records import RANK_LISTING, EventInfo, Link, PersonRef, TalkInfo
from .indico_common import (
    absolute,
    add_person,
    attachment_link,
    clean,
    contribution_id,
    parse_header_dates,
    person,
    zone,
)
from .markup import has_class, inner_html


def text(nodes) -> str | None:
    if not nodes:
        return None
    node = nodes[0]
    return clean(node if isinstance(node, str) else node.text_content())


def first_in(containers, query: str) -> list:
    """The first node of `query` (a `.//…` path) under any of `containers`, as a list of
    at most one: what `//container//…` lists first, since containers come in document
    order. Lets several queries share one scan of the page for their container."""
    for container in containers:
        found = container.xpath(query)
        if found:
            return found[:1]
    return []


def section(doc, heading: str):
    """The <section> whose header h3 reads `heading`, singular or plural."""
    return find_section(headed_sections(doc), heading)


def headed_sections(doc) -> list:
    """The page's <section>s that have a header h3, each with that heading as
    `find_section` compares it: one scan of the page for several look-ups."""
    headed = []
    for found in doc.xpath(f'//section[.//div[{has_class("header")}]//h3]'):
        title = clean(found.xpath(f'.//div[{has_class("header")}]//h3')[0].text_content())
        headed.append((title.lower().rstrip("s") if title else None, found))
    return headed


def find_section(headed: list, heading: str):
    """The first of `headed_sections` whose heading reads `heading`, singular or plural."""
    wanted = heading.lower().rstrip("s")
    return next((found for title, found in headed if title == wanted), None)


def people(container, role: str) -> list[PersonRef]:
    """Speaker/author items: optional span.speaker-title, the name, optional (affiliation)."""
    found: list[PersonRef] = []
    items = container.xpath(
        f'.//*[{has_class("speaker-item-inline")} or {has_class("speaker-item")}]'
    ) if container is not None else []
    for item in items:
        title = text(item.xpath(f'.//*[{has_class("speaker-title")}]'))
        affiliation = text(item.xpath(f'.//*[{has_class("affiliation")}]//*[{has_class("text")}]'))
        if affiliation and affiliation.startswith("(") and affiliation.endswith(")"):
            affiliation = clean(affiliation[1:-1])
        name_nodes = [
            span for span in item.xpath(f'.//span[not(@class)] | .//a/span | .//*[{has_class("name")}]')
            if not span.xpath(f'ancestor::*[{has_class("affiliation")}]')
        ]
        found.append(person(role, name=text(name_nodes), title=title, affiliation=affiliation))
    return [p for p in found if p]


def conveners(doc) -> list[PersonRef]:
    """The session page's "Conveners" block, per session block: `li.icon-user` reading
    "Full Name (Affiliation)" (Indico 3.x session_display.html); the "no conveners in
    this block" item has no icon class. Newer markups use speaker items instead."""
    found: list[PersonRef] = []
    for heading in doc.xpath('//*[self::h2 or self::h3][normalize-space()="Conveners" or normalize-space()="Convener"]'):
        container = heading.xpath(f'ancestor::section[1] | ancestor::*[{has_class("infoline")}][1]')
        container = container[-1] if container else heading.getparent()
        for ref in people(container, "convener"):
            add_person(found, ref)
        for item in container.xpath(f'.//li[{has_class("icon-user")}]'):
            raw = clean(item.text_content()) or ""
            match = re.match(r"^(?P<name>.*?)\s*\((?P<affiliation>[^()]*)\)$", raw)
            name, affiliation = (match["name"], match["affiliation"]) if match else (raw, None)
            add_person(found, person("convener", name=name, affiliation=affiliation))
    return found


def attachments(container, page_url: str) -> list[Link]:
    links: list[Link] = []
    for a in container.xpath(f'.//a[{has_class("attachment")}]') if container is not None else []:
        link = attachment_link(page_url, clean(a.text_content()) or clean(a.get("title")), a.get("href"))
        if link and link.url not in {k.url for k in links}:
            links.append(link)
    return links


def event_header(doc, base: str) -> EventInfo:
    """Event title, dates, place and the displayed time zone from the conference header."""
    date_place = doc.xpath(f'//*[{has_class("datePlace")}]')
    tz = text(first_in(date_place, f'.//*[{has_class("timezone")}]'))
    if tz and tz.lower().endswith(" timezone"):
        tz = tz[: -len(" timezone")].strip()
    start, end = parse_header_dates(text(first_in(date_place, f'.//*[{has_class("date")}]')))
    return EventInfo(
        source_key=base,
        title=text(doc.xpath('//*[@itemprop="title"]')) or text(doc.xpath(f'//*[{has_class("confTitle")}]//h1')),
        timezone=tz,
        start_date=start,
        end_date=end,
        venue=text(first_in(date_place, f'.//*[{has_class("place")}]')),
        url=base,
    )


# Indico prints times with babel in the site's locale: en_GB "13/11/2023, 14:30" and
# "13 Nov 2023, 14:30" (the bundled renderings), en_US "11/13/23, 2:30 PM" and
# "Nov 13, 2023, 2:30 PM" (lpc.events). A four-digit year is day-first, a two-digit one
# month-first.
TIME_FORMATS = ("%d/%m/%Y, %H:%M", "%m/%d/%y, %I:%M %p", "%d %b %Y, %H:%M", "%d %B %Y, %H:%M",
                "%b %d, %Y, %I:%M %p", "%B %d, %Y, %I:%M %p", "%d %b %Y, %I:%M %p")


def local_time(value: str | None, tz_name: str | None = None) -> str | None:
    """A printed time → ISO, with the offset of the page's displayed zone when known."""
    if not value:
        return None
    value = clean(value.replace("\u202f", " ")) or ""
    moment = None
    for candidate in (value, re.sub(r"\b([A-Za-z]{3})[a-z]*\.?(?=\s)", lambda m: m[1], value)):
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(candidate, fmt)
                break
            except ValueError:
                continue
        if moment:
            break
    if moment is None:
        return None
    tz = zone(tz_name)
    return (moment.replace(tzinfo=tz) if tz else moment).isoformat()


def duration_minutes(value: str | None) -> int | None:
    """Indico's "25m", "1h", "1h 30m", "2d 3h"."""
    if not value:
        return None
    units = {"d": 1440, "h": 60, "m": 1}
    found = re.findall(r"(\d+)\s*([dhm])", value)
    return sum(int(n) * units[u] for n, u in found) if found else None


def contribution_row(row, page_url: str, tz_name: str | None, track_title: str | None = None) -> TalkInfo | None:
    """One `.contribution-row` of a session page or contribution list: id, title,
    speakers in published order, printed time, session (or track), abstract snippet."""
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
    speakers = row.xpath(f'.//*[{has_class("speaker-list")}]')
    session = text(row.xpath(f'.//*[{has_class("contrib-session")}]//a'))
    track = text(row.xpath(f'.//*[{has_class("contrib-track")}]'))
    talk = TalkInfo(
        source_id=cid,
        title=title or "",
        # The session is the microconference, whatever track the talk was submitted to.
        track_title=track_title or session or track,
        url=href,
        people=people(speakers[0] if speakers else None, "speaker"),
        start=local_time(text(row.xpath(f'.//*[{has_class("contrib-time")}]')), tz_name),
        rank=RANK_LISTING,
    )
    snippet = row.xpath(f'.//div[{has_class("description")}]')
    if snippet:
        for extra in snippet[0].xpath(f'.//a[{has_class("description-link")}]'):
            extra.drop_tree()
        talk.abstract = inner_html(snippet[0])
        # The list shows the first 400 characters of the abstract and "..." when cut.
        talk.abstract_complete = not (clean(snippet[0].text_content()) or "").endswith("...")
    return talk


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
        except (json.JSONDecodeError, RecursionError):
            continue
        days, event = values[1], values[2]
        if isinstance(days, dict) and isinstance(event, dict):
            return days, event
    return None


def zone_warnings(header_zone: str | None, zones: set[str], what: str) -> list[str]:
    """The page header's zone and the zone its data is given in must agree."""
    return [f"time zone conflict: the page header says {header_zone}, the {what} {other}"
            for other in sorted(zones) if header_zone and other != header_zone and other != "UTC"]


def fill_event(event, tt_event: dict) -> None:
    """Fill what the header lacked from the timetable's event object."""
    start = tt_event.get("startDate") if isinstance(tt_event.get("startDate"), dict) else {}
    end = tt_event.get("endDate") if isinstance(tt_event.get("endDate"), dict) else {}
    event.title = event.title or clean(tt_event.get("title") if isinstance(tt_event.get("title"), str) else None)
    event.start_date = event.start_date or (start.get("date") if isinstance(start.get("date"), str) else None)
    event.end_date = event.end_date or (end.get("date") if isinstance(end.get("date"), str) else None)
    event.timezone = event.timezone or (start.get("tz") if isinstance(start.get("tz"), str) else None)
