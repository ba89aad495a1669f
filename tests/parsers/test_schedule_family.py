"""A file of the wrong family, given to a schedule-family parser (as `kind:` in
sources.yml or `--kind` would), is a clear one-line "unsupported" error, never a syntax
error from deep inside the parser nor a crash; and the registry recognises each family."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from scraper.parsers import fosdem_html, frab_json, parse_page, parser_for, pentabarf_xml, pretalx_html
from scraper.records import UnsupportedPage

SAMPLES = {
    "pentabarf-xml": FIXTURES / "pentabarf-xml" / "fosdem-2020.xml",
    "frab-xml": FIXTURES / "frab-xml" / "good2025-pretalx.xml",
    "frab-json": FIXTURES / "frab-json" / "good2025-pretalx.json",
    "pretalx-html": FIXTURES / "pretalx-html" / "good2025-talk-73MZUC.html",
    "fosdem-html": FIXTURES / "fosdem-html" / "event__2020_containers_syscall_emulation.html",
    "indico-json": FIXTURES / "indico-json" / "3.3.14" / "contribution-json__e7_c642.json",
    "indico-html": FIXTURES / "indico-html" / "3.3.14" / "session__e17_s162.html",
}
OWN = {pentabarf_xml: ("pentabarf-xml", "frab-xml"), frab_json: ("frab-json",),
       pretalx_html: ("pretalx-html",), fosdem_html: ("fosdem-html",)}
CASES = [(parser, sample) for parser, own in OWN.items() for sample in SAMPLES if sample not in own]


@pytest.mark.parametrize("parser, sample", CASES, ids=[f"{p.FORMAT}<-{s}" for p, s in CASES])
def test_wrong_family_is_unsupported(parser, sample):
    body = SAMPLES[sample].read_bytes()
    with pytest.raises(UnsupportedPage) as info:
        parser.parse(body, "https://example.org/some/page")
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert "unsupported" in message or "not a" in message


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_registry_recognises_each_family(sample):
    expected = {"frab-xml": "pentabarf-xml"}.get(sample, sample)
    assert parser_for(SAMPLES[sample].read_bytes(), "https://example.org/x").FORMAT == expected


def test_unknown_family_is_unsupported():
    for body in (b'{"data": [1, 2, 3]}', b"<?xml version='1.0'?><rss><channel/></rss>",
                 b"<!DOCTYPE html><html><body><h1>Hello</h1></body></html>", b"BEGIN:VCARD\n"):
        with pytest.raises(UnsupportedPage, match="^unsupported page"):
            parse_page(body, "https://example.org/x")
