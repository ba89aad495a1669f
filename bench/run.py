"""`make bench`: how close a build, a reparse and a rescrape come to the cost of reading
the bytes, and how fast a 1 M-talk archive answers searches and Datasette pages.

Prints a table, then, as its last line, one JSON object with the figures (see KEYS). All
figures are measured in the same run on the same machine; each is a median over
repetitions (the synthetic archive is generated once, or reused from bench/cache/).

    .venv/bin/python bench/run.py            # the full benchmark (a few minutes)
    .venv/bin/python bench/run.py --quick    # a tiny smoke run (seconds): tests/test_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import math
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # bench.synthetic; the tests' loopback site

import lxml.html  # noqa: E402
import yaml  # noqa: E402
from lxml import etree  # noqa: E402

from bench import synthetic  # noqa: E402
from scraper import pipeline, store  # noqa: E402
from scraper.config import Source  # noqa: E402
from scraper.fetch import Fetcher, FetchPolicy  # noqa: E402
from scraper.publish import ensure_published  # noqa: E402

KEYS = ("build_s", "lxml_parse_s", "build_vs_lxml", "reparse_s", "noop_rescrape_bytes_ratio",
        "fts_median_ms", "fts_p95_ms", "datasette_facet_ms", "peak_rss_mb")
TARGETS = {"build_vs_lxml": 3.0, "noop_rescrape_bytes_ratio": 0.05, "fts_median_ms": 20.0,
           "datasette_facet_ms": 200.0, "peak_rss_mb": 200.0}
FIXTURES = ROOT / "fixtures"
# Time limits long enough for every query of the page to finish: a facet that gives up
# after Datasette's default 200 ms (or a query after make serve's 3 s, on a busy machine)
# would make the page look fast without the facet on it.
TIME_LIMIT_MS = 30_000
STOPWORDS = set("""a an and are as at be by for from has have how in into is it its of on or our
that the their this to was we what when which with you your not can all will using use new more
about than then there these they other also such only some over under what's""".split())


@dataclass
class Config:
    reps: int = 5
    talks: int = 1_000_000
    searches: int = 100
    page_reps: int = 7
    quick: bool = False


@dataclass
class Results:
    figures: dict[str, float] = field(default_factory=dict)  # unrounded
    digits: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # what, value, how measured

    def add(self, key: str | None, label: str, value: float, unit: str, how: str, digits: int = 3) -> None:
        if key:
            self.figures[key], self.digits[key] = value, digits
        self.rows.append((label, f"{value:.{digits}f} {unit}".strip(), how))

    def summary(self) -> dict[str, float]:
        return {key: round(self.figures[key], self.digits[key]) for key in KEYS}


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def manifest_rows(fixtures: Path) -> list[dict[str, str]]:
    """The MANIFEST rows of the default archive (build=yes), as pipeline.fixture_pages reads them."""
    with open(fixtures / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if (r.get("build") or "yes").strip().lower() != "no"]


def quick_fixtures(workdir: Path) -> Path:
    """A fixtures folder with the smallest build=yes file of each format (for --quick)."""
    rows = manifest_rows(FIXTURES)
    smallest: dict[str, dict[str, str]] = {}
    for row in rows:
        size = (FIXTURES / row["file"]).stat().st_size
        if row["format"] not in smallest or size < (FIXTURES / smallest[row["format"]]["file"]).stat().st_size:
            smallest[row["format"]] = row
    target = workdir / "fixtures"
    for row in smallest.values():
        (target / row["file"]).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(FIXTURES / row["file"], target / row["file"])
    with open(target / "MANIFEST.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(smallest.values())
    return target


# --- build and peak RSS ------------------------------------------------------------------

def child_build(db: str, fixtures: str) -> None:
    """Runs in a subprocess: one build, its time on stdout (the parent reads its max RSS)."""
    started, cpu = time.perf_counter(), time.process_time()
    report = pipeline.build(Path(db), Path(fixtures))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build's worker processes
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                      "workers_cpu": workers.ru_utime + workers.ru_stime, "workers_mb": workers.ru_maxrss / 1024,
                      "workers": pipeline.default_workers(), "hwm_mb": _vm_hwm_mb(),
                      "pages": report.pages_parsed, "talks": report.counts.get("talks", 0)}))


