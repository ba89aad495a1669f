"""A newcomer's visit in a real browser: headless Debian Chromium, driven by Playwright,
against the `datasette serve` command `make serve` runs, on a free loopback port.

Loads the front page, searches with its search box, opens a talk, follows the three
questions of the front page, and checks that a <script> planted in a talk (written into
a copy of the archive behind the sanitizer's back) never runs. Screenshots go to
artifacts/browser/ (not committed). Skips, saying why, where there is no browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT
from datasette_serve import serve_command, small_archive

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts" / "browser"
PLANTED_ID = "lpc-2022/1241"
PLANTED_TITLE = "<script>window.pwned = 1; alert(1)</script>Planted talk"

pytestmark = [
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason="no /usr/bin/chromium: `make test` installs Debian's chromium when it runs as root"),
    pytest.mark.skipif(shutil.which("make") is None, reason="make is needed to read `make serve`'s command"),
]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`make serve`'s Datasette over a copy of the small archive with one planted talk."""
    directory = tmp_path_factory.mktemp("browser")
    db = directory / "archive.db"
    shutil.copy(small_archive(tmp_path_factory), db)
    conn = sqlite3.connect(db)
    with conn:
        changed = conn.execute(
            "UPDATE talks SET title = ?, abstract = ?, abstract_html = ? WHERE id = ?",
            (PLANTED_TITLE, "<script>window.pwned = 2</script>planted abstract",
             '<p>planted <img src="x" onerror="window.pwned = 3; alert(3)">'
             '<a href="javascript:window.pwned = 4">link</a><script>window.pwned = 5; alert(5)</script></p>',
             PLANTED_ID)).rowcount
    conn.close()
    assert changed == 1
    port = free_port()
    log = open(directory / "datasette.log", "wb")
    process = subprocess.Popen(serve_command(db, port), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("datasette did not start: "
                                       + (directory / "datasette.log").read_text(errors="replace")[-2000:])
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except playwright.Error as exc:
            pytest.skip(f"chromium does not start here: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A page that records dialogs (alert) and refuses every request off the loopback host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.offsite = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))

    def route(r):
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            page.offsite.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_inert(page) -> None:
    assert page.evaluate("typeof window.pwned") == "undefined", page.url
    assert page.dialogs == [], page.url
    assert page.offsite == [], page.url


def test_front_page_search_and_a_talk(page, server):
    page.goto(server + "/")
    assert "microconferences and devrooms" in page.locator("h1").inner_text()
    shot(page, "01-front-page")
    page.fill("#search-all-q", "checkpoint")
    page.press("#search-all-q", "Enter")
    page.wait_for_url("**/-/search?q=checkpoint")
    heading = page.locator("#search-all-results h2", has_text="archive: talks")
    heading.wait_for()
    assert "result" in heading.inner_text()
    shot(page, "02-search-all")
    heading.locator("a").click()
    page.wait_for_url("**/archive/talk_overview?_search=checkpoint")
    page.locator("td.col-talk_id a", has_text="lpc-2023/1568").click()
    page.wait_for_url("**/archive/talks/lpc-2023~2F1568")
    talk = page.locator(".mc-talk")
    assert "Linux Plumbers Conference 2023" in talk.inner_text()
    assert page.locator(".mc-people li").count() >= 1
    assert page.locator(".mc-talk .mc-abstract p").count() >= 1, "the abstract renders as HTML"
    shot(page, "03-talk")
    assert_inert(page)


def test_the_three_questions(page, server):
    page.goto(server + "/")
    page.get_by_role("link", name="Every talk of a microconference or devroom across years").click()
    page.wait_for_selector("table.rows-and-columns td.col-track")
    tracks = set(page.locator("td.col-track").all_inner_texts())
    assert any("Checkpoint/Restore MC" in t for t in tracks) and "Containers" in tracks
    shot(page, "04-track-across-years")
    page.go_back()
    page.get_by_role("link", name="Everything a person presented").click()
    page.wait_for_selector("td.col-event")
    events = set(page.locator("td.col-event").all_inner_texts())
    assert {"FOSDEM 2018", "Linux Plumbers Conference 2020"} <= events
    shot(page, "05-person")
    page.go_back()
    page.get_by_role("link", name="A topic's curve over the years").click()
    page.wait_for_url("**/-/dashboards/topic-curves?topic=checkpoint-restore")
    for chart in ("topic-curve", "topic-share", "all-topics"):
        page.wait_for_selector(f"#chart-{chart} svg, #chart-{chart} canvas", timeout=15000)
    shot(page, "06-topic-curve")
    page.go_back()
    page.get_by_role("link", name="any words").click()
    for chart in ("topic-years", "topic-share", "track-years", "all-years"):
        page.wait_for_selector(f"#chart-{chart} svg, #chart-{chart} canvas", timeout=15000)
    shot(page, "07-words-and-tracks")
    assert_inert(page)


def test_planted_script_does_not_run(page, server):
    page.goto(server + "/")
    page.fill("#search-all-q", "planted")
    page.press("#search-all-q", "Enter")
    page.locator("#search-all-results h2", has_text="archive: talks").wait_for()
    page.wait_for_load_state("networkidle")
    assert "<script>window.pwned = 1; alert(1)</script>Planted talk" in page.locator("#search-all-results").inner_text()
    assert_inert(page)
    page.goto(server + "/archive/talks?_search=planted")
    assert_inert(page)
    page.locator("td.col-id a", has_text=PLANTED_ID).click()
    page.wait_for_url("**/archive/talks/" + PLANTED_ID.replace("/", "~2F"))
    page.wait_for_load_state("networkidle")
    assert PLANTED_TITLE in page.locator(".mc-talk h2").inner_text()
    abstract = page.locator(".mc-talk .mc-abstract")
    assert abstract.inner_text().strip().startswith("planted")
    assert abstract.locator("script, img[onerror], a[href^='javascript']").count() == 0
    shot(page, "08-planted-talk")
    page.goto(server + "/archive/talk_overview?_search=planted")
    assert PLANTED_TITLE in page.locator("td.col-title").first.inner_text()
    assert_inert(page)
