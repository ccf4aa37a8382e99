"""Posting to Bluesky: posts with facets, link cards, threads, exactly once by our own record key.

Follows the lexicons (com.atproto.server.createSession/refreshSession, com.atproto.repo.putRecord
/getRecord/deleteRecord/uploadBlob, com.atproto.identity.resolveHandle, app.bsky.feed.post,
app.bsky.embed.external/images) as summarised in shared/docs/social-apis.md section 2, and was
checked against the reference PDS (@atproto/dev-env) in the tests:

* **exactly once**: before a part is first sent, the ledger records an intent with the time of
  sending and a record key (a TID) made from that time, the post and the part; the part is
  written with ``putRecord`` and ``"swapRecord": null`` ("create only if absent"). Every attempt
  sends the same bytes (``createdAt`` is the intent's time, so the copy is dated when it went
  out, not when the article was written; the thumbnail the same resized bytes, so the same
  blob): a retry answers 200 with the same record, a record already there ``InvalidSwap``, which
  is read back with ``getRecord`` and counted as posted. A later run that finds the intent with
  no copy asks ``getRecord`` for that key before anything else (``find_sent``);
* **text**: 300 graphemes and 3,000 bytes; links longer than 30 characters are shown shortened,
  their facet keeping the whole address; facets for links, mentions (handles resolved to DIDs;
  a handle that does not resolve stays plain text) and tags, with UTF-8 byte offsets;
* **link card** on the first part (title, description, the post's image as a thumbnail under
  1 MB), or with ``"embed": "images"`` the image itself with its alt text;
* **session**: created once with the app password, cached in the user's cache folder (never in
  the repository), refreshed when the access token expires (a 400 ``ExpiredToken``), created
  anew only when the refresh token is refused.

Settings (``ROOST_NETWORKS["bluesky"]``): :class:`BlueskySettings`.
"""

from __future__ import annotations

import io
import json
import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import requests

from ... import redaction
from ...archive import Harvest
from ...model import Intent, Interaction, Media, Person, Syndication, format_time, parse_time
from ..base import (
    Activity,
    Draft,
    Hints,
    Mention,
    Network,
    NotConfigured,
    RateLimited,
    Rejected,
    Unauthorized,
    Unavailable,
    add_reactions,
    asks_not_to_be_archived,
    error_for,
    gone_on_evidence,
    lists_to_read,
    secret_text,
)
from ..guarded_fetch import FetchError, GuardedFetcher
from ..settings import NetworkSettings, setting
from . import richtext

COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
SHOWN_URL = 30  # longer links are shown shortened
THUMB_BYTES = 1_000_000
DID_DOCUMENT_BYTES = 64 * 1024  # real ones are under 2 KB


