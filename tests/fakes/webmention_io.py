"""A fake webmention.io read API (shared/docs/social-apis.md 7.2): ``GET /api/mentions.jf2``.

Takes ``token`` (else 401 ``forbidden``), ``domain``, ``since_id`` (strictly greater),
``sort-dir`` (up or down), ``per-page`` (default 20) and ``page`` (from 0), and answers a jf2
feed. Entries are added with :meth:`add`, in the shape webmention.io gives them: the property
named by ``wm-property`` holds the target (an RSVP is ``in-reply-to`` it, with its answer in
``rsvp``: yes, no, maybe or interested).
"""

from __future__ import annotations

from .server import FakeHandler, FakeServer


class _Handler(FakeHandler):
    def route(self, method: str, path: str) -> None:
        fake, q = self.fake, self.query
        if (method, path) != ("GET", "/api/mentions.jf2"):
            return self.send(404, {"error": "not_found"})
        if q.get("token") != fake.token:
            return self.send(
                401, {"error": "forbidden", "error_description": "Access token was not valid"}
            )
        items = [e for e in fake.entries if q.get("domain", "") in e["wm-target"]]
        if "since_id" in q:
            items = [e for e in items if e["wm-id"] > int(q["since_id"])]
        items.sort(key=lambda e: e["wm-id"], reverse=q.get("sort-dir") != "up")
        per = int(q.get("per-page", 20))
        page = int(q.get("page", 0))
        children = items[page * per : (page + 1) * per]
        self.send(200, {"type": "feed", "name": "Webmentions", "children": children})


class FakeWebmentionIO(FakeServer):
    Handler = _Handler
    CONTENT_TYPE = "application/json"

    def __init__(self, token: str = "wm-token"):
        super().__init__()
        self.token = token
        self.entries: list[dict] = []
        self._next = 1_000_000

    def add(self, target: str, prop: str, site: str, **extra) -> dict:
        """An entry from a page on ``site`` (its wm-source), its author that site's h-card unless
        ``extra`` says otherwise (any jf2 key, ``author`` included; an RSVP's ``rsvp="yes"``)."""
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
            # As webmention.io's jf2 does: the response's own property names the target.
            ("in-reply-to" if prop == "rsvp" else prop): target,
            **extra,
        }  # fmt: skip
        self.entries.append(entry)
        return entry
