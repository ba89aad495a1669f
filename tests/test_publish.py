"""The published archive through Datasette's own test client, with metadata.yml loaded."""

from __future__ import annotations

import pytest
import yaml
from datasette.app import Datasette

from conftest import ROOT
from scraper import pipeline, store
from scraper.publish import schema_doc


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("publish") / "archive.db"
    pipeline.build(path, ROOT / "fixtures")
    return path


@pytest.fixture(scope="module")
def metadata():
    return yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture
def datasette(archive, metadata):
    return Datasette([str(archive)], immutables=[], metadata=metadata,
                     settings={"sql_time_limit_ms": 3000})


def test_every_column_documented_in_schema_doc_and_metadata(archive, metadata):
    documented = schema_doc((ROOT / "docs" / "schema.md").read_text(encoding="utf-8"))
    tables = metadata["databases"]["archive"]["tables"]
    db = store.open_db(archive)
    for table in db.table_names():
        if table.startswith("_") or "_fts" in table:
            continue
        columns = set(db[table].columns_dict)
        assert set(documented.get(table, {})) == columns, table
        assert tables[table]["columns"] == documented[table], f"metadata.yml drifted from docs/schema.md: {table}"
        assert tables[table].get("description"), table


@pytest.mark.asyncio
async def test_talk_overview_and_search(datasette):
    response = await datasette.client.get("/archive/talk_overview.json?_shape=array&event=Linux+Plumbers+Conference+2023"
                                          "&track=Containers+and+checkpoint%2Frestore+MC")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 8
    row = next(r for r in rows if r["title"] == "Introducing PAGEMAP_SCAN IOCTL for Windows syscalls translation")
    assert row["speakers"] == "Andrei Vagin; Muhammad Usama Anjum (Collabora)"
    response = await datasette.client.get("/archive/talks.json?_search=checkpoint&_shape=array")
    assert response.status_code == 200
    assert any(r["id"] == "lpc-2023/1568" for r in response.json())


@pytest.mark.asyncio
async def test_canned_queries_answer(datasette, metadata):
    params = {"talks_by_track_across_years": "words=containers", "talks_by_person": "name=Graber"}
    for name in metadata["databases"]["archive"]["queries"]:
        response = await datasette.client.get(f"/archive/{name}.json?_shape=array&{params[name]}")
        assert response.status_code == 200, name
        assert response.json(), name


@pytest.mark.asyncio
async def test_table_pages_with_facets_render(datasette, metadata):
    for table in metadata["databases"]["archive"]["tables"]:
        response = await datasette.client.get(f"/archive/{table}")
        assert response.status_code == 200, table
