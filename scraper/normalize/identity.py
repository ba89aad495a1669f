"""People: which published names are one human, across events and sites.

Every published spelling starts as its own raw id (`ids.person_id`, so "Stéphane" and
"Stephane" already share one). This pass decides which raw ids are the same person and
returns the archive's people, a raw id → person id map and every decision with its
evidence (the `identity_decisions` table). Pure: plain data in, rows out.

Matching is conservative, because a wrong merge is worse than a missed one:

1. Names that are equal once cleaned merge: decorations dropped (nicknames in quotes or
   parentheses, "@handles", pronouns, honorifics, "Ph.D."), "Last, First" turned round,
   case, accents and German umlaut spellings ("Schröter"/"Schroeter") ignored.
2. Candidate pairs come only from blocks (same surname; same first name and surname
   initial), never from all pairs. A pair whose names differ needs evidence, more the
   further the names are apart: a middle name or initial more or less needs one sign,
   a first-name variant ("Aleksandr"/"Alexander", "Andrei"/"Andrey"/"Andrew", "Alex")
   needs two including a strong one or a rare surname, a surname variant three including
   a strong one. Strong: a shared co-speaker or a shared affiliation. Weaker: the same
   series or series lineage, a shared topic, a surname rare in the archive.
3. Two names on the same talk or track are two people. A merge that would put names
   with conflicting parts into one person (two different middle initials) is refused.
4. aliases.yml wins: its merges are made whatever the evidence, its never-merges are
   never made.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

from anyascii import anyascii
from nameparser import HumanName
from nameparser.config import CONSTANTS
from rapidfuzz.distance import JaroWinkler

from .ids import person_id

MERGED, APART = "merged", "apart"
RULE_SAME, RULE_MIDDLE, RULE_INITIAL = "same name", "middle name", "initial"
RULE_FIRST, RULE_SURNAME, RULE_ALIAS = "first-name variant", "surname variant", "aliases.yml"

FIRST_SIMILARITY = 0.85  # Jaro-Winkler of first names: Andrei/Andrey .93, Aleksandr/Alexander .90
SURNAME_SIMILARITY = 0.92  # Jaro-Winkler of surnames with the same first name
RARE_SURNAME_PEOPLE = 3  # a surname at most this many names carry in the archive is rare
RARE_SURNAME_LENGTH = 5  # ... when it is this long ("Li", "Wang" never count)

# Affiliations that say nothing about who someone is.
_NO_AFFILIATION = {"", "independent", "none", "self", "selfemployed", "freelance", "freelancer", "na", "student",
                   "retired", "unaffiliated", "individual", "hobbyist", "private", "personal", "various"}
_LEGAL_WORDS = {"ltd", "inc", "gmbh", "llc", "corp", "corporation", "co", "sa", "ag", "bv", "ab", "oy",
                "limited", "plc", "srl", "sas", "the", "as", "nv", "spa", "kg"}


class AliasesConfigError(ValueError):
    """aliases.yml is not what it should be; one line naming the entry."""


@dataclass(frozen=True)
class Name:
    """A published name cleaned and split for matching (ASCII, lower case, no spaces)."""

    first: frozenset[str]  # spellings of the first name (anyascii; German ä → ae)
    middle: tuple[str, ...]  # middle names or initials
    last: frozenset[str]
    first_text: str  # one spelling, for similarity
    last_text: str

    @property
    def keys(self) -> set[str]:
        middle = " ".join(self.middle)
        return {f"{f}|{middle}|{last}" for f in self.first for last in self.last}


# Decorations around a name: nicknames, pronouns, handles, e.g. 'Paul \'LeoNerd\' Evans',
# "Caleb Connolly (they/them)", "Michał @Saviq Sawicz", "Serge « sans paille » Guelton".
_DECORATION = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|(?<!\S)\"[^\"]*\"(?!\S)|(?<!\S)'[^']*'(?!\S)|«[^»]*»|“[^”]*”|‘[^’]*’|(?<!\S)@\S+")
_TITLES = {t.replace(".", "") for t in CONSTANTS.titles}
_SUFFIXES = {s.replace(".", "") for s in CONSTANTS.suffix_acronyms | CONSTANTS.suffix_not_acronyms}
_CONJUNCTIONS = {c.replace(".", "") for c in CONSTANTS.conjunctions}
_SURNAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "dos", "das", "la", "le",
                      "ten", "ter", "zu", "af", "av"}


_DECORATION_MARKS = set("()[]\"'«“‘@")


def clean_name(published: str | None) -> str:
    """The name without decorations, whitespace collapsed (the published text if nothing is left)."""
    text = " ".join((published or "").split())
    if _DECORATION_MARKS.isdisjoint(text):
        return text
    cleaned = " ".join(_DECORATION.sub(" ", text).split())
    return cleaned or text


# Titles and degrees printed inside a name field ("Dr. Jure Zakotnik", "Donnie Berkholz,
# Ph.D." at FOSDEM): dropped from display names. A short explicit list, because
# nameparser's ~800 titles include words that are also first names.
_HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "ing", "mgr", "ir"}


def display_name(published: str) -> str:
    """A published name fit for `people.name`: whitespace collapsed, no leading title,
    no trailing degree; everything else as published."""
    words = " ".join(published.split()).split(" ")
    while len(words) > 2 and words[0].lower().rstrip(".") in _HONORIFICS:
        words = words[1:]
    text = " ".join(words)
    head, comma, tail = text.rpartition(",")
    if comma and " " in head.strip() and tail.strip().lower().replace(".", "") in _SUFFIXES:
        text = head.strip()
    return text


def _plain(spelling: str) -> bool:
    """A spelling without nickname, handle, title or degree."""
    return clean_name(spelling) == spelling and display_name(spelling) == spelling


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_UMLAUTS = set("äöüÄÖÜß")


def _fold(text: str) -> str:
    return _NOT_ALNUM.sub("", anyascii(text).lower())


def _german(text: str) -> str:
    if _UMLAUTS.isdisjoint(text):
        return _fold(text)
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return _fold(text)


def _spellings(text: str, folded: str) -> frozenset[str]:
    """`folded` is _fold(text), which parse_name has already computed."""
    if _UMLAUTS.isdisjoint(text):
        return frozenset((folded,) if folded else ())
    return frozenset(s for s in (folded, _german(text)) if s)


def _middle(text: str) -> tuple[str, ...]:
    if not text:
        return ()  # most names
    out = []
    for token in text.replace(".", ". ").split():
        folded = _fold(token)
        if folded:
            out.append(folded)
    return tuple(out)


@lru_cache(maxsize=65536)  # a scrape job runs the pass once per source over the same names
def parse_name(published: str) -> Name | None:
    """A published name → its parts; None when it cannot be split into first and last
    name (a single word or handle, or several people in one field: "A B, C D")."""
    text = clean_name(published)
    words = text.split()
    if len(words) < 2:
        return None
    keys = [w.lower().replace(".", "") for w in words]
    particle = [n for n in range(1, len(words) - 1) if keys[n] in _SURNAME_PARTICLES]
    tricky = ("," in text or keys[0] in _TITLES or keys[-1] in _SUFFIXES
              or not _CONJUNCTIONS.isdisjoint(keys[1:-1]))
    if not tricky and (not particle or particle == list(range(particle[0], len(words) - 1))):
        # What nameparser would say, without its cost (most names in the archive);
        # particles just before the surname join it ("Hein-Pieter van Braam").
        split = particle[0] if particle else len(words) - 1
        first, middle, last = words[0], " ".join(words[1:split]), " ".join(words[split:])
    else:
        head, _, tail = text.partition(",")
        if tail and " " in head.strip() and " " in tail.strip() and tail.strip().lower().replace(".", "") not in _SUFFIXES:
            return None  # "Jean-Michel Friedt, Thomas Lavarenne": two people, not "Last, First"
        parsed = HumanName(text)
        first, middle, last = parsed.first, parsed.middle, parsed.last
    first_text, last_text = _fold(first), _fold(last)
    if not first_text or not last_text:
        return None
    return Name(first=_spellings(first, first_text), middle=_middle(middle), last=_spellings(last, last_text),
                first_text=first_text, last_text=last_text)


raw_person_id = lru_cache(maxsize=65536)(person_id)  # the id merge gave a published name
_raw_id = raw_person_id


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    return not a.isdisjoint(b)


def _middles_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """"J." fits "James" and nothing; "J." and "K." do not fit; nor do "Klaus" and "Karl"."""
    if not a or not b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    i = 0
    for token in short:
        while i < len(long) and not _token_fits(token, long[i]):
            i += 1
        if i == len(long):
            return False
        i += 1
    return True


def _token_fits(a: str, b: str) -> bool:
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b


def _first_variant(a: Name, b: Name) -> bool:
    x, y = a.first_text, b.first_text
    if min(len(x), len(y)) < 3:
        return False
    short, long = sorted((x, y), key=len)
    return long.startswith(short) or JaroWinkler.similarity(x, y) >= FIRST_SIMILARITY


def name_rule(a: Name, b: Name) -> str | None:
    """How two names could be one person's, or None when they cannot."""
    if not _middles_compatible(a.middle, b.middle):
        return None
    if _same(a.last, b.last):
        if _same(a.first, b.first):
            return RULE_SAME if a.middle == b.middle else RULE_MIDDLE
        if (len(a.first_text) == 1) != (len(b.first_text) == 1):
            return RULE_INITIAL if a.first_text[0] == b.first_text[0] else None
        return RULE_FIRST if _first_variant(a, b) else None
    if (_same(a.first, b.first) and min(len(a.last_text), len(b.last_text)) >= 4
            and JaroWinkler.similarity(a.last_text, b.last_text) >= SURNAME_SIMILARITY):
        return RULE_SURNAME
    return None