def tid(when: datetime, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 bits of clock id."""
    micros = int(when.timestamp() * 1_000_000)
    value = (micros << 10) | (clock_id & 0x3FF)
    out = ""
    for _ in range(13):
        out = TID_ALPHABET[value & 31] + out
        value >>= 5
    return out


def shorten_links(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The text as shown (long links shortened) and its facets, offsets in the shown text."""
    shown, facets, shift = text, [], 0
    for start, end, kind, value in richtext.spans(text):
        start, end = start + shift, end + shift
        if kind == "link" and end - start > SHOWN_URL:
            display = shown[start:end].split("://", 1)[-1]
            display = display[: SHOWN_URL - 1] + "…" if len(display) > SHOWN_URL else display
            shown = shown[:start] + display + shown[end:]
            shift += len(display) - (end - start)
            end = start + len(display)
        facets.append((start, end, kind, value))
    return shown, facets


def fits(text: str) -> bool:
    return richtext.fits(shorten_links(text)[0])


@dataclass(frozen=True)
class BlueskySettings(NetworkSettings):
    NETWORK = "bluesky"

    handle: str = setting(help="your handle, e.g. camille.bsky.social")
    service: str = setting("https://bsky.social", help="your PDS (where your account lives)")
    password_env: str = setting(
        "ROOST_BLUESKY_APP_PASSWORD",
        help="the environment variable holding an app password",
        holds="an app password: Settings, Privacy and security, App passwords, Add (never "
        "your account password)",
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

    def check(self) -> list[str]:
        wrong = [
            f'["{name}"] must be an https:// address'
            for name in ("service", "app_url", "plc")
            if not getattr(self, name).startswith(("https://", "http://"))
        ]
        if not self.timeout <= 600:
            wrong.append(f'["timeout"] = {self.timeout}: expected at most 600 seconds')
        return wrong


class Bluesky(Network):
    NAME = "bluesky"
    CAN_EDIT = False  # no official edit: likes and replies point at the old record's CID
    SETTINGS = BlueskySettings

    def __init__(self, config: dict[str, Any], env: dict[str, str] | None = None):
        super().__init__(config)
        settings = self.settings = self.parse_settings(config)
        self.handle = settings.handle.lstrip("@")
        self.service = settings.service.rstrip("/")
        self.password_env = settings.password_env
        self.SECRETS = (self.password_env,)
        self.app_url = settings.app_url.rstrip("/")
        self.embed = settings.embed
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "roost"
        self.session_cache = Path(settings.session_cache or cache / f"bluesky-{self.handle}.json")
        self.timeout = settings.timeout
        self.env = os.environ if env is None else env
        self._session: dict | None = None
        self._blobs: dict[Path, dict] = {}
        self._dids: dict[str, str | None] = {}
        self.me: str | None = None  # the author's DID, once an answer has shown it
        self._spent_until: datetime | None = None  # RateLimit-Remaining reached 0 until then
        self._sign_ins = 0  # sessions created with the app password by this adapter
        self.plc = settings.plc.rstrip("/")
        self._homes: dict[str, str | None] = {}  # DID -> its PDS, for attached pictures

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
        clock = zlib.crc32(f"{draft.post_key}|{self.NAME}|{part}".encode()) & 0x3FF
        return {"rkey": tid(started.astimezone(UTC) + timedelta(milliseconds=part), clock)}

    def _intent(self, draft: Draft, part: int, intent: Intent | None) -> Intent:
        return intent or self.intent(draft, part, datetime.now(UTC))

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        return self._put_body(draft, part, reply_to, self._intent(draft, part, None), False)

    def _put_body(
        self,
        draft: Draft,
        part: int,
        reply_to: Syndication | None,
        intent: Intent,
        resolve: bool,
    ) -> dict:
        shown, spans = shorten_links(draft.parts[part])
        facets = []
        for start, end, kind, value in spans:
            b_start, b_end = len(shown[:start].encode()), len(shown[:end].encode())
            facet = richtext.Facet(b_start, b_end, kind, value)
            if kind == "mention":
                did = self._resolve(value) if resolve else f"<did of @{value}>"
                if not did:
                    continue  # not a handle after all: plain text
                facets.append(facet.to_record(did=did))
            else:
                facets.append(facet.to_record())
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": shown,
            # Dated when it is sent, not when the article was written: the AppView orders feeds
            # by createdAt, so a backdated copy would be buried below everything since.
            "createdAt": _created_at(intent),
        }
        if facets:
            record["facets"] = facets
        if draft.language:
            record["langs"] = [draft.language]
        if part == 0:
            record["embed"] = self._embed(draft, upload=resolve)
        if reply_to is not None:
            parent = {"uri": reply_to.id, "cid": reply_to.extra.get("cid", "")}
            root = {
                "uri": reply_to.extra.get("root_uri", reply_to.id),
                "cid": reply_to.extra.get("root_cid", parent["cid"]),
            }
            record["reply"] = {"root": root, "parent": parent}
        return {
            "method": "POST",
            "url": f"{self.service}/xrpc/com.atproto.repo.putRecord",
            "json": {
                "repo": self._session["did"] if resolve else self.handle,
                "collection": COLLECTION,
                "rkey": intent.extra["rkey"],
                "validate": True,
                "record": record,
                "swapRecord": None,  # create only if absent: the exactly-once primitive
            },
        }

    def _embed(self, draft: Draft, upload: bool) -> dict:
        image = draft.images[0] if draft.images else None
        if self.embed == "images" and image:
            blob = self._blob(image.path) if upload else f"<blob of {image.path.name}>"
            return {
                "$type": "app.bsky.embed.images",
                "images": [{"image": blob, "alt": image.alt}],
            }
        external: dict[str, Any] = {
            "uri": draft.url,
            "title": draft.title,
            "description": draft.description[:300],
        }
        if image:
            external["thumb"] = self._blob(image.path) if upload else f"<blob of {image.path.name}>"
        return {"$type": "app.bsky.embed.external", "external": external}

    # -- network -----------------------------------------------------------------------------

    def connect(self) -> None:
        self._ensure_session()

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        self._ensure_session()
        intent = self._intent(draft, part, intent)
        body = self._put_body(draft, part, reply_to, intent, resolve=True)["json"]
        try:
            result = self._xrpc("POST", "com.atproto.repo.putRecord", json=body)
        except Rejected as e:
            if e.code != "InvalidSwap":
                raise
            # Already there: an earlier attempt got through. Read it back, and make sure it is
            # this post's (same text, or same link or thread for a post edited meanwhile).
            result = self._get_record(body["repo"], body["rkey"])
            if result is None or not _same_post(result.get("value", {}), body["record"]):
                raise Rejected(
                    self.NAME,
                    f"record key {body['rkey']} already holds another post; "
                    f"{draft.post_key} was not sent",
                ) from None
        return self._copy(result, draft, part, reply_to, body["rkey"], intent.sent_hash)

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The record at the intent's own key, if an earlier attempt wrote it: one request."""
        self._ensure_session()
        rkey = str(intent.extra.get("rkey", ""))
        found = self._get_record(self._session["did"], rkey) if rkey else None
        if found is None:
            return None
        return self._copy(found, draft, part, reply_to, rkey, intent.sent_hash)

    def _get_record(self, repo: str, rkey: str) -> dict | None:
        try:
            return self._xrpc(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": repo, "collection": COLLECTION, "rkey": rkey},
            )
        except Rejected as e:
            if e.code == "RecordNotFound" or e.status == 404:
                return None
            raise

    def _copy(self, result: dict, draft, part, reply_to, rkey: str, sent_hash: str) -> Syndication:
        uri, cid = result.get("uri"), result.get("cid")
        if not uri or not cid:
            raise Unavailable(self.NAME, "the answer has no record uri")
        root_uri = reply_to.extra.get("root_uri", reply_to.id) if reply_to else uri
        root_cid = reply_to.extra.get("root_cid", reply_to.extra.get("cid")) if reply_to else cid
        return Syndication(
            network=self.NAME,
            id=uri,
            url=f"{self.app_url}/profile/{self._session['handle']}/post/{rkey}",
            published=format_time(datetime.now(UTC)),
            sent_hash=sent_hash,
            part=part,
            extra={"cid": cid, "rkey": rkey, "root_uri": root_uri, "root_cid": root_cid},
        )

    def delete(self, copy: Syndication) -> None:
        self._ensure_session()
        rkey = copy.extra.get("rkey") or copy.id.rsplit("/", 1)[-1]
        self._xrpc(
            "POST",
            "com.atproto.repo.deleteRecord",
            json={"repo": self._session["did"], "collection": COLLECTION, "rkey": rkey},
        )

    # -- backfeed (app.bsky.notification.listNotifications, feed.getPostThread, getLikes,
    #    getRepostedBy, getQuotes; through the PDS, which hands app.bsky.* to the AppView) ------
    #
    # Notifications come newest first and page backwards: they are read from the top down to the
    # stored high-water mark ("<indexedAt> <uri>"). A reply notifies only the four ancestors
    # above it, so the whole thread is read (depth 1000) for every active post.
    # Evidence of a deletion: a reply or quote missing from a complete crawl whose own thread
    # answers NotFound, a notFoundPost in the thread, a like or repost missing from a complete
    # list. A profile labelled !no-unauthenticated (Bluesky's "don't show me to logged-out
    # visitors") or saying #nobot / #nobridge counts as opted out.

    REASONS = ("like", "repost", "reply", "quote", "mention")

    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        self._ensure_session()
        mark = tuple(cursor.split(" ", 1)) if cursor else None
        # With no mark yet, nothing older than the oldest copy can concern one.
        floor = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if since and not mark else ""
        found, top, page = Activity(cursor=cursor), None, None
        while True:
            params: dict[str, Any] = {"limit": 100, "reasons": list(self.REASONS)}
            if page:
                params["cursor"] = page
            data = self._xrpc("GET", "app.bsky.notification.listNotifications", params=params)
            items = data.get("notifications") or []
            reached = False
            for n in items:
                here = (str(n.get("indexedAt", "")), str(n.get("uri", "")))
                if (mark and here <= mark) or (floor and here[0] < floor):
                    reached = True  # everything below was seen by an earlier run, or predates us
                    break
                top = max(top, here) if top else here
                self._note(found, n, ours)
            page = data.get("cursor")
            if reached or not items or not page:
                break
        if top:
            found.cursor = " ".join(top)
        return found

    def _note(self, found: Activity, n: dict, ours: dict[str, str]) -> None:
        record = n.get("record") or {}
        reason, subject = n.get("reason"), str(n.get("reasonSubject") or "")
        if reason in ("like", "repost") and subject in ours:
            hints = found.posts.setdefault(ours[subject], Hints())
            did = str((n.get("author") or {}).get("did", ""))
            when = str(record.get("createdAt") or n.get("indexedAt") or "")
            hints.times[f"bluesky:{reason}:{_rkey(subject)}:{did}"] = when
            hints.touched.add((reason, subject))
            return
        reply = record.get("reply") or {}
        quoted = _quoted_uri(record)
        for uri in (
            (reply.get("root") or {}).get("uri"),
            (reply.get("parent") or {}).get("uri"),
            quoted,
            subject,
        ):
            if uri in ours:
                hints = found.posts.setdefault(ours[uri], Hints())
                if reason == "quote":
                    hints.touched.add(("quote", uri))
                return
        if reason == "mention":  # names the author outside our threads: maybe about a post
            view = {"uri": n.get("uri", ""), "author": n.get("author") or {}, "record": record,
                    "indexedAt": n.get("indexedAt")}  # fmt: skip
            links = [
                str(f.get("uri"))
                for facet in record.get("facets") or []
                for f in facet.get("features") or []
                if str(f.get("$type", "")).endswith("#link")
            ]
            card = ((record.get("embed") or {}).get("external") or {}).get("uri")
            found.mentions.append(
                Mention(
                    self.interaction(view, "mention", None),
                    self.person(view["author"]),
                    links + ([card] if card else []),
                )
            )

    def harvest(self, record, hints: Hints, counts: dict[str, str]):
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest, new_counts = Harvest(), {}
        thread = self._thread(copies[0].id)
        if thread is None:
            return harvest, counts  # our copy is gone: nothing to learn, nothing to remove
        self.me = str(thread["post"]["author"].get("did", ""))
        views: dict[str, dict] = {thread["post"]["uri"]: thread["post"]}
        listed: set[str] = set()
        stack = [thread]
        while stack:
            node = stack.pop()
            for child in node.get("replies") or []:
                kind = child.get("$type", "")
                uri = str((child.get("post") or child).get("uri", ""))
                if kind.endswith("#notFoundPost") and uri:
                    harvest.gone.add(f"bluesky:{uri}")  # the network says: not found
                if not kind.endswith("#threadViewPost"):
                    continue
                post = child["post"]
                views[uri] = post
                stack.append(child)
                if uri in ours:
                    continue  # a later part of our own thread
                listed.add(f"bluesky:{uri}")
                here = node["post"]["uri"]
                harvest.people.append(self.person(post["author"]))
                harvest.interactions.append(
                    self.interaction(post, "reply", None if here in ours else f"bluesky:{here}")
                )
        known = {x.id: x for x in record.interactions}
        self._gone(harvest, known, "reply", listed)
        for copy in copies:
            view = views.get(copy.id)
            if view is None:
                continue
            new_counts[copy.id] = "/".join(
                str(view.get(f, 0) or 0) for f in ("likeCount", "repostCount", "quoteCount")
            )
            # Only the lists that changed; the others' stored likes, reposts and quotes stand.
            wanted = lists_to_read(copy.id, counts.get(copy.id), new_counts[copy.id], hints, known)
            self._reactions(harvest, known, hints, copy.id, wanted)
            if "quote" in wanted:
                self._quotes(harvest, known, copy.id)
        return harvest, new_counts

    def check(self) -> str:
        """One call: signing in with the app password proves it; a cached session is asked
        whether it still works (getSession, refreshed if it expired)."""
        signed_in = self._sign_ins
        self._ensure_session()
        if self._sign_ins > signed_in:
            return "@" + str(self._session.get("handle", self.handle))
        data = self._xrpc("GET", "com.atproto.server.getSession")
        return "@" + str(data.get("handle", self.handle))

    def profiles(self, people: list[Person]) -> list[Person]:
        """Up to 25 profiles a request (``app.bsky.actor.getProfiles``), by DID."""
        self._ensure_session()
        dids = [p.id.removeprefix("bluesky:") for p in people if p.id.startswith("bluesky:did:")]
        found = []
        for i in range(0, len(dids), 25):
            data = self._xrpc(
                "GET", "app.bsky.actor.getProfiles", params={"actors": dids[i : i + 25]}
            )
            found += [self.person(a) for a in data.get("profiles") or [] if isinstance(a, dict)]
        return found

    def _thread(self, uri: str) -> dict | None:
        """The thread under a post, or None when the network says it is not there."""
        self._ensure_session()
        try:
            data = self._xrpc(
                "GET",
                "app.bsky.feed.getPostThread",
                params={"uri": uri, "depth": 1000, "parentHeight": 0},
            )
        except Rejected as e:
            if e.code == "NotFound" or e.status == 404:
                return None
            raise
        thread = data.get("thread") or {}
        if not str(thread.get("$type", "")).endswith("#threadViewPost"):
            return None
        return thread

    def _pages(self, nsid: str, field: str, uri: str) -> list[dict]:
        """Every item of a list that pages with an opaque cursor (absent on the last page)."""
        items, page = [], None
        while True:
            params = {"uri": uri, "limit": 100, **({"cursor": page} if page else {})}
            data = self._xrpc("GET", nsid, params=params)
            items += data.get(field) or []
            page = data.get("cursor")
            if not page or not data.get(field):
                return items

    def _reactions(self, harvest: Harvest, known: dict, hints: Hints, uri: str, wanted) -> None:
        today = format_time(datetime.now(UTC)).split("T")[0] + "T00:00:00Z"
        for kind in ("like", "repost"):
            if kind not in wanted:
                continue
            if kind == "like":  # likes carry their time; reposts do not
                likes = self._pages("app.bsky.feed.getLikes", "likes", uri)
                entries = [(x.get("actor") or {}, x.get("createdAt")) for x in likes]
            else:
                reposts = self._pages("app.bsky.feed.getRepostedBy", "repostedBy", uri)
                entries = [(actor, None) for actor in reposts]
            found = []
            for actor, created in entries:
                who = self.person(actor)
                reaction = Interaction(
                    id=f"bluesky:{kind}:{_rkey(uri)}:{actor.get('did', '')}",
                    network=self.NAME,
                    kind=kind,
                    author=who.id,
                    published=format_time(_when(created or today)),
                    url=who.url,
                )
                found.append((reaction, who))
            add_reactions(harvest, known, hints, f"bluesky:{kind}:{_rkey(uri)}:", found, _when)

    def _quotes(self, harvest: Harvest, known: dict, uri: str) -> None:
        listed = set()
        for post in self._pages("app.bsky.feed.getQuotes", "posts", uri):
            listed.add(f"bluesky:{post['uri']}")
            harvest.people.append(self.person(post["author"]))
            harvest.interactions.append(self.interaction(post, "quote", None))
        self._gone(harvest, known, "quote", listed)  # a quote of another part: still there

    def _gone(self, harvest: Harvest, known: dict, kind: str, listed: set[str]) -> None:
        """Stored posts of this kind a complete crawl no longer holds: gone on NotFound."""

        def still_there(iid: str) -> bool | None:
            uri = iid.removeprefix("bluesky:")
            return self._thread(uri) is not None if uri.startswith("at://") else None

        gone_on_evidence(harvest, known, self.NAME, kind, listed, still_there)

    def person(self, actor: dict) -> Person:
        did, handle = str(actor.get("did", "")), str(actor.get("handle", ""))
        labels = {str(x.get("val")) for x in actor.get("labels") or [] if isinstance(x, dict)}
        avatar = str(actor.get("avatar") or "")
        return Person(
            id=f"bluesky:{did}",
            network=self.NAME,
            name=str(actor.get("displayName") or handle),
            handle="@" + handle if handle and handle != "handle.invalid" else "",
            url=f"{self.app_url}/profile/{did}",
            avatar_source=avatar if avatar.startswith(("https://", "http://")) else None,
            opted_out="!no-unauthenticated" in labels
            or asks_not_to_be_archived(str(actor.get("description", ""))),
            is_author=did == self.me,
        )

    def interaction(self, post: dict, kind: str, in_reply_to: str | None) -> Interaction:
        value = post.get("record") or {}
        author = post.get("author") or {}
        return Interaction(
            id=f"bluesky:{post['uri']}",
            network=self.NAME,
            kind=kind,
            author=f"bluesky:{author.get('did', '')}",
            published=format_time(_when(value.get("createdAt") or post.get("indexedAt"))),
            url=f"{self.app_url}/profile/{author.get('did', '')}/post/{_rkey(post['uri'])}",
            content=richtext.to_html(str(value.get("text", "")), value.get("facets"), self.app_url),
            in_reply_to=in_reply_to,
            media=self._pictures(author.get("did", ""), value.get("embed") or {}),
        )

    def _pictures(self, did: str, embed: dict) -> list[Media]:
        """Attached images (or a video's still) as the author's PDS holds them: the original
        blob, from the home of the data rather than a CDN of one app."""
        kind = str(embed.get("$type", ""))
        if kind == "app.bsky.embed.recordWithMedia":
            embed = embed.get("media") or {}
            kind = str(embed.get("$type", ""))
        found = []
        if kind == "app.bsky.embed.images":
            pictures = [(i.get("image") or {}, i.get("alt")) for i in embed.get("images") or []]
        elif kind == "app.bsky.embed.video":
            pictures = [(embed.get("thumbnail") or {}, embed.get("alt"))]
        else:
            pictures = []
        for blob, alt in pictures:
            cid = str((blob.get("ref") or {}).get("$link", ""))
            mime = str(blob.get("mimeType") or "image/jpeg")
            home = self._pds_of(did) if cid else None
            source = f"{home}/xrpc/com.atproto.sync.getBlob?did={did}&cid={cid}" if home else None
            found.append(Media(None, mime, str(alt or ""), source))
        return found

    def _pds_of(self, did: str) -> str | None:
        """Where a DID's data lives (its DID document's #atproto_pds), or None if unknown. The
        document comes from the PLC directory or, for did:web, from the DID's own domain: both
        through the guarded fetch, with a byte cap (a DID document is a few hundred bytes)."""
        if did not in self._homes:
            self._homes[did] = None
            if did.startswith("did:plc:"):
                url = f"{self.plc}/{did}"
            elif did.startswith("did:web:"):
                url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
            else:
                return None
            try:
                fetcher = self.fetcher or GuardedFetcher(self.trusted_origins())
                got = fetcher.get(url, max_bytes=DID_DOCUMENT_BYTES, accept="application/json")
                doc = json.loads(got.body)
                for service in doc.get("service") or []:
                    if str(service.get("id", "")).endswith("#atproto_pds"):
                        endpoint = str(service.get("serviceEndpoint", "")).rstrip("/")
                        if endpoint.startswith(("https://", "http://")):
                            self._homes[did] = endpoint
            except (FetchError, ValueError, AttributeError, TypeError, RecursionError):
                pass  # no picture then, a placeholder; the next harvest tries again
        return self._homes[did]

    # -- session, blobs, handles --------------------------------------------------------------

    def _ensure_session(self) -> None:
        if self._session is not None:
            return
        try:
            cached = json.loads(self.session_cache.read_text())
            if cached.get("service") == self.service and cached.get("handle") == self.handle:
                redaction.remember(cached.get("accessJwt"))
                redaction.remember(cached.get("refreshJwt"))
                self._session = cached
                return
        except (OSError, ValueError, RecursionError, AttributeError):
            pass  # no usable cached session: sign in again
        self._create_session()

    def _create_session(self) -> None:
        password = secret_text(
            self.NAME, self.password_env, redaction.read(self.env, self.password_env)
        )
        if not password:
            raise NotConfigured(
                self.NAME, f"set the environment variable {self.password_env} to an app password"
            )
        data = self._xrpc(
            "POST",
            "com.atproto.server.createSession",
            json={"identifier": self.handle, "password": password},
            auth=None,
        )
        self._sign_ins += 1
        self._store_session(data)

    def _store_session(self, data: dict) -> None:
        self._session = {
            "service": self.service,
            "handle": self.handle,
            "did": data["did"],
            "accessJwt": redaction.remember(data["accessJwt"]),
            "refreshJwt": redaction.remember(data["refreshJwt"]),
        }
        # The tokens are secrets: the user's cache folder, readable by the user alone.
        self.session_cache.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.session_cache, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self._session, f)

    def _refresh(self) -> None:
        try:
            data = self._xrpc(
                "POST", "com.atproto.server.refreshSession", auth=self._session["refreshJwt"]
            )
            self._store_session(data)
        except (Unauthorized, Rejected):
            self._create_session()

    def _resolve(self, handle: str) -> str | None:
        if handle not in self._dids:
            try:
                data = self._xrpc(
                    "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}
                )
                self._dids[handle] = data.get("did")
            except Rejected:
                self._dids[handle] = None
        return self._dids[handle]

    def _blob(self, path: Path) -> dict:
        if path not in self._blobs:
            data, mime = _thumbnail(path)
            result = self._xrpc(
                "POST",
                "com.atproto.repo.uploadBlob",
                data=data,
                headers={"Content-Type": mime},
            )
            self._blobs[path] = result["blob"]
        return self._blobs[path]

    def _xrpc(self, method: str, nsid: str, *, auth: str | None | bool = True, **kwargs) -> dict:
        url = f"{self.service}/xrpc/{nsid}"
        if self._spent_until is not None:
            # The last answer said the budget is spent: wait for its reset rather than spend a
            # request on a sure 429.
            wait = (self._spent_until - datetime.now(UTC)).total_seconds()
            if wait > 0:
                raise RateLimited(self.NAME, f"the request budget is spent for {wait:.0f} s", wait)
            self._spent_until = None
        for attempt in (1, 2):
            headers = dict(kwargs.pop("headers", {}) or {})
            token = self._session["accessJwt"] if auth is True else auth
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                r = requests.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except requests.RequestException as e:
                raise Unavailable(self.NAME, f"{nsid}: {type(e).__name__}") from None
            if r.headers.get("RateLimit-Remaining") == "0" and _retry_after(r):
                self._spent_until = datetime.now(UTC) + timedelta(seconds=_retry_after(r))
            if r.status_code == 200:
                try:
                    return r.json()
                except ValueError:
                    raise Unavailable(self.NAME, f"{nsid}: the answer is not JSON") from None
            error, message = _error(r)
            expired = error in ("ExpiredToken", "InvalidToken") or (
                r.status_code == 401 and auth is True
            )
            if expired and auth is True and attempt == 1:
                self._refresh()  # the cached access token ran out: refresh once, try again
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            status = 401 if error == "AuthenticationRequired" else r.status_code
            raise error_for(
                self.NAME,
                status,
                f"{nsid}: {error}: {message}" if status >= 500 else f"{error}: {message}",
                credentials=f"the app password in {self.password_env}",
                retry_after=_retry_after(r),
                code=error or None,
            )
        raise AssertionError("unreachable")


