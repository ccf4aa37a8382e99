"""A stateful fake X (API v2), faithful to shared/docs/social-apis.md section 3 and
social-apis-more.md section 6, for what posting exactly once, counting cost and the backfeed
depend on:

* **OAuth 1.0a**: every request must carry an HMAC-SHA1 signature over the method, the address,
  the query and (for a urlencoded body only) the body, made with a known consumer key and access
  token; a bad signature, an unknown key or a nonce used twice is 401 (X's problem shape);
* ``POST /2/tweets`` → 201 ``{data: {id, text, edit_history_tweet_ids}}``; 400 invalid-request
  for a text over 280 weighted characters (counted by twitter-text) or empty, for more than 4
  media ids or media not uploaded by the poster; 403 "You are not allowed to create a Tweet
  with duplicate content." for the text of one of the account's live posts (``refuse_duplicates``:
  X's current docs do not say it still does); 403 for a reply to
  someone who did not summon the poster (mention). **No idempotency**: a retried POST makes a
  second post (``posts`` shows it). Text comes back as X returns it: links replaced by t.co
  addresses (``entities.urls`` keeps the real ones) and ``&``, ``<``, ``>`` escaped;
* ``POST /2/media/upload`` (multipart ``media`` + ``media_category``), ``POST /2/media/metadata``
  (alt text up to 1,000 characters, only on one's own upload);
* ``DELETE /2/tweets/:id`` (the poster's own) → ``{data: {deleted: true}}``;
* reads: ``GET /2/users/me``, ``/2/users/:id/tweets`` and ``/2/users/:id/mentions``
  (``since_id``, ``start_time``, ``max_results`` 5-100, ``pagination_token``, newest first, meta
  ``newest_id``/``next_token``), ``/2/tweets?ids=`` and ``/2/tweets/:id`` (a post that is gone:
  200 with a partial ``errors[]`` resource-not-found), ``/2/tweets/search/recent`` with
  ``conversation_id:<id>`` (the last 7 days only; ``max_results`` 10-100, ``next_token``),
  ``/2/tweets/:id/liking_users`` (100 people at most, ever), ``retweeted_by``, ``quote_tweets``;
  ``expansions=author_id`` fills ``includes.users``;
* **access tiers**: endpoints in ``forbidden`` answer 403 client-forbidden (likes and quotes
  were taken from the self-serve tiers in April 2026);
* **rate limits**: ``x-rate-limit-limit``, ``-remaining``, ``-reset`` (epoch seconds) on every
  answer, per endpoint and 15-minute window; past it 429 ``{"errors":[{"code":88,...}]}``;
* **billing**: ``billed`` counts each billed item as X's price list names it (reads per resource
  returned, owned reads when the id is the caller's; writes per request) and ``dollars()`` prices
  them, so a test can hold Roost's own count to it.

``on_create`` is called after a post is stored and before its answer (crash tests kill there).
Tests act as other people with ``reply_as``, ``mention_as``, ``like_as``, ``repost_as``,
``quote_as``, ``retweet_as`` (a repost as it shows on the reposter's own timeline), and age
posts with ``age``. ``/2/users/:id/tweets`` also takes ``exclude`` (``retweets``, ``replies``);
a reply carries ``in_reply_to_user_id``.
"""

from __future__ import annotations

import email.parser
import html
import itertools
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth

from roost.networks.x import counting

from .server import FakeHandler, FakeServer

CONSUMER = ("consumer-key-1234", "consumer-secret-5678")
TOKENS = {  # access token -> (its secret, the user it acts as)
    "1001-camille-token": ("camille-token-secret", "1001"),
    "2002-bob-token": ("bob-token-secret", "2002"),
}
USERS = {
    "1001": {"id": "1001", "username": "camille", "name": "Camille"},
    "2002": {"id": "2002", "username": "bob", "name": "Bob"},
    "3003": {"id": "3003", "username": "ines", "name": "Inès"},
    "4004": {"id": "4004", "username": "kenji", "name": "Kenji", "description": "#nobot"},
}
#: X's pay-per-use prices (2026-08-13), by the names of its price list.
PRICES = {
    "Post: Create": 0.015,
    "Post: Create (with URL)": 0.200,
    "Interaction: Delete": 0.010,
    "Content: Manage": 0.005,
    "Media Metadata": 0.005,
    "Posts: Read": 0.005,
    "User: Read": 0.010,
    "Owned Reads": 0.001,
}
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
NOT_SUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
SEARCH_SECONDS = 7 * 86400
WINDOW = 900  # seconds: X's rate windows are 15 minutes
LIMITS = {
    "POST /2/tweets": 100,
    "DELETE /2/tweets": 50,
    "mentions": 300,
    "search": 300,
    "tweets": 900,
    "users/me": 75,
    "liking_users": 75,
    "retweeted_by": 75,
    "quote_tweets": 75,
    "media": 500,
}


