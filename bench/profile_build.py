"""Where a full build spends its time and memory, by layer (parse / merge / store / publish).

    .venv/bin/python bench/profile_build.py [--top 25] [--fixtures DIR]

Time: the real `pipeline.build` under cProfile; each layer is the cumulative time of the
functions that enter it (see LAYERS), so nothing is re-implemented here. Memory: the
build's steps run one after another (parse every page, merge, store, publish, and the
whole-archive pass when pipeline has one), with the process's resident size and Python's
own allocations (tracemalloc) measured after each step.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper import pipeline, store  # noqa: E402
from scraper.normalize.merge import merge  # noqa: E402
from scraper.normalize.talk_identity import match_existing  # noqa: E402
from scraper.publish import ensure_published  # noqa: E402

# layer → (file suffix, function name) of the calls that enter it from pipeline.py
LAYERS = {
    "parse": [("scraper/pipeline.py", "parse_one")],
    "merge": [("scraper/normalize/merge.py", "merge"), ("scraper/normalize/talk_identity.py", "match_existing")],
    "store": [("scraper/store.py", "save_rows"), ("scraper/store.py", "save_page"),
              ("scraper/store.py", "mark_parsed"), ("scraper/store.py", "mark_removed"),
              ("scraper/store.py", "open_db"), ("scraper/store.py", "known_event_ids"),
              ("scraper/store.py", "talk_identities")],
    "publish": [("scraper/publish.py", "ensure_published")],
    "derived": [("scraper/derived.py", "update_archive")],  # whole-archive pass (issue #8)
}


def time_by_layer(fixtures: Path, top: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        profile = cProfile.Profile()
        started = time.perf_counter()
        # One process: parser worker processes would hide the parsers from cProfile.
        profile.runcall(pipeline.build, Path(tmp) / "archive.db", fixtures, workers=1)
        total = time.perf_counter() - started
    stats = pstats.Stats(profile)
    cumulative: dict[str, float] = {}
    for (filename, _, name), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        for layer, entries in LAYERS.items():
            if any(filename.endswith(f) and name == n for f, n in entries):
                cumulative[layer] = cumulative.get(layer, 0.0) + cum
    profiled = sum(cumulative.values())
    print(f"time by layer (cProfile of pipeline.build; {total:.2f} s profiled, profiling adds overhead):")
    for layer in LAYERS:
        seconds = cumulative.get(layer, 0.0)
        print(f"  {layer:<8} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    print(f"  {'other':<8} {total - profiled:7.2f} s  {100 * (total - profiled) / total:5.1f} %")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    print(f"\ntop {top} functions by own time:")
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (its peak) of this process, in MB. Not ru_maxrss:
    Linux carries that over from the parent across fork and exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory_by_step(fixtures: Path) -> None:
    """The build's steps in order: time and resident size (RSS) after each, then, in a
    second run under tracemalloc (which costs memory and time of its own), the peak and
    the live size of Python's own allocations (lxml and SQLite allocate outside them)."""
    first = _steps(fixtures, trace=False)
    second = _steps(fixtures, trace=True)
    print("\nmemory by step (the build's steps one by one, each over every event at once: an upper bound;\n"
          "pipeline.build merges and stores event by event, in worker processes, and peaks lower):")
    print(f"  {'step':<34} {'seconds':>8} {'CPU s':>6} {'RSS after':>10} {'max RSS':>9} {'Python peak':>12} "
          f"{'Python held':>12}")
    for (label, seconds, cpu, rss, maxrss, _, _), (*_, peak, held) in zip(first, second):
        print(f"  {label:<34} {seconds:8.2f} {cpu:6.2f} {rss:9.0f}M {maxrss:8.0f}M {peak:11.0f}M {held:11.0f}M")


def _steps(fixtures: Path, trace: bool) -> list[tuple[str, float, float, float, float, float, float]]:
    if trace:
        tracemalloc.start()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        db = store.open_db(Path(tmp) / "archive.db")
        report = pipeline.JobReport(run_id=store.start_run(db, [str(fixtures)]))
        state: dict = {}

        def parse() -> None:
            programmes, fetched_at = [], {}
            for page in pipeline.fixture_pages(fixtures):
                programme = pipeline.parse_one(page, report)
                store.save_page(db, page.__dict__, programme.follow if programme else None)
                if programme:
                    programmes.append(programme)
                    fetched_at[page.url] = page.fetched_at
            state.update(programmes=programmes, fetched_at=fetched_at)

        def do_merge() -> None:
            rows = merge(state["programmes"], store.known_event_ids(db))
            match_existing(rows, store.talk_identities(db, [e["id"] for e in rows.events]))
            state["rows"] = rows

        def save() -> None:
            with db.atomic():
                store.save_rows(db, state["rows"], state["fetched_at"], report.run_id)
                store.mark_parsed(db, list(state["fetched_at"]))

        steps = [("parse pages (+ save raw pages)", parse), ("merge (+ talk identity)", do_merge),
                 ("store (save_rows)", save), ("publish (ensure_published)", lambda: ensure_published(db))]
        derived = getattr(pipeline, "derived", None)
        if derived is not None:
            steps.append(("derived (whole-archive pass)", lambda: derived.update_archive(db)))
        for label, step in steps:
            if trace:
                tracemalloc.reset_peak()
            started, cpu = time.perf_counter(), time.process_time()
            step()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            current, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
            results.append((label, seconds, cpu, _status_mb("VmRSS"), _status_mb("VmHWM"), peak / 2**20,
                            current / 2**20))
        db.close()
    if trace:
        tracemalloc.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=25, help="functions to list by own time")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    parser.add_argument("--memory", action="store_true", help="only the memory steps, in this process")
    args = parser.parse_args()
    if args.memory:
        memory_by_step(args.fixtures)
        return 0
    time_by_layer(args.fixtures, args.top)
    sys.stdout.flush()
    # A fresh process: max RSS is per process, and the profiled build above has set it.
    return subprocess.run([sys.executable, __file__, "--memory", "--fixtures", str(args.fixtures)]).returncode


if __name__ == "__main__":
    sys.exit(main())
