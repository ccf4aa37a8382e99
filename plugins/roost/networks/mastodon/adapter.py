"""Posting to Mastodon (and servers with its API): statuses, media with alt text, edits, deletes.

Follows docs.joinmastodon.org (methods/statuses, methods/media, methods/instance) as summarised
in shared/docs/social-apis.md section 1:

* the length limit is the instance's own (``GET /api/v2/instance``), counted by Mastodon's rules
  (``counting.py``); until the instance is asked, 500 is assumed (previews work offline);
* every status carries an ``Idempotency-Key`` derived from the post, the network, the part and
  the content, so a retry within the server's hour returns the status already made;
* images go to ``POST /api/v2/media`` with their alt text; a 202 is polled until processed;
* a rate-limited answer (429) becomes RateLimited with the seconds until ``X-RateLimit-Reset``.

Exactly once beyond the key's hour: before a part with an intent and no recorded copy is sent
again, the account's own statuses since the intent are read (``find_sent``: same parent, same
text). So servers that ignore ``Idempotency-Key`` (GoToSocial) are covered too.

Settings (``ROOST_NETWORKS["mastodon"]``): :class:`MastodonSettings`.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from ... import redaction
from ...archive import Harvest
from ...compose import plain_text
from ...model import Intent, Interaction, Media, Person, Syndication, format_time
from ..base import (
    Activity,
    Draft,
    Hints,
    Image,
    Mention,
    MissingScopes,
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
from ..settings import NetworkSettings, setting
from .counting import entities, gotosocial_length, status_length

DEFAULT_LIMIT = 500
LOOKUPS_A_RUN = 20  # profiles without a stored account id, looked up one by one
#: What the token needs: posting (write:statuses, write:media) and the backfeed (the rest).
SCOPES = ("read:accounts", "read:notifications", "read:statuses", "write:statuses", "write:media")


@dataclass(frozen=True)
class MastodonSettings(NetworkSettings):
    NETWORK = "mastodon"
    RETIRED = {"look_before_posting": "Roost now always looks before sending a part again"}

    instance: str = setting(help="your server's address, e.g. https://mastodon.social")
    token_env: str = setting(
        "ROOST_MASTODON_TOKEN",
        help="the environment variable holding the access token",
        holds="an access token: Preferences, Development, New application, with the scopes "
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

    def check(self) -> list[str]:
        wrong = []
        if not self.instance.startswith(("https://", "http://")):
            wrong.append('["instance"] must be an https:// address, e.g. https://mastodon.social')
        if self.max_characters is not None and not 1 <= self.max_characters <= 1_000_000:
            wrong.append(f'["max_characters"] = {self.max_characters}: expected 1 to 1,000,000')
        if not self.timeout <= 600:
            wrong.append(f'["timeout"] = {self.timeout}: expected at most 600 seconds')
        return wrong


class Mastodon(Network):
    NAME = "mastodon"
    CAN_EDIT = True
    SETTINGS = MastodonSettings

    def __init__(self, config: dict[str, Any], env: dict[str, str] | None = None):
        super().__init__(config)
        settings = self.settings = self.parse_settings(config)
        self.base = settings.instance.rstrip("/")
        self.token_env = settings.token_env
        self.SECRETS = (self.token_env,)
        self.visibility = settings.visibility
        self.edit = settings.edit
        self.timeout = settings.timeout
        self.env = os.environ if env is None else env
        self.max_characters = settings.max_characters or DEFAULT_LIMIT
        self.counting = settings.counting
        self._account_id: str | None = None
        self.url_weight = 23
        self.max_images = 4
        self._http: requests.Session | None = None
        self.me: str | None = None  # the author's person id, once an answer has shown it
        self._spent_until: datetime | None = None  # X-RateLimit-Remaining reached 0 until then
        self.still_fetching = False  # the last context answer said more replies are coming

    def trusted_origins(self) -> set[str]:
        return {self.base}

    # -- offline -----------------------------------------------------------------------------

    def length(self, text: str) -> int:
        if self.counting == "gotosocial":
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
        body: dict[str, Any] = {"status": draft.parts[part], "visibility": self.visibility}
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

    # -- network -----------------------------------------------------------------------------

    @property
    def http(self) -> requests.Session:
        if self._http is None:
            token = secret_text(self.NAME, self.token_env, redaction.read(self.env, self.token_env))
            if not token:
                raise NotConfigured(
                    self.NAME, f"set the environment variable {self.token_env} to an access token"
                )
            self._http = requests.Session()
            self._http.headers.update(
                {"Authorization": f"Bearer {token}", "User-Agent": "Roost (+syndication)"}
            )
        return self._http

    def connect(self) -> None:
        """Read the server's limits (``/api/v2/instance``) before composing for real."""
        data = self._call("GET", "/api/v2/instance", auth=False)
        conf = data.get("configuration", {}) if isinstance(data, dict) else {}
        statuses = conf.get("statuses", {}) if isinstance(conf, dict) else {}
        self.apply_limits(
            {
                "max_characters": statuses.get("max_characters"),
                "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
                "max_media_attachments": statuses.get("max_media_attachments"),
            }
        )

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
        status = self._call("POST", "/api/v1/statuses", json=body, headers=req["headers"])
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
        since = _parse(intent.started) - timedelta(minutes=10)
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
            current = self._call("GET", f"/api/v1/statuses/{copy.id}")
            attached = [
                (str(m.get("id")), str(m.get("description") or ""))
                for m in current.get("media_attachments") or []
            ]
            kept = copy.extra.get("media") or []
            attributes = []
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
            body["media_ids"] = [media_id for media_id, _ in media]
            if attributes:
                body["media_attributes"] = attributes
        try:
            status = self._call("PUT", f"/api/v1/statuses/{copy.id}", json=body)
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

    def delete(self, copy: Syndication) -> None:
        try:
            self._call("DELETE", f"/api/v1/statuses/{copy.id}")
        except Rejected as e:
            if e.status != 404:
                raise  # 404: already gone, which is what was asked

    # -- backfeed (docs: methods/notifications, statuses context, favourited_by, quotes) ------
    #
    # Evidence of a deletion: a reply or quote missing from a complete crawl is looked up
    # (GET /statuses/:id) and only a 404 removes it; a like or repost missing from a complete
    # list is removed. Only public and unlisted statuses are archived.

    NOTIFICATION_TYPES = ("mention", "favourite", "reblog", "quote", "update")
    PUBLIC = ("public", "unlisted")

    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        notifications, new_cursor = self.notifications(cursor, since)
        found = Activity(cursor=new_cursor)
        for n in notifications:
            status = n.get("status") or {}
            sid = str(status.get("id", ""))
            if n["type"] in ("favourite", "reblog") and sid in ours:
                kind = "like" if n["type"] == "favourite" else "repost"
                who = self.person(n["account"]).id.split(":", 1)[1]
                hints = found.posts.setdefault(ours[sid], Hints())
                hints.times[f"mastodon:{kind}:{sid}:{who}"] = n["created_at"]
                hints.touched.add((kind, sid))
            elif n["type"] == "quote" and (quoted := _quoted_id(status)) in ours:
                found.posts.setdefault(ours[quoted], Hints()).touched.add(("quote", quoted))
            elif sid in ours:
                found.posts.setdefault(ours[sid], Hints())  # our own copy changed: look again
            elif sid:
                key = ours.get(str(status.get("in_reply_to_id")))
                if key is None and status.get("in_reply_to_id"):  # deeper: look among ancestors
                    key = next(
                        (ours[a["id"]] for a in self.ancestors(sid) if a["id"] in ours), None
                    )
                if key is not None:
                    found.posts.setdefault(key, Hints())
                elif n["type"] == "mention" and status.get("visibility", "public") in self.PUBLIC:
                    found.mentions.append(self._mention(status, ours))
        return found

    def harvest(self, record, hints: Hints, counts: dict[str, str]):
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest, new_counts = Harvest(), {}
        root = self._status(copies[0].id)
        replies = self.thread(copies[0].id) if root is not None else None
        if root is None or replies is None:
            return harvest, counts  # our copy is gone: nothing to learn, nothing to remove
        self.me = self.person(root["account"]).id
        harvest.incomplete = self.still_fetching  # the rest comes later: read it again next run
        statuses = {str(s["id"]): s for s in replies}
        known = {x.id: x for x in record.interactions}
        for status in replies:
            if str(status["id"]) in ours or status.get("visibility", "public") not in self.PUBLIC:
                continue
            harvest.people.append(self.person(status["account"]))
            harvest.interactions.append(self.interaction(status, "reply", ours))
        self._gone(harvest, known, "reply", {f"mastodon:{s}" for s in statuses})
        for copy in copies:
            status = root if copy.id == copies[0].id else statuses.get(copy.id)
            if status is None:
                continue
            new_counts[copy.id] = "/".join(
                str(status.get(f, 0) or 0)
                for f in ("favourites_count", "reblogs_count", "quotes_count")
            )
            # Only the lists that changed; the others' stored likes and reposts stand.
            wanted = lists_to_read(copy.id, counts.get(copy.id), new_counts[copy.id], hints, known)
            self._reactions(harvest, known, hints, copy.id, wanted)
            if "quote" in wanted and "quotes_count" in status:  # Mastodon 4.5 and later
                self._quotes(harvest, known, copy.id, ours)
        return harvest, new_counts

    def check(self) -> str:
        """The account, once the token is shown to work and to hold every scope Roost needs
        (``/api/v1/apps/verify_credentials`` lists them since Mastodon 4.3)."""
        who = "@" + str(self._call("GET", "/api/v1/accounts/verify_credentials")["acct"])
        try:
            app = self._call("GET", "/api/v1/apps/verify_credentials")
        except (Unauthorized, Rejected):  # before 4.3: asks for all of "read", or is absent
            app = {}
        granted = app.get("scopes") if isinstance(app, dict) else None
        if not isinstance(granted, list):
            return f"{who} (this server does not list the token's scopes)"
        missing = missing_scopes(SCOPES, {str(g) for g in granted})
        if missing:
            raise MissingScopes(self.NAME, f"the scopes {' '.join(missing)}", status=403)
        return who

    def profiles(self, people: list[Person]) -> list[Person]:
        """Up to 40 accounts a request (``GET /api/v1/accounts?id[]=``, Mastodon 4.3) by the
        id this server gave them; people archived before Roost kept that id are looked up one
        by one (``/api/v1/accounts/lookup``), a few a run."""
        found: list[Person] = []
        known = [p for p in people if p.ref]
        for i in range(0, len(known), 40):
            query = "&".join(f"id[]={p.ref}" for p in known[i : i + 40])
            try:
                accounts = self._call("GET", f"/api/v1/accounts?{query}")
            except Rejected as e:
                if e.status not in (404, 422):
                    raise
                accounts = [self._lookup(f"/api/v1/accounts/{p.ref}") for p in known[i : i + 40]]
            found += [self.person(a) for a in accounts if isinstance(a, dict) and a.get("acct")]
        for person in [p for p in people if not p.ref][:LOOKUPS_A_RUN]:
            account = self._lookup(f"/api/v1/accounts/lookup?acct={person.id.split(':', 1)[1]}")
            if account:
                found.append(self.person(account))
        return found

    def _lookup(self, path: str) -> dict | None:
        try:
            return self._call("GET", path)
        except Rejected as e:
            if e.status in (404, 410, 422):
                return None  # gone, or suspended: nothing to learn, nothing removed for it
            raise

    def _mention(self, status: dict, ours: set) -> Mention:
        """A status that names the author outside our threads, and the addresses it links to."""
        links = re.findall(r'href="(https?://[^"]+)"', str(status.get("content", "")))
        card = (status.get("card") or {}).get("url")
        return Mention(
            self.interaction(status, "mention", ours),
            self.person(status["account"]),
            [html.unescape(x) for x in links] + ([card] if card else []),
        )

    def _reactions(self, harvest: Harvest, known: dict, hints: Hints, copy_id: str, wanted) -> None:
        for kind, endpoint in (("like", "favourited_by"), ("repost", "reblogged_by")):
            if kind in wanted:  # the lists give no time: stored, notified, or today's
                accounts = self.everyone(f"/api/v1/statuses/{copy_id}/{endpoint}")
                found = [(self.reaction(kind, copy_id, a), self.person(a)) for a in accounts]
                prefix = f"mastodon:{kind}:{copy_id}:"
                add_reactions(harvest, known, hints, prefix, found, _parse)

    def _quotes(self, harvest: Harvest, known: dict, copy_id: str, ours: set[str]) -> None:
        listed = set()
        for status in self.everyone(f"/api/v1/statuses/{copy_id}/quotes", limit=40):
            state = (status.get("quote") or {}).get("state", "accepted")
            if state != "accepted" or status.get("visibility", "public") not in self.PUBLIC:
                continue
            listed.add(f"mastodon:{status['id']}")
            harvest.people.append(self.person(status["account"]))
            harvest.interactions.append(self.interaction(status, "quote", ours))
        self._gone(harvest, known, "quote", listed)

    def _gone(self, harvest: Harvest, known: dict, kind: str, listed: set[str]) -> None:
        """Stored statuses of this kind a complete list no longer holds: gone on a 404."""

        def still_there(iid: str) -> bool | None:
            sid = iid.split(":", 1)[1]
            return None if ":" in sid else self._status(sid) is not None

        gone_on_evidence(harvest, known, self.NAME, kind, listed, still_there)

    def notifications(self, cursor: str | None, since=None) -> tuple[list[dict], str | None]:
        """Every notification after ``cursor``, following min_id forward page by page; and the
        new cursor (the highest id seen). Ids compare by (length, text), never as numbers.
        With no cursor yet, the newest are read backwards, down to ``since`` (nothing older can
        concern a copy), rather than the account's whole history from its first day."""
        types = "".join(f"&types[]={t}" for t in self.NOTIFICATION_TYPES)
        if cursor is None and since is not None:
            return self._notifications_back_to(since, types)
        found, current = [], cursor or "0"
        while True:
            page = self._call("GET", f"/api/v1/notifications?min_id={current}&limit=80{types}")
            if not isinstance(page, list) or not page:
                break
            found += page
            current = max((n["id"] for n in page), key=_id_order)
            if len(page) < 80:
                break  # a short page is the last: no need to ask for an empty one
        return found, (current if found else cursor)

    def _notifications_back_to(self, since: datetime, types: str):
        found, newest, url = [], None, f"/api/v1/notifications?limit=80{types}"
        while True:
            page = self._call("GET", url)
            if not isinstance(page, list) or not page:
                break
            ids = sorted((n["id"] for n in page), key=_id_order)
            newest = newest or ids[-1]
            recent = [n for n in page if _parse(n["created_at"]) >= since]
            found += recent
            if len(recent) < len(page) or len(page) < 80:
                break  # reached notifications older than every copy, or the first ever
            url = f"/api/v1/notifications?max_id={ids[0]}&limit=80{types}"
        return found, newest

    def thread(self, status_id: str) -> list[dict] | None:
        """Every reply under a status (the whole subtree); None if the status is gone. Sets
        ``still_fetching`` when the server says it is fetching more remote replies (4.5)."""
        try:
            data, r = self._request("GET", f"/api/v1/statuses/{status_id}/context")
            self.still_fetching = bool(r.headers.get("Mastodon-Async-Refresh"))
            return data["descendants"]
        except Rejected as e:
            if e.status == 404:
                return None
            raise

    def ancestors(self, status_id: str) -> list[dict]:
        return self._call("GET", f"/api/v1/statuses/{status_id}/context")["ancestors"]

    def everyone(self, path: str, limit: int = 80) -> list[dict]:
        """Every item of a list endpoint, following the Link header to the end."""
        items, url = [], f"{path}?limit={limit}"
        while url:
            page, r = self._request("GET", url)
            items += page
            # A short page is the last one (Mastodon honours limit on these lists and keeps it
            # in the Link URLs); otherwise the Link header says where to go on.
            url = r.links.get("next", {}).get("url") if len(page) >= limit else None
        return items

    def _status(self, status_id: str) -> dict | None:
        try:
            return self._call("GET", f"/api/v1/statuses/{status_id}")
        except Rejected as e:
            if e.status == 404:
                return None
            raise

    def person(self, account: dict) -> Person:
        acct = str(account.get("acct", ""))
        if "@" not in acct:  # a local account: name it by this server's domain
            acct = f"{acct}@{urlsplit(self.base).hostname}"
        return Person(
            id=f"mastodon:{acct}",
            network=self.NAME,
            name=str(account.get("display_name") or account.get("username") or ""),
            handle="@" + acct,
            url=account.get("url") if str(account.get("url", "")).startswith("http") else None,
            avatar_source=account.get("avatar")
            if str(account.get("avatar", "")).startswith("http")
            else None,
            # #nobot or #nobridge in their bio, or Mastodon's "noindex" (opting out of search
            # engines, shown for the server's own accounts).
            opted_out=asks_not_to_be_archived(str(account.get("note", "")))
            or account.get("noindex") is True,
            is_author=f"mastodon:{acct}" == self.me,
            ref=str(account["id"]) if account.get("id") else None,
        )

    def interaction(self, status: dict, kind: str, ours: set[str]) -> Interaction:
        parent = status.get("in_reply_to_id")
        return Interaction(
            id=f"mastodon:{status['id']}",
            network=self.NAME,
            kind=kind,
            author=self.person(status["account"]).id,
            published=format_time(_parse(status["created_at"])),
            updated=format_time(_parse(status["edited_at"])) if status.get("edited_at") else None,
            url=status.get("url") or status.get("uri"),
            content=str(status.get("content", "")),
            in_reply_to=None
            if kind != "reply" or not parent or parent in ours
            else f"mastodon:{parent}",
            media=[_picture(m) for m in status.get("media_attachments") or [] if _picture(m)],
        )

    def reaction(self, kind: str, copy_id: str, account: dict) -> Interaction:
        """A like or a repost: no id of its own in the API, so one is made of what it joins."""
        who = self.person(account)
        return Interaction(
            id=f"mastodon:{kind}:{copy_id}:{who.id.split(':', 1)[1]}",
            network=self.NAME,
            kind=kind,
            author=who.id,
            published=format_time(datetime.now(UTC)).split("T")[0] + "T00:00:00Z",
            url=who.url,
        )

    # -- helpers -----------------------------------------------------------------------------

    def _own_statuses_since(self, since: datetime):
        """The account's statuses, newest first, back to ``since`` (Link paging by max_id)."""
        if self._account_id is None:
            self._account_id = str(self._call("GET", "/api/v1/accounts/verify_credentials")["id"])
        url: str | None = f"/api/v1/accounts/{self._account_id}/statuses?limit=40"
        for _page in range(50):  # 2,000 statuses: more than anyone posts between two runs
            page, r = self._request("GET", url)
            if not isinstance(page, list) or not page:
                return
            for status in page:
                if _parse(status["created_at"]) < since:
                    return
                yield status
            if len(page) < 40:
                return  # a short page is the last
            oldest = min((str(s["id"]) for s in page), key=_id_order)
            url = f"/api/v1/accounts/{self._account_id}/statuses?limit=40&max_id={oldest}"
        raise Unavailable(
            self.NAME, "could not read back far enough to tell whether a part was sent"
        )

    def _source_text(self, status_id: str) -> str | None:
        """The text a status was written with (mentions keep their domain, unlike its HTML)."""
        try:
            return str(self._call("GET", f"/api/v1/statuses/{status_id}/source").get("text"))
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
            media = self._call(
                "POST",
                "/api/v2/media",
                files={"file": (image.path.name, f, mime)},
                data={"description": image.alt},
            )
        media_id = str(media["id"])
        deadline = time.monotonic() + 60
        while media.get("url") is None:  # 202: still processing; 206 from the poll
            if time.monotonic() > deadline:
                raise Unavailable(self.NAME, f"{image.path.name} was still processing after 60 s")
            time.sleep(0.5)
            media = self._call("GET", f"/api/v1/media/{media_id}")
        return media_id

    def _call(self, method: str, path: str, *, auth: bool = True, **kwargs) -> dict:
        return self._request(method, path, auth=auth, **kwargs)[0]

    def _request(self, method: str, path: str, *, auth: bool = True, **kwargs):
        """(parsed JSON, the response); errors translated. ``path`` may be a whole URL (the
        Link header's next page)."""
        session = self.http if auth else requests
        url = path if path.startswith(("http://", "https://")) else self.base + path
        if _origin(url) != _origin(self.base):
            # A next page named by an answer goes to the same server, or the token would go
            # wherever a Link header points.
            raise Unavailable(self.NAME, f"{method} {path}: the server named another server")
        if auth and self._spent_until is not None:
            # The last answer said the budget is spent: ask again only after its reset, rather
            # than spend a request on a sure 429 (servers may hold that against the token).
            wait = (self._spent_until - datetime.now(UTC)).total_seconds()
            if wait > 0:
                raise RateLimited(self.NAME, f"the request budget is spent for {wait:.0f} s", wait)
            self._spent_until = None
        try:
            r = session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as e:
            raise Unavailable(self.NAME, f"{method} {path}: {type(e).__name__}") from None
        if auth and r.headers.get("X-RateLimit-Remaining") == "0":
            left = _seconds_until_reset(r)
            if left:
                self._spent_until = datetime.now(UTC) + timedelta(seconds=left)
        if r.status_code in (200, 202, 206):
            try:
                return r.json(), r
            except ValueError:
                raise Unavailable(self.NAME, f"{method} {path}: the answer is not JSON") from None
        raise error_for(
            self.NAME,
            r.status_code,
            f"{method} {path}: {_error_message(r)}" if r.status_code >= 500 else _error_message(r),
            credentials=f"the token in {self.token_env}, and its scopes",
            retry_after=_seconds_until_reset(r),
        )


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


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


