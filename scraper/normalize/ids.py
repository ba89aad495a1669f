"""Stable, human-readable ids, so every scrape of the same thing upserts the same rows.

`lpc-2023` (initials of "Linux Plumbers Conference" + year), `fosdem-2020` (a one-word
title is kept whole), `lpc-2023/1569` (event id + the source's own talk id),
`lpc-2023/containers-and-checkpoint-restore-mc` (event id + slug of the track title).
"""

from __future__ import annotations

import re

from anyascii import anyascii

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SMALL_WORDS = {"of", "and", "the", "on", "for", "in", "at", "de", "du", "la", "le", "des", "&"}


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """ASCII, lower case, hyphen-separated: "Stéphane Graber" → "stephane-graber"."""
    return _NOT_SLUG.sub("-", anyascii(text or "").lower()).strip("-")


def conference_code(title: str) -> str:
    """"Linux Plumbers Conference 2023" → "lpc"; "FOSDEM 2020" → "fosdem"."""
    words = [w for w in re.split(r"[\s\-_/]+", _YEAR.sub(" ", title)) if re.search(r"\w", w)]
    words = [w for w in words if w.lower() not in _SMALL_WORDS] or words
    if not words:
        return "event"
    if len(words) == 1:
        return slug(words[0]) or "event"
    return slug("".join(anyascii(w)[0] for w in words if anyascii(w))) or "event"


def event_year(title: str | None, start_date: str | None) -> str | None:
    match = _YEAR.search(title or "")
    if match:
        return match[1]
    if start_date and _YEAR.match(start_date):
        return start_date[:4]
    return None


def event_id(title: str | None, start_date: str | None, conference: str | None = None) -> str:
    # An acronym may carry the year itself ("fosdem-2024"): the code never does.
    code = conference_code(conference) if conference else conference_code(title or "")
    year = event_year(title, start_date)
    return f"{code}-{year}" if year else code


def track_id(event: str, title: str) -> str:
    return f"{event}/{slug(title) or 'track'}"


# FOSDEM 2024+ slugs carry the talk's pretalx number: "fosdem-2024-1861-creative-coding-...".
# The number survives the renumbering of event ids between schedule snapshots.
_NUMBERED_SLUG = re.compile(r"^[a-z][a-z0-9]*-(?:19|20)\d{2}-(\d+)-")


def stable_source_id(source_id: str, slug: str | None) -> str:
    """The talk's number from a numbered slug when there is one, else the published id."""
    match = _NUMBERED_SLUG.match(slug or "")
    return match[1] if match else source_id


def talk_id(event: str, source_id: str) -> str:
    return f"{event}/{source_id}"


def person_id(name: str) -> str:
    return slug(name) or "unknown"
