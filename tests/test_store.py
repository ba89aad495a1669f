"""store: migrations, NULL-keeping upserts, replacing a talk's people, atomic batches."""

from __future__ import annotations

import sqlite3

import pytest

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
