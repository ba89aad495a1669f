"""Datasette display rules for the archive (loaded with `--plugins-dir plugins/`).

Datasette escapes every value, which is right for raw fields and stays on. Three
columns get a better rendering, each one safe by construction:

- `talks.abstract_html` and `tracks.description` hold HTML that the store sanitized with
  nh3. It is sanitized again here, with the same allowlist, before it is marked safe: a
  database written by anything else (an older build, a hand edit, a copy with a planted
  row) still renders nothing executable. On table pages it is clipped by CSS; the row
  page shows it whole.
- a `snippet` column of a query (FTS `snippet()` with « » around the matched words) is
  escaped first, then the markers become <mark>.
- `talk_id`, `person_id` and `track_id` columns of views and queries link to the row,
  as foreign keys on table pages already do.

A talk's row page (templates/_table-row-archive-talks.html) also shows where and when it
was, who presented it and its links; links are only made of http(s) URLs.
"""

from __future__ import annotations

import re
import urllib.parse

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from datasette.utils.asgi import Response

from scraper.normalize.text import sanitize_html
from scraper.publish import OPTIONAL_VIEWS, VIEWS

HTML_COLUMNS = {("talks", "abstract_html"), ("tracks", "description")}
ID_COLUMNS = {"talk_id": "talks", "person_id": "people", "track_id": "tracks"}
VIEW_NAMES = set(VIEWS) | set(OPTIONAL_VIEWS)
_MARKED = re.compile(r"«([^«»]*)»")
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)

CSS = """
/* mcarchive: rendered abstracts stay short in tables; the row page shows them whole. */
body.table .mc-html, body.query .mc-html { max-height: 7.5em; overflow: hidden; min-width: 24em; }
.mc-html p { margin: 0 0 0.5em 0; }
td mark { background: #fde68a; padding: 0 0.1em; }
td.col-snippet { min-width: 22em; }
table.mc-fields { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; table-layout: fixed; }
table.mc-fields th { text-align: left; vertical-align: top; width: 18em; padding: 0.5em 1em 0.5em 0;
  border-top: 1px solid #ddd; font-weight: bold; }
table.mc-fields td { vertical-align: top; padding: 0.5em 0; border-top: 1px solid #ddd; overflow-wrap: anywhere; }
.mc-talk .mc-abstract { max-width: 50em; line-height: 1.5; margin: 1em 0; }
.mc-description { font-weight: normal; font-size: 0.8em; color: #555; margin-top: 0.2em; }
.mc-talk h2 { margin-bottom: 0.2em; }
.mc-where { color: #333; }
.mc-role { font-size: 0.8em; color: #555; border: 1px solid #ccc; border-radius: 3px; padding: 0 0.3em; }
ul.mc-start li { margin-bottom: 0.3em; }
/* Column descriptions above a table: two per line, so the rows stay in view. */
dl.column-descriptions { display: grid; grid-template-columns: max-content 1fr max-content 1fr;
  column-gap: 1em; row-gap: 0.15em; font-size: 0.85em; }
dl.column-descriptions dd { margin: 0; color: #444; }
@media (max-width: 800px) { dl.column-descriptions { grid-template-columns: max-content 1fr; } }
"""


@hookimpl
def render_cell(value, column, table, database, datasette):
    if not isinstance(value, str):
        return None
    if (table, column) in HTML_COLUMNS:
        cleaned = sanitize_html(value)
        if cleaned is None:
            return markupsafe.Markup("&nbsp;")
        return markupsafe.Markup('<div class="mc-html">{}</div>').format(markupsafe.Markup(cleaned))
    if table is None and column == "snippet":
        escaped = str(markupsafe.escape(value))
        return markupsafe.Markup(_MARKED.sub(r"<mark>\1</mark>", escaped))
    if column in ID_COLUMNS and (table is None or table in VIEW_NAMES) and value:
        url = datasette.urls.row(database, ID_COLUMNS[column], tilde_encode(value))
        return markupsafe.Markup('<a href="{}">{}</a>').format(url, value)
    return None


async def _css(request, datasette):
    return Response(CSS, content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@hookimpl
def register_routes():
    return [(r"^/-/mcarchive\.css$", _css)]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/mcarchive.css")]


def _web_url(url: str | None) -> str | None:
    """Only http(s) URLs become links: a javascript: URL from a hostile page stays text."""
    return url if url and _WEB_URL.match(url) else None


async def _talk_context(datasette, database: str, talk_id: str) -> dict | None:
    """Event, track, people and links of one talk, for its row page."""
    db = datasette.get_database(database)
    rows = (await db.execute(
        "SELECT talks.title, talks.starts_at, talks.duration_minutes, talks.room, talks.url, "
        "talks.abstract_html, events.id AS event_id, events.title AS event, "
        "tracks.id AS track_id, tracks.title AS track "
        "FROM talks JOIN events ON events.id = talks.event_id "
        "LEFT JOIN tracks ON tracks.id = talks.track_id WHERE talks.id = ?", [talk_id])).rows
    if not rows:
        return None
    talk = dict(rows[0])
    people = await db.execute(
        "SELECT person_id, role, name_as_published, affiliation FROM talk_people WHERE talk_id = ? "
        "ORDER BY role != 'speaker', role, position", [talk_id])
    links = await db.execute(
        "SELECT title, url, kind FROM links WHERE talk_id = ? ORDER BY kind, title", [talk_id])
    talk["url"] = _web_url(talk["url"])
    talk["event_url"] = datasette.urls.row(database, "events", tilde_encode(talk["event_id"]))
    talk["track_url"] = (datasette.urls.row(database, "tracks", tilde_encode(talk["track_id"]))
                         if talk["track_id"] else None)
    # One line per person, in published order (speakers first), with all their roles.
    by_person: dict[str, dict] = {}
    for person in people.rows:
        entry = by_person.setdefault(person["person_id"], {
            **dict(person), "roles": [],
            "url": datasette.urls.row(database, "people", tilde_encode(person["person_id"])),
            "history_url": datasette.urls.table(database, "speaker_history")
            + "?person_id=" + urllib.parse.quote(person["person_id"]),
        })
        entry["roles"].append(person["role"])
        entry["affiliation"] = entry["affiliation"] or person["affiliation"]
    talk["people"] = list(by_person.values())
    cleaned = sanitize_html(talk.pop("abstract_html"))
    talk["abstract_html"] = markupsafe.Markup(cleaned) if cleaned else None
    talk["links"] = [{**dict(link), "url": _web_url(link["url"])} for link in links.rows
                     if _web_url(link["url"])]
    return talk


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    if template != "row.html" or table != "talks" or request is None:
        return None

    async def inner():
        pks = urlsafe_components(request.url_vars.get("pks", ""))
        talk = await _talk_context(datasette, database, pks[0]) if len(pks) == 1 else None
        # The abstract is shown (re-sanitized) above the fields; the plain text says the same.
        skip = ["abstract", "abstract_html"] if talk and talk.get("abstract_html") else []
        return {"mc_talk": talk, "mc_skip_columns": skip}

    return inner
