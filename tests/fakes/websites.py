"""People's own websites, on one fake server: each page is served for its https address, and
:meth:`FakeWebsites.local` says where the test's fetch really goes (the fake stands in for DNS
and TLS). Pages are ``(status, content type, body, headers)``; an unknown page answers 404.
Used by the identity checks (rel=me pages, ``/.well-known/atproto-did``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .server import FakeHandler, FakeServer


class FakeWebsites(FakeServer):
    def __init__(self):
        super().__init__()
        self.pages: dict[str, tuple[int, str, bytes, dict]] = {}

    def page(self, url: str, html: str, status: int = 200, ctype: str = "text/html") -> None:
        self.pages[url] = (status, f"{ctype}; charset=utf-8", html.encode(), {})

    def rel_me(self, url: str, *profiles: str) -> None:
        """A home page whose head links each profile with rel=me."""
        links = "".join(f'<link rel="me" href="{p}">' for p in profiles)
        self.page(url, f"<!doctype html><html><head>{links}</head><body>Hi</body></html>")

    def redirect(self, url: str, to: str) -> None:
        self.pages[url] = (302, "text/html", b"", {"Location": to})

    def did(self, handle: str, did: str) -> None:
        self.pages[f"https://{handle}/.well-known/atproto-did"] = (
            200,
            "text/plain",
            did.encode(),
            {},
        )

    def local(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{self.url}/{parts.hostname}{parts.path or '/'}"


class _Handler(FakeHandler):
    def route(self, method: str, path: str) -> None:
        host, _, rest = path.lstrip("/").partition("/")
        found = self.fake.pages.get(f"https://{host}/{rest.split('?')[0]}")
        if found is None:
            self.send_bytes(b"not found", "text/plain", 404)
            return
        status, ctype, body, headers = found
        self.send_bytes(body, ctype, status, headers)


FakeWebsites.Handler = _Handler
