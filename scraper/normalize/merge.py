"""Merge what several pages say into one row per event, track, talk and person.

Pages overlap: an Indico session page lists each talk with a truncated abstract, its
contribution page has the full one. Per field the most detailed page wins (records'
`rank`), a complete abstract always beats a truncated one, and every chosen value
records the page it came from (the `provenance` rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..records import Link, PersonRef, Programme, Selection, TalkInfo, TrackInfo
from . import ids
from .text import html_to_text, plain, to_html
from .times import localize


@dataclass
class Rows:
    """Archive rows ready for the store, keyed by table name."""

    events: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    talks: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    person_names: list[dict[str, Any]] = field(default_factory=list)
    talk_people: list[dict[str, Any]] = field(default_factory=list)
    track_people: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)  # other published ids of a talk
    warnings: list[str] = field(default_factory=list)

    def rename_talk(self, old: str, new: str) -> None:
        """Give a talk the id the archive already knows it by (see talk_identity)."""
        for row in self.talks:
            if row["id"] == old:
                row["id"] = new
        for table in (self.talk_people, self.links):
            for row in table:
                if row.get("talk_id") == old:
                    row["talk_id"] = new
        for row in self.aliases:
            if row["talk_id"] == old:
                row["talk_id"] = new
        for row in self.provenance:
            if row["row_id"] == old and row["table_name"] in ("talks", "talk_people"):
                row["row_id"] = new

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in
                ("events", "tracks", "talks", "people", "talk_people", "track_people", "links")}


_MC = re.compile(r"\bMC\b|micro-?conference", re.IGNORECASE)
_DEVROOM = re.compile(r"dev-?room", re.IGNORECASE)


def track_kind(title: str, declared: str | None) -> str:
    if declared:
        return declared
    if _MC.search(title):
        return "microconference"
    if _DEVROOM.search(title):
        return "devroom"
    return "track"


def _first(values):
    for value in values:
        if value not in (None, "", []):
            return value
    return None


def select_part(programme: Programme, selection: Selection) -> Programme:
    """The talks (and their tracks) of a programme that a delegating page meant."""
    slugs, ids = set(selection.talk_slugs), set(selection.talk_source_ids)
    titles = {t.lower() for t in selection.track_titles}
    talks = [t for t in programme.talks
             if (t.slug and t.slug in slugs) or t.source_id in ids
             or (t.track_title and t.track_title.lower() in titles)]
    wanted = titles | {t.track_title.lower() for t in talks if t.track_title}
    tracks = [t for t in programme.tracks if t.title.lower() in wanted]
    return replace(programme, talks=talks, tracks=tracks, follow=[])


def merge(programmes: list[Programme], event_ids: dict[str, str] | None = None) -> Rows:
    """Programmes of one or more events → rows. `event_ids` maps an event's source_key to
    an id already used in the archive (or chosen by the user), so ids never drift."""
    event_ids = dict(event_ids or {})
    rows = Rows()
    by_event: dict[str, list[Programme]] = {}
    for programme in programmes:
        by_event.setdefault(programme.event.source_key, []).append(programme)
        rows.warnings.extend(f"{programme.url}: {w}" for w in programme.warnings)

    people: dict[str, dict[str, Any]] = {}
    names: set[tuple[str, str]] = set()

    def person(ref: PersonRef) -> str:
        name = plain(ref.name) or "unknown"
        pid = ids.person_id(name)
        people.setdefault(pid, {"id": pid, "name": name})
        if (pid, name) not in names:
            names.add((pid, name))
            rows.person_names.append({"person_id": pid, "name": name})
        return pid

    for source_key, group in by_event.items():
        infos = [p.event for p in group]
        title = plain(_first(i.title for i in infos))
        start_date = _first(i.start_date for i in infos)
        event = event_ids.get(source_key) or ids.event_id(title, start_date, _first(i.conference for i in infos))
        tz = _first(i.timezone for i in infos)
        zones = {i.timezone for i in infos if i.timezone}
        if len(zones) > 1:
            rows.warnings.append(f"{source_key}: pages disagree on the time zone: {', '.join(sorted(zones))}")
        rows.events.append({
            "id": event,
            "conference": event.rsplit("-", 1)[0] if "-" in event else event,
            "title": title,
            "year": int(ids.event_year(title, start_date)) if ids.event_year(title, start_date) else None,
            "timezone": tz,
            "start_date": start_date,
            "end_date": _first(i.end_date for i in infos),
            "venue": plain(_first(i.venue for i in infos)),
            "url": _first(i.url for i in infos) or source_key,
        })
        tracks = _merge_tracks(event, group, rows, person)
        _merge_talks(event, tz, group, tracks, rows, person)
        _rooms_from_talks(rows, event)

    rows.people = list(people.values())
    return rows


def _merge_tracks(event: str, group: list[Programme], rows: Rows, person) -> dict[str, str]:
    """Tracks of one event, merged by title; returns title (lower case) → track id."""
    found: dict[str, list[tuple[TrackInfo, Programme]]] = {}
    for programme in group:
        for track in programme.tracks:
            found.setdefault(ids.track_id(event, track.title), []).append((track, programme))
        for talk in programme.talks:
            if talk.track_title:
                tid = ids.track_id(event, talk.track_title)
                if tid not in found:
                    found[tid] = [(TrackInfo(title=talk.track_title), programme)]
    by_title: dict[str, str] = {}
    for tid, versions in found.items():
        # Prefer the version with most to say (a session page over a talk's track label).
        versions.sort(key=lambda v: -_track_weight(v[0]))
        best = versions[0][0]
        title = plain(best.title) or tid
        description = _first(to_html(t.description, t.description_format) for t, _ in versions)
        rows.tracks.append({
            "id": tid,
            "event_id": event,
            "title": title,
            "kind": track_kind(title, _first(t.kind for t, _ in versions)),
            "description": description,
            "room": plain(_first(t.room for t, _ in versions)),
            "url": _first(t.url for t, _ in versions),
        })
        for track, programme in versions:
            if track.description:
                rows.provenance.append(_prov("tracks", tid, "description", programme.url))
                break
        seen = set()
        for track, _ in versions:
            for ref in track.people:
                pid = person(ref)
                if (pid, ref.role) in seen:
                    continue
                seen.add((pid, ref.role))
                rows.track_people.append({
                    "track_id": tid, "person_id": pid, "role": ref.role,
                    "name_as_published": plain(ref.name), "affiliation": plain(ref.affiliation),
                })
        # People come from every page (conveners here, MC leads there); links from one.
        for track, _ in versions:
            if track.links:
                rows.links.extend(_link_rows(track.links, talk_id=None, track_id=tid))
                break
        for t, _ in versions:
            by_title[t.title.lower()] = tid
    return by_title


def _rooms_from_talks(rows: Rows, event: str) -> None:
    """A track whose pages name no room gets its talks' room when they all share one."""
    rooms: dict[str, set] = {}
    for talk in rows.talks:
        if talk["event_id"] == event and talk["track_id"]:
            rooms.setdefault(talk["track_id"], set()).add(talk["room"])
    for track in rows.tracks:
        if track["event_id"] == event and not track["room"]:
            found = rooms.get(track["id"], set())
            if len(found) == 1 and None not in found:
                track["room"] = found.pop()


