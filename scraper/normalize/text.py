"""Abstract and description text: markdown rendering, sanitizing, plain text.

Stored HTML is sanitized once, here, with nh3 (ammonia): no scripts, no event handlers,
only http(s)/mailto links, so Datasette can show it and nothing in it executes.
"""

from __future__ import annotations

import re

import lxml.html
import markdown as markdown_lib
import nh3
from lxml import etree

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}}
_PARAGRAPHS = {"p", "div", "ul", "ol", "pre", "blockquote", "table", "dl",
               "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
_LINES = {"li", "tr", "dt", "dd"}
_SPACE = re.compile(r"\s+")


def sanitize_html(html: str | None) -> str | None:
    if not html or not html.strip():
        return None
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    return cleaned or None


def markdown_to_html(source: str) -> str:
    """Indico stores abstracts as markdown and renders single newlines as <br>."""
    return markdown_lib.markdown(source, extensions=["nl2br", "sane_lists", "fenced_code"])


def to_html(text: str | None, fmt: str) -> str | None:
    """Published text in its format → sanitized HTML."""
    if not text or not text.strip():
        return None
    if fmt == "markdown":
        text = markdown_to_html(text)
    elif fmt == "text":
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join(f"<p>{_escape(p)}</p>" for p in paragraphs)
    return sanitize_html(text)


def html_to_text(html: str | None) -> str | None:
    """Plain text of sanitized HTML: paragraphs separated by a blank line, <br> and list
    items by a newline, other whitespace collapsed (kept inside <pre>)."""
    if not html:
        return None
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        in_pre = element.tag == "pre" or any(a.tag == "pre" for a in element.iterancestors())
        if not in_pre:
            element.text = _SPACE.sub(" ", element.text) if element.text else element.text
        if element.tail and not any(a.tag == "pre" for a in element.iterancestors()):
            element.tail = _SPACE.sub(" ", element.tail)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _PARAGRAPHS:
            element.tail = "\n\n" + (element.tail or "")
        elif element.tag in _LINES:
            element.tail = "\n" + (element.tail or "")
            if element.tag == "li":
                element.text = "- " + (element.text or "").lstrip()
    lines = [line.strip() for line in root.text_content().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


# Real HTML elements only: "RCPT TO:<grå@grå.org>" or "Vec<T>" in a title are text.
_HTML_TAG = re.compile(
    r"<\s*/?\s*(?:a|abbr|audio|b|base|blockquote|body|br|button|code|div|em|embed|form|frame|"
    r"frameset|h[1-6]|head|html|i|iframe|img|input|link|li|math|meta|object|ol|p|pre|s|script|"
    r"select|span|strong|style|sub|sup|svg|table|td|textarea|th|tr|u|ul|video)(?:\s[^<>]*)?/?\s*>",
    re.IGNORECASE)


def plain(text: str | None) -> str | None:
    """A title or name: markup and control characters never survive (a planted <script>
    is removed, not stored), whitespace collapsed; other angle brackets are text."""
    if text is None:
        return None
    if _HTML_TAG.search(text):
        text = html_to_text(sanitize_html(text)) or ""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    text = " ".join(text.split())
    return text or None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
