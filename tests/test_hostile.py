"""Faults and kills (issue #10): nothing lost, nothing half-written, one clear line each.

`MCARCHIVE_KILLS=100` raises the number of random kill points from 20."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import FIXTURES
from scraper import pipeline, store
from scraper.fetch import Fetcher, FetchPolicy
from static_site import StaticSite
from test_scrape_job import indico_site

KILLS = int(os.environ.get("MCARCHIVE_KILLS", "20"))


def cli(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, timeout=timeout)


def rows(db_path) -> dict[str, set]:
    con = sqlite3.connect(db_path)
    try:
        return {t: set(con.execute(f"SELECT * FROM {t}").fetchall())
                for t in ("events", "tracks", "talks", "talk_people", "people")}
    finally:
        con.close()


def test_kill_at_random_points_loses_nothing_and_resumes(tmp_path, httpserver):
    site = indico_site()
    fosdem = (FIXTURES / "pentabarf-xml" / "fosdem-2020.xml").read_bytes()
    site.pages["/2020/schedule/xml"] = (fosdem, "application/xml")
    site.delay = 0.02
    base = site.install(httpserver)
    db_path = tmp_path / "a.db"
    # What an earlier job stored: it must survive every kill.
    db = store.open_db(db_path)
    with Fetcher(FetchPolicy(allow_private=True, min_delay=0, retries=0)) as fetcher:
        assert pipeline.scrape(db, [f"{base}/event/17/sessions/90101/"], fetcher).ok
    db.close()
    before = rows(db_path)
    command = ["scrape", f"{base}/event/17/sessions/162/", f"{base}/2020/schedule/xml",
               "--db", str(db_path), "--allow-private", "--retries", "0", "--delay", "0", "-s"]
    rng = random.Random(20261123)
    survived = 0
    for _ in range(KILLS):
        process = subprocess.Popen([sys.executable, "-m", "scraper", *command],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        con = sqlite3.connect(db_path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        after = rows(db_path)
        for table, old in before.items():
            assert old <= after[table], table
        survived += 1
    result = cli(*command)
    assert result.returncode == 0, result.stderr
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM talks WHERE event_id = 'lpc-2023'").fetchone()[0] == 10
    assert con.execute("SELECT count(*) FROM talks WHERE event_id = 'fosdem-2020'").fetchone()[0] == 872
    assert survived == KILLS


def test_two_jobs_at_once_one_fails_clearly(tmp_path, httpserver):
    site = indico_site()
    site.delay = 0.3
    base = site.install(httpserver)
    db_path = tmp_path / "a.db"
    store.open_db(db_path).close()
    command = [sys.executable, "-m", "scraper", "scrape", f"{base}/event/17/sessions/162/", "--db", str(db_path),
               "--allow-private", "--retries", "0", "--delay", "0", "-s"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not site.log and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "another scrape job is running" in second.stderr and "Traceback" not in second.stderr
    assert first.wait(timeout=120) == 0
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM talks").fetchone()[0] == 8


def test_empty_or_failing_programme_never_deletes(tmp_path, httpserver):
    site = StaticSite(pages={"/2020/schedule/xml": ((FIXTURES / "pentabarf-xml" / "fosdem-2020.xml").read_bytes(),
                                                     "application/xml")})
    base = site.install(httpserver)
    url = f"{base}/2020/schedule/xml"
    db_path = tmp_path / "a.db"
    assert cli("scrape", url, "--db", str(db_path), "--allow-private", "--retries", "0").returncode == 0
    before = rows(db_path)
    empty = (b"<?xml version='1.0'?><schedule><conference><title>FOSDEM 2020</title>"
             b"<start>2020-02-01</start><end>2020-02-02</end></conference></schedule>")
    for body in (empty, b"", b"<html><body>Maintenance</body></html>", b"<?xml version='1.0'?><schedule><confer"):
        site.pages["/2020/schedule/xml"] = (body, "application/xml")
        result = cli("scrape", url, "--db", str(db_path), "--allow-private", "--retries", "0")
        assert "Traceback" not in result.stderr
        assert rows(db_path)["talks"] == before["talks"]
        con = sqlite3.connect(db_path)
        assert con.execute("SELECT count(*) FROM talks WHERE removed_at IS NOT NULL").fetchone()[0] == 0
        con.close()


def test_server_errors_keep_earlier_rows(tmp_path, httpserver):
    site = indico_site()
    base = site.install(httpserver)
    db_path = tmp_path / "a.db"
    assert cli("scrape", f"{base}/event/17/sessions/162/", "--db", str(db_path), "--allow-private",
               "--retries", "0", "--delay", "0").returncode == 0
    before = rows(db_path)
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/event/17/sessions/162/").respond_with_data("down", status=500)
    result = cli("scrape", f"{base}/event/17/sessions/162/", "--db", str(db_path), "--allow-private",
                 "--retries", "0", "--delay", "0")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "HTTP 500" in errors[0] and f"{base}/event/17/sessions/162/" in errors[0]
    assert rows(db_path) == before


def test_private_addresses_need_allow_private(tmp_path, httpserver):
    base = indico_site().install(httpserver)
    result = cli("scrape", f"{base}/event/17/sessions/162/", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert "private address" in result.stderr and "--allow-private" in result.stderr
    assert "Traceback" not in result.stderr


def test_max_pages_limits_a_job(tmp_path, httpserver):
    base = indico_site().install(httpserver)
    result = cli("scrape", f"{base}/event/17/sessions/162/", "--db", str(tmp_path / "a.db"), "--allow-private",
                 "--delay", "0", "--max-pages", "3")
    assert result.returncode == 1
    assert "limit of 3 pages" in result.stderr
    con = sqlite3.connect(tmp_path / "a.db")
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 3


def test_not_a_database_is_one_line(tmp_path):
    bad = tmp_path / "a.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = cli("scrape", str(FIXTURES / "pentabarf-xml" / "fosdem-2007.xml"), "--db", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: cannot use") and "Traceback" not in result.stderr
