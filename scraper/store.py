"""The only module that writes SQLite: schema migrations, raw pages, archive rows, runs.

Writes are idempotent upserts keyed on the stable ids from normalize.ids. A value that a
new scrape lacks (None) never overwrites one an earlier scrape stored, so a poorer page
cannot erase a richer one; each batch of writes is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed
from sqlite_utils.migrations import Migrations

from .normalize.merge import Rows

BUSY_TIMEOUT_MS = 30_000

migrations = Migrations("mcarchive")


@migrations()
def m001_initial_schema(db: sqlite_utils.Database) -> None:
    db["events"].create({
        "id": str, "conference": str, "title": str, "year": int, "timezone": str,
        "start_date": str, "end_date": str, "venue": str, "url": str,
    }, pk="id")
    db["tracks"].create({
        "id": str, "event_id": str, "title": str, "kind": str, "description": str,
        "room": str, "url": str,
    }, pk="id", foreign_keys=[("event_id", "events", "id")])
    db["talks"].create({
        "id": str, "event_id": str, "track_id": str, "title": str, "abstract": str,
        "abstract_html": str, "starts_at": str, "starts_at_utc": str,
        "duration_minutes": int, "room": str, "url": str, "source_id": str,
    }, pk="id", foreign_keys=[("event_id", "events", "id"), ("track_id", "tracks", "id")])
    db["people"].create({"id": str, "name": str}, pk="id")
    db["person_names"].create({"person_id": str, "name": str}, pk=("person_id", "name"),
                              foreign_keys=[("person_id", "people", "id")])
    db["talk_people"].create({
        "talk_id": str, "person_id": str, "role": str, "position": int,
        "name_as_published": str, "affiliation": str, "honorific": str,
    }, pk=("talk_id", "person_id", "role"),
        foreign_keys=[("talk_id", "talks", "id"), ("person_id", "people", "id")])
    db["track_people"].create({
        "track_id": str, "person_id": str, "role": str, "name_as_published": str,
        "affiliation": str,
    }, pk=("track_id", "person_id", "role"),
        foreign_keys=[("track_id", "tracks", "id"), ("person_id", "people", "id")])
    db["links"].create({
        "id": str, "talk_id": str, "track_id": str, "title": str, "url": str, "kind": str,
    }, pk="id", foreign_keys=[("talk_id", "talks", "id"), ("track_id", "tracks", "id")])
    db["provenance"].create({
        "table_name": str, "row_id": str, "column_name": str, "url": str, "fetched_at": str,
    }, pk=("table_name", "row_id", "column_name"))
    db["pages"].create({
        "url": str, "fetched_at": str, "status": int, "content_type": str, "etag": str,
        "last_modified": str, "sha256": str, "body": bytes,
    }, pk="url")
    db["scrape_runs"].create({
        "id": int, "started_at": str, "finished_at": str, "sources": str, "status": str,
        "pages_fetched": int, "errors": str,
    }, pk="id")
    for table, columns in INDEXES.items():
        for column_list in columns:
            db[table].create_index(column_list)


@migrations()
def m002_incremental_jobs_and_changes(db: sqlite_utils.Database) -> None:
    """Conditional/resumable scrape jobs (issue #7) and talk history (issue #6)."""
    db["pages"].add_column("follow", str)  # JSON: the links its parser asked to follow
    db["pages"].add_column("parsed_sha256", str)  # body whose rows are in the archive
    db["pages"].add_column("checked_at", str)  # last time the server confirmed it (200 or 304)
    for column in ("pages_not_modified", "pages_failed", "requests", "bytes_received",
                   "talks_added", "talks_changed", "talks_unchanged", "talks_removed"):
        db["scrape_runs"].add_column(column, int)
    db["talks"].add_column("guid", str)
    db["talks"].add_column("removed_at", str)
    db["changes"].create({
        "id": int, "run_id": int, "table_name": str, "row_id": str, "column_name": str,
        "old_value": str, "new_value": str, "changed_at": str,
    }, pk="id", foreign_keys=[("run_id", "scrape_runs", "id")])
    db["changes"].create_index(["run_id"])
    db["changes"].create_index(["table_name", "row_id"])
    db["talk_aliases"].create({"event_id": str, "source_id": str, "talk_id": str},
                              pk=("event_id", "source_id"),
                              foreign_keys=[("event_id", "events", "id"), ("talk_id", "talks", "id")])


INDEXES = {
    "tracks": [["event_id"]],
    "talks": [["event_id"], ["track_id"], ["starts_at_utc"]],
    "talk_people": [["person_id"]],
    "track_people": [["person_id"]],
    "links": [["talk_id"], ["track_id"]],
}

# Upsert where a NULL in the new row keeps the stored value (see the module docstring).
# A row that would not change is not written: a rescrape or reparse of unchanged pages
# then costs no page writes, index updates or FTS re-indexing (triggers fire on writes).
UPSERT_KEEP_SQL = (
    "INSERT INTO [{table}] ({columns}) VALUES ({placeholders}) "
    "ON CONFLICT({pk}) DO UPDATE SET {updates} WHERE {changed}"
)

TABLE_KEYS = {
    "events": ("id",),
    "tracks": ("id",),
    "talks": ("id",),
    "people": ("id",),
    "person_names": ("person_id", "name"),
    "provenance": ("table_name", "row_id", "column_name"),
    "talk_people": ("talk_id", "person_id", "role"),
    "track_people": ("track_id", "person_id", "role"),
    "links": ("id",),
}


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class StoreError(Exception):
    """The archive database cannot be used (not a database, locked); one line."""


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate an archive database.

    Migrations run inside one IMMEDIATE transaction, so two processes opening a new
    archive at once apply them once: the second waits for the first (busy timeout).
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # A REPLACE that removes a row then fires its delete triggers, which keep the
        # search tables and facet_counts right (none of those triggers recurse).
        conn.execute("PRAGMA recursive_triggers = ON")
        db = sqlite_utils.Database(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(db)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"cannot use {path} as an archive: {exc}") from None
    return db


def open_scratch_db(path: str | Path) -> sqlite_utils.Database:
    """open_db for a file nobody else sees until it is complete (a build renames it into
    place): no fsync per transaction and the rollback journal in memory. A crash loses
    only that file, which is thrown away anyway; call finish_scratch_db before renaming."""
    db = open_db(path)
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA journal_mode = MEMORY")
    return db


def finish_scratch_db(db: sqlite_utils.Database) -> None:
    """Make a scratch database an ordinary one, safely on disk, and close it."""
    path = db_file(db)
    db.conn.execute("PRAGMA journal_mode = DELETE")
    db.close()
    if path:
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def db_file(db: sqlite_utils.Database) -> str | None:
    """The database's file path (None in memory)."""
    for row in db.conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] or None
    return None


