"""normalize: ids, times across DST, sanitizing and plain text."""

from __future__ import annotations

import pytest

from scraper.normalize import ids
from scraper.normalize.text import html_to_text, plain, sanitize_html, to_html
from scraper.normalize.times import localize


@pytest.mark.parametrize("title, start, expected", [
    ("Linux Plumbers Conference 2023", "2023-11-13", "lpc-2023"),
    ("FOSDEM 2020", "2020-02-01", "fosdem-2020"),
    ("Linux Plumbers Conference", "2019-09-09", "lpc-2019"),
    ("Open Source Summit Europe 2024", None, "osse-2024"),
])
def test_event_ids(title, start, expected):
    assert ids.event_id(title, start) == expected


def test_acronym_with_year():
    assert ids.event_id("FOSDEM 2024", "2024-02-03", conference="fosdem-2024") == "fosdem-2024"
    assert ids.event_id("36th Chaos Communication Congress", "2019-12-27", conference="36c3") == "36c3-2019"


def test_slugs_transliterate():
    assert ids.person_id("Stéphane Graber") == "stephane-graber"
    assert ids.person_id("Michal Koutný") == "michal-koutny"
    assert ids.track_id("lpc-2023", "Containers and checkpoint/restore MC") == \
        "lpc-2023/containers-and-checkpoint-restore-mc"


@pytest.mark.parametrize("start, tz, local, utc", [
    ("2023-11-13T14:30:00", "America/New_York", "2023-11-13T14:30:00-05:00", "2023-11-13T19:30:00Z"),
    ("2023-10-13T14:30:00", "America/New_York", "2023-10-13T14:30:00-04:00", "2023-10-13T18:30:00Z"),
    ("2020-08-24T07:00:00", "US/Pacific", "2020-08-24T07:00:00-07:00", "2020-08-24T14:00:00Z"),
    ("2022-09-14T10:00:00", "Europe/Dublin", "2022-09-14T10:00:00+01:00", "2022-09-14T09:00:00Z"),
    # DST ends in Brussels on 2023-10-29 at 03:00 local: the hour after is +01:00.
    ("2023-10-29T03:30:00", "Europe/Brussels", "2023-10-29T03:30:00+01:00", "2023-10-29T02:30:00Z"),
    ("2023-11-13T20:00:00+00:00", "America/New_York", "2023-11-13T15:00:00-05:00", "2023-11-13T20:00:00Z"),
    ("2020-02-01T13:20:00", None, "2020-02-01T13:20:00", None),
    (None, "Europe/Brussels", None, None),
    ("not a time", "Europe/Brussels", None, None),
])
def test_localize(start, tz, local, utc):
    assert localize(start, tz) == (local, utc)


@pytest.mark.parametrize("dirty", [
    '<p>hi<script>alert(1)</script></p>',
    '<p onclick="alert(1)">hi</p>',
    '<a href="javascript:alert(1)">hi</a>',
    '<img src=x onerror="alert(1)"><p>hi</p>',
    '<p style="background:expression(alert(1))">hi</p>',
])
def test_sanitizer_neutralises_active_content(dirty):
    clean = sanitize_html(dirty)
    for bad in ("<script", "onclick", "javascript:", "onerror", "expression", "style="):
        assert bad not in clean
    assert "hi" in clean


def test_markdown_and_plain_text():
    html = to_html("First line\nsecond line\n\n- a\n- b", "markdown")
    assert "<br" in html and "<li>a</li>" in html
    assert html_to_text(html) == "First line\nsecond line\n\n- a\n- b"


def test_plain_strips_tags_and_control_characters():
    assert plain("  A <b>bold</b>\x00 title\n") == "A bold title"
    assert plain("<script>alert(1)</script>Talk") == "Talk"
    assert plain('Talk<img src=x onerror="alert(1)">') == "Talk"
    assert plain("[Protocols] Unicode in email: RCPT TO:<grå@grå.org>") == \
        "[Protocols] Unicode in email: RCPT TO:<grå@grå.org>"
    assert plain("Vec<T> and Option<T>") == "Vec<T> and Option<T>"
