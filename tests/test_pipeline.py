"""End to end: a real HTTP server on 127.0.0.1 serves saved Indico pages; `scrape`
fetches, follows, parses, merges and stores them; rows are checked in the database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indico_site import serve_indico
from scraper import pipeline, store
from scraper.fetch import Fetcher, FetchPolicy


def _scrape(tmp_path, urls, **kwargs):
    db = store.open_db(tmp_path / "archive.db")
    with Fetcher(FetchPolicy(allow_private=True, min_delay=0, retries=0)) as fetcher:
        report = pipeline.scrape(db, urls, fetcher, **kwargs)
    return db, report


@pytest.mark.parametrize("version", ["3.3.14", "3.2.9"])
def test_scrape_session_url_archives_that_mc(tmp_path, httpserver, version):
    base = serve_indico(httpserver, version)
    db, report = _scrape(tmp_path, [f"{base}/event/17/sessions/162/"])
    assert report.ok, report.errors
    assert report.pages_fetched == 9  # the session page and its 8 contribution pages
    talks = list(db.query("SELECT * FROM talks ORDER BY starts_at_utc"))
    assert len(talks) == 8
    assert {t["track_id"] for t in talks} == {"lpc-2023/containers-and-checkpoint-restore-mc"}
    # Other sessions' talks do not leak in.
    assert not {"lpc-2023/1550", "lpc-2023/90102"} & {t["id"] for t in talks}
    t1569 = db["talks"].get("lpc-2023/1569")
    assert t1569["starts_at"] == "2023-11-13T15:00:00-05:00"
    assert t1569["starts_at_utc"] == "2023-11-13T20:00:00Z"
    assert t1569["duration_minutes"] == 30
    assert t1569["abstract"].endswith("[2] Simplified user namespace allocation (LPC 2021)")
    assert "<script" not in (t1569["abstract_html"] or "")
    event = db["events"].get("lpc-2023")
    assert (event["timezone"], event["year"], event["conference"]) == ("America/New_York", 2023, "lpc")
    speakers = list(db.query(
        "SELECT name_as_published, affiliation, honorific FROM talk_people "
        "WHERE talk_id = 'lpc-2023/90002' AND role = 'speaker' ORDER BY position"))
    assert speakers == [
        {"name_as_published": "Andrei Vagin", "affiliation": None, "honorific": None},
        {"name_as_published": "Muhammad Usama Anjum", "affiliation": "Collabora", "honorific": "Mr"},
    ]
    # Every abstract of the MC is complete: the contribution pages won over the snippets.
    assert not [t["id"] for t in talks if t["abstract"] and t["abstract"].endswith("...")]
    run = db["scrape_runs"].get(report.run_id)
    assert (run["status"], run["pages_fetched"]) == ("ok", 9)
    assert db["pages"].count == 9


def test_rescrape_is_idempotent(tmp_path, httpserver):
    base = serve_indico(httpserver)
    db, _ = _scrape(tmp_path, [f"{base}/event/16/sessions/136/"])
    before = {t: list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in
              ("events", "tracks", "talks", "people", "talk_people", "links")}
    db.close()
    db, report = _scrape(tmp_path, [f"{base}/event/16/sessions/136/"])
    assert report.ok
    after = {t: list(db.query(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in before}
    assert after == before
    assert len(before["talks"]) == 9


def test_failed_page_keeps_earlier_rows(tmp_path, httpserver):
    base = serve_indico(httpserver)
    db, _ = _scrape(tmp_path, [f"{base}/event/17/sessions/162/"])
    talks_before = db["talks"].count
    db.close()
    httpserver.expect_request("/event/17/sessions/999/").respond_with_data("gone", status=404)
    httpserver.expect_request("/event/17/sessions/998/").respond_with_data("oops", status=500)
    db, report = _scrape(tmp_path, [f"{base}/event/17/sessions/999/", f"{base}/event/17/sessions/998/"])
    assert not report.ok
    assert len(report.errors) == 2
    assert "404" in report.errors[0] and "500" in report.errors[1]
    assert db["talks"].count == talks_before
    assert db["scrape_runs"].get(report.run_id)["status"] == "failed"


def test_unsupported_page_is_one_error_and_the_rest_is_kept(tmp_path, httpserver):
    base = serve_indico(httpserver)
    httpserver.expect_request("/strange").respond_with_data("<html><body>not a programme</body></html>",
                                                              content_type="text/html")
    db, report = _scrape(tmp_path, [f"{base}/strange", f"{base}/event/17/sessions/90101/"])
    assert len(report.errors) == 1 and "unsupported page" in report.errors[0]
    assert {t["id"] for t in db.query("SELECT id FROM talks")} == {"lpc-2023/1550", "lpc-2023/90102"}


def test_event_id_override(tmp_path, httpserver):
    base = serve_indico(httpserver)
    db, report = _scrape(tmp_path, [f"{base}/event/17/sessions/90101/"], event_id="plumbers-2023")
    assert report.ok
    assert [r["id"] for r in db.query("SELECT id FROM events")] == ["plumbers-2023"]
    assert db["talks"].get("plumbers-2023/1550")["title"] == "io_uring and networking in 2023"


def test_local_file_with_url(tmp_path):
    from conftest import FIXTURES
    path = FIXTURES / "indico-html" / "3.3.14" / "contribution__e17_c1569.html"
    db = store.open_db(tmp_path / "a.db")
    report = pipeline.scrape(db, [str(path)], url="https://lpc.events/event/17/contributions/1569/")
    assert report.ok
    assert db["talks"].get("lpc-2023/1569")["url"] == "https://lpc.events/event/17/contributions/1569/"


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _fixture_pages(n):
    return list(pipeline.fixture_pages(FIXTURES))[:n]


def test_parsed_pages_in_workers_equal_parsing_here():
    """Worker processes (issue #11) change nothing but the time: same programmes and rows,
    in order, and a page that cannot be parsed is one error line either way. In a fresh
    interpreter: the test session's own threads (the loopback servers) rule out fork."""
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_pipeline import _fixture_pages
from scraper import pipeline
pages = _fixture_pages(6) + _fixture_pages(None)[-1:]  # two events
pages.insert(2, pipeline.Page(url="https://example.org/not-a-programme", body=b"<html><p>hi</p></html>",
                              fetched_at="2026-11-23T00:00:00Z"))
here, there = pipeline.JobReport(), pipeline.JobReport()
serial = list(pipeline.parsed_pages(pages, here))
with pipeline.worker_pool(2) as pool:
    assert pool is not None
    parallel = list(pipeline.parsed_pages(iter(pages), there, pool))
assert [p.url for p, _ in parallel] == [p.url for p in pages]
assert all(isinstance(parsed.programme, bytes) for _, parsed in parallel if parsed)  # unpickled only to merge
assert [parsed and parsed.unpacked() for _, parsed in parallel] == [parsed and parsed.unpacked() for _, parsed in serial]
assert [parsed and parsed.links for _, parsed in parallel] == [parsed and parsed.links for _, parsed in serial]
assert parallel[2][1] is None and len(there.errors) == len(here.errors) == 1
assert "unsupported page" in there.errors[0], there.errors
assert there.pages_parsed == here.pages_parsed == len(pages) - 1
groups = dict()
for page, parsed in parallel:
    if parsed:
        groups.setdefault(parsed.event_key, []).append((parsed, page.url, page.fetched_at))
merge = pipeline.partial(pipeline._merge_group, event_ids=dict())
with pipeline.worker_pool(2) as pool:
    merged = list(pipeline._in_order(pool, merge, groups.values(), ahead=2))
assert len(merged) == len(groups) > 1
assert [rows for _, rows in merged] == [merge(group) for group in groups.values()]
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_parsed_pages_stay_in_process_while_other_threads_run(monkeypatch):
    """fork() with other threads alive could copy a held lock into the child: parse here."""
    pids = []
    original = pipeline.parse_one

    def spy(page, report, kind=None):
        pids.append(os.getpid())
        return original(page, report, kind)

    monkeypatch.setattr(pipeline, "parse_one", spy)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with pipeline.worker_pool(2) as pool:
            list(pipeline.parsed_pages(_fixture_pages(2), pipeline.JobReport(), pool))
    finally:
        stop.set()
        thread.join()
    assert pool is None and pids == [os.getpid(), os.getpid()]


def test_a_worker_that_dies_fails_the_build_and_leaves_the_archive(tmp_path):
    """A parser process killed mid-build (out of memory, a crash in C) is one clear error;
    the archive that was there stays as it was and no temporary file is left."""
    archive = tmp_path / "archive.db"
    archive.write_bytes(b"the earlier archive")
    script = f"""
import os, sys
from pathlib import Path
from scraper import pipeline

def die(page, pack=True):
    os._exit(9)

pipeline._parse_in_worker = die
try:
    pipeline.build(Path({str(archive)!r}), Path({str(FIXTURES)!r}), workers=2)
except pipeline.JobError as exc:
    print(exc)
    sys.exit(3)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert "a worker process died" in done.stdout
    assert archive.read_bytes() == b"the earlier archive"
    assert [p.name for p in tmp_path.iterdir()] == ["archive.db"]


def test_whole_archive_pass_in_a_worker_equals_it_here(tmp_path):
    """The people/series/topics pass, computed in a worker while the build process builds
    the search index, writes the same rows as computed here. In a fresh interpreter, as
    above; two LPC events and a FOSDEM year, so names meet across conferences."""
    script = f"""
import os, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_pipeline import _fixture_pages
from scraper import derived, pipeline, store
computed_in = Path({str(tmp_path)!r}) / "computed_in"
compute = derived._compute_without_gc
def noting_the_process(*args):
    computed_in.write_text(str(os.getpid()))
    return compute(*args)
derived._compute_without_gc = noting_the_process
pages = [p for p in _fixture_pages(None) if "fosdem" not in p.url or "/2020/" in p.url]
dumps = []
for n, workers in enumerate((1, 2)):
    db = store.open_scratch_db({str(tmp_path)!r} + f"/a{{n}}.db")
    report = pipeline.JobReport()
    pipeline._parse_all(db, iter(pages), report, save=True, workers=workers)
    assert report.ok, report.errors
    dumps.append({{t: sorted(map(repr, db.execute(f"SELECT * FROM [{{t}}]")))
                  for t in ("people", "person_names", "talk_people", "series", "tracks", "topics", "talk_topics",
                            "identity_decisions")}})
    dumps[-1]["search"] = sorted(db.execute("SELECT rowid FROM people_fts WHERE people_fts MATCH 'christian'"))
    db.close()
    if workers > 1:
        assert int(computed_in.read_text()) != os.getpid()
assert dumps[0] == dumps[1]
assert len(dumps[0]["talk_topics"]) > 100 and dumps[0]["search"]
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
