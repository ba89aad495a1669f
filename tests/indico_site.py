"""Serve the bundled Indico pages on a loopback HTTP server at the paths they came from."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from werkzeug.wrappers import Request, Response

from conftest import FIXTURES, manifest

CONTENT_TYPES = {"indico-html": "text/html; charset=utf-8", "indico-json": "application/json",
                 "indico-export": "application/json", "indico-ics": "text/calendar; charset=utf-8"}


def serve_indico(httpserver, version: str = "3.3.14", exports: bool = False, replace: dict | None = None,
                 extra: dict | None = None) -> str:
    """Register every saved page of one Indico version at its path (and query); returns
    the base URL. Without `exports` the export API answers 404, as on a site that
    disabled it. `replace` maps a fixture file name to
    (old bytes, new bytes) for a test's variant; `extra` adds {path: (body, type)}."""
    routes: dict[str, dict[frozenset, tuple[bytes, str]]] = {}
    for row in manifest():
        fmt = row["format"]
        if fmt not in CONTENT_TYPES or f"/{version}/" not in row["file"]:
            continue
        if "/export/" in row["url"] and not exports:
            continue
        path = FIXTURES / row["file"]
        body = path.read_bytes()
        for old, new in (replace or {}).get(path.name, []):
            assert old in body, f"{old!r} not in {path.name}"
            body = body.replace(old, new)
        url = urlsplit(row["url"])
        routes.setdefault(url.path, {})[_query(url.query)] = (body, CONTENT_TYPES[fmt])
    for path, (body, content_type) in (extra or {}).items():
        routes.setdefault(path, {})[frozenset()] = (body, content_type)
    for path, variants in routes.items():
        httpserver.expect_request(path).respond_with_handler(_handler(variants))
    if not exports:
        for row in manifest():
            if "/export/" in row["url"] and f"/{version}/" in row["file"]:
                httpserver.expect_request(urlsplit(row["url"]).path).respond_with_data("not found", status=404)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver.url_for("/").rstrip("/")


def _query(query: str) -> frozenset:
    # "pretty=yes" only indents the export's JSON.
    return frozenset((k, v) for k, v in parse_qsl(query) if k != "pretty")


def _handler(variants: dict[frozenset, tuple[bytes, str]]):
    def handle(request: Request) -> Response:
        found = variants.get(_query(request.query_string.decode()))
        if found is None:
            return Response("not found", status=404)
        body, content_type = found
        return Response(body, status=200, content_type=content_type)
    return handle
