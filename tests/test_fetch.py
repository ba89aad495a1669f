"""scraper.fetch against a real HTTP server on 127.0.0.1 (pytest-httpserver), never a mocked requests.

Faults are served for real, as in Scrapy's tests/mockserver: 429 with Retry-After, 500s, a
handler slower than the timeout, a closed port, redirects, oversized and streamed bodies, a
gzip bomb, a truncated body, robots.txt rules. Policies use min_delay=0 except where spacing
is measured.
"""

from __future__ import annotations

import gzip
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper import __version__
from scraper.fetch import Fetcher, FetchError, FetchPolicy, _same_site

MB = 1024 * 1024


@pytest.fixture(scope="module")
def _server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(_server: HTTPServer) -> Iterator[HTTPServer]:
    """The loopback server, with no handlers and an empty log."""
    _server.clear()
    yield _server
    _server.clear()


def fetcher(**overrides) -> Fetcher:
    """A Fetcher for the loopback server: no politeness delay, no robots, no backoff unless asked."""
    settings = dict(min_delay=0.0, obey_robots=False, allow_private=True, backoff_factor=0.0, timeout=5.0)
    settings.update(overrides)
    return Fetcher(FetchPolicy(**settings))


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def recording_handler(times: list[float], body: bytes = b"ok"):
    """A handler that notes when each request arrived."""

    def handle(request: Request) -> Response:
        times.append(time.monotonic())
        return Response(body)

    return handle


# -- success, conditional GET, bodies ---------------------------------------------------------


def test_get_returns_body_headers_and_validators(server, caplog):
    body = b"<html><body>LPC 2023</body></html>"
    server.expect_request("/event/17/").respond_with_data(
        body,
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2025 07:28:00 GMT"},
    )
    url = server.url_for("/event/17/")
    with caplog.at_level(logging.DEBUG, logger="scraper.fetch"), fetcher() as f:
        result = f.get(url)

    assert result.url == url
    assert result.status == 200
    assert result.body == body
    assert result.content_type == "text/html; charset=utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 21 Oct 2025 07:28:00 GMT"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.fetched_at)
    assert result.bytes_received == len(body)
    user_agent = server.log[0][0].headers["User-Agent"]
    assert user_agent.startswith(f"mcarchive/{__version__} (+https://github.com/mcarchive/mcarchive;")
    ours = [r.getMessage() for r in caplog.records if r.name == "scraper.fetch"]
    assert ours == [f"HTTP 200 OK {len(body)} bytes {url}"]


def test_conditional_get_304_sends_validators(server):
    server.expect_request("/schedule.xml").respond_with_data(b"", status=304, headers={"ETag": '"v1"'})
    with fetcher() as f:
        result = f.get(
            server.url_for("/schedule.xml"), etag='"v1"', last_modified="Wed, 21 Oct 2025 07:28:00 GMT"
        )

    assert (result.status, result.body, result.bytes_received) == (304, None, 0)
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 21 Oct 2025 07:28:00 GMT"  # kept: the 304 did not repeat it
    sent = server.log[0][0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Wed, 21 Oct 2025 07:28:00 GMT"


def test_unconditional_get_sends_no_validators(server):
    server.expect_request("/").respond_with_data(b"ok")
    with fetcher() as f:
        f.get(server.url_for("/"))
    sent = server.log[0][0].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"caf\xe9 \xff\xfe", "text/html; charset=utf-8"),  # latin-1 bytes labelled UTF-8
        ("conférence".encode("cp1252") + b"\x00\x81", None),  # no Content-Type at all
    ],
    ids=["wrong-charset", "no-content-type"],
)
def test_body_is_returned_byte_exact(server, body, content_type):
    response = Response(body)
    if content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = content_type
    server.expect_request("/page").respond_with_response(response)
    with fetcher() as f:
        result = f.get(server.url_for("/page"))
    assert result.body == body
    assert result.content_type == content_type


# -- retries and HTTP errors -----------------------------------------------------------------


def test_429_with_retry_after_waits_then_succeeds(server):
    server.expect_oneshot_request("/busy").respond_with_data(b"slow down", status=429, headers={"Retry-After": "1"})
    server.expect_request("/busy").respond_with_data(b"ok")
    with fetcher() as f:
        started = time.monotonic()
        result = f.get(server.url_for("/busy"))
        elapsed = time.monotonic() - started
    assert result.body == b"ok"
    assert elapsed >= 0.95
    assert paths(server) == ["/busy", "/busy"]


def test_500_then_200_is_retried(server):
    server.expect_oneshot_request("/flaky").respond_with_data(b"oops", status=500)
    server.expect_request("/flaky").respond_with_data(b"ok")
    with fetcher() as f:
        assert f.get(server.url_for("/flaky")).body == b"ok"
    assert paths(server) == ["/flaky", "/flaky"]


