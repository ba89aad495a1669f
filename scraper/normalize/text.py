"""Abstract and description text: markdown rendering, sanitizing, plain text.

Stored HTML is sanitized once, here, with nh3 (ammonia): no scripts, no event handlers,
only http(s)/mailto links, so Datasette can show it and nothing in it executes.
"""

from __future__ import annotations

import re
from html import unescape

import markdown as markdown_lib
import nh3

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
# A tag, a text node, or a lone "<"; nh3 has lower-cased tags and quoted attributes.
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>|([^<]+)|<")
_STARTS_WITH = {"br": "\n", "hr": "\n\n", "li": "- "}
_ENDS_WITH = {**{tag: "\n\n" for tag in _PARAGRAPHS}, **{tag: "\n" for tag in _LINES}}
_BLANK_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    items by a newline, other whitespace collapsed (kept inside <pre>).

    One regex pass over the markup's tags and text nodes, not a tree: nh3's output is
    well-formed (every text "<" escaped), and building an lxml tree per abstract and
    walking it in Python cost a build a second and a half. The result is the tree walk's,
    text node by text node (tests/test_text_whitespace.py)."""
    if not html:
        return None
    out: list[str] = []
    append = out.append
    pre = 0  # open <pre> elements: their text keeps its spacing
    after_li = False  # the text right after <li> loses its leading space ("- item")
    for closing, tag, text in _TOKEN.findall(html):
        if tag:
            after_li = False
            tag = tag.lower()
            if closing:
                if tag == "pre" and pre:
                    pre -= 1
                end = _ENDS_WITH.get(tag)
                if end:
                    append(end)
            else:
                start = _STARTS_WITH.get(tag)
                if start:
                    append(start)
                    after_li = tag == "li"
                elif tag == "pre":
                    pre += 1
            continue
        if not text:
            text = "<"  # a lone "<" that starts no tag
        elif "&" in text:
            text = unescape(text)
        if not pre:
            text = _collapse(text, after_li)
        elif after_li:
            text = text.lstrip()
        after_li = False
        append(text)
    text = "\n".join([line.strip() for line in "".join(out).splitlines()])
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip() or None


def _collapse(text: str, lstrip: bool = False) -> str:
    """Every run of whitespace as one space, as re.sub(r"\\s+", " ", text) does (str.split
    and re's \\s agree on what whitespace is), at a fifth of the cost."""
    words = text.split()
    if not words:
        return "" if lstrip else " "
    collapsed = " ".join(words)
    if text[0].isspace() and not lstrip:
        collapsed = " " + collapsed
    if text[-1].isspace():
        collapsed += " "
    return collapsed


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
    if "<" in text and _HTML_TAG.search(text):
        text = html_to_text(sanitize_html(text)) or ""
    if not text.isprintable():  # cheap test first: most names and titles are
        text = _CONTROL.sub("", text)
    text = " ".join(text.split())
    return text or None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
