"""Indico's event-wide HTML pages → Programme.

- event overview `/event/E/` (`.conferenceDetails`): the event (title, dates, displayed
  zone, venue). Follows the export API (timetable and contributions: every session and
  talk in two requests), falling back to the timetable page and the contribution list
  when the API is disabled; and the event's custom pages whose menu title speaks of
  microconferences (LPC's "Accepted Microconferences").
- timetable page `/event/E/timetable/`: not server-rendered ("Building timetable..."); its
  data is the inline `timetableArgs` JSON (see indico_timetable.py).
- programme page `/event/E/program`: the event's tracks (`ul.tracks`, `.track-title h3`,
  optional `.description`).
- custom pages `/event/E/page/N-slug`: author-written HTML in the event layout; see
  indico_announcement.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..records import Programme, TrackInfo
from . import indico_announcement, indico_timetable
from .indico_common import absolute, event_base, export_urls
from .indico_page import event_header, fill_event, text, timetable_args, zone_warnings
from .markup import has_class, inner_html

FORMAT = "indico-html"

CUSTOM_PAGE = re.compile(r"/event/\d+/page/\d+")
# Menu titles of custom pages worth following from the overview: the MC announcements.
_MC_MENU = re.compile(r"micro-?\s?conferences?|\bMCs?\b", re.IGNORECASE)


def event_wide(url: str) -> tuple[list[str], dict[str, list[str]]]:
    """The whole event from the export API in three requests (sessions first: their
    materials carry link targets, which the timetable data lacks), with the HTML
    timetable page and contribution list as the fallbacks when the API is disabled."""
    contributions, sessions, timetable = export_urls(url)
    base = event_base(url)
    return [sessions, contributions, timetable], {sessions: [f"{base}timetable/"],
                                                  contributions: [f"{base}contributions/"],
                                                  timetable: [f"{base}timetable/"]}


def overview(doc, url: str, base: str) -> Programme | None:
    if not doc.xpath(f'//*[{has_class("conferenceDetails")}]'):
        return None
    event = event_header(doc, base)
    follow, fallback = event_wide(url)
    for a in doc.xpath(f'//*[{has_class("conf_leftMenu")}]//a[@href] | //ul[@id="outer"]//a[@href]'):
        href = absolute(url, a.get("href"))
        if href and CUSTOM_PAGE.search(urlsplit(href).path) and _MC_MENU.search(text([a]) or "") \
                and href not in follow:
            follow.append(href)
    return Programme(format=FORMAT, page_kind="event", url=url, event=event, follow=follow,
                     follow_fallback=fallback)


def timetable_page(doc, url: str, base: str) -> Programme | None:
    if not doc.xpath('//*[@id="timetable"]'):
        return None
    data = timetable_args(doc)
    if data is None:
        return None
    days, tt_event = data
    event = event_header(doc, base)
    fill_event(event, tt_event)
    table = indico_timetable.read(days, tt_event, url, base)
    contributions = export_urls(url)[0]
    # Session pages give what the timetable data lacks: materials' link targets and
    # unscheduled talks of each session.
    sessions = [t.url for t in table.tracks if t.url]
    return Programme(format=FORMAT, page_kind="timetable", url=url, event=event, tracks=table.tracks,
                     talks=table.talks, follow=[contributions] + sessions,
                     follow_fallback={contributions: [f"{base}contributions/"]},
                     warnings=zone_warnings(event.timezone, table.zones, "timetable data says"))


def program_page(doc, url: str, base: str) -> Programme | None:
    items = doc.xpath(f'//ul[{has_class("tracks")}]//*[{has_class("track-title")}]')
    if not items:
        return None
    tracks = []
    for title_node in items:
        title = text(title_node.xpath(".//h3")) or text([title_node])
        if not title:
            continue
        item = title_node.getparent()
        description = item.xpath(f'./*[{has_class("description")}]') if item is not None else []
        tracks.append(TrackInfo(title=title, kind=None,
                                description=inner_html(description[0]) if description else None))
    follow, fallback = event_wide(url)
    return Programme(format=FORMAT, page_kind="program", url=url, event=event_header(doc, base), tracks=tracks,
                     follow=follow, follow_fallback=fallback)


def custom_page(doc, url: str, base: str) -> Programme | None:
    if not CUSTOM_PAGE.search(urlsplit(url).path):
        return None
    content = doc.xpath(f'//*[{has_class("page-content")}]')
    if not content:
        return None
    event = event_header(doc, base)
    tracks, warnings = indico_announcement.tracks(content[0], url)
    return Programme(format=FORMAT, page_kind="custom-page", url=url, event=event, tracks=tracks,
                     warnings=warnings)
