"""A stateful fake Threads API (graph.threads.net/v1.0), faithful to shared/docs/social-apis.md
section 4 and social-apis-more.md section 4, on the shared fake base (fakes/server.py).

* ``POST /me/threads`` makes a media container (``media_type`` TEXT, IMAGE, CAROUSEL, with
  ``text``, ``image_url``, ``alt_text``, ``is_carousel_item``, ``children``, ``reply_to_id``,
  ``quote_post_id``, ``reply_control``; query or form parameters). Text over 500 (emoji by UTF-8
  bytes, anything else by grapheme: the documented reading) is refused, and so are more than
  five unique links (``THREADS_API__LINK_LIMIT_EXCEEDED``). A container stays IN_PROGRESS for
  ``delay`` status reads, then is FINISHED, or ERROR with ``error_message`` when its picture's
  address cannot be fetched (``reachable``); unpublished for 24 hours, it is EXPIRED;
* ``POST /me/threads_publish?creation_id=`` publishes a FINISHED container only (an
  IN_PROGRESS one is refused). There is no idempotency: publishing the same container again
  makes a second post (``republish="error"`` refuses instead), which tests can see in
  ``posts``. 250 posts and 1,000 replies per 24 hours (``GET
  /me/threads_publishing_limit``), then an error;
* ``GET /{id}`` (a container's status, or a post's fields), ``GET /me/threads`` (the author's
  top-level posts, quotes with ``is_quote_post``, reposts as ``REPOST_FACADE`` without text;
  newest first, ``since``, cursor paging), ``GET /{id}/replies`` (top level)
  and ``/{id}/conversation`` (all depths, flattened, ``reverse`` default true), ``GET
  /{id}/insights`` (counts only), ``DELETE /{id}`` (``{"success", "deleted_id"}``, 100 a day);
* errors in the Graph envelope ``{"error": {"message", "type", "code", "error_subcode",
  "fbtrace_id"}}``; the token in ``access_token`` (query or form); an expired token is code
  190 subcode 463; ``GET /refresh_access_token?grant_type=th_refresh_token`` refuses a token
  under 24 hours old or expired, else gives a new one valid 60 days;
* ``X-App-Usage`` (percent of ``call_budget``) on every answer, and code 4 once it is spent.

``clock`` is the fake's time offset in seconds (``aged``). ``on_publish(post)`` is called after a
post is stored, before its answer (crash tests kill the client there); the next
``lose_publish_answers`` publishes happen and their answers are lost. Replies by others:
``reply_as``; likes and reposts: ``react``; what the author does in the app, not through the
API: ``post_as_author``, ``repost``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import regex

from .server import FakeHandler, FakeServer

DAY = 86_400
TOKEN_LIFE = 60 * DAY
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
_LINK = regex.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s]*)?", regex.IGNORECASE)


def documented_length(text: str) -> int:
    """The documented reading: graphemes, emoji by their UTF-8 bytes."""
    return sum(len(g.encode()) if _EMOJI.search(g) else 1 for g in _GRAPHEME.findall(text))


class FakeThreads(FakeServer):
    UNAVAILABLE = {
        "error": {
            "message": "An unexpected error has occurred. Please retry your request later.",
            "type": "OAuthException",
            "code": 2,
            "is_transient": True,
            "fbtrace_id": "AbCdEf",
        }
    }

    def __init__(self, delay: int = 1, republish: str = "duplicate", handle: str = "camille"):
        super().__init__()
        self.handle, self.user_id = handle, "17841400000000001"
        self.delay, self.republish = delay, republish
        self.clock = 0.0
        self.tokens: dict[str, dict] = {}
        self.add_token("good-token", age=2 * DAY)
        self.containers: dict[str, dict] = {}
        self.posts: dict[str, dict] = {}  # every post ever made, deleted ones marked
        self.post_quota, self.reply_quota, self.delete_quota = 250, 1000, 100
        self.call_budget: int | None = None
        self.calls = 0
        self.reachable = lambda url: not any(h in url for h in ("127.0.0.1", "localhost"))
        self.on_publish = None
        self.lose_publish_answers = 0
        self._ids = itertools.count(18_000_000_000_000_001)
        self._lock = threading.Lock()

    # -- state helpers for tests ----------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_token(self, token: str, age: float = 0.0, owner: str | None = None) -> None:
        issued = self.now() - age
        self.tokens[token] = {
            "owner": owner or self.handle,
            "issued": issued,
            "expires": issued + TOKEN_LIFE,
        }

    def live_posts(self, username: str | None = None) -> list[dict]:
        who = username or self.handle
        return [p for p in self.posts.values() if p["username"] == who and not p["deleted"]]

    def reply_as(self, username: str | None, parent: str, text: str, **fields) -> dict:
        """A reply by someone else (``username`` None: a private account)."""
        with self._lock:
            return self._store(username, text, parent, {"media_type": "TEXT", **fields})

    def post_as_author(self, text: str, **fields) -> dict:
        """A post made on the account directly (in the app, not through the API)."""
        with self._lock:
            return self._store(self.handle, text, None, {"media_type": "TEXT", **fields})

    def repost(self, media_id: str) -> dict:
        """The author reposts someone's post: a REPOST_FACADE post of theirs, no text."""
        with self._lock:
            return self._store(self.handle, "", None, {"media_type": "REPOST_FACADE",
                                                       "reposted": media_id})  # fmt: skip

    def react(self, media_id: str, likes: int = 0, reposts: int = 0, quotes: int = 0) -> None:
        post = self.posts[media_id]
        post["likes"] += likes
        post["reposts"] += reposts
        post["quotes"] += quotes

    def _store(self, username, text, parent, params) -> dict:
        pid = self.new_id()
        root = self.posts[parent]["root"] if parent else pid
        post = {
            "id": pid,
            "username": username,
            "text": text,
            "parent": parent,
            "root": root,
            "timestamp": self.now(),
            "media_type": params.get("media_type", "TEXT"),
            "image_url": params.get("image_url"),
            "alt_text": params.get("alt_text"),
            "children": params.get("children", []),
            "deleted": False,
            "likes": 0,
            "reposts": 0,
            "quotes": 0,
            "hide_status": params.get("hide_status", "NOT_HUSHED"),
            "quoted": params.get("quote_post_id"),
            "reposted": params.get("reposted"),
            "permalink": f"https://www.threads.net/@{username or 'private'}/post/P{pid[-6:]}",
        }
        self.posts[pid] = post
        return post

    def published_in_last_day(self, replies: bool) -> int:
        since = self.now() - DAY
        return sum(
            1
            for p in self.posts.values()
            if p["username"] == self.handle
            and p["timestamp"] >= since
            and bool(p["parent"]) == replies
        )

    Handler: type[FakeHandler]


