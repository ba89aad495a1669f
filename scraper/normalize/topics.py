"""Topics of talks from their titles and abstracts, by the keywords of topics.yml.

A keyword matches whole words only, case-insensitively (`cased` keywords keep their case):
"BPF" does not fire inside "eBPF", "cgroup" not inside "cgroupfoo". A space in a keyword
also matches a hyphen or a line break ("user namespace" finds "user-namespaces"), and a
final "s"/"es" is allowed. Every row says which words matched where, so a topic can be
checked by eye. Pure: plain data in, rows out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

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


def keyword_forms(keyword: str) -> list[str]:
    """A keyword → every spelling that matches it: each space may also be a hyphen, and
    a keyword ending in a letter may take "s" or "es"."""
    words = keyword.split()
    forms = [words[0]]
    for word in words[1:]:
        forms = [f + sep + word for f in forms for sep in (" ", "-")]
    if keyword[-1].isalpha():
        forms = [f + end for f in forms for end in ("", "s", "es")]
    return forms


def _spaced(text: str) -> str:
    """Line breaks and tabs → spaces, so "user\nnamespaces" matches "user namespace"."""
    for mark in "\n\r\t\u00a0":
        if mark in text:
            text = text.replace(mark, " ")
    return text


# Joins a talk's title and abstract for one scan: not a word character, so a keyword
# at either edge still ends at a word boundary; a match across it is dropped. Neither
# cased nor case-ignorable, so lower-casing the joined text lower-cases each part as
# lower-casing it alone does (Greek final sigma included).
_JOIN = "\x00"


@dataclass
class Matcher:
    """Topics compiled once per pass into Aho-Corasick automata: one scan per talk finds
    every keyword in its title and abstract, and a match inside a longer word is dropped.
    A pass over every talk of the archive takes a fraction of a second, where a regular
    expression per keyword took seconds.

    The scan is of the lower-cased text, for the case-folded keywords and, lower-cased,
    for the cased ones, whose matches are then compared with the text's own case. A text
    whose lower-casing changes its length ("İ" → "i̇") has no position-for-position
    lower-case copy: the cased keywords get a scan of the text of their own (`cased`),
    as do keywords that do not lower-case letter for letter (with "Σ", say)."""

    topics: list[Topic]
    folded: ahocorasick.Automaton | None = field(init=False)  # of the lower-cased text
    cased: ahocorasick.Automaton | None = field(init=False)  # of the text itself: cased keywords only
    cased_inline: bool = field(init=False)  # `folded` also holds the cased keywords, lower-cased
    order: dict[str, int] = field(init=False)
    words: list[tuple[str, tuple[str, ...]]] = field(init=False)  # keyword number → (word, topic ids)

    def __post_init__(self) -> None:
        self.order = {topic.id: n for n, topic in enumerate(self.topics)}
        forms: dict[bool, dict[str, set[str]]] = {False: {}, True: {}}
        for topic in self.topics:
            for keyword, cased in [(k, False) for k in topic.keywords] + [(k, True) for k in topic.cased]:
                text = " ".join(keyword.split())
                for form in keyword_forms(text if cased else text.lower()):
                    forms[cased].setdefault(form, set()).add(topic.id)
        self.words = []
        folded = {form: self._number(form, ids) for form, ids in forms[False].items()}
        cased = {form: self._number(form, ids) for form, ids in forms[True].items()}
        # A payload: the form's length, its number as a case-folded keyword (or None)
        # and the cased keywords that lower-case to it, with their numbers. The scan
        # counts small ints; words and topics are looked up once per distinct match.
        payloads: dict[str, tuple[int | None, list[tuple[str, int]]]] = {form: (n, []) for form, n in folded.items()}
        self.cased_inline = all(len(form.lower()) == len(form) and "Σ" not in form for form in cased)
        if self.cased_inline:
            for form, n in cased.items():
                payloads.setdefault(form.lower(), (None, []))[1].append((form, n))
        self.folded = self._automaton({form: (number, tuple(also)) for form, (number, also) in payloads.items()})
        self.cased = self._automaton({form: (n, ()) for form, n in cased.items()})

    def _number(self, form: str, topic_ids: set[str]) -> int:
        self.words.append((form.lower(), tuple(sorted(topic_ids))))
        return len(self.words) - 1

    @staticmethod
    def _automaton(payloads: dict[str, tuple[int | None, tuple[tuple[str, int], ...]]]) -> ahocorasick.Automaton | None:
        """None without keywords (an empty automaton cannot scan)."""
        if not payloads:
            return None
        automaton = ahocorasick.Automaton()
        for form, (number, cased) in payloads.items():
            automaton.add_word(form, (len(form), number, cased))
        automaton.make_automaton()
        return automaton

    def find(self, text: str) -> dict[str, Counter]:
        """Topic id → Counter of the matched words (lower case)."""
        return {topic: Counter(words) for topic, words in self.find_in(text, "")[0].items()}

    def find_in(self, title: str, abstract: str) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Topic id → matched word → count, in the title and in the abstract: one scan
        of both, joined by _JOIN."""
        text = _spaced(title + _JOIN + abstract)
        counts: tuple[dict[int, int], dict[int, int]] = ({}, {})
        aligned = False
        if self.folded is not None:
            lower = text.lower()
            aligned = len(lower) == len(text)
            self._scan(self.folded, lower, len(title) if aligned else len(title.lower()), counts,
                       text if aligned else None)
        if self.cased is not None and not (aligned and self.cased_inline):
            self._scan(self.cased, text, len(title), counts, None)
        return self._by_topic(counts[0]), self._by_topic(counts[1])

    @staticmethod
    def _scan(automaton: ahocorasick.Automaton, source: str, cut: int,
              counts: tuple[dict[int, int], dict[int, int]], text: str | None) -> None:
        """Count the whole-word matches before `cut` (the title) and after it; with
        `text` (of which `source` is the lower-cased copy), the cased keywords too."""
        size = len(source)
        in_title, in_abstract = counts
        for end, (length, number, cased) in automaton.iter(source):
            start = end - length + 1
            if number is not None and not (
                    (start and (source[start - 1].isalnum() or source[start - 1] == "_")) or
                    (end + 1 < size and (source[end + 1].isalnum() or source[end + 1] == "_"))):
                if end < cut:
                    in_title[number] = in_title.get(number, 0) + 1
                elif start > cut:
                    in_abstract[number] = in_abstract.get(number, 0) + 1
            if cased and text is not None and not (
                    (start and (text[start - 1].isalnum() or text[start - 1] == "_")) or
                    (end + 1 < size and (text[end + 1].isalnum() or text[end + 1] == "_"))):
                for form, n in cased:
                    if text.startswith(form, start):  # the keyword's own case
                        if end < cut:
                            in_title[n] = in_title.get(n, 0) + 1
                        elif start > cut:
                            in_abstract[n] = in_abstract.get(n, 0) + 1

    def _by_topic(self, counts: dict[int, int]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for number, n in counts.items():
            word, topic_ids = self.words[number]
            for topic_id in topic_ids:
                words = found.get(topic_id)
                if words is None:
                    found[topic_id] = {word: n}
                else:
                    words[word] = words.get(word, 0) + n
        return found


def assign_topics(talks: Iterable[tuple[str, str | None, str | None]], topics: list[Topic]) -> list[dict[str, Any]]:
    """(talk id, title, abstract) → talk_topics rows (talk_id, topic, score, matched)."""
    matcher = Matcher(topics)
    rows = []
    for talk_id, title, abstract in talks:
        in_title, in_abstract = matcher.find_in(title or "", abstract or "")
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
