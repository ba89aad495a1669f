"""pretalx talk page (`/EVENT/talk/CODE/`, live or static HTML export) → one Programme.

Accepts the agenda talk page of pretalx 2.x and later (template agenda/talk.html):
`<meta name="generator" content="pretalx">`, `h3.talk-title` holding the title (bare text
in 2.3, a `<span>` later) and a `<small>` line "DATE, HH:MM–HH:MM (ZONE), ROOM",
`section.abstract` and `section.description` (rendered Markdown, so HTML),
`section.resources` links, and one `div.pretalx-session` per speaker (name linking to
/speaker/CODE/, biography).

The date on that line is as pretalx's `datetimerange` filter renders it: GOOD 2025's
pretalx 2.3 writes "03-19, 14:30–14:55 (US/Eastern)" with no year, so the year comes
from an ISO date if the line has one, else from the event's name ("GOOD 2025"). The
talk's id is its pretalx code (the last URL segment). Pure: no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..records import (
    RANK_DETAIL,
    EventInfo,
    Link,
    ParseError,
    PersonRef,
    Programme,
    TalkInfo,
    UnsupportedPage,
)
from .markup import has_class, html_document, inner_html
from .schedule_common import collapse, link_kind, never_crashes, refuse_other_family

FORMAT = "pretalx-html"

_HEAD = 65536
_GENERATOR = re.compile(rb"<meta[^>]+content=[\"']pretalx[\"']", re.I)
_TALK_PATH = re.compile(r"^(?P<base>.*?/)talk/(?P<code>[A-Za-z0-9]+)(?:\.ics)?/?$")
_SPEAKER_PATH = re.compile(r"/speaker/(?P<code>[A-Za-z0-9]+)/?$")
_TIMES = re.compile(r"(\d{1,2}):(\d{2})\s*[–—-]\s*(\d{1,2}):(\d{2})")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_DAY = re.compile(r"(?<![\d-])(\d{2})-(\d{2})(?![\d-])")
_NAMED_DATE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})\b|\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_ZONE = re.compile(r"\(([A-Za-z_]+(?:/[A-Za-z_+\-]+)*|UTC|GMT)\)")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def sniff(body: bytes, url: str) -> bool:
    """A pretalx page (generator meta) that shows one talk (`talk-title`)."""
    return bool(_GENERATOR.search(body[:_HEAD])) and b"talk-title" in body


@never_crashes("pretalx talk page")
def parse(body: bytes, url: str) -> Programme:
    """Parse one pretalx talk page; ParseError (one line) otherwise."""
    refuse_other_family(body, url, FORMAT, "html", "a pretalx talk page")
    doc = html_document(body)
    heading = next(iter(doc.xpath(f"//h3[{has_class('talk-title')}]")), None)
    if heading is None:
        raise UnsupportedPage(f"unsupported pretalx page: only talk pages are (no h3.talk-title): {url}")
    warnings: list[str] = []
    title = _title(heading)
    if not title:
        raise ParseError(f"pretalx talk page without a title: {url}")
    code, base = _code_and_base(doc, url)
    if code is None:
        raise ParseError(f"pretalx talk page without a talk code in its URL or .ics link: {url}")
    event_name = _event_name(doc)
    small = heading.find(".//small")
    line = collapse(small.text_content()) if small is not None else ""
    zone = _ZONE.search(line)
    start, minutes, room = _when_where(line, event_name, warnings)
    abstract = "\n\n".join(p for p in (_section_html(doc, "abstract"), _section_html(doc, "description")) if p)
    talk = TalkInfo(
        source_id=code,
        title=title,
        abstract=abstract or None,
        abstract_format="html",
        start=start,
        duration_minutes=minutes,
        room=room,
        url=url,
        people=_speakers(doc),
        links=_resources(doc, url),
        rank=RANK_DETAIL,
    )
    event = EventInfo(source_key=base, title=event_name, timezone=zone[1] if zone else None,
                      url=base, conference=None)
    return Programme(format=FORMAT, page_kind="talk", url=url, event=event, talks=[talk], warnings=warnings)


def _title(heading) -> str | None:
    """The heading's own text: bare in pretalx 2.3, in a <span> later; never the buttons."""
    box = next(iter(heading.xpath(f".//div[{has_class('heading-with-buttons')}]")), heading)
    span = box.find("span")
    if span is not None and collapse(span.text):
        return collapse(span.text)
    return collapse(box.text) or None