def _upsert_keep(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]],
                 fetched_at: dict[str, str] | None = None) -> None:
    """Upsert rows (columns: the first row's keys); with `fetched_at`, each row also gets
    a fetched_at column, looked up by its url, without copying the rows."""
    if not rows:
        return
    pk = TABLE_KEYS[table]
    columns = list(rows[0].keys())
    if fetched_at is not None:
        columns = [c for c in columns if c != "fetched_at"]
    written = columns + (["fetched_at"] if fetched_at is not None else [])
    updated = [c for c in written if c not in pk]
    names = ", ".join(f"[{c}]" for c in written)
    placeholders = ", ".join("?" for _ in written)
    if updated:
        sql = UPSERT_KEEP_SQL.format(
            table=table, columns=names, placeholders=placeholders, pk=", ".join(f"[{c}]" for c in pk),
            updates=", ".join(f"[{c}] = coalesce(excluded.[{c}], [{c}])" for c in updated),
            changed=" OR ".join(f"coalesce(excluded.[{c}], [{c}]) IS NOT [{c}]" for c in updated))
    else:
        sql = f"INSERT OR IGNORE INTO [{table}] ({names}) VALUES ({placeholders})"
    params = _params(rows, columns)
    if fetched_at is not None:
        params = ((*values, fetched_at.get(row["url"])) for values, row in zip(params, rows))
    db.conn.executemany(sql, params)


