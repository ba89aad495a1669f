"""The published archive through Datasette's own test client, configured exactly as
`make serve` runs it (metadata.yml, plugins/, templates/, settings, immutable file)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import pytest_asyncio
from datasette.app import Datasette
from datasette_dashboards import replace_opts_in_query

from conftest import ROOT
from datasette_serve import REWRITTEN_TITLE, serve_command, serve_options, small_archive
from scraper import store
from scraper.publish import OPTIONAL_VIEWS, PRECOUNTED_FACETS, VIEWS, schema_descriptions, schema_doc

# Example parameters of every canned query in metadata.yml, and a row each must return.
EXAMPLES = {
    "talks_by_track_across_years": ({"words": "containers"},
                                    lambda r: r["title"] == "Isolated dynamic user namespaces"),
    "talks_by_person": ({"name": "Christian Brauner"}, lambda r: r["title"] == "Supervising and emulating syscalls"),
    "search_talks": ({"words": "checkpoint restore"}, lambda r: "«restor" in r["snippet"].lower()),
    "topic_per_year": ({"topic": "checkpoint-restore"},
                       lambda r: (r["year"], r["conference"], r["topic_talks"]) == (2022, "lpc", 3)),
    "topic_talks": ({"topic": "Checkpoint"}, lambda r: r["talk_id"] == "fosdem-2020/9288" and "criu" in r["matched"]),
    "words_per_year": ({"words": "checkpoint"}, lambda r: r["year"] == 2020 and r["matching_talks"] > 0),
    "talks_per_year": ({"conference": "lpc"}, lambda r: r["event"] == "Linux Plumbers Conference 2022"),
    "affiliation_moves": ({"name": ""}, lambda r: " → " in r["moves"]),
    "programme_ics": ({"track": "containers", "year": "2020", "conference": "lpc"},
                      lambda r: r["event_name"] == "Isolated dynamic user namespaces"),
    "last_scrape_changes": ({"run": ""}, lambda r: r["new_value"] == REWRITTEN_TITLE[1]),
}
# The plugins `make serve` may load: none of them writes to the database.
ALLOWED_PLUGINS = {"datasette-search-all", "datasette-dashboards", "datasette-ics", "datasette-leaflet",
                   "datasette-render-markdown", "mcarchive_render.py", "mcarchive_facets.py"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return small_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def options(archive):
    return serve_options(serve_command(archive, 8001))


@pytest.fixture
def metadata(options):
    return options["metadata"]


@pytest_asyncio.fixture
async def datasette(options):
    ds = Datasette(**options)
    await ds.invoke_startup()
    return ds


async def get_json(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def test_serve_is_read_only_and_local(archive, options):
    argv = serve_command(archive, 8001)
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert options["immutables"] == [str(archive)] and options["files"] == []
    assert 0 < options["settings"]["sql_time_limit_ms"] <= 5000


def test_every_table_view_and_column_documented(archive, metadata):
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    documented, described = schema_doc(text), schema_descriptions(text)
    tables = metadata["databases"]["archive"]["tables"]
    db = store.open_db(archive)
    try:
        names = [t for t in db.table_names() if not t.startswith("_") and "_fts" not in t]
        names += db.view_names()
        for name in names:
            columns = {c.name: "" for c in db[name].columns}
            assert set(documented.get(name, {})) == set(columns), f"docs/schema.md does not list {name}'s columns"
            entry = tables.get(name, {})
            assert entry.get("columns") == documented[name], (
                f"metadata.yml drifted from docs/schema.md for {name}; its entry should read:\n"
                + "\n".join(f"          {c}: {documented[name][c]}" for c in columns))
            assert entry.get("description", "").startswith(described[name].rstrip(".")), name
    finally:
        db.close()


@pytest.mark.asyncio
async def test_served_metadata_describes_every_column(datasette):
    """What a reader sees: every column of every visible table and view has a description."""
    for name in await datasette.get_database("archive").table_names() + \
            await datasette.get_database("archive").view_names():
        if "_fts" in name:
            continue
        data = await get_json(datasette, f"/archive/{name}.json?_size=1&_extra=columns")
        described = datasette.table_metadata("archive", name)
        assert described.get("description"), name
        assert set(data["columns"]) <= set(described.get("columns", {})), name


@pytest.mark.asyncio
async def test_views_answer(datasette, archive):
    db = store.open_db(archive)
    present = set(db.view_names())
    db.close()
    assert set(VIEWS) <= present
    for view in present:
        rows = await get_json(datasette, f"/archive/{view}.json?_shape=array")
        if view in VIEWS:
            assert rows, view
        else:
            assert view in OPTIONAL_VIEWS
    rows = await get_json(datasette, "/archive/talk_overview.json?_shape=array&year=2023"
                          "&track=Containers+and+checkpoint%2Frestore+MC")
    assert len(rows) == 8
    row = next(r for r in rows if r["title"] == "Introducing PAGEMAP_SCAN IOCTL for Windows syscalls translation")
    assert row["speakers"] == "Andrei Vagin; Muhammad Usama Anjum (Collabora)"
    history = await get_json(datasette, "/archive/speaker_history.json?_shape=array&person_id=christian-brauner")
    assert {r["conference"] for r in history} == {"lpc", "fosdem"}


def facet_columns(table_metadata: dict) -> list[str]:
    """The columns of a table's metadata.yml facets, plain (`room`) or typed (`counted: room`)."""
    return [f if isinstance(f, str) else next(iter(f.values())) for f in table_metadata.get("facets", [])]


