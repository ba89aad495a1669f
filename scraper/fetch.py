"""Polite HTTP fetching: the only module of mcarchive that imports requests.

Everything that decides how we treat other people's servers lives here, in `FetchPolicy`:
robots.txt (parsed by Protego, as Scrapy does), a per-host delay raised by Crawl-delay /
Request-rate, retries with Retry-After (urllib3's `Retry`), conditional GETs, a body size
cap, same-site redirects only, and no requests to private addresses. `Fetcher.get` returns
the body as untouched bytes, so parsers can be run on saved files; every expected failure
is a `FetchError` whose message is one line naming the URL.

A `Fetcher` is not thread-safe: it makes one request at a time, which is also the
politeness rule (one request at a time per host).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, NewConnectionError, ResponseError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.retry import Retry

from scraper import __version__

logger = logging.getLogger(__name__)

#: The product token robots.txt groups are matched against.
UA_TOKEN = "mcarchive"
MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Google and RFC 9309 read at least the first 500 KiB of a robots.txt; the rest is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A page could not be fetched; the message is one line, fit for the CLI, naming the URL."""


DEFAULT_USER_AGENT = (
    f"{UA_TOKEN}/{__version__} (+https://github.com/mcarchive/mcarchive; conference programme archive)"
)


@dataclass
class FetchPolicy:
    """How politely we fetch: the one documented home of these rules (cf. Scrapy settings)."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0  # seconds, for connect and for each read
    max_bytes: int = 20 * 1024 * 1024  # checked on Content-Length and while streaming
    min_delay: float = 1.0  # seconds between the starts of two requests to one host
    retries: int = 3  # on connection errors, read errors and RETRY_STATUSES
    backoff_factor: float = 1.0
    max_retry_after: float = 120.0  # a longer Retry-After fails instead of waiting
    obey_robots: bool = True
    allow_private: bool = False  # refuse loopback/private/link-local targets unless True


@dataclass
class FetchResult:
    """One fetched page: what parsers and the store need, nothing from requests."""

    url: str  # final URL after same-site redirects
    status: int  # 200, or 304 when a conditional GET said not modified
    content_type: str | None
    body: bytes | None  # untouched bytes (charset not decoded); None for 304
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601 UTC, e.g. "2026-11-23T20:41:00Z"
    bytes_received: int  # body bytes transferred on the wire (0 for 304)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta or HTTP date), uncapped; None if absent or invalid."""
    if value is None:
        return None
    try:
        return Retry(retry_after_max=sys.maxsize).parse_retry_after(value)
    except InvalidHeader:
        return None


