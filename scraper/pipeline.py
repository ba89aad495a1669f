"""One job: fetch → parse → normalize → store → publish.

`scrape` fetches live pages (or reads local files), `build` reads the bundled fixtures,
`reparse` reads the stored raw pages: all three hand pages to the same parse, merge and
store code, so an offline build is exactly what a live scrape of the same bytes gives.

A scrape works source by source. Every fetched body is committed to `pages` as soon as
it arrives; a source's rows are merged and committed in one transaction when all its
pages are in. So a killed job leaves whole pages and whole sources, never half a source,
and the next run of the same sources resumes: pages already fetched are not fetched
again. Pages the server reports unchanged (304, or the same bytes) are not re-parsed;
a source none of whose pages changed writes nothing.
"""

from __future__ import annotations

import csv
import fcntl
import logging
import multiprocessing
import os
import pickle
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from . import derived, store
from .config import DEFAULT_FOLLOW_DEPTH, Source
from .fetch import Fetcher, FetchError
from .normalize.merge import Rows, merge, select_part
from .normalize.talk_identity import match_existing
from .parsers import by_format, parser_for
from .publish import ensure_published, search_index_missing
from .records import ParseError, Programme, Selection

logger = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 2000

# progress(event, url): event is fetched | not-modified | reused | failed | stored
Progress = Callable[[str, str], None]


class JobError(Exception):
    """A job could not run at all (bad arguments, unreadable fixtures); one line."""


@dataclass
class Page:
    """A body and where it came from, fetched or read."""

    url: str
    body: bytes
    fetched_at: str
    status: int = 200
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class JobReport:
    run_id: int | None = None
    pages_fetched: int = 0
    pages_read: int = 0  # local files
    pages_not_modified: int = 0
    pages_failed: int = 0
    pages_parsed: int = 0
    requests: int = 0
    bytes_received: int = 0
    talks: store.SaveStats = field(default_factory=store.SaveStats)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    people_seen: set[str] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def run_counts(self) -> dict[str, int]:
        return {"pages_not_modified": self.pages_not_modified, "pages_failed": self.pages_failed,
                "requests": self.requests, "bytes_received": self.bytes_received,
                "talks_added": self.talks.added, "talks_changed": self.talks.changed,
                "talks_unchanged": self.talks.unchanged, "talks_removed": self.talks.removed}

    def add(self, stats: store.SaveStats) -> None:
        for name in ("added", "changed", "unchanged", "removed"):
            setattr(self.talks, name, getattr(self.talks, name) + getattr(stats, name))