def _error_message(r: requests.Response) -> str:
    try:
        data = r.json()
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):  # any other JSON (a list, a number) is not Mastodon's error shape
        return redaction.clip(str(data.get("error") or data), 300)
    return redaction.clip(r.text or r.reason or "", 300)


def _seconds_until_reset(r: requests.Response) -> float | None:
    reset = r.headers.get("X-RateLimit-Reset")
    if not reset:
        return None
    try:
        when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids compare by length, then as text; never as numbers (GoToSocial's are ULIDs)."""
    return len(status_id), status_id


def _quoted_id(status: dict) -> str:
    """The id of the status this one quotes (Mastodon 4.5: a Quote or a ShallowQuote)."""
    quote = status.get("quote") or {}
    return str((quote.get("quoted_status") or {}).get("id") or quote.get("quoted_status_id") or "")


def _picture(attachment: dict) -> Media | None:
    """An attached image, or the still of a video, to be mirrored (never shown from there)."""
    kind = attachment.get("type")
    source = attachment.get("url") if kind == "image" else attachment.get("preview_url")
    if kind not in ("image", "gifv", "video") or not str(source or "").startswith("http"):
        return None
    mime = mimetypes.guess_type(urlsplit(source).path)[0] or "image/jpeg"
    return Media(path=None, type=mime, alt=str(attachment.get("description") or ""), source=source)