def _params(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """Each row's values in column order, a missing key as NULL, streamed to executemany
    (a build writes ~100 000 provenance rows: no second copy of them in memory)."""
    get = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    for row in rows:
        try:
            yield get(row)
        except KeyError:
            yield tuple(row.get(c) for c in columns)


def _insert_replace(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    """What `db[table].insert_all(rows, replace=True)` does to an existing table (columns:
    every key of the rows; dicts and lists stored as JSON), in one executemany instead of
    sqlite-utils' per-chunk statement building, which cost a build a second."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    sql = (f"INSERT OR REPLACE INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    plain = {str, int, float, bytes, type(None)}
    db.conn.executemany(sql, (values if plain.issuperset(map(type, values))
                              else tuple(jsonify_if_needed(v) for v in values)
                              for values in _params(rows, columns)))


def link_id(row: dict[str, Any]) -> str:
    owner = row.get("talk_id") or row.get("track_id") or ""
    return hashlib.sha1(f"{owner}\n{row['url']}".encode()).hexdigest()[:16]


@dataclass
class SaveStats:
    """What one batch did to the archive's talks."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


# Talk columns whose changes are history worth keeping. Not source_id: a renumbering is
# not a change of the talk (its published ids are in talk_aliases).
TRACKED_TALK_COLUMNS = ("title", "track_id", "abstract", "starts_at_utc", "duration_minutes",
                        "room", "url", "removed_at")


def save_rows(db: sqlite_utils.Database, rows: Rows, fetched_at: dict[str, str] | None = None,
              run_id: int | None = None) -> SaveStats:
    """Upsert one merged batch in a single transaction; record what changed in `changes`.

    A talk's (or track's) people and links are replaced only when the new batch has
    some for it: a page that lists none leaves the stored ones alone.
    """
    fetched_at = fetched_at or {}
    with db.atomic():
        old_talks = _rows_by_id(db, "talks", [t["id"] for t in rows.talks])
        old_speakers = _speakers(db, list(old_talks))
        _upsert_keep(db, "events", rows.events)
        _upsert_keep(db, "tracks", rows.tracks)
        _upsert_keep(db, "people", rows.people)
        _upsert_keep(db, "person_names", rows.person_names)
        _upsert_keep(db, "talks", rows.talks)
        _replace_children(db, "talk_people", "talk_id", rows.talk_people)
        _replace_children(db, "track_people", "track_id", rows.track_people)
        talk_links = [r for r in rows.links if r["talk_id"]]
        track_links = [r for r in rows.links if not r["talk_id"]]
        for group in (talk_links, track_links):
            for row in group:
                row["id"] = link_id(row)
        _replace_children(db, "links", "talk_id", talk_links)
        _replace_children(db, "links", "track_id", track_links)
        _upsert_keep(db, "provenance", rows.provenance, fetched_at=fetched_at)
        if rows.aliases:
            _insert_replace(db, "talk_aliases", rows.aliases)
        reappeared = [t for t in old_talks.values() if t["removed_at"]]
        if reappeared:
            db.conn.executemany("UPDATE talks SET removed_at = NULL WHERE id = ?",
                                [(t["id"],) for t in reappeared])
        return _record_changes(db, run_id, old_talks, old_speakers, [t["id"] for t in rows.talks])


def _rows_by_id(db: sqlite_utils.Database, table: str, row_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        sql = f"SELECT * FROM [{table}] WHERE id IN ({', '.join('?' for _ in chunk)})"
        found.update({row["id"]: row for row in db.query(sql, chunk)})
    return found


def _speakers(db: sqlite_utils.Database, talk_ids: list[str]) -> dict[str, str]:
    """Talk id → its speakers as published, in order ("A; B"): for the changes log."""
    speakers: dict[str, str] = {}
    for start in range(0, len(talk_ids), 500):
        chunk = talk_ids[start:start + 500]
        sql = (f"SELECT talk_id, name_as_published FROM talk_people WHERE role = 'speaker' "
               f"AND talk_id IN ({', '.join('?' for _ in chunk)}) ORDER BY talk_id, position")
        for row in db.query(sql, chunk):
            speakers[row["talk_id"]] = "; ".join(filter(None, [speakers.get(row["talk_id"]),
                                                               row["name_as_published"]]))
    return speakers


def _record_changes(db, run_id, old_talks, old_speakers, talk_ids) -> SaveStats:
    stats = SaveStats()
    # Only talks that were stored before can have changed: a build adds every talk and
    # need not read any of them back.
    known = [tid for tid in talk_ids if tid in old_talks]
    new_talks = _rows_by_id(db, "talks", known)
    new_speakers = _speakers(db, known)
    changes, when = [], now_utc()
    for tid in talk_ids:
        old = old_talks.get(tid)
        if old is None:
            stats.added += 1
            continue
        new = new_talks[tid]
        diffs = [(c, old[c], new[c]) for c in TRACKED_TALK_COLUMNS if old[c] != new[c]]
        if old_speakers.get(tid) != new_speakers.get(tid):
            diffs.append(("speakers", old_speakers.get(tid), new_speakers.get(tid)))
        if diffs:
            stats.changed += 1
            changes.extend({"run_id": run_id, "table_name": "talks", "row_id": tid, "column_name": c,
                            "old_value": _text(o), "new_value": _text(n), "changed_at": when}
                           for c, o, n in diffs)
        else:
            stats.unchanged += 1
    if changes:
        db["changes"].insert_all(changes)
    return stats


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def mark_removed(db: sqlite_utils.Database, talk_ids: list[str], run_id: int | None) -> int:
    """Talks a complete, successful parse of their page no longer lists: kept, with
    removed_at set and the removal in `changes` — never deleted."""
    when = now_utc()
    with db.atomic():
        live = [t for t in _rows_by_id(db, "talks", talk_ids).values() if not t["removed_at"]]
        db.conn.executemany("UPDATE talks SET removed_at = ? WHERE id = ?", [(when, t["id"]) for t in live])
        db["changes"].insert_all([{"run_id": run_id, "table_name": "talks", "row_id": t["id"],
                                   "column_name": "removed_at", "old_value": None, "new_value": when,
                                   "changed_at": when} for t in live])
    return len(live)


def talks_given_by(db: sqlite_utils.Database, url: str) -> set[str]:
    """Live talks whose title came from this page (provenance)."""
    return {row["row_id"] for row in db.query(
        "SELECT p.row_id FROM provenance p JOIN talks t ON t.id = p.row_id "
        "WHERE p.table_name = 'talks' AND p.column_name = 'title' AND p.url = ? "
        "AND t.removed_at IS NULL", [url])}


def talk_identities(db: sqlite_utils.Database, event_ids: list[str]) -> list[dict[str, Any]]:
    """The archived talks of these events with what identity matching needs."""
    if not event_ids:
        return []
    sql = (
        "SELECT t.id, t.event_id, t.source_id, t.title, t.starts_at_utc, t.guid, "
        "(SELECT json_group_array(name_as_published) FROM talk_people tp "
        " WHERE tp.talk_id = t.id AND tp.role = 'speaker') AS people "
        f"FROM talks t WHERE t.event_id IN ({', '.join('?' for _ in event_ids)})"
    )
    return [dict(row, people=json.loads(row["people"] or "[]")) for row in db.query(sql, event_ids)]


def _replace_children(db: sqlite_utils.Database, table: str, parent: str,
                      rows: list[dict[str, Any]]) -> None:
    """Make the stored children (people, links) of each parent in `rows` exactly these
    rows. Children stored already as they are stay untouched (no delete and re-insert):
    only the ones gone are deleted and only new or changed ones written."""
    if not rows:
        return
    pk = TABLE_KEYS[table]
    wanted = {tuple(row[c] for c in pk) for row in rows}
    parents = sorted({row[parent] for row in rows})
    stale = [key for key in _child_keys(db, table, parent, pk, parents) if key not in wanted]
    if stale:
        db.conn.executemany(f"DELETE FROM [{table}] WHERE {' AND '.join(f'[{c}] = ?' for c in pk)}", stale)
    columns = list(dict.fromkeys(c for row in rows for c in row))
    updated = [c for c in columns if c not in pk]
    sql = (f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT({', '.join(f'[{c}]' for c in pk)}) "
           f"DO UPDATE SET {', '.join(f'[{c}] = excluded.[{c}]' for c in updated)} "
           f"WHERE {' OR '.join(f'[{c}] IS NOT excluded.[{c}]' for c in updated)}")
    db.conn.executemany(sql, _params(rows, columns))


def _child_keys(db: sqlite_utils.Database, table: str, parent: str, pk: tuple[str, ...],
                parents: list[str]) -> Iterator[tuple[Any, ...]]:
    """The primary keys of the stored children of these parents."""
    for start in range(0, len(parents), 500):
        chunk = parents[start:start + 500]
        yield from db.conn.execute(
            f"SELECT {', '.join(f'[{c}]' for c in pk)} FROM [{table}] "
            f"WHERE [{parent}] IN ({', '.join('?' for _ in chunk)})", chunk)


def save_page(db: sqlite_utils.Database, page: dict[str, Any], follow: Any = None) -> None:
    """Keep a fetched body (and the links its parser asked for), so the archive can be
    re-parsed and a resumed or repeated job can skip it, without the network."""
    body = page.get("body")
    row = {key: page.get(key) for key in ("url", "fetched_at", "status", "content_type", "etag",
                                         "last_modified", "body")}
    row.update(sha256=sha256(body) if body is not None else None,
               checked_at=page.get("fetched_at"))
    if follow is not None:
        row["follow"] = json.dumps(follow)
    with db.atomic():
        db["pages"].upsert(row, pk="url")


def page_state(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT url, fetched_at, checked_at, etag, last_modified, sha256, "
                         "parsed_sha256, follow FROM pages WHERE url = ?", [url]))
    if not rows:
        return None
    row = rows[0]
    row["follow"] = json.loads(row["follow"]) if row["follow"] else None
    return row


def page_body(db: sqlite_utils.Database, url: str) -> bytes | None:
    rows = list(db.query("SELECT body FROM pages WHERE url = ?", [url]))
    return rows[0]["body"] if rows else None


def touch_page(db: sqlite_utils.Database, url: str, checked_at: str, follow: Any = None) -> None:
    """The server confirmed the stored copy (304 or the same bytes)."""
    with db.atomic():
        db.conn.execute("UPDATE pages SET checked_at = ? WHERE url = ?", (checked_at, url))
        if follow is not None:
            db.conn.execute("UPDATE pages SET follow = ? WHERE url = ?", (json.dumps(follow), url))


def mark_parsed(db: sqlite_utils.Database, urls: Iterable[str]) -> None:
    """These pages' current bodies are now reflected in the archive's rows."""
    db.conn.executemany("UPDATE pages SET parsed_sha256 = sha256 WHERE url = ?", [(u,) for u in urls])


def stored_pages(db: sqlite_utils.Database) -> Iterable[dict[str, Any]]:
    return db.query("SELECT url, fetched_at, body FROM pages WHERE body IS NOT NULL ORDER BY url")


def known_event_ids(db: sqlite_utils.Database) -> dict[str, str]:
    """Event URL → id already in the archive, so a rescrape keeps its ids."""
    return {row["url"]: row["id"] for row in db.query("SELECT id, url FROM events WHERE url IS NOT NULL")}


def start_run(db: sqlite_utils.Database, sources: list[str]) -> int:
    runs = db["scrape_runs"]
    with db.atomic():
        runs.insert({"started_at": now_utc(), "sources": json.dumps(sources),
                     "status": "running", "pages_fetched": 0, "errors": "[]"})
    return runs.last_pk


def interrupted_run(db: sqlite_utils.Database, sources: list[str]) -> dict[str, Any] | None:
    """The latest run of the same sources that never finished (killed): a new run resumes it."""
    rows = list(db.query("SELECT * FROM scrape_runs WHERE sources = ? ORDER BY id DESC LIMIT 1",
                         [json.dumps(sources)]))
    return rows[0] if rows and rows[0]["status"] == "running" else None


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, pages_fetched: int,
               errors: list[str], **counts: int) -> None:
    with db.atomic():
        db["scrape_runs"].update(run_id, {"finished_at": now_utc(), "status": status,
                                          "pages_fetched": pages_fetched,
                                          "errors": json.dumps(errors, ensure_ascii=False), **counts})


# --- People identities, series and topics (issue #8) -----------------------------------
# One whole-archive pass after each batch of rows (scraper/derived.py): the inputs it
# reads and the rows it writes, in one transaction.


@migrations()
def m008_people_series_topics(db: sqlite_utils.Database) -> None:
    """Series of tracks, topics of talks and the people-matching decisions (issue #8)."""
    db["series"].create({"id": str, "title": str, "conference": str, "lineage": str, "source": str}, pk="id")
    # A plain ALTER: sqlite-utils' add_column(fk=...) would rebuild `tracks`, which its
    # children (talks, track_people, links) reference.
    db.execute("ALTER TABLE tracks ADD COLUMN series_id TEXT REFERENCES series(id)")
    db["tracks"].create_index(["series_id"])
    db["series_suggestions"].create({"series_id": str, "track_id": str, "score": float, "reason": str},
                                    pk=("series_id", "track_id"),
                                    foreign_keys=[("series_id", "series", "id"), ("track_id", "tracks", "id")])
    db["topics"].create({"id": str, "title": str, "description": str, "keywords": str}, pk="id")
    db["talk_topics"].create({"talk_id": str, "topic": str, "score": float, "matched": str},
                             pk=("talk_id", "topic"),
                             foreign_keys=[("talk_id", "talks", "id"), ("topic", "topics", "id")])
    db["talk_topics"].create_index(["topic"])
    db["identity_decisions"].create({
        "id": int, "person_id": str, "name": str, "other_person_id": str, "other_name": str,
        "decision": str, "rule": str, "score": float, "points": int, "evidence": str,
    }, pk="id")
    db["identity_decisions"].create_index(["person_id"])
    db["identity_decisions"].create_index(["other_person_id"])


@migrations()
def m009_talks_room_index(db: sqlite_utils.Database) -> None:
    """The talks page's `room` facet (metadata.yml) from an index, as event_id's and
    track_id's already are: without one its GROUP BY reads every talk row, abstracts
    included (2.5 s on 1 M talks, more than Datasette's facet time limit; issue #11)."""
    db["talks"].create_index(["room"])


@migrations()
def m010_talks_starts_at_index(db: sqlite_utils.Database) -> None:
    """talk_overview's page (sort_desc starts_at; the front page links it) from an index:
    without one it joins and sorts every talk for its first 50 (2.5 s on 1 M talks, near
    make serve's 3 s limit; issue #11)."""
    db["talks"].create_index(["starts_at"])


# Columns whose value counts facet_counts keeps: the talks page's facets (metadata.yml),
# from which publish.PRECOUNTED_FACETS also derives talk_overview's. m011 made the
# triggers for these: counting another column takes a new migration.
COUNTED_COLUMNS = {"talks": ("event_id", "track_id", "room")}


@migrations()
def m011_facet_counts(db: sqlite_utils.Database) -> None:
    """How many rows hold each value of COUNTED_COLUMNS, kept exact by triggers in the
    same transaction as the rows themselves. The unfiltered talks page reads its facets
    from here instead of grouping every talk (230 ms of SQL per page on 1 M talks;
    issue #11). NULLs are not counted (a facet leaves them out) and a value whose count
    drops to 0 is deleted."""
    db.execute("""CREATE TABLE facet_counts (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (table_name, column_name, value)) WITHOUT ROWID""")
    for table, columns in COUNTED_COLUMNS.items():
        def change(column: str, row: str, step: str) -> str:
            return (f"INSERT INTO facet_counts (table_name, column_name, value, count) "
                    f"SELECT '{table}', '{column}', {row}.[{column}], {step} WHERE {row}.[{column}] IS NOT NULL "
                    f"ON CONFLICT DO UPDATE SET count = count + excluded.count;")

        def drop_zero(column: str) -> str:
            return (f"DELETE FROM facet_counts WHERE table_name = '{table}' AND column_name = '{column}' "
                    f"AND value = old.[{column}] AND count = 0;")

        db.execute(f"CREATE TRIGGER [{table}_facet_counts_insert] AFTER INSERT ON [{table}] BEGIN "
                   + " ".join(change(c, "new", "1") for c in columns) + " END")
        db.execute(f"CREATE TRIGGER [{table}_facet_counts_delete] AFTER DELETE ON [{table}] BEGIN "
                   + " ".join(change(c, "old", "-1") + " " + drop_zero(c) for c in columns) + " END")
        for c in columns:  # only when the value changes, not on every update of the row
            db.execute(f"CREATE TRIGGER [{table}_facet_counts_update_{c}] AFTER UPDATE OF [{c}] ON [{table}] "
                       f"WHEN old.[{c}] IS NOT new.[{c}] BEGIN "
                       f"{change(c, 'old', '-1')} {drop_zero(c)} {change(c, 'new', '1')} END")
        for c in columns:
            db.execute(f"INSERT INTO facet_counts (table_name, column_name, value, count) "
                       f"SELECT '{table}', '{c}', [{c}], count(*) FROM [{table}] WHERE [{c}] IS NOT NULL GROUP BY [{c}]")


@migrations()
def m012_talks_event_track_index(db: sqlite_utils.Database) -> None:
    """talk_overview's row count (every page of it shows one) from an index: it joins each
    talk's event and track, and with an index holding only event_id SQLite read every
    talk row, abstracts included, for track_id (2 s on 1 M talks, 0.4 s with this one;
    issue #11). It replaces the event_id index, whose lookups and scans it also serves."""
    db["talks"].create_index(["event_id", "track_id"])
    db.execute("DROP INDEX IF EXISTS idx_talks_event_id")


@migrations()
def m013_talks_newest_first_index(db: sqlite_utils.Database) -> None:
    """Every page of the talks table in its order (metadata.yml: newest first, ties by
    id) from an index. Datasette's next-page condition is an OR over starts_at_utc and
    id, which the starts_at_utc index served only by sorting every later talk (3.4 s on
    1 M talks; issue #11). It replaces that index, whose lookups it also serves."""
    db.execute("CREATE INDEX idx_talks_newest_first ON talks (starts_at_utc DESC, id)")
    db.execute("DROP INDEX IF EXISTS idx_talks_starts_at_utc")


def derived_inputs(db: sqlite_utils.Database) -> dict[str, list[Any]]:
    """What the whole-archive pass needs: tracks, talks as (id, title, abstract) and every
    name on a talk or track with its context.

    A talk name's track and year come from the one scan of `talks` that reads the titles
    and abstracts, rather than a join that looks each talk and event up again; rows come
    in talk_people's order, as the join gave them, and a name whose talk or event is
    missing is left out, as the join left it out."""
    tracks = _dicts(db.execute(
        "SELECT tracks.id, tracks.event_id, tracks.title, events.conference, events.year "
        "FROM tracks JOIN events ON events.id = tracks.event_id"))
    year_of = dict(db.execute("SELECT id, year FROM events").fetchall())
    talks, context = [], {}
    for talk_id, event_id, track_id, title, abstract in db.execute(
            "SELECT id, event_id, track_id, title, abstract FROM talks"):
        talks.append((talk_id, title, abstract))
        if talk_id is not None and event_id in year_of:
            context[talk_id] = (track_id, year_of[event_id])
    appearances = [{"name": name, "owner": talk_id, "talk_id": talk_id, "track_id": context[talk_id][0],
                    "affiliation": affiliation, "year": context[talk_id][1]}
                   for name, talk_id, affiliation in db.execute(
                       "SELECT name_as_published, talk_id, affiliation FROM talk_people ORDER BY rowid")
                   if talk_id in context]
    appearances += _dicts(db.execute(
        "SELECT kp.name_as_published AS name, kp.track_id AS owner, NULL AS talk_id, kp.track_id, "
        "kp.affiliation, events.year FROM track_people kp JOIN tracks ON tracks.id = kp.track_id "
        "JOIN events ON events.id = tracks.event_id"))
    return {"tracks": tracks, "talks": talks, "appearances": appearances}


def _dicts(cursor) -> list[dict[str, Any]]:
    """Rows as dicts, faster than sqlite-utils' query() for tens of thousands of rows."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def save_derived(db: sqlite_utils.Database, series: list[dict[str, Any]], track_series: dict[str, str],
                 suggestions: list[dict[str, Any]], topics: list[dict[str, Any]],
                 talk_topics: list[dict[str, Any]], people: list[dict[str, Any]], person_of: dict[str, str],
                 decisions: list[dict[str, Any]], raw_person_id) -> None:
    """Write the pass's results in one transaction. `person_of` maps a raw person id (the
    id merge gives a published name, `raw_person_id(name)`) to the archive person; rows a
    new scrape inserted under raw ids are moved to their person, so the pass is
    idempotent and survives rescrapes. Only rows that change are written."""
    with db.atomic():
        _save_series(db, series, track_series, suggestions)
        keep = {t["id"] for t in topics}
        db.conn.executemany("DELETE FROM talk_topics WHERE topic = ?",
                            [(tid,) for (tid,) in db.execute("SELECT id FROM topics ORDER BY rowid") if tid not in keep])
        _replace_table(db, "topics", topics, ("id",))
        _replace_table(db, "talk_topics", talk_topics, ("talk_id", "topic"))
        _save_people(db, people, person_of, raw_person_id)
        _replace_table(db, "identity_decisions", [{"id": n, **row} for n, row in enumerate(decisions, 1)], ("id",))


def _replace_table(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]], pk: tuple[str, ...]) -> None:
    """Make `table` hold exactly `rows`, touching only the rows that differ."""
    columns = list(db[table].columns_dict)
    at = [columns.index(c) for c in pk]
    old = {tuple(row[i] for i in at): tuple(row) for row in db.execute(
        f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}]")}
    new = {tuple(map(r.__getitem__, pk)): tuple(map(r.get, columns)) for r in rows}
    gone = [k for k in old if k not in new]
    where = " AND ".join(f"[{c}] = ?" for c in pk)
    db.conn.executemany(f"DELETE FROM [{table}] WHERE {where}", gone)
    changed = [v for k, v in new.items() if old.get(k) != v]
    db.conn.executemany(f"INSERT OR REPLACE INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
                        f"VALUES ({', '.join('?' for _ in columns)})", changed)


def _save_series(db, series, track_series, suggestions) -> None:
    _upsert_rows(db, "series", series)
    current = dict(db.execute("SELECT id, series_id FROM tracks"))
    db.conn.executemany("UPDATE tracks SET series_id = ? WHERE id = ?",
                        [(sid, tid) for tid, sid in track_series.items() if current.get(tid, sid) != sid])
    keep = {s["id"] for s in series}
    stale = [(sid,) for (sid,) in db.execute("SELECT id FROM series") if sid not in keep]
    db.conn.executemany("UPDATE tracks SET series_id = NULL WHERE series_id = ?", stale)
    _replace_table(db, "series_suggestions", suggestions, ("series_id", "track_id"))
    db.conn.executemany("DELETE FROM series WHERE id = ?", stale)


def _upsert_rows(db, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert or update `rows` (dicts with the same keys, "id" among them), writing only
    those that differ from the stored row: stored and new rows compared as tuples."""
    if not rows:
        return
    columns = list(rows[0])
    at = columns.index("id")
    names = ", ".join(f"[{c}]" for c in columns)
    stored = {row[at]: row for row in db.execute(f"SELECT {names} FROM [{table}]")}
    changed = [values for values in (tuple(map(r.__getitem__, columns)) for r in rows) if stored.get(values[at]) != values]
    db.conn.executemany(
        f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'[{c}] = excluded.[{c}]' for c in columns if c != 'id')}",
        changed)


