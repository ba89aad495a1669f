"""A synthetic archive of N talks (1 000 000 for the benchmark) with the real schema.

Made of real talks: each synthetic title and abstract is a window, of a real title's or
abstract's length, into the real titles' or abstracts' text in its published word order.
So words keep their real frequencies and their real burstiness (a topical word comes in
a few talks, several times, next to its usual neighbours), and searches match as many
talks as they would in a real archive this big; independent word sampling overstates
how many talks a word or a pair of words matches. Rooms, and the numbers of talks per
event and per track, are real too. FTS is set up by scraper.publish.ensure_published,
exactly as a scrape does, after the rows are in (its INSERT ... SELECT fills the index
in one pass).

Generating 1 M talks takes minutes, so the file is cached under bench/cache/, named by
a hash of everything it is made from (this module's source, the real text, the schema a
new archive gets, N, the seed): a changed input makes a new file, an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scraper import store
from scraper.publish import ensure_published

CACHE = Path(__file__).resolve().parent / "cache"
SEED = 20261123
_WORD = re.compile(r"[^\W\d_][\w'-]*")
# Real archive ratios (default build, Nov 2026): 12 370 talks in 23 events and 1 096 tracks.
TALKS_PER_EVENT = 540
TALKS_PER_TRACK = 11


@dataclass
class Vocabulary:
    """What the synthetic talks are made from, taken from a real archive."""

    title_text: list[str]  # the words of the real titles, in order
    abstract_text: list[str]  # the words of the real abstracts, in order
    title_lengths: list[int]  # words per real title
    abstract_lengths: list[int]  # words per real abstract (0 = none)
    rooms: list[str]

    def title_counts(self) -> Counter:
        """Title word (lower case) → how often real titles use it."""
        return Counter(w.lower() for w in self.title_text)

    def digest(self) -> str:
        data = json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(data).hexdigest()


def vocabulary(archive: Path) -> Vocabulary:
    """The real talks' text, lengths and rooms in `archive`."""
    conn = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        vocab = Vocabulary([], [], [], [], [])
        for title, abstract, room in conn.execute("SELECT title, abstract, room FROM talks ORDER BY id"):
            words = _WORD.findall(title or "")
            vocab.title_text.extend(words)
            vocab.title_lengths.append(max(1, len(words)))
            words = _WORD.findall(abstract or "")
            vocab.abstract_text.extend(words)
            vocab.abstract_lengths.append(len(words))
            if room:
                vocab.rooms.append(room)
    finally:
        conn.close()
    if not vocab.title_text:
        raise ValueError(f"{archive} has no talks to take a vocabulary from")
    vocab.abstract_text = vocab.abstract_text or vocab.title_text
    vocab.rooms = sorted(vocab.rooms) or ["room"]
    return vocab


def cached_archive(vocab: Vocabulary, talks: int, cache: Path = CACHE) -> tuple[Path, bool]:
    """The synthetic archive for this vocabulary and size: (path, True if it was reused)."""
    key = hashlib.sha256(Path(__file__).read_bytes() + vocab.digest().encode() + schema().encode()
                         + f"{talks}:{SEED}".encode()).hexdigest()[:16]
    target = cache / f"synthetic-{talks}-{key}" / "archive.db"  # Datasette names it "archive"
    if target.exists():
        return target, True
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"synthetic-{talks}-*"):  # one cached size-N archive is enough
        if old != target.parent:
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    generate(tmp, vocab, talks)
    os.replace(tmp, target)
    return target, False


def schema() -> str:
    """The schema a new archive gets (tables, indexes, FTS, triggers, views), from the real
    migrations and publish step: a new migration (an index) makes a new synthetic archive."""
    db = store.open_db(":memory:")
    try:
        ensure_published(db)
        return "\n".join(f"{kind} {name} {sql}" for kind, name, sql in db.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"))
    finally:
        db.close()


def generate(path: Path, vocab: Vocabulary, talks: int) -> None:
    """Write `talks` synthetic talks (with their events and tracks) into a new archive."""
    rng = random.Random(SEED)
    db = store.open_db(path)  # the real schema and indexes, through the real migrations
    conn = db.conn
    conn.execute("PRAGMA journal_mode = OFF")  # a cache file, renamed into place when complete
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB: index inserts in random order
    n_events = max(1, round(talks / TALKS_PER_EVENT))
    n_tracks = max(n_events, round(talks / TALKS_PER_TRACK))
    title_stream, abstract_stream = vocab.title_text, vocab.abstract_text
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO events (id, conference, title, year, timezone, start_date, end_date, url) "
        "VALUES (?, 'synth', ?, ?, 'Europe/Brussels', ?, ?, ?)",
        ((f"synth-{e}", f"Synthetic conference {e}", 2000 + e % 27, f"{2000 + e % 27}-02-01",
          f"{2000 + e % 27}-02-02", f"https://synthetic.example.org/{e}/") for e in range(n_events)))
    conn.executemany(
        "INSERT INTO tracks (id, event_id, title, kind, room) VALUES (?, ?, ?, ?, ?)",
        ((f"synth-{t % n_events}/track-{t}", f"synth-{t % n_events}",
          " ".join(_window(rng, title_stream, 3)),
          ("devroom", "microconference", "track")[t % 3], rng.choice(vocab.rooms))
         for t in range(n_tracks)))

    def rows():
        for i in range(talks):
            track = rng.randrange(n_tracks)
            event = track % n_events
            title = " ".join(_window(rng, title_stream, rng.choice(vocab.title_lengths)))
            words = rng.choice(vocab.abstract_lengths)
            abstract = " ".join(_window(rng, abstract_stream, words)) if words else None
            day = 1 + i % 2
            year = 2000 + event % 27
            start = f"{year}-02-0{day}T{9 + rng.randrange(9):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"
            yield (f"synth-{event}/{i}", f"synth-{event}", f"synth-{event}/track-{track}", title, abstract,
                   f"<p>{abstract}</p>" if abstract else None, start + "+01:00", start + "Z",
                   rng.choice((15, 20, 25, 30, 40, 50)), rng.choice(vocab.rooms),
                   f"https://synthetic.example.org/{event}/talk/{i}/", str(i))

    conn.executemany(
        "INSERT INTO talks (id, event_id, track_id, title, abstract, abstract_html, starts_at, "
        "starts_at_utc, duration_minutes, room, url, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows())
    conn.execute("COMMIT")
    ensure_published(db)  # FTS (populated in bulk from the rows) and views, as publish does
    db.close()


def _window(rng: random.Random, stream: list[str], n: int) -> list[str]:
    start = rng.randrange(max(1, len(stream) - n))
    return stream[start:start + n]
