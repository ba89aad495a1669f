"""Pieces shared by the Indico parsers (HTML pages, JSON, exports, iCalendar): URLs,
names, people, dates and zones, attachments, and the follow plans that complete a page.

Indico can be mounted under a path prefix (https://host/indico/event/12/), so the event
is identified by everything up to and including `/event/ID/`, never by the host name.
The export API lives beside it (`/indico/export/event/12.json`).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..records import Link, ParseError, PersonRef
from ..timezones import zone

EVENT_PATH = re.compile(r"^(?P<prefix>.*?)/event/(?P<event>\d+)(?:/|$)")
EXPORT_PATH = re.compile(r"^(?P<prefix>.*?)/export/(?:event|timetable)/(?P<event>\d+)\.\w+$")
CONTRIBUTION_PATH = re.compile(r"/event/\d+/contributions/(?P<id>\d+)(?:/|\.json|$)")
SESSION_PATH = re.compile(r"/event/\d+/sessions/(?P<id>\d+)(?:/|$)")

# Person titles Indico offers ("Mr", "Ms", "Mrs", "Dr", "Prof.") plus common variants.
HONORIFICS = {"mr", "ms", "mrs", "miss", "mx", "dr", "prof", "professor", "sir", "dame"}

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# --- URLs ------------------------------------------------------------------------------

def _event_parts(url: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, prefix, event number) of any URL inside an event or its export."""
    parts = urlsplit(url)
    match = EVENT_PATH.match(parts.path) or EXPORT_PATH.match(parts.path)
    if not match:
        raise ParseError(f"not an Indico event URL (no /event/ID/ in the path): {url}")
    return parts.scheme, parts.netloc, match["prefix"], match["event"]


def event_base(url: str) -> str:
    """Canonical event URL (scheme://host/prefix/event/ID/) for any URL inside an event
    or of its export API (/prefix/export/event/ID.json)."""
    scheme, netloc, prefix, number = _event_parts(url)
    return urlunsplit((scheme, netloc, f"{prefix}/event/{number}/", "", ""))


def event_number(url: str) -> str:
    return _event_parts(url)[3]


def export_urls(url: str) -> tuple[str, str, str]:
    """The export API's URLs for the event of `url`: its contributions (every talk,
    scheduled or not, with authors), its sessions (descriptions, conveners, materials)
    and its timetable (times in the event's zone, person titles)."""
    scheme, netloc, prefix, number = _event_parts(url)
    root = urlunsplit((scheme, netloc, prefix, "", ""))
    return (f"{root}/export/event/{number}.json?detail=contributions",
            f"{root}/export/event/{number}.json?detail=sessions",
            f"{root}/export/timetable/{number}.json")


def absolute(base_url: str, href: str | None) -> str | None:
    """Resolve an href against the page URL; drop fragments and whitespace."""
    if not href or not href.strip():
        return None
    return urljoin(base_url, href.strip()).split("#", 1)[0]


def rebase(page_url: str, href: str | None) -> str | None:
    """An Indico URL of this event, moved onto the site the page was fetched from.

    The export API and iCalendar files write absolute URLs with the server's configured
    base URL, HTML pages relative ones; the same event must give the same URLs whichever
    served it (and whatever host name or scheme the user reached it by)."""
    url = absolute(page_url, href)
    if not url:
        return None
    parts = urlsplit(url)
    match = EVENT_PATH.match(parts.path)
    try:
        scheme, netloc, prefix, number = _event_parts(page_url)
    except ParseError:
        return url
    if not match or match["event"] != number:
        return url
    path = prefix + parts.path[len(match["prefix"]):]
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def contribution_id(href: str) -> str | None:
    match = CONTRIBUTION_PATH.search(urlsplit(href).path)
    return match["id"] if match else None


def session_id(href: str) -> str | None:
    match = SESSION_PATH.search(urlsplit(href).path)
    return match["id"] if match else None


def contribution_url(base: str, cid: str) -> str:
    return f"{base}contributions/{cid}/"


def session_url(base: str, sid: str) -> str:
    return f"{base}sessions/{sid}/"


# --- text, names, people ---------------------------------------------------------------

