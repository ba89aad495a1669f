"""Indico's event-wide list pages → Programme.

- contribution list `/event/E/contributions/` (possibly filtered, e.g. one track's): the
  same `.contribution-row` markup as a session page, with each row's session and track.
  Follows every listed contribution page: it is also the fallback of an event whose
  export API is disabled, so it must not depend on the export itself.
- speaker list `/event/E/contributions/speakers` and author list `.../authors`:
  `li.speaker-list-item` per person (name, affiliation) with `ul.author-links` of their
  contributions, each labelled "Speaker at", "Author in" or "Co-author in". People are
  sorted by last name there, so these pages only say who is on which talk, never the
  published order; the talks' contribution pages complete them.
"""

from __future__ import annotations

from ..records import RANK_LISTING, PersonRef, Programme, TalkInfo
from .indico_common import absolute, add_person, clean, contribution_id
from .indico_page import contribution_row, event_header, people, text
from .markup import has_class

FORMAT = "indico-html"

_ROLE_WORDS = (("co-author", "coauthor"), ("coauthor", "coauthor"), ("author", "author"), ("speaker", "speaker"))


def contribution_list(doc, url: str, base: str) -> Programme | None:
    container = doc.xpath(f'//*[@id="display-contribution-list"] | //*[{has_class("contribution-list")}]')
    if not container:
        return None
    event = event_header(doc, base)
    talks = []
    for row in container[0].xpath(f'.//*[{has_class("contribution-row")}]'):
        talk = contribution_row(row, url, event.timezone)
        if talk is not None and talk.source_id not in {t.source_id for t in talks}:
            talks.append(talk)
    return Programme(format=FORMAT, page_kind="contribution-list", url=url, event=event, talks=talks,
                     follow=[t.url for t in talks if t.url])


def person_list(doc, url: str, base: str) -> Programme | None:
    items = doc.xpath(f'//*[{has_class("author-list")}]//li[{has_class("speaker-list-item")}]')
    if not items:
        return None
    default = "author" if url.rstrip("/").endswith("/authors") else "speaker"
    event = event_header(doc, base)
    talks: dict[str, TalkInfo] = {}
    for item in items:
        named = people(item, "speaker")
        if not named:
            continue
        who = named[0]
        for entry in item.xpath(f'.//*[{has_class("author-links")}]/li'):
            link = entry.xpath(f'.//a[{has_class("contrib-title")}] | .//a[@href]')
            href = absolute(url, link[0].get("href")) if link else None
            cid = contribution_id(href or "")
            title = text(link)
            if not cid or not title:
                continue
            talk = talks.setdefault(cid, TalkInfo(source_id=cid, title=title, url=href, rank=RANK_LISTING))
            add_person(talk.people, PersonRef(name=who.name, role=_role(entry, default),
                                              affiliation=who.affiliation, honorific=who.honorific))
    kind = "author-list" if default == "author" else "speaker-list"
    return Programme(format=FORMAT, page_kind=kind, url=url, event=event, talks=list(talks.values()),
                     follow=[t.url for t in talks.values() if t.url])


def _role(entry, default: str) -> str:
    label = (clean(text(entry.xpath(f'.//*[{has_class("contrib-role")}]'))) or "").lower()
    for word, role in _ROLE_WORDS:
        if word in label:
            return role
    return default
