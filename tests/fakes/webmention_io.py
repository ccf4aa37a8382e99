"""A fake webmention.io read API (shared/docs/social-apis.md 7.2): ``GET /api/mentions.jf2``.

Takes ``token`` (else 401 ``forbidden``), ``domain``, ``since_id`` (strictly greater),
``sort-dir`` (up or down), ``per-page`` (default 20) and ``page`` (from 0), and answers a jf2
feed. Entries are added with :meth:`add`, in the shape webmention.io gives them.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeWebmentionIO:
    def __init__(self, token: str = "wm-token"):
        self.token = token
        self.entries: list[dict] = []
        self.requests = 0
        self._next = 1_000_000
        self._server: ThreadingHTTPServer | None = None

    def add(self, target: str, prop: str, site: str, **extra) -> dict:
        """An entry from a page on ``site`` (its wm-source), its author that site's h-card unless
        ``extra`` says otherwise (any jf2 key, ``author`` included)."""
        self._next += 1
        entry = {
            "type": "entry",
            "author": {"type": "card", "name": site.split(".")[0].capitalize(),
                       "url": f"https://{site}/", "photo": ""},
            "url": f"https://{site}/{self._next}",
            "published": "2026-05-02T10:00:00+00:00",
            "wm-received": "2026-05-02T10:00:05Z",
            "wm-id": self._next,
            "wm-source": f"https://{site}/{self._next}",
            "wm-target": target,
            "wm-property": prop,
            "wm-private": False,
            **extra,
        }  # fmt: skip
        self.entries.append(entry)
        return entry

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests += 1
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/api/mentions.jf2":
                    return self._send(404, {"error": "not_found"})
                if q.get("token") != fake.token:
                    return self._send(
                        401,
                        {"error": "forbidden", "error_description": "Access token was not valid"},
                    )
                items = [e for e in fake.entries if q.get("domain", "") in e["wm-target"]]
                if "since_id" in q:
                    items = [e for e in items if e["wm-id"] > int(q["since_id"])]
                items.sort(key=lambda e: e["wm-id"], reverse=q.get("sort-dir") != "up")
                per = int(q.get("per-page", 20))
                page = int(q.get("page", 0))
                self._send(200, {"type": "feed", "name": "Webmentions",
                                 "children": items[page * per : (page + 1) * per]})  # fmt: skip

            def _send(self, code, data):
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