def parse_one(page: Page, report: JobReport, kind: str | None = None) -> Programme | None:
    """Parse a page; a failure becomes one error line and the job goes on."""
    try:
        parser: ModuleType = by_format(kind) if kind else parser_for(page.body, page.url)
        programme = parser.parse(page.body, page.url)
    except ParseError as exc:
        report.errors.append(f"{page.url}: {exc}")
        return None
    except RecursionError:
        report.errors.append(f"{page.url}: page nested too deeply to parse")
        return None
    except Exception as exc:  # a parser bug must not end an unattended job
        logger.debug("parser bug on %s", page.url, exc_info=True)
        report.errors.append(f"{page.url}: internal error while parsing (a bug; please report it): "
                             f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
        return None
    report.pages_parsed += 1
    return programme


@dataclass
class Parsed:
    """What the storing process keeps of a parsed page until its event is merged: the
    event, the links to store with the page, and the programme — pickled when a worker
    parsed it, so that only the worker merging the event pays to rebuild its objects."""

    event_key: str
    links: dict
    programme: Programme | bytes

    def unpacked(self) -> Programme:
        return pickle.loads(self.programme) if isinstance(self.programme, bytes) else self.programme


def _parse_in_worker(page: Page, pack: bool = True) -> tuple[Parsed | None, list[str]]:
    """parse_one, in a worker process (`pack`) or here: the result and the job's error lines."""
    report = JobReport()
    programme = parse_one(page, report)
    if programme is None:
        return None, report.errors
    packed = pickle.dumps(programme, pickle.HIGHEST_PROTOCOL) if pack else programme
    return Parsed(programme.event.source_key, links_of(programme), packed), report.errors


def default_workers() -> int:
    """One worker process per core, at most 4 (a build has a few dozen big pages)."""
    return min(os.cpu_count() or 1, 4)


@contextmanager
def worker_pool(workers: int | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for a build or reparse, or None to work in this process.

    Parsing and merging are pure (bytes + URL → records → rows) and most of a build's
    time, so they run in forked workers (default: one per core, at most 4) while this
    process stores. Forking is only safe without other threads (one could hold a lock
    the child needs): with threads, or one worker, everything runs here."""
    if workers is None:
        workers = default_workers()
    if workers <= 1 or threading.active_count() > 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        try:
            yield pool
        except BrokenProcessPool:
            raise JobError("a worker process died (out of memory or killed); the archive was not changed") from None


def _in_order(pool: ProcessPoolExecutor | None, function: Callable, items: Iterable,
              ahead: int) -> Iterator[tuple[Any, Any]]:
    """(item, function(item)) for each item, in item order; with a pool, at most `ahead`
    items wait in the workers or their results here, which bounds the memory they hold."""
    if pool is None:
        for item in items:
            yield item, function(item)
        return
    in_flight: deque[tuple[Any, Future]] = deque()
    try:
        for item in items:
            in_flight.append((item, pool.submit(function, item)))
            if len(in_flight) > ahead:
                item, future = in_flight.popleft()
                yield item, future.result()
        while in_flight:
            item, future = in_flight.popleft()
            yield item, future.result()
    finally:
        for _, future in in_flight:
            future.cancel()


def parsed_pages(pages: Iterable[Page], report: JobReport,
                 pool: ProcessPoolExecutor | None = None) -> Iterator[tuple[Page, Parsed | None]]:
    """Each page with what parse_one made of it, in page order (in `pool`'s workers)."""
    parse = partial(_parse_in_worker, pack=pool is not None)
    # Pages are small next to their programmes: a few more ahead keep the workers busy.
    for page, (parsed, errors) in _in_order(pool, parse, pages, ahead=8):
        report.errors.extend(errors)
        report.pages_parsed += parsed is not None
        yield page, parsed


def merge_programmes(programmes: list[Programme], event_ids: dict[str, str],
                     event_id: str | None = None) -> Rows:
    """The rows of these programmes (pure). `event_ids`: event URL → id the archive
    already uses; `event_id`: the user's id for the one event of these pages."""
    if event_id:
        keys = {p.event.source_key for p in programmes}
        if len(keys) > 1:
            raise JobError(f"--event-id {event_id} given, but the pages belong to {len(keys)} events")
        event_ids = {**event_ids, **{key: event_id for key in keys}}
    return merge(programmes, event_ids)


def store_programmes(db: sqlite_utils.Database, programmes: list[Programme], report: JobReport,
                     fetched_at: dict[str, str], event_id: str | None = None,
                     parsed_urls: Iterable[str] = (), complete_urls: Iterable[str] = ()) -> Rows:
    """Merge programmes and store their rows (store_rows)."""
    rows = merge_programmes(programmes, store.known_event_ids(db), event_id)
    return store_rows(db, rows, report, fetched_at, parsed_urls, complete_urls)


def store_rows(db: sqlite_utils.Database, rows: Rows, report: JobReport, fetched_at: dict[str, str],
               parsed_urls: Iterable[str] = (), complete_urls: Iterable[str] = (),
               publish: bool = True) -> Rows:
    """Match merged talks to the archived ones and write everything in one transaction:
    rows, the pages they came from, and talks their page dropped. `publish=False` leaves
    search tables and views to the caller (once per job)."""
    match_existing(rows, store.talk_identities(db, [e["id"] for e in rows.events]))
    with db.atomic():
        report.add(store.save_rows(db, rows, fetched_at, report.run_id))
        store.mark_parsed(db, parsed_urls)
        report.talks.removed += store.mark_removed(db, _dropped_talks(db, rows, complete_urls), report.run_id)
    if publish:
        ensure_published(db)
    report.warnings.extend(rows.warnings)
    for name, n in rows.counts().items():
        report.counts[name] = report.counts.get(name, 0) + n
    # One person speaks at several events (batches): count them once.
    report.people_seen.update(person["id"] for person in rows.people)
    report.counts["people"] = len(report.people_seen)
    return rows


def prefer_selected(programmes: list[Programme]) -> list[Programme]:
    """A page that delegates to an export (`select`, e.g. a FOSDEM event page and its
    year's schedule/xml) lists its own talks only as a fallback: those the selected export
    gives too (same slug) are dropped from the page, so a talk is never stored twice under
    the page's slug and the export's id. When the export failed, the page's talks stand."""
    exported = {t.slug for p in programmes if not p.select for t in p.talks if t.slug}
    return [replace(p, talks=[t for t in p.talks if not (t.slug and t.slug in exported)]) if p.select else p
            for p in programmes]


def _dropped_talks(db: sqlite_utils.Database, rows: Rows, complete_urls: Iterable[str]) -> list[str]:
    """Talks that a page gave before and, parsed completely and successfully now, no
    longer lists. A page that now lists no talk at all drops nothing."""
    given_now: dict[str, set[str]] = {}
    for row in rows.provenance:
        if row["table_name"] == "talks" and row["column_name"] == "title":
            given_now.setdefault(row["url"], set()).add(row["row_id"])
    kept = {t["id"] for t in rows.talks}
    dropped = []
    for url in complete_urls:
        if not given_now.get(url):
            continue
        dropped.extend(sorted(store.talks_given_by(db, url) - kept))
    return dropped


def links_of(programme: Programme) -> dict:
    """The links a page asks for, as stored with the page (pages.follow), so an unchanged
    page need not be parsed again to continue the crawl."""
    return {"follow": programme.follow, "follow_fallback": programme.follow_fallback,
            "select": {url: asdict(sel) for url, sel in programme.select.items()}}


@contextmanager
def job_lock(db: sqlite_utils.Database):
    """One scrape job per archive at a time. A second one fails at once with a clear
    message instead of interleaving with the first; the lock dies with its process, so
    a killed job never blocks the run that resumes it."""
    path = store.db_file(db)
    if path is None:
        yield
        return
    with open(path + ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobError(f"another scrape job is running on {path}; run this one when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _same_site(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.scheme in ("http", "https") and (pa.hostname, pa.port) == (pb.hostname, pb.port)


@dataclass
class _Visit:
    """One page of a source: its programme once parsed, and whether its rows need storing."""

    url: str
    programme: Programme | None = None
    needs_store: bool = False
    selection: Selection | None = None


class ScrapeJob:
    """Fetch the sources one by one, following the links each page's parser asks for."""

    def __init__(self, db: sqlite_utils.Database, fetcher: Fetcher, *, refresh: bool = False,
                 max_pages: int = DEFAULT_MAX_PAGES, progress: Progress | None = None) -> None:
        self.db, self.fetcher, self.refresh, self.max_pages = db, fetcher, refresh, max_pages
        self.progress = progress or (lambda event, url: None)
        self.report = JobReport()
        self.resume_since: str | None = None
        # Pages of this job by URL (None: failed), so a page two sources need (one
        # schedule.xml behind several FOSDEM event pages) is fetched once and used by both.
        self.visited: dict[str, _Visit | None] = {}
        self.stored_any = False

    def run(self, sources: list[Source], local_pages: list[tuple[Page, Source]] = ()) -> JobReport:
        with job_lock(self.db):
            return self._run(sources, local_pages)

    def _run(self, sources: list[Source], local_pages: list[tuple[Page, Source]]) -> JobReport:
        started = time.monotonic()
        names = [s.url for s in sources] + [p.url for p, _ in local_pages]
        interrupted = store.interrupted_run(self.db, names)
        if interrupted and not self.refresh:
            self.resume_since = interrupted["started_at"]
            self.report.warnings.append(f"resuming run {interrupted['id']}, which did not finish")
            store.finish_run(self.db, interrupted["id"], "interrupted", interrupted["pages_fetched"] or 0,
                             [])
        self.report.run_id = store.start_run(self.db, names)
        try:
            for page, source in local_pages:
                self._local(page, source)
            for source in sources:
                self._source(source)
            if self.stored_any:
                self.report.errors.extend(derived.update_archive(self.db))  # people, series, topics
        finally:
            self.report.seconds = time.monotonic() - started
            status = "ok" if self.report.ok else "failed"
            store.finish_run(self.db, self.report.run_id, status, self.report.pages_fetched,
                             self.report.errors, **self.report.run_counts())
        return self.report

    def _local(self, page: Page, source: Source) -> None:
        self.report.pages_read += 1
        self.progress("read", page.url)
        programme = parse_one(page, self.report, source.kind)
        if programme is None:
            return
        store.save_page(self.db, page.__dict__, links_of(programme))
        self._store([_Visit(page.url, programme, True)], source)

    def _source(self, source: Source) -> None:
        visits: list[_Visit] = []
        queued: set[str] = {source.url}
        queue: list[tuple[str, int, Selection | None, list[str] | None]] = [(source.url, 0, None, None)]
        while queue:
            url, depth, selection, fallbacks = queue.pop(0)
            if url in self.visited:
                earlier = self.visited[url]
                visit = _Visit(url, earlier.programme, earlier.needs_store) if earlier else None
            else:
                visit = self._visit(url, source.kind if depth == 0 else None, fallbacks is not None)
                self.visited[url] = visit
            if visit is None:
                if fallbacks:
                    queue.extend((u, depth, selection, None) for u in fallbacks if u not in queued)
                    queued.update(fallbacks)
                continue
            visit.selection = selection
            visits.append(visit)
            follow, fallback_map, selections = self._links(visit)
            if depth >= source.follow:
                continue
            for link in follow:
                if link in queued or not _same_site(link, url):
                    continue
                queued.add(link)
                queue.append((link, depth + 1, selections.get(link), fallback_map.get(link)))
        if any(v.needs_store for v in visits):
            self._store(visits, source)

    def _visit(self, url: str, kind: str | None, has_fallback: bool) -> _Visit | None:
        """Fetch (or reuse) one page; parse it when its bytes are new."""
        state = store.page_state(self.db, url)
        if state and self.resume_since and (state["checked_at"] or "") >= self.resume_since:
            self.progress("reused", url)
            return self._stored(url, state, kind)
        if self.report.requests >= self.max_pages:
            self.report.errors.append(f"{url}: not fetched, the job's limit of {self.max_pages} pages was reached")
            return None
        conditional = {} if self.refresh or not state else {"etag": state["etag"],
                                                           "last_modified": state["last_modified"]}
        self.report.requests += 1
        try:
            result = self.fetcher.get(url, **conditional)
        except FetchError as exc:
            self.progress("failed", url)
            if has_fallback:
                self.report.warnings.append(f"{exc}; using the fallback pages")
            else:
                self.report.pages_failed += 1
                self.report.errors.append(str(exc))
            return None
        self.report.bytes_received += result.bytes_received
        if result.status == 304 and state is None:
            self.report.pages_failed += 1
            self.report.errors.append(f"{url}: 304 Not Modified for a page that was never stored")
            return None
        if result.status == 304 or (state and result.body is not None
                                    and store.sha256(result.body) == state["sha256"] and not self.refresh):
            self.report.pages_not_modified += 1
            store.touch_page(self.db, url, result.fetched_at)
            self.progress("not-modified", url)
            return self._stored(url, state, kind)
        self.report.pages_fetched += 1
        self.progress("fetched", result.url)
        page = Page(url=result.url, body=result.body or b"", fetched_at=result.fetched_at,
                    status=result.status, content_type=result.content_type, etag=result.etag,
                    last_modified=result.last_modified)
        programme = parse_one(page, self.report, kind)
        if programme is None and has_fallback:
            # Not the page kind we hoped for (e.g. an export API answering with a login page).
            self.report.warnings.append(self.report.errors.pop() + "; using the fallback pages")
        store.save_page(self.db, page.__dict__, links_of(programme) if programme else None)
        visit = _Visit(result.url, programme, needs_store=True) if programme else None
        if result.url != url:
            self.visited[result.url] = visit
        return visit

    def _stored(self, url: str, state: dict, kind: str | None) -> _Visit | None:
        """A page whose stored copy is current: parse it only if its rows are not stored."""
        if state["parsed_sha256"] == state["sha256"] and state["follow"] is not None:
            return _Visit(url)
        page = Page(url=url, body=store.page_body(self.db, url) or b"", fetched_at=state["fetched_at"])
        programme = parse_one(page, self.report, kind)
        if programme is None:
            return None
        store.touch_page(self.db, url, state["checked_at"] or page.fetched_at, links_of(programme))
        return _Visit(url, programme, needs_store=True)

    def _links(self, visit: _Visit) -> tuple[list[str], dict[str, list[str]], dict[str, Selection]]:
        """What a page asks to follow: from its programme, or as stored for an unchanged page."""
        if visit.programme is not None:
            p = visit.programme
            return p.follow, p.follow_fallback, p.select
        state = store.page_state(self.db, visit.url)
        links = (state or {}).get("follow") or {}
        return (links.get("follow", []), links.get("follow_fallback", {}),
                {url: Selection(**sel) for url, sel in links.get("select", {}).items()})

    def _store(self, visits: list[_Visit], source: Source) -> None:
        """Merge every page of the source (re-parsing stored ones as needed) and write."""
        programmes, fetched_at, complete = [], {}, []
        for visit in visits:
            if visit.programme is None:
                state = store.page_state(self.db, visit.url)
                page = Page(url=visit.url, body=store.page_body(self.db, visit.url) or b"",
                            fetched_at=state["fetched_at"] if state else store.now_utc())
                visit.programme = parse_one(page, self.report)
                if visit.programme is None:
                    continue
            programme = visit.programme
            if visit.selection is not None:
                programme = select_part(programme, visit.selection)
            else:
                complete.append(visit.url)
            programmes.append(programme)
            state = store.page_state(self.db, visit.url)
            fetched_at[visit.url] = state["fetched_at"] if state else store.now_utc()
        programmes = prefer_selected(programmes)
        if not programmes:
            return
        try:
            store_programmes(self.db, programmes, self.report, fetched_at, source.event_id,
                             parsed_urls=[v.url for v in visits if v.programme is not None],
                             complete_urls=complete)
        except JobError as exc:
            self.report.errors.append(str(exc))
            return
        self.stored_any = True
        self.progress("stored", source.url)


def scrape(db: sqlite_utils.Database, sources: list[str | Source], fetcher: Fetcher | None = None, *,
           url: str | None = None, follow: bool = True, event_id: str | None = None,
           max_pages: int = DEFAULT_MAX_PAGES, refresh: bool = False,
           progress: Progress | None = None) -> JobReport:
    """Scrape URLs and local files: fetch, follow same-site links, upsert. Failed pages
    are reported and skipped; pages that worked are kept."""
    remote, local = [], []
    for source in sources:
        if isinstance(source, str):
            source = Source(url=source, event_id=event_id, follow=DEFAULT_FOLLOW_DEPTH if follow else 0)
        if urlsplit(source.url).scheme in ("http", "https"):
            remote.append(source)
        else:
            local.append(source)
    report_errors = []
    local_pages = []
    for source in local:
        try:
            local_pages.append((_local_page(source.url, url), source))
        except JobError as exc:
            report_errors.append(str(exc))
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        report = ScrapeJob(db, fetcher, refresh=refresh, max_pages=max_pages, progress=progress).run(
            remote, local_pages)
    finally:
        if own_fetcher:
            fetcher.close()
    if report_errors:
        report.errors[:0] = report_errors
        store.finish_run(db, report.run_id, "failed", report.pages_fetched, report.errors, **report.run_counts())
    return report


def _local_page(source: str, url: str | None) -> Page:
    path = Path(source)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise JobError(f"cannot read {source}: {exc.strerror}") from None
    return Page(url=url or path.resolve().as_uri(), body=body, fetched_at=store.now_utc())


def fixture_pages(fixtures_dir: Path) -> Iterable[Page]:
    """The bundled real pages listed in fixtures/MANIFEST.tsv that belong in the default
    archive (rows whose `build` column says `no` are test-only variants)."""
    manifest = fixtures_dir / "MANIFEST.tsv"
    try:
        with open(manifest, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except OSError as exc:
        raise JobError(f"cannot read {manifest}: {exc.strerror}") from None
    fetched_at = store.now_utc()
    for row in rows:
        if (row.get("build") or "yes").strip().lower() == "no":
            continue
        path = fixtures_dir / row["file"]
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise JobError(f"cannot read fixture {path}: {exc.strerror}") from None
        yield Page(url=row["url"], body=body, fetched_at=fetched_at)


def _parse_all(db: sqlite_utils.Database, pages: Iterable[Page], report: JobReport,
               save: bool, workers: int | None = None) -> None:
    """Parse pages, then merge and store them event by event (build and reparse).

    Workers parse, then merge one event each while this process stores the one before;
    an event's merged rows are let go once written (holding them all cost a build 75 MB).
    Search tables, views and the whole-archive pass are brought up to date once, at the end."""
    by_event: dict[str, list[tuple[Parsed, str, str]]] = {}  # parsed, url, fetched_at
    with worker_pool(workers) as pool:
        for page, parsed in parsed_pages(pages, report, pool):
            if save:
                store.save_page(db, page.__dict__, parsed.links if parsed else None)
                report.pages_fetched += 1
            if parsed:  # the body is stored already: the programme is all the merge needs
                by_event.setdefault(parsed.event_key, []).append((parsed, page.url, page.fetched_at))
        if not by_event:
            return
        known = store.known_event_ids(db)
        groups = (by_event.pop(key) for key in list(by_event))
        merge_group = partial(_merge_group, event_ids=known)
        # An event's rows can be tens of MB: two ahead of the one being stored.
        for group, rows in _in_order(pool, merge_group, groups, ahead=2):
            store_rows(db, rows, report, {url: fetched_at for _, url, fetched_at in group},
                       parsed_urls=[url for _, url, _ in group], publish=False)
        # People, series, topics over the whole archive: computed in a worker while this
        # process builds the search index of a new archive (0.4 s); with the index there
        # already, a worker would only add the cost of sending it the archive.
        in_worker = pool if search_index_missing(db) else None
        report.errors.extend(derived.update_archive(db, pool=in_worker, meanwhile=partial(ensure_published, db)))


def _merge_group(group: list[tuple[Parsed, str, str]], event_ids: dict[str, str]) -> Rows:
    return merge_programmes([parsed.unpacked() for parsed, _, _ in group], event_ids)


def build(db_path: Path, fixtures_dir: Path, workers: int | None = None) -> JobReport:
    """Build the archive from the fixtures into a new file, renamed over `db_path` only
    when complete: a failed or killed build leaves the old archive untouched. `workers`:
    parser processes (parsed_pages)."""
    db_path = Path(db_path)
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".tmp", dir=db_path.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = store.open_scratch_db(tmp)
        try:
            report = JobReport(run_id=store.start_run(db, [str(fixtures_dir)]))
            _parse_all(db, fixture_pages(fixtures_dir), report, save=True, workers=workers)
            store.finish_run(db, report.run_id, "ok" if report.ok else "failed",
                             report.pages_fetched, report.errors, **report.run_counts())
        except BaseException:
            db.close()
            raise
        store.finish_scratch_db(db)
        if not report.ok:
            raise JobError(f"build failed, {db_path} left as it was: " + "; ".join(report.errors[:3]))
        tmp.chmod(0o644)
        os.replace(tmp, db_path)
        return report
    finally:
        tmp.unlink(missing_ok=True)


def reparse(db: sqlite_utils.Database, workers: int | None = None) -> JobReport:
    """Re-run every parser over the stored raw pages, without the network. The pages
    are read as they are parsed: every one is parsed before anything is written."""
    report = JobReport(run_id=store.start_run(db, ["reparse"]))
    pages = (Page(url=row["url"], body=row["body"], fetched_at=row["fetched_at"])
             for row in store.stored_pages(db))
    _parse_all(db, pages, report, save=False, workers=workers)
    store.finish_run(db, report.run_id, "ok" if report.ok else "failed", 0, report.errors,
                     **report.run_counts())
    return report