def test_retries_keep_the_host_delay(server):
    times: list[float] = []

    def fail_once(request: Request) -> Response:
        times.append(time.monotonic())
        return Response(b"oops" if len(times) == 1 else b"ok", status=500 if len(times) == 1 else 200)

    server.expect_request("/flaky").respond_with_handler(fail_once)
    with fetcher(min_delay=0.5) as f:
        assert f.get(server.url_for("/flaky")).body == b"ok"
    assert times[1] - times[0] >= 0.45  # plain urllib3 Retry retries the first failure at once


def test_500_forever_fails_after_retries(server):
    server.expect_request("/broken").respond_with_data(b"oops", status=500)
    url = server.url_for("/broken")
    with fetcher(retries=2) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert str(caught.value) == f"HTTP 500 Internal Server Error: {url}"
    assert paths(server) == ["/broken"] * 3


def test_404_fails_without_retry(server):
    url = server.url_for("/missing")
    server.expect_request("/missing").respond_with_data(b"nope", status=404)
    with fetcher() as f, pytest.raises(FetchError, match=re.escape(f"HTTP 404 Not Found: {url}")):
        f.get(url)
    assert len(server.log) == 1


def test_retry_after_over_limit_fails_instead_of_waiting(server):
    server.expect_request("/down").respond_with_data(b"later", status=503, headers={"Retry-After": "3600"})
    url = server.url_for("/down")
    started = time.monotonic()
    with fetcher(max_retry_after=10) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert time.monotonic() - started < 2
    assert str(caught.value) == f"HTTP 503 Service Unavailable: {url} (Retry-After 3600s is over the 10s limit)"
    assert len(server.log) == 1


# -- network failures ------------------------------------------------------------------------


def test_timeout_fails_quickly(server):
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)  # the server is single-threaded: let it go as soon as the test is done
        return Response(b"too late")

    server.expect_request("/slow").respond_with_handler(stall)
    url = server.url_for("/slow")
    started = time.monotonic()
    try:
        with fetcher(timeout=0.5, retries=1) as f, pytest.raises(FetchError) as caught:
            f.get(url)
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert str(caught.value) == f"timed out after 0.5s: {url}"


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/"
    with fetcher(retries=1) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    message = str(caught.value)
    assert message.startswith(f"could not connect: {url} (")
    assert "refused" in message.lower()
    assert "\n" not in message


def test_truncated_body_fails(server):
    response = Response(b"only part of it")
    response.headers["Content-Length"] = "1000"
    server.expect_request("/cut").respond_with_response(response)
    url = server.url_for("/cut")
    with fetcher() as f, pytest.raises(FetchError, match=re.escape(f"connection broken while reading: {url} (")):
        f.get(url)


# -- redirects ------------------------------------------------------------------------------


def test_same_site_redirect_is_followed(server):
    server.expect_request("/event/17").respond_with_data(b"", status=301, headers={"Location": "/event/17/"})
    server.expect_request("/event/17/").respond_with_data(b"timetable")
    with fetcher() as f:
        result = f.get(server.url_for("/event/17"))
    assert result.url == server.url_for("/event/17/")
    assert result.body == b"timetable"


def test_redirect_loop_stops(server):
    server.expect_request("/loop").respond_with_data(b"", status=302, headers={"Location": "/loop"})
    url = server.url_for("/loop")
    with fetcher() as f, pytest.raises(FetchError, match=re.escape(f"more than 5 redirects: {url}")):
        f.get(url)
    assert len(server.log) == 6


@pytest.mark.parametrize(
    "target",
    ["http://localhost:{port}/elsewhere", "http://127.0.0.1:{other_port}/elsewhere", "http://example.invalid/x"],
    ids=["other-host-same-server", "other-port", "unresolvable-host"],
)
def test_offsite_redirect_refused_without_contacting_it(server, target):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        other_port = s.getsockname()[1]
    target = target.format(port=server.port, other_port=other_port)
    server.expect_request("/go").respond_with_data(b"", status=302, headers={"Location": target})
    server.expect_request("/elsewhere").respond_with_data(b"should not be fetched")
    url = server.url_for("/go")
    with fetcher() as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert str(caught.value) == f"redirect to another site refused: {url} -> {target}"
    assert paths(server) == ["/go"]


# -- size cap -------------------------------------------------------------------------------


def test_oversized_body_with_content_length_refused(server):
    server.expect_request("/big").respond_with_data(b"x" * 2000)
    url = server.url_for("/big")
    with fetcher(max_bytes=1000) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert str(caught.value) == f"response larger than 1000 bytes refused: {url}"


