"""Serve the bundled Indico pages on a loopback HTTP server at the paths they came from."""

from __future__ import annotations

from urllib.parse import urlsplit

from conftest import FIXTURES, manifest


def serve_indico(httpserver, version: str = "3.3.14") -> str:
    """Register every saved page of one Indico version; returns the base URL."""
    for row in manifest():
        if row["format"] != "indico-html" or f"/{version}/" not in row["file"]:
            continue
        body = (FIXTURES / row["file"]).read_bytes()
        httpserver.expect_request(urlsplit(row["url"]).path).respond_with_data(
            body, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver.url_for("/").rstrip("/")