def _error(r: requests.Response) -> tuple[str, str]:
    try:
        data = r.json()
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):  # XRPC's error shape; anything else is shown as text
        return str(data.get("error", "")), redaction.clip(str(data.get("message", "")), 300)
    return "", redaction.clip(r.text or r.reason or "", 300)


def _retry_after(r: requests.Response) -> float | None:
    reset = r.headers.get("RateLimit-Reset")
    try:
        return max(0.0, float(reset) - datetime.now(UTC).timestamp()) if reset else None
    except ValueError:
        return None


def _thumbnail(path: Path) -> tuple[bytes, str]:
    """The image as JPEG under the blob limit, the same bytes every time for the same file."""
    from PIL import Image as PILImage

    with PILImage.open(path) as img:
        img = img.convert("RGB")
        for side, quality in ((2000, 85), (1600, 80), (1200, 75), (800, 70), (600, 60)):
            copy = img.copy()
            copy.thumbnail((side, side))
            buf = io.BytesIO()
            copy.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= THUMB_BYTES:
                return buf.getvalue(), "image/jpeg"
    raise Rejected("bluesky", f"{path.name} cannot be made smaller than {THUMB_BYTES} bytes")


def _created_at(intent: Intent) -> str:
    when = parse_time(intent.started) + timedelta(milliseconds=intent.part)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _same_post(found: dict, ours: dict) -> bool:
    if found.get("text") == ours.get("text"):
        return True
    card = (found.get("embed") or {}).get("external", {}).get("uri")
    if card and card == (ours.get("embed") or {}).get("external", {}).get("uri"):
        return True
    parent = (found.get("reply") or {}).get("parent", {}).get("uri")
    return bool(parent) and parent == (ours.get("reply") or {}).get("parent", {}).get("uri")


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _when(value) -> datetime:
    """A time from the network; one that cannot be read is taken as now rather than lost."""
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


def _quoted_uri(record: dict) -> str | None:
    """The post a record quotes (embed.record, or the record part of recordWithMedia)."""
    embed = record.get("embed") or {}
    inner = embed.get("record") or {}
    if "record" in inner and isinstance(inner["record"], dict):  # recordWithMedia
        inner = inner["record"]
    return inner.get("uri")