def normalize_affiliation(text: str | None) -> str:
    words = [w for w in re.split(r"[^a-z0-9]+", anyascii(text or "").lower()) if w and w not in _LEGAL_WORDS]
    key = "".join(words)
    return "" if key in _NO_AFFILIATION else key


@dataclass
class Aliases:
    """aliases.yml: user decisions that win over the automatic ones."""

    merge: list[dict[str, Any]] = field(default_factory=list)  # {"ids": [...], "id": str|None, "name": str|None}
    never: list[list[str]] = field(default_factory=list)  # raw ids that must stay apart, pairwise


def parse_aliases(data: Any) -> Aliases:
    """aliases.yml (already loaded YAML) → Aliases; names may be published spellings or ids."""
    if data is None:
        return Aliases()
    if not isinstance(data, dict) or set(data) - {"merge", "never"}:
        raise AliasesConfigError("expected a mapping with 'merge' and/or 'never' lists")
    aliases = Aliases()
    for n, entry in enumerate(data.get("merge") or [], 1):
        if isinstance(entry, list):
            entry = {"names": entry}
        names = entry.get("names") if isinstance(entry, dict) else None
        if (not isinstance(names, list) or len(names) < 2 or not all(isinstance(x, str) for x in names)
                or set(entry) - {"names", "id", "name", "note"}):
            raise AliasesConfigError(f"merge entry {n}: expected a list of two or more names "
                                     "(or names:, with optional id:, name:, note:)")
        aliases.merge.append({"ids": [person_id(x) for x in names], "id": entry.get("id"),
                              "name": entry.get("name")})
    for n, entry in enumerate(data.get("never") or [], 1):
        if isinstance(entry, dict):
            entry = entry.get("names")
        if not isinstance(entry, list) or len(entry) < 2 or not all(isinstance(x, str) for x in entry):
            raise AliasesConfigError(f"never entry {n}: expected a list of two or more names")
        aliases.never.append([person_id(x) for x in entry])
    merged = [set(m["ids"]) for m in aliases.merge]
    for group in aliases.never:
        for a, b in combinations(group, 2):
            if any({a, b} <= m for m in merged):
                raise AliasesConfigError(f"{a} and {b} are both in a merge and in a never entry")
    return aliases


