"""A stateful fake Mastodon server, faithful to shared/docs/social-apis.md section 1.

No Mastodon server can be installed here, so the adapter is tested against this: real HTTP on
127.0.0.1, the real endpoints and error bodies, and the behaviours that matter for posting
exactly once:

* ``POST /api/v1/statuses`` (JSON or form): 401 for a bad token, 422 for blank text or text over
  ``max_characters`` as Mastodon counts it, ``Idempotency-Key`` remembered per account for an
  hour (the same key returns the first status, even with another body), concurrent requests with
  one key give one status;
* ``PUT`` / ``GET`` / ``DELETE /api/v1/statuses/:id`` (404 ``Record not found``; delete returns
  the status with its source ``text``);
* ``POST /api/v2/media`` (200, or 202 with ``url: null`` when ``async_media``), then
  ``GET /api/v1/media/:id`` answering 206 until processed;
* ``GET /api/v2/instance``, ``GET /api/v1/accounts/verify_credentials``,
  ``GET /api/v1/accounts/:id/statuses`` (newest first);
* the backfeed's side: ``GET /api/v1/notifications`` (types[], min_id, since_id, max_id, Link
  paging; a reply notifies only if it mentions ``@camille``), ``GET .../:id/context`` (the
  whole subtree), ``favourited_by``, ``reblogged_by`` and, as in 4.5, ``quotes`` (a status made
  with ``quoted_status_id`` notifies ``quote`` and counts in ``quotes_count``), ``POST
  .../favourite`` and ``.../reblog`` by the other accounts, avatars (``/avatars/<name>.png``)
  and uploaded pictures (``/media-files/<id>.png``) served as PNG;
* ``idempotency=False`` behaves like GoToSocial, which ignores ``Idempotency-Key``;
* ``X-RateLimit-Limit/Remaining/Reset`` (ISO 8601) on every answer, 429 ``Too many requests``
  when the token's budget for the window is spent.

Faults for tests, consumed one per request in order: ``"503"`` (answer 503 without doing
anything), ``"drop"`` (do the work, then close the connection without an answer), ``"truncate"``
(do the work, answer half a body), ``"slow:<s>"`` (wait, then go on). ``on_create`` is called
after a status is stored and before its answer is sent (crash tests kill the client there).
"""

from __future__ import annotations

import email.parser
import html
import json
import re
import threading
import time
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from roost.networks.mastodon.counting import status_length

IDEMPOTENCY_SECONDS = 3600


