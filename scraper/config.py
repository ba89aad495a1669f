"""Scrape job configuration: the list of sources in a YAML file (see sources.yml).

    sources:
      - url: https://lpc.events/event/17/
        event_id: lpc-2023        # optional: the archive id of the event
        kind: indico-html         # optional: parser to use instead of recognising the page
        follow: 2                 # optional: link depth to follow (0 = only this page)
    user_agent: "mcarchive/0.1 (+https://example.org/contact)"   # optional
    delay: 1.0                                                    # optional, seconds per host
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

DEFAULT_FOLLOW_DEPTH = 3


class ConfigError(Exception):
    """The configuration file is missing or wrong; one line naming the file and entry."""


@dataclass
class Source:
    url: str
    event_id: str | None = None
    kind: str | None = None
    follow: int = DEFAULT_FOLLOW_DEPTH


@dataclass
class JobConfig:
    sources: list[Source] = field(default_factory=list)
    user_agent: str | None = None
    delay: float | None = None


def load_config(path: str | Path, known_kinds: set[str]) -> JobConfig:
    """Read and check a sources file; every problem is a ConfigError naming the entry."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list")
    config = JobConfig(user_agent=data.get("user_agent"), delay=data.get("delay"))
    if config.delay is not None and not isinstance(config.delay, (int, float)):
        raise ConfigError(f"{path}: delay must be a number of seconds")
    for n, entry in enumerate(data["sources"], 1):
        if isinstance(entry, str):
            entry = {"url": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ConfigError(f"{path}: source {n} needs a url")
        unknown = set(entry) - {"url", "event_id", "kind", "follow", "note"}
        if unknown:
            raise ConfigError(f"{path}: source {n}: unknown key(s) {', '.join(sorted(unknown))}")
        if urlsplit(entry["url"]).scheme not in ("http", "https"):
            raise ConfigError(f"{path}: source {n}: only http(s) URLs: {entry['url']}")
        kind = entry.get("kind")
        if kind is not None and kind not in known_kinds:
            raise ConfigError(f"{path}: source {n}: unknown kind {kind!r} (known: {', '.join(sorted(known_kinds))})")
        follow = entry.get("follow", DEFAULT_FOLLOW_DEPTH)
        if not isinstance(follow, int) or follow < 0:
            raise ConfigError(f"{path}: source {n}: follow must be a whole number ≥ 0")
        config.sources.append(Source(url=entry["url"], event_id=entry.get("event_id"), kind=kind, follow=follow))
    return config
