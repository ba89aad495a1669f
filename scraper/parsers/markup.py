"""HTML helpers shared by the HTML parsers: decoding, parsing, XPath class tests."""

from __future__ import annotations

import lxml.html
from bs4.dammit import UnicodeDammit
from lxml import etree

from ..records import ParseError


def decode_html(body: bytes) -> str:
    """Bytes → text: a BOM or UTF-8 first (what Indico and most sites send), then the
    page's declared charset, then detection. Undecodable bytes never raise."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    dammit = UnicodeDammit(body, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def html_document(body: bytes) -> etree._Element:
    """Parse an HTML page with lxml; ParseError for empty or unparseable input."""
    if not body.strip():
        raise ParseError("empty page")
    text = decode_html(body).replace("\x00", "")
    parser = lxml.html.HTMLParser()
    try:
        doc = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"malformed HTML: {exc}") from None
    # libxml2 stops at a text or attribute over its 10 MB limit and returns the part
    # before it: a silently partial page must not pass for the whole one.
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        raise ParseError("page refused: a text or attribute exceeds the HTML parser's 10 MB limit")
    if doc is None:
        raise ParseError("malformed HTML: no document")
    return doc


def has_class(name: str) -> str:
    """XPath predicate: the element has CSS class `name`. The plain substring test first
    rules out, cheaply, the many elements of a page whose class cannot hold `name` (most
    queries scan the whole page), before the exact token test."""
    return f'(contains(@class, "{name}") and contains(concat(" ", normalize-space(@class), " "), " {name} "))'


def inner_html(node) -> str | None:
    """The markup inside an element, without the element itself."""
    parts = [node.text or ""] + [
        etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in node
    ]
    html = "".join(parts).strip()
    return html or None
