"""One job: fetch → parse → normalize → store → publish.

`scrape` fetches live pages (or reads local files), `build` reads the bundled fixtures,
`reparse` reads the stored raw pages: all three hand pages to the same parse, merge and
store code, so an offline build is exactly what a live scrape of the same bytes gives.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from . import store
from .fetch import Fetcher, FetchError
from .normalize.merge import Rows, merge
from .parsers import parse_page
from .publish import ensure_published
from .records import ParseError, Programme

logger = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 2000


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
    pages_parsed: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_one(page: Page, report: JobReport) -> Programme | None:
    """Parse a page; a failure becomes one error line and the job goes on."""
    try:
        programme = parse_page(page.body, page.url)
    except ParseError as exc:
        report.errors.append(f"{page.url}: {exc}")
        return None
    except RecursionError:
        report.errors.append(f"{page.url}: page nested too deeply to parse")
        return None
    report.pages_parsed += 1
    return programme


def store_programmes(db: sqlite_utils.Database, programmes: list[Programme], report: JobReport,
                     fetched_at: dict[str, str], event_id: str | None = None) -> Rows:
    """Merge the job's programmes and write them in one transaction."""
    ids = store.known_event_ids(db)
    if event_id:
        keys = {p.event.source_key for p in programmes}
        if len(keys) > 1:
            raise JobError(f"--event-id {event_id} given, but the pages belong to {len(keys)} events")
        ids.update({key: event_id for key in keys})
    rows = merge(programmes, ids)
    store.save_rows(db, rows, fetched_at)
    ensure_published(db)
    report.warnings.extend(rows.warnings)
    report.counts = rows.counts()
    return rows


def _same_site(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.scheme in ("http", "https") and (pa.hostname, pa.port) == (pb.hostname, pb.port)


def _local_page(source: str, url: str | None) -> Page:
    path = Path(source)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise JobError(f"cannot read {source}: {exc.strerror}") from None
    return Page(url=url or path.resolve().as_uri(), body=body, fetched_at=store.now_utc())


def scrape(db: sqlite_utils.Database, sources: list[str], fetcher: Fetcher | None = None, *,
           url: str | None = None, follow: bool = True, event_id: str | None = None,
           max_pages: int = DEFAULT_MAX_PAGES) -> JobReport:
    """Fetch each source (URL or local file), follow the same-site links its parser asks
    for, and upsert everything. Failed pages are reported and skipped."""
    report = JobReport(run_id=store.start_run(db, sources))
    programmes: list[Programme] = []
    fetched_at: dict[str, str] = {}
    queue: list[tuple[str, str | None]] = []  # (url or path, the start URL it came from)
    seen: set[str] = set()
    for source in sources:
        if urlsplit(source).scheme in ("http", "https"):
            queue.append((source, source))
        else:
            try:
                page = _local_page(source, url)
            except JobError as exc:
                report.errors.append(str(exc))
                continue
            programme = parse_one(page, report)
            if programme:
                programmes.append(programme)
                fetched_at[page.url] = page.fetched_at
    own_fetcher = fetcher is None and bool(queue)
    fetcher = fetcher or (Fetcher() if queue else None)
    try:
        while queue:
            target, start = queue.pop(0)
            if target in seen:
                continue
            seen.add(target)
            if report.pages_fetched >= max_pages:
                report.errors.append(f"{target}: not fetched, the job's limit of {max_pages} pages was reached")
                continue
            page = _fetch(db, fetcher, target, report)
            if page is None:
                continue
            programme = parse_one(page, report)
            if programme is None:
                continue
            programmes.append(programme)
            fetched_at[page.url] = page.fetched_at
            if follow:
                queue.extend((link, start) for link in programme.follow
                             if link not in seen and _same_site(link, page.url))
    finally:
        if own_fetcher:
            fetcher.close()
    if programmes:
        try:
            store_programmes(db, programmes, report, fetched_at, event_id)
        except JobError as exc:
            report.errors.append(str(exc))
    store.finish_run(db, report.run_id, "ok" if report.ok else "failed",
                     report.pages_fetched, report.errors)
    return report


def _fetch(db: sqlite_utils.Database, fetcher: Fetcher, url: str, report: JobReport) -> Page | None:
    try:
        result = fetcher.get(url)
    except FetchError as exc:
        report.errors.append(str(exc))
        return None
    report.pages_fetched += 1
    page = Page(url=result.url, body=result.body or b"", fetched_at=result.fetched_at,
                status=result.status, content_type=result.content_type, etag=result.etag,
                last_modified=result.last_modified)
    store.save_page(db, page.__dict__)
    return page


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


def build(db_path: Path, fixtures_dir: Path) -> JobReport:
    """Build the archive from the fixtures into a new file, renamed over `db_path` only
    when complete: a failed or killed build leaves the old archive untouched."""
    db_path = Path(db_path)
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".tmp", dir=db_path.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = store.open_db(tmp)
        try:
            report = JobReport(run_id=store.start_run(db, [str(fixtures_dir)]))
            programmes, fetched_at = [], {}
            for page in fixture_pages(fixtures_dir):
                store.save_page(db, page.__dict__)
                report.pages_fetched += 1
                programme = parse_one(page, report)
                if programme:
                    programmes.append(programme)
                    fetched_at[page.url] = page.fetched_at
            store_programmes(db, programmes, report, fetched_at)
            store.finish_run(db, report.run_id, "ok" if report.ok else "failed",
                             report.pages_fetched, report.errors)
            db.conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            db.close()
        if not report.ok:
            raise JobError(f"build failed, {db_path} left as it was: " + "; ".join(report.errors[:3]))
        tmp.chmod(0o644)
        os.replace(tmp, db_path)
        return report
    finally:
        tmp.unlink(missing_ok=True)


def reparse(db: sqlite_utils.Database) -> JobReport:
    """Re-run every parser over the stored raw pages, without the network."""
    report = JobReport(run_id=store.start_run(db, ["reparse"]))
    programmes, fetched_at = [], {}
    for row in list(store.stored_pages(db)):
        page = Page(url=row["url"], body=row["body"], fetched_at=row["fetched_at"])
        programme = parse_one(page, report)
        if programme:
            programmes.append(programme)
            fetched_at[page.url] = page.fetched_at
    if programmes:
        store_programmes(db, programmes, report, fetched_at)
    store.finish_run(db, report.run_id, "ok" if report.ok else "failed", 0, report.errors)
    return report