def _vm_hwm_mb() -> float:
    """This process's own peak RSS (Linux /proc), to check the rusage figure against."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_build(db: Path, fixtures: Path) -> tuple[dict, float]:
    """One build in a fresh interpreter: (its report, its max RSS in MB)."""
    db.unlink(missing_ok=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child-build", str(db), str(fixtures)],
                                stdout=out, stderr=err)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max of all children).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"bench: build failed: {err.read().decode(errors='replace').strip()[-500:]}")
        return json.loads(out.read().decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def measure_build(fixtures: Path, workdir: Path, cfg: Config, res: Results) -> Path:
    times, cpu, workers_cpu, rss, hwm, workers_mb, last = [], [], [], [], [], [], {}
    db = workdir / "build.db"
    for _ in range(cfg.reps):
        last, peak = run_build(db, fixtures)
        times.append(last["seconds"])
        cpu.append(last["cpu"])
        workers_cpu.append(last["workers_cpu"])
        rss.append(peak)
        hwm.append(last["hwm_mb"])
        workers_mb.append(last["workers_mb"])
    res.add("build_s", "build (pipeline.build, fresh DB)", median(times), "s",
            f"median of {cfg.reps}, each in a new process; {last['pages']} pages, {last['talks']} talks; "
            f"min {min(times):.2f} max {max(times):.2f}; {last['workers']} worker processes parse and merge; "
            f"CPU time median {median(cpu):.2f} s in the build process + {median(workers_cpu):.2f} s in its workers")
    res.add("peak_rss_mb", "peak RSS of a build", median(rss), "MB",
            f"median of {cfg.reps} max RSS of any one process of the build (wait4 rusage: the build process "
            f"and its workers, interpreter included); max {max(rss):.0f}; the build process's own VmHWM "
            f"median {median(hwm):.0f}, each worker's at most {median(workers_mb):.0f} (forked: they share "
            f"the build process's pages until they write them)", digits=1)
    return db


# --- the lxml floor ----------------------------------------------------------------------

def lxml_floor(bodies: list[tuple[str, bytes]]) -> float:
    """Seconds for lxml alone to parse every body once, as the parsers' input."""
    xml_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    started = time.perf_counter()
    for kind, body in bodies:
        if kind == "xml":
            etree.fromstring(body, xml_parser)
        elif kind == "html":
            lxml.html.document_fromstring(body)
        else:
            json.loads(body)
    return time.perf_counter() - started


def body_kind(fmt: str, body: bytes) -> str:
    if fmt.endswith("xml") or body.lstrip()[:5] == b"<?xml":
        return "xml"
    if fmt.endswith("json"):
        return "json"
    return "html"


def measure_lxml(fixtures: Path, cfg: Config, res: Results) -> None:
    rows = manifest_rows(fixtures)
    bodies = [(body_kind(r["format"], b), b) for r in rows for b in [(fixtures / r["file"]).read_bytes()]]
    reps = max(cfg.reps, 7)
    times = [lxml_floor(bodies) for _ in range(reps)]
    size = sum(len(b) for _, b in bodies) / 1e6
    kinds = {k: sum(1 for x, _ in bodies if x == k) for k in ("xml", "html", "json")}
    res.add("lxml_parse_s", "lxml alone parses the same bytes", median(times), "s",
            f"median of {reps}; {len(bodies)} files, {size:.1f} MB: {kinds['xml']} XML "
            f"(etree.fromstring), {kinds['html']} HTML (lxml.html.document_fromstring)"
            + (f", {kinds['json']} JSON (json.loads)" if kinds["json"] else ""))


