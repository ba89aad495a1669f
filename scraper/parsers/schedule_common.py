"""Helpers shared by the schedule-family parsers (pentabarf/frab/pretalx XML and JSON,
FOSDEM and pretalx pages): URLs, durations, link kinds, text clean-up. Pure."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

from ..records import ParseError, Programme, UnsupportedPage

ParseFunction = Callable[[bytes, str], Programme]

# FOSDEM files before 2024 carry no <time_zone_name>; FOSDEM has always been in Brussels.
FOSDEM_TIMEZONE = "Europe/Brussels"

# Any of these in an abstract means HTML; FOSDEM escapes it (&lt;p&gt;), so after parsing
# the text holds real tags. Markdown sources (2012 as served, pretalx, wafer) rarely do.
HTML_TAG = re.compile(r"<(?:p|a|br|ul|ol|li|em|strong|b|i|code|pre|h[1-6]|div|span|blockquote)\b", re.I)
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# /schedule/xml (FOSDEM), /schedule.xml (frab), /schedule/export/schedule.xml (pretalx),
# /schedule/pentabarf.xml (wafer), and the same with .json.
_SCHEDULE_SUFFIX = re.compile(r"/schedule(?:/export)?(?:/xml|/json|/[\w.-]*\.(?:xml|json)|\.(?:xml|json))/?$", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_DOUBLE_SLASH = re.compile(r"//+")
# "Chat room (web)", "Hallway chat room (app)", "Chatroom", "Matrix room"; not "Delta Chat".
_CHAT = re.compile(r"\bchat ?room\b|\bmatrix room\b|^chat$", re.I)
_SLIDES = re.compile(r"\bslides?\b", re.I)


def source_key(url: str) -> str:
    """The event's base URL: the schedule URL without its schedule/xml (schedule.xml) tail."""
    parts = urlsplit(url.strip())
    path, n = _SCHEDULE_SUFFIX.subn("/", parts.path)
    query = "" if n else parts.query
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def fix_url(url: str | None) -> str | None:
    """pretalx 2.3 writes `https://host//event/talk/CODE/` in schedule.xml (its JSON export
    of the same talk has one slash); the doubled slash names no page."""
    if url is None:
        return None
    parts = urlsplit(url)
    if "//" not in parts.path:
        return url
    return urlunsplit(parts._replace(path=_DOUBLE_SLASH.sub("/", parts.path)))


def acronym(value: str | None) -> str | None:
    """A conference acronym, or None when it names no conference: pretalx writes the event
    slug, and GOOD 2025's is just "2025"."""
    value = clean(value)
    return value if value and _LETTER.search(value) else None


def markup_format(texts) -> str:
    """html when most non-empty abstracts hold HTML tags (FOSDEM archive and final files),
    else markdown (FOSDEM 2010/2012 as served, frab, pretalx, wafer)."""
    with_text = with_html = 0
    for text in texts:
        if text:
            with_text += 1
            with_html += bool(HTML_TAG.search(text))
    return "html" if with_text and with_html * 2 >= with_text else "markdown"


def duration_minutes(value: str | None) -> int | None:
    """"00:20", "1:05:00" → minutes; None when it is not HH:MM[:SS]."""
    match = TIME.match(value or "")
    if match is None or int(match.group(2)) > 59:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 60 + minutes + seconds // 60


def iso_datetime(value: str | None) -> str | None:
    """The value when it is an ISO 8601 date-time, else None."""
    if not value:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return None
    return value


def minutes_between(start: str | None, end: str | None) -> int | None:
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    minutes = int(delta.total_seconds() // 60)
    return minutes if 0 <= minutes < 7 * 24 * 60 else None


def date_or_none(value: str | None) -> str | None:
    value = clean(value)
    if value is None or not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def link_kind(href: str, title: str) -> str:
    lhref, ltitle = href.lower(), title.lower()
    if "video.fosdem.org" in lhref or ltitle.startswith("video"):
        return "video"
    if "feedback" in ltitle or "/feedback" in lhref:
        return "feedback"
    if "matrix.to/" in lhref or "//chat." in lhref or _CHAT.search(title):
        return "chat"
    if _SLIDES.search(title):
        return "slides"
    return "link"


def clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def collapse(value: str | None) -> str:
    return " ".join((value or "").split())


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def never_crashes(what: str) -> Callable[[ParseFunction], ParseFunction]:
    """The parser contract for a parse(body, url): a page that breaks one of its
    assumptions is one ParseError line ("unexpected <what> structure: ..."), never a crash."""
    def guard(parse: ParseFunction) -> ParseFunction:
        @functools.wraps(parse)
        def guarded(body: bytes, url: str) -> Programme:
            try:
                return parse(body, url)
            except ParseError:
                raise
            except Exception as exc:
                raise ParseError(f"unexpected {what} structure: {type(exc).__name__}: {one_line(exc)}") from exc
        return guarded
    return guard


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.I | re.S)
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml\b|(?:<!--.*?-->\s*)*<schedule\b)", re.S)
_JSON_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*[\[{]")


def refuse_other_family(body: bytes, url: str, fmt: str, family: str, what: str) -> None:
    """UnsupportedPage (one line) when `body` is plainly of another family than the
    parser's `family` ("html", "xml" or "json"), e.g. a schedule.xml given to an HTML parser."""
    found = body_family(body) if isinstance(body, bytes | bytearray) else None
    if found is not None and found != family:
        raise UnsupportedPage(f"unsupported page for {fmt}: this is {found.upper()}, not {what} ({url})")


def body_family(body: bytes) -> str | None:
    """"json", "html" or "xml" from the first bytes; None when it cannot tell. Lets a
    parser given the wrong family of file say so plainly (UnsupportedPage) instead of
    reporting a syntax error deep inside it."""
    head = bytes(body[:4096])
    if _HTML_START.match(head):
        return "html"
    if _XML_START.match(head):
        return "xml"
    if _JSON_START.match(head):
        return "json"
    return None