def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty → None."""
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text or None


def text_of(value) -> str:
    """A JSON value that should be a string; anything else is treated as missing."""
    return value if isinstance(value, str) else ""


def split_honorific(name: str, title: str | None = None) -> tuple[str, str | None]:
    """("Mr Muhammad Usama Anjum", None) → ("Muhammad Usama Anjum", "Mr")."""
    name = clean(name) or ""
    honorific = clean(title)
    first, _, rest = name.partition(" ")
    if rest and first.rstrip(".").lower() in HONORIFICS:
        honorific = honorific or first
        name = rest
    return name, honorific


def without_emails(text: str | None) -> str | None:
    """Drop e-mail addresses (and the brackets around them): the archive never publishes them."""
    if not text:
        return text
    text = re.sub(r"[<(\[]\s*(?:mailto:)?" + _EMAIL.pattern + r"\s*[>)\]]", " ", text)
    return clean(_EMAIL.sub(" ", text))


def person(role: str, *, name: str | None = None, first: str | None = None, last: str | None = None,
           title: str | None = None, affiliation: str | None = None, person_id=None) -> PersonRef | None:
    """A PersonRef from whatever parts a source gives; None without a name. E-mail
    addresses are never kept, not even inside a name or affiliation field."""
    full = clean(name) or clean(f"{first or ''} {last or ''}")
    full = without_emails(full)
    if not full:
        return None
    full, honorific = split_honorific(full, title)
    return PersonRef(name=full, role=role, affiliation=without_emails(clean(affiliation)), honorific=honorific,
                     source_person_id=str(person_id) if isinstance(person_id, (int, str)) and str(person_id) else None)


def add_person(people: list[PersonRef], ref: PersonRef | None) -> None:
    """Append unless the same name already has that role (blocks repeat their conveners)."""
    if ref and all((p.name, p.role) != (ref.name, ref.role) for p in people):
        people.append(ref)


# --- attachments -----------------------------------------------------------------------

def link_kind(title: str, url: str) -> str:
    """slides / video / notes / link, from the attachment's title and URL."""
    probe = f"{title} {url}".lower()
    if "slide" in probe or ".pdf" in probe:
        return "slides"
    if "video" in probe or "youtube" in probe or "recording" in probe:
        return "video"
    if "etherpad" in probe or "notes" in probe or "pad" in title.lower():
        return "notes"
    return "link"


def attachment_link(page_url: str, title, href) -> Link | None:
    """An attachment: the link's target where the source gives it (HTML pages and the
    export's folders do), else Indico's own download URL (`.../attachments/F/A/go`,
    all the timetable data has)."""
    url = rebase(page_url, text_of(href))
    if not url:
        return None
    label = clean(text_of(title)) or url
    return Link(title=label, url=url, kind=link_kind(label, url))


def load_json_object(body: bytes, what: str) -> dict:
    """A JSON document whose top level is an object; ParseError (one line) otherwise."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise ParseError("malformed JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ParseError(f"malformed {what}: top level is not an object")
    return data


# --- dates and zones -------------------------------------------------------------------


def indico_datetime(value) -> str | None:
    """Indico's {"date": "2023-11-13", "time": "19:30:00", "tz": "UTC"} → ISO 8601 with
    the offset of its zone (DST resolved by zoneinfo); naive if the zone is unknown."""
    if not isinstance(value, dict):
        return None
    day, time = text_of(value.get("date")), text_of(value.get("time"))
    if not day or not time:
        return None
    try:
        moment = datetime.fromisoformat(f"{day}T{time.split('.')[0]}")
    except ValueError:
        return None
    tz = zone(text_of(value.get("tz")))
    return (moment.replace(tzinfo=tz) if tz else moment).isoformat()


def local_date(value, tz_name: str | None) -> str | None:
    """The calendar day of an Indico date dict in the event's zone."""
    moment = indico_datetime(value)
    if not moment:
        return None
    parsed = datetime.fromisoformat(moment)
    tz = zone(tz_name)
    if parsed.tzinfo and tz:
        parsed = parsed.astimezone(tz)
    return parsed.date().isoformat()


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
