"""The `mcarchive` command line: arguments, output and exit codes; nothing else.

Expected failures (unreachable host, 404, unsupported page, malformed file) are one line
each on stderr and a non-zero exit code; a traceback means a bug.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from . import __version__, pipeline, store
from .fetch import Fetcher, FetchPolicy
from .config import ConfigError, load_config
from .parsers import PARSERS, parse_page
from .records import ParseError

DEFAULT_DB = "archive.db"
DEFAULT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

db_option = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
                         type=click.Path(dir_okay=False), help="The archive database file.")


@click.group()
@click.version_option(__version__, prog_name="mcarchive")
@click.option("-v", "--verbose", count=True, help="More log output (-v: one line per request).")
def cli(verbose: int) -> None:
    """Archive conference microconference and devroom programmes (Indico, FOSDEM) in
    SQLite and publish them with Datasette.

    \b
    Example:
        mcarchive scrape https://lpc.events/event/17/sessions/162/
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _report(report: pipeline.JobReport, what: str) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    click.echo(f"{what}: {report.pages_parsed} pages parsed" + (f"; {counts}" if counts else "")
               + (f" (run {report.run_id})" if report.run_id else ""), err=True)
    _fail_if_errors(report)


def _open(db_path: str):
    try:
        return store.open_db(db_path)
    except store.StoreError as exc:
        raise click.ClickException(str(exc)) from None


def _fail_if_errors(report: pipeline.JobReport) -> None:
    if report.errors:
        raise click.ClickException(
            f"{len(report.errors)} problem(s); see scrape_runs {report.run_id}" if report.run_id
            else f"{len(report.errors)} problem(s)")


def _scrape_summary(report: pipeline.JobReport) -> str:
    t = report.talks
    read = f"{report.pages_read} read from files, " if report.pages_read else ""
    return (f"pages: {read}{report.pages_fetched} fetched, {report.pages_not_modified} not modified, "
            f"{report.pages_failed} failed ({report.requests} requests, {report.bytes_received:,} bytes); "
            f"talks: {t.added} added, {t.changed} changed, {t.unchanged} unchanged, {t.removed} removed; "
            f"{report.seconds:.1f} s (run {report.run_id})")


class _Progress:
    """A progress bar on a terminal; one plain line per page otherwise (logs, CI)."""

    def __init__(self, silent: bool) -> None:
        self.silent = silent
        self.bar = None
        if not silent and sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(unit=" pages", file=sys.stderr, leave=False)

    def __call__(self, event: str, url: str) -> None:
        if self.silent:
            return
        if self.bar is not None:
            if event != "stored":
                self.bar.update(1)
            self.bar.set_postfix_str(f"{event} {url}"[-60:], refresh=True)
        else:
            click.echo(f"{event}: {url}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command()
@click.argument("sources", nargs=-1)
@db_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML file listing sources (see sources.yml).")
@click.option("--url", help="The URL a local FILE was served at (its links and ids depend on it).")
@click.option("--event-id", help="Archive id for the event, e.g. lpc-2023 (default: from its title).")
@click.option("--no-follow", is_flag=True, help="Do not follow links to contribution pages.")
@click.option("--refresh", is_flag=True,
              help="Fetch every page again, without conditional requests, and re-parse it.")
@click.option("--max-pages", default=pipeline.DEFAULT_MAX_PAGES, show_default=True,
              help="Stop fetching after this many requests.")
@click.option("--allow-private", is_flag=True,
              help="Allow fetching from private/loopback addresses (local test servers).")
@click.option("--delay", type=float, default=None,
              help="Minimum seconds between two requests to one host (default 1, or the config's).")
@click.option("--retries", type=int, default=3, show_default=True,
              help="Retries (with backoff) on connection errors, 429 and 5xx.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--user-agent", help="User-Agent to send (default names mcarchive and its URL).")
@click.option("-s", "--silent", is_flag=True, help="No progress output.")
def scrape(sources, db_path, config_path, url, event_id, no_follow, refresh, max_pages, allow_private,
           delay, retries, timeout, user_agent, silent):
    """Fetch programme pages (URLs or local files) and upsert them into the archive.

    The page kind is recognised from its content (Indico pages and JSON, pentabarf
    schedule XML); same-site links it needs are followed. Unchanged pages cost a
    conditional request; a killed job resumes where it stopped when run again.

    \b
    Example:
        mcarchive scrape https://lpc.events/event/17/sessions/162/ --db archive.db
        mcarchive scrape --config sources.yml
    """
    if url and len(sources) != 1:
        raise click.UsageError("--url applies to a single local FILE")
    job_sources: list = list(sources)
    settings = {}
    if config_path:
        try:
            config = load_config(config_path, {p.FORMAT for p in PARSERS})
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        job_sources += config.sources
        settings = {"user_agent": config.user_agent, "delay": config.delay}
    if not job_sources:
        raise click.UsageError("give SOURCES or --config")
    policy = FetchPolicy(allow_private=allow_private, retries=retries, timeout=timeout,
                         min_delay=delay if delay is not None else settings.get("delay") or 1.0)
    if user_agent or settings.get("user_agent"):
        policy.user_agent = user_agent or settings["user_agent"]
    db = _open(db_path)
    progress = _Progress(silent)
    try:
        with Fetcher(policy) as fetcher:
            report = pipeline.scrape(db, job_sources, fetcher, url=url, follow=not no_follow,
                                     event_id=event_id, max_pages=max_pages, refresh=refresh,
                                     progress=progress)
    except pipeline.JobError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(_scrape_summary(report), err=True)
    _fail_if_errors(report)


workers_option = click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Parser processes (default: one per core, at most 4; 1 parses in this process).")


@cli.command()
@db_option
@click.option("--fixtures", "fixtures_dir", default=str(DEFAULT_FIXTURES), show_default=True,
              type=click.Path(file_okay=False), help="Folder with MANIFEST.tsv and saved pages.")
@workers_option
def build(db_path, fixtures_dir, workers):
    """Rebuild the archive offline from the bundled real pages (fixtures/MANIFEST.tsv).

    Atomic: the new database replaces the old one only when it is complete.

    \b
    Example:
        mcarchive build --db archive.db
    """
    try:
        report = pipeline.build(Path(db_path), Path(fixtures_dir), workers=workers)
    except pipeline.JobError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report, f"build {db_path}")


@cli.command()
@db_option
@workers_option
def reparse(db_path, workers):
    """Re-run the parsers over every stored raw page, without the network.

    \b
    Example:
        mcarchive reparse --db archive.db
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"no archive at {db_path}")
    try:
        report = pipeline.reparse(_open(db_path), workers=workers)
    except pipeline.JobError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report, "reparse")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--url", required=True, help="The URL the page was served at.")
def parse(file, url):
    """Print the records parsed from one saved page as JSON; touches no database.

    \b
    Example:
        mcarchive parse session.html --url https://lpc.events/event/17/sessions/162/
    """
    try:
        body = Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    try:
        programme = parse_page(body, url)
    except ParseError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    click.echo(json.dumps(programme.to_dict(), indent=2, ensure_ascii=False, sort_keys=True))