@pytest.mark.asyncio
async def test_talks_page_facets_run_from_counts_and_indexes(datasette, archive, metadata):
    """The talks page on a big archive (bench/run.py: 1 M talks): its configured facets
    show, read from facet_counts; no facet is suggested (a GROUP BY per column); without
    counts each facet's GROUP BY, and the sort_desc page (talk_overview's too), read an
    index, not every talk row, and so does talk_overview's row count."""
    tables = metadata["databases"]["archive"]["tables"]
    for name in ("talks", "talk_overview"):
        assert all(isinstance(f, dict) and set(f) == {"counted"} for f in tables[name]["facets"]), name
        assert {(name, c) for c in facet_columns(tables[name])} <= set(PRECOUNTED_FACETS), name
    columns = facet_columns(tables["talks"])
    data = await get_json(datasette, "/archive/talks.json")
    assert set(data["facet_results"]) == set(columns) and len(columns) == 3
    assert data["suggested_facets"] == []  # (a facet that timed out would be missing above)
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    try:
        for column in columns:  # Datasette's ColumnFacet SQL, for an archive without facet_counts
            plan = _plan(conn, f"select [{column}] as value, count(*) as count from (select * from talks) "
                               f"where [{column}] is not null group by [{column}] order by count desc, value limit 31")
            assert "USING COVERING INDEX" in plan and "GROUP BY" not in plan, (column, plan)
        for name in ("talks", "talk_overview"):  # the first page of each, newest first
            sort = tables[name]["sort_desc"]
            plan = _plan(conn, f"select * from [{name}] order by [{sort}] desc limit 51", top_level=True)
            assert "SCAN talks USING INDEX" in plan and "TEMP B-TREE" not in plan, (name, plan)
        plan = _plan(conn, "select count(*) from talk_overview")
        assert "SCAN talks USING COVERING INDEX" in plan, plan
        # A later page of talks, as Datasette asks for it (ties broken by id, the `_next` cursor)
        plan = _plan(conn, "select * from talks where ([starts_at_utc] < '2020-02-01T12:00:00Z' or [starts_at_utc] "
                           "is null or ([starts_at_utc] = '2020-02-01T12:00:00Z' and (([id] > 'fosdem-2020/9000')))) "
                           "order by [starts_at_utc] desc, [id] limit 51")
        assert "SCAN talks USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        conn.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("table", ["talks", "talk_overview"])
async def test_counted_facets_equal_datasette_grouping_every_row(datasette, metadata, table):
    """The unfiltered page's counted facets (plugins/mcarchive_facets.py) are exactly the
    facets Datasette's own GROUP BY gives: `_where=1` filters nothing but makes the page
    filtered, which runs the GROUP BY. Labels, order, truncation and links included."""
    for size in ("", "&_facet_size=3"):
        counted = (await get_json(datasette, f"/archive/{table}.json?_nocount=1{size}"))["facet_results"]
        grouped = (await get_json(datasette, f"/archive/{table}.json?_nocount=1&_where=1{size}"))["facet_results"]
        assert set(counted) == set(facet_columns(metadata["databases"]["archive"]["tables"][table]))
        for name, facet in counted.items():
            live = grouped[name]
            assert facet["results"], name
            for f in (facet, live):
                for item in (f, *f["results"]):
                    item["toggle_url"] = _without_where(item["toggle_url"])
            assert facet == live, name
        assert any(f["truncated"] for f in counted.values())  # more than 3 (or 30) rooms
        assert {f["type"] for f in counted.values()} == {"column"}  # to a reader, plain column facets
    page = await datasette.client.get(f"/archive/{table}")
    assert page.status_code == 200 and "(counted)" not in page.text


