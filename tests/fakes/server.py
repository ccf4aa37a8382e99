"""What every fake network server in the tests shares, so a new network's fake is its routes and
its state alone.

A fake is a :class:`FakeServer` (its state, what tests read and change) with a ``Handler``, a
:class:`FakeHandler` whose :meth:`FakeHandler.route` answers one request. The base gives both:

* ``start()`` (returns the base URL), ``url``, ``stop()``: real HTTP/1.1 with keep-alive on
  127.0.0.1, a port of its own, one thread per connection;
* ``requests``: every ``(method, path)`` in the order they came;
* ``faults``, consumed one per request in order: ``"503"`` (answer 503 without doing anything),
  ``"drop"`` (do the work, then close the connection without an answer), ``"truncate"`` (do the
  work, answer half a body), ``"slow:<s>"`` (wait, then go on);
* ``on_request(method, path)``, called first: a true answer drops the request undone (a test
  kills the client there, or counts);
* in the handler: ``raw`` (the request body), ``query`` (its parameters, first value each),
  ``json_body()``, ``bearer()`` (the token of ``Authorization: Bearer``), ``send(code, data,
  headers)`` (JSON) and ``send_bytes(body, mime)``, both honouring the faults, and
  ``answer_headers()`` for what every answer carries (a network's rate headers);
* ``PNG_1X1``, a valid picture for avatars and uploads.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

#: One tiny valid PNG (1x1): what fakes serve as avatars and pictures.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a55d0a"
    "8b0000000049454e44ae426082"
)


class FakeHandler(BaseHTTPRequestHandler):
    """One request to a fake: the plumbing; subclasses write :meth:`route`."""

    fake: Any  # the FakeServer this handler answers for (bound in FakeServer.start)
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (40 ms a request on Linux), which made every fake four times slower.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.fake
        path = urlsplit(self.path).path
        fake.requests.append((method, path))
        length = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(length) if length else b""
        if fake.on_request and fake.on_request(method, path):
            self.close_connection = True
            return
        self.fault = fake.faults.pop(0) if fake.faults else None
        if self.fault == "503":
            return self.send(503, fake.UNAVAILABLE)
        if self.fault and self.fault.startswith("slow:"):
            time.sleep(float(self.fault.split(":", 1)[1]))
        self.route(method, path)

    def route(self, method: str, path: str) -> None:
        """Answer the request (every path the network does not have: its 404)."""
        raise NotImplementedError

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def json_body(self) -> Any:
        """The request body as JSON (None when it is not)."""
        try:
            return json.loads(self.raw or b"null")
        except ValueError:
            return None

    def bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""

    def answer_headers(self) -> dict[str, str]:
        """Headers every answer carries (a network's rate-limit headers)."""
        return {}

    def send(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        ctype = getattr(self.fake, "CONTENT_TYPE", "application/json; charset=utf-8")
        self.send_bytes(json.dumps(data).encode(), ctype, code, headers)

    def send_bytes(
        self, body: bytes, mime: str, code: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        fault = getattr(self, "fault", None)
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(code)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        for k, v in {**self.answer_headers(), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client closing a kept-alive connection is normal, not a fault of the server.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    """A fake network's state, served over real HTTP by its ``Handler``."""

    Handler: ClassVar[type[FakeHandler]]
    #: What a "503" fault answers, in the network's own shape.
    UNAVAILABLE: ClassVar[Any] = {"error": "Service Unavailable"}

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self.faults: list[str] = []
        self.on_request = None  # called first; a true answer drops the request undone
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        handler = type("Handler", (self.Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
