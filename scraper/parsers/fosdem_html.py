"""FOSDEM schedule pages (fosdem.org / archive.fosdem.org `/YEAR/schedule/event/SLUG/` and
`/YEAR/schedule/track/SLUG/`) → a Programme that delegates to that year's schedule/xml.

FOSDEM's site is generated (nanoc, repository FOSDEM/website) from the same pentabarf
data it exports as `/YEAR/schedule/xml`, so the export is the authority: the Programme
follows `https://HOST/YEAR/schedule/xml` on the page's own host and selects
(`Programme.select`) the page's talk (by slug), the sessions the page lists, and for a
track page the track (by title). The page itself is parsed only as a tolerant fallback,
at the lowest rank, so the export wins every field it has:

* event page (`<body class="schedule-event">`): title and subtitle (`#pagetitles`), the
  `ul.side-box` facts (Track, Room, Day, Start, End; "Start (UTC+1)" since 2026; the
  times' ISO value in the `title` of `a.value-title`), `div.event-abstract` and
  `div.event-description`, speakers (links to /schedule/speaker/), attachments
  (`ul.event-attachments`), links, and any list of other sessions ("More sessions");
* track page (`<body class="schedule-track">`): title, rooms (`.side-box`),
  `div.track-description`, and every event row of its tables (title, subtitle, speakers,
  room, start and end).

Other FOSDEM pages (day, room, speaker) are UnsupportedPage: scrape the schedule/xml.
Pure: no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ..records import (
    RANK_LISTING,
    EventInfo,
    Link,
    ParseError,
    PersonRef,
    Programme,
    Selection,
    TalkInfo,
    TrackInfo,
    UnsupportedPage,
)
from .markup import has_class, html_document, inner_html
from .schedule_common import (
    FOSDEM_TIMEZONE,
    collapse,
    iso_datetime,
    link_kind,
    minutes_between,
    never_crashes,
    refuse_other_family,
)

FORMAT = "fosdem-html"

_HEAD = 65536
# FOSDEM's layout puts the page kind on <body>: class="schedule-event" / "schedule-track".
_BODY = re.compile(rb"<body[^>]*\bclass=[\"'][^\"']*\bschedule-(event|track|day|room|speaker)\b", re.I)
_FOSDEM = re.compile(rb"fosdem", re.I)
_PAGE_PATH = re.compile(r"/(?P<year>(?:19|20)\d{2})/schedule/(?P<kind>event|track)/(?P<slug>[^/?#]+)")
_EVENT_HREF = re.compile(r"/schedule/event/(?P<slug>[^/?#]+)/?(?:[?#].*)?$")
_TRACK_HREF = re.compile(r"/schedule/(?:track|ical/track|xcal/track)/(?P<slug>[^/?#]+)/?")
_SPEAKER_HREF = re.compile(r"/schedule/speaker/(?P<slug>[^/?#]+)/?")
_ROOM_HREF = re.compile(r"/schedule/room/[^/?#]+/?")
_YEAR_HREF = re.compile(r"^/((?:19|20)\d{2})/")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_FEEDBACK_ID = re.compile(r"/feedback/(\d+)\.php")
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")


def sniff(body: bytes, url: str) -> bool:
    """A FOSDEM schedule page: its <body> class names the schedule page kind."""
    head = body[:_HEAD]
    return bool(_BODY.search(head) and _FOSDEM.search(head))


@never_crashes("FOSDEM page")
def parse(body: bytes, url: str) -> Programme:
    """Parse one FOSDEM event or track page; ParseError (one line) otherwise."""
    refuse_other_family(body, url, FORMAT, "html", "a FOSDEM page")
    doc = html_document(body)
    body_el = doc.find("body")
    classes = (body_el.get("class") or "").split() if body_el is not None else []
    kind = next((c.removeprefix("schedule-") for c in classes if c.startswith("schedule-")), None)
    if kind not in ("event", "track"):
        raise UnsupportedPage(f"unsupported FOSDEM page ({kind or 'no schedule page kind'}): "
                              f"only event and track pages are; scrape /YEAR/schedule/xml instead: {url}")
    warnings: list[str] = []
    path = _PAGE_PATH.search(urlsplit(url).path)
    year = path["year"] if path else _page_year(doc)
    slug = path["slug"] if path and path["kind"] == kind else None
    parts = urlsplit(url)
    base = f"{parts.scheme.lower()}://{parts.netloc.lower()}/{year}/" if year and parts.netloc else None
    event = EventInfo(source_key=base or url, title=f"FOSDEM {year}" if year else None,
                      timezone=FOSDEM_TIMEZONE, url=base or url)
    title = _page_title(doc)
    if not title:
        raise ParseError(f"FOSDEM {kind} page without a title: {url}")

    if kind == "event":
        slug = slug or _own_event_slug(doc)
        talks, tracks, selection = _event_page(doc, url, title, slug, warnings)
    else:
        slug = slug or _track_slug(doc)
        talks, tracks, selection = _track_page(doc, url, title, slug, warnings)

    follow, select = [], {}
    if base:
        xml = f"{base}schedule/xml"
        follow, select = [xml], {xml: selection}
    else:
        warnings.append("no year in the URL or page: the schedule/xml cannot be followed")
    return Programme(format=FORMAT, page_kind=kind, url=url, event=event, tracks=tracks, talks=talks,
                     follow=follow, select=select, warnings=warnings)


def _event_page(doc, url: str, title: str, slug: str | None, warnings: list[str]):
    facts = _side_box(doc, url)
    track = facts.get("track")
    start = facts.get("start")
    speakers = _section_after(doc, "speakers")
    people = [PersonRef(name=name, role="speaker")
              for name in _speakers(speakers if speakers is not None else doc)]
    links = _attachments(doc, url) + _links(doc, url)
    feedback_id = next((m[1] for link in links if (m := _FEEDBACK_ID.search(link.url))), None)
    if not slug:
        warnings.append("event page without its slug: the talk cannot be selected in the schedule/xml")
    own = TalkInfo(
        source_id=feedback_id or slug or url,
        title=title,
        subtitle=_page_subtitle(doc),
        slug=slug,
        track_title=track,
        abstract=_blurb(doc),
        abstract_format="html",
        start=start,
        duration_minutes=minutes_between(start, facts.get("end")),
        room=facts.get("room"),
        url=url,
        kind=None,
        people=people,
        links=links,
        rank=RANK_LISTING,
    )
    others = [t for t in _event_rows(doc, url, skip={slug}) if t.slug]
    tracks = [TrackInfo(title=track, url=facts.get("track_url"), source_id=facts.get("track_slug"))] if track else []
    selection = Selection(talk_slugs=[s for s in [slug, *(t.slug for t in others)] if s],
                          talk_source_ids=[feedback_id] if feedback_id else [])
    return [own, *others], tracks, selection


def _track_page(doc, url: str, title: str, slug: str | None, warnings: list[str]):
    rooms = [collapse(a.text_content()) for a in _side_box_el(doc).iterfind(".//a")
             if _ROOM_HREF.search(a.get("href") or "")] if _side_box_el(doc) is not None else []
    description = next((inner_html(d) for d in doc.xpath(f"//div[{_has('track-description')}]")), None)
    talks = _event_rows(doc, url, skip=set(), track=title, single_room=rooms[0] if len(rooms) == 1 else None)
    if not talks:
        warnings.append("track page lists no events")
    track = TrackInfo(title=title, description=description, description_format="html",
                      room=rooms[0] if len(rooms) == 1 else None, url=url, source_id=slug)
    selection = Selection(talk_slugs=[t.slug for t in talks if t.slug], track_titles=[title])
    return talks, [track], selection


def _event_rows(doc, url: str, skip: set, track: str | None = None, single_room: str | None = None) -> list[TalkInfo]:
    """Talks listed in table rows (a track's event table, an event page's "More sessions"):
    one per event link, the most detailed row winning when a talk is listed twice."""
    found: dict[str, TalkInfo] = {}
    for row in doc.iter("tr"):
        # One pass over the row's links: the event, its track, room, speakers and times.
        anchor = slug = row_track = row_room = None
        people: list[str] = []
        times: list[str] = []
        for a in row.iter("a"):
            href = _path(a.get("href"))
            if anchor is None and (match := _EVENT_HREF.search(href)):
                anchor, slug = a, match["slug"]
            elif "/schedule/track/" in href:
                row_track = row_track or collapse(a.text_content())
            elif _ROOM_HREF.search(href):
                row_room = row_room or collapse(a.text_content())
            elif _SPEAKER_HREF.search(href):
                name = collapse(a.text_content())
                if name and name not in people:
                    people.append(name)
            elif (value := a.get("title")) and iso_datetime(value):
                times.append(value)
        if anchor is None or slug in skip:
            continue
        title, subtitle = _anchor_title(anchor)
        if not title:
            continue
        start = times[0] if times else None
        talk = TalkInfo(
            source_id=slug,
            title=title,
            subtitle=subtitle,
            slug=slug,
            track_title=row_track or track,
            start=start,
            duration_minutes=minutes_between(start, times[1]) if len(times) > 1 else _range_minutes(row),
            room=row_room or single_room,
            url=urljoin(url, _path(anchor.get("href"))),
            people=[PersonRef(name=name, role="speaker") for name in people],
            rank=RANK_LISTING,
        )
        known = found.get(slug)
        if known is None or _weight(talk) > _weight(known):
            found[slug] = talk
    return list(found.values())


def _weight(talk: TalkInfo) -> int:
    return sum(bool(x) for x in (talk.start, talk.people, talk.room, talk.duration_minutes, talk.subtitle))


def _range_minutes(row) -> int | None:
    match = _RANGE.search(row.text_content())
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
    return minutes if 0 <= minutes < 24 * 60 else None


def _side_box_el(doc):
    return next(iter(doc.xpath(f"//*[{_has('side-box')}]")), None)


def _side_box(doc, url: str) -> dict[str, str | None]:
    """Track/Room/Day/Start/End from `ul.side-box` items: `<strong>Label</strong>: <a>`."""
    facts: dict[str, str | None] = {}
    box = _side_box_el(doc)
    if box is None:
        return facts
    for item in box.iter("li"):
        label = item.find(".//strong")
        if label is None:
            continue
        # "Start (UTC+1)" since 2026, "Start" before.
        key = collapse(label.text_content()).split(" ")[0].rstrip(":").lower()
        anchor = item.find(".//a")
        value = collapse(anchor.text_content()) if anchor is not None else None
        if key in ("start", "end"):
            iso = iso_datetime((anchor.get("title") or "").strip()) if anchor is not None else None
            facts[key] = iso
        elif key in ("track", "room", "day"):
            facts[key] = value
            if key == "track" and anchor is not None:
                href = _path(anchor.get("href"))
                facts["track_url"] = urljoin(url, href) if href else None
                match = _TRACK_HREF.search(href)
                facts["track_slug"] = match["slug"] if match else None
    return facts


def _section_after(doc, heading: str):
    """The element that follows an <h3> with this text (the template's section layout)."""
    for h3 in doc.iter("h3"):
        if collapse(h3.text_content()).rstrip(":").lower() == heading:
            sibling = h3.getnext()
            while sibling is not None and not isinstance(sibling.tag, str):
                sibling = sibling.getnext()
            return sibling
    return None


def _speakers(scope) -> list[str]:
    """Names of the speaker links in scope, in page order (FOSDEM person ids are not on
    the page; the speaker slug is not the export's id)."""
    found: list[str] = []
    for anchor in scope.iter("a"):
        name = collapse(anchor.text_content())
        if _SPEAKER_HREF.search(_path(anchor.get("href"))) and name and name not in found:
            found.append(name)
    return found


def _attachments(doc, url: str) -> list[Link]:
    links = []
    for anchor in doc.xpath(f"//ul[{_has('event-attachments')}]//a[@href]"):
        title = collapse(anchor.text_content()) or "attachment"
        icon = " ".join(i.get("class") or "" for i in anchor.getparent().iter("i"))
        href = urljoin(url, anchor.get("href").strip())
        links.append(Link(title=title, url=href, kind="slides" if "icon-list" in icon else link_kind(href, title)))
    return links


def _links(doc, url: str) -> list[Link]:
    section = _section_after(doc, "links")
    if section is None:
        return []
    links = []
    for anchor in section.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href:
            title = collapse(anchor.text_content()) or href
            links.append(Link(title=title, url=urljoin(url, href), kind=link_kind(href, title)))
    return links


def _blurb(doc) -> str | None:
    parts = [inner_html(d) for d in doc.xpath(f"//div[{_has('event-abstract')} or {_has('event-description')}]")]
    text = "\n\n".join(p for p in parts if p)
    return text or None


def _page_title(doc) -> str | None:
    for h1 in doc.xpath(f"//*[@id='pagetitles']//h1 | //h1[not({_has('logo')})]"):
        title = collapse(h1.text_content())
        if title:
            return title
    meta = doc.xpath("//meta[@name='DC.Title']/@content")
    return collapse(meta[0]) if meta else None


def _page_subtitle(doc) -> str | None:
    found = doc.xpath("//*[@id='pagetitles']//h2")
    return (collapse(found[0].text_content()) or None) if found else None


def _page_year(doc) -> str | None:
    for href in doc.xpath("//h1[contains(@class, 'logo')]//a/@href | //a/@href"):
        match = _YEAR_HREF.match(_path(href))
        if match:
            return match[1]
    title = doc.findtext(".//title") or ""
    match = _YEAR.search(title)
    return match[1] if match else None


def _own_event_slug(doc) -> str | None:
    # Attachments live under the event's own path: /YEAR/schedule/event/SLUG/attachments/...
    for href in doc.xpath("//a/@href"):
        match = re.search(r"/schedule/event/([^/?#]+)/attachments/", href)
        if match:
            return match[1]
    return None


def _track_slug(doc) -> str | None:
    for href in doc.xpath("//a/@href"):
        match = re.search(r"/schedule/(?:ical|xcal)/track/([^/?#]+)", href)
        if match:
            return match[1]
    return None


def _anchor_title(anchor) -> tuple[str | None, str | None]:
    """An event link's text: the title, then `<br/><i>subtitle</i>` (the template's `l`)."""
    subtitle_el = anchor.find("i")
    subtitle = collapse(subtitle_el.text_content()) if subtitle_el is not None else None
    title = collapse(anchor.text or "")
    if not title:
        title = collapse(anchor.text_content())
        if subtitle and title.endswith(subtitle):
            title = collapse(title[: -len(subtitle)])
    if not title:
        title = collapse(anchor.get("title"))
    return title or None, subtitle or None


def _path(href: str | None) -> str:
    return (href or "").strip()


def _has(name: str) -> str:
    return has_class(name)