def _refs(post: dict) -> list[dict]:
    return post.get("referenced_tweets") or []


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict:
    kind = kind if kind == "about:blank" else f"https://api.x.com/2/problems/{kind}"
    return {"title": title, "detail": detail, "type": kind, "status": status}


class FakeX(FakeServer):
    UNAVAILABLE = problem(503, "Service Unavailable", "Service Unavailable")

    def __init__(self):
        super().__init__()
        self.posts: dict[str, dict] = {}  # id -> the post as stored (raw text in "_raw")
        self.users = {uid: dict(user) for uid, user in USERS.items()}  # tests may add people
        self.deleted: set[str] = set()
        self.media: dict[str, dict] = {}
        self.likes: dict[str, list[str]] = {}  # post id -> user ids, oldest first
        self.reposts: dict[str, list[str]] = {}
        self.forbidden: set[str] = set()  # endpoints the app's access tier refuses
        # X "historically" refuses a text one of the account's posts already has; its current
        # docs do not say so (social-apis.md 3.3, [U]), so tests choose.
        self.refuse_duplicates = True
        self.limits = dict(LIMITS)
        self.billed: Counter = Counter()
        self.on_create = None
        self.clock = time.time
        self._ids = itertools.count(1_900_000_000_000_000_001)
        self._nonces: set[tuple[str, str]] = set()
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.RLock()

    def dollars(self) -> float:
        return sum(PRICES[item] * n for item, n in self.billed.items())

    def live(self, user: str = "1001") -> list[dict]:
        return [p for p in self.posts.values() if p["author_id"] == user]

    # -- acting as other people ------------------------------------------------------------

    def create(
        self,
        user: str,
        text: str,
        reply_to: str | None = None,
        quote: str | None = None,
        media_keys: list[str] | None = None,
        retweet: str | None = None,
    ) -> dict:
        with self._lock:
            pid = str(next(self._ids))
            tco, entities = _shorten(text)
            parent = self.posts.get(reply_to) if reply_to else None
            refs = [{"type": "replied_to", "id": reply_to}] if reply_to else []
            refs += [{"type": "quoted", "id": quote}] if quote else []
            refs += [{"type": "retweeted", "id": retweet}] if retweet else []
            post = {
                "id": pid,
                "text": html.escape(tco, quote=False),
                "author_id": user,
                "created_at": _iso(self.clock()),
                "conversation_id": parent["conversation_id"] if parent else pid,
                "entities": {"urls": entities} if entities else {},
                "public_metrics": {},
                "_raw": text,
                "_created": self.clock(),
            }
            if refs:
                post["referenced_tweets"] = refs
            if parent:
                post["in_reply_to_user_id"] = parent["author_id"]
            if media_keys:
                post["attachments"] = {"media_keys": media_keys}
            self.posts[pid] = post
            return post

    def reply_as(self, user: str, parent: str, text: str = "Lovely.") -> str:
        return self.create(user, f"@camille {text}", reply_to=parent)["id"]

    def retweet_as(self, user: str, post: str) -> str:
        """A repost as it shows on the reposter's timeline: a post of theirs, "RT @…"."""
        original = self.posts[post]
        name = self.users[original["author_id"]]["username"]
        return self.create(user, f"RT @{name}: {original['_raw']}", retweet=post)["id"]

    def mention_as(self, user: str, text: str) -> str:
        return self.create(user, text)["id"]

    def quote_as(self, user: str, quoted: str, text: str = "Read this") -> str:
        return self.create(user, text, quote=quoted)["id"]

    def like_as(self, user: str, post: str) -> None:
        self.likes.setdefault(post, []).append(user)

    def repost_as(self, user: str, post: str) -> None:
        self.reposts.setdefault(post, []).append(user)

    def age(self, post_id: str, days: float) -> None:
        post = self.posts[post_id]
        post["_created"] -= days * 86400
        post["created_at"] = _iso(post["_created"])

    def entity(self, post: dict) -> dict:
        out = {k: v for k, v in post.items() if not k.startswith("_")}
        pid = post["id"]
        out["public_metrics"] = {
            "like_count": len(self.likes.get(pid, [])),
            "retweet_count": len(self.reposts.get(pid, [])),
            "quote_count": sum(
                1
                for p in self.posts.values()
                if {"type": "quoted", "id": pid} in p.get("referenced_tweets", [])
            ),
            "reply_count": sum(
                1
                for p in self.posts.values()
                if {"type": "replied_to", "id": pid} in p.get("referenced_tweets", [])
            ),
        }
        return out


