"""Bluesky: posts with facets, link cards, threads, exactly once by record keys Roost chooses;
replies (every depth), quotes, likes, reposts and mentions brought home.

Follows the lexicons (com.atproto.server.createSession/refreshSession, com.atproto.repo.putRecord
/getRecord/deleteRecord/uploadBlob, com.atproto.identity.resolveHandle, app.bsky.feed.post,
app.bsky.embed.external/images, app.bsky.notification.listNotifications, app.bsky.feed
getPostThread/getLikes/getRepostedBy/getQuotes, app.bsky.actor.getProfiles) as summarised in
shared/docs/social-apis.md section 2, checked against the reference servers (@atproto/dev-env):

* **exactly once**: before a part is first sent the ledger records an intent with the time of
  sending and a record key made from it (``post_record.rkey_for``); the part is written with
  ``putRecord`` and ``"swapRecord": null`` ("create only if absent"), the same bytes on every
  attempt (``createdAt`` is the intent's time: the copy is dated when it went out, not when the
  article was written). A record already there answers ``InvalidSwap`` and is read back; a later
  run that finds the intent with no copy asks ``getRecord`` for that key (``find_sent``);
* **text**: 300 graphemes and 3,000 bytes; facets for links, mentions and tags (``richtext``);
  a link card on the first part, or with ``"embed": "images"`` the picture itself;
* **session**: ``session.py``; **the backfeed** reads notifications newest first down to the
  stored high-water mark, then the whole thread of each active post (a reply notifies only the
  four ancestors above it). Evidence of a deletion: ``NotFound`` for the post's own thread, a
  ``notFoundPost`` in a thread, a like or repost missing from a complete list. Pictures come
  from the replier's own PDS (found through their DID document, by the guarded fetch).

Settings (``ROOST_NETWORKS["bluesky"]``): :class:`BlueskySettings`. Views become records in
``reading.py``; a post becomes a record in ``post_record.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ...model import Intent, Syndication, format_time
from ..base import Draft, Network, Rejected, Unavailable
from ..http import ApiClient, RateHeaders, json_error
from ..own_posts import WATCH_HELP, Watching
from ..settings import NetworkSettings, followers_setting, setting
from . import post_record, richtext
from .backfeed import BlueskyBackfeed
from .followers import BlueskyFollowers
from .own_posts import BlueskyOwnPosts
from .post_record import COLLECTION, fits, shorten_links, tid  # noqa: F401 (tests and tools)
from .session import Session, expired

DID_DOCUMENT_BYTES = 64 * 1024  # real ones are under 2 KB
REASONS = ("like", "repost", "reply", "quote", "mention")


@dataclass(frozen=True)
class BlueskySettings(NetworkSettings):
    NETWORK = "bluesky"

    handle: str = setting(help="your handle, e.g. camille.bsky.social")
    service: str = setting("https://bsky.social", help="your PDS (where your account lives)")
    password_env: str = setting(
        "ROOST_BLUESKY_APP_PASSWORD",
        help="the environment variable holding an app password",
        holds="create one under Settings > Privacy and security > App passwords (never your "
        "account password)",
    )
    app_url: str = setting("https://bsky.app", help="where the copies are linked")
    language: str | None = setting(None, help="a language code; default: the post's language")
    embed: Literal["card", "images"] = setting(
        "card", help="a link card with the post's picture, or the picture itself"
    )
    session_cache: str | None = setting(
        None, help="where the session is kept (default ~/.cache/roost/bluesky-<handle>.json)"
    )
    timeout: float = setting(30.0, help="seconds to wait for each answer")
    plc: str = setting(
        "https://plc.directory", help="the DID directory, to find where repliers' pictures live"
    )
    followers: bool = followers_setting()
    watch: Watching = setting("posts", help=WATCH_HELP)

    def check(self) -> list[str]:
        wrong = [
            f'["{name}"] must be an https:// address'
            for name in ("service", "app_url", "plc")
            if not getattr(self, name).startswith(("https://", "http://"))
        ]
        return wrong + super().check()


class Bluesky(BlueskyOwnPosts, BlueskyBackfeed, BlueskyFollowers, Network):
    NAME = "bluesky"
    SETTINGS = BlueskySettings
    # No official edit: likes and replies point at the old record's CID.
    POSTS = DELETES = THREADS = True
    MAX_IMAGES = 1
    BRINGS_HOME = frozenset({"reply", "quote", "mention", "like", "repost"})
    PROFILES = OWN_POSTS = True
    FOLLOWERS = True
    REASONS = REASONS

    def __init__(self, config: dict[str, Any], env=None):
        super().__init__(config, env)
        settings = self.settings
        self.handle = settings.handle.lstrip("@")
        self.service = settings.service.rstrip("/")
        self.app_url = settings.app_url.rstrip("/")
        self.plc = settings.plc.rstrip("/")
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "roost"
        self.session_cache = Path(settings.session_cache or cache / f"bluesky-{self.handle}.json")
        self.api = ApiClient(
            self.NAME,
            f"{self.service}/xrpc",
            env=self.env,
            secret_variable=settings.password_env,
            asks_for="an app password",
            credentials=f"the app password in {settings.password_env}",
            rate=RateHeaders("RateLimit-Remaining", "RateLimit-Reset", "epoch"),
            read_error=_read_error,
            timeout=settings.timeout,
            auth=lambda: self.session.authorization(),
            expired=expired,
            refresh=lambda: self.session.refresh(),
        )
        self.session = Session(self.api, self.handle, self.service, self.session_cache)
        self._blobs: dict[Path, dict] = {}
        self._dids: dict[str, str | None] = {}
        self._homes: dict[str, str | None] = {}  # DID -> its PDS, for attached pictures
        self.me: str | None = None  # the author's DID, once an answer has shown it

    def trusted_origins(self) -> set[str]:
        return {self.service, self.plc}

    # -- offline -----------------------------------------------------------------------------

    def fits(self, text: str) -> bool:
        return fits(text)

    def protected(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for s, e, _, _ in richtext.spans(text)]

    def too_long(self, text: str) -> str:
        shown = shorten_links(text)[0]
        return (
            f"the text is {richtext.graphemes(shown)} graphemes and {len(shown.encode())} bytes, "
            "over 300 and 3,000"
        )

    def intent_extra(self, draft: Draft, part: int, started: datetime) -> dict:
        # The record key is chosen once, from the moment of the first attempt: every attempt, in
        # any run, writes the same record to the same key, and a later run can look it up.
        return {"rkey": post_record.rkey_for(draft.post_key, self.NAME, part, started)}

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        return self._put_body(draft, part, reply_to, self._intent(draft, part, None), False)

    def _intent(self, draft: Draft, part: int, intent: Intent | None) -> Intent:
        return intent or self.intent(draft, part, datetime.now(UTC))

    def _put_body(self, draft, part, reply_to, intent: Intent, online: bool) -> dict:
        record = post_record.record(
            draft,
            part,
            reply_to,
            intent,
            embed=self.settings.embed,
            did_of=self._resolve if online else (lambda handle: f"<did of @{handle}>"),
            blob=self._blob if online else (lambda path: f"<blob of {path.name}>"),
        )
        return {
            "method": "POST",
            "url": f"{self.service}/xrpc/com.atproto.repo.putRecord",
            "json": {
                "repo": self.session.did if online else self.handle,
                "collection": COLLECTION,
                "rkey": intent.extra["rkey"],
                "validate": True,
                "record": record,
                "swapRecord": None,  # create only if absent: the exactly-once primitive
            },
        }

    # -- posting -----------------------------------------------------------------------------

    def connect(self) -> None:
        self.session.ensure()

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        intent = self._intent(draft, part, intent)
        body = self._put_body(draft, part, reply_to, intent, online=True)["json"]
        try:
            result = self.api.post("/com.atproto.repo.putRecord", json=body)
        except Rejected as e:
            if e.code != "InvalidSwap":
                raise
            # Already there: an earlier attempt got through. Read it back, and make sure it is
            # this post's (same text, or same link or thread for a post edited meanwhile).
            result = self._get_record(body["repo"], body["rkey"])
            if result is None or not post_record.same_post(result.get("value", {}), body["record"]):
                raise Rejected(
                    self.NAME,
                    f"record key {body['rkey']} already holds another post; "
                    f"{draft.post_key} was not sent",
                ) from None
        return self._copy(result, part, reply_to, body["rkey"], intent.sent_hash)

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The record at the intent's own key, if an earlier attempt wrote it: one request."""
        rkey = str(intent.extra.get("rkey", ""))
        found = self._get_record(self.session.did, rkey) if rkey else None
        if found is None:
            return None
        return self._copy(found, part, reply_to, rkey, intent.sent_hash)

    def delete(self, copy: Syndication) -> None:
        rkey = copy.extra.get("rkey") or copy.id.rsplit("/", 1)[-1]
        self.api.post(
            "/com.atproto.repo.deleteRecord",
            json={"repo": self.session.did, "collection": COLLECTION, "rkey": rkey},
        )

    def _get_record(self, repo: str, rkey: str) -> dict | None:
        try:
            return self.api.get(
                "/com.atproto.repo.getRecord",
                params={"repo": repo, "collection": COLLECTION, "rkey": rkey},
            )
        except Rejected as e:
            if e.code == "RecordNotFound" or e.status == 404:
                return None
            raise

    def _copy(self, result: dict, part, reply_to, rkey: str, sent_hash: str) -> Syndication:
        uri, cid = result.get("uri"), result.get("cid")
        if not uri or not cid:
            raise Unavailable(self.NAME, "the answer has no record uri")
        root_uri = reply_to.extra.get("root_uri", reply_to.id) if reply_to else uri
        root_cid = reply_to.extra.get("root_cid", reply_to.extra.get("cid")) if reply_to else cid
        return Syndication(
            network=self.NAME,
            id=uri,
            url=f"{self.app_url}/profile/{self.session.ensure()['handle']}/post/{rkey}",
            published=format_time(datetime.now(UTC)),
            sent_hash=sent_hash,
            part=part,
            extra={"cid": cid, "rkey": rkey, "root_uri": root_uri, "root_cid": root_cid},
        )

    def _resolve(self, handle: str) -> str | None:
        if handle not in self._dids:
            try:
                data = self.api.get(
                    "/com.atproto.identity.resolveHandle", params={"handle": handle}
                )
                self._dids[handle] = data.get("did")
            except Rejected:
                self._dids[handle] = None
        return self._dids[handle]

    def _blob(self, path: Path) -> dict:
        if path not in self._blobs:
            data, mime = post_record.thumbnail(path)
            result = self.api.post(
                "/com.atproto.repo.uploadBlob", data=data, headers={"Content-Type": mime}
            )
            self._blobs[path] = result["blob"]
        return self._blobs[path]

    def check(self) -> str:
        """One call: signing in with the app password proves it; a cached session is asked
        whether it still works (getSession, refreshed if it expired)."""
        signed_in = self.session.sign_ins
        data = self.session.ensure()
        if self.session.sign_ins > signed_in:
            return "@" + str(data.get("handle", self.handle))
        data = self.api.get("/com.atproto.server.getSession")
        return "@" + str(data.get("handle", self.handle))


def _read_error(r) -> tuple[int, str | None, str]:
    """XRPC's error shape; "AuthenticationRequired" (a refused password) means 401."""
    status, code, message = json_error("message", "error")(r)
    return (401 if code == "AuthenticationRequired" else status), code, message