def aged(fake: FakeThreads, seconds: float) -> None:
    """Time passes on the fake: tokens age, containers expire, quotas free up."""
    fake.clock += seconds


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ThreadsHandler(FakeHandler):
    fake: FakeThreads

    def params(self) -> dict[str, str]:
        """Query and form parameters together (the Graph API takes either)."""
        found = dict(self.query)
        if self.raw and "json" not in (self.headers.get("Content-Type") or ""):
            found.update(parse_qsl(self.raw.decode("utf-8", "replace")))
        return found

    def error(
        self,
        http: int,
        code: int,
        message: str,
        sub: int | None = None,
        kind: str = "OAuthException",
    ) -> None:
        body = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
        if sub is not None:
            body["error_subcode"] = sub
        self.send(http, {"error": body})

    def answer_headers(self) -> dict[str, str]:
        fake = self.fake
        used = 0 if not fake.call_budget else min(100, 100 * fake.calls // fake.call_budget)
        return {
            "X-App-Usage": json.dumps({"call_count": used, "total_cputime": 0, "total_time": 0})
        }

    def route(self, method: str, path: str) -> None:
        fake = self.fake
        if path == "/refresh_access_token":
            return self.refresh()
        if not path.startswith("/v1.0/"):
            return self.error(404, 100, "Unknown path components", 33)
        parts = path.removeprefix("/v1.0/").strip("/").split("/")
        token = self.params().get("access_token") or self.bearer()
        info = fake.tokens.get(token)
        if info is None:
            return self.error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if fake.now() >= info["expires"]:
            return self.error(400, 190, "Error validating access token: Session has expired.", 463)
        with fake._lock:
            fake.calls += 1
            if fake.call_budget is not None and fake.calls > fake.call_budget:
                return self.error(400, 4, "Application request limit reached")
            if parts[0] in ("me", fake.user_id) and len(parts) == 1:
                return self.send(200, {"id": fake.user_id, "username": fake.handle})
            if parts[0] in ("me", fake.user_id):
                return self.user_edge(method, parts[1])
            if len(parts) == 1 and method == "DELETE":
                return self.delete(parts[0])
            if len(parts) == 1:
                return self.get_object(parts[0])
            if parts[1] in ("replies", "conversation"):
                return self.replies(parts[0], deep=parts[1] == "conversation")
            if parts[1] == "insights":
                return self.insights(parts[0])
        return self.error(400, 100, "Unsupported request", 33)

    # -- the author's edges

    def user_edge(self, method: str, edge: str) -> None:
        if method == "POST" and edge == "threads":
            return self.create()
        if method == "POST" and edge == "threads_publish":
            return self.publish()
        if method == "GET" and edge == "threads":
            mine = [p for p in self.fake.live_posts() if not p["parent"]]
            since = float(self.params().get("since") or 0)
            mine = [p for p in mine if p["timestamp"] >= since]
            return self.page(sorted(mine, key=lambda p: -p["timestamp"]))
        if method == "GET" and edge == "threads_publishing_limit":
            fake = self.fake
            return self.send(
                200,
                {
                    "data": [
                        {
                            "quota_usage": fake.published_in_last_day(False),
                            "config": {"quota_total": fake.post_quota, "quota_duration": DAY},
                            "reply_quota_usage": fake.published_in_last_day(True),
                            "reply_config": {
                                "quota_total": fake.reply_quota,
                                "quota_duration": DAY,
                            },
                        }
                    ]
                },
            )
        return self.error(400, 100, "Unsupported request", 33)

    def create(self) -> None:
        fake, p = self.fake, self.params()
        kind, text = p.get("media_type", "TEXT"), p.get("text", "")
        if kind not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            return self.error(
                400, 100, "Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}"
            )
        if documented_length(text) > 500:
            return self.error(400, 100, "Param text must be at most 500 characters long.")
        if len({m.group(0) for m in _LINK.finditer(text)}) > 5:
            return self.error(
                400,
                100,
                "THREADS_API__LINK_LIMIT_EXCEEDED: a post may hold at most 5 links",
                4279009,
                "THApiException",
            )
        if kind == "TEXT" and not text:
            return self.error(400, 100, "Param text is required for TEXT posts")
        if kind == "IMAGE" and not p.get("image_url"):
            return self.error(400, 100, "Param image_url is required for IMAGE posts")
        children = [c for c in p.get("children", "").split(",") if c]
        if kind == "CAROUSEL":
            bad = [
                c
                for c in children
                if c not in fake.containers or self.status_of(fake.containers[c]) != "FINISHED"
            ]
            if len(children) < 2 or bad:
                return self.error(400, 100, "Carousel children must be 2 or more finished items")
        parent = p.get("reply_to_id")
        if parent and (parent not in fake.posts or fake.posts[parent]["deleted"]):
            return self.error(400, 100, "Param reply_to_id is not a valid post", 33)
        cid = fake.new_id()
        error = None
        if p.get("image_url") and not fake.reachable(p["image_url"]):
            error = (
                f"Media download has failed.: The media could not be fetched from {p['image_url']}"
            )
        fake.containers[cid] = {
            "id": cid,
            "params": {**p, "children": children},
            "created": fake.now(),
            "reads": 0,
            "error": error,
            "published": [],
        }
        self.send(200, {"id": cid})

    def status_of(self, c: dict) -> str:
        if c["published"]:
            return "PUBLISHED"
        if self.fake.now() - c["created"] > DAY:
            return "EXPIRED"
        if c["reads"] < self.fake.delay:
            return "IN_PROGRESS"
        return "ERROR" if c["error"] else "FINISHED"

    def publish(self) -> None:
        fake = self.fake
        c = fake.containers.get(self.params().get("creation_id", ""))
        if c is None or c["params"].get("is_carousel_item"):
            return self.error(400, 100, "Param creation_id is not a valid container", 33)
        status = self.status_of(c)
        if status == "IN_PROGRESS":
            return self.error(
                400,
                9007,
                "The media is not ready for publishing, please wait for a moment",
                2207027,
            )
        if status in ("ERROR", "EXPIRED"):
            return self.error(400, 24, f"The container is {status}", 4279009)
        if status == "PUBLISHED" and fake.republish == "error":
            return self.error(400, 10, "The media has already been published", 2207051)
        reply = bool(c["params"].get("reply_to_id"))
        if fake.published_in_last_day(reply) >= (fake.reply_quota if reply else fake.post_quota):
            return self.error(400, 4, "The user has reached their publishing limit", 2207042)
        params = dict(c["params"])
        params["children"] = [fake.containers[x]["params"] for x in c["params"]["children"]]
        post = fake._store(fake.handle, params.get("text", ""), params.get("reply_to_id"), params)
        c["published"].append(post["id"])
        if fake.on_publish:
            fake.on_publish(post)
        if fake.lose_publish_answers > 0:  # published, and the answer never arrives
            fake.lose_publish_answers -= 1
            self.fault = "drop"
        self.send(200, {"id": post["id"]})

    # -- objects

    def get_object(self, oid: str) -> None:
        fake = self.fake
        if oid in fake.containers:
            c = fake.containers[oid]
            status = self.status_of(c)
            c["reads"] += 1
            answer = {"id": oid, "status": status}
            if status == "ERROR":
                answer["error_message"] = c["error"]
            return self.send(200, answer)
        post = fake.posts.get(oid)
        if post is None or post["deleted"]:
            return self.error(
                400,
                100,
                f"Unsupported get request. Object with ID '{oid}' does not exist",
                33,
                "GraphMethodException",
            )
        self.send(200, self.entity(post))

    def entity(self, post: dict) -> dict:
        out = {
            "id": post["id"],
            "text": post["text"],
            "timestamp": _iso(post["timestamp"]),
            "media_type": post["media_type"],
            "hide_status": post["hide_status"],
            "is_reply": bool(post["parent"]),
            "root_post": {"id": post["root"]},
            "is_reply_owned_by_me": post["username"] == self.fake.handle,
            "is_quote_post": bool(post["quoted"]),
        }
        if post["quoted"]:
            out["quoted_post"] = {"id": post["quoted"]}
        if post["reposted"]:  # a repost has no text of its own
            out.pop("text")
            out["reposted_post"] = {"id": post["reposted"]}
        if post["username"]:  # only public accounts (and the reader) are named
            out.update(username=post["username"], permalink=post["permalink"])
        if post["parent"]:
            out["replied_to"] = {"id": post["parent"]}
        if post["media_type"] == "IMAGE":
            out["media_url"] = "https://scontent.cdninstagram.example/" + post["id"] + ".jpg"
        return out

    def replies(self, oid: str, deep: bool) -> None:
        fake = self.fake
        if oid not in fake.posts or fake.posts[oid]["deleted"]:
            return self.error(400, 100, f"Object with ID '{oid}' does not exist", 33)
        live = [p for p in fake.posts.values() if not p["deleted"] and p["parent"]]
        if deep:
            found = [
                p
                for p in live
                if p["root"] == fake.posts[oid]["root"] and p["id"] != oid and self._below(p, oid)
            ]
        else:
            found = [p for p in live if p["parent"] == oid]
        newest_first = self.params().get("reverse", "true") != "false"
        self.page(sorted(found, key=lambda p: (p["timestamp"], p["id"]), reverse=newest_first))

    def _below(self, post: dict, oid: str) -> bool:
        seen = set()
        while post["parent"] and post["id"] not in seen:
            seen.add(post["id"])
            if post["parent"] == oid:
                return True
            post = self.fake.posts[post["parent"]]
        return False

    def page(self, items: list[dict]) -> None:
        p = self.params()
        limit = max(1, min(int(p.get("limit") or 25), 100))
        start = int(p["after"].removeprefix("c")) if p.get("after") else 0
        chunk = items[start : start + limit]
        answer: dict = {"data": [self.entity(x) for x in chunk]}
        if chunk:
            answer["paging"] = {
                "cursors": {"before": f"c{start}", "after": f"c{start + len(chunk)}"}
            }
            if start + limit < len(items):
                answer["paging"]["next"] = (
                    f"{self.fake.url}{urlsplit(self.path).path}?after=c{start + len(chunk)}"
                )
        self.send(200, answer)

    def insights(self, oid: str) -> None:
        post = self.fake.posts.get(oid)
        if post is None or post["deleted"]:
            return self.error(400, 100, f"Object with ID '{oid}' does not exist", 33)
        metrics = [m for m in self.params().get("metric", "").split(",") if m]
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": post.get(m, 0)}],
                "title": m.title(),
                "id": f"{oid}/insights/{m}/lifetime",
            }
            for m in metrics
            if m in ("likes", "reposts", "quotes", "replies", "views")
        ]
        self.send(200, {"data": data})

    def delete(self, oid: str) -> None:
        fake = self.fake
        post = fake.posts.get(oid)
        if post is None or post["deleted"]:
            return self.error(400, 100, f"Object with ID '{oid}' does not exist", 33)
        if fake.delete_quota <= 0:
            return self.error(400, 4, "The user has reached their daily delete limit")
        fake.delete_quota -= 1
        post["deleted"] = True
        self.send(200, {"success": True, "deleted_id": oid})

    def refresh(self) -> None:
        fake, p = self.fake, self.params()
        if p.get("grant_type") != "th_refresh_token":
            return self.error(400, 100, "Param grant_type must be th_refresh_token")
        info = fake.tokens.get(p.get("access_token", ""))
        if info is None:
            return self.error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if fake.now() >= info["expires"]:
            return self.error(400, 190, "Error validating access token: Session has expired.", 463)
        if fake.now() - info["issued"] < DAY:
            return self.error(400, 10, "The access token is too new to be refreshed (24 hours)")
        new = f"refreshed-{fake.new_id()}"
        fake.add_token(new, owner=info["owner"])
        self.send(200, {"access_token": new, "token_type": "bearer", "expires_in": TOKEN_LIFE})


FakeThreads.Handler = ThreadsHandler