def _track_weight(track: TrackInfo) -> int:
    return sum(bool(x) for x in (track.description, track.source_id, track.people, track.links, track.room))


def _merge_talks(event: str, tz: str | None, group: list[Programme], tracks: dict[str, str],
                 rows: Rows, person) -> None:
    found: dict[str, list[tuple[TalkInfo, Programme]]] = {}
    for programme in group:
        for talk in programme.talks:
            found.setdefault(ids.stable_source_id(talk.source_id, talk.slug), []).append((talk, programme))
    for source_id, versions in found.items():
        versions.sort(key=lambda v: -v[0].rank)  # stable: equal ranks keep page order
        tid = ids.talk_id(event, source_id)

        def pick(attr: str, column: str | None = None):
            for talk, programme in versions:
                value = getattr(talk, attr)
                if value not in (None, "", []):
                    if column:
                        rows.provenance.append(_prov("talks", tid, column, programme.url))
                    return value
            return None

        abstract_versions = [v for v in versions if v[0].abstract and v[0].abstract.strip()]
        abstract_versions.sort(key=lambda v: (not v[0].abstract_complete, -v[0].rank))
        abstract_html = None
        if abstract_versions:
            talk, programme = abstract_versions[0]
            abstract_html = to_html(talk.abstract, talk.abstract_format)
            rows.provenance.append(_prov("talks", tid, "abstract", programme.url))
            if not talk.abstract_complete:
                rows.warnings.append(f"{tid}: only a truncated abstract was found ({programme.url})")
        track_title = pick("track_title", "track_id")
        local, utc = localize(pick("start", "starts_at"), tz)
        rows.talks.append({
            "id": tid,
            "event_id": event,
            "track_id": tracks.get(track_title.lower()) if track_title else None,
            "title": plain(pick("title", "title")),
            "abstract": html_to_text(abstract_html),
            "abstract_html": abstract_html,
            "starts_at": local,
            "starts_at_utc": utc,
            "duration_minutes": pick("duration_minutes", "duration_minutes"),
            "room": plain(pick("room", "room")),
            "url": pick("url", "url"),
            "source_id": source_id,
            "guid": pick("guid"),
        })
        published_ids = {talk.source_id for talk, _ in versions} - {source_id}
        rows.aliases.extend({"event_id": event, "source_id": other, "talk_id": tid}
                            for other in sorted(published_ids))
        people_versions = [v for v in versions if v[0].people]
        if people_versions:
            _talk_people(tid, people_versions, rows, person)
        link_versions = [v for v in versions if v[0].links]
        if link_versions:
            rows.links.extend(_link_rows(link_versions[0][0].links, talk_id=tid, track_id=None))


