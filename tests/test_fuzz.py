"""Property-based fuzzing of every parser from mutated real fixtures (issue #10).

Whatever bytes a stranger's server sends, a parser returns a Programme or raises the
project's own ParseError: never another exception, never a hang. The default run
generates 1 700 inputs per test and per format (11 900 with five formats); `MCARCHIVE_FUZZ=long` runs 20x more.
"""

from __future__ import annotations

import json
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, manifest
from scraper.parsers import PARSERS, parse_page
from scraper.records import ParseError, Programme

LONG = os.environ.get("MCARCHIVE_FUZZ") == "long"
EXAMPLES = 1700 * (20 if LONG else 1)  # per test and per format: 7 runs → 11 900 inputs
WINDOW = 24_000  # bytes of a real page per example: keeps each parse in milliseconds

ROWS = [row for row in manifest() if (FIXTURES / row["file"]).exists()]
SAMPLES: dict[str, list[tuple[bytes, str]]] = {}
for row in ROWS:
    SAMPLES.setdefault(row["format"], []).append(((FIXTURES / row["file"]).read_bytes(), row["url"]))

MUTATIONS = ("flip", "delete", "insert", "duplicate", "truncate", "nul", "deep")
JUNK = [b"<", b">", b"&", b"&#0;", b"\x00", b"\xff\xfe", b"]]>", b"<!--", b'"', b"{", b"}", b"[", b"\\u0000",
        b"<script>", b"</div>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"\xe9", b"null", b"-1e999"]


def mutate(body: bytes, seed: int, kinds: list[str]) -> bytes:
    """A window of a real page with a few structure-aware and byte-level mutations."""
    rng = random.Random(seed)
    if len(body) > WINDOW:
        # Keep the start (where the sniffable markers are) and one random window after it.
        start = rng.randrange(0, len(body) - WINDOW)
        body = body[:2000] + body[start:start + WINDOW - 2000]
    data = bytearray(body)
    for kind in kinds:
        if not data:
            break
        at = rng.randrange(len(data))
        if kind == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "delete":
            del data[at:at + rng.randrange(1, 200)]
        elif kind == "insert":
            data[at:at] = rng.choice(JUNK)
        elif kind == "duplicate":
            data[at:at] = data[at:at + rng.randrange(1, 500)]
        elif kind == "truncate":
            del data[at:]
        elif kind == "nul":
            data[at:at] = b"\x00" * rng.randrange(1, 50)
        elif kind == "deep":
            data[at:at] = b"<div>" * 5000 if rng.random() < 0.5 else b"[" * 5000
    return bytes(data)


def assert_contained(body: bytes, url: str) -> None:
    try:
        result = parse_page(body, url)
    except ParseError:
        return
    assert isinstance(result, Programme)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_pages_parse_or_fail_cleanly(fmt, data):
    body, url = data.draw(st.sampled_from(SAMPLES[fmt]), label="fixture")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    kinds = data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4), label="mutations")
    assert_contained(mutate(body, seed, kinds), url)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG)
@given(body=st.binary(max_size=4000), parser=st.sampled_from(PARSERS))
def test_random_bytes_never_crash_a_parser(body, parser):
    """Each parser directly, even on input its sniff() would refuse."""
    try:
        parser.parse(body, "https://indico.example.org/event/1/sessions/2/")
    except ParseError:
        pass


SHAPES = [
    lambda t: f"<html><body><footer>getindico.io</footer>{t}</body></html>",
    lambda t: json.dumps({"friendly_id": 1, "persons": [{"full_name": t, "is_speaker": True}],
                          "start_dt": t, "title": t or "x", "id": 5, "description": t}),
    lambda t: f"<?xml version='1.0'?><schedule><conference><title>FOSDEM {t}</title></conference>"
              f"<day date='2020-02-01'><room name='x'><event id='1'><title>{t}</title><start>{t}</start>"
              f"<duration>{t}</duration></event></room></day></schedule>",
]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG)
@given(text=st.text(max_size=3000), shape=st.sampled_from(SHAPES))
def test_hostile_text_in_known_shapes(text, shape):
    body = shape(text).encode("utf-8", "surrogatepass")
    assert_contained(body, "https://indico.example.org/event/1/contributions/5.json")
