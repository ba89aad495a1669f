"""Parser registry: every source format, tried in order on a page's content.

A parser module has FORMAT (its name), `sniff(body, url) -> bool` (cheap, from the content,
never from the host name) and `parse(body, url) -> Programme` (pure: no I/O).
"""

from __future__ import annotations

from types import ModuleType

from ..records import Programme, UnsupportedPage
from . import (
    fosdem_html,
    frab_json,
    indico_export,
    indico_html,
    indico_ics,
    indico_json,
    pentabarf_xml,
    pretalx_html,
)

PARSERS: tuple[ModuleType, ...] = (pentabarf_xml, frab_json, fosdem_html, pretalx_html,
                                   indico_export, indico_json, indico_ics, indico_html)


def parser_for(body: bytes, url: str) -> ModuleType:
    """The parser whose sniff() accepts this page, or UnsupportedPage."""
    for parser in PARSERS:
        if parser.sniff(body, url):
            return parser
    raise UnsupportedPage(f"unsupported page: not a page kind mcarchive knows ({url})")


def parse_page(body: bytes, url: str) -> Programme:
    """Recognise the page from its content and parse it."""
    return parser_for(body, url).parse(body, url)


def by_format(name: str) -> ModuleType:
    for parser in PARSERS:
        if parser.FORMAT == name:
            return parser
    raise KeyError(name)
