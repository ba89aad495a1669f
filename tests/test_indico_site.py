"""End to end on loopback: whole Indico sites (3.3.14 and 3.2.9 renderings of the same LPC
events) served at the paths they came from, scraped from an event URL and from a session
URL, with the export API served or disabled. Whatever served it, the archive rows are
the same, and they match the fixture README's tables field by field."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from indico_site import serve_indico
from scraper import pipeline, store
from scraper.fetch import Fetcher, FetchPolicy

TABLES = ("events", "tracks", "talks", "people", "talk_people", "track_people", "links")

# The fixture README's tables (../shared/fixtures-indico/README.md): id, session, local start,
# minutes, title, speakers in published order (name, affiliation). Published order is
# Indico's display order: 836 lists Christian Brauner before Stéphane Graber.
MC = {"7": "Containers and Checkpoint/Restore MC", "16": "Containers and Checkpoint/Restore MC",
      "17": "Containers and checkpoint/restore MC"}
REFEREED = "LPC Refereed Track"
README = {
    "7": ("lpc-2020", "US/Pacific", "-07:00", "Microconference1/Virtual-Room", [
        ("90021", MC["7"], "2020-08-24T07:00", 40, "Remaining container runtime attacks after openat2",
         [("Aleksa Sarai", "SUSE LLC")]),
        ("642", MC["7"], "2020-08-24T07:45", 25,
         "FastFreeze: Unprivileged checkpoint/restore for containerized applications", [("Nicolas Viennot", "Two Sigma")]),
        ("90022", MC["7"], "2020-08-24T08:10", 30, "overlayfs and containers", [("Amir Goldstein", "CTERA Networks")]),
        ("643", MC["7"], "2020-08-24T08:40", 30, "Checkpoint-restoring containers with Docker inside",
         [("Alexander Mikhalitsyn", "Virtuozzo"), ("Pavel Tikhomirov", None)]),
        ("641", MC["7"], "2020-08-24T09:10", 20, "Fast checkpointing with criu-image-streamer",
         [("Nicolas Viennot", "Two Sigma")]),
        ("836", MC["7"], "2020-08-24T09:30", 30, "Isolated dynamic user namespaces",
         [("Christian Brauner", "Canonical Ltd."), ("Stéphane Graber", "Canonical Ltd.")]),
        ("90024", MC["7"], "2020-08-24T10:00", 30, "A capability model on top of pidfds",
         [("Christian Brauner", "Canonical Ltd.")]),
        ("90122", REFEREED, "2020-08-25T07:00", 45, "A placeholder refereed talk", [("Alex Example", "Example Corp")]),
    ]),
    "16": ("lpc-2022", "Europe/Dublin", "+01:00", '"Herbert"', [
        ("90011", MC["16"], "2022-09-14T10:00", 5, "Opening", [("Stéphane Graber", "Canonical Ltd.")]),
        ("90012", MC["16"], "2022-09-14T10:05", 25, "Tracer namespaces", [("Mathieu Desnoyers", "EfficiOS Inc.")]),
        ("1241", MC["16"], "2022-09-14T10:30", 30, "Restoring process trees with child-sub-reapers, nested "
         "pid-namespaces and inherit-only resources.", [("Pavel Tikhomirov", "Virtuozzo")]),
        ("90013", MC["16"], "2022-09-14T11:00", 30, "Safe procfs access for container runtimes",
         [("Aleksa Sarai", "SUSE LLC")]),
        ("1240", MC["16"], "2022-09-14T11:45", 25, "cgroup rstat's advanced adoption", [("Michal Koutný", None)]),
        ("90014", MC["16"], "2022-09-14T12:10", 25, "Unprivileged CRIU and faster JVM start-up", [("Younes Manton", None)]),
        ("90015", MC["16"], "2022-09-14T12:35", 25, "Virtual CPU IDs for shared memory across processes",
         [("Mathieu Desnoyers", "EfficiOS Inc.")]),
        ("1243", MC["16"], "2022-09-14T13:00", 25, "Bringing up FUSE mounts C/R support",
         [("Alexander Mikhalitsyn", "Virtuozzo")]),
        ("90016", MC["16"], "2022-09-14T13:25", 5, "Closing", [("Christian Brauner", None)]),
        ("1247", REFEREED, "2022-09-13T10:00", 45, "libgpiod V2: New Major Release with a Ton of New Features",
         [("Bartosz Golaszewski", "BayLibre")]),
        ("1278", REFEREED, "2022-09-13T10:45", 45,
         "All types of wireless in Linux are terrible and why the vendors should feel bad",
         [("Peter Robinson", "Red Hat")]),
    ]),
    "17": ("lpc-2023", "America/New_York", "-05:00", '"James River Salon B"', [
        ("90001", MC["17"], "2023-11-13T14:30", 5, "Opening", [("Stéphane Graber", "Zabbly")]),
        ("90002", MC["17"], "2023-11-13T14:35", 25, "Introducing PAGEMAP_SCAN IOCTL for Windows syscalls translation",
         [("Andrei Vagin", None), ("Muhammad Usama Anjum", "Collabora")]),
        ("1569", MC["17"], "2023-11-13T15:00", 30, "User namespaces with host-isolated UIDs/GIDs",
         [("Aleksandr Mikhalitsyn", None), ("Stéphane Graber", "Canonical Ltd.")]),
        ("90003", MC["17"], "2023-11-13T15:30", 30,
         "In Containers We Trust? Building Trust in Containerized Environments", [("Avery Blanchard", "Duke University")]),
        ("90004", MC["17"], "2023-11-13T16:30", 30, "Fuse mounts recovery and Checkpoint/Restore",
         [("Aleksandr Mikhalitsyn", None), ("Stéphane Graber", "Canonical Ltd.")]),
        ("90005", MC["17"], "2023-11-13T17:00", 30, "Easing the cgroup v1 to v2 transition for enterprise applications",
         [("Kamalesh Babulal", None), ("Tom Hromatka", None)]),
        ("1568", MC["17"], "2023-11-13T17:30", 25, "Protecting Sensitive Data in Container Checkpoints",
         [("Adrian Reber", "Red Hat"), ("Radostin Stoyanov", "University of Oxford"),
          ("Wesley Armour", "University of Oxford")]),
        ("90006", MC["17"], "2023-11-13T17:55", 5, "Closing", [("Stéphane Graber", "Zabbly")]),
        ("1550", REFEREED, "2023-11-14T10:00", 45, "io_uring and networking in 2023", [("Jens Axboe", "Meta")]),
        ("90102", REFEREED, "2023-11-14T10:45", 45, "Making kernel memory tiering observable",
         [("Alex Example", "Example Corp")]),
    ]),
}
SESSIONS = {"7": "90020", "16": "136", "17": "162"}


def scrape(tmp_path, httpserver, version, exports, path, name="a.db", **serve):
    base = serve_indico(httpserver, version, exports=exports, **serve)
    db = store.open_db(tmp_path / name)
    with Fetcher(FetchPolicy(allow_private=True, min_delay=0, retries=0)) as fetcher:
        report = pipeline.scrape(db, [base + path], fetcher)
    httpserver.clear()
    return db, report, base


def rows(db, base: str) -> dict:
    """Every archive row, with the loopback origin written as the fixtures' one."""
    out = {}
    for table in TABLES:
        out[table] = sorted(json.dumps(r, sort_keys=True, ensure_ascii=False).replace(base, "https://indico.example.org")
                            for r in db.query(f"SELECT * FROM [{table}]"))
    return out


