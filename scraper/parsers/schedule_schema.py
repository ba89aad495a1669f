"""Check schedule exports against the vendored c3voc schemas (scraper/schemas/).

Violations become a few one-line warnings, never errors: most real exports break the
published schemas somewhere (36C3's merged schedule.xml has 1 749 violations, mostly
`<logo>` paths; GOOD 2025's pretalx schedule.json writes `US/Eastern` and null room guids;
frab's camp2019 JSON uses capitals in slugs), yet their programmes are perfectly usable.
The schemas are read from package data once per process.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

XSD_NAME = "schedule.xml.xsd"
JSON_SCHEMA_NAME = "schema.json"
JSON_SCHEMA2_NAME = "schema2.json"
MAX_KINDS = 3  # distinct kinds of violation reported per file; the rest are counted

# What varies between violations of one kind: the offending value, long patterns.
_VALUE = re.compile(r"(?:[Vv]alue|pattern) '[^']*'|'[^']{25,}'")


def _schema_bytes(name: str) -> bytes:
    return files("scraper").joinpath("schemas", name).read_bytes()


@cache
def _xsd() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.fromstring(_schema_bytes(XSD_NAME), parser))


@cache
def _json_validator(name: str):
    # Imported here: only JSON schedules need jsonschema, and it is slow to import.
    from jsonschema import validators

    schema = json.loads(_schema_bytes(name))
    cls = validators.validator_for(schema)
    return cls(schema)


def xml_violations(root: etree._Element) -> list[str]:
    """Warnings for a schedule.xml tree that the c3voc XSD rejects (empty when valid)."""
    schema = _xsd()
    if schema.validate(root.getroottree()):
        return []
    entries = [(e.line, " ".join(e.message.split())) for e in schema.error_log
               if "No precomputed value available" not in e.message]  # libxml2's echo of the line before
    return _summarise(XSD_NAME, [(f"line {line}", msg, _VALUE.sub("…", msg)) for line, msg in entries])


def json_violations(data: Any, schema_name: str = JSON_SCHEMA_NAME) -> list[str]:
    """Warnings for a schedule.json document that the c3voc JSON schema rejects."""
    found = []
    for error in _json_validator(schema_name).iter_errors(data):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        kind = f"{error.validator}:{'/'.join(str(p) for p in error.relative_schema_path)}"
        found.append((where, " ".join(error.message.split()), kind))
    return _summarise(schema_name, found)


def _summarise(schema: str, found: list[tuple[str, str, str]]) -> list[str]:
    """One line per kind of violation (first occurrence and count), at most MAX_KINDS."""
    if not found:
        return []
    counts = Counter(kind for _, _, kind in found)
    first: dict[str, tuple[str, str]] = {}
    for where, message, kind in found:
        first.setdefault(kind, (where, message))
    lines = []
    for kind, (where, message) in list(first.items())[:MAX_KINDS]:
        more = f" (and {counts[kind] - 1} more like it)" if counts[kind] > 1 else ""
        lines.append(f"does not follow the c3voc {schema}: {where}: {_short(message)}{more}")
    rest = sum(counts[k] for k in list(first)[MAX_KINDS:])
    if rest:
        lines.append(f"does not follow the c3voc {schema}: {rest} other violation(s)")
    return lines


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
