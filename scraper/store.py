"""The only module that writes SQLite: schema migrations, raw pages, archive rows, runs.

Writes are idempotent upserts keyed on the stable ids from normalize.ids. A value that a
new scrape lacks (None) never overwrites one an earlier scrape stored, so a poorer page
cannot erase a richer one; each batch of writes is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
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


INDEXES = {
    "tracks": [["event_id"]],
    "talks": [["event_id"], ["track_id"], ["starts_at_utc"]],
    "talk_people": [["person_id"]],
    "track_people": [["person_id"]],
    "links": [["talk_id"], ["track_id"]],
}

# Upsert where a NULL in the new row keeps the stored value (see the module docstring).
UPSERT_KEEP_SQL = (
    "INSERT INTO [{table}] ({columns}) VALUES ({placeholders}) "
    "ON CONFLICT({pk}) DO UPDATE SET {updates}"
)

TABLE_KEYS = {
    "events": ("id",),
    "tracks": ("id",),
    "talks": ("id",),
    "people": ("id",),
    "person_names": ("person_id", "name"),
    "provenance": ("table_name", "row_id", "column_name"),
}


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate an archive database."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    migrations.apply(db)
    return db


def _upsert_keep(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    pk = TABLE_KEYS[table]
    columns = list(rows[0].keys())
    sql = UPSERT_KEEP_SQL.format(
        table=table,
        columns=", ".join(f"[{c}]" for c in columns),
        placeholders=", ".join("?" for _ in columns),
        pk=", ".join(f"[{c}]" for c in pk),
        updates=", ".join(f"[{c}] = coalesce(excluded.[{c}], [{c}])" for c in columns if c not in pk)
        or f"[{pk[0]}] = excluded.[{pk[0]}]",
    )
    db.conn.executemany(sql, [tuple(row.get(c) for c in columns) for row in rows])


def link_id(row: dict[str, Any]) -> str:
    owner = row.get("talk_id") or row.get("track_id") or ""
    return hashlib.sha1(f"{owner}\n{row['url']}".encode()).hexdigest()[:16]


def save_rows(db: sqlite_utils.Database, rows: Rows, fetched_at: dict[str, str] | None = None) -> None:
    """Upsert one merged batch in a single transaction.

    A talk's (or track's) people and links are replaced only when the new batch has
    some for it: a page that lists none leaves the stored ones alone.
    """
    fetched_at = fetched_at or {}
    with db.atomic():
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
        provenance = [dict(r, fetched_at=fetched_at.get(r["url"])) for r in rows.provenance]
        _upsert_keep(db, "provenance", provenance)


def _replace_children(db: sqlite_utils.Database, table: str, parent: str,
                      rows: list[dict[str, Any]]) -> None:
    parents = sorted({row[parent] for row in rows})
    for parent_id in parents:
        db.conn.execute(f"DELETE FROM [{table}] WHERE [{parent}] = ?", (parent_id,))
    if rows:
        db[table].insert_all(rows, replace=True)


def save_page(db: sqlite_utils.Database, page: dict[str, Any]) -> None:
    """Keep a fetched body so the archive can be re-parsed without the network."""
    body = page.get("body")
    row = dict(page, sha256=hashlib.sha256(body).hexdigest() if body is not None else None)
    with db.atomic():
        db["pages"].upsert(row, pk="url")


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


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, pages_fetched: int,
               errors: list[str]) -> None:
    with db.atomic():
        db["scrape_runs"].update(run_id, {"finished_at": now_utc(), "status": status,
                                          "pages_fetched": pages_fetched,
                                          "errors": json.dumps(errors, ensure_ascii=False)})