@pytest.fixture(scope="module")
def scrapes(tmp_path_factory):
    """Every event × version × export mode × start point, scraped once for this module."""
    from pytest_httpserver import HTTPServer
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    results = {}
    try:
        for event in README:
            for version in ("3.3.14", "3.2.9"):
                for exports in (True, False):
                    for start in ("event", "session"):
                        path = f"/event/{event}/" if start == "event" else f"/event/{event}/sessions/{SESSIONS[event]}/"
                        tmp = tmp_path_factory.mktemp(f"e{event}-{version}-{exports}-{start}")
                        db, report, base = scrape(tmp, server, version, exports, path)
                        results[event, version, exports, start] = (rows(db, base), report)
                        db.close()
    finally:
        server.stop()
    return results


@pytest.mark.parametrize("event", list(README))
@pytest.mark.parametrize("start", ["event", "session"])
def test_same_rows_whichever_markup_and_source(scrapes, event, start):
    reference, report = scrapes[event, "3.3.14", True, start]
    assert report.ok, report.errors
    for version in ("3.3.14", "3.2.9"):
        for exports in (True, False):
            found, other = scrapes[event, version, exports, start]
            assert other.ok, other.errors
            for table in TABLES:
                assert found[table] == reference[table], (version, exports, table)


@pytest.mark.parametrize("event", list(README))
def test_export_api_is_preferred_and_html_is_the_fallback(scrapes, event):
    _, with_api = scrapes[event, "3.3.14", True, "event"]
    _, without = scrapes[event, "3.3.14", False, "event"]
    assert with_api.pages_fetched == 4 and not with_api.warnings  # overview + 3 exports
    assert without.pages_fetched > 10  # timetable, contribution list, session and contribution pages
    assert sum("using the fallback pages" in w for w in without.warnings) == 3