@pytest.mark.asyncio
async def test_later_pages_count_every_row_like_the_first(datasette):
    """Page 2 (`_next`) has the facets of page 1: Datasette's own count only the rows
    after the cursor, under a row count of all of them."""
    first = await get_json(datasette, "/archive/talks.json")
    later = await get_json(datasette, "/archive/talks.json?" + urlencode({"_next": first["next"]}))
    assert later["rows"] != first["rows"] and later["filtered_table_rows_count"] == first["filtered_table_rows_count"]
    assert _counts(later["facet_results"]) == _counts(first["facet_results"])
    assert sum(r["count"] for r in later["facet_results"]["event_id"]["results"]) == first["filtered_table_rows_count"]


@pytest.mark.asyncio
async def test_an_archive_without_counts_groups_live(archive, tmp_path):
    """An archive written before facet_counts existed, served as it is: the same facets,
    from Datasette's GROUP BY."""
    old = tmp_path / "archive.db"
    shutil.copy(archive, old)
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE facet_counts")
    conn.commit()
    conn.close()
    counted = Datasette(**serve_options(serve_command(archive, 8001)))
    live = Datasette(**serve_options(serve_command(old, 8001)))
    for path in ("/archive/talks.json", "/archive/talk_overview.json"):
        assert _counts((await get_json(live, path))["facet_results"]) == \
            _counts((await get_json(counted, path))["facet_results"]), path


def _counts(facet_results: dict) -> dict[str, list[tuple]]:
    return {name: [(r["value"], r["label"], r["count"]) for r in facet["results"]] + [facet["truncated"]]
            for name, facet in facet_results.items()}


@pytest.mark.asyncio
async def test_filtered_page_facets_count_the_filtered_rows(datasette, archive):
    room = "UD2.208 (Decroly)"
    data = await get_json(datasette, "/archive/talks.json?" + urlencode({"room": room, "_facet_size": "max"}))
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    try:
        expected = dict(conn.execute("SELECT event_id, count(*) FROM talks WHERE room = ? GROUP BY event_id", (room,)))
    finally:
        conn.close()
    assert {r["value"]: r["count"] for r in data["facet_results"]["event_id"]["results"]} == expected
    assert [r["value"] for r in data["facet_results"]["room"]["results"]] == [room]
    assert data["facet_results"]["room"]["results"][0]["selected"]


