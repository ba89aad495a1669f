"""Series: one microconference or devroom across the years, whatever its title that year.

A track belongs to the series `series.yml` gives it (by track id, then by title), else to
the automatic series of its conference and normalized title. So LPC's "Containers and
Checkpoint/Restore MC" (2020, 2022) and "Containers and checkpoint/restore MC" (2023) are
one series with no configuration, while renames ("Virtualisation" → "Containers and
Process Isolation" → "Linux Containers and Microservices" → "Containers") are lineage a
person confirms in `series.yml`. For a configured series, `suggestions` proposes the
tracks of years it has no track in that look like it (title words, returning speakers),
so a new year's rename is one review away. Pure: plain data in, rows out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from anyascii import anyascii
from rapidfuzz import fuzz

from .ids import slug

SOURCE_CONFIG = "series.yml"
SOURCE_AUTO = "auto"

# Words that say what kind of track it is, not which one: "Containers devroom" (FOSDEM
# 2024) and "Containers" (2025) are the same devroom.
_KIND_WORDS = re.compile(r"\b(?:dev ?rooms?|mcs?|micro ?conferences?|tracks?)\b")
SUGGEST_TITLE = 0.6  # share of a series title's words in a track's title that makes it a suggestion
SUGGEST_SPEAKERS = 3  # or this many of the series' earlier speakers
_STOP_WORDS = {"and", "of", "the", "in", "on", "for", "a", "an", "with"}


class SeriesConfigError(ValueError):
    """series.yml is not what it should be; one line naming the entry."""


@dataclass
class SeriesSpec:
    """One series as series.yml configures it."""

    id: str
    title: str
    conference: str
    lineage: str | None = None
    titles: list[str] = field(default_factory=list)  # any year's track with such a title
    tracks: list[str] = field(default_factory=list)  # explicit track ids


@dataclass
class SeriesResult:
    series: list[dict[str, Any]]
    track_series: dict[str, str]  # track id → series id
    suggestions: list[dict[str, Any]]


@lru_cache(maxsize=65536)  # each track's title is asked for several times per pass
def normalize_title(title: str | None) -> str:
    """Track title → words that identify the track across years."""
    text = anyascii(title or "").lower().replace("&", " and ")
    text = re.sub(r"isation\b", "ization", text)  # Virtualisation / Virtualization
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(_KIND_WORDS.sub(" ", text).split())


def parse_config(data: Any) -> list[SeriesSpec]:
    """The `series` list of series.yml (already loaded YAML) → specs."""
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("series", []), list):
        raise SeriesConfigError("expected a mapping with a 'series' list")
    specs, seen = [], set()
    for n, entry in enumerate(data.get("series") or [], 1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("id", "conference")):
            raise SeriesConfigError(f"series entry {n} needs an id and a conference")
        unknown = set(entry) - {"id", "title", "conference", "lineage", "titles", "tracks", "note"}
        if unknown:
            raise SeriesConfigError(f"series {entry['id']}: unknown key(s) {', '.join(sorted(unknown))}")
        if entry["id"] in seen:
            raise SeriesConfigError(f"series {entry['id']} is listed twice")
        seen.add(entry["id"])
        lists = {}
        for key in ("titles", "tracks"):
            value = entry.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SeriesConfigError(f"series {entry['id']}: {key} must be a list of strings")
            lists[key] = value
        specs.append(SeriesSpec(id=entry["id"], title=str(entry.get("title") or entry["id"]),
                                conference=entry["conference"], lineage=entry.get("lineage"), **lists))
    return specs


def auto_series_id(conference: str, title: str) -> str:
    return f"{conference}/{slug(normalize_title(title)) or slug(title) or 'track'}"


def assign_series(tracks: list[dict[str, Any]], specs: list[SeriesSpec],
                  speakers: dict[str, set[str]] | None = None) -> SeriesResult:
    """Tracks (id, conference, year, title, event_id) → series rows, each track's series,
    and suggestions. `speakers` maps a track id to its speakers' name keys."""
    speakers = speakers or {}
    by_track = {track_id: spec for spec in reversed(specs) for track_id in spec.tracks}
    by_title = {(spec.conference, normalize_title(t)): spec for spec in reversed(specs) for t in spec.titles}
    track_series: dict[str, str] = {}
    series: dict[str, dict[str, Any]] = {spec.id: {"id": spec.id, "title": spec.title,
                                                   "conference": spec.conference, "lineage": spec.lineage,
                                                   "source": SOURCE_CONFIG} for spec in specs}
    latest: dict[str, tuple] = {}
    configured: set[str] = set()
    for track in sorted(tracks, key=lambda t: (t["year"] or 0, t["id"])):
        spec = by_track.get(track["id"]) or by_title.get((track["conference"], normalize_title(track["title"])))
        if spec is not None:
            track_series[track["id"]] = spec.id
            configured.add(track["id"])
            continue
        sid = auto_series_id(track["conference"], track["title"])
        track_series[track["id"]] = sid
        latest[sid] = (track["title"], track["conference"])  # the newest title names it
    for sid, (title, conference) in latest.items():
        series.setdefault(sid, {"id": sid, "title": title, "conference": conference, "lineage": None,
                                "source": SOURCE_AUTO})
    suggestions = _suggest(tracks, specs, track_series, configured, speakers)
    return SeriesResult(sorted(series.values(), key=lambda s: s["id"]), track_series, suggestions)