@pytest.mark.parametrize("event", list(README))
def test_session_url_archives_only_its_mc(scrapes, event):
    session, _ = scrapes[event, "3.2.9", True, "session"]
    whole, _ = scrapes[event, "3.2.9", True, "event"]
    talks = [json.loads(r) for r in session["talks"]]
    mc_track = {json.loads(r)["id"] for r in session["tracks"]}
    assert len(mc_track) == 1 and {t["track_id"] for t in talks} == mc_track
    expected = [row for row in README[event][4] if row[1] == MC[event]]
    assert sorted(t["source_id"] for t in talks) == sorted(row[0] for row in expected)
    # Its rows are exactly the event scrape's rows for that MC.
    assert set(session["talks"]) <= set(whole["talks"])
    assert set(session["talk_people"]) <= set(whole["talk_people"])
    assert set(session["tracks"]) <= set(whole["tracks"])


@pytest.mark.parametrize("event", list(README))
def test_rows_match_the_fixture_readme(scrapes, event):
    data, _ = scrapes[event, "3.2.9", False, "event"]
    event_id, zone, offset, room, expected = README[event]
    events = [json.loads(r) for r in data["events"]]
    assert [(e["id"], e["timezone"]) for e in events] == [(event_id, zone)]
    talks = {t["source_id"]: t for t in map(json.loads, data["talks"])}
    tracks = {t["id"]: t for t in map(json.loads, data["tracks"])}
    people = [json.loads(r) for r in data["talk_people"]]
    assert sorted(talks) == sorted(row[0] for row in expected)  # breaks are not talks
    for cid, session, start, minutes, title, speakers in expected:
        talk = talks[cid]
        assert talk["id"] == f"{event_id}/{cid}"
        assert (talk["title"], talk["starts_at"], talk["duration_minutes"]) == (title, f"{start}:00{offset}", minutes)
        assert tracks[talk["track_id"]]["title"] == session
        published = sorted((p for p in people if p["talk_id"] == talk["id"] and p["role"] == "speaker"),
                           key=lambda p: p["position"])
        assert [(p["name_as_published"], p["affiliation"]) for p in published] == speakers, cid
        if session == MC[event]:
            assert talk["room"] == room
        # Full abstracts: never the session page's "..." snippet.
        assert not (talk["abstract"] or "").endswith("...")
        assert "<script" not in (talk["abstract_html"] or "")
    assert talks["1569" if event == "17" else next(iter(talks))]["abstract"] is not None or event != "17"
    if event == "17":
        assert talks["1569"]["abstract"].endswith("[2] Simplified user namespace allocation (LPC 2021)")
        assert talks["1569"]["starts_at_utc"] == "2023-11-13T20:00:00Z"
        anjum = [p for p in people if p["talk_id"] == "lpc-2023/90002" and p["name_as_published"] == "Muhammad Usama Anjum"]
        assert {p["honorific"] for p in anjum} == {"Mr"}
        roles = {(p["name_as_published"], p["role"]) for p in people if p["talk_id"] == "lpc-2023/1568"}
        assert {("Radostin Stoyanov", "author"), ("Adrian Reber", "coauthor"), ("Wesley Armour", "coauthor")} <= roles
        links = {(json.loads(r)["track_id"], json.loads(r)["kind"]) for r in data["links"]}
        assert ("lpc-2023/containers-and-checkpoint-restore-mc", "notes") in links  # session materials
    if event == "7":
        mc = tracks["lpc-2020/containers-and-checkpoint-restore-mc"]
        assert mc["description"].startswith("<p>The Containers and Checkpoint/Restore MC at Linux Plumbers")
    if event == "16":
        assert talks["90011"]["abstract"] is None  # no abstract, as published


