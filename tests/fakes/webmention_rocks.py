"""A fake webmention.rocks: the 23 discovery tests as vendored
(``tests/conformance/webmention-rocks/discovery_cases.json``), and the update and delete tests'
receivers, checking what rocks checks (read from aaronpk/webmention.rocks @ 7b97198,
``controllers/Webmention.php``, ``UpdateWebmention.php``, ``DeleteWebmention.php``):

* every endpoint is single-use (``?key=`` issued with the page that advertises it; a key used
  twice, or dropped, is 400): a sender must discover again for each Webmention;
* the body must be ``application/x-www-form-urlencoded`` with ``source`` and ``target``;
* the target must be the page this endpoint handles; the source is fetched, and must hold an
  ``<a href>`` equal to the target (exactly) when rocks requires it;
* update 1: first a post linking to /update/1 only, then the post links to /update/1/part/2 too,
  and both are sent again; update 2: first both, then the link to /update/2/part/2 removed and
  both sent again (the second without the link);
* delete 1: first a post linking to /delete/1; then the source answers 410 or holds
  ``<meta http-equiv="Status" content="410 ...">`` and no link, and is sent again.

``passed`` holds ``("update", 1)``, ``("update", 2)``, ``("delete", 1)`` as they pass; ``log``
every endpoint request (path with query, fields, answer).
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from fakes.server import FakeHandler, FakeServer

from sites import conformance

CASES = json.loads(conformance("webmention-rocks", "discovery_cases.json").read_text())


def page(body: str) -> bytes:
    head = "<!DOCTYPE html><html><head><title>rocks</title></head>"
    return f"{head}<body>{body}</body></html>".encode()


class Handler(FakeHandler):
    def do_HEAD(self):  # answered, though Roost does not ask
        self._dispatch("HEAD")

    def route(self, method: str, path: str) -> None:
        fake, base = self.fake, self.fake.url + "/"
        if method == "POST":
            return self.endpoint(path)
        m = re.fullmatch(r"/test/(\d+)", path)
        if m and int(m.group(1)) in fake.cases:
            case = fake.cases[int(m.group(1))]
            answer = case["head"] if method == "HEAD" and "head" in case else case["get"]
            return self.answer(answer, base)
        if path == "/test/23/page":
            key = fake.new_key()
            return self.answer({"status": 302, "headers": [["Location", f"page/{key}"]]}, base)
        m = re.fullmatch(r"/test/23/page/(\w+)", path)
        if m and fake.use_key(m.group(1)):
            final = fake.cases[23]["final"]
            text = json.dumps(final).replace("{KEY2}", fake.new_key()).replace("{KEY1}", m.group(1))
            return self.answer(json.loads(text), base)
        m = re.fullmatch(r"/(update|delete)/(\d+)(/part/2)?", path)
        if m:
            step = "2" if m.group(3) else "1"
            where = f"/{m.group(1)}/{m.group(2)}"
            where += f"/part/{step}" if m.group(1) == "update" else ""
            link = f'<link rel="webmention" href="{where}/webmention?key={fake.new_key()}">'
            return self.send_bytes(page(link + f"<p>{m.group(1)} test</p>"), "text/html")
        self.send_bytes(b"not found", "text/plain", 404)

    def answer(self, answer: dict, base: str) -> None:
        body = answer.get("body", "").replace("{BASE}", base).encode()
        headers = [(k, v.replace("{BASE}", base)) for k, v in answer["headers"]]
        self.send_response(answer["status"])
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-type" for k, _ in headers):
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def endpoint(self, path: str) -> None:
        fields = {k: v[0] for k, v in parse_qs(self.raw.decode()).items()}
        ctype = self.headers.get("Content-Type", "")
        full = self.path
        status, text = self.fake.receive(path, self.query, fields, ctype)
        self.fake.log.append((full, fields, status, text))
        self.send_bytes(text.encode(), "text/plain", status)


class FakeRocks(FakeServer):
    Handler = Handler

    def __init__(self):
        super().__init__()
        self.cases = {c["num"]: c for c in CASES["discovery"]}
        self.keys: set[str] = set()
        self.log: list[tuple[str, dict, int, str]] = []
        self.parts: dict[tuple[str, int, str], set[int]] = {}  # (kind, test, source) -> parts
        self.passed: set[tuple[str, int]] = set()

    def new_key(self) -> str:
        key = secrets.token_hex(6)
        self.keys.add(key)
        return key

    def use_key(self, key: str) -> bool:
        if key in self.keys:
            self.keys.discard(key)
            return True
        return False

    def endpoints_hit(self) -> list[str]:
        """Every endpoint POSTed to, with its query string (the discovery tests' endpoints)."""
        return [full for full, *_ in self.log]

    # ------------------------------------------------------------ the update and delete tests

    def receive(self, path: str, query: dict, fields: dict, ctype: str) -> tuple[int, str]:
        if path.startswith("/test/"):
            return 202, "accepted"
        m = re.fullmatch(r"/(update|delete)/(\d+)(?:/part/(\d))?/webmention", path)
        if not m:
            return 400, "bad request"
        kind, num, step = m.group(1), int(m.group(2)), int(m.group(3) or 1)
        if "application/x-www-form-urlencoded" not in ctype:
            return 400, "invalid_content_type"
        if "key" not in query or not self.use_key(query["key"]):
            return 400, "invalid_request: endpoint expired or key missing: discover again"
        source, target = fields.get("source", ""), fields.get("target", "")
        if urlsplit(source).scheme not in ("http", "https") or not target:
            return 400, "invalid_source or missing_target"
        own = f"{self.url}/{kind}/{num}" + ("/part/2" if step == 2 else "")
        if target != own:
            return 400, "invalid_target"
        try:
            with urllib.request.urlopen(source, timeout=10) as r:
                code, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            code, body = e.code, e.read()
        except OSError as e:
            return 400, f"source not fetched: {e}"
        doc = BeautifulSoup(body, "html.parser")
        a_links = {a["href"] for a in doc.find_all("a", href=True)}
        strict = {t["href"] for t in doc.find_all(["a", "link", "area"], href=True)}
        loose = {t["href"] for t in doc.find_all(href=True)}
        meta = next((t.get("content", "") for t in doc.find_all("meta", attrs={"http-equiv": True})
                     if t["http-equiv"].lower() == "status"), "")  # fmt: skip
        gone = code == 410 or meta.startswith("410")
        parts = self.parts.setdefault((kind, num, source), set())
        base = f"{self.url}/{kind}/{num}"
        if kind == "delete":
            if not parts:
                if gone:
                    return 400, "no_link_found: already 410"
                if target not in a_links:
                    return 400, "no_link_found"
                parts.add(1)
                return 200, "step one done"
            if target in loose:
                return 200, "not_deleted: still links"
            if not gone:
                return 400, "not_deleted: not 410"
            self.passed.add(("delete", num))
            return 200, "passed"
        if num == 1:
            if target not in a_links:
                return 400, "no_link_found"
            if step == 1 and not parts:
                if f"{base}/part/2" in loose:
                    return 200, "test_failed: links to part 2 already"
                parts.add(1)
                return 200, "step one done"
            if step == 1:
                if f"{base}/part/2" not in strict:
                    return 200, "incomplete"
                parts.add(2)
            else:
                if 1 not in parts:
                    return 200, "test_not_started"
                if base not in strict:
                    return 200, "incomplete"
                parts.add(3)
            if {2, 3} <= parts:
                self.passed.add(("update", 1))
            return 200, "in progress"
        if step == 1:
            if target not in a_links:
                return 400, "no_link_found"
            if 1 not in parts:
                if f"{base}/part/2" not in loose:
                    return 200, "test_failed: no link to part 2"
                parts.add(1)
                return 200, "part one"
            if f"{base}/part/2" in strict:
                return 200, "incomplete: still links to part 2"
            parts.add(3)
        else:
            if 2 not in parts:
                if target not in a_links:
                    return 400, "no_link_found"
                if base not in loose:
                    return 200, "test_failed: no link to update/2"
                parts.add(2)
                return 200, "part two"
            if target in loose:
                return 200, "test_failed: still links to part 2"
            parts.add(4)
        if {3, 4} <= parts:
            self.passed.add(("update", 2))
        return 200, "in progress"