def _save_people(db, people, person_of, raw_person_id) -> None:
    _upsert_rows(db, "people", people)
    for table, key in (("talk_people", ("talk_id", "role")), ("track_people", ("track_id", "role"))):
        moves = []
        for rowid, current, name in db.execute(f"SELECT rowid, person_id, name_as_published FROM [{table}]"):
            target = person_of.get(raw_person_id(name))
            if target and target != current:
                moves.append((target, rowid))
        db.conn.executemany(f"UPDATE OR IGNORE [{table}] SET person_id = ? WHERE rowid = ?", moves)
        # A move that collided (one person twice on a talk in one role, after an
        # aliases.yml merge) leaves a row behind under its old id: it is a duplicate.
        db.conn.executemany(f"DELETE FROM [{table}] WHERE rowid = ? AND person_id != ?",
                            [(rowid, target) for target, rowid in moves])
    moves = []
    for current, name in db.execute("SELECT person_id, name FROM person_names"):
        target = person_of.get(raw_person_id(name), current)
        if target != current:
            moves.append((target, current, name))
    db.conn.executemany("UPDATE OR IGNORE person_names SET person_id = ? WHERE person_id = ? AND name = ?", moves)
    db.conn.executemany("DELETE FROM person_names WHERE person_id = ? AND name = ?",
                        [(old, name) for _, old, name in moves])
    # A raw id merged into another person goes when no name row uses it any more: a
    # look-up per such id, not a scan of every name row.
    db.conn.executemany(
        "DELETE FROM people WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM talk_people WHERE person_id = ?1) "
        "AND NOT EXISTS (SELECT 1 FROM track_people WHERE person_id = ?1) "
        "AND NOT EXISTS (SELECT 1 FROM person_names WHERE person_id = ?1)",
        [(raw,) for raw, pid in person_of.items() if raw != pid])
