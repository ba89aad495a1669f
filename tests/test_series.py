"""Series of microconferences and devrooms across years: automatic, series.yml, suggestions."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT
from derived_archive import default_archive
from scraper import store
from scraper.normalize.series import SeriesConfigError, assign_series, normalize_title, parse_config

CONFIG = yaml.safe_load((ROOT / "series.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db():
    return store.open_db(default_archive())


def _tracks(db) -> list[dict]:
    return store.derived_inputs(db)["tracks"]


def test_lpc_containers_mc_is_one_series_whatever_the_capitalisation(db):
    rows = list(db.query("SELECT tracks.title, events.year, tracks.series_id FROM tracks JOIN events "
                         "ON events.id = tracks.event_id WHERE tracks.title LIKE 'Containers and%MC'"))
    assert {r["year"] for r in rows} >= {2020, 2022, 2023}
    assert {r["title"] for r in rows} >= {"Containers and Checkpoint/Restore MC", "Containers and checkpoint/restore MC"}
    assert {r["series_id"] for r in rows} == {"lpc/containers-and-checkpoint-restore"}


def test_containers_lineage_links_lpc_and_the_fosdem_devroom_years(db):
    rows = list(db.query(
        "SELECT events.conference, events.year, tracks.title FROM tracks JOIN series ON series.id = tracks.series_id "
        "JOIN events ON events.id = tracks.event_id WHERE series.lineage = 'containers'"))
    fosdem = {r["year"]: r["title"] for r in rows if r["conference"] == "fosdem"}
    lpc = {r["year"] for r in rows if r["conference"] == "lpc"}
    assert lpc >= {2020, 2022, 2023}
    assert set(fosdem) >= {2008, *range(2011, 2027)}
    titles = {r["title"] for r in rows if r["conference"] == "fosdem"}
    assert titles >= {"Virtualization", "Containers and Process Isolation", "Linux Containers and Microservices",
                      "Containers", "Containers and Security", "Containers devroom"}
    # The virtualization devroom that split off in 2016 is a lineage of its own.
    assert db.execute("SELECT series_id FROM tracks WHERE id = 'fosdem-2017/virtualisation-and-iaas'").fetchone()[0] \
        == "fosdem/virtualization-and-iaas"


def test_every_track_has_a_series(db):
    assert db.execute("SELECT count(*) FROM tracks WHERE series_id IS NULL").fetchone()[0] == 0
    # Unconfigured devrooms join across years by title, ignoring "devroom" and spelling.
    assert normalize_title("Python devroom") == normalize_title("Python")
    assert normalize_title("Virtualisation and IaaS") == normalize_title("Virtualization & IaaS")


def test_a_rename_not_in_series_yml_is_suggested(db):
    specs = parse_config(CONFIG)
    fosdem = next(s for s in specs if s.id == "fosdem/containers")
    fosdem.titles.remove("Linux Containers and Microservices")  # as if 2017 were a new year
    speakers = {}
    for row in store.derived_inputs(db)["appearances"]:
        speakers.setdefault(row["track_id"], set()).add(row["name"])
    result = assign_series(_tracks(db), specs, speakers)
    assert result.track_series["fosdem-2017/linux-containers-and-microservices"] != "fosdem/containers"
    suggested = {(s["series_id"], s["track_id"]): s for s in result.suggestions}
    hit = suggested["fosdem/containers", "fosdem-2017/linux-containers-and-microservices"]
    assert hit["score"] >= 0.6 and "title like" in hit["reason"]
    # Nothing is suggested for years the series already has.
    assert not [s for s in result.suggestions if s["series_id"] == "fosdem/containers"
                and s["track_id"].startswith(("fosdem-2018/", "fosdem-2019/"))]


def test_configured_archive_has_no_open_suggestion_for_covered_years(db):
    rows = list(db.query("SELECT s.series_id, t.event_id FROM series_suggestions s JOIN tracks t ON t.id = s.track_id "
                         "WHERE EXISTS (SELECT 1 FROM tracks m WHERE m.series_id = s.series_id AND m.event_id = t.event_id)"))
    assert rows == []


@pytest.mark.parametrize("data, message", [
    ({"series": [{"id": "x"}]}, "needs an id and a conference"),
    ({"series": [{"id": "x", "conference": "lpc", "titles": "Containers"}]}, "list of strings"),
    ({"series": [{"id": "x", "conference": "lpc", "names": []}]}, "unknown key"),
    ({"series": [{"id": "x", "conference": "lpc"}, {"id": "x", "conference": "lpc"}]}, "twice"),
    (["not", "a", "mapping"], "expected a mapping"),
])
def test_config_errors_name_the_entry(data, message):
    with pytest.raises(SeriesConfigError, match=message):
        parse_config(data)