@dataclass
class _Unit:
    """Raw ids whose names are equal once cleaned: compared as one."""

    ids: list[str]
    name: Name | None
    spellings: Counter = field(default_factory=Counter)
    owners: set[str] = field(default_factory=set)
    affiliations: dict[str, str] = field(default_factory=dict)  # key → as published
    series: set[str] = field(default_factory=set)
    lineages: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    coworkers: set[int] = field(default_factory=set)  # units on the same talks or tracks


@dataclass
class IdentityResult:
    person_of: dict[str, str]  # raw id → person id
    people: list[dict[str, Any]]  # id, name
    decisions: list[dict[str, Any]]
    stats: dict[str, int] = field(default_factory=dict)


class _Clusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members = {i: {i} for i in range(n)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if len(self.members[ra]) < len(self.members[rb]):
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.members[ra] |= self.members.pop(rb)


def resolve_people(appearances: list[dict[str, Any]], aliases: Aliases | None = None) -> IdentityResult:
    """Appearances → people, the raw id → person id map and the decisions.

    An appearance is one name on one talk or track: name (as published), owner (the talk
    or track id), year, affiliation, series, lineage and topics (of that talk or track).
    """
    aliases = aliases or Aliases()
    units, unit_of, decisions = _units(appearances, aliases)
    _evidence(units, unit_of, appearances)
    clusters = _Clusters(len(units))
    never = {frozenset((unit_of[a], unit_of[b])) for group in aliases.never
             for a, b in combinations(group, 2) if a in unit_of and b in unit_of and unit_of[a] != unit_of[b]}
    forced = _apply_aliases(aliases, units, unit_of, clusters, decisions)
    candidates = _candidates(units)
    surname_count = Counter(last for u in units if u.name for last in u.name.last)
    evaluated = []
    for i, j, rule in candidates:
        points, strong, rare, evidence = _weigh(i, j, units, surname_count)
        evaluated.append((_RULE_ORDER[rule], -points, i, j, rule, points, strong, rare, evidence))
    evaluated.sort(key=lambda e: e[:4])
    for _, _, i, j, rule, points, strong, rare, evidence in evaluated:
        a, b = units[i], units[j]
        score = round(JaroWinkler.similarity(a.name.first_text + " " + a.name.last_text,
                                             b.name.first_text + " " + b.name.last_text), 3)
        verdict, why = _verdict(rule, points, strong, rare)
        if verdict == MERGED:
            blocker = _blocker(i, j, units, clusters, never, forced)
            if blocker:
                verdict, why = APART, blocker
        elif clusters.find(i) == clusters.find(j):
            continue  # already one person through other names; nothing to review
        if verdict == MERGED:
            clusters.union(i, j)
        decisions.append({"a": i, "b": j, "decision": verdict, "rule": rule, "score": score,
                          "points": points, "evidence": "; ".join(filter(None, [why] + evidence))})
    return _result(units, unit_of, clusters, decisions, aliases)


_RULE_ORDER = {RULE_SAME: 0, RULE_MIDDLE: 1, RULE_INITIAL: 2, RULE_FIRST: 3, RULE_SURNAME: 4}


def _units(appearances, aliases) -> tuple[list[_Unit], dict[str, int], list[dict[str, Any]]]:
    """Group raw ids whose cleaned names are equal (unless aliases.yml keeps them apart)."""
    # Each distinct spelling once (a raw id is a slug: anyascii and a regex), in the order
    # first seen, which breaks most_common's ties as counting row by row did. A missing
    # name is "unknown", whose raw id person_id("") also is.
    spellings: dict[str, Counter] = defaultdict(Counter)
    for spelling, uses in Counter(row["name"] or "unknown" for row in appearances).items():
        spellings[_raw_id(spelling)][spelling] = uses
    units: list[_Unit] = []
    unit_of: dict[str, int] = {}
    by_key: dict[str, int] = {}
    never = {frozenset(p) for group in aliases.never for p in combinations(group, 2)}
    decisions = []
    for raw in sorted(spellings):
        name = parse_name(spellings[raw].most_common(1)[0][0])
        keys = sorted(name.keys) if name else []
        target = next((by_key[k] for k in keys if k in by_key), None)
        if target is not None and not any(frozenset((raw, other)) in never for other in units[target].ids):
            units[target].ids.append(raw)
            units[target].spellings.update(spellings[raw])
            unit_of[raw] = target
            decisions.append({"raw": (units[target].ids[0], raw), "decision": MERGED, "rule": RULE_SAME,
                              "score": 1.0, "points": 0, "evidence": "equal once cleaned"})
        else:
            unit_of[raw] = len(units)
            units.append(_Unit(ids=[raw], name=name, spellings=spellings[raw]))  # each raw is read once: no copy
        for k in keys:
            by_key.setdefault(k, unit_of[raw])
    return units, unit_of, decisions


def _evidence(units: list[_Unit], unit_of: dict[str, int], appearances) -> None:
    # Names and affiliations repeat from talk to talk: look each up once.
    unit_at = {name: unit_of[_raw_id(name or "")] for name in {row["name"] for row in appearances}}
    affiliation_key = {text: normalize_affiliation(text) for text in {row.get("affiliation") for row in appearances}}
    by_owner: dict[str, set[int]] = defaultdict(set)
    for row in appearances:
        n = unit_at[row["name"]]
        unit = units[n]
        unit.owners.add(row["owner"])
        by_owner[row["owner"]].add(n)
        key = affiliation_key[row.get("affiliation")]
        if key:
            unit.affiliations.setdefault(key, row["affiliation"])
        if row.get("series"):
            unit.series.add(row["series"])
        if row.get("lineage"):
            unit.lineages.add(row["lineage"])
        unit.topics.update(row.get("topics") or ())
        if row.get("year"):
            unit.years.add(row["year"])
    for owner, members in by_owner.items():
        for m in members:
            units[m].coworkers |= members - {m}


def _candidates(units: list[_Unit]) -> list[tuple[int, int, str]]:
    """Pairs worth comparing, from blocks: same surname; same first name and surname initial."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for n, unit in enumerate(units):
        if unit.name is None:
            continue
        for last in unit.name.last:
            blocks[("last", last)].append(n)
        for first in unit.name.first:
            blocks[("first", first, unit.name.last_text[:1])].append(n)
    seen, out = set(), []
    for members in blocks.values():
        for i, j in combinations(sorted(set(members)), 2):
            if (i, j) in seen:
                continue
            seen.add((i, j))
            rule = name_rule(units[i].name, units[j].name)
            if rule is not None:
                out.append((i, j, rule))
    return out


def _weigh(i: int, j: int, units: list[_Unit], surname_count: Counter) -> tuple[int, bool, bool, list[str]]:
    """Evidence that two units are one person: points, whether any is strong, whether
    the surname is rare, and the evidence as text."""
    a, b = units[i], units[j]
    evidence, points, strong = [], 0, False
    shared_people = (a.coworkers & b.coworkers) - {i, j}
    if shared_people:
        points, strong = points + 2, True
        evidence.append("co-speaker: " + ", ".join(sorted(_display(units[u]) for u in shared_people)[:3]))
    shared_aff = sorted(set(a.affiliations) & set(b.affiliations))
    if shared_aff:
        points, strong = points + 2, True
        evidence.append("affiliation: " + ", ".join(a.affiliations[k] for k in shared_aff[:3]))
    if a.series & b.series:
        points += 1
        evidence.append("series: " + ", ".join(sorted(a.series & b.series)[:3]))
    elif a.lineages & b.lineages:
        points += 1
        evidence.append("lineage: " + ", ".join(sorted(a.lineages & b.lineages)))
    if a.topics & b.topics:
        points += 1
        evidence.append("topic: " + ", ".join(sorted(a.topics & b.topics)[:3]))
    rare = (not a.name.last.isdisjoint(b.name.last)
            and min(len(a.name.last_text), len(b.name.last_text)) >= RARE_SURNAME_LENGTH
            and max(surname_count[s] for s in a.name.last) <= RARE_SURNAME_PEOPLE)
    if rare:
        points += 1
        evidence.append(f"rare surname: {a.name.last_text}")
    return points, strong, rare, evidence


def _display(unit: _Unit) -> str:
    return unit.spellings.most_common(1)[0][0]


def _verdict(rule: str, points: int, strong: bool, rare: bool) -> tuple[str, str]:
    if rule == RULE_SAME:
        return MERGED, "equal once cleaned"
    if rule == RULE_MIDDLE:
        ok = points >= 1 and (strong or rare or points >= 2)
        need = "one sign beyond a shared topic"
    elif rule in (RULE_INITIAL, RULE_FIRST):
        ok = points >= 2 and (strong or rare)
        need = "two signs, one of them a shared co-speaker, a shared affiliation or a rare surname"
    else:
        ok = points >= 3 and strong
        need = "three signs, one of them a shared co-speaker or affiliation"
    return (MERGED, "") if ok else (APART, f"not enough evidence (needs {need})")


def _blocker(i: int, j: int, units: list[_Unit], clusters: _Clusters, never, forced) -> str | None:
    """Why units i and j must not become one person, or None."""
    ri, rj = clusters.find(i), clusters.find(j)
    if ri == rj:
        return None
    for x in clusters.members[ri]:
        for y in clusters.members[rj]:
            if frozenset((x, y)) in never:
                return f"aliases.yml: never merge {units[x].ids[0]} and {units[y].ids[0]}"
            shared = units[x].owners & units[y].owners
            if shared:
                return f"both on {sorted(shared)[0]}"
            if (x, y) not in ((i, j), (j, i)) and units[x].name and units[y].name \
                    and name_rule(units[x].name, units[y].name) is None:
                return f"would also join {_display(units[x])} and {_display(units[y])}, whose names conflict"
    return None


def _apply_aliases(aliases: Aliases, units, unit_of, clusters: _Clusters, decisions) -> set[int]:
    forced = set()
    for entry in aliases.merge:
        present = [unit_of[x] for x in entry["ids"] if x in unit_of]
        for other in present[1:]:
            if clusters.find(present[0]) != clusters.find(other):
                clusters.union(present[0], other)
                decisions.append({"a": present[0], "b": other, "decision": MERGED, "rule": RULE_ALIAS,
                                  "score": None, "points": None, "evidence": "merge entry in aliases.yml"})
        forced.update(present)
    for group in aliases.never:
        present = [x for x in group if x in unit_of]
        for a, b in combinations(present, 2):
            if unit_of[a] != unit_of[b]:
                decisions.append({"a": unit_of[a], "b": unit_of[b], "decision": APART, "rule": RULE_ALIAS,
                                  "score": None, "points": None, "evidence": "never entry in aliases.yml"})
    return forced


def _result(units, unit_of, clusters: _Clusters, decisions, aliases: Aliases) -> IdentityResult:
    chosen = {}
    for entry in aliases.merge:
        present = [unit_of[x] for x in entry["ids"] if x in unit_of]
        if present:
            chosen[clusters.find(present[0])] = entry
    person_of, people = {}, []
    for root, members in clusters.members.items():
        raws = [raw for m in members for raw in units[m].ids]
        entry = chosen.get(root) or {}
        if len(raws) == 1 and not entry:  # most people: one spelling id, nothing to choose
            spellings = units[root].spellings
            name = max(spellings, key=lambda s: (_plain(s), spellings[s], s)) if len(spellings) > 1 else next(iter(spellings))
            people.append({"id": raws[0], "name": display_name(name)})
            person_of[raws[0]] = raws[0]
            continue
        spellings = Counter()
        for m in members:
            spellings.update(units[m].spellings)
        first_year = {raw: min((y for m in members if raw in units[m].ids for y in units[m].years), default=9999)
                      for raw in raws}
        uses = {raw: sum(n for s, n in spellings.items() if _raw_id(s) == raw) for raw in raws}
        plain = {_raw_id(s) for s in spellings if _plain(s)}
        pid = entry.get("id") or min(raws, key=lambda r: (r not in plain, first_year[r], -uses[r], r))
        # The display name: a plain spelling, the most used, then the last in order.
        name = entry.get("name") or display_name(max(spellings, key=lambda s: (_plain(s), spellings[s], s)))
        people.append({"id": pid, "name": name})
        for raw in raws:
            person_of[raw] = pid
    rows = []
    for d in decisions:
        if "raw" in d:
            a_raw, b_raw = d["raw"]
            a_name = b_name = None
        else:
            a_raw, b_raw = units[d["a"]].ids[0], units[d["b"]].ids[0]
            a_name, b_name = _display(units[d["a"]]), _display(units[d["b"]])
        rows.append({
            "person_id": person_of[a_raw], "name": a_name or _spelling_of(units, unit_of, a_raw),
            "other_person_id": person_of[b_raw], "other_name": b_name or _spelling_of(units, unit_of, b_raw),
            "decision": d["decision"], "rule": d["rule"], "score": d["score"], "points": d["points"],
            "evidence": d["evidence"],
        })
    stats = {"raw_ids": len(unit_of), "people": len(people),
             "merged": sum(r["decision"] == MERGED for r in rows),
             "kept_apart": sum(r["decision"] == APART for r in rows)}
    return IdentityResult(person_of, sorted(people, key=lambda p: p["id"]),
                          sorted(rows, key=lambda r: (r["person_id"], r["other_person_id"], r["name"])), stats)


def _spelling_of(units, unit_of, raw: str) -> str:
    spellings = units[unit_of[raw]].spellings
    return max((s for s in spellings if _raw_id(s) == raw), key=lambda s: spellings[s])