def _covers(candidate: str, title: str) -> float:
    """How much of a series title a track's title contains: "Linux Containers and
    Microservices" covers "Containers" (1.0); "Security" covers half of "Containers and
    Security" and none of "Containers". Near spellings count (rapidfuzz ratio ≥ 90)."""
    words = [w for w in title.split() if w not in _STOP_WORDS]
    if not words:
        return 0.0
    mine = [w for w in candidate.split() if w not in _STOP_WORDS]
    found = sum(any(w == m or fuzz.ratio(w, m) >= 90 for m in mine) for w in words)
    return found / len(words)


def _suggest(tracks, specs, track_series, configured, speakers) -> list[dict[str, Any]]:
    """Tracks outside every configured series, in events a configured series has no
    track in, that share its title words or its speakers."""
    events_of: dict[str, set[str]] = {}
    for track in tracks:
        if track["id"] in configured:
            events_of.setdefault(track_series[track["id"]], set()).add(track["event_id"])
    out = []
    for spec in specs:
        members = [t for t in tracks if track_series.get(t["id"]) == spec.id]
        titles = {normalize_title(t) for t in spec.titles} | {normalize_title(t["title"]) for t in members}
        titles.discard("")
        past = set().union(*(speakers.get(t["id"], set()) for t in members)) if members else set()
        covered = events_of.get(spec.id, set())
        for track in tracks:
            if (track["conference"] != spec.conference or track["id"] in configured
                    or track["event_id"] in covered):
                continue
            name = normalize_title(track["title"])
            similarity = max((_covers(name, t) for t in titles), default=0.0) if name else 0.0
            returning = sorted(speakers.get(track["id"], set()) & past)
            if similarity < SUGGEST_TITLE and len(returning) < SUGGEST_SPEAKERS:
                continue
            reasons = []
            if similarity >= SUGGEST_TITLE:
                reasons.append(f"title like the series' titles ({similarity:.2f})")
            if returning:
                reasons.append(f"{len(returning)} returning speaker(s): {', '.join(returning[:5])}")
            out.append({"series_id": spec.id, "track_id": track["id"],
                        "score": round(max(similarity, min(1.0, len(returning) / 4)), 3),
                        "reason": "; ".join(reasons)})
    return sorted(out, key=lambda s: (s["series_id"], -s["score"], s["track_id"]))