# --- the SQLite floor --------------------------------------------------------------------

def sqlite_floor(tables: dict[str, tuple[list[str], list[tuple]]], db_path: Path) -> float:
    """Seconds for SQLite alone to write these rows into a new archive (the real schema,
    indexes, foreign keys and search tables) with the build's settings."""
    db_path.unlink(missing_ok=True)
    db = store.open_scratch_db(db_path)
    started = time.perf_counter()
    with db.atomic():
        db.conn.execute("PRAGMA defer_foreign_keys = ON")  # checked at commit: any table order
        for table, (columns, rows) in tables.items():
            db.conn.executemany(f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
                                f"VALUES ({', '.join('?' for _ in columns)})", rows)
    ensure_published(db)
    store.finish_scratch_db(db)
    return time.perf_counter() - started


def measure_sqlite_floor(built: Path, workdir: Path, cfg: Config, res: Results) -> float:
    """What writing the built archive costs without any of the Python that makes its rows:
    with the lxml floor, the least a build of these bytes into this schema can cost."""
    source = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    names = [name for (name,) in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' "
        "AND name != 'facet_counts' ORDER BY rowid")]  # facet_counts: the talks' triggers write it
    tables = {}
    for name in names:
        cursor = source.execute(f"SELECT * FROM [{name}]")
        tables[name] = ([d[0] for d in cursor.description], cursor.fetchall())
    source.close()
    times = [sqlite_floor(tables, workdir / "floor.db") for _ in range(cfg.reps)]
    count = sum(len(rows) for _, rows in tables.values())
    res.add(None, "SQLite alone writes the same rows", median(times), "s",
            f"median of {cfg.reps}; {count:,} rows of {len(tables)} tables (raw pages included) as ready tuples, "
            f"one transaction (triggers fill facet_counts), then the search tables; same schema and settings "
            f"as a build")
    return median(times)


# --- reparse -----------------------------------------------------------------------------

def measure_reparse(built: Path, workdir: Path, cfg: Config, res: Results) -> None:
    times = []
    for _ in range(cfg.reps):
        db_path = workdir / "reparse.db"
        shutil.copyfile(built, db_path)
        db = store.open_db(db_path)
        started = time.perf_counter()
        report = pipeline.reparse(db)
        times.append(time.perf_counter() - started)
        db.close()
        if not report.ok:
            raise SystemExit(f"bench: reparse failed: {report.errors[:3]}")
    res.add("reparse_s", "reparse (pipeline.reparse, stored pages)", median(times), "s",
            f"median of {cfg.reps}, each on a fresh copy of the built archive; "
            f"{report.pages_parsed} pages, {report.talks.unchanged} talks unchanged")


# --- no-op rescrape ----------------------------------------------------------------------

