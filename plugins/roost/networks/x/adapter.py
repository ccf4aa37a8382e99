"""X (API v2), with the author's own OAuth 1.0a user tokens: posts, self-threads, up to four
pictures with alt text, delete; the backfeed is ``backfeed.py``, the counting ``counting.py``,
the prices ``prices.py``.

Follows docs.x.com (x-api posts, media, users; fundamentals: authentication, rate limits,
response codes and errors, counting characters, pricing) as summarised in
shared/docs/social-apis.md section 3 and social-apis-more.md section 6:

* every request is signed with OAuth 1.0a (HMAC-SHA1) by requests-oauthlib, from four secrets in
  the environment: the app's consumer key and secret and the author's access token and secret
  (they do not expire; docs/design-notes/x.md says why this and not OAuth 2.0);
* ``POST /2/tweets`` ({text, reply.in_reply_to_tweet_id, media.media_ids}) answers 201; a long
  text goes out as a self-thread, each part replying to the one before;
* a picture is ``POST /2/media/upload`` (multipart, ``media_category=tweet_image``), then its alt
  text ``POST /2/media/metadata``, before the post that carries it;
* X has no idempotency key: the orchestrator writes an intent before each part, and before any
  retry ``find_sent`` reads the account's own posts since the intent (an owned read) for one with
  the same parent and text (X returns text HTML-escaped and with t.co links: compared as such);
  X's own "duplicate content" refusal is answered the same way;
* edits are not sent: X edits need X Premium, within the first hour (30 minutes on the edit
  page), five at most, and make a new post id (EDITS is False; the README says so);
* every billed request is counted, and refused beforehand when it would pass the monthly
  budget (``billing.py``).

Settings (``ROOST_NETWORKS["x"]``): :class:`XSettings`.
"""

from __future__ import annotations

import html
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ... import redaction
from ...model import Intent, Syndication, format_time
from ..base import Draft, Image, Network, NotConfigured, Rejected, Unauthorized
from ..errors import secret_text
from ..harvesting import parse_time
from ..http import ApiClient, PageGuard, RateHeaders
from ..own_posts import WATCH_HELP, Watching
from ..settings import NetworkSettings, setting
from . import counting, prices
from .backfeed import XBackfeed
from .own_posts import XOwnPosts

ALT_TEXT_LIMIT = 1000  # POST /2/media/metadata: alt_text.text maxLength
_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")
_KEYS = "in the X Developer Console (console.x.com), your app's Keys and tokens"


@dataclass(frozen=True)
class XSettings(NetworkSettings):
    NETWORK = "x"

    handle: str = setting(help="your X username, e.g. camille_writes")
    api: str = setting("https://api.x.com", help="the API's address")
    consumer_key_env: str = setting(
        "ROOST_X_CONSUMER_KEY",
        help="the environment variable holding the app's API key (consumer key)",
        holds=f"copy the API Key {_KEYS}",
    )
    consumer_secret_env: str = setting(
        "ROOST_X_CONSUMER_SECRET",
        help="the environment variable holding the app's API key secret",
        holds=f"copy the API Key Secret {_KEYS}",
    )
    access_token_env: str = setting(
        "ROOST_X_ACCESS_TOKEN",
        help="the environment variable holding your access token",
        holds=f"generate the Access Token and Secret {_KEYS}, with Read and write permission",
    )
    access_token_secret_env: str = setting(
        "ROOST_X_ACCESS_TOKEN_SECRET",
        help="the environment variable holding your access token secret",
        holds=f"generate the Access Token and Secret {_KEYS}, with Read and write permission",
    )
    timeout: float = setting(30.0, help="seconds to wait for each answer")
    prices: dict[str, float] | None = setting(
        None, help="X's prices in US dollars, over the defaults (docs/x.md)", unit="US dollars"
    )
    monthly_budget_usd: float | None = setting(
        None, help="stop before this month's X spend would pass this", unit="US dollars"
    )
    watch: Watching = setting("posts", help=WATCH_HELP)

    def check(self) -> list[str]:
        wrong: list[str] = []
        if not _HANDLE.fullmatch(self.handle):
            wrong.append(f'["handle"] = {self.handle!r}: expected an X username, e.g. camille')
        if not self.api.startswith(("https://", "http://")):
            wrong.append('["api"] must be an https:// address')
        for key in sorted(set(self.prices or {}) - set(prices.DEFAULTS)):
            import difflib

            near = difflib.get_close_matches(key, prices.DEFAULTS, n=1)
            hint = f'did you mean "{near[0]}"?' if near else f"known: {', '.join(prices.DEFAULTS)}"
            wrong.append(f'["prices"]["{key}"] is not an item X bills; {hint}')
        return wrong + super().check()