def _code_and_base(doc, url: str) -> tuple[str | None, str]:
    """The talk code and the event's base URL (what its schedule exports hang off)."""
    parts = urlsplit(url)
    match = _TALK_PATH.match(parts.path)
    if match:
        return match["code"], urlunsplit((parts.scheme.lower(), parts.netloc.lower(), match["base"], "", ""))
    for href in doc.xpath("//a[contains(@href, '.ics')]/@href"):
        found = _TALK_PATH.match(urlsplit(href).path)
        if found:
            return found["code"], urljoin(url, "./")
    return None, urljoin(url, "./")


def _event_name(doc) -> str | None:
    header = doc.xpath("//header//h1")
    if header and collapse(header[0].text_content()):
        return collapse(header[0].text_content())
    # <title>TALK :: EVENT :: pretalx</title>
    parts = [collapse(p) for p in (doc.findtext(".//title") or "").split("::")]
    return parts[-2] if len(parts) >= 3 and parts[-2] else None


def _when_where(line: str, event_name: str | None, warnings: list[str]):
    times = _TIMES.search(line)
    if not times:
        return None, None, _room(line, None)
    h1, m1, h2, m2 = (int(g) for g in times.groups())
    minutes = (h2 * 60 + m2 - h1 * 60 - m1) % (24 * 60)
    day = _date(line[: times.start()], event_name)
    if day is None:
        warnings.append(f"talk time without a date pretalx shows a year for: {line!r}")
        start = None
    else:
        start = f"{day}T{h1:02d}:{m1:02d}:00"
    return start, minutes, _room(line, times)


def _date(text: str, event_name: str | None) -> str | None:
    iso = _ISO_DATE.search(text)
    if iso:
        return iso.group(0)
    named = _NAMED_DATE.search(text)
    if named:
        day, month, year = (named[1], named[2], named[3]) if named[1] else (named[5], named[4], named[6])
        number = _MONTHS.get(month.lower()[:3])
        return f"{year}-{number:02d}-{int(day):02d}" if number else None
    month_day = _MONTH_DAY.search(text)
    year = _YEAR.search(event_name or "")
    if month_day and year:
        return f"{year[1]}-{month_day[1]}-{month_day[2]}"
    return None


def _room(line: str, times) -> str | None:
    """What follows the time range (and its zone) after a comma."""
    rest = line[times.end():] if times else line
    rest = _ZONE.sub("", rest, count=1) if times else rest
    if "," not in rest:
        return None
    return collapse(rest.split(",", 1)[1]) or None


def _section_html(doc, name: str) -> str | None:
    found = doc.xpath(f"//section[{has_class(name)}]")
    return inner_html(found[0]) if found else None


def _speakers(doc) -> list[PersonRef]:
    people = []
    for info in doc.xpath(f"//div[{has_class('pretalx-session-info')}]"):
        title = next(iter(info.xpath(f"./div[{has_class('title')}]")), None)
        if title is None:
            continue
        name = collapse(title.text_content())
        if not name:
            continue
        anchor = title.find(".//a")
        match = _SPEAKER_PATH.search(anchor.get("href") or "") if anchor is not None else None
        people.append(PersonRef(name=name, role="speaker", source_person_id=match["code"] if match else None))
    return people


def _resources(doc, url: str) -> list[Link]:
    links = []
    for anchor in doc.xpath(f"//section[{has_class('resources')}]//a[@href]"):
        href = urljoin(url, anchor.get("href").strip())
        title = collapse(anchor.text_content()) or href
        links.append(Link(title=title, url=href, kind=link_kind(href, title)))
    return links
