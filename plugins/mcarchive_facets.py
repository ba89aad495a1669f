"""Facets that read counts the archive keeps instead of grouping every row (loaded with
`--plugins-dir plugins/`).

A column facet is a GROUP BY over every row of the page's query: on an archive of 1 M
talks the talks page's three facets cost about 230 ms of SQL on every visit, although the
unfiltered counts only change when the archive does. The archive keeps those counts in
facet_counts, exact in every transaction (triggers, store.m011_facet_counts), and
publish.PRECOUNTED_FACETS says how each facet of metadata.yml reads them. This is the
same idea as Datasette's own row counts of an immutable file from its inspect data.

metadata.yml names such facets `{counted: column}`. On a page without filters (no
column filter, search or _where; any page of the table) the facet reads the counts; any
filtered page, and any facet without counts, runs Datasette's ordinary column facet SQL.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from scraper.publish import PRECOUNTED_FACETS


# Query-string arguments of a table page that do not filter its rows (any other one, a
# column filter, _search, _where, _through or one a plugin reads, may: those pages count live).
NOT_FILTERS = {"_next", "_sort", "_sort_desc", "_size", "_nocount", "_nofacet", "_col", "_nocol", "_labels",
               "_nolabels", "_shape", "_json", "_json_infinity", "_nl", "_trace", "_timelimit", "_extra",
               "_stream", "_dl"}


class CountedFacet(ColumnFacet):
    type = "counted"

    async def facet_results(self):
        if not await self._unfiltered():
            results, timed_out = await super().facet_results()
            for facet in results:  # ColumnFacet's link removes `_facet`; this facet's is `_facet_counted`
                facet["toggle_url"] = self.ds.urls.path(
                    path_with_removed_args(self.request, {f"_facet_{self.type}": facet["name"]}))
                facet["type"] = "column"  # what it is to a reader, whichever way it was counted
            return results, timed_out
        return [await self._counted(source_and_config) for source_and_config in self.get_configs()], []

    async def _unfiltered(self) -> bool:
        """True on a page of every row of its table or view, in an archive that keeps
        counts: its facet SQL has no WHERE and no parameters, or its only condition is
        the `_next` cursor of a later page. Datasette's facets there count only the rows
        after the cursor, under a row count of all of them (and grouping a million talks
        "after" the cursor took 15 s); these count all, as the first page does."""
        if not self.table or not all(arg in NOT_FILTERS or arg.startswith("_facet") for arg in self.request.args):
            return False
        if "_next" not in self.request.args and (
                self.params or not self.sql.rstrip().endswith(f" from {escape_sqlite(self.table)}")):
            return False
        if not all((self.table, _column(c)) in PRECOUNTED_FACETS for c in self.get_configs()):
            return False
        return await self.ds.get_database(self.database).table_exists("facet_counts")

    async def _counted(self, source_and_config: dict) -> dict:
        column = _column(source_and_config)
        size = self.get_facet_size()
        rows = (await self.ds.execute(
            self.database,
            f"SELECT value, count FROM ({PRECOUNTED_FACETS[(self.table, column)]}) "
            f"WHERE value IS NOT NULL ORDER BY count DESC, value LIMIT {size + 1}",
        )).rows
        shown = rows[:size]
        labels = await self.ds.expand_foreign_keys(self.database, self.table, column, [r["value"] for r in shown])
        name_in_query = f"{column}__exact" if column.startswith("_") else column
        return {
            "name": column,
            "type": "column",
            "hideable": source_and_config["source"] != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {f"_facet_{self.type}": column})),
            "results": [{
                "value": row["value"],
                "label": labels.get((column, row["value"]), row["value"]),
                "count": row["count"],
                "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(
                    path_with_added_args(self.request, {name_in_query: row["value"]}))),
                "selected": False,  # a selected value is a filter: that page counts live
            } for row in shown],
            "truncated": len(rows) > size,
        }


def _column(source_and_config: dict) -> str:
    """The column of a facet config: `{counted: room}` or `_facet_counted=room` (simple),
    or the JSON form `{"column": "room"}`."""
    config = source_and_config["config"]
    return config.get("column") or config["simple"]


@hookimpl
def register_facet_classes():
    return [CountedFacet]