def measure_rescrape(fixtures: Path, workdir: Path, cfg: Config, res: Results) -> None:
    from pytest_httpserver import HTTPServer
    from static_site import StaticSite

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the table

    site = StaticSite()
    duplicates = []
    for row in manifest_rows(fixtures):
        path = urlsplit(row["url"]).path  # FOSDEM: /YEAR/schedule/xml; Indico: /event/E/...
        if path in site.pages:  # a site serves one page per path: the first build=yes row
            duplicates.append(row["file"])
            continue
        content_type = "application/xml" if row["format"].endswith("xml") else (
            "application/json" if row["format"].endswith("json") else "text/html; charset=utf-8")
        site.pages[path] = ((fixtures / row["file"]).read_bytes(), content_type)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.no_handler_status_code = 404  # not its default 500, which the fetcher retries
    server.start()
    try:
        base = site.install(server)
        # Every served page is a source of its own and links are not followed: parsers
        # ask for pages (listings, timetables) that are not among the fixtures.
        sources = [Source(url=base + path, follow=0) for path in site.pages]
        ratios, first_s, second_s = [], [], []
        for _ in range(cfg.reps):
            db_path = workdir / "scrape.db"
            db_path.unlink(missing_ok=True)
            reports = []
            for timings in (first_s, second_s):
                db = store.open_db(db_path)
                started = time.perf_counter()
                with Fetcher(FetchPolicy(allow_private=True, min_delay=0)) as fetcher:
                    reports.append(pipeline.scrape(db, sources, fetcher))
                timings.append(time.perf_counter() - started)
                db.close()
            first, second = reports
            if not first.ok or not second.ok:
                raise SystemExit(f"bench: loopback scrape failed: {(first.errors + second.errors)[:3]}")
            ratios.append(second.bytes_received / first.bytes_received)
    finally:
        server.stop()
    res.add("noop_rescrape_bytes_ratio", "no-op rescrape: bytes 2nd / 1st", median(ratios), "", (
        f"median of {cfg.reps}; {len(sources)} pages on 127.0.0.1 with ETags: 1st {first.bytes_received / 1e6:.1f} MB, "
        f"2nd {second.bytes_received} B body bytes, {second.pages_not_modified} not modified, "
        f"{second.pages_parsed} re-parsed, {second.talks.changed} talks changed"
        + (f"; not served (same path as another): {', '.join(duplicates)}" if duplicates else "")), digits=4)
    res.add(None, "first scrape (loopback)", median(first_s), "s", f"median of {cfg.reps}")
    res.add(None, "no-op rescrape (loopback)", median(second_s), "s", f"median of {cfg.reps}")


# --- the synthetic 1 M-talk archive: FTS and Datasette -----------------------------------

def search_queries(vocab: synthetic.Vocabulary, n: int) -> list[str]:
    """n searches a reader might type: topical title words of middling frequency (rank
    10–1500 among real title words), 70 % one word, 30 % two words."""
    ranked = [w for w, _ in sorted(vocab.title_counts().items(), key=lambda kv: (-kv[1], kv[0]))
              if len(w) >= 3 and w.isalpha() and w not in STOPWORDS]
    pool = ranked[10:1500] or ranked
    rng = random.Random(11)
    return [" ".join(rng.sample(pool, 2 if i % 10 < 3 else 1)) for i in range(n)]


def search_sql() -> str:
    """The archive's ranked search as readers run it: metadata.yml's search_talks query."""
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    return metadata["databases"]["archive"]["queries"]["search_talks"]["sql"]


def measure_fts(archive: Path, queries: list[str], res: Results) -> None:
    from datasette.utils import escape_fts

    sql = search_sql()
    # As Datasette opens a `-i` file and what it gives every connection: escape_fts().
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    conn.create_function("escape_fts", 1, escape_fts)
    conn.execute(sql, {"words": queries[0]}).fetchall()  # opens the FTS tables
    times, shown = [], []
    for q in queries:
        started = time.perf_counter()
        rows = conn.execute(sql, {"words": q}).fetchall()
        times.append((time.perf_counter() - started) * 1000)
        shown.append(len(rows))
    count = "SELECT count(*) FROM talks_fts WHERE talks_fts MATCH ?"
    matches = [conn.execute(count, [escape_fts(q)]).fetchone()[0] for q in queries]
    in_title = [conn.execute(count, [f"{{title}} : ({escape_fts(q)})"]).fetchone()[0] for q in queries]
    conn.close()
    res.add("fts_median_ms", "FTS search, median", median(times), "ms", (
        f"{len(queries)} searches with metadata.yml's search_talks, the SQL the archive's search page runs "
        f"(FTS5 MATCH ranked by bm25, title matches first, the top {max(shown)} joined to talks, events, "
        f"tracks and speakers, with snippets); matches per query median {median(matches):.0f} "
        f"(in the title {median(in_title):.0f}), max {max(matches)}"), digits=2)
    res.add("fts_p95_ms", "FTS search, p95", p95(times), "ms", f"slowest: {max(times):.1f} ms", digits=2)