class Handler(FakeHandler):
    fake: FakeX

    def route(self, method: str, path: str) -> None:
        self.user = self._verify(method)
        if self.user is None:
            return self.send(401, problem(401, "Unauthorized", "Unauthorized"))
        routes = [
            ("POST", r"/2/tweets", self.create, "POST /2/tweets"),
            ("DELETE", r"/2/tweets/(\d+)", self.delete, "DELETE /2/tweets"),
            ("POST", r"/2/media/upload", self.upload, "media"),
            ("POST", r"/2/media/metadata", self.metadata, "media"),
            ("GET", r"/2/users/me", self.me, "users/me"),
            ("GET", r"/2/users/(\d+)/tweets", self.timeline, "tweets"),
            ("GET", r"/2/users/(\d+)/mentions", self.mentions, "mentions"),
            ("GET", r"/2/tweets/search/recent", self.search, "search"),
            ("GET", r"/2/tweets", self.lookup, "tweets"),
            ("GET", r"/2/tweets/(\d+)", self.one, "tweets"),
            ("GET", r"/2/tweets/(\d+)/(liking_users|retweeted_by)", self.people, None),
            ("GET", r"/2/tweets/(\d+)/quote_tweets", self.quotes, "quote_tweets"),
        ]
        for verb, pattern, handler, bucket in routes:
            m = re.fullmatch(pattern, path)
            if verb == method and m:
                bucket = bucket or m.group(2)
                if bucket in self.fake.forbidden:
                    return self.send(
                        403,
                        {
                            **problem(
                                403,
                                "Client Forbidden",
                                "This endpoint is not available to your app's access level.",
                                "client-forbidden",
                            ),
                            "reason": "client-not-enrolled",
                        },
                    )
                if not self._spend(bucket):
                    return self.send(
                        429, {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
                    )
                return handler(*m.groups())
        self.send(
            404,
            problem(
                404, "Not Found Error", f"{method} {path} does not exist", "resource-not-found"
            ),
        )

    # -- OAuth 1.0a and the rate windows -----------------------------------------------------

    def _verify(self, method: str) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return None
        ctype = self.headers.get("Content-Type", "")
        body = self.raw.decode() if ctype.startswith("application/x-www-form-urlencoded") else ""
        query = urlsplit(self.path).query
        params = oauth.collect_parameters(
            uri_query=query, body=parse_qsl(body), headers={"Authorization": header}
        )
        given = dict(
            oauth.collect_parameters(
                headers={"Authorization": header}, exclude_oauth_signature=False
            )
        )
        token = given.get("oauth_token", "")
        if given.get("oauth_consumer_key") != CONSUMER[0] or token not in TOKENS:
            return None
        if given.get("oauth_signature_method") != "HMAC-SHA1":
            return None
        uri = oauth.base_string_uri(f"http://{self.headers['Host']}{urlsplit(self.path).path}")
        base = oauth.signature_base_string(method, uri, oauth.normalize_parameters(params))
        expected = oauth.sign_hmac_sha1(base, CONSUMER[1], TOKENS[token][0])
        nonce = (given.get("oauth_nonce", ""), given.get("oauth_timestamp", ""))
        with self.fake._lock:
            if given.get("oauth_signature") != expected or nonce in self.fake._nonces:
                return None
            self.fake._nonces.add(nonce)
        return TOKENS[token][1]

    def _spend(self, bucket: str) -> bool:
        fake, now = self.fake, self.fake.clock()
        with fake._lock:
            start, used = fake._windows.get((self.user, bucket), (now, 0))
            if now - start >= WINDOW:
                start, used = now, 0
            limit = fake.limits[bucket]
            fake._windows[(self.user, bucket)] = (start, used + 1)
            self.rate = (limit, max(0, limit - used - 1), int(start + WINDOW))
            return used < limit

    def answer_headers(self) -> dict[str, str]:
        if not hasattr(self, "rate"):
            return {}
        limit, left, reset = self.rate
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(left),
            "x-rate-limit-reset": str(reset),
        }

    def bill(self, item: str, n: int = 1) -> None:
        with self.fake._lock:
            if n:
                self.fake.billed[item] += n

    def invalid(self, detail: str) -> None:
        self.send(
            400,
            {
                **problem(
                    400,
                    "Invalid Request",
                    "One or more parameters to your request was invalid.",
                    "invalid-request",
                ),
                "errors": [{"message": detail, "parameters": {}}],
            },
        )

    # -- writes ------------------------------------------------------------------------------

    def create(self):
        fake, body = self.fake, self.json_body()
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return self.invalid("$.text: expected a string")
        text = body["text"]
        if not counting.fits(text):
            return self.invalid(f"Text is {counting.weighted_length(text)} weighted, over 280")
        ids = ((body.get("media") or {}).get("media_ids")) or []
        if len(ids) > 4 or any(fake.media.get(i, {}).get("_owner") != self.user for i in ids):
            return self.invalid("$.media.media_ids: at most 4 of your own uploads")
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        with fake._lock:
            if parent and parent not in fake.posts:
                return self.invalid(f"$.reply.in_reply_to_tweet_id: {parent} does not exist")
            up = fake.posts.get(parent) if parent else None
            name = f"@{self.fake.users[self.user]['username']}"
            if up and up["author_id"] != self.user and name not in up["_raw"]:
                return self.send(403, problem(403, "Forbidden", NOT_SUMMONED))
            if fake.refuse_duplicates and any(p["_raw"] == text for p in fake.live(self.user)):
                return self.send(403, problem(403, "Forbidden", DUPLICATE))
            post = fake.create(
                self.user,
                text,
                reply_to=parent,
                media_keys=[fake.media[i]["media_key"] for i in ids] or None,
            )
            self.bill("Post: Create (with URL)" if counting.has_url(text) else "Post: Create")
        if fake.on_create:
            fake.on_create(post)
        self.send(
            201,
            {
                "data": {
                    "id": post["id"],
                    "text": post["text"],
                    "edit_history_tweet_ids": [post["id"]],
                }
            },
        )

    def delete(self, pid):
        post = self.fake.posts.get(pid)
        if post is None or post["author_id"] != self.user:
            return self.send(
                404,
                problem(404, "Not Found Error", f"Could not find post {pid}", "resource-not-found"),
            )
        with self.fake._lock:
            self.fake.posts.pop(pid)
            self.fake.deleted.add(pid)
        self.bill("Interaction: Delete")
        self.send(200, {"data": {"deleted": True}})

    def upload(self):
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            return self.invalid("media: expected multipart/form-data")
        msg = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.raw
        )
        fields = {
            p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
            for p in msg.get_payload()
        }
        if not fields.get("media") or fields.get("media_category") != b"tweet_image":
            return self.invalid("media and media_category=tweet_image are required")
        with self.fake._lock:
            mid = str(next(self.fake._ids))
            self.fake.media[mid] = {
                "media_key": f"3_{mid}",
                "_owner": self.user,
                "alt": None,
                "size": len(fields["media"]),
            }
        self.bill("Content: Manage")
        self.send(
            200,
            {
                "data": {
                    "id": mid,
                    "media_key": f"3_{mid}",
                    "size": len(fields["media"]),
                    "expires_after_secs": 86400,
                }
            },
        )

    def metadata(self):
        body = self.json_body() or {}
        media = self.fake.media.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media is None or media["_owner"] != self.user:
            return self.send(
                404, problem(404, "Not Found Error", "media not found", "resource-not-found")
            )
        if not isinstance(alt, str) or len(alt) > 1000:
            return self.invalid("$.metadata.alt_text.text: 1 to 1000 characters")
        media["alt"] = alt
        self.bill("Media Metadata")
        self.send(
            200, {"data": {"id": body["id"], "associated_metadata": {"alt_text": {"text": alt}}}}
        )

    # -- reads -------------------------------------------------------------------------------

    def me(self):
        self.bill("User: Read")
        self.send(200, {"data": self.fake.users[self.user]})

    def page(self, posts: list[dict], owned: bool, token_key="pagination_token", lo=5, hi=100):
        q = self.query
        n = int(q.get("max_results", 10))
        if not lo <= n <= hi:
            return self.invalid(f"max_results: {n} is not between {lo} and {hi}")
        posts = sorted(posts, key=lambda p: int(p["id"]), reverse=True)
        if "since_id" in q:
            posts = [p for p in posts if int(p["id"]) > int(q["since_id"])]
        if "start_time" in q:
            posts = [p for p in posts if p["created_at"] >= q["start_time"]]
        excluded = {"retweets": "retweeted", "replies": "replied_to"}
        for word in filter(None, q.get("exclude", "").split(",")):
            kind = excluded.get(word)
            if kind is None:
                return self.invalid(f"exclude: {word} is not one of retweets, replies")
            posts = [p for p in posts if kind not in {r["type"] for r in _refs(p)}]
        start = int(q.get(token_key, "0") or 0)
        chunk = posts[start : start + n]
        self.bill("Owned Reads" if owned else "Posts: Read", len(chunk))
        meta = {"result_count": len(chunk)}
        if chunk:
            meta |= {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"]}
        if start + n < len(posts):
            meta["next_token"] = str(start + n)
        out = {"meta": meta}
        if chunk:
            out["data"] = [self.fake.entity(p) for p in chunk]
            out |= self.includes(chunk)
        self.send(200, out)

    def includes(self, posts: list[dict]) -> dict:
        if "author_id" not in self.query.get("expansions", ""):
            return {}
        ids = sorted({p["author_id"] for p in posts})
        return {"includes": {"users": [self.fake.users[i] for i in ids]}}

    def timeline(self, uid):
        self.page(self.fake.live(uid), owned=uid == self.user)

    def mentions(self, uid):
        name = f"@{self.fake.users[uid]['username']}"
        found = [
            p for p in list(self.fake.posts.values()) if p["author_id"] != uid and name in p["_raw"]
        ]
        self.page(found, owned=uid == self.user)

    def search(self):
        m = re.fullmatch(r"conversation_id:(\d+)", self.query.get("query", ""))
        if not m:
            return self.invalid("query: only conversation_id:<id> is faked")
        now = self.fake.clock()
        found = [
            p
            for p in list(self.fake.posts.values())
            if p["conversation_id"] == m[1]
            and p["id"] != m[1]
            and now - p["_created"] <= SEARCH_SECONDS
        ]
        self.page(found, owned=False, token_key="next_token", lo=10)

    def lookup(self):
        ids = [i for i in self.query.get("ids", "").split(",") if i]
        found = [self.fake.posts[i] for i in ids if i in self.fake.posts]
        self.bill("Posts: Read", len(found))
        out = {"data": [self.fake.entity(p) for p in found]} if found else {}
        missing = [i for i in ids if i not in self.fake.posts]
        if missing:
            out["errors"] = [self.not_found(i) for i in missing]
        self.send(200, out)

    def not_found(self, pid: str) -> dict:
        return {
            "value": pid,
            "detail": f"Could not find tweet with id: [{pid}].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "id",
            "resource_id": pid,
            "type": "https://api.x.com/2/problems/resource-not-found",
        }

    def one(self, pid):
        post = self.fake.posts.get(pid)
        if post is None:
            return self.send(200, {"errors": [self.not_found(pid)]})
        self.bill("Posts: Read")
        self.send(200, {"data": self.fake.entity(post)})

    def people(self, pid, which):
        table = self.fake.likes if which == "liking_users" else self.fake.reposts
        users = [self.fake.users[u] for u in reversed(table.get(pid, []))]
        if which == "liking_users":
            users = users[:100]  # X lists 100 likers of a post, ever
        n = int(self.query.get("max_results", 100))
        start = int(self.query.get("pagination_token", "0") or 0)
        chunk = users[start : start + n]
        self.bill("User: Read", len(chunk))
        meta = {"result_count": len(chunk)}
        if start + n < len(users):
            meta["next_token"] = str(start + n)
        self.send(200, {"data": chunk, "meta": meta} if chunk else {"meta": meta})

    def quotes(self, pid):
        found = [
            p
            for p in list(self.fake.posts.values())
            if {"type": "quoted", "id": pid} in p.get("referenced_tweets", [])
        ]
        self.page(found, owned=False, lo=10)


FakeX.Handler = Handler


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _shorten(text: str) -> tuple[str, list[dict]]:
    """Every link replaced by a t.co address, as X stores and returns a post's text."""
    out, entities, last = [], [], 0
    for start, end in counting.urls(text):
        real = text[start:end]
        real = real if real.startswith(("http://", "https://")) else f"http://{real}"
        short = "https://t.co/" + format(abs(hash(real)) % 36**10, "x")[:10]
        out.append(text[last:start])
        begin = sum(map(len, out))
        out.append(short)
        entities.append(
            {
                "start": begin,
                "end": begin + len(short),
                "url": short,
                "expanded_url": real,
                "display_url": real.split("://", 1)[1][:26],
            }
        )
        last = end
    out.append(text[last:])
    return "".join(out), entities
