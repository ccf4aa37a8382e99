"""Readers' websites for feed discovery, served by path (tests/fakes/websites.py serves https
addresses for the identity checks): pages served at chosen paths, each with its status,
type, headers and, to play a slow server, a delay before it answers (per page, so a test does
not depend on the order concurrent fetches come in). A ``Location`` header makes a redirect;
every other path is 404, as a web server says it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .server import FakeHandler, FakeServer


@dataclass
class Page:
    body: bytes | str = b""
    type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(FakeHandler):
    def route(self, method: str, path: str) -> None:
        page = self.fake.pages.get(path)
        if page is None or method != "GET":
            return self.send_bytes(b"<h1>Not Found</h1>", "text/html", 404)
        if page.delay:
            time.sleep(page.delay)
        body = page.body.encode() if isinstance(page.body, str) else page.body
        self.send_bytes(body, page.type, page.status, page.headers)


class FakeWebPages(FakeServer):
    Handler = _Handler
    UNAVAILABLE = "Service Unavailable"

    def __init__(self):
        super().__init__()
        self.pages: dict[str, Page] = {}

    def page(self, path: str, body: bytes | str = b"", **kw) -> str:
        """Serve ``body`` at ``path``; its full address."""
        self.pages[path] = Page(body, **kw)
        return self.url + path