def test_oversized_streamed_body_refused_early(server):
    produced = []

    def fifty_megabytes() -> Iterator[bytes]:
        chunk = b"x" * MB
        for _ in range(50):
            produced.append(1)
            yield chunk

    # A generator body: no Content-Length, so only the running total can stop it.
    server.expect_request("/stream").respond_with_response(Response(fifty_megabytes()))
    url = server.url_for("/stream")
    started = time.monotonic()
    with fetcher(max_bytes=5 * MB) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert time.monotonic() - started < 5
    assert str(caught.value) == f"response larger than {5 * MB} bytes refused: {url}"
    assert "Content-Length" not in server.log[0][1].headers
    assert len(produced) < 50


def test_gzip_bomb_refused_on_decoded_size(server):
    bomb = gzip.compress(b"\0" * (50 * MB), compresslevel=1)
    assert len(bomb) < MB
    server.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    url = server.url_for("/bomb")
    with fetcher(max_bytes=5 * MB) as f, pytest.raises(FetchError, match="response larger than"):
        f.get(url)


def test_gzip_body_is_decoded_and_wire_bytes_counted(server):
    text = b"<schedule>" + b"<event/>" * 1000 + b"</schedule>"
    packed = gzip.compress(text)
    server.expect_request("/schedule.xml").respond_with_data(packed, headers={"Content-Encoding": "gzip"})
    with fetcher() as f:
        result = f.get(server.url_for("/schedule.xml"))
    assert result.body == text
    assert result.bytes_received == len(packed)


# -- robots.txt and politeness --------------------------------------------------------------


def test_robots_disallow_honoured_and_fetched_once(server):
    server.expect_request("/robots.txt").respond_with_data(b"User-agent: *\nDisallow: /private/\n")
    server.expect_request("/public").respond_with_data(b"ok")
    url = server.url_for("/private/talks")
    with fetcher(obey_robots=True) as f:
        assert f.get(server.url_for("/public")).body == b"ok"
        with pytest.raises(FetchError) as caught:
            f.get(url)
        assert f.get(server.url_for("/public")).body == b"ok"
    assert str(caught.value) == f"disallowed by robots.txt: {url}"
    assert paths(server) == ["/robots.txt", "/public", "/public"]
    assert server.log[0][0].headers["User-Agent"].startswith("mcarchive/")


def test_robots_group_for_our_token_applies(server):
    server.expect_request("/robots.txt").respond_with_data(
        b"User-agent: mcarchive\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    with fetcher(obey_robots=True) as f, pytest.raises(FetchError, match="disallowed by robots.txt"):
        f.get(server.url_for("/"))


@pytest.mark.parametrize("status, warns", [(404, False), (500, True)])
def test_robots_errors_allow_all(server, caplog, status, warns):
    server.expect_request("/robots.txt").respond_with_data(b"", status=status)
    server.expect_request("/page").respond_with_data(b"ok")
    with caplog.at_level(logging.WARNING, logger="scraper.fetch"), fetcher(obey_robots=True, retries=0) as f:
        assert f.get(server.url_for("/page")).body == b"ok"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert bool(warnings) == warns
    if warns:
        assert "robots.txt unavailable" in warnings[0]


def test_robots_crawl_delay_spaces_requests(server):
    times: list[float] = []
    server.expect_request("/robots.txt").respond_with_data(b"User-agent: *\nCrawl-delay: 1\n")
    server.expect_request("/page").respond_with_handler(recording_handler(times))
    with fetcher(obey_robots=True) as f:
        f.get(server.url_for("/page"))
        f.get(server.url_for("/page"))
    assert len(times) == 2
    assert times[1] - times[0] >= 0.9


def test_min_delay_spaces_requests(server):
    times: list[float] = []
    server.expect_request("/page").respond_with_handler(recording_handler(times))
    with fetcher(min_delay=0.5) as f:
        for _ in range(3):
            f.get(server.url_for("/page"))
    assert [round(b - a, 1) >= 0.45 for a, b in zip(times, times[1:])] == [True, True]


# -- refused before any request -------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.org/schedule.xml", "file:///etc/passwd", "javascript:alert(1)"])
def test_non_http_url_refused(url):
    with fetcher() as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert str(caught.value) == f"{url}: only http(s) URLs are fetched"


def test_private_address_refused_by_default(server):
    server.expect_request("/").respond_with_data(b"ok")
    url = server.url_for("/")
    with Fetcher(FetchPolicy(min_delay=0.0)) as f, pytest.raises(FetchError) as caught:
        f.get(url)
    assert str(caught.value) == f"refused to fetch a private address (use --allow-private): {url}"
    assert server.log == []


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("http://lpc.events/event/17", "https://lpc.events/event/17/", True),  # upgrade to TLS
        ("https://LPC.events/", "https://lpc.events:443/x", True),
        ("https://lpc.events/", "https://lpc.events:8443/", False),
        ("https://lpc.events/", "https://www.lpc.events/", False),
        ("https://lpc.events/", "ftp://lpc.events/", False),
        ("https://lpc.events/", "https://lpc.events:99999/", False),  # invalid port
    ],
)
def test_same_site_rule(a, b, same):
    assert _same_site(a, b) is same
