"""store: migrations, NULL-keeping upserts, replacing a talk's people, atomic batches."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import store
from scraper.normalize.merge import merge
from scraper.records import EventInfo, PersonRef, Programme, TalkInfo, TrackInfo


def _programme(abstract=None, people=("Ada Lovelace",), title="A talk", room=None):
    return Programme(
        format="test", page_kind="test", url="https://conf.example/event/1/contributions/7/",
        event=EventInfo(source_key="https://conf.example/event/1/", title="Example Conf 2024",
                        timezone="Europe/Brussels", start_date="2024-02-03"),
        tracks=[TrackInfo(title="Kernel MC")],
        talks=[TalkInfo(source_id="7", title=title, track_title="Kernel MC", abstract=abstract,
                        start="2024-02-03T10:00:00", duration_minutes=20, room=room,
                        people=[PersonRef(name=n, role="speaker") for n in people])],
    )


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "a.db"
    store.open_db(path).close()
    db = store.open_db(path)
    assert {"events", "tracks", "talks", "people", "person_names", "talk_people", "track_people",
            "links", "provenance", "pages", "scrape_runs"} <= set(db.table_names())
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_null_never_overwrites_a_stored_value(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    store.save_rows(db, merge([_programme(abstract="<p>Full text</p>", room="K.1.105")]))
    store.save_rows(db, merge([_programme(abstract=None, room=None, title="A renamed talk")]))
    talk = db["talks"].get("ec-2024/7")
    assert talk["abstract"] == "Full text"
    assert talk["room"] == "K.1.105"
    assert talk["title"] == "A renamed talk"
    assert talk["starts_at"] == "2024-02-03T10:00:00+01:00"


def test_people_list_replaced_only_by_a_non_empty_one(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    store.save_rows(db, merge([_programme(people=("Ada Lovelace", "Alan Turing"))]))
    store.save_rows(db, merge([_programme(people=())]))
    assert db["talk_people"].count == 2
    store.save_rows(db, merge([_programme(people=("Grace Hopper",))]))
    assert [r["person_id"] for r in db["talk_people"].rows] == ["grace-hopper"]


def test_a_failing_batch_writes_nothing(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    rows = merge([_programme()])
    # A person who is not in `people`: the foreign key fails the last insert of the batch.
    rows.talk_people.append(dict(rows.talk_people[0], person_id="no-such-person"))
    with pytest.raises(sqlite3.IntegrityError):
        store.save_rows(db, rows)
    assert db["talks"].count == 0 and db["events"].count == 0


def test_known_event_ids_keep_ids_stable(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    rows = merge([_programme()], {"https://conf.example/event/1/": "example-2024"})
    store.save_rows(db, rows)
    assert store.known_event_ids(db) == {"https://conf.example/event/1/": "example-2024"}
    assert db["talks"].get("example-2024/7")


def _live_counts(db) -> dict[tuple[str, str], int]:
    return {(column, value): n for column in store.COUNTED_COLUMNS["talks"]
            for value, n in db.execute(f"SELECT [{column}], count(*) FROM talks WHERE [{column}] IS NOT NULL "
                                       f"GROUP BY [{column}]")}


def _kept_counts(db) -> dict[tuple[str, str], int]:
    return {(column, value): n for column, value, n in db.execute(
        "SELECT column_name, value, count FROM facet_counts WHERE table_name = 'talks'")}


_VALUES = st.sampled_from([None, "a", "b", "c"])
_TALK_CHANGES = st.lists(st.tuples(
    st.sampled_from(["insert", "update", "update all", "delete", "replace", "upsert", "rollback"]),
    st.integers(0, 5), st.sampled_from(["e1", "e2"]), _VALUES, _VALUES), max_size=40)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(changes=_TALK_CHANGES)
def test_facet_counts_stay_exact_through_any_writes(tmp_path_factory, changes):
    """facet_counts equals a GROUP BY of talks after any inserts, updates (of a counted
    column or not), deletes, REPLACEs, upserts and rolled-back transactions."""
    db = store.open_db(tmp_path_factory.mktemp("counts") / "a.db")
    db.conn.execute("PRAGMA foreign_keys = OFF")  # talks only: the triggers, not the references
    for op, n, event, track, room in changes:
        talk = f"t{n}"
        if op == "insert":
            db.execute("INSERT OR IGNORE INTO talks (id, event_id, track_id, room) VALUES (?, ?, ?, ?)",
                       (talk, event, track, room))
        elif op == "update":
            db.execute("UPDATE talks SET room = ?, title = 'x' WHERE id = ?", (room, talk))
        elif op == "update all":
            db.execute("UPDATE talks SET event_id = ?, track_id = ?", (event, track))
        elif op == "delete":
            db.execute("DELETE FROM talks WHERE id = ?", (talk,))
        elif op == "replace":  # REPLACE deletes the old row: its delete trigger fires too
            db.execute("REPLACE INTO talks (id, event_id, track_id, room) VALUES (?, ?, ?, ?)", (talk, event, track, room))
        elif op == "upsert":
            db.execute("INSERT INTO talks (id, event_id, track_id, room) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE "
                       "SET track_id = excluded.track_id, room = excluded.room", (talk, event, track, room))
        else:
            with pytest.raises(ZeroDivisionError), db.atomic():
                db.execute("UPDATE talks SET room = ?", (room,))
                1 / 0
        assert _kept_counts(db) == _live_counts(db), (op, talk)
    assert all(n > 0 for n in _kept_counts(db).values())
    db.close()


def test_facet_counts_of_an_existing_archive(tmp_path):
    """An archive made before facet_counts gets them counted when it is next opened."""
    path = tmp_path / "a.db"
    db = store.open_db(path)
    store.save_rows(db, merge([_programme(room="K.1.105")]))
    db.execute("DROP TABLE facet_counts")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_facet_counts'")
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%facet_counts%'").fetchall():
        db.execute(f"DROP TRIGGER [{name}]")
    db.close()
    db = store.open_db(path)
    assert _kept_counts(db) == _live_counts(db) == {("event_id", "ec-2024"): 1, ("track_id", "ec-2024/kernel-mc"): 1,
                                                    ("room", "K.1.105"): 1}
