"""Idempotent publishing step: full-text search and the views Datasette shows.

Run after every write; cheap when everything already exists.
"""

from __future__ import annotations

import sqlite_utils

FTS_CONFIG = {
    "talks": ["title", "abstract"],
    "people": ["name"],
}

VIEWS = {
    # One row per talk with what a reader wants first; speakers in published order.
    "talk_overview": """
SELECT
  talks.id AS talk_id,
  events.title AS event,
  events.year AS year,
  tracks.title AS track,
  tracks.kind AS track_kind,
  talks.title AS title,
  (SELECT group_concat(speaker, '; ') FROM (
     SELECT tp.name_as_published
            || CASE WHEN tp.affiliation IS NOT NULL THEN ' (' || tp.affiliation || ')' ELSE '' END
            AS speaker
     FROM talk_people tp
     WHERE tp.talk_id = talks.id AND tp.role = 'speaker'
     ORDER BY tp.position)) AS speakers,
  talks.starts_at AS starts_at,
  talks.duration_minutes AS duration_minutes,
  talks.room AS room,
  talks.url AS url
FROM talks
JOIN events ON events.id = talks.event_id
LEFT JOIN tracks ON tracks.id = talks.track_id
""",
}


def ensure_published(db: sqlite_utils.Database) -> None:
    """Create FTS tables (kept in sync by triggers) and (re)create the views."""
    for table, columns in FTS_CONFIG.items():
        if not db[table].detect_fts():
            db[table].enable_fts(columns, create_triggers=True, tokenize="porter")
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


def schema_doc(text: str) -> dict[str, dict[str, str]]:
    """docs/schema.md → {table: {column: meaning}}; the meaning is the text before
    "Example:". metadata.yml's column descriptions are checked against this."""
    tables: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = tables.setdefault(line[3:].strip(), {})
        elif current is not None and line.startswith("- `"):
            column, _, rest = line[3:].partition("` — ")
            current[column] = rest.split(" Example:", 1)[0].strip()
    return tables