def read_error(r) -> tuple[int, str | None, str]:
    """X's error shapes: a problem (``type``, ``title``, ``detail``), ``{"errors": [...]}`` of
    problems or of v1.1-style ``{code, message}``; the code is the problem type's last word
    (``usage-capped``) or the number (``88``)."""
    try:
        data = r.json()
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        return r.status_code, None, redaction.clip(r.text or r.reason or "", 300)
    first = data
    if not data.get("title") and isinstance(data.get("errors"), list) and data["errors"]:
        first = data["errors"][0] if isinstance(data["errors"][0], dict) else {}
    kind = str(first.get("type") or "")
    code = kind.rstrip("/").rsplit("/", 1)[-1] if kind else None
    code = code if code and code != "about:blank" else None
    code = code or (str(first["code"]) if first.get("code") is not None else None)
    message = first.get("detail") or first.get("message") or first.get("title") or data
    return r.status_code, code, redaction.clip(str(message), 300)


class X(XBackfeed, XOwnPosts, Network):
    NAME = "x"
    SETTINGS = XSettings
    POSTS = DELETES = THREADS = OWN_POSTS = True
    EDITS = False
    MAX_IMAGES = 4
    BRINGS_HOME = frozenset({"reply", "quote", "mention", "like", "repost"})
    PRICES = prices.DEFAULTS
    CANNOT = (
        "X: edits only with X Premium, within an hour and five times, each a new post, so Roost "
        "does not edit; replies can be searched for 7 days only; likes, reposts and quotes only "
        "where the app's access allows; every request is billed (docs/x.md)"
    )

    def __init__(self, config: dict[str, Any], env=None):
        super().__init__(config, env)
        s = self.settings
        self.handle = s.handle.removeprefix("@")
        self.base = s.api.rstrip("/")
        self.api = ApiClient(
            self.NAME,
            self.base,
            env=self.env,
            secret_variable=s.access_token_env,
            asks_for="your access token",
            credentials=f"the four X secrets ({s.consumer_key_env} and the others) and the "
            "app's Read and write permission",
            rate=RateHeaders("x-rate-limit-remaining", "x-rate-limit-reset", "epoch"),
            read_error=read_error,
            timeout=s.timeout,
            sign=self._signer,
        )
        self._oauth = None
        self._me: str | None = None  # the author's user id, once asked

    def _signer(self):
        """OAuth 1.0a (HMAC-SHA1, in the Authorization header), from the four secrets."""
        if self._oauth is None:
            from requests_oauthlib import OAuth1

            s = self.settings
            names = (
                s.consumer_key_env,
                s.consumer_secret_env,
                s.access_token_env,
                s.access_token_secret_env,
            )
            values = [secret_text(self.NAME, n, redaction.read(self.env, n)) for n in names]
            missing = [n for n, v in zip(names, values, strict=True) if not v]
            if missing:
                raise NotConfigured(
                    self.NAME,
                    f"set the environment variable{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} ({_KEYS})",
                )
            self._oauth = OAuth1(*values, signature_type="AUTH_HEADER")
        return self._oauth

    def trusted_origins(self) -> set[str]:
        return {self.base}

    # -- offline -----------------------------------------------------------------------------

    def fits(self, text: str) -> bool:
        return counting.fits(text)

    def protected(self, text: str) -> list[tuple[int, int]]:
        return counting.protected(text)

    def too_long(self, text: str) -> str:
        return f"the text is {counting.weighted_length(text)} weighted characters, over X's 280"

    def measure(self, text: str) -> str:
        return f"{counting.weighted_length(text)}/{counting.LIMIT} weighted"

    def cost(self, draft: Draft, parts: list[int] | None = None) -> float:
        wanted = range(len(draft.parts)) if parts is None else parts
        return sum(self.meter.cost(self._items(draft, part)) for part in wanted)

    def _items(self, draft: Draft, part: int) -> dict[str, int]:
        images = len(draft.images) if part == 0 else 0
        return prices.for_part(draft.parts[part], images, counting.has_url)

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        body: dict[str, Any] = {"text": draft.parts[part]}
        if reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": reply_to.id}
        media = draft.images if part == 0 else []
        if media:
            body["media"] = {"media_ids": [f"<upload of {i.path.name}>" for i in media]}
        return {
            "method": "POST",
            "url": f"{self.base}/2/tweets",
            "json": body,
            "media": [{"file": i.path.name, "alt_text": _alt(i.alt)} for i in media],
            "weighted_length": counting.weighted_length(draft.parts[part]),
            "cost_usd": round(self.meter.cost(self._items(draft, part)), 6),
        }

    # -- posting -----------------------------------------------------------------------------

    def intent_extra(self, draft: Draft, part: int, started: datetime) -> dict:
        return {"text": draft.parts[part]}

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        # The whole part's price is checked before its first request: no picture is uploaded
        # for a post the budget would then refuse.
        self.meter.check(
            self.meter.cost(self._items(draft, part)), f"{draft.post_key} part {part + 1}"
        )
        body = self.request(draft, part, reply_to)["json"]
        if "media" in body:
            body["media"]["media_ids"] = [self._upload(image) for image in draft.images]
        self.meter.spend(
            "post_create_with_url" if counting.has_url(body["text"]) else "post_create"
        )
        try:
            answer = self.api.call("POST", "/2/tweets", json=body, ok=(201, 200)).data
        except Unauthorized as e:
            if not _duplicate(e):
                raise
            # X keeps one post per text: an earlier attempt went through after all.
            found = intent and self.find_sent(draft, part, reply_to, intent)
            if found:
                return found
            raise Rejected(
                self.NAME,
                f"{draft.post_key}: X refused part {part + 1} as a duplicate of a post of yours "
                "it could not find since the attempt began; change its text",
                status=403,
            ) from None
        return self._syndication(str(answer["data"]["id"]), draft.content_hash, part)

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The account's own post an earlier attempt made: posted since the attempt began (ten
        minutes' grace for clocks), answering the same parent, with the same text as X shows it
        (escaped, links as t.co)."""
        text = _comparable(str(intent.extra.get("text") or draft.parts[part]))
        parent = reply_to.id if reply_to is not None else None
        since = parse_time(intent.started) - timedelta(minutes=10)
        for post in self._own_posts_since(since):
            from .reading import parent_of

            if parent_of(post) == parent and _comparable(html.unescape(post["text"])) == text:
                return self._syndication(str(post["id"]), intent.sent_hash, part)
        return None

    def delete(self, copy: Syndication) -> None:
        self.meter.spend("post_delete")
        self.api.delete(f"/2/tweets/{copy.id}")

    def check(self) -> str:
        return "@" + str(self._whoami()["username"])

    # -- helpers -----------------------------------------------------------------------------

    def _whoami(self) -> dict:
        self.meter.spend("user_read")
        user = self.api.get("/2/users/me")["data"]
        self._me = str(user["id"])
        return user

    def me(self) -> str:
        if self._me is None:
            self._whoami()
        return self._me

    def _own_posts_since(self, since: datetime):
        """The account's posts from ``since`` on, newest first (owned reads, paged)."""
        params = {
            "max_results": 100,
            "start_time": format_time(since.astimezone(UTC)),
            "tweet.fields": "created_at,referenced_tweets,conversation_id",
        }
        guard = PageGuard(self.NAME, "your recent posts", most=20)
        token = None
        while True:
            guard.next(token)
            self.meter.check(self.meter.price("owned_read", 100), "reading your recent posts")
            query = {**params, **({"pagination_token": token} if token else {})}
            page = self.api.get(f"/2/users/{self.me()}/tweets", params=query) or {}
            posts = page.get("data") or []
            self.meter.charge("owned_read", len(posts))
            yield from posts
            token = (page.get("meta") or {}).get("next_token")
            if not token or not posts:
                return

    def _syndication(self, post_id: str, sent_hash: str, part: int) -> Syndication:
        return Syndication(
            network=self.NAME,
            id=post_id,
            url=f"https://x.com/{self.handle}/status/{post_id}",
            published=format_time(datetime.now(UTC)),
            sent_hash=sent_hash,
            part=part,
        )

    def _upload(self, image: Image) -> str:
        """One picture: uploaded, then its alt text; the media id."""
        mime = mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"
        self.meter.spend("media_upload")
        with image.path.open("rb") as f:
            media = self.api.call(
                "POST",
                "/2/media/upload",
                files={"media": (image.path.name, f, mime)},
                data={"media_category": "tweet_image", "media_type": mime},
            ).data
        media_id = str(media["data"]["id"])
        if image.alt:
            self.meter.spend("media_metadata")
            alt = {"id": media_id, "metadata": {"alt_text": {"text": _alt(image.alt)}}}
            self.api.call("POST", "/2/media/metadata", json=alt)
        return media_id


def _alt(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def _duplicate(e: Unauthorized) -> bool:
    return e.status == 403 and "duplicate" in e.message.lower()


def _comparable(text: str) -> str:
    """A text as X shows it back, for matching: every link one token (X makes them t.co),
    whitespace squashed, NFC."""
    import unicodedata

    spans = counting.urls(text)
    for start, end in reversed(spans):
        text = text[:start] + "\x00link\x00" + text[end:]
    text = re.sub(r"https://t\.co/\w+", "\x00link\x00", text)
    return " ".join(unicodedata.normalize("NFC", text).split())