class _PoliteRetry(Retry):
    """urllib3's Retry, with two politeness changes.

    - It never sleeps less than `min_sleep` (the host's delay) between attempts: plain
      Retry retries the first failure at once, whatever the backoff factor.
    - A Retry-After above `retry_after_max` stops the retries (the caller then sees the
      429/503 response and reports it) instead of being capped and waited out, which is
      what Retry's own `retry_after_max` does. Backoff waits are capped by `backoff_max`.
    """

    def __init__(self, *args: Any, min_sleep: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_sleep = min_sleep

    def new(self, **kw: Any) -> _PoliteRetry:
        kw.setdefault("min_sleep", self.min_sleep)
        return super().new(**kw)

    def get_retry_after(self, response: Any) -> float | None:
        # A malformed Retry-After should fall back to backoff, not crash the fetch.
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[no-untyped-def]
        if response is not None and self.respect_retry_after_header:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > self.retry_after_max:
                # With raise_on_status=False the pool returns this response to the caller.
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {wait:.0f}s too long"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        wait = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time()
        wait = max(wait, self.min_sleep)
        if wait > 0:
            time.sleep(wait)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _same_site(a: str, b: str) -> bool:
    """Same host and port, whatever the scheme; a scheme's default port counts as no port,
    so http://lpc.events/ -> https://lpc.events/ is the same site but :8080 is not."""

    def site(url: str) -> tuple[str, int | None]:
        parts = urlsplit(url)
        default = _DEFAULT_PORTS.get(parts.scheme.lower())
        port = parts.port
        return (parts.hostname or "").rstrip("."), (None if port == default else port)

    try:
        return urlsplit(b).scheme.lower() in _DEFAULT_PORTS and site(a) == site(b)
    except ValueError:  # unparseable port
        return False


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """exc and what it wraps: requests wraps MaxRetryError, which wraps urllib3's error, which wraps the OSError."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if e in seen:
            continue
        seen.append(e)
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        for nested in (getattr(e, "reason", None), e.__cause__, e.__context__):
            if isinstance(nested, BaseException):
                todo.append(nested)
    return seen


def _is_timeout(exc: BaseException) -> bool:
    # After retries, requests reports a read timeout as a ConnectionError: look inside.
    # urllib3's NewConnectionError (refused, unresolvable) subclasses its ConnectTimeoutError.
    return any(
        isinstance(e, (requests.exceptions.Timeout, Urllib3TimeoutError, TimeoutError))
        and not isinstance(e, NewConnectionError)
        for e in _exception_chain(exc)
    )


def _reason(exc: BaseException) -> str:
    """A short reason such as 'Connection refused', from the innermost OSError if there is one."""
    chain = _exception_chain(exc)
    for e in reversed(chain):
        if isinstance(e, OSError) and e.strerror:
            return e.strerror
    text = str(chain[-1]) or type(chain[-1]).__name__
    return " ".join(text.split())[:200]


def _status_line(resp: requests.Response) -> str:
    """'HTTP 404 Not Found', with the standard phrase: servers send anything ('NOT FOUND', '')."""
    try:
        reason = HTTPStatus(resp.status_code).phrase
    except ValueError:
        reason = resp.reason or ""
    return f"HTTP {resp.status_code} {reason}".rstrip()


class Fetcher:
    """Fetches pages one at a time under a `FetchPolicy`; use as a context manager or call close()."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        p = self.policy
        self._retry = _PoliteRetry(
            total=p.retries,
            connect=p.retries,
            read=p.retries,
            status_forcelist=RETRY_STATUSES,
            other=0,  # TLS and other errors: retrying does not help
            backoff_factor=p.backoff_factor,
            backoff_max=p.max_retry_after,
            retry_after_max=p.max_retry_after,  # type: ignore[arg-type]
            respect_retry_after_header=True,
            allowed_methods={"GET"},
            raise_on_status=False,
            min_sleep=p.min_delay,
        )
        self._adapter = HTTPAdapter(max_retries=self._retry)
        self._session = requests.Session()
        # Ignore proxy variables and ~/.netrc: fetches behave the same everywhere and
        # no stored credentials are ever sent to a conference site.
        self._session.trust_env = False
        self._session.headers["User-Agent"] = p.user_agent
        self._session.mount("http://", self._adapter)
        self._session.mount("https://", self._adapter)
        self._last_start: dict[str, float] = {}  # host -> monotonic start of the last request
        self._robots_delay: dict[str, float] = {}  # host -> delay asked for by robots.txt
        self._robots: dict[str, Protego | None] = {}  # scheme://netloc -> parsed robots.txt

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET url under the policy; a conditional GET when etag/last_modified (from the stored page) are given.

        Returns status 200 with the body, or 304 with body None. Raises FetchError for
        everything else (refused by policy, HTTP errors after retries, network failures).
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        resp, final_url = self._get_following_redirects(url, headers, check_robots=self.policy.obey_robots)
        try:
            if resp.status_code == 304:
                self._log(resp, 0, final_url)
                return FetchResult(
                    url=final_url,
                    status=304,
                    content_type=resp.headers.get("Content-Type"),
                    body=None,
                    # A 304 need not repeat the validators; the stored ones stay valid then.
                    etag=resp.headers.get("ETag") or etag,
                    last_modified=resp.headers.get("Last-Modified") or last_modified,
                    fetched_at=_now_iso(),
                    bytes_received=0,
                )
            self._raise_for_status(resp, final_url)
            body, received = self._read_body(resp, final_url, self.policy.max_bytes)
            self._log(resp, received, final_url)
            return FetchResult(
                url=final_url,
                status=resp.status_code,
                content_type=resp.headers.get("Content-Type"),
                body=body,
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
                fetched_at=_now_iso(),
                bytes_received=received,
            )
        finally:
            resp.close()

    # -- one request ----------------------------------------------------------------------

    def _get_following_redirects(
        self, url: str, headers: dict[str, str], *, check_robots: bool
    ) -> tuple[requests.Response, str]:
        """Send url, following up to MAX_REDIRECTS same-site redirects; returns the open final response."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_url(current)
            if check_robots:
                self._check_robots(current)
            resp = self._send(current, headers)
            # requests' own helper: it also repairs UTF-8 Locations that arrive as latin-1.
            location = self._session.get_redirect_target(resp)
            if location is None:
                return resp, current
            target = urljoin(current, location)
            self._log(resp, 0, current, note=f"-> {target}")
            resp.close()
            if not _same_site(current, target):
                raise FetchError(f"redirect to another site refused: {current} -> {target}")
            current = target
        raise FetchError(f"more than {MAX_REDIRECTS} redirects: {url}")

    def _check_url(self, url: str) -> None:
        """Refuse non-http(s) URLs and, unless allowed, hosts resolving to private addresses."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in _DEFAULT_PORTS:
            raise FetchError(f"{url}: only http(s) URLs are fetched")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FetchError(f"invalid URL: {url}") from None
        if not host:
            raise FetchError(f"invalid URL (no host): {url}")
        if self.policy.allow_private:
            return
        # Checked before connecting; requests resolves the name again, so this does not
        # stop a DNS-rebinding host. It keeps a typo'd or hostile link off the LAN.
        try:
            infos = socket.getaddrinfo(host, port or _DEFAULT_PORTS[parts.scheme.lower()], proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as e:
            raise FetchError(f"could not connect: {url} ({_reason(e)})") from e
        for info in infos:
            addr = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            if not addr.is_global or addr.is_multicast:
                raise FetchError(f"refused to fetch a private address (use --allow-private): {url}")

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        """One GET (with urllib3's retries), after waiting for the host's turn; the response is streamed."""
        host = (urlsplit(url).hostname or "").rstrip(".")
        delay = max(self.policy.min_delay, self._robots_delay.get(host, 0.0))
        self._wait_turn(host, delay)
        self._adapter.max_retries = self._retry.new(min_sleep=delay)
        timeout = self.policy.timeout
        try:
            resp = self._session.get(
                url, headers=headers, timeout=(timeout, timeout), allow_redirects=False, stream=True
            )
        except requests.RequestException as e:
            # Retries (if any) took time: count the next turn from now.
            self._last_start[host] = time.monotonic()
            logger.debug("failed %s (%s)", url, _reason(e))
            if _is_timeout(e):
                raise FetchError(f"timed out after {timeout:g}s: {url}") from e
            if isinstance(e, requests.exceptions.ConnectionError):
                raise FetchError(f"could not connect: {url} ({_reason(e)})") from e
            raise FetchError(f"request failed: {url} ({_reason(e)})") from e
        retries = getattr(resp.raw, "retries", None)
        if retries is not None and retries.history:
            self._last_start[host] = time.monotonic()
        return resp

    def _wait_turn(self, host: str, delay: float) -> None:
        """Sleep until `delay` seconds have passed since the start of the last request to host."""
        last = self._last_start.get(host)
        if last is not None:
            remaining = last + delay - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last_start[host] = time.monotonic()

    def _raise_for_status(self, resp: requests.Response, url: str) -> None:
        if resp.status_code < 300:
            return
        self._log(resp, 0, url)
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        if resp.status_code in RETRY_STATUSES and wait is not None and wait > self.policy.max_retry_after:
            raise FetchError(
                f"{_status_line(resp)}: {url} "
                f"(Retry-After {wait:.0f}s is over the {self.policy.max_retry_after:g}s limit)"
            )
        raise FetchError(f"{_status_line(resp)}: {url}")

    def _read_body(
        self, resp: requests.Response, url: str, limit: int, *, truncate: bool = False
    ) -> tuple[bytes, int]:
        """Stream the body, refusing (or, for robots.txt, truncating) it past `limit` bytes.

        Returns (body, wire bytes). The limit applies to the decoded body, so a gzip bomb
        is stopped too; a body of any declared size is never read whole into memory.
        """
        declared = resp.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than {limit} bytes refused: {url}")
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                total += len(chunk)
                if total > limit:
                    if truncate:
                        chunks.append(chunk[: len(chunk) - (total - limit)])
                        break
                    raise FetchError(f"response larger than {limit} bytes refused: {url}")
                chunks.append(chunk)
        except requests.RequestException as e:
            if _is_timeout(e):
                raise FetchError(f"timed out after {self.policy.timeout:g}s: {url}") from e
            raise FetchError(f"connection broken while reading: {url} ({_reason(e)})") from e
        return b"".join(chunks), resp.raw.tell()

    # -- robots.txt -----------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        robots = self._robots[origin]
        if robots is not None and not robots.can_fetch(url, UA_TOKEN):
            raise FetchError(f"disallowed by robots.txt: {url}")

    def _load_robots(self, origin: str) -> Protego | None:
        """Fetch and parse origin's robots.txt once; None means allow all (4xx, 5xx, unreachable)."""
        robots_url = origin + "/robots.txt"
        try:
            resp, final_url = self._get_following_redirects(robots_url, {}, check_robots=False)
        except FetchError as e:
            logger.warning("robots.txt unavailable, allowing all: %s", e)
            return None
        try:
            if resp.status_code >= 300:
                self._log(resp, 0, final_url)
                if resp.status_code >= 500:
                    logger.warning("robots.txt unavailable, allowing all: %s: %s", _status_line(resp), final_url)
                return None
            body, received = self._read_body(resp, final_url, ROBOTS_MAX_BYTES, truncate=True)
            self._log(resp, received, final_url)
        except FetchError as e:
            logger.warning("robots.txt unreadable, allowing all: %s", e)
            return None
        finally:
            resp.close()
        robots = Protego.parse(body.decode("utf-8", errors="replace"))
        delay = robots.crawl_delay(UA_TOKEN) or 0.0
        rate = robots.request_rate(UA_TOKEN)
        if rate is not None and rate.requests > 0:
            delay = max(delay, rate.seconds / rate.requests)
        if delay > 0:
            host = (urlsplit(origin).hostname or "").rstrip(".")
            self._robots_delay[host] = max(self._robots_delay.get(host, 0.0), float(delay))
            logger.debug("robots.txt asks for %gs between requests: %s", delay, final_url)
        return robots

    @staticmethod
    def _log(resp: requests.Response, received: int, url: str, note: str = "") -> None:
        logger.debug("%s %d bytes %s%s", _status_line(resp), received, url, f" {note}" if note else "")
