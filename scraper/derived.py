"""The whole-archive pass: series of tracks, topics of talks, and which names are one person.

Runs once per job (the end of a scrape, build or reparse in `pipeline`), over the whole
archive rather than page by page, because its questions span pages: is this year's
"Containers" the devroom of 2016's "Containers and Process Isolation"? Is LPC's
"Andrei Vagin" FOSDEM's "Andrey Vagin"? It reads the user's decisions (series.yml,
topics.yml, aliases.yml, beside sources.yml), hands plain data to the pure
normalize modules and stores what they return in one transaction. Idempotent: run it
twice and nothing changes; a rescrape's rows come in under raw ids and are mapped again.

Order matters: series and topics first, because they are evidence for identities.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from . import store
from .normalize import identity, series, topics

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent
CONFIG_DIR_ENV = "MCARCHIVE_CONFIG_DIR"  # a folder with the user's own aliases/series/topics files
FILES = ("aliases.yml", "series.yml", "topics.yml")


@dataclass
class DerivedConfig:
    aliases: identity.Aliases = field(default_factory=identity.Aliases)
    series: list[series.SeriesSpec] = field(default_factory=list)
    topics: list[topics.Topic] = field(default_factory=list)


class DerivedConfigError(Exception):
    """One of the user's configuration files is unreadable or wrong; one line naming it."""


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_ENV) or DEFAULT_CONFIG_DIR)


def load_config(directory: str | Path | None = None) -> DerivedConfig:
    """Read aliases.yml, series.yml and topics.yml (a missing file means no entries)."""
    directory = Path(directory) if directory is not None else config_dir()
    parsers = {"aliases.yml": identity.parse_aliases, "series.yml": series.parse_config,
               "topics.yml": topics.parse_config}
    found: dict[str, Any] = {}
    for name in FILES:
        path = directory / name
        try:
            data = _load_yaml(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise DerivedConfigError(f"cannot read {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise DerivedConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
        try:
            found[name] = parsers[name](data)
        except ValueError as exc:
            raise DerivedConfigError(f"{path}: {exc}") from None
    return DerivedConfig(aliases=found["aliases.yml"], series=found["series.yml"], topics=found["topics.yml"])


def _load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml's parser when PyYAML has it (topics.yml in 5 ms rather
    than 50). A document it rejects is read again by the pure-Python parser, so the
    error a user sees is the one it has always been."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            return yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


@dataclass
class DerivedStats:
    series: int = 0
    talks_with_topics: int = 0
    talks: int = 0
    raw_people: int = 0
    people: int = 0
    merged: int = 0
    kept_apart: int = 0
    seconds: float = 0.0


def update_archive(db: sqlite_utils.Database, directory: str | Path | None = None,
                   pool: Executor | None = None, meanwhile: Callable[[], None] | None = None) -> list[str]:
    """Recompute series, topics and identities over the whole archive. Returns problems
    (one line each: a broken configuration file); the archive's rows are then left as
    they were. With a `pool`, the computing runs in one of its workers while this process
    runs `meanwhile` (a build's search index), after the inputs are read and before the
    results are written; without one, `meanwhile` runs at that point here."""
    try:
        config = load_config(directory)
    except DerivedConfigError as exc:
        if meanwhile is not None:
            meanwhile()
        return [str(exc)]
    stats = apply(db, config, pool, meanwhile)
    logger.debug("derived pass: %s", stats)
    return []


def compute(inputs: dict[str, list[Any]], config: DerivedConfig) -> dict[str, Any]:
    """The pure part: archive inputs (store.derived_inputs) → everything save_derived writes."""
    appearances = inputs["appearances"]
    cleaned = {name: identity.clean_name(name) for name in {row["name"] for row in appearances}}  # names repeat
    speakers: dict[str, set[str]] = {}
    for row in appearances:
        if row["track_id"]:
            speakers.setdefault(row["track_id"], set()).add(cleaned[row["name"]])
    lineage = series.assign_series(inputs["tracks"], config.series, speakers)
    talk_topics = topics.assign_topics(inputs["talks"], config.topics)
    lineages = {s["id"]: s["lineage"] for s in lineage.series}
    topics_of: dict[str, set[str]] = {}
    for row in talk_topics:
        topics_of.setdefault(row["talk_id"], set()).add(row["topic"])
    enriched = []
    for row in appearances:
        sid = lineage.track_series.get(row["track_id"])
        enriched.append({**row, "series": sid, "lineage": lineages.get(sid),
                         "topics": topics_of.get(row["talk_id"], ())})
    people = identity.resolve_people(enriched, config.aliases)
    topic_rows = [{"id": t.id, "title": t.title, "description": t.description,
                   "keywords": ", ".join(t.keywords + t.cased)} for t in config.topics]
    return {"series": lineage.series, "track_series": lineage.track_series, "suggestions": lineage.suggestions,
            "topics": topic_rows, "talk_topics": talk_topics, "people": people.people,
            "person_of": people.person_of, "decisions": people.decisions, "identity_stats": people.stats}


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The pass holds ~100,000 containers (names, units, rows) until it ends, and frees
    them by reference counting; the cyclic collector's full passes over them, which its
    allocations set off, find nothing and took a tenth of the pass."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def apply(db: sqlite_utils.Database, config: DerivedConfig, pool: Executor | None = None,
          meanwhile: Callable[[], None] | None = None) -> DerivedStats:
    """Read the archive, compute and write; returns figures for reports and benchmarks."""
    with _no_cyclic_gc():
        return _apply(db, config, pool, meanwhile)


def _compute_without_gc(inputs: dict[str, list[Any]], config: DerivedConfig) -> dict[str, Any]:
    with _no_cyclic_gc():
        return compute(inputs, config)


def _apply(db: sqlite_utils.Database, config: DerivedConfig, pool: Executor | None,
           meanwhile: Callable[[], None] | None) -> DerivedStats:
    started = time.perf_counter()
    inputs = store.derived_inputs(db)
    computing = pool.submit(_compute_without_gc, inputs, config) if pool is not None else None
    if meanwhile is not None:
        meanwhile()
    result = computing.result() if computing is not None else compute(inputs, config)
    # save_derived asks for the raw id of every name row; names repeat, and a cache hit
    # costs no Python call.
    raw_id = functools.cache(lambda name: identity.raw_person_id(name or ""))
    store.save_derived(db, result["series"], result["track_series"], result["suggestions"], result["topics"],
                       result["talk_topics"], result["people"], result["person_of"], result["decisions"],
                       raw_person_id=raw_id)
    ids = result["identity_stats"]
    return DerivedStats(series=len(result["series"]), talks=len(inputs["talks"]),
                        talks_with_topics=len({r["talk_id"] for r in result["talk_topics"]}),
                        raw_people=ids["raw_ids"], people=ids["people"], merged=ids["merged"],
                        kept_apart=ids["kept_apart"], seconds=time.perf_counter() - started)
