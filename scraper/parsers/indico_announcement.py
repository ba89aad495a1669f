"""LPC-style announcement pages: an Indico custom page ("Accepted Microconferences",
`/event/E/page/N-slug`) → one TrackInfo per microconference.

Indico puts a custom page's author-written HTML inside the event layout, in
`<div class="page-content">` (an `.editor-output` inside in 3.x). LPC writes one heading
(h2/h3/h4) per MC, then its description paragraphs, a "Suggested Topics" label (a
paragraph, bold text or a sub-heading) with a list, and an "MC leads" label with names
and e-mail addresses. Nothing here depends on positions: sections are found by their
headings and labels by their wording, so other years' pages parse too. The topics go
into the track description (as a list) until the archive has a topics table; leads
become people with role "lead"; e-mail addresses are never kept.
"""

from __future__ import annotations

import re

from lxml import etree

from ..records import PersonRef, TrackInfo
from .indico_common import add_person, clean, person, without_emails

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "ul", "ol", "pre", "blockquote", "table", "dl", "hr"}
_TOPICS = re.compile(r"^(?:suggested|possible|potential|proposed|planned|discussion|key)?\s*"
                     r"(?:discussion\s+)?topics?(?:\s+(?:include|to discuss|for discussion))?\s*:?\s*$", re.I)
# "MC leads:", "Leads", "Organizers: A, B" — a label alone or followed by a colon and names;
# never a sentence that merely starts with the word ("Leads to ...").
_LEADS = re.compile(r"^(?:mc|microconference|micro-conference)?\s*(?:lead|leader|organi[sz]er|runner|chair)s?"
                    r"(?:\s*\(.*?\))?\s*(?::\s*(?P<rest>.*)|$)", re.I | re.S)
_MC_TITLE = re.compile(r"\b(?:MC|micro-?\s?conference)\s*$", re.I)
_MC_WORD = re.compile(r"\s*\bmicro-?\s?conference\s*$", re.I)


def tracks(content, page_url: str) -> tuple[list[TrackInfo], list[str]]:
    """The microconferences announced in a custom page's content element."""
    sections: list[dict] = []
    current: dict | None = None
    for block in _blocks(content):
        tag = block.tag.lower() if isinstance(block.tag, str) else ""
        label_text = clean(block.text_content()) or ""
        label = _label(block, label_text)
        if tag in _HEADINGS and not label:
            current = {"title": label_text, "description": [], "topics": [], "leads": [], "mode": "description",
                       "topics_label": None}
            sections.append(current)
            continue
        if current is None:
            continue
        if label == "topics":
            current["mode"], current["topics_label"] = "topics", label_text
            continue
        if label == "leads":
            current["mode"] = "leads"
            rest = (_LEADS.match(label_text)["rest"] or "") if _LEADS.match(label_text) else ""
            current["leads"] += _names(rest)
            continue
        if current["mode"] == "topics" and tag in ("ul", "ol"):
            current["topics"] += [t for t in (_html_text(li) for li in block.iter("li")) if t]
            current["mode"] = "after-topics"
        elif current["mode"] == "leads":
            items = list(block.iter("li")) if tag in ("ul", "ol") else [block]
            for item in items:
                current["leads"] += _names(_text_with_breaks(item))
        else:
            current["description"].append(_clean_html(block))
    found, warnings = [], []
    for sec in sections:
        title = sec["title"]
        if not title or not (sec["leads"] or sec["topics"] or _MC_TITLE.search(title)):
            continue
        description = "".join(sec["description"])
        if sec["topics"]:
            label = sec["topics_label"] or "Suggested Topics"
            description += f"<p>{_escape(label)}</p><ul>" + "".join(f"<li>{t}</li>" for t in sec["topics"]) + "</ul>"
        people: list[PersonRef] = []
        for name, affiliation in sec["leads"]:
            add_person(people, person("lead", name=name, affiliation=affiliation))
        found.append(TrackInfo(title=_MC_WORD.sub(" MC", title), kind="microconference",
                               description=description or None, description_format="html", people=people))
    if not found:
        warnings.append("no microconference sections (heading, topics, leads) found on this page")
    return found, warnings


def _blocks(node):
    """Block elements in document order; wrapper divs are looked through."""
    for child in node:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.lower()
        if tag in _BLOCKS:
            yield child
        elif tag in ("div", "section", "article", "center", "span", "font"):
            if any(isinstance(c.tag, str) and c.tag.lower() in _BLOCKS | {"div", "section"} for c in child):
                yield from _blocks(child)
            elif clean(child.text_content()):
                yield child


def _label(block, text: str) -> str | None:
    """"topics" / "leads" when a block is such a label: a heading, a short paragraph or a
    paragraph that starts with bold label text ("<strong>MC leads:</strong> A, B")."""
    if not text:
        return None
    tag = block.tag.lower() if isinstance(block.tag, str) else ""
    if tag in ("ul", "ol", "table", "pre"):
        return None
    if _TOPICS.match(text):
        return "topics"
    lead = _LEADS.match(text)
    if lead and (tag in _HEADINGS or len(text) < 400):
        return "leads"
    bold = block.xpath("./strong | ./b | ./em")
    if bold:
        first = clean(bold[0].text_content()) or ""
        if _TOPICS.match(first):
            return "topics"
    return None


def _names(text: str | None) -> list[tuple[str, str | None]]:
    """"Stéphane Graber <stgraber@…>, Christian Brauner (Microsoft) and Mike Rapoport" →
    [(name, affiliation)]: e-mail addresses dropped, parenthesised text kept as affiliation."""
    if not text:
        return []
    text = without_emails(text.replace("\n", ", ")) or ""
    parts = re.split(r",\s*(?![^()]*\))|;\s*|\s+and\s+(?![^()]*\))|\s+&\s+", text)
    found = []
    for part in parts:
        part = clean(part.strip(" .:-–—"))
        if not part or len(part) > 100:
            continue
        match = re.match(r"^(?P<name>.*?)\s*\((?P<aff>[^()]*)\)\s*$", part)
        name, affiliation = (match["name"], clean(match["aff"])) if match else (part, None)
        if name and re.search(r"\w", name):
            found.append((name, affiliation))
    return found


def _text_with_breaks(node) -> str:
    for br in node.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return node.text_content()


def _html_text(node) -> str:
    return _escape(without_emails(clean(node.text_content())) or "")


def _clean_html(block) -> str:
    """A description block as HTML, without e-mail addresses or mailto links."""
    for a in list(block.iter("a")):
        if (a.get("href") or "").lower().startswith("mailto:"):
            a.attrib.pop("href", None)
    html = etree.tostring(block, encoding="unicode", method="html", with_tail=False)
    return re.sub(r"(?:&lt;|\(|\[)?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*(?:&gt;|\)|\])?", "", html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
