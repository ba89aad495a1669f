"""People across events and sites: one row per human, conservative merges, aliases.yml.

Checked on the default archive (every bundled real page: LPC 2020/2022/2023, FOSDEM
2007-2026), so the names are the ones real programmes publish.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, ROOT, source_url
from derived_archive import copy_of, default_archive
from scraper import derived, pipeline, store
from scraper.normalize.identity import (
    AliasesConfigError,
    display_name,
    name_rule,
    parse_aliases,
    parse_name,
)

# Published spellings that are one person each (all in the bundled data).
SAME_PERSON = [
    ["Aleksandr Mikhalitsyn", "Alexander Mikhalitsyn"],  # LPC 2020/2022 vs LPC 2023, FOSDEM 2024-2026
    ["Andrei Vagin", "Andrey Vagin", "Andrew Vagin"],  # LPC 2023 vs FOSDEM 2013 and 2015
    ["Stéphane Graber", "Stephane Graber"],  # LPC and FOSDEM to 2023 vs FOSDEM 2024-2026
    ["Adrian Schröter", "Adrian Schroeter"],  # umlaut spelled out
    ["Amirouche BOUBEKKI", "Amirouche Boubekki (amz3)"],  # case, nickname
    ["Paul Evans", "Paul 'LeoNerd' Evans"],
    ["Salve Nilsen", "Salve J. Nilsen", "Salve J Nilsen"],  # middle initial
    ["Wendy Van Dijk", "Wendy G.A. van Dijk"],
]

# Near misses from the real data, hand-checked as different people (by their talks,
# devrooms and employers): they must never be merged.
NEAR_MISSES = [
    ("Dries Buytaert", "Kris Buytaert"),  # brothers: Drupal vs MySQL/operations
    ("Stefan Schmidt", "Stephan Schmidt"),  # EFL/Enlightenment vs network monitoring
    ("Christian Simon", "Christophe Simon"),  # continuous profiling vs ROS 2 robotics
    ("Marc Hoffmann", "Martin Hoffmann"),  # Java vs DNS (Rust)
    ("Marc Hoffmann", "Marcus Hoffmann"),
    ("Daniel Wagner", "David Wagner"),  # automotive vs Openmoko
    ("Jon Evans", "Ron Evans"),  # KiCad vs Go on microcontrollers
    ("Jon Evans", "John Evans"),  # KiCad vs Matrix
    ("Andrés Taylor", "Andrew Taylor"),  # Neo4j Cypher vs PHP
    ("Marco van Dijk", "Marit van Dijk"),  # open media vs OpenJDK
    ("Clemens Lang", "Clemens Lange"),  # post-quantum cryptography vs LHC open data
    ("Richard Bown", "Richard Brown"),  # Rosegarden vs openSUSE
    ("Thomas Bremer", "Thomas Breuer"),  # geospatial vs HPC benchmarking
    ("Jérôme Martin", "Jérôme Martinez"),  # Racket vs MediaArea
    ("Michael Schwartz", "Michael Schwarz"),  # identity management vs security research
    ("Stephen Kelly", "Steve Kelly"),  # CMake tools vs software radio
    ("Michal Koutný", "Michal Kohútek"),  # two Michals: cgroups at LPC vs Ubuntu/Matrix
    ("Michal Hrušecký", "Michal Rostecki"),
    ("Pavel Kruglov", "Pavel Kruhlei"),  # two Pavels: ClickHouse vs Cypress.io tests
    ("Pavel Borisov", "Pavel Kosov"),  # PostgreSQL vs LLVM
    ("Pavel Tikhomirov", "Pavel Emelyanov"),  # same project (CRIU), same lineage: two people
    ("Andrei Vagin", "Andrei Gherzan"),
]


def _person_of(db, name: str) -> str:
    rows = {r["person_id"] for r in db.query(
        "SELECT person_id FROM talk_people WHERE name_as_published = ? "
        "UNION SELECT person_id FROM person_names WHERE name = ?", [name, name])}
    assert len(rows) == 1, (name, rows)
    return rows.pop()


@pytest.fixture(scope="module")
def db():
    return store.open_db(default_archive())


@pytest.mark.parametrize("names", SAME_PERSON, ids=lambda names: names[0])
def test_spelling_variants_resolve_to_one_person(db, names):
    people = {_person_of(db, name) for name in names}
    assert len(people) == 1, people
    spellings = {r["name"] for r in db.query("SELECT name FROM person_names WHERE person_id = ?", [people.pop()])}
    assert set(names) <= spellings


def test_vagin_and_mikhalitsyn_span_lpc_and_fosdem(db):
    for name in ("Andrei Vagin", "Aleksandr Mikhalitsyn"):
        events = {r["event_id"] for r in db.query(
            "SELECT DISTINCT talks.event_id FROM talk_people JOIN talks ON talks.id = talk_people.talk_id "
            "WHERE person_id = ?", [_person_of(db, name)])}
        assert {e.split("-")[0] for e in events} == {"lpc", "fosdem"}, events


@pytest.mark.parametrize("pair", NEAR_MISSES, ids=lambda pair: " / ".join(pair))
def test_near_misses_stay_apart(db, pair):
    assert _person_of(db, pair[0]) != _person_of(db, pair[1])


def test_every_published_spelling_is_a_name_of_its_person(db):
    missing = list(db.query(
        "SELECT tp.person_id, tp.name_as_published FROM talk_people tp WHERE NOT EXISTS "
        "(SELECT 1 FROM person_names pn WHERE pn.person_id = tp.person_id AND pn.name = tp.name_as_published)"))
    assert missing == []
    assert list(db.query("PRAGMA foreign_key_check")) == []
    orphans = list(db.query("SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM talk_people) "
                            "AND id NOT IN (SELECT person_id FROM track_people)"))
    assert orphans == []


def test_display_names_carry_no_honorific(db):
    assert db.execute("SELECT name FROM people WHERE id = ?", [_person_of(db, "Muhammad Usama Anjum")]).fetchone()[0] \
        == "Muhammad Usama Anjum"  # published with "Mr" in talk_people.honorific
    names = {r["name"] for r in db.query("SELECT name FROM people")}
    assert "Jure Zakotnik" in names and "Dr. Jure Zakotnik" not in names  # FOSDEM prints "Dr." in the name
    assert "Donnie Berkholz" in names and "Donnie Berkholz, Ph.D." not in names


def test_decisions_are_reviewable(db):
    rows = list(db.query("SELECT * FROM identity_decisions WHERE name = 'Andrei Vagin' AND other_name = 'Andrey Vagin'"))
    assert len(rows) == 1
    row = rows[0]
    assert row["decision"] == "merged" and row["rule"] == "first-name variant"
    assert 0 < row["score"] <= 1 and row["points"] >= 2 and "lineage: containers" in row["evidence"]
    apart = list(db.query("SELECT * FROM identity_decisions WHERE decision = 'apart' AND name = 'Stefan Schmidt'"))
    assert apart and "not enough evidence" in apart[0]["evidence"]


def _snapshot(db) -> dict:
    return {
        "people": sorted(tuple(r.values()) for r in db.query("SELECT * FROM people")),
        "person_names": sorted(tuple(r.values()) for r in db.query("SELECT * FROM person_names")),
        "talk_people": sorted(tuple(r.values()) for r in db.query("SELECT * FROM talk_people")),
        "decisions": sorted(tuple(v for k, v in r.items() if k != "id")
                            for r in db.query("SELECT * FROM identity_decisions")),
        "talk_topics": sorted(tuple(r.values()) for r in db.query("SELECT * FROM talk_topics")),
        "tracks": sorted(tuple(r.values()) for r in db.query("SELECT id, series_id FROM tracks")),
    }


def test_pass_is_idempotent_and_survives_a_rescrape(tmp_path):
    db = store.open_db(copy_of(tmp_path / "archive.db"))
    before = _snapshot(db)
    assert derived.update_archive(db) == []
    assert _snapshot(db) == before
    # A rescrape inserts its people under the ids merge gives their names ("andrei-vagin"):
    # the pass maps them to the archive's people again.
    page = FIXTURES / "indico-html" / "3.3.14" / "session__e17_s162.html"
    report = pipeline.scrape(db, [str(page)], url=source_url(page), follow=False, event_id="lpc-2023")
    assert report.ok, report.errors
    assert _snapshot(db)["people"] == before["people"]
    assert _person_of(db, "Andrei Vagin") == _person_of(db, "Andrey Vagin")


def _config_dir(tmp_path, aliases: str):
    for name in ("series.yml", "topics.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "aliases.yml").write_text(aliases, encoding="utf-8")
    return tmp_path


def test_aliases_win_both_ways_and_survive_rescrapes(tmp_path, monkeypatch):
    db = store.open_db(copy_of(tmp_path / "archive.db"))
    config = _config_dir(tmp_path, """
