"""Match a rescrape's talks to the talks already archived, by identity rather than bare id.

Published ids are not identities: FOSDEM renumbers events between snapshots of one year
(the 2024 pre-conference file's 10528 is the final file's 1861), and 19 ids of the 2012
as-served/archive pair name *different* talks. A talk keeps the id the archive first gave
it; its other published ids become aliases. Matching, most specific first:

1. the same guid;
2. the same id, if the talk is recognisably the same (same title or same people);
3. the same title and the same people;
4. the same title and the same start time.

A talk matched by nothing gets its own id, never one that belongs to another talk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import ids
from .merge import Rows


def title_key(title: str | None) -> str:
    return re.sub(r"[\W_]+", " ", (title or "").casefold()).strip()


def _people_key(names: Iterable[str]) -> tuple[str, ...]:
    """Speakers by the id their published name gives (not the archive's merged person
    id, which identity resolution may since have changed)."""
    return tuple(sorted({ids.person_id(name) for name in names if name}))


def match_existing(rows: Rows, existing: list[dict[str, Any]]) -> None:
    """Rename `rows`' talks to the ids of the archived talks they are (in place), and
    record the published ids that differ as aliases.

    `existing`: archived talks of the same events, each with id, event_id, source_id,
    title, starts_at_utc, guid and people (its speakers' names as published).
    """
    if not existing:
        return
    new_people: dict[str, list[str]] = {}
    for row in rows.talk_people:
        if row["role"] == "speaker":
            new_people.setdefault(row["talk_id"], []).append(row["name_as_published"])
    by_event: dict[str, list[dict[str, Any]]] = {}
    for talk in existing:
        by_event.setdefault(talk["event_id"], []).append(talk)

    renames: list[tuple[str, str, str, str]] = []  # (old id, new id, event, published source id)
    old_aliases: list[dict[str, str]] = []  # the archived talks' earlier published ids
    for event, archived in by_event.items():
        new_talks = [t for t in rows.talks if t["event_id"] == event]
        if not new_talks:
            continue
        by_id = {t["id"]: t for t in archived}
        by_guid = {t["guid"]: t for t in archived if t.get("guid")}
        by_title_people: dict[tuple, list] = {}
        by_title_start: dict[tuple, list] = {}
        for talk in archived:
            key = title_key(talk["title"])
            by_title_people.setdefault((key, _people_key(talk["people"])), []).append(talk)
            by_title_start.setdefault((key, talk["starts_at_utc"]), []).append(talk)
        claimed: set[str] = set()
        new_ids = {t["id"] for t in new_talks}

        def unclaimed(candidates: list | None) -> dict | None:
            free = [c for c in candidates or [] if c["id"] not in claimed]
            return free[0] if len(free) == 1 else None

        pending = []
        for talk in new_talks:
            people = _people_key(new_people.get(talk["id"], []))
            key = title_key(talk["title"])
            same_id = by_id.get(talk["id"])
            target = None
            if talk.get("guid") and talk["guid"] in by_guid and by_guid[talk["guid"]]["id"] not in claimed:
                target = by_guid[talk["guid"]]
            elif same_id and same_id["id"] not in claimed and (
                    title_key(same_id["title"]) == key or (people and _people_key(same_id["people"]) == people)):
                target = same_id
            else:
                target = unclaimed(by_title_people.get((key, people))) if people else None
                target = target or unclaimed(by_title_start.get((key, talk["starts_at_utc"])))
            if target is not None:
                claimed.add(target["id"])
                if target["id"] != talk["id"]:
                    renames.append((talk["id"], target["id"], event, talk["source_id"]))
                if target["source_id"] != talk["source_id"]:
                    old_aliases.append({"event_id": event, "source_id": target["source_id"],
                                        "talk_id": target["id"]})
            else:
                pending.append(talk)
        # Unmatched talks whose published id belongs to another archived talk get a fresh id.
        taken = set(by_id) | new_ids
        for talk in pending:
            if talk["id"] in by_id:
                n = 2
                while f"{talk['id']}-{n}" in taken:
                    n += 1
                taken.add(f"{talk['id']}-{n}")
                renames.append((talk["id"], f"{talk['id']}-{n}", event, talk["source_id"]))

    # Two passes through temporary names, so swapped ids never collide mid-way.
    for old, new, _, _ in renames:
        rows.rename_talk(old, f"\0{new}")
    for _, new, event, source_id in renames:
        rows.rename_talk(f"\0{new}", new)
        rows.aliases.append({"event_id": event, "source_id": source_id, "talk_id": new})
    rows.aliases.extend(old_aliases)