def _without_where(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "_where"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _plan(conn: sqlite3.Connection, sql: str, top_level: bool = False) -> str:
    """EXPLAIN QUERY PLAN's lines, or only those of the outer query (not its subqueries')."""
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return "; ".join(row[3] for row in rows if not top_level or row[1] == 0)


@pytest.mark.asyncio
async def test_canned_queries_answer_their_empty_forms(datasette, metadata):
    """A reader opening a query's page, or submitting it with nothing or blanks typed,
    sees the form and rows or none, never an error (FTS5 rejects an empty MATCH)."""
    for name, query in metadata["databases"]["archive"]["queries"].items():
        params = set(re.findall(r":(\w+)", query["sql"]))
        for form in ({}, dict.fromkeys(params, ""), dict.fromkeys(params, ' \t""')):
            response = await datasette.client.get(f"/archive/{name}.json", params={**form, "_shape": "objects"})
            assert response.status_code == 200 and not response.json().get("error"), (name, form, response.text[:300])
        page = await datasette.client.get(f"/archive/{name}")
        assert page.status_code == 200, (name, page.text[:300])
    rows = await get_json(datasette, "/archive/words_per_year.json?_shape=array&words=")
    assert rows and all(r["matching_talks"] == 0 and r["all_talks"] > 0 for r in rows)


@pytest.mark.asyncio
async def test_canned_queries_answer_with_their_examples(datasette, metadata):
    queries = metadata["databases"]["archive"]["queries"]
    assert set(queries) == set(EXAMPLES), "give every canned query an example in EXAMPLES"
    for name, query in queries.items():
        assert query.get("title") and query.get("description"), name
        assert not query.get("write"), f"{name}: the archive is served read-only"
        params, expected = EXAMPLES[name]
        assert set(re.findall(r":(\w+)", query["sql"])) == set(params), name
        response = await datasette.client.get(f"/archive/{name}.json", params={**params, "_shape": "array"})
        assert response.status_code == 200, (name, response.text[:300])
        rows = response.json()
        assert any(expected(row) for row in rows), (name, rows[:3])


@pytest.mark.asyncio
async def test_three_questions_from_the_front_page(datasette, metadata):
    page = (await datasette.client.get("/")).text
    assert 'action="/-/search"' in page, "the search box across tables"
    links = set(re.findall(r'href="(/[^"]+)"', page.replace("&amp;", "&")))
    for name in metadata["databases"]["archive"]["queries"]:
        assert any(link.split("?")[0] == f"/archive/{name}" for link in links), f"front page does not link {name}"
    for view in VIEWS:
        assert f"/archive/{view}" in links, f"front page does not link {view}"
    # 1. the containers MC/devroom across years, LPC and FOSDEM, renamed devrooms included
    rows = await get_json(datasette, "/archive/talks_by_track_across_years.json?words=containers&_shape=array")
    assert {r["conference"] for r in rows} == {"lpc", "fosdem"}
    assert {r["year"] for r in rows} == {2018, 2019, 2020, 2022, 2023}
    assert {r["series"] for r in rows} == {"Containers devroom", "Containers and Checkpoint/Restore MC"}
    # 2. everything Christian Brauner presented, under any spelling
    for spelling in ("Christian Brauner", "christian brauner", "Brauner"):
        rows = await get_json(datasette, f"/archive/talks_by_person.json?name={spelling}&_shape=array")
        assert {r["event"] for r in rows} >= {"FOSDEM 2018", "Linux Plumbers Conference 2020"}, spelling
    rows = await get_json(datasette, "/archive/talks_by_person.json?name=Stephane+Graber&_shape=array")
    assert rows and all(r["name_as_published"] == "Stéphane Graber" for r in rows)
    # 3. the checkpoint/restore curve, and any words': every chart of both dashboards has data
    dashboards = metadata["plugins"]["datasette-dashboards"]
    examples = {"topic-curves": {"topic": "checkpoint-restore"},
                "topics": {"words": "checkpoint", "track": "containers"}}
    assert set(dashboards) == set(examples)
    curves = {}
    for slug, options in examples.items():
        url = f"/-/dashboards/{slug}?" + _qs(options)
        assert url in links, f"front page does not link {url}"
        response = await datasette.client.get(url)
        assert response.status_code == 200, slug
        for name, chart in dashboards[slug]["charts"].items():
            if "query" not in chart:
                continue
            sql = replace_opts_in_query(chart["query"], options)
            curves[name] = await get_json(datasette, "/archive.json?" + _qs({"sql": sql, **options, "_shape": "array"}))
            assert curves[name], name
    assert {(r["year"], r["conference"]) for r in curves["topic-curve"] if r["talks"]} == {
        (2018, "FOSDEM"), (2019, "FOSDEM"), (2020, "FOSDEM"), (2020, "LPC"), (2022, "LPC"), (2023, "LPC")}
    assert {r["conference"] for r in curves["topic-years"] if r["talks"]} == {"LPC", "FOSDEM"}


def _qs(params: dict) -> str:
    return urlencode(params)


@pytest.mark.asyncio
async def test_full_text_search(datasette):
    rows = await get_json(datasette, "/archive/talks.json?_search=checkpoint&_shape=array")
    assert {"lpc-2023/1568", "fosdem-2019/8868", "fosdem-2020/10675"} <= {r["id"] for r in rows}  # checkpointing: stemmed
    rows = await get_json(datasette, "/archive/talk_overview.json?_search=checkpoint&_shape=array")
    assert "lpc-2023/1568" in {r["talk_id"] for r in rows}
    rows = await get_json(datasette, "/archive/people.json?_search=brauner&_shape=array")
    assert [r["id"] for r in rows] == ["christian-brauner"]
    rows = await get_json(datasette, "/archive/tracks.json?_search=containers&_shape=array")
    assert "lpc-2022/containers-and-checkpoint-restore-mc" in {r["id"] for r in rows}
    page = (await datasette.client.get("/-/search?q=checkpoint")).text
    for table in ("talks", "people", "tracks"):
        assert f'data-searchable-url="/archive/{table}"' in page, table
    rows = await get_json(datasette, "/archive/search_talks.json?words=checkpoint/restore&_shape=array")
    assert rows and all("«" in r["snippet"] for r in rows)
    page = (await datasette.client.get("/archive/search_talks?words=checkpoint")).text
    assert "<mark>" in page


@pytest.mark.asyncio
async def test_search_talks_ranks_title_matches_first(datasette, archive):
    """search_talks: the 20 best matches, talks with every word in the title first; the
    others fill the list only when fewer than 20 titles match."""
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    try:
        def ids(match: str) -> set[str]:
            return {r[0] for r in conn.execute(
                "SELECT talks.id FROM talks_fts JOIN talks ON talks.rowid = talks_fts.rowid "
                "WHERE talks_fts MATCH ?", [match])}
        for words, in_title, anywhere in (("kernel", ids('{title} : ("kernel")'), ids('"kernel"')),
                                          ("restore", ids('{title} : ("restore")'), ids('"restore"'))):
            rows = await get_json(datasette, f"/archive/search_talks.json?words={words}&_shape=array")
            got = [r["talk_id"] for r in rows]
            assert len(got) == len(set(got)) == min(20, len(anywhere)) and set(got) <= anywhere, words
            flags = [talk in in_title for talk in got]
            assert flags == sorted(flags, reverse=True), (words, flags)  # title matches first
            assert sum(flags) == min(20, len(in_title)), words
        assert len(ids('{title} : ("kernel")')) < 20 < len(ids('"kernel"'))  # both groups shown above
    finally:
        conn.close()


@pytest.mark.asyncio
async def test_programme_as_ics(datasette):
    rows = await get_json(datasette, "/archive/programme_ics.json?track=containers&year=2020&conference=&_shape=array")
    assert {r["talk_id"].split("/")[0] for r in rows} == {"lpc-2020", "fosdem-2020"}
    rows = await get_json(datasette, "/archive/programme_ics.json?track=containers&year=2020&conference=lpc&_shape=array")
    response = await datasette.client.get("/archive/programme_ics.ics?track=containers&year=2020&conference=lpc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text.replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == len(rows) > 0
    assert "X-WR-CALNAME:A past programme as a calendar (.ics)" in text
    assert re.search(r"DTSTART:2020\d{4}T\d{6}Z", text)
    assert "SUMMARY:Isolated dynamic user namespaces" in text


@pytest.mark.asyncio
async def test_talk_page_renders_sanitized_abstract(datasette):
    page = (await datasette.client.get("/archive/talks/lpc-2023~2F1569")).text
    assert '<div class="mc-abstract mc-html"><p>This talk aims' in page
    assert "Aleksandr Mikhalitsyn" in page and "Canonical Ltd." in page
    assert 'href="/archive/speaker_history?person_id=stephane-graber"' in page
    page = (await datasette.client.get("/archive/people/christian-brauner")).text
    assert 'href="/archive/speaker_history?person_id=christian-brauner&amp;_sort=year"' in page


@pytest.mark.asyncio
async def test_planted_markup_stays_inert(archive, options, tmp_path):
    """A row written by anything but the store (no sanitizer on the way in) still shows as
    text; what the browser test runs, here in HTML."""
    copy = tmp_path / "archive.db"
    shutil.copy(archive, copy)
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE talks SET title = ?, abstract = ?, abstract_html = ?, url = ? WHERE id = ?", (
        "<script>window.pwned=1</script>Planted",
        "<script>window.pwned=2</script>",
        '<p onclick="window.pwned=3">Hi<img src=x onerror="window.pwned=4"><a href="javascript:window.pwned=5">x</a>'
        "<script>window.pwned=6</script><style>body{display:none}</style></p>",
        "javascript:window.pwned=7", "lpc-2023/1569"))
    conn.commit()
    conn.close()
    ds = Datasette(**{**options, "immutables": [str(copy)]})
    for path in ("/archive/talks/lpc-2023~2F1569", "/archive/talks?id=lpc-2023%2F1569",
                 "/archive/talk_overview?talk_id=lpc-2023%2F1569", "/archive/talks?_search=planted"):
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        page = response.text
        assert "<script>window" not in page and "<style>body" not in page, path
        assert not re.search(r"""<[^>]*\son\w+\s*=\s*["']?window""", page), path
        assert not re.search(r"""href\s*=\s*["']?javascript:""", page, re.IGNORECASE), path
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;Planted" in page, path


@pytest.mark.asyncio
async def test_no_writes_and_a_time_limit(datasette):
    plugins = {p["name"] for p in await get_json(datasette, "/-/plugins.json")}
    assert plugins <= ALLOWED_PLUGINS, plugins - ALLOWED_PLUGINS
    assert datasette.get_database("archive").is_mutable is False
    response = await datasette.client.get("/archive.json?sql=DELETE+FROM+talks")
    assert response.status_code == 400
    response = await datasette.client.post("/archive/talks_by_person", data={"name": "x"})
    assert response.status_code >= 400  # Datasette 0.65 answers 500 to a POST on a read-only query
    assert (await datasette.client.get("/archive/talks/-/insert")).status_code in (404, 405)
    started = time.monotonic()
    response = await datasette.client.get("/archive.json?" + _qs({
        "sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"}))
    assert response.status_code == 400 and "too long" in response.text
    assert time.monotonic() - started < 10
