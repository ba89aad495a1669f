"""Pieces shared by the Indico parsers (HTML pages and JSON): URLs, names, dates.

Indico can be mounted under a path prefix (https://host/indico/event/12/), so the event
is identified by everything up to and including `/event/ID/`, never by the host name.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..records import ParseError

EVENT_PATH = re.compile(r"^(?P<prefix>.*?/event/(?P<event>\d+))(?:/|$)")
CONTRIBUTION_PATH = re.compile(r"/event/\d+/contributions/(?P<id>\d+)(?:/|\.json|$)")
SESSION_PATH = re.compile(r"/event/\d+/sessions/(?P<id>\d+)(?:/|$)")

# Person titles Indico offers ("Mr", "Ms", "Mrs", "Dr", "Prof.") plus common variants.
HONORIFICS = {"mr", "ms", "mrs", "miss", "mx", "dr", "prof", "professor", "sir", "dame"}

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def event_base(url: str) -> str:
    """Canonical event URL (scheme://host/prefix/event/ID/) for any URL inside an event."""
    parts = urlsplit(url)
    match = EVENT_PATH.match(parts.path)
    if not match:
        raise ParseError(f"not an Indico event URL (no /event/ID/ in the path): {url}")
    return urlunsplit((parts.scheme, parts.netloc, match["prefix"] + "/", "", ""))


def absolute(base_url: str, href: str | None) -> str | None:
    """Resolve an href against the page URL; drop fragments and whitespace."""
    if not href or not href.strip():
        return None
    return urljoin(base_url, href.strip()).split("#", 1)[0]


def contribution_id(href: str) -> str | None:
    match = CONTRIBUTION_PATH.search(urlsplit(href).path)
    return match["id"] if match else None


def session_id(href: str) -> str | None:
    match = SESSION_PATH.search(urlsplit(href).path)
    return match["id"] if match else None


def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty → None."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def split_honorific(name: str, title: str | None = None) -> tuple[str, str | None]:
    """("Mr Muhammad Usama Anjum", None) → ("Muhammad Usama Anjum", "Mr")."""
    name = clean(name) or ""
    honorific = clean(title)
    first, _, rest = name.partition(" ")
    if rest and first.rstrip(".").lower() in HONORIFICS:
        honorific = honorific or first
        name = rest
    return name, honorific


def parse_header_dates(text: str | None) -> tuple[str | None, str | None]:
    """Indico's header date: "13–15 Nov 2023", "30 Nov – 2 Dec 2023", "14 Sept 2022",
    "31 Dec 2023 – 2 Jan 2024" → ISO start and end dates (None when unreadable)."""
    if not text:
        return None, None
    found = re.findall(r"(\d{1,2})?\s*([A-Za-z]{3,})?\.?\s*(\d{4})?", text)
    parts = [(d, m, y) for d, m, y in found if d or m or y]
    days, months, years = [], [], []
    for d, m, y in parts:
        if d:
            days.append(int(d))
        if m and m[:3].lower() in MONTHS:
            months.append(MONTHS[m[:3].lower()])
        if y:
            years.append(int(y))
    if not days or not months or not years:
        return None, None
    try:
        end = date(years[-1], months[-1], days[-1])
        start = date(years[0], months[0], days[0])
    except ValueError:
        return None, None
    if start > end:  # "30 Dec – 2 Jan 2024": the start's year is the one before
        start = start.replace(year=start.year - 1)
    return start.isoformat(), end.isoformat()