def test_contribution_url_archives_that_talk(tmp_path, httpserver):
    db, report, _ = scrape(tmp_path, httpserver, "3.2.9", True, "/event/17/contributions/1568/")
    assert report.ok and report.pages_fetched == 1
    assert [t["id"] for t in db.query("SELECT id FROM talks")] == ["lpc-2023/1568"]


def test_time_zone_conflict_is_reported(tmp_path, httpserver):
    db, report, _ = scrape(tmp_path, httpserver, "3.3.14", True, "/event/17/", replace={
        "export-event-contributions__e17.json": [(b'"America\\/New_York"', b'"Europe\\/Paris"')]})
    assert report.ok
    assert any("disagree on the time zone" in w and "Europe/Paris" in w for w in report.warnings)
    # The times stay right: every source gives them with their offset (the export's in UTC).
    assert db["talks"].get("lpc-2023/1569")["starts_at_utc"] == "2023-11-13T20:00:00Z"


def test_event_url_follows_the_microconference_announcement(tmp_path, httpserver):
    """LPC's custom page "Accepted Microconferences", linked from the event menu: the MC's
    description and suggested topics, and its leads without their e-mail addresses."""
    custom = (FIXTURES / "indico-html" / "built" / "custom-page__e17_p200.html").read_bytes()
    menu = (b'<li class="menuConfTitle">\n            <a href="/event/17/page/200-accepted-microconferences"\n'
            b'               >Accepted Microconferences</a>\n')
    db, report, _ = scrape(tmp_path, httpserver, "3.3.14", True, "/event/17/", replace={
        "event-overview__e17.html": [(b'        <li class="menuConfTitle">\n            <a href="/event/17/timetable/"',
                                      menu + b'        <li class="menuConfTitle">\n            <a href="/event/17/timetable/"')]},
        extra={"/event/17/page/200-accepted-microconferences": (custom, "text/html; charset=utf-8")})
    assert report.ok, report.errors
    track = db["tracks"].get("lpc-2023/containers-and-checkpoint-restore-mc")
    assert "Suggested Topics" in track["description"] and "<li>Handling" not in track["description"]
    assert "Making user namespaces easier to use" in track["description"]
    leads = [r["name_as_published"] for r in db.query(
        "SELECT name_as_published FROM track_people WHERE track_id = ? AND role = 'lead'", [track["id"]])]
    assert sorted(leads) == ["Adrian Reber", "Christian Brauner", "Mike Rapoport", "Stéphane Graber"]
    dump = json.dumps({t: list(db.query(f"SELECT * FROM [{t}]")) for t in TABLES}, ensure_ascii=False)
    assert "@example.org" not in dump and "mailto:" not in dump
    assert db["talks"].count == 10  # the announcement adds tracks, never talks


@pytest.mark.parametrize("exports", [True, False], ids=["api", "no-api"])
@pytest.mark.parametrize("path", [
    "/event/17/program", "/event/17/timetable/", "/event/17/contributions/", "/event/17/contributions/speakers",
    "/event/17/contributions/authors", "/event/17/event.ics?detail=contributions",
    "/event/17/sessions/162/session.ics", "/event/17/sessions/162/session.ics?detail=contributions",
])
def test_any_page_kind_is_a_starting_point(scrapes, tmp_path, httpserver, path, exports):
    """Whatever Indico page a user starts from, the talks it reaches come out exactly as
    from the event URL."""
    db, report, base = scrape(tmp_path, httpserver, "3.2.9", exports, path)
    assert report.ok, report.errors
    found = rows(db, base)
    whole, _ = scrapes["17", "3.2.9", True, "event"]
    assert found["talks"] and set(found["talks"]) <= set(whole["talks"])
    assert set(found["talk_people"]) <= set(whole["talk_people"])
    talks = [json.loads(r) for r in found["talks"]]
    if "/sessions/162/" in path:
        assert {t["track_id"] for t in talks} == {"lpc-2023/containers-and-checkpoint-restore-mc"}
    else:  # the author list leaves out the two talks without authors (Opening, Closing)
        assert len(talks) == (8 if path.endswith("/authors") else 10)
