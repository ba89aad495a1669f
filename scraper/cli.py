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
from .parsers import parse_page
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
    if report.errors:
        raise click.ClickException(
            f"{len(report.errors)} problem(s); see scrape_runs {report.run_id}" if report.run_id
            else f"{len(report.errors)} problem(s)")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@db_option
@click.option("--url", help="The URL a local FILE was served at (its links and ids depend on it).")
@click.option("--event-id", help="Archive id for the event, e.g. lpc-2023 (default: from its title).")
@click.option("--no-follow", is_flag=True, help="Do not follow links to contribution pages.")
@click.option("--max-pages", default=pipeline.DEFAULT_MAX_PAGES, show_default=True,
              help="Stop fetching after this many pages.")
@click.option("--allow-private", is_flag=True,
              help="Allow fetching from private/loopback addresses (local test servers).")
@click.option("--delay", type=float, default=1.0, show_default=True,
              help="Minimum seconds between two requests to one host.")
@click.option("--retries", type=int, default=3, show_default=True,
              help="Retries (with backoff) on connection errors, 429 and 5xx.")
def scrape(sources, db_path, url, event_id, no_follow, max_pages, allow_private, delay, retries):
    """Fetch programme pages (URLs or local files) and upsert them into the archive.

    The page kind is recognised from its content (Indico session/contribution page,
    pentabarf schedule XML); same-site links it needs are followed.

    \b
    Example:
        mcarchive scrape https://lpc.events/event/17/sessions/162/ --db archive.db
    """
    if url and len(sources) != 1:
        raise click.UsageError("--url applies to a single local FILE")
    db = store.open_db(db_path)
    policy = FetchPolicy(allow_private=allow_private, min_delay=delay, retries=retries)
    with Fetcher(policy) as fetcher:
        try:
            report = pipeline.scrape(db, list(sources), fetcher, url=url, follow=not no_follow,
                                     event_id=event_id, max_pages=max_pages)
        except pipeline.JobError as exc:
            raise click.ClickException(str(exc)) from None
    _report(report, "scrape")


@cli.command()
@db_option
@click.option("--fixtures", "fixtures_dir", default=str(DEFAULT_FIXTURES), show_default=True,
              type=click.Path(file_okay=False), help="Folder with MANIFEST.tsv and saved pages.")
def build(db_path, fixtures_dir):
    """Rebuild the archive offline from the bundled real pages (fixtures/MANIFEST.tsv).

    Atomic: the new database replaces the old one only when it is complete.

    \b
    Example:
        mcarchive build --db archive.db
    """
    try:
        report = pipeline.build(Path(db_path), Path(fixtures_dir))
    except pipeline.JobError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report, f"build {db_path}")


@cli.command()
@db_option
def reparse(db_path):
    """Re-run the parsers over every stored raw page, without the network.

    \b
    Example:
        mcarchive reparse --db archive.db
    """
    if not Path(db_path).exists():
        raise click.ClickException(f"no archive at {db_path}")
    report = pipeline.reparse(store.open_db(db_path))
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
