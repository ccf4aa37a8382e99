"""Mastodon (and servers with its API: GoToSocial, Pleroma, Akkoma): statuses with pictures and
alt text, threads, edits, deletes; replies, quotes, likes, reposts and mentions brought home.

Follows docs.joinmastodon.org (methods/statuses, media, instance, notifications, accounts) as
summarised in shared/docs/social-apis.md section 1:

* the length limit is the instance's own (``GET /api/v2/instance``), counted by Mastodon's rules
  (``counting.py``); offline, what it said on the last online run, or the setting, or 500;
* every status carries an ``Idempotency-Key`` made from the post, the network, the part and the
  content; past the key's hour (and on servers that ignore it), ``find_sent`` reads the
  account's own statuses since the intent (same parent, same text, else the same ``/source``);
* pictures go to ``POST /api/v2/media`` with their alt text (a 202 is polled until processed);
  an edit lists them again (Mastodon drops every attachment an edit leaves out);
* the backfeed reads notifications forward from a cursor (``min_id``), the whole thread of an
  active post (``context``), and the like, repost and quote lists whose counts changed.
  Evidence of a deletion: a reply or quote missing from a complete crawl is looked up and only a
  404 removes it; a like or repost missing from a complete list is gone.

Settings (``ROOST_NETWORKS["mastodon"]``): :class:`MastodonSettings`. Entities become records in
``reading.py``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from ...model import Intent, Syndication, format_time
from ..base import Draft, Image, MissingScopes, Network, Rejected, Unauthorized, Unavailable
from ..compose import plain_text
from ..harvesting import (
    parse_time,
)
from ..http import ApiClient, RateHeaders, json_error
from ..own_posts import WATCH_HELP, Watching
from ..settings import NetworkSettings, followers_setting, setting
from . import reading
from .backfeed import MastodonBackfeed
from .counting import entities, gotosocial_length, status_length
from .followers import MastodonFollowers
from .own_posts import MastodonOwnPosts

DEFAULT_LIMIT = 500
LOOKUPS_A_RUN = 20  # profiles without a stored account id, looked up one by one
#: What the token needs: posting (write:statuses, write:media) and the backfeed (the rest).
SCOPES = ("read:accounts", "read:notifications", "read:statuses", "write:statuses", "write:media")
NOTIFICATION_TYPES = ("mention", "favourite", "reblog", "quote", "update")


@dataclass(frozen=True)
class MastodonSettings(NetworkSettings):
    NETWORK = "mastodon"
    RETIRED = {"look_before_posting": "Roost now always looks before sending a part again"}

    instance: str = setting(help="your server's address, e.g. https://mastodon.social")
    token_env: str = setting(
        "ROOST_MASTODON_TOKEN",
        help="the environment variable holding the access token",
        holds="create one under Preferences > Development > New application with the scopes "
        f"{' '.join(SCOPES)}",
    )
    visibility: Literal["public", "unlisted", "private"] = setting(
        "public", help="who sees the copies"
    )
    language: str | None = setting(None, help="ISO 639-1 code; default: the post's language")
    edit: bool = setting(True, help="edit a copy in place when its post changes")
    timeout: float = setting(30.0, help="seconds to wait for each answer")
    max_characters: int | None = setting(
        None, help="the server's limit, until it is asked (default: what it said last, or 500)"
    )
    counting: Literal["mastodon", "gotosocial"] = setting(
        "mastodon", help="how the server counts: gotosocial counts code points, links in full"
    )
    followers: bool = followers_setting()
    watch: Watching = setting("posts", help=WATCH_HELP)

    def check(self) -> list[str]:
        wrong: list[str] = []
        if not self.instance.startswith(("https://", "http://")):
            wrong.append('["instance"] must be an https:// address, e.g. https://mastodon.social')
        if self.max_characters is not None and not 1 <= self.max_characters <= 1_000_000:
            wrong.append(f'["max_characters"] = {self.max_characters}: expected 1 to 1,000,000')
        return wrong + super().check()


class Mastodon(MastodonOwnPosts, MastodonBackfeed, MastodonFollowers, Network):
    NAME = "mastodon"
    SETTINGS = MastodonSettings
    POSTS = EDITS = DELETES = THREADS = True
    MAX_IMAGES = 4
    BRINGS_HOME = frozenset({"reply", "quote", "mention", "like", "repost"})
    PROFILES = OWN_POSTS = True
    FOLLOWERS = True

    def __init__(self, config: dict[str, Any], env=None):
        super().__init__(config, env)
        settings = self.settings
        self.base = settings.instance.rstrip("/")
        self.host = urlsplit(self.base).hostname or ""
        self.max_characters = settings.max_characters or DEFAULT_LIMIT
        self.url_weight = 23
        self.api = ApiClient(
            self.NAME,
            self.base,
            env=self.env,
            secret_variable=settings.token_env,
            asks_for="an access token",
            credentials=f"the token in {settings.token_env}, and its scopes",
            rate=RateHeaders("X-RateLimit-Remaining", "X-RateLimit-Reset", "iso"),
            read_error=json_error("error"),
            timeout=settings.timeout,
        )
        self._account_id: str | None = None
        self.me: str | None = None  # the author's person id, once an answer has shown it
        self.still_fetching = False  # the last context answer said more replies are coming

    def can_edit(self) -> bool:
        return self.EDITS and self.settings.edit

    def trusted_origins(self) -> set[str]:
        return {self.base}

    # -- offline -----------------------------------------------------------------------------

    def length(self, text: str) -> int:
        if self.settings.counting == "gotosocial":
            return gotosocial_length(text)
        return status_length(text, url_weight=self.url_weight)

    def fits(self, text: str) -> bool:
        return self.length(text) <= self.max_characters

    def protected(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for s, e, _ in entities(text)]

    def too_long(self, text: str) -> str:
        return (
            f"the text is {self.length(text)} characters, over this server's {self.max_characters}"
        )

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        body: dict[str, Any] = {"status": draft.parts[part], "visibility": self.settings.visibility}
        if draft.language:
            body["language"] = draft.language
        if reply_to is not None:
            body["in_reply_to_id"] = reply_to.id
        if part == 0 and draft.images:
            body["media_ids"] = [f"<upload of {i.path.name}>" for i in draft.images]
        return {
            "method": "POST",
            "url": f"{self.base}/api/v1/statuses",
            "headers": {"Idempotency-Key": draft.part_key(part)},
            "json": body,
            "media": [{"file": i.path.name, "description": i.alt} for i in draft.images]
            if part == 0
            else [],
        }

    def limits(self) -> dict:
        return {
            "max_characters": self.max_characters,
            "characters_reserved_per_url": self.url_weight,
            "max_media_attachments": self.max_images,
        }

    def apply_limits(self, limits: dict) -> None:
        def number(key: str, current: int) -> int:
            value = limits.get(key)
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**7
            return value if ok else current

        self.max_characters = number("max_characters", self.max_characters)
        self.url_weight = number("characters_reserved_per_url", self.url_weight)
        self.max_images = number("max_media_attachments", self.max_images)

    # -- posting -----------------------------------------------------------------------------

    def connect(self) -> None:
        """Read the server's limits (``/api/v2/instance``) before composing for real."""
        data = self.api.get("/api/v2/instance", auth=False)
        conf = data.get("configuration", {}) if isinstance(data, dict) else {}
        statuses = conf.get("statuses", {}) if isinstance(conf, dict) else {}
        keys = ("max_characters", "characters_reserved_per_url", "max_media_attachments")
        self.apply_limits({k: statuses.get(k) for k in keys})

    def intent_extra(self, draft: Draft, part: int, started: datetime) -> dict:
        # The text to look for, should this part have to be looked up after a crash: the post
        # may be edited before the next run, and what counts is what this attempt sends.
        return {"text": draft.parts[part]}

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        req = self.request(draft, part, reply_to)
        body = req["json"]
        media = []
        if "media_ids" in body:
            media = [(self._upload(image), image) for image in draft.images]
            body["media_ids"] = [media_id for media_id, _ in media]
        status = self.api.post("/api/v1/statuses", json=body, headers=req["headers"])
        copy = self._syndication(status, draft.content_hash, part)
        _remember_media(copy, media)
        return copy

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The account's own status that an earlier attempt made, if there is one: posted since
        the attempt began (a few minutes' grace for clocks), in the same place (the same parent),
        with the same text. Mastodon forgets an Idempotency-Key after an hour; this does not."""
        text = str(intent.extra.get("text") or draft.parts[part])
        parent = reply_to.id if reply_to is not None else None
        since = parse_time(intent.started) - timedelta(minutes=10)
        for status in self._own_statuses_since(since):
            if str(status.get("in_reply_to_id") or "") != str(parent or ""):
                continue
            if _squash(plain_text(str(status.get("content", "")))) == _squash(text) or (
                self._source_text(str(status["id"])) == text
            ):
                copy = self._syndication(status, intent.sent_hash, part)
                ids = [str(m.get("id")) for m in status.get("media_attachments") or []]
                _remember_media(copy, list(zip(ids, draft.images, strict=False)))
                return copy
        return None

    def update_part(self, draft: Draft, part: int, copy: Syndication) -> Syndication:
        """Edit a copy in place, keeping what it carries: Mastodon removes every attachment an
        edit does not list again (``media_ids``), so the current ones are listed, a changed alt
        text goes in ``media_attributes``, and a new picture is uploaded."""
        body: dict[str, Any] = {"status": draft.parts[part]}
        if draft.language:
            body["language"] = draft.language
        media: list[tuple[str, Image]] = []
        if part == 0 and draft.images:
            media, attributes = self._media_kept(draft, copy)
            body["media_ids"] = [media_id for media_id, _ in media]
            if attributes:
                body["media_attributes"] = attributes
        try:
            status = self.api.call("PUT", f"/api/v1/statuses/{copy.id}", json=body).data
        except Rejected as e:
            if e.status != 404:
                raise
            raise Rejected(
                self.NAME,
                f"{copy.url} is gone from the server, so the edit cannot reach it; "
                f"`roost unsyndicate {draft.post_key} --network mastodon` forgets it",
                status=404,
            ) from None
        updated = self._syndication(status, draft.content_hash, part)
        updated.published = copy.published  # when it was first posted
        _remember_media(updated, media)
        return updated

    def _media_kept(self, draft: Draft, copy: Syndication):
        """(the attachments the edited copy keeps, as (id, image); the alt texts to change)."""
        current = self.api.get(f"/api/v1/statuses/{copy.id}")
        attached = [
            (str(m.get("id")), str(m.get("description") or ""))
            for m in current.get("media_attachments") or []
        ]
        kept, media, attributes = copy.extra.get("media") or [], [], []
        for i, image in enumerate(draft.images):
            same_file = i < len(kept) and kept[i].get("sha256") == _file_hash(image.path)
            unknown = i >= len(kept)  # a copy recorded before Roost kept its media
            if i < len(attached) and (same_file or unknown):
                media_id, alt = attached[i]
                if alt != image.alt:
                    attributes.append({"id": media_id, "description": image.alt})
            else:
                media_id = self._upload(image)
            media.append((media_id, image))
        return media, attributes

    def delete(self, copy: Syndication) -> None:
        self.api.delete(f"/api/v1/statuses/{copy.id}")

    def check(self) -> str:
        """The account, once the token is shown to work and to hold every scope Roost needs
        (``/api/v1/apps/verify_credentials`` lists them since Mastodon 4.3)."""
        who = "@" + str(self.api.get("/api/v1/accounts/verify_credentials")["acct"])
        try:
            app = self.api.get("/api/v1/apps/verify_credentials")
        except (Unauthorized, Rejected):  # before 4.3: asks for all of "read", or is absent
            app = {}
        granted = app.get("scopes") if isinstance(app, dict) else None
        if not isinstance(granted, list):
            return f"{who} (this server does not list the token's scopes)"
        missing = missing_scopes(SCOPES, {str(g) for g in granted})
        if missing:
            raise MissingScopes(self.NAME, f"the scopes {' '.join(missing)}", status=403)
        return who

    # -- helpers -----------------------------------------------------------------------------

    def _own_statuses_since(self, since: datetime):
        """The account's statuses, newest first, back to ``since`` (Link paging by max_id)."""
        if self._account_id is None:
            self._account_id = str(self.api.get("/api/v1/accounts/verify_credentials")["id"])
        url = f"/api/v1/accounts/{self._account_id}/statuses?limit=40"
        for _page in range(50):  # 2,000 statuses: more than anyone posts between two runs
            page = self.api.get(url)
            if not isinstance(page, list) or not page:
                return
            for status in page:
                if parse_time(status["created_at"]) < since:
                    return
                yield status
            if len(page) < 40:
                return  # a short page is the last
            oldest = min((str(s["id"]) for s in page), key=reading.id_order)
            url = f"/api/v1/accounts/{self._account_id}/statuses?limit=40&max_id={oldest}"
        raise Unavailable(
            self.NAME, "could not read back far enough to tell whether a part was sent"
        )

    def _source_text(self, status_id: str) -> str | None:
        """The text a status was written with (mentions keep their domain, unlike its HTML)."""
        try:
            return str(self.api.get(f"/api/v1/statuses/{status_id}/source").get("text"))
        except Rejected:
            return None

    def _syndication(self, status: dict, sent_hash: str, part: int) -> Syndication:
        try:
            return Syndication(
                network=self.NAME,
                id=str(status["id"]),
                url=str(status.get("url") or status["uri"]),
                published=format_time(datetime.now(UTC)),
                sent_hash=sent_hash,
                part=part,
            )
        except (KeyError, TypeError):
            raise Unavailable(self.NAME, "the server's answer has no status id") from None

    def _upload(self, image: Image) -> str:
        mime = mimetypes.guess_type(image.path.name)[0] or "application/octet-stream"
        with image.path.open("rb") as f:
            media = self.api.call(
                "POST",
                "/api/v2/media",
                ok=(200, 202),
                files={"file": (image.path.name, f, mime)},
                data={"description": image.alt},
            ).data
        media_id = str(media["id"])
        deadline = time.monotonic() + 60
        while media.get("url") is None:  # 202: still processing; 206 from the poll
            if time.monotonic() > deadline:
                raise Unavailable(self.NAME, f"{image.path.name} was still processing after 60 s")
            time.sleep(0.5)
            media = self.api.call("GET", f"/api/v1/media/{media_id}", ok=(200, 206)).data
        return media_id


def missing_scopes(needed, granted: set[str]) -> list[str]:
    """The needed scopes not granted, where ``read`` grants every ``read:...`` (and so on)."""
    return [s for s in needed if s not in granted and s.split(":")[0] not in granted]


def _file_hash(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remember_media(copy: Syndication, media: list) -> None:
    """Which attachment is which picture, so an edit keeps them (``update_part``)."""
    if media:
        copy.extra["media"] = [
            {"id": media_id, "sha256": _file_hash(image.path), "alt": image.alt}
            for media_id, image in media
        ]


def _squash(text: str) -> str:
    return "".join(text.split())