class FakeMastodon:
    def __init__(
        self,
        tokens: dict[str, str] | None = None,
        *,
        max_characters: int = 500,
        async_media: bool = False,
        rate_limit: int = 300,
        rate_window: float = 300,
        idempotency: bool = True,
    ):
        # token -> account; the others act on camille's posts
        self.tokens = tokens or {
            "good-token": "camille",
            "bob-token": "bob",
            "ines-token": "ines",
            "kenji-token": "kenji",
        }
        self.max_characters = max_characters
        self.async_media = async_media
        self.idempotency = idempotency  # False: GoToSocial, which ignores Idempotency-Key
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.statuses: dict[str, dict] = {}
        self.notifications: list[dict] = []  # oldest first
        self.avatar_png = bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a55d0a"
            "8b0000000049454e44ae426082"
        )
        self.favourites: dict[str, list[str]] = {}  # status id -> accounts, in order
        self.reblogs: dict[str, list[str]] = {}
        self.media: dict[str, dict] = {}
        self.async_refresh = False  # context answers "still fetching remote replies" (4.5)
        self.expired: set[str] = {"expired-token"}  # 401 "The access token expired"
        self.unscoped: set[str] = {"read-only-token"}  # 403: a token without the scope needed
        self.faults: list[str] = []
        self.on_create = None
        self.on_request = None  # called first; a true answer drops the request undone
        self.requests: list[tuple[str, str]] = []
        self.clock = time.time  # replaceable, to age idempotency keys
        self._keys: dict[tuple[str, str], tuple[float, str]] = {}
        self._budget: dict[str, tuple[float, int]] = {}
        self._next_id = 115_000_000_000_000_000
        self._lock = threading.RLock()  # create_status holds it while taking a new id
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- state helpers -----------------------------------------------------------------------

    def new_id(self) -> str:
        with self._lock:
            self._next_id += 1
            return str(self._next_id)

    def live_statuses(self, account: str = "camille") -> list[dict]:
        return [s for s in self.statuses.values() if s["account"]["username"] == account]

    def status_entity(self, s: dict) -> dict:
        out = {k: v for k, v in s.items() if not k.startswith("_")}
        out["favourites_count"] = len(self.favourites.get(s["id"], []))
        out["reblogs_count"] = len(self.reblogs.get(s["id"], []))
        out["replies_count"] = sum(
            1 for o in self.statuses.values() if o["in_reply_to_id"] == s["id"]
        )
        if "_text" in s:  # a status, not a media attachment: Mastodon 4.5 quotes
            out["quotes_count"] = sum(
                1 for o in self.statuses.values() if o.get("_quoted") == s["id"]
            )
            out["quote"] = (
                {"state": "accepted", "quoted_status_id": s["_quoted"]}
                if s.get("_quoted")
                else None
            )
        return out

    def account_entity(self, acct: str) -> dict:
        return {
            "id": str(zlib.crc32(acct.encode())),
            "username": acct,
            "acct": f"{acct}@other.example" if acct != "camille" else acct,
            "display_name": acct.capitalize(),
            "url": f"https://other.example/@{acct}",
            "avatar": f"{self.url}/avatars/{acct}.png",
            "note": "",
        }

    def notify(self, owner: str, kind: str, actor: str, status_id: str) -> None:
        self.notifications.append(
            {
                "id": self.new_id(),
                "type": kind,
                "owner": owner,
                "account": actor,
                "status": status_id,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            }
        )


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client closing a kept-alive connection is normal, not a fault of the server.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeMastodon
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # -- plumbing ----------------------------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.server_fake
        path = urlsplit(self.path).path
        fake.requests.append((method, path))
        length = int(self.headers.get("Content-Length") or 0)
        self._raw = self.rfile.read(length) if length else b""
        if fake.on_request and fake.on_request(method, path):
            self.close_connection = True
            return
        fault = fake.faults.pop(0) if fake.faults else None
        if fault == "503":
            return self._send(503, {"error": "Service Unavailable"})
        if fault and fault.startswith("slow:"):
            time.sleep(float(fault.split(":", 1)[1]))
        self._fault = fault
        account = None
        if path != "/api/v2/instance" and not path.startswith(("/avatars/", "/media-files/")):
            token = self._token()
            if token in fake.expired:
                return self._send(401, {"error": "The access token expired"})
            if token in fake.unscoped:  # valid, but made without the scopes this needs
                return self._send(403, {"error": "This action is outside the authorized scopes"})
            account = self._account()
            if account is None:
                return self._send(401, {"error": "The access token is invalid"})
            if not self._spend(account):
                return
        routes = [
            ("GET", "/api/v2/instance", self.instance),
            ("GET", "/api/v1/accounts/verify_credentials", self.verify),
            ("POST", "/api/v1/statuses", self.create_status),
            ("POST", "/api/v2/media", self.upload_media),
        ]
        for m, p, handler in routes:
            if m == method and p == path:
                return handler(account)
        parts = path.strip("/").split("/")
        if (method, path) == ("GET", "/api/v1/notifications"):
            return self.list_notifications(account)
        if parts[0] == "avatars" and method == "GET":
            return self.avatar(parts[1])
        if parts[0] == "media-files" and method == "GET":
            return self.media_file(parts[1])
        if parts[:3] == ["api", "v1", "statuses"] and len(parts) == 5:
            action = {
                ("GET", "context"): self.context,
                ("GET", "favourited_by"): self.favourited_by,
                ("GET", "reblogged_by"): self.reblogged_by,
                ("GET", "quotes"): self.quotes,
                ("POST", "favourite"): self.favourite,
                ("POST", "reblog"): self.reblog,
            }.get((method, parts[4]))
            if action:
                return action(account, parts[3])
        if parts[:3] == ["api", "v1", "accounts"] and parts[4:] == ["statuses"] and method == "GET":
            return self.account_statuses(account, parts[3])
        if parts[:3] == ["api", "v1", "statuses"] and len(parts) == 4:
            return {"GET": self.get_status, "PUT": self.edit_status, "DELETE": self.delete_status}[
                method
            ](account, parts[3])
        if parts[:3] == ["api", "v1", "media"] and len(parts) == 4 and method == "GET":
            return self.get_media(account, parts[3])
        self._send(404, {"error": "Record not found"})

    def _token(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""

    def _account(self) -> str | None:
        return self.server_fake.tokens.get(self._token())

    def _spend(self, account: str) -> bool:
        fake = self.server_fake
        now = fake.clock()
        with fake._lock:
            start, used = fake._budget.get(account, (now, 0))
            if now - start >= fake.rate_window:
                start, used = now, 0
            self._reset = datetime.fromtimestamp(start + fake.rate_window, UTC)
            if used >= fake.rate_limit:
                self._remaining = 0
                self._send(429, {"error": "Too many requests"})
                return False
            fake._budget[account] = (start, used + 1)
            self._remaining = fake.rate_limit - used - 1
        return True

    def _body(self) -> dict:
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return json.loads(self._raw or b"{}")
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser().parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self._raw
            )
            out: dict = {}
            for part in msg.get_payload():
                name = part.get_param("name", header="content-disposition")
                out[name] = part.get_payload(decode=True)
            return out
        form = parse_qs(self._raw.decode("utf-8"), keep_blank_values=True)
        body = {k: v[0] for k, v in form.items() if not k.endswith("[]")}
        body.update({k[:-2]: v for k, v in form.items() if k.endswith("[]")})
        return body

    def _send(self, code: int, data, extra: dict | None = None) -> None:
        fake = self.server_fake
        raw = json.dumps(data).encode()
        if getattr(self, "_fault", None) == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("X-RateLimit-Limit", str(fake.rate_limit))
        if hasattr(self, "_remaining"):
            self.send_header("X-RateLimit-Remaining", str(self._remaining))
            self.send_header("X-RateLimit-Reset", self._reset.isoformat(timespec="microseconds"))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if getattr(self, "_fault", None) == "truncate":
            self.wfile.write(raw[: len(raw) // 2])
            self.close_connection = True
            return
        self.wfile.write(raw)

    # -- endpoints ---------------------------------------------------------------------------

    def instance(self, account):
        fake = self.server_fake
        self._send(
            200,
            {
                "domain": "fake.mastodon.example",
                "version": "4.5.0",
                "configuration": {
                    "statuses": {
                        "max_characters": fake.max_characters,
                        "max_media_attachments": 4,
                        "characters_reserved_per_url": 23,
                    },
                    "media_attachments": {"description_limit": 1500},
                },
            },
        )

    def verify(self, account):
        self._send(200, {"id": "1", "username": account, "acct": account})

    def create_status(self, account):
        fake = self.server_fake
        body = self._body()
        key = self.headers.get("Idempotency-Key") if fake.idempotency else None
        with fake._lock if key else _nolock():
            if key:
                seen = fake._keys.get((account, key))
                if seen and fake.clock() - seen[0] < IDEMPOTENCY_SECONDS:
                    status = fake.statuses.get(seen[1])
                    if status is not None:
                        return self._send(200, fake.status_entity(status))
            text = str(body.get("status", ""))
            media_ids = [str(m) for m in body.get("media_ids", []) or []]
            if not text.strip() and not media_ids:
                return self._send(422, {"error": "Validation failed: Text can't be blank"})
            if status_length(text, str(body.get("spoiler_text", ""))) > fake.max_characters:
                return self._send(
                    422,
                    {
                        "error": "Validation failed: Text character limit of "
                        f"{fake.max_characters} exceeded"
                    },
                )
            for m in media_ids:
                media = fake.media.get(m)
                if media is None or media["_processed_after"] > 0:
                    return self._send(422, {"error": "Validation failed: Media not ready"})
            reply_to = body.get("in_reply_to_id")
            if reply_to and str(reply_to) not in fake.statuses:
                return self._send(404, {"error": "Record not found"})
            quoted = body.get("quoted_status_id")
            if quoted and str(quoted) not in fake.statuses:
                return self._send(404, {"error": "Record not found"})
            sid = fake.new_id()
            status = {
                "id": sid,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "in_reply_to_id": str(reply_to) if reply_to else None,
                "visibility": body.get("visibility", "public"),
                "language": body.get("language"),
                "url": f"https://fake.mastodon.example/@{account}/{sid}",
                "uri": f"https://fake.mastodon.example/users/{account}/statuses/{sid}",
                "content": f"<p>{_linkify(text)}</p>",
                "edited_at": None,
                "account": fake.account_entity(account),
                "media_attachments": [fake.status_entity(fake.media[m]) for m in media_ids],
                "_text": text,
                "_quoted": str(quoted) if quoted else None,
            }
            fake.statuses[sid] = status
            # Like Mastodon: a reply notifies only the accounts it @-mentions.
            if account != "camille" and "@camille" in text:
                fake.notify("camille", "mention", account, sid)
            elif quoted and fake.statuses[str(quoted)]["account"]["username"] != account:
                fake.notify(
                    fake.statuses[str(quoted)]["account"]["username"], "quote", account, sid
                )
            if key:
                fake._keys[(account, key)] = (fake.clock(), sid)
        if fake.on_create:
            fake.on_create(status)
        self._send(200, fake.status_entity(status))

    def _page(self, items: list, key, base: str) -> None:
        """Mastodon's paging: newest first; min_id (the page right after), since_id (the
        newest page after), max_id (older than); Link header with next and prev."""
        query = parse_qs(urlsplit(self.path).query)
        limit = min(int(query.get("limit", ["40"])[0]), 80)
        ordered = sorted(items, key=lambda i: (len(key(i)), key(i)))  # oldest first

        def after(cut):
            return [i for i in ordered if (len(key(i)), key(i)) > (len(cut), cut)]

        if "min_id" in query:
            page = after(query["min_id"][0])[:limit]
        elif "since_id" in query:
            page = after(query["since_id"][0])[-limit:]
        elif "max_id" in query:
            cut = query["max_id"][0]
            page = [i for i in ordered if (len(key(i)), key(i)) < (len(cut), cut)][-limit:]
        else:
            page = ordered[-limit:]
        page = list(reversed(page))
        links = []
        if page:  # like Mastodon, the links keep the query's limit
            url = f"{self.server_fake.url}{base}?limit={limit}"
            links.append(f'<{url}&max_id={key(page[-1])}>; rel="next"')
            links.append(f'<{url}&min_id={key(page[0])}>; rel="prev"')
        return page, {"Link": ", ".join(links)} if links else {}

    def avatar(self, name):
        """Avatars: a tiny PNG for most; kenji's is an SVG (refused), ines has none (404)."""
        fake = self.server_fake
        if name.startswith("ines"):
            return self._send(404, {"error": "Record not found"})
        if name.startswith("kenji"):
            body, mime = (
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "image/svg+xml",
            )
        else:
            body, mime = fake.avatar_png, "image/png"
        self._send_file(body, mime)

    def list_notifications(self, account):
        fake = self.server_fake
        query = parse_qs(urlsplit(self.path).query)
        types = query.get("types[]")
        items = [
            n
            for n in fake.notifications
            if n["owner"] == account
            and (not types or n["type"] in types)
            and n["status"] in fake.statuses
        ]
        page, headers = self._page(items, lambda n: n["id"], "/api/v1/notifications")
        body = [
            {"id": n["id"], "type": n["type"], "created_at": n["created_at"],
             "account": fake.account_entity(n["account"]),
             "status": fake.status_entity(fake.statuses[n["status"]])}
            for n in page
        ]  # fmt: skip
        self._send(200, body, headers)

    def context(self, account, sid):
        fake = self.server_fake
        status = fake.statuses.get(sid)
        if status is None:
            return self._send(404, {"error": "Record not found"})
        ancestors, cur = [], status
        while cur["in_reply_to_id"] and cur["in_reply_to_id"] in fake.statuses:
            cur = fake.statuses[cur["in_reply_to_id"]]
            ancestors.insert(0, fake.status_entity(cur))
        descendants, frontier = [], [sid]
        while frontier:
            parent = frontier.pop(0)
            for s in sorted(fake.statuses.values(), key=lambda s: (len(s["id"]), s["id"])):
                if s["in_reply_to_id"] == parent:
                    descendants.append(fake.status_entity(s))
                    frontier.append(s["id"])
        extra = {"Mastodon-Async-Refresh": 'id="x", retry=5'} if fake.async_refresh else None
        self._send(200, {"ancestors": ancestors, "descendants": descendants}, extra)

    def _who(self, table: dict, sid: str):
        fake = self.server_fake
        if sid not in fake.statuses:
            return self._send(404, {"error": "Record not found"})
        accounts = [{"id": str(i + 1), "acct": a} for i, a in enumerate(table.get(sid, []))]
        page, headers = self._page(accounts, lambda a: a["id"], urlsplit(self.path).path)
        self._send(200, [fake.account_entity(a["acct"]) for a in page], headers)

    def quotes(self, account, sid):
        """Statuses quoting this one (Mastodon 4.5): limit default 20, max 40, Link paging."""
        fake = self.server_fake
        if sid not in fake.statuses:
            return self._send(404, {"error": "Record not found"})
        query = parse_qs(urlsplit(self.path).query)
        if int(query.get("limit", ["20"])[0]) > 40:
            self.path = self.path.replace(f"limit={query['limit'][0]}", "limit=40")
        quoting = [s for s in fake.statuses.values() if s.get("_quoted") == sid]
        page, headers = self._page(quoting, lambda s: s["id"], urlsplit(self.path).path)
        self._send(200, [fake.status_entity(s) for s in page], headers)

    def media_file(self, name):
        """The bytes of an uploaded picture (what a server's media URL serves)."""
        self._send_file(self.server_fake.avatar_png, "image/png")

    def _send_file(self, body: bytes, mime: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def favourited_by(self, account, sid):
        self._who(self.server_fake.favourites, sid)

    def reblogged_by(self, account, sid):
        self._who(self.server_fake.reblogs, sid)

    def _act(self, table: dict, kind: str, account: str, sid: str):
        fake = self.server_fake
        status = fake.statuses.get(sid)
        if status is None:
            return self._send(404, {"error": "Record not found"})
        if account not in table.setdefault(sid, []):
            table[sid].append(account)
            owner = status["account"]["username"]
            if owner != account:
                fake.notify(owner, kind, account, sid)
        self._send(200, fake.status_entity(status))

    def favourite(self, account, sid):
        self._act(self.server_fake.favourites, "favourite", account, sid)

    def reblog(self, account, sid):
        self._act(self.server_fake.reblogs, "reblog", account, sid)

    def account_statuses(self, account, account_id):
        """Newest first, ``limit`` (default 20, max 40), like GET /api/v1/accounts/:id/statuses."""
        fake = self.server_fake
        query = parse_qs(urlsplit(self.path).query)
        limit = min(int(query.get("limit", ["20"])[0]), 40)
        mine = sorted(fake.live_statuses(account), key=lambda s: (len(s["id"]), s["id"]))
        self._send(200, [fake.status_entity(s) for s in reversed(mine)][:limit])

    def get_status(self, account, sid):
        fake = self.server_fake
        status = fake.statuses.get(sid)
        if status is None:
            return self._send(404, {"error": "Record not found"})
        self._send(200, fake.status_entity(status))

    def _own_status(self, account, sid) -> dict | None:
        """The account's own status, or None after answering 404 (another's is not found)."""
        status = self.server_fake.statuses.get(sid)
        if status is None or status["account"]["username"] != account:
            self._send(404, {"error": "Record not found"})
            return None
        return status

    def edit_status(self, account, sid):
        fake = self.server_fake
        status = self._own_status(account, sid)
        if status is None:
            return
        text = str(self._body().get("status", ""))
        if status_length(text) > fake.max_characters:
            return self._send(422, {"error": "Validation failed: Text character limit exceeded"})
        status.update(_text=text, content=f"<p>{html.escape(text)}</p>")
        status["edited_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        self._send(200, fake.status_entity(status))

    def delete_status(self, account, sid):
        fake = self.server_fake
        status = self._own_status(account, sid)
        if status is None:
            return
        del fake.statuses[sid]
        self._send(200, {**fake.status_entity(status), "text": status["_text"]})

    def upload_media(self, account):
        fake = self.server_fake
        body = self._body()
        if not body.get("file"):
            return self._send(422, {"error": "Validation failed: File can't be blank"})
        mid = fake.new_id()
        description = body.get("description", b"")
        media = {
            "id": mid,
            "type": "image",
            "url": None if fake.async_media else f"{fake.url}/media-files/{mid}.png",
            "preview_url": f"{fake.url}/media-files/{mid}-small.png",
            "description": description.decode() if isinstance(description, bytes) else description,
            "_processed_after": 2 if fake.async_media else 0,
        }
        fake.media[mid] = media
        self._send(202 if fake.async_media else 200, fake.status_entity(media))

    def get_media(self, account, mid):
        fake = self.server_fake
        media = fake.media.get(mid)
        if media is None:
            return self._send(404, {"error": "Record not found"})
        if media["_processed_after"] > 0:
            media["_processed_after"] -= 1
            if media["_processed_after"] > 0:
                return self._send(206, fake.status_entity(media))
            media["url"] = f"{fake.url}/media-files/{mid}.png"
        self._send(200, fake.status_entity(media))


def _linkify(text: str) -> str:
    """Text as Mastodon renders it: escaped, with its addresses made links."""
    out, at = [], 0
    for m in re.finditer(r"https?://\S+", text):
        out.append(html.escape(text[at : m.start()]))
        url = html.escape(m.group())
        out.append(f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>')
        at = m.end()
    return "".join(out) + html.escape(text[at:])


class _nolock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def aged(fake: FakeMastodon, seconds: float) -> None:
    """Move the fake's clock forward (idempotency keys and rate windows age)."""
    base = fake.clock
    fake.clock = lambda: base() + seconds