def serve_options(archive: Path) -> dict[str, object]:
    """The Datasette(...) arguments of `make serve` for this archive: its exact command line
    (`make -n serve`: metadata.yml, plugins/, templates/, settings), with the time limits
    raised (see TIME_LIMIT_MS)."""
    from datasette_serve import serve_command, serve_options as options_of

    options = options_of(serve_command(archive, 8001))
    settings = options["settings"]
    for name in ("sql_time_limit_ms", "facet_time_limit_ms"):
        settings[name] = max(int(settings.get(name, 0)), TIME_LIMIT_MS)
    return options


def measure_datasette(archive: Path, queries: list[str], cfg: Config, res: Results) -> None:
    from datasette.app import Datasette

    options = serve_options(archive)
    tables = options["metadata"]["databases"]["archive"]["tables"]
    facets = [f if isinstance(f, str) else next(iter(f.values())) for f in tables["talks"].get("facets", [])]
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    try:  # the busiest event: its page groups the most talks
        event, in_event = conn.execute("SELECT value, count FROM facet_counts WHERE column_name = 'event_id' "
                                       "ORDER BY count DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    filtered = f"/archive/talks?event_id={event}"

    async def timed(ds, path: str, params: dict | None = None) -> float:
        started = time.perf_counter()
        response = await ds.client.get(path, params=params)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"bench: {path} {params or ''} answered {response.status_code}")
        return took

    async def run() -> tuple[dict[str, list[float]], list[float], dict]:
        ds = Datasette(**options)
        await ds.invoke_startup()
        check = (await ds.client.get("/archive/talks.json")).json()
        later = f"/archive/talks?_next={check['next']}"
        pages = {"/archive/talks": [], later: [], filtered: [], "/archive/talk_overview": []}
        for path, times in pages.items():
            await ds.client.get(path)  # warm-up: schema introspection, templates
            for _ in range(cfg.page_reps):
                times.append(await timed(ds, path))
        search = [await timed(ds, "/archive/search_talks", {"words": q}) for q in queries]
        return pages, search, check

    pages, search, check = asyncio.run(run())
    later = next(path for path in pages if "_next=" in path)
    shown = sorted(check.get("facet_results") or {})
    if shown != sorted(facets) or len(shown) < 3:  # a facet that timed out is left out
        raise SystemExit(f"bench: talks page shows facets {shown}, not {facets}")
    times = pages["/archive/talks"]
    res.add("datasette_facet_ms", "Datasette talks page, 3 facets", median(times), "ms", (
        f"median of {cfg.page_reps} after a warm-up; GET /archive/talks via Datasette(...).client configured "
        f"as make serve runs it (metadata.yml: facets {', '.join(facets)}, counted: read from facet_counts, "
        f"which triggers keep exact; plugins/, templates/; settings {options['settings']}, time limits raised); "
        f"max {max(times):.0f} ms"), digits=1)
    times = pages[later]
    res.add(None, "Datasette talks page 2, 3 facets", median(times), "ms", (
        f"median of {cfg.page_reps}; GET /archive/talks?_next=... (the second page, newest first); its facets "
        f"are the first page's, from facet_counts; max {max(times):.0f} ms"), digits=1)
    times = pages[filtered]
    res.add(None, "Datasette talks page of one event", median(times), "ms", (
        f"median of {cfg.page_reps}; GET {filtered} ({in_event:,} talks): a filtered page, so its 3 facets "
        f"group the event's talks live (Datasette's GROUP BY); max {max(times):.0f} ms"), digits=1)
    times = pages["/archive/talk_overview"]
    res.add(None, "Datasette talk_overview page, 5 facets", median(times), "ms", (
        f"median of {cfg.page_reps}; GET /archive/talk_overview: counts its {cfg.talks:,} rows (a join of "
        f"every talk) and reads its facets from facet_counts; max {max(times):.0f} ms"), digits=1)
    res.add(None, "Datasette search page", median(search), "ms", (
        f"median of the same {len(queries)} searches as GET /archive/search_talks?words=... (the HTML page); "
        f"p95 {p95(search):.0f} ms"), digits=1)


