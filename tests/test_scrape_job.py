"""Scrape jobs against a real loopback server: incremental re-runs, changed schedules,
config files, kills and resumes. (Fault handling of single requests: tests/test_fetch.py.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlsplit


from conftest import FIXTURES, ROOT, manifest
from scraper import pipeline, store
from scraper.fetch import Fetcher, FetchPolicy
from static_site import StaticSite

FOSDEM = FIXTURES / "pentabarf-xml"


def indico_site(version: str = "3.3.14", event: str = "17") -> StaticSite:
    site = StaticSite()
    for row in manifest():
        if row["format"] == "indico-html" and f"/{version}/" in row["file"] and f"/event/{event}/" in row["url"]:
            site.pages[urlsplit(row["url"]).path] = ((FIXTURES / row["file"]).read_bytes(), "text/html; charset=utf-8")
    return site


def scrape(db_path, sources, **kwargs):
    db = store.open_db(db_path)
    with Fetcher(FetchPolicy(allow_private=True, min_delay=0, retries=0)) as fetcher:
        report = pipeline.scrape(db, sources, fetcher, **kwargs)
    return db, report


def snapshot(db) -> dict:
    return {t: list(db.query(f"SELECT * FROM [{t}] ORDER BY 1, 2"))
            for t in ("events", "tracks", "talks", "people", "talk_people", "links", "changes")}


def test_second_run_transfers_almost_nothing_and_changes_no_row(tmp_path, httpserver):
    site = indico_site()
    base = site.install(httpserver)
    sessions = [f"{base}/event/17/sessions/162/", f"{base}/event/17/sessions/90101/"]
    db, first = scrape(tmp_path / "a.db", sessions)
    assert first.ok, first.errors
    assert (first.pages_fetched, first.talks.added) == (12, 10)
    first_bytes = site.bytes_sent
    before = snapshot(db)
    db.close()
    db, second = scrape(tmp_path / "a.db", sessions)
    assert second.ok, second.errors
    assert (second.pages_fetched, second.pages_not_modified) == (0, 12)
    assert all(e["if_none_match"] for e in site.log[-12:])
    assert snapshot(db) == before
    ratio = (site.bytes_sent - first_bytes) / first_bytes
    assert ratio <= 0.05
    assert second.pages_parsed == 0  # 304s are not re-parsed
    assert second.talks.added == second.talks.changed == 0


def test_refresh_fetches_again_without_conditions(tmp_path, httpserver):
    site = indico_site()
    base = site.install(httpserver)
    scrape(tmp_path / "a.db", [f"{base}/event/17/sessions/90101/"])
    n = len(site.log)
    db, report = scrape(tmp_path / "a.db", [f"{base}/event/17/sessions/90101/"], refresh=True)
    assert report.ok and report.pages_fetched == 3
    assert not any(e["if_none_match"] for e in site.log[n:])
    assert report.talks.unchanged == 2


def test_same_bytes_without_etag_are_not_reparsed(tmp_path, httpserver):
    site = indico_site()
    site.conditional = False
    base = site.install(httpserver)
    scrape(tmp_path / "a.db", [f"{base}/event/17/sessions/90101/"])
    db, report = scrape(tmp_path / "a.db", [f"{base}/event/17/sessions/90101/"])
    assert (report.pages_fetched, report.pages_not_modified, report.pages_parsed) == (0, 3, 0)


def test_wrong_charset_header_still_parses(tmp_path, httpserver):
    site = indico_site()
    for path, (body, _) in site.pages.items():
        site.pages[path] = (body, "text/html; charset=iso-8859-1")
    base = site.install(httpserver)
    db, report = scrape(tmp_path / "a.db", [f"{base}/event/17/sessions/162/"])
    assert report.ok
    names = {r["name"] for r in db.query("SELECT name FROM people")}
    assert "Stéphane Graber" in names


def test_changed_fosdem_schedule_records_changes_and_keeps_history(tmp_path, httpserver):
    """The 2024 pre-conference snapshot, then the final file: events renumbered (10528 →
    1861), talks added, talks dropped kept as removed, real changes in `changes`."""
    site = StaticSite(pages={"/2024/schedule/xml": ((FOSDEM / "fosdem-2024-preconf.xml").read_bytes(), "text/xml")})
    base = site.install(httpserver)
    url = f"{base}/2024/schedule/xml"
    db, first = scrape(tmp_path / "a.db", [url], event_id="fosdem-2024")
    assert first.ok and first.talks.added == 674
    turtle = db["talks"].get("fosdem-2024/1861")
    assert turtle["source_id"] == "1861" and "TurtleStitch" in turtle["title"]
    assert db["talk_aliases"].get(("fosdem-2024", "10528"))["talk_id"] == "fosdem-2024/1861"
    db.close()

    site.pages["/2024/schedule/xml"] = ((FOSDEM / "fosdem-2024.xml").read_bytes(), "text/xml")
    db, second = scrape(tmp_path / "a.db", [url], event_id="fosdem-2024")
    assert second.ok, second.errors
    live = db.execute("SELECT count(*) FROM talks WHERE event_id = 'fosdem-2024' AND removed_at IS NULL").fetchone()[0]
    assert live == 874  # the final file's distinct events
    total = db.execute("SELECT count(*) FROM talks WHERE event_id = 'fosdem-2024'").fetchone()[0]
    assert total - live == second.talks.removed > 0  # dropped talks kept, marked removed
    assert second.talks.added == total - 674
    # The renumbered talk is one row, and its title did not "change".
    assert not list(db.query("SELECT * FROM changes WHERE row_id = 'fosdem-2024/1861' AND column_name = 'title'"))
    changed_columns = {r["column_name"] for r in db.query("SELECT column_name FROM changes WHERE run_id = ?", [second.run_id])}
    assert "removed_at" in changed_columns and "url" in changed_columns  # the final file's /2025/ URLs, as published
    assert "source_id" not in changed_columns
    # Never one talk twice (the final file has no two talks with the same title, time and room).
    dupes = list(db.query("""SELECT title, count(*) n FROM talks WHERE event_id = 'fosdem-2024'
                             AND removed_at IS NULL GROUP BY title, starts_at_utc, room HAVING n > 1"""))
    assert not dupes


def test_as_served_then_archive_2012_never_overwrites_another_talk(tmp_path, httpserver):
    site = StaticSite(pages={"/2012/schedule/xml": ((FOSDEM / "fosdem-2012-asserved.xml").read_bytes(), "text/xml")})
    base = site.install(httpserver)
    url = f"{base}/2012/schedule/xml"
    db, _ = scrape(tmp_path / "a.db", [url])
    served = {r["id"]: r["title"] for r in db.query("SELECT id, title FROM talks")}
    db.close()
    site.pages["/2012/schedule/xml"] = ((FOSDEM / "fosdem-2012.xml").read_bytes(), "text/xml")
    db, report = scrape(tmp_path / "a.db", [url])
    assert report.ok, report.errors
    live = db.execute("SELECT count(*) FROM talks WHERE event_id = 'fosdem-2012' AND removed_at IS NULL").fetchone()[0]
    assert live == 442
    # An id that now names a different talk did not overwrite the archived one.
    titles_changed = list(db.query("SELECT row_id, old_value, new_value FROM changes WHERE column_name = 'title'"))
    from scraper.normalize.talk_identity import title_key
    assert all(title_key(c["old_value"]) != title_key(c["new_value"]) for c in titles_changed)
    assert len(titles_changed) < 20, titles_changed
    kept = db.execute("SELECT count(*) FROM talks WHERE id IN (%s)" % ",".join("?" * len(served)),
                      list(served)).fetchone()[0]
    assert kept == len(served)  # nothing archived was deleted


def test_config_file_runs_its_sources(tmp_path, httpserver):
    site = indico_site()
    site.pages["/2020/schedule/xml"] = ((FOSDEM / "fosdem-2020.xml").read_bytes(), "application/xml")
    base = site.install(httpserver)
    config = tmp_path / "sources.yml"
    config.write_text(
        "delay: 0\nsources:\n"
        f"  - {{url: '{base}/event/17/sessions/162/', event_id: plumbers-2023}}\n"
        f"  - {{url: '{base}/2020/schedule/xml', kind: pentabarf-xml, follow: 0}}\n")
    db_path = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "scraper", "scrape", "--config", str(config), "--db", str(db_path),
                             "--allow-private", "--retries", "0"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "talks: 880 added" in result.stderr
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM talks WHERE event_id = 'plumbers-2023'").fetchone()[0] == 8
    assert con.execute("SELECT count(*) FROM talks WHERE event_id = 'fosdem-2020'").fetchone()[0] == 872


def test_bad_config_is_one_line(tmp_path):
    config = tmp_path / "sources.yml"
    config.write_text("sources:\n  - {url: 'ftp://x.org/a'}\n")
    result = subprocess.run([sys.executable, "-m", "scraper", "scrape", "--config", str(config),
                             "--db", str(tmp_path / "a.db")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {config}: source 1: only http(s) URLs: ftp://x.org/a"


def test_bundled_sources_file_is_valid():
    from scraper.config import load_config
    from scraper.parsers import PARSERS
    config = load_config(ROOT / "sources.yml", {p.FORMAT for p in PARSERS})
    urls = [s.url for s in config.sources]
    assert "https://linuxplumbersconf.org/event/2/" in urls and "https://lpc.events/event/19/" in urls
    assert sum("fosdem.org/" in u for u in urls) == 20


def test_kill_and_resume(tmp_path, httpserver):
    """kill -9 in the middle of a job; the next run does not fetch completed pages again."""
    site = indico_site()
    site.delay = 0.3
    base = site.install(httpserver)
    db_path = tmp_path / "a.db"
    command = [sys.executable, "-m", "scraper", "scrape", f"{base}/event/17/sessions/162/", "--db", str(db_path),
               "--allow-private", "--retries", "0", "--delay", "0", "-s"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(site.log) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    fetched_before = len([e for e in site.log if e["path"] != "/robots.txt"])
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT status FROM scrape_runs").fetchone()[0] == "running"
    con.close()

    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    resume_seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "resuming run 1" in result.stderr
    # Pages stored before the kill were not requested again (at most the one in flight).
    refetched = [p for p in site.pages if site.requests_for(p) > 1]
    assert len(refetched) <= 1, refetched
    assert len(site.log) < fetched_before + 9
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM talks").fetchone()[0] == 8
    statuses = [r[0] for r in con.execute("SELECT status FROM scrape_runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]
    print(f"resume took {resume_seconds:.2f}s after {fetched_before} pages before the kill")


def test_every_fosdem_year_scrapes_and_round_trips(tmp_path, httpserver):
    """All final FOSDEM files served on loopback, one job: per year as many talks as the
    file has distinct event ids, and each event's title, track, room, start, duration and
    persons as published."""
    from lxml import etree

    site = StaticSite()
    files = {}
    for year in range(2007, 2027):
        path = FOSDEM / f"fosdem-{year}.xml"
        site.pages[f"/{year}/schedule/xml"] = (path.read_bytes(), "application/xml")
        files[year] = path
    base = site.install(httpserver)
    db, report = scrape(tmp_path / "a.db", [f"{base}/{y}/schedule/xml" for y in files])
    assert report.ok, report.errors
    for year, path in files.items():
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        events = {}
        for day in root.iter("day"):
            for ev in day.iter("event"):
                events[ev.get("id")] = (day.get("date"), ev)
        talks = {t["source_id"]: t for t in db.query(
            "SELECT talks.*, tracks.title AS track FROM talks LEFT JOIN tracks ON tracks.id = talks.track_id "
            "WHERE talks.event_id = ?", [f"fosdem-{year}"])}
        assert len(talks) == len(events), year
        for source_id, (date, ev) in events.items():
            talk = talks[source_id]
            text = lambda name: " ".join((ev.findtext(name) or "").split()) or None  # noqa: E731
            assert talk["title"] == text("title"), (year, source_id)
            assert talk["track"] == text("track"), (year, source_id)
            assert talk["room"] == (text("room") or ev.getparent().get("name")), (year, source_id)
            start = (ev.findtext("start") or "").strip()
            assert talk["starts_at"][:10] == (ev.findtext("date") or date)[:10], (year, source_id)
            assert talk["starts_at"][11:16] == start[:5].zfill(5), (year, source_id)
            hours, minutes = (ev.findtext("duration") or "0:0").strip().split(":")[:2]
            assert talk["duration_minutes"] == int(hours) * 60 + int(minutes), (year, source_id)
            people = [" ".join((p.text or "").split()) for p in ev.iter("person")]
            stored = [r["name_as_published"] for r in db.query(
                "SELECT name_as_published FROM talk_people WHERE talk_id = ? AND role = 'speaker' "
                "ORDER BY position", [talk["id"]])]
            # A person listed twice on one talk (2024: event 1740) is one speaker.
            assert stored == list(dict.fromkeys(p for p in people if p)), (year, source_id)
