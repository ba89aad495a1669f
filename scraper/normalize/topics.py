"""Topics of talks from their titles and abstracts, by the keywords of topics.yml.

A keyword matches whole words only, case-insensitively (`cased` keywords keep their case):
"BPF" does not fire inside "eBPF", "cgroup" not inside "cgroupfoo". A space in a keyword
matches spaces or hyphens ("user namespace" finds "user-namespaces"), and a final "s"/"es"
is allowed. Every row says which words matched where, so a topic can be checked by eye.
Pure: plain data in, rows out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

TITLE_WEIGHT = 1.0  # a keyword in the title says what the talk is about
ABSTRACT_WEIGHT = 0.25  # each mention in the abstract, up to ABSTRACT_CAP
ABSTRACT_CAP = 1.0
MIN_SCORE = 0.5  # a title mention, or two mentions in the abstract


class TopicsConfigError(ValueError):
    """topics.yml is not what it should be; one line naming the entry."""


@dataclass
class Topic:
    id: str
    title: str
    keywords: list[str] = field(default_factory=list)
    cased: list[str] = field(default_factory=list)
    description: str | None = None


def parse_config(data: Any) -> list[Topic]:
    """The `topics` list of topics.yml (already loaded YAML) → topics."""
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("topics", []), list):
        raise TopicsConfigError("expected a mapping with a 'topics' list")
    topics, seen = [], set()
    for n, entry in enumerate(data.get("topics") or [], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise TopicsConfigError(f"topic {n} needs an id")
        unknown = set(entry) - {"id", "title", "keywords", "cased", "description"}
        if unknown:
            raise TopicsConfigError(f"topic {entry['id']}: unknown key(s) {', '.join(sorted(unknown))}")
        if entry["id"] in seen:
            raise TopicsConfigError(f"topic {entry['id']} is listed twice")
        seen.add(entry["id"])
        lists = {}
        for key in ("keywords", "cased"):
            value = entry.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise TopicsConfigError(f"topic {entry['id']}: {key} must be a list of words")
            lists[key] = value
        if not lists["keywords"] and not lists["cased"]:
            raise TopicsConfigError(f"topic {entry['id']} has no keywords")
        topics.append(Topic(id=entry["id"], title=str(entry.get("title") or entry["id"]),
                            description=entry.get("description"), **lists))
    return topics


def keyword_pattern(keyword: str) -> str:
    """A keyword → a regular expression for it (whole words are checked by the caller)."""
    body = r"[\s\-]+".join(re.escape(word) for word in keyword.split())
    return body + ("(?:e?s)?" if keyword[-1].isalpha() else "")


_WORD = re.compile(r"\w+")
# ASCII punctuation → space, so bytes.split() gives the words: the cheapest way found to
# see which keywords a text could contain (a regex or str.translate over every abstract
# costs several times more). Only a prefilter: each keyword's regex decides.
_SPACES = bytes(32 if chr(c) in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~" else c for c in range(256))
_UNICODE_PUNCTUATION = "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2013\u2014\u2026\u00a0"


def _words(text: str) -> list[bytes]:
    if not text.isascii():
        for mark in _UNICODE_PUNCTUATION:
            if mark in text:
                text = text.replace(mark, " ")
    return text.encode("utf-8", "replace").translate(_SPACES).split()


@dataclass
class Matcher:
    """Topics compiled once per pass. A keyword's regex runs only on texts that contain
    its longest word, and has no look-around, so the regex engine can jump to its literal
    prefix: a pass over every talk of the archive takes a fraction of a second."""

    topics: list[Topic]
    index: dict[bytes, list[tuple[str, re.Pattern, bool]]] = field(init=False)  # longest word → keywords
    keys: frozenset[bytes] = field(init=False)
    order: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {}
        for topic in self.topics:
            for keyword, cased in [(k, False) for k in topic.keywords] + [(k, True) for k in topic.cased]:
                text = keyword if cased else keyword.lower()
                words = _words(text.lower()) or [text.lower().encode()]
                key = max(words, key=len)  # the longest word is the rarest, as a rule
                entry = (topic.id, re.compile(keyword_pattern(text)), cased)
                plural = key == words[-1] and text[-1].isalpha()
                for form in (key, key + b"s", key + b"es") if plural else (key,):
                    self.index.setdefault(form, []).append(entry)
        self.keys = frozenset(self.index)
        self.order = {topic.id: n for n, topic in enumerate(self.topics)}

    def find(self, text: str) -> dict[str, Counter]:
        """Topic id → Counter of the matched words (lower case)."""
        lower = text.lower()
        found: dict[str, Counter] = {}
        entries = {e for w in self.keys.intersection(_words(lower)) for e in self.index[w]}
        for topic_id, pattern, cased in entries:
            source = text if cased else lower
            for m in pattern.finditer(source):
                start, end = m.span()
                if (start and (source[start - 1].isalnum() or source[start - 1] == "_")) or \
                        (end < len(source) and (source[end].isalnum() or source[end] == "_")):
                    continue  # inside a longer word: "BPF" in "eBPF"
                found.setdefault(topic_id, Counter())[m.group(0).lower()] += 1
        return found


def assign_topics(talks: Iterable[tuple[str, str | None, str | None]], topics: list[Topic]) -> list[dict[str, Any]]:
    """(talk id, title, abstract) → talk_topics rows (talk_id, topic, score, matched)."""
    matcher = Matcher(topics)
    rows = []
    for talk_id, title, abstract in talks:
        title, abstract = title or "", abstract or ""
        in_title = matcher.find(title) if title else {}
        in_abstract = matcher.find(abstract) if abstract else {}
        if not in_title and not in_abstract:
            continue
        for topic in sorted(in_title.keys() | in_abstract.keys(), key=matcher.order.__getitem__):
            t, a = in_title.get(topic), in_abstract.get(topic)
            score = (TITLE_WEIGHT if t else 0.0) + min(ABSTRACT_CAP, ABSTRACT_WEIGHT * sum((a or {}).values()))
            if score < MIN_SCORE:
                continue
            matched = []
            if t:
                matched.append("title: " + ", ".join(sorted(t)))
            if a:
                matched.append("abstract: " + ", ".join(f"{w} ×{n}" if n > 1 else w for w, n in sorted(a.items())))
            rows.append({"talk_id": talk_id, "topic": topic, "score": round(score, 2),
                         "matched": "; ".join(matched)})
    return rows