merge:
  - names: [Stefan Schmidt, Stephan Schmidt]
    name: Stefan Schmidt
never:
  - [Andrei Vagin, Andrey Vagin]
""")
    monkeypatch.setenv(derived.CONFIG_DIR_ENV, str(config))
    assert derived.update_archive(db) == []
    assert _person_of(db, "Stefan Schmidt") == _person_of(db, "Stephan Schmidt")
    assert _person_of(db, "Andrei Vagin") != _person_of(db, "Andrey Vagin")
    decisions = {(r["rule"], r["decision"]) for r in db.query(
        "SELECT * FROM identity_decisions WHERE evidence LIKE '%aliases.yml%'")}
    assert {("aliases.yml", "merged"), ("aliases.yml", "apart")} <= decisions
    # A rescrape brings "Andrei Vagin" back under its raw id; the user's decision holds.
    page = FIXTURES / "indico-html" / "3.3.14" / "session__e17_s162.html"
    assert pipeline.scrape(db, [str(page)], url=source_url(page), follow=False, event_id="lpc-2023").ok
    assert _person_of(db, "Andrei Vagin") != _person_of(db, "Andrey Vagin")
    assert _person_of(db, "Stefan Schmidt") == _person_of(db, "Stephan Schmidt")
    # Without the entries, the automatic decisions come back.
    monkeypatch.delenv(derived.CONFIG_DIR_ENV)
    assert derived.update_archive(db) == []
    assert _person_of(db, "Andrei Vagin") == _person_of(db, "Andrey Vagin")
    assert _person_of(db, "Stefan Schmidt") != _person_of(db, "Stephan Schmidt")


def test_broken_aliases_file_is_one_line_and_leaves_the_archive_alone(tmp_path):
    db = store.open_db(copy_of(tmp_path / "archive.db"))
    before = _snapshot(db)
    config = _config_dir(tmp_path, "merge: [[Only One Name]]\n")
    problems = derived.update_archive(db, config)
    assert len(problems) == 1 and "aliases.yml" in problems[0] and "\n" not in problems[0]
    assert _snapshot(db) == before
    (tmp_path / "aliases.yml").write_text("merge: [\n", encoding="utf-8")
    assert "not valid YAML" in derived.update_archive(db, config)[0]


def test_aliases_that_contradict_themselves_are_refused():
    with pytest.raises(AliasesConfigError):
        parse_aliases({"merge": [["A B", "C D"]], "never": [["C D", "A B"]]})
    with pytest.raises(AliasesConfigError):
        parse_aliases({"merge": "A B"})


@pytest.mark.parametrize("published, first, last", [
    ("Graber, Stéphane", "stephane", "graber"),  # "Last, First"
    ("  Stéphane   Graber ", "stephane", "graber"),  # extra whitespace
    ("Dr. Jure Zakotnik", "jure", "zakotnik"),  # honorific in the name field
    ("Donnie Berkholz, Ph.D.", "donnie", "berkholz"),
    ("Caleb Connolly (they/them)", "caleb", "connolly"),
    ("Serge « sans paille » Guelton", "serge", "guelton"),
    ("Michał @Saviq Sawicz", "michal", "sawicz"),
    ("Hein-Pieter van Braam", "heinpieter", "vanbraam"),
    ("Mark O'Brien", "mark", "obrien"),  # an apostrophe is not a nickname
])
def test_parse_name(published, first, last):
    name = parse_name(published)
    assert first in name.first and last in name.last


def test_two_people_in_one_name_field_are_not_parsed():
    assert parse_name("Jean-Michel Friedt, Thomas Lavarenne") is None  # FOSDEM 2016
    assert parse_name("SawyerX") is None  # a handle


@pytest.mark.parametrize("a, b, rule", [
    ("Stéphane Graber", "Stephane Graber", "same name"),
    ("Adrian Schröter", "Adrian Schroeter", "same name"),
    ("Salve Nilsen", "Salve J. Nilsen", "middle name"),
    ("Philipp K. Krause", "Philipp Klaus Krause", "middle name"),
    ("S. Graber", "Stéphane Graber", "initial"),
    ("Aleksandr Mikhalitsyn", "Alexander Mikhalitsyn", "first-name variant"),
    ("Andrei Vagin", "Andrew Vagin", "first-name variant"),
    ("Vlad Fedorkov", "Vladimir Fedorkov", "first-name variant"),
    ("Oved Ourfali", "Oved Ourfalli", "surname variant"),
    ("Philipp K. Krause", "Philipp J. Krause", None),  # conflicting middle initials
    ("Dries Buytaert", "Kris Buytaert", None),
    ("Pavel Tikhomirov", "Pavel Emelyanov", None),
])
def test_name_rules(a, b, rule):
    assert name_rule(parse_name(a), parse_name(b)) == rule


def test_display_name():
    assert display_name("Dr. Jure Zakotnik") == "Jure Zakotnik"
    assert display_name("Candace Makeda Moore, MD") == "Candace Makeda Moore"
    assert display_name("Dr Who") == "Dr Who"  # too short to be a title and a name
