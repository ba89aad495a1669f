"""The records parsers return: the contract between parse, normalize and store.

A parser sees one page (bytes + URL) and returns one `Programme`: what that page says
about an event, its tracks and talks, plus the links it needs followed to be complete.
Values are kept as published (local times without zone, raw HTML or markdown source);
normalize derives ids, UTC times, sanitized HTML and plain text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# How much a page knows about a talk: used when several pages describe the same talk.
# A contribution page beats a session page's list entry, which beats a bare listing.
RANK_LISTING = 1
RANK_SCHEDULE = 2
RANK_DETAIL = 3


class ParseError(Exception):
    """A page could not be parsed; the message is one line, fit for the CLI."""


class UnsupportedPage(ParseError):
    """No parser recognises the page (wrong site, unexpected page kind)."""


@dataclass
class PersonRef:
    """A person as one page publishes them on a talk or a track."""

    name: str  # as published, without honorific, whitespace collapsed
    role: str  # speaker | author | coauthor | convener | lead
    affiliation: str | None = None
    honorific: str | None = None  # "Mr", "Dr", ... never part of the name
    source_person_id: str | None = None  # the site's own person id (not stable across sites)


@dataclass
class Link:
    """An attachment or link of a talk or track: slides, video, notes, ..."""

    title: str
    url: str
    kind: str  # slides | video | notes | feedback | chat | link


@dataclass
class EventInfo:
    """The event (conference edition) a page belongs to."""

    source_key: str  # canonical URL of the event on its site; identifies it across pages
    title: str | None = None
    timezone: str | None = None  # IANA name, e.g. America/New_York
    start_date: str | None = None  # YYYY-MM-DD
    end_date: str | None = None
    venue: str | None = None
    url: str | None = None
    conference: str | None = None  # short conference name when the source gives one (acronym)


@dataclass
class TrackInfo:
    """A microconference, devroom or track of the event."""

    title: str
    kind: str | None = None  # microconference | devroom | track; None = let normalize decide
    description: str | None = None
    description_format: str = "html"  # html | markdown | text
    room: str | None = None
    url: str | None = None
    source_id: str | None = None  # e.g. the Indico session id
    people: list[PersonRef] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


@dataclass
class TalkInfo:
    """One talk as one page describes it."""

    source_id: str  # the site's own id (Indico contribution id, pentabarf event id)
    title: str
    subtitle: str | None = None
    guid: str | None = None  # a globally unique id the source gives (frab/pentabarf 2024+ guid)
    slug: str | None = None  # the source's URL slug (FOSDEM: stable across renumberings in 2024+)
    track_title: str | None = None
    abstract: str | None = None
    abstract_format: str = "html"  # html | markdown | text
    abstract_complete: bool = True  # False for a truncated snippet ("...")
    start: str | None = None  # ISO 8601; naive = local time of the event's zone
    duration_minutes: int | None = None
    room: str | None = None
    url: str | None = None
    kind: str | None = None  # the source's talk type, e.g. devroom, keynote, lightning
    people: list[PersonRef] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    rank: int = RANK_LISTING


@dataclass
class Selection:
    """The part of a followed page that belongs to the page that followed it: e.g. a
    FOSDEM event page delegates to its year's schedule.xml but means one talk or track."""

    talk_slugs: list[str] = field(default_factory=list)
    talk_source_ids: list[str] = field(default_factory=list)
    track_titles: list[str] = field(default_factory=list)


@dataclass
class Programme:
    """Everything one page says, plus the same-site links that complete it.

    `follow_fallback[url]` lists what to fetch instead when `url` fails (an export API
    that is disabled, say); such a failure is then a warning, not an error.
    `select[url]` keeps only part of what `url` gives (see Selection).
    """

    format: str  # parser name, e.g. indico-html
    page_kind: str  # e.g. session, contribution, schedule-xml
    url: str
    event: EventInfo
    tracks: list[TrackInfo] = field(default_factory=list)
    talks: list[TalkInfo] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    follow_fallback: dict[str, list[str]] = field(default_factory=dict)
    select: dict[str, Selection] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
