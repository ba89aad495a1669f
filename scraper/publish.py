"""Idempotent publishing step: full-text search and the views Datasette shows.

Run after every write; cheap when everything already exists. The views spare a reader
the joins: each answers one question a newcomer asks (what was said, by whom, for whom,
in which microconference or devroom, in which year) without knowing the schema.
"""

from __future__ import annotations

import sqlite_utils

# Searched by Datasette's table pages (?_search=) and by the one search box across
# tables (datasette-search-all), which lists every table that has FTS.
FTS_CONFIG = {
    "talks": ["title", "abstract"],
    "people": ["name"],
    "tracks": ["title"],
}

# Speakers of a talk in published order, with their affiliation as printed on that talk.
_SPEAKERS = """(SELECT group_concat(speaker, '; ') FROM (
     SELECT tp.name_as_published
            || CASE WHEN tp.affiliation IS NOT NULL THEN ' (' || tp.affiliation || ')' ELSE '' END
            AS speaker
     FROM talk_people tp
     WHERE tp.talk_id = talks.id AND tp.role = 'speaker'
     ORDER BY tp.position))"""

VIEWS = {
    # One row per talk with what a reader wants first; speakers in published order.
    # talk_rowid joins talks_fts, so the view's page can search (fts_pk in metadata.yml).
    "talk_overview": f"""
SELECT
  talks.id AS talk_id,
  events.title AS event,
  events.year AS year,
  tracks.title AS track,
  tracks.kind AS track_kind,
  talks.title AS title,
  {_SPEAKERS} AS speakers,
  talks.starts_at AS starts_at,
  talks.duration_minutes AS duration_minutes,
  talks.room AS room,
  talks.url AS url,
  talks.rowid AS talk_rowid
FROM talks
JOIN events ON events.id = talks.event_id
LEFT JOIN tracks ON tracks.id = talks.track_id
""",
    # One row per person and talk: a person's history across events, with the
    # affiliation they gave that year.
    "speaker_history": """
SELECT
  people.name AS person,
  people.id AS person_id,
  events.year AS year,
  events.conference AS conference,
  events.title AS event,
  tracks.title AS track,
  talks.title AS talk,
  talk_people.role AS role,
  talk_people.name_as_published AS name_as_published,
  talk_people.affiliation AS affiliation,
  talks.id AS talk_id,
  talks.url AS url
FROM talk_people
JOIN people ON people.id = talk_people.person_id
JOIN talks ON talks.id = talk_people.talk_id
JOIN events ON events.id = talks.event_id
LEFT JOIN tracks ON tracks.id = talks.track_id
""",
    # Each affiliation a person gave, with the years it was given in; people who
    # changed employer have several rows. Spellings that differ only in case or
    # surrounding space are one affiliation.
    "person_affiliations": """
SELECT
  people.name AS person,
  people.id AS person_id,
  min(talk_people.affiliation) AS affiliation,
  min(events.year) AS first_year,
  max(events.year) AS last_year,
  count(DISTINCT talk_people.talk_id) AS talks
FROM talk_people
JOIN people ON people.id = talk_people.person_id
JOIN talks ON talks.id = talk_people.talk_id
JOIN events ON events.id = talks.event_id
WHERE talk_people.affiliation IS NOT NULL AND trim(talk_people.affiliation) != ''
GROUP BY people.id, lower(trim(talk_people.affiliation))
""",
    # One row per track (microconference, devroom) and year with its size: the
    # programme of a track across years at a glance (facet by series_id for its lineage).
    "track_overview": """
SELECT
  tracks.id AS track_id,
  tracks.title AS track,
  tracks.kind AS kind,
  events.conference AS conference,
  events.year AS year,
  events.title AS event,
  (SELECT count(*) FROM talks WHERE talks.track_id = tracks.id) AS talks,
  (SELECT count(DISTINCT tp.person_id) FROM talk_people tp JOIN talks ON talks.id = tp.talk_id
     WHERE talks.track_id = tracks.id AND tp.role = 'speaker') AS speakers,
  tracks.series_id AS series_id,
  tracks.room AS room,
  tracks.url AS url
FROM tracks
JOIN events ON events.id = tracks.event_id
""",
}

