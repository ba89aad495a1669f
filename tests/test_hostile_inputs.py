"""Hostile pages (issue #10): XML bombs, huge and deep markup, planted scripts.

Each case ends in a Programme or one ParseError line, quickly and in bounded memory, and
nothing active reaches the archive."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import FIXTURES
from scraper import pipeline, store
from scraper.parsers import parse_page
from scraper.records import ParseError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<schedule><conference><title>FOSDEM 2020 &f;</title></conference></schedule>"""

QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY x "' + b"x" * 100_000 + b'">]>'
             b"<schedule><conference><title>" + b"&x;" * 20_000 + b"</title></conference></schedule>")

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<schedule><conference><title>FOSDEM 2020 &secret;</title></conference></schedule>"""


def dtd_retrieval(url: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE schedule SYSTEM "{url}">'
            "<schedule><conference><title>FOSDEM 2020</title></conference></schedule>").encode()


def run_isolated(body: bytes, url: str) -> dict:
    """Parse in a fresh process: its wall time and peak memory (the interpreter's and
    the parse's) are not the test run's."""
    script = textwrap.dedent("""
        import json, sys, time
        from scraper.parsers import parse_page
        from scraper.records import ParseError
        body = sys.stdin.buffer.read()
        started = time.monotonic()
        try:
            programme = parse_page(body, sys.argv[1])
            outcome = "parsed: " + json.dumps(programme.to_dict())[:20000]
        except ParseError as exc:
            outcome = "ParseError: " + str(exc)
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec (it would be pytest's).
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(json.dumps({"seconds": time.monotonic() - started, "outcome": outcome,
                          "rss_mb": int(hwm.split()[1]) / 1024}))
    """)
    result = subprocess.run([sys.executable, "-c", script, url], input=body, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


@pytest.mark.parametrize("name, body", [("billion laughs", BILLION_LAUGHS), ("quadratic blowup", QUADRATIC),
                                        ("external entity", XXE)])
def test_xml_bombs_refused_fast_in_bounded_memory(name, body):
    found = run_isolated(body, "https://fosdem.org/2020/schedule/xml")
    assert found["outcome"].startswith("ParseError"), found["outcome"][:300]
    assert "root:" not in found["outcome"]  # nothing of /etc/passwd
    assert found["seconds"] < 1.0, found
    assert found["rss_mb"] < 200, found


def test_external_dtd_is_never_fetched(httpserver):
    httpserver.expect_request("/evil.dtd").respond_with_data('<!ENTITY x "pwned">')
    found = run_isolated(dtd_retrieval(httpserver.url_for("/evil.dtd")), "https://fosdem.org/2020/schedule/xml")
    assert "pwned" not in found["outcome"]
    assert not httpserver.log, "the parser fetched an external DTD"


def _indico_page(name: str = "session__e17_s162.html") -> bytes:
    return (FIXTURES / "indico-html" / "3.3.14" / name).read_bytes()


SESSION_URL = "https://indico.example.org/event/17/sessions/162/"


def test_ten_megabyte_attribute_value():
    body = _indico_page().replace(b'<li class="contribution-row"', b'<li data-x="' + b"A" * 10_000_000
                                  + b'" class="contribution-row"', 1)
    started = time.monotonic()
    with pytest.raises(ParseError, match="10 MB limit"):
        parse_page(body, SESSION_URL)  # libxml2 would return only the part before it
    assert time.monotonic() - started < 10


def test_deeply_nested_tags_and_nul_bytes():
    body = _indico_page().replace(b"<main", b"\x00" * 1000 + b"<div>" * 200_000 + b"<main", 1)
    try:
        parse_page(body, SESSION_URL)
    except ParseError:
        pass


def test_duplicate_contribution_rows_give_one_talk(tmp_path):
    body = _indico_page()
    start = body.index(b'<li class="contribution-row"')
    end = body.index(b"</li>", start) + len(b"</li>")
    body = body[:end] + body[start:end] + body[end:]
    db = store.open_db(tmp_path / "a.db")
    page = tmp_path / "session.html"
    page.write_bytes(body)
    report = pipeline.scrape(db, [str(page)], url=SESSION_URL)
    assert report.ok
    assert db.execute("SELECT count(*) FROM talks").fetchone()[0] == 8


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE html><html><head><title>GitHub</title></head><body><div class='repo'>x</div></body></html>",
    b'{"data": {"repository": {"name": "indico"}}}',
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>LWN</title></channel></rss>",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
])
def test_page_of_another_site_is_one_clear_line(tmp_path, body):
    page = tmp_path / "page"
    page.write_bytes(body)
    result = subprocess.run([sys.executable, "-m", "scraper", "scrape", str(page), "--url", SESSION_URL,
                             "--db", str(tmp_path / "a.db")], capture_output=True, text=True)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "unsupported" in errors[0]
    assert "Traceback" not in result.stderr


PAYLOADS = {
    "title": b"User namespaces <script>alert('title')</script>with host-isolated UIDs/GIDs",
    "name": b'Aleksandr Mikhalitsyn<img src=x onerror="alert(1)">',
    "abstract": (b'<p onclick="alert(2)">This talk <a href="javascript:alert(3)">aims</a>'
                 b'<script>alert(4)</script><span style="width: expression(alert(5))">x</span>'
                 b"<iframe src=https://evil.example/></iframe></p>"),
}


def test_planted_active_content_is_neutralised_before_storage(tmp_path):
    body = _indico_page("contribution__e17_c1569.html")
    body = body.replace(b"User namespaces with host-isolated UIDs/GIDs", PAYLOADS["title"], 1)
    body = body.replace(b"<span>Aleksandr Mikhalitsyn</span>", b"<span>" + PAYLOADS["name"] + b"</span>", 1)
    marker = b"<p>This talk aims to move forward"
    body = body.replace(marker, PAYLOADS["abstract"] + marker, 1)
    page = tmp_path / "contribution.html"
    page.write_bytes(body)
    db_path = tmp_path / "a.db"
    db = store.open_db(db_path)
    assert pipeline.scrape(db, [str(page)], url="https://indico.example.org/event/17/contributions/1569/").ok
    con = sqlite3.connect(db_path)
    stored = " ".join(str(v) for table in ("talks", "people", "person_names", "talk_people")
                      for row in con.execute(f"SELECT * FROM {table}") for v in row)
    for bad in ("<script", "onerror", "onclick", "javascript:", "expression(", "<iframe", "alert("):
        assert bad not in stored, bad
    assert "This talk aims to move forward" in stored
