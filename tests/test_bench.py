"""`make bench` must keep running: its --quick mode (tiny inputs, seconds) end to end."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

KEYS = {"build_s", "lxml_parse_s", "build_vs_lxml", "reparse_s", "noop_rescrape_bytes_ratio",
        "fts_median_ms", "fts_p95_ms", "datasette_facet_ms", "peak_rss_mb"}


def test_quick_bench_prints_a_table_and_the_figures_last():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == KEYS
    assert all(isinstance(v, (int, float)) and v >= 0 for v in figures.values()), figures
    assert figures["build_s"] > 0 and figures["lxml_parse_s"] > 0 and figures["peak_rss_mb"] > 10
    assert figures["build_vs_lxml"] > 1  # nothing builds faster than lxml parses its bytes
    # Bytes are not timings, so this target holds even on a tiny run.
    assert figures["noop_rescrape_bytes_ratio"] <= 0.05
    table = "\n".join(lines[:-1])
    for label in ("build (pipeline.build", "lxml alone", "reparse", "no-op rescrape", "FTS search",
                  "Datasette talks page", "peak RSS", "targets:"):
        assert label in table