# Views over tables that only some archives have (the topics pass, issue #8): created
# when every table they read exists, so an archive without them still publishes.
OPTIONAL_VIEWS = {
    # Talks per topic, conference and year: the curve of a topic over the years.
    "topic_years": (("talk_topics", "topics"), """
SELECT
  topics.id AS topic_id,
  topics.title AS topic,
  events.conference AS conference,
  events.year AS year,
  count(*) AS talks
FROM talk_topics
JOIN topics ON topics.id = talk_topics.topic
JOIN talks ON talks.id = talk_topics.talk_id
JOIN events ON events.id = talks.event_id
GROUP BY topics.id, events.conference, events.year
"""),
}

# Facets of an unfiltered page that are read from facet_counts (store.COUNTED_COLUMNS,
# kept exact by triggers) rather than by grouping every row: (table or view, column) →
# SQL giving (value, count) for every value, as Datasette's GROUP BY over the whole table
# or view would. talk_overview has one row per talk, with its event (every talk has one)
# and its track's title and kind (NULL when the track is missing, and NULLs are not
# facet values). plugins/mcarchive_facets.py uses them; tests/test_publish.py checks each
# against the GROUP BY.
_TALK_COUNTS = "SELECT value, count FROM facet_counts WHERE table_name = 'talks' AND column_name = '{}'"


def _talk_counts_by(table: str, column: str, key: str) -> str:
    """Talk counts of `key` summed per value of the row of `table` it points to."""
    return (f"SELECT [{table}].[{column}] AS value, sum(counts.count) AS count "
            f"FROM ({_TALK_COUNTS.format(key)}) AS counts JOIN [{table}] ON [{table}].id = counts.value "
            f"GROUP BY [{table}].[{column}]")


PRECOUNTED_FACETS = {
    ("talks", "event_id"): _TALK_COUNTS.format("event_id"),
    ("talks", "track_id"): _TALK_COUNTS.format("track_id"),
    ("talks", "room"): _TALK_COUNTS.format("room"),
    ("talk_overview", "year"): _talk_counts_by("events", "year", "event_id"),
    ("talk_overview", "event"): _talk_counts_by("events", "title", "event_id"),
    ("talk_overview", "track"): _talk_counts_by("tracks", "title", "track_id"),
    ("talk_overview", "track_kind"): _talk_counts_by("tracks", "kind", "track_id"),
    ("talk_overview", "room"): _TALK_COUNTS.format("room"),
}


def search_index_missing(db: sqlite_utils.Database) -> bool:
    """True when ensure_published has search tables to build and fill (a new archive),
    the one part of it that takes time."""
    return any(not db[table].detect_fts() for table in FTS_CONFIG)


def ensure_published(db: sqlite_utils.Database) -> None:
    """Create FTS tables (kept in sync by triggers) and (re)create the views."""
    for table, columns in FTS_CONFIG.items():
        if not db[table].detect_fts():
            db[table].enable_fts(columns, create_triggers=True, tokenize="porter")
    tables = set(db.table_names())
    views = dict(VIEWS)
    for name, (needs, sql) in OPTIONAL_VIEWS.items():
        if tables.issuperset(needs):
            views[name] = sql
        elif name in db.view_names():
            db[name].drop()
    for name, sql in views.items():
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


def schema_descriptions(text: str) -> dict[str, str]:
    """docs/schema.md → {table or view: its one-line description}, the line under its
    heading; metadata.yml's descriptions start with it."""
    described: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif current is not None and line.strip() and not line.startswith("- `"):
            described.setdefault(current, line.strip())
            current = None
    return described