def _talk_people(tid: str, versions: list[tuple[TalkInfo, Programme]], rows: Rows, person) -> None:
    """The most detailed page's people list, in its published order; honorifics and
    affiliations it lacks are filled from other pages naming the same person."""
    best, programme = versions[0]
    extra: dict[str, PersonRef] = {}
    for talk, _ in versions[1:]:
        for ref in talk.people:
            # Each field from the first page that has it: an export without person titles
            # must not hide the "Mr" a timetable or session page gives.
            known = extra.setdefault(ref.name, PersonRef(name=ref.name, role=ref.role))
            known.affiliation = known.affiliation or ref.affiliation
            known.honorific = known.honorific or ref.honorific
    seen, positions = set(), {}
    for ref in best.people:
        pid = person(ref)
        if (pid, ref.role) in seen:
            continue
        seen.add((pid, ref.role))
        other = extra.get(ref.name)
        positions[ref.role] = positions.get(ref.role, 0) + 1
        rows.talk_people.append({
            "talk_id": tid,
            "person_id": pid,
            "role": ref.role,
            "position": positions[ref.role],
            "name_as_published": plain(ref.name),
            "affiliation": plain(ref.affiliation or (other.affiliation if other else None)),
            "honorific": plain(ref.honorific or (other.honorific if other else None)),
        })
    rows.provenance.append(_prov("talk_people", tid, "people", programme.url))


def _link_rows(links: list[Link], talk_id: str | None, track_id: str | None) -> list[dict[str, Any]]:
    out, seen = [], set()
    for link in links:
        if link.url in seen:
            continue
        seen.add(link.url)
        out.append({"talk_id": talk_id, "track_id": track_id, "title": plain(link.title),
                    "url": link.url, "kind": link.kind})
    return out


def _prov(table: str, row_id: str, column: str, url: str) -> dict[str, str]:
    return {"table_name": table, "row_id": row_id, "column_name": column, "url": url}