def measure_synthetic(built: Path, workdir: Path, cfg: Config, res: Results) -> None:
    vocab = synthetic.vocabulary(built)
    started = time.perf_counter()
    archive, reused = synthetic.cached_archive(vocab, cfg.talks, workdir if cfg.quick else synthetic.CACHE)
    took = time.perf_counter() - started
    size = archive.stat().st_size / 1e6
    res.add(None, f"synthetic archive of {cfg.talks:,} talks", took, "s",
            ("reused from " if reused else "generated once (1 run) into ")
            + f"{_shown(archive)}, {size:.0f} MB; windows into the built archive's {len(vocab.title_lengths):,} "
            f"real titles and abstracts ({len(vocab.abstract_text):,} words)", digits=1)
    queries = search_queries(vocab, cfg.searches)
    measure_fts(archive, queries, res)
    measure_datasette(archive, queries, cfg, res)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --- output ------------------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, lxml {etree.__version__}")


def print_table(res: Results, cfg: Config, seconds: float) -> None:
    width = max(len(r[0]) for r in res.rows)
    value_width = max(len(r[1]) for r in res.rows)
    print(f"mcarchive bench{' --quick (smoke run: tiny inputs, 1 repetition)' if cfg.quick else ''}")
    print(f"machine: {machine()}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"(other work on the machine slows wall-clock figures; CPU time is shown beside the build's)")
    for label, value, how in res.rows:
        print(f"  {label:<{width}}  {value:>{value_width}}  {how}")
    print("targets:")
    summary = res.summary()
    for key, limit in TARGETS.items():
        value = summary[key]
        print(f"  {key:<26} {value:>10} {'≤':>2} {limit:<6} {'met' if value <= limit else 'NOT MET'}")
    print(f"bench took {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: the smallest fixture of each format, 1 repetition, 2 000 synthetic talks")
    parser.add_argument("--reps", type=int, help="repetitions per figure (default 5)")
    parser.add_argument("--talks", type=int, help="synthetic archive size (default 1 000 000)")
    parser.add_argument("--child-build", nargs=2, metavar=("DB", "FIXTURES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        child_build(*args.child_build)
        return 0
    cfg = Config(reps=1, talks=2000, searches=10, page_reps=2, quick=True) if args.quick else Config()
    cfg.reps = args.reps or cfg.reps
    cfg.talks = args.talks or cfg.talks
    started = time.perf_counter()
    res = Results()
    with tempfile.TemporaryDirectory(prefix="mcarchive-bench-") as tmp:
        workdir = Path(tmp)
        fixtures = quick_fixtures(workdir) if cfg.quick else FIXTURES
        built = measure_build(fixtures, workdir, cfg, res)
        measure_lxml(fixtures, cfg, res)
        res.add("build_vs_lxml", "build / lxml", res.figures["build_s"] / res.figures["lxml_parse_s"], "×",
                "the build's cost in lxml parses of its bytes", digits=2)
        floor = res.figures["lxml_parse_s"] + measure_sqlite_floor(built, workdir, cfg, res)
        res.add(None, "build / (lxml + SQLite)", res.figures["build_s"] / floor, "×",
                f"the build against reading its bytes and writing its rows ({floor:.2f} s), no Python between", digits=2)
        measure_reparse(built, workdir, cfg, res)
        measure_rescrape(fixtures, workdir, cfg, res)
        measure_synthetic(built, workdir, cfg, res)
    print_table(res, cfg, time.perf_counter() - started)
    print(json.dumps(res.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
