"""A loopback web site for scrape-job tests: saved pages with ETag/Last-Modified, 304s,
and a log of every request (path, conditional headers, bytes sent)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response


@dataclass
class StaticSite:
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path → (body, content type)
    log: list[dict] = field(default_factory=list)
    delay: float = 0.0
    conditional: bool = True

    def install(self, httpserver, robots: str = "") -> str:
        httpserver.expect_request("/robots.txt").respond_with_data(robots or "User-agent: *\nAllow: /\n")
        for path in self.pages:
            httpserver.expect_request(path).respond_with_handler(self._handler(path))
        return httpserver.url_for("/").rstrip("/")

    def _handler(self, path: str):
        def handle(request: Request) -> Response:
            body, content_type = self.pages[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            entry = {"path": path, "if_none_match": request.headers.get("If-None-Match"), "bytes": 0,
                     "at": time.monotonic()}
            self.log.append(entry)
            if self.delay:
                time.sleep(self.delay)
            if self.conditional and request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            entry["bytes"] = len(body)
            headers = {"ETag": etag} if self.conditional else {}
            return Response(body, status=200, content_type=content_type, headers=headers)
        return handle

    def requests_for(self, path: str) -> int:
        return sum(1 for e in self.log if e["path"] == path)

    @property
    def bytes_sent(self) -> int:
        return sum(e["bytes"] for e in self.log)
