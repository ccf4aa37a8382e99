"""A fake WebSub hub's publish endpoint, answering as the public hubs do: ``POST /hub``.

Takes a form-encoded body (anything else: 400). ``hub.mode=publish`` with one or more ``hub.url``
(Google's hub) or ``hub.topic`` (websubhub.com) that are http(s) URLs is accepted with ``202``
and an empty body, and each URL is kept in ``published``; a missing or unknown ``hub.mode``, a
missing or relative URL, a topic in ``refuse``, is ``400`` with a plain-text reason, as real
hubs give one. ``GET /hub`` is 405 and every other path 404.

With ``fetch`` set it then does what a real hub does: it reads each accepted topic (after
answering) and keeps what it got in ``fetched``, where a test sees whether the live feed names
this hub and itself. Off by default, so that no test sends a request past loopback.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs

from .server import FakeHandler, FakeServer


class _Handler(FakeHandler):
    def route(self, method: str, path: str) -> None:
        fake = self.fake
        if path != "/hub":
            return self.text(404, "Not Found")
        if method != "POST":
            return self.text(405, "Method Not Allowed: the hub takes POST only")
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return self.text(400, "Invalid request: expected application/x-www-form-urlencoded")
        form = parse_qs(self.raw.decode("utf-8", "replace"))
        fake.forms.append(form)
        mode = form.get("hub.mode", [""])[0]
        if mode != "publish":
            return self.text(400, f"Invalid value for hub.mode: {mode!r}")
        topics = form.get("hub.url", []) + form.get("hub.topic", [])
        if not topics:
            return self.text(400, "MUST supply at least one hub.url parameter")
        for topic in topics:
            if not topic.startswith(("http://", "https://")):
                return self.text(400, f"hub.url invalid: {topic}")
            if topic in fake.refuse:
                return self.text(400, f"Topic {topic} is not allowed on this hub")
        fake.published += topics
        self.send_bytes(b"", "text/plain", 202)
        for topic in topics if fake.fetch else ():  # a hub's next step: read it, to push it on
            try:
                with urllib.request.urlopen(topic, timeout=10) as answer:  # noqa: S310
                    fake.fetched[topic] = answer.read()
            except OSError as e:
                fake.fetched[topic] = e

    def text(self, code: int, body: str) -> None:
        self.send_bytes(body.encode(), "text/plain; charset=utf-8", code)


class FakeHub(FakeServer):
    Handler = _Handler
    UNAVAILABLE = "Service Unavailable"

    def __init__(self):
        super().__init__()
        self.published: list[str] = []  # every topic accepted, in order
        self.forms: list[dict] = []  # every form received, parsed
        self.refuse: set[str] = set()  # topics answered 400
        self.fetch = False  # read each accepted topic, as a real hub does
        self.fetched: dict[str, bytes | OSError] = {}  # each topic as the hub read it

    @property
    def hub(self) -> str:
        return f"{self.url}/hub"
