"""A stateful fake Mastodon server, faithful to shared/docs/social-apis.md section 1.

No Mastodon server can be installed here, so the adapter is tested against this: real HTTP on
127.0.0.1, the real endpoints and error bodies, and the behaviours that matter for posting
exactly once:

* ``POST /api/v1/statuses`` (JSON or form): 401 for a bad token, 422 for blank text or text over
  ``max_characters`` as Mastodon counts it (content warning included), ``Idempotency-Key``
  remembered per account for an hour (the same key returns the first status, even with another
  body), concurrent requests with one key give one status; ``media_ids`` must be at most 4 of
  the account's own unattached, processed uploads (422 otherwise, with Mastodon's messages);
* ``PUT /api/v1/statuses/:id`` as UpdateStatusService does it (JSON or form, ``media_ids[]``,
  ``media_attributes[][id|description|focus]``): the attachments become exactly ``media_ids``, so
  an edit without them drops every one; ``spoiler_text`` and ``sensitive`` reset when absent,
  ``language`` is kept; an edit that changes nothing leaves ``edited_at`` and the history alone;
  every version is kept (``edits``) and served by ``GET .../:id/history``;
* ``GET /api/v1/statuses/:id/source`` (``id``, ``text``, ``spoiler_text``), ``GET`` / ``DELETE
  /api/v1/statuses/:id`` (404 ``Record not found``; delete returns the status with its source
  ``text``, and frees its uploads for a redraft, or deletes them with ``?delete_media=true``);
* ``POST /api/v2/media`` (200, or 202 with ``url: null`` when ``async_media``; 422 for alt text
  over 1500 characters, on upload or in an edit), then ``GET /api/v1/media/:id`` (the uploader's
  own) answering 206 until processed;
* ``GET /api/v2/instance``, ``GET /api/v1/accounts/verify_credentials``, ``GET
  /api/v1/apps/verify_credentials`` (4.3+: the application's ``scopes``), ``GET
  /api/v1/accounts/:id`` and ``GET /api/v1/accounts?id[]=`` (up to 40; unknown ids left out),
  ``GET /api/v1/accounts/:id/statuses`` (newest first, ``max_id``/``since_id``/``min_id``,
  ``limit`` 20 up to 40, ``Link``; another account's private and direct statuses only when
  they mention the reader); account ids are the crc32 of the username, and ``profiles`` changes
  what an account shows (``note``, ``display_name``, ``noindex``, ``avatar``, ``fields`` made
  with :func:`profile_field`) from then on;
* token scopes, checked per endpoint as Mastodon's controllers do (``read``/``write`` cover
  every ``read:*``/``write:*``): 403 ``This action is outside the authorized scopes``;
  ``no-media-token`` lacks ``write:media``, ``no-notifications-token`` ``read:notifications``;
* the backfeed's side: ``GET /api/v1/notifications`` (types[], min_id, since_id, max_id, Link
  paging; a reply notifies only if it mentions ``@camille``), ``GET .../:id/context`` (the
  whole subtree), ``favourited_by``, ``reblogged_by`` and, as in 4.5, ``quotes`` (a status made
  with ``quoted_status_id`` notifies ``quote`` and counts in ``quotes_count``), ``POST
  .../favourite`` and ``.../reblog`` by the other accounts, avatars (``/avatars/<name>.png``)
  and uploaded pictures (``/media-files/<id>.png``) served as PNG;
* ``idempotency=False`` behaves like GoToSocial, which ignores ``Idempotency-Key``;
* ``X-RateLimit-Limit/Remaining/Reset`` (ISO 8601) on every answer, 429 ``Too many requests``
  when the token's budget for the window is spent.

The request log, ``faults`` and ``on_request`` are the shared fake's (fakes/server.py).
``on_create`` is called
after a status is stored and before its answer is sent (crash tests kill the client there).
Tokens in ``expired`` get 401, those in ``unscoped`` 403 for everything. Tests may read and
change the state directly (``statuses``, ``media``, ``edits``, ``profiles``, ``scopes``, ...);
``delete_status_as`` deletes as the author would.
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
from urllib.parse import parse_qs, parse_qsl, urlsplit

from roost.networks.mastodon.counting import status_length

from .mastodon_followers import FollowersHandler, FollowersState
from .server import PNG_1X1, FakeHandler, FakeServer

IDEMPOTENCY_SECONDS = 3600
MAX_MEDIA = 4  # Status::MEDIA_ATTACHMENTS_LIMIT, also what /api/v2/instance advertises
MAX_ACCOUNTS = 40  # GET /api/v1/accounts?id[]= (DEFAULT_ACCOUNTS_LIMIT)
# What a token made with "read write follow push" holds; read and write cover their parts.
FULL_SCOPES = frozenset({"read", "write", "follow", "push"})
OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}
NOT_FOUND = {"error": "Record not found"}
# Mastodon's media_attachments.validations messages (a Mastodon::ValidationError: no prefix)
MEDIA_NOT_FOUND = "Media {ids} not found or already attached to another post"
MEDIA_NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
DESCRIPTION_LIMIT = 1500  # MediaAttachment validates it; /api/v2/instance advertises it
DESCRIPTION_TOO_LONG = (
    f"Validation failed: Description is too long (maximum is {DESCRIPTION_LIMIT} characters)"
)
OOB = "urn:ietf:wg:oauth:2.0:oob"
VAPID_KEY = "BFake-VAPID-key-of-the-fake-Mastodon-server-not-a-real-one="


class FakeMastodon(FollowersState, FakeServer):
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
        super().__init__()
        # token -> account; the others act on camille's posts
        self.tokens = tokens or {
            "good-token": "camille",
            "bob-token": "bob",
            "ines-token": "ines",
            "kenji-token": "kenji",
            "no-media-token": "camille",
            "no-notifications-token": "camille",
        }
        # token -> its scopes (its application's too: one application per token here); a token
        # not listed has FULL_SCOPES
        self.scopes: dict[str, set[str]] = {
            "no-media-token": {"read", "write:statuses"},
            "no-notifications-token": {"read:accounts", "read:statuses", "write"},
        }
        self.max_characters = max_characters
        self.async_media = async_media
        self.idempotency = idempotency  # False: GoToSocial, which ignores Idempotency-Key
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.statuses: dict[str, dict] = {}
        self.notifications: list[dict] = []  # oldest first
        self.avatar_png = PNG_1X1
        self.favourites: dict[str, list[str]] = {}  # status id -> accounts, in order
        self.reblogs: dict[str, list[str]] = {}
        # boost id -> "_by" (who boosted), "_of" (the status), "created_at": listed among the
        # booster's statuses. pins: account -> the ids of its pinned statuses, oldest pin first.
        self.boosts: dict[str, dict] = {}
        self.pins: dict[str, list[str]] = {}
        self.media: dict[str, dict] = {}  # "_account" uploaded it, "_status" it is attached to
        # status id -> its versions, oldest first, as Mastodon's StatusEdit keeps them: "text",
        # "spoiler_text", "sensitive", "media_ids", "media_descriptions", "created_at". Empty
        # until the first real edit, which also records the original.
        self.edits: dict[str, list[dict]] = {}
        # username -> what its profile shows now, over the defaults: "note" (HTML),
        # "display_name", "noindex", "avatar" (a path on this server, or a whole URL); any other
        # key is shown as given
        self.profiles: dict[str, dict] = {}
        self.async_refresh = False  # context answers "still fetching remote replies" (4.5)
        self.expired: set[str] = {"expired-token"}  # 401 "The access token expired"
        self.unscoped: set[str] = {"read-only-token"}  # 403: a token without the scope needed
        self.on_create = None
        self.clock = time.time  # replaceable, to age idempotency keys
        self._keys: dict[tuple[str, str], tuple[float, str]] = {}
        self._budget: dict[str, tuple[float, int]] = {}
        self._next_id = 115_000_000_000_000_000
        self._lock = threading.RLock()  # create_status holds it while taking a new id
        self.init_followers()  # mastodon_followers.py

    # -- state helpers -----------------------------------------------------------------------

    def new_id(self) -> str:
        with self._lock:
            self._next_id += 1
            return str(self._next_id)

    def live_statuses(self, account: str = "camille") -> list[dict]:
        return [s for s in self.statuses.values() if s["account"]["username"] == account]

    def token_scopes(self, token: str) -> set[str] | frozenset[str]:
        return self.scopes.get(token, FULL_SCOPES)

    def delete_status_as(self, account: str, sid: str, delete_media: bool = False) -> dict:
        """Delete a status as its author would (no request made, nothing logged); a KeyError
        for another's or a missing one, as the API's 404."""
        with self._lock:
            status = self.statuses.get(sid)
            if status is None or status["account"]["username"] != account:
                raise KeyError(sid)
            self.discard(sid, delete_media)
            return status

    def discard(self, sid: str, delete_media: bool = False) -> None:
        """A status gone. Its uploads are let go for a redraft (Mastodon nullifies their
        status), or deleted with it when asked (``?delete_media=true``)."""
        with self._lock:
            self.statuses.pop(sid, None)
            for mid, media in list(self.media.items()):
                if media.get("_status") == sid:
                    if delete_media:
                        del self.media[mid]
                    else:
                        media["_status"] = None

    def status_entity(self, s: dict) -> dict:
        out = {k: v for k, v in s.items() if not k.startswith("_")}
        if "account" in s:  # the author as the profile is now, as Mastodon renders it
            out["account"] = self.account_entity(s["account"]["username"])
        if "_text" in s:  # statuses stored by hand may lack these
            out.setdefault("spoiler_text", "")
            out.setdefault("sensitive", False)
        if s.get("in_reply_to_id") and "_text" in s:
            out["in_reply_to_account_id"] = self.replied_account(s)
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

    def media_entity(self, media: dict, description: str | None = None) -> dict:
        """A MediaAttachment; ``description`` stands in for the current one (an old version)."""
        out = {k: v for k, v in media.items() if not k.startswith("_")}
        if description is not None:
            out["description"] = description
        return out

    def account_entity(self, acct: str) -> dict:
        local = acct == "camille"
        out = {
            "id": account_id(acct),
            "username": acct,
            "acct": acct if local else f"{acct}@other.example",
            "display_name": acct.capitalize(),
            "url": f"https://other.example/@{acct}",
            "avatar": f"{self.url}/avatars/{acct}.png",
            "note": "",
            "fields": [],  # profile fields; see profile_field()
        }
        if local:  # Mastodon shows noindex for its own users only
            out["noindex"] = False
        out.update(self.follower_counts(acct))
        out.update(self.profiles.get(acct, {}))
        if out["avatar"].startswith("/"):
            out["avatar"] = self.url + out["avatar"]
        out.setdefault("avatar_static", out["avatar"])  # a still of it, for animated ones
        return out

    def replied_account(self, status: dict) -> str | None:
        """The id of the account a status answers (statuses stored by hand may lack it)."""
        if status.get("in_reply_to_account_id"):
            return status["in_reply_to_account_id"]
        parent = self.statuses.get(str(status.get("in_reply_to_id")))
        return account_id(parent["account"]["username"]) if parent else None

    def boost_entity(self, boost: dict) -> dict:
        """A boost as Mastodon lists it among the booster's statuses: a status whose ``reblog``
        is the boosted one, with no text of its own."""
        by = boost["_by"]
        return {
            "id": boost["id"], "created_at": boost["created_at"], "in_reply_to_id": None,
            "in_reply_to_account_id": None, "visibility": "public", "url": None,
            "uri": f"https://fake.mastodon.example/users/{by}/statuses/{boost['id']}/activity",
            "content": "", "spoiler_text": "", "media_attachments": [], "edited_at": None,
            "account": self.account_entity(by), "_by": by,
            "reblog": self.status_entity(self.statuses[boost["_of"]])
            if boost["_of"] in self.statuses else None,
        }  # fmt: skip

    def known_accounts(self) -> set[str]:
        """Every account the fake has heard of: those with tokens or profiles, and every author,
        liker, booster and notifier."""
        names = set(self.tokens.values()) | set(self.profiles)
        names |= {s["account"]["username"] for s in list(self.statuses.values())}
        for table in (self.favourites, self.reblogs):
            names |= {a for accounts in list(table.values()) for a in accounts}
        names |= {n["account"] for n in list(self.notifications)}
        return names

    def account_named_by(self, aid: str) -> str | None:
        return next((a for a in self.known_accounts() if account_id(a) == aid), None)

    def visible(self, status: dict, reader: str) -> bool:
        """Whether the reader may see it (no follows here): their own, a public or unlisted one,
        or one that mentions them."""
        return (
            status["account"]["username"] == reader
            or status.get("visibility", "public") in ("public", "unlisted")
            or re.search(rf"@{re.escape(reader)}\b", status.get("_text", "")) is not None
        )

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


class _Handler(FollowersHandler, FakeHandler):
    fake: FakeMastodon

    # -- routing -----------------------------------------------------------------------------

    def route(self, method: str, path: str) -> None:
        fake = self.fake
        account = None
        # The followers list is public (Mastodon 4.0+): a request without a token is read as
        # anonymous (mastodon_followers.py), one with a token is checked as everywhere.
        anonymous = self.is_followers(method, path) and not self.headers.get("Authorization")
        if anonymous:
            pass
        elif path != "/api/v2/instance" and not path.startswith(("/avatars/", "/media-files/")):
            token = self._token()
            if token in fake.expired:
                return self.send(401, {"error": "The access token expired"})
            if token in fake.unscoped:  # valid, but made without the scopes this needs
                return self.send(403, OUT_OF_SCOPE)
            account = self._account()
            if account is None:
                return self.send(401, {"error": "The access token is invalid"})
            if not self._spend(account):  # Rack::Attack counts it before any controller runs
                return
            needed = _needed_scopes(method, path)
            if needed and not needed & fake.token_scopes(token):
                return self.send(403, OUT_OF_SCOPE)
        routes = [
            ("GET", "/api/v2/instance", self.instance),
            ("GET", "/api/v1/accounts/verify_credentials", self.verify),
            ("GET", "/api/v1/apps/verify_credentials", self.app_credentials),
            ("GET", "/api/v1/accounts", self.accounts),
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
                ("GET", "history"): self.history,
                ("GET", "source"): self.source,
                ("GET", "favourited_by"): self.favourited_by,
                ("GET", "reblogged_by"): self.reblogged_by,
                ("GET", "quotes"): self.quotes,
                ("POST", "favourite"): self.favourite,
                ("POST", "reblog"): self.reblog,
            }.get((method, parts[4]))
            if action:
                return action(account, parts[3])
        if self.is_followers(method, path):
            return self.list_followers(account, parts[3])
        if parts[:3] == ["api", "v1", "accounts"] and parts[4:] == ["statuses"] and method == "GET":
            return self.account_statuses(account, parts[3])
        if parts == ["api", "v1", "accounts", "lookup"] and method == "GET":
            return self.lookup(account)
        if parts[:3] == ["api", "v1", "accounts"] and len(parts) == 4 and method == "GET":
            return self.account(account, parts[3])
        if parts[:3] == ["api", "v1", "statuses"] and len(parts) == 4:
            return {"GET": self.get_status, "PUT": self.edit_status, "DELETE": self.delete_status}[
                method
            ](account, parts[3])
        if parts[:3] == ["api", "v1", "media"] and len(parts) == 4 and method == "GET":
            return self.get_media(account, parts[3])
        self.send(404, NOT_FOUND)

    def _token(self) -> str:
        return self.bearer()

    def _account(self) -> str | None:
        return self.fake.tokens.get(self._token())

    def _spend(self, account: str) -> bool:
        fake = self.fake
        now = fake.clock()
        with fake._lock:
            start, used = fake._budget.get(account, (now, 0))
            if now - start >= fake.rate_window:
                start, used = now, 0
            self._reset = datetime.fromtimestamp(start + fake.rate_window, UTC)
            if used >= fake.rate_limit:
                self._remaining = 0
                self.send(429, {"error": "Too many requests"})
                return False
            fake._budget[account] = (start, used + 1)
            self._remaining = fake.rate_limit - used - 1
        return True

    def _body(self) -> dict:
        """The parameters, from JSON or from a form (urlencoded or multipart) with Rails' names:
        ``a[]`` a list, ``a[][k]`` or ``a[0][k]`` a list of dicts. Uploaded files stay bytes."""
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            body = json.loads(self.raw or b"{}")
            return body if isinstance(body, dict) else {}
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser().parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.raw
            )
            pairs = []
            for part in msg.get_payload():
                name = part.get_param("name", header="content-disposition")
                value = part.get_payload(decode=True)
                if part.get_filename() is None:
                    value = value.decode("utf-8")
                pairs.append((name, value))
            return _nested(pairs)
        return _nested(parse_qsl(self.raw.decode("utf-8"), keep_blank_values=True))

    def answer_headers(self) -> dict[str, str]:
        headers = {"X-RateLimit-Limit": str(self.fake.rate_limit)}
        if hasattr(self, "_remaining"):
            headers["X-RateLimit-Remaining"] = str(self._remaining)
            headers["X-RateLimit-Reset"] = self._reset.isoformat(timespec="microseconds")
        return headers

    # -- endpoints ---------------------------------------------------------------------------

    def instance(self, account):
        fake = self.fake
        self.send(
            200,
            {
                "domain": "fake.mastodon.example",
                "version": "4.5.0",
                "configuration": {
                    "statuses": {
                        "max_characters": fake.max_characters,
                        "max_media_attachments": MAX_MEDIA,
                        "characters_reserved_per_url": 23,
                    },
                    "media_attachments": {"description_limit": DESCRIPTION_LIMIT},
                },
            },
        )

    def verify(self, account):
        """The CredentialAccount: the account entity (its id as everywhere), local ``acct``."""
        fake = self.fake
        me = fake.account_entity(account)
        source = {"privacy": "public", "sensitive": False, "language": None, "fields": []}
        source["note"] = re.sub(r"<[^>]+>", "", me["note"])  # as typed, not as rendered
        source["hide_collections"] = me["hide_collections"]
        self.send(200, {**me, "acct": account, "source": source})

    def app_credentials(self, account):
        """What 4.3+ answers: the token's application, with its scopes (no scope needed)."""
        token = self._token()
        app = {
            "id": str(zlib.crc32(token.encode()) % 100_000),
            "name": "Roost",
            "website": None,
            "scopes": sorted(self.fake.token_scopes(token)),
            "redirect_uri": OOB,
            "redirect_uris": [OOB],
            "vapid_key": VAPID_KEY,
        }
        self.send(200, app)

    def accounts(self, account):
        """``GET /api/v1/accounts?id[]=``: at most 40 distinct ids (else 422, with the bare
        exception Mastodon raises), unknown ones left out."""
        fake = self.fake
        ids = list(dict.fromkeys(parse_qs(urlsplit(self.path).query).get("id[]", [])))
        if len(ids) > MAX_ACCOUNTS:
            return self.send(422, {"error": "Mastodon::ValidationError"})
        names = [fake.account_named_by(i) for i in ids]
        self.send(200, [fake.account_entity(n) for n in names if n is not None])

    def account(self, account, aid):
        fake = self.fake
        name = fake.account_named_by(aid)
        if name is None:
            return self.send(404, NOT_FOUND)
        self.send(200, fake.account_entity(name))

    def lookup(self, account):
        """``GET /api/v1/accounts/lookup?acct=user@domain`` (3.4+): one account, or 404."""
        fake = self.fake
        acct = parse_qs(urlsplit(self.path).query).get("acct", [""])[0].lstrip("@")
        for name in fake.known_accounts():
            if fake.account_entity(name)["acct"] == acct:
                return self.send(200, fake.account_entity(name))
        self.send(404, NOT_FOUND)

    def _attachable(self, account: str, ids: list[str], status_id: str | None = None):
        """The uploads ``media_ids`` names, checked as Post/UpdateStatusService check them: at
        most 4, each the account's own and unattached (or, in an edit, already on this status),
        none still processing. (media in the asked order, None) or (None, error message)."""
        fake = self.fake
        if len(ids) > MAX_MEDIA:
            return None, f"Cannot attach more than {MAX_MEDIA} files"
        found = {}  # by id, in the asked order, each once
        for mid in ids:
            media = fake.media.get(mid)
            mine = media is not None and media.get("_account") == account
            if mine and media.get("_status") in (None, status_id):
                found[mid] = media
        missing = [mid for mid in ids if mid not in found]
        if missing:
            return None, MEDIA_NOT_FOUND.format(ids=", ".join(missing))
        if any(m["_processed_after"] > 0 for m in found.values()):
            return None, MEDIA_NOT_READY
        return list(found.values()), None

    def create_status(self, account):
        fake = self.fake
        body = self._body()
        key = self.headers.get("Idempotency-Key") if fake.idempotency else None
        with fake._lock if key else _nolock():
            if key:
                seen = fake._keys.get((account, key))
                if seen and fake.clock() - seen[0] < IDEMPOTENCY_SECONDS:
                    status = fake.statuses.get(seen[1])
                    if status is not None:
                        return self.send(200, fake.status_entity(status))
            # In Mastodon's order: the controller finds what it answers or quotes, the service
            # checks the media, the model validates the text.
            reply_to = body.get("in_reply_to_id")
            if reply_to and str(reply_to) not in fake.statuses:
                return self.send(404, NOT_FOUND)
            quoted = body.get("quoted_status_id")
            if quoted and str(quoted) not in fake.statuses:
                return self.send(404, NOT_FOUND)
            media_ids = _ids(body.get("media_ids"))
            media, error = self._attachable(account, media_ids)
            if error:
                return self.send(422, {"error": error})
            text = str(body.get("status") or "")
            spoiler = str(body.get("spoiler_text") or "")
            if not text.strip() and not media:
                return self.send(422, {"error": "Validation failed: Text can't be blank"})
            if status_length(text, spoiler) > fake.max_characters:
                return self.send(422, self._too_long())
            sid = fake.new_id()
            for m in media:
                m["_status"] = sid
            status = {
                "id": sid,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "in_reply_to_id": str(reply_to) if reply_to else None,
                "in_reply_to_account_id": account_id(
                    fake.statuses[str(reply_to)]["account"]["username"]
                )
                if reply_to
                else None,
                "visibility": body.get("visibility", "public"),
                "language": body.get("language"),
                "url": f"https://fake.mastodon.example/@{account}/{sid}",
                "uri": f"https://fake.mastodon.example/users/{account}/statuses/{sid}",
                "content": f"<p>{_linkify(text)}</p>",
                "spoiler_text": spoiler,
                "sensitive": _sensitive(body.get("sensitive"), spoiler),
                "edited_at": None,
                "account": fake.account_entity(account),
                "media_attachments": [fake.media_entity(m) for m in media],
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
        self.send(200, fake.status_entity(status))

    def _too_long(self) -> dict:
        limit = self.fake.max_characters
        return {"error": f"Validation failed: Text character limit of {limit} exceeded"}

    def _page(self, items: list, key, base: str, default: int = 40, most: int = 80):
        """Mastodon's paging: newest first; min_id (the page right after), since_id (the
        newest page after), max_id (older than); ``limit`` (``default``, at most ``most``);
        (the page, a Link header with next and prev)."""
        query = parse_qs(urlsplit(self.path).query)
        limit = min(int(query.get("limit", [str(default)])[0]), most)
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
            url = f"{self.fake.url}{base}?limit={limit}"
            links.append(f'<{url}&max_id={key(page[-1])}>; rel="next"')
            links.append(f'<{url}&min_id={key(page[0])}>; rel="prev"')
        return page, {"Link": ", ".join(links)} if links else {}

    def avatar(self, name):
        """Avatars: a tiny PNG for most; kenji's is an SVG (refused), ines has none (404)."""
        fake = self.fake
        if name.startswith("ines"):
            return self.send(404, NOT_FOUND)
        if name.startswith("kenji"):
            body, mime = (
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "image/svg+xml",
            )
        else:
            body, mime = fake.avatar_png, "image/png"
        self.send_bytes(body, mime)

    def list_notifications(self, account):
        fake = self.fake
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
        self.send(200, body, headers)

    def context(self, account, sid):
        fake = self.fake
        status = fake.statuses.get(sid)
        if status is None:
            return self.send(404, NOT_FOUND)
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
        self.send(200, {"ancestors": ancestors, "descendants": descendants}, extra)

    def _who(self, table: dict, sid: str):
        fake = self.fake
        if sid not in fake.statuses:
            return self.send(404, NOT_FOUND)
        accounts = [{"id": str(i + 1), "acct": a} for i, a in enumerate(table.get(sid, []))]
        page, headers = self._page(accounts, lambda a: a["id"], urlsplit(self.path).path)
        self.send(200, [fake.account_entity(a["acct"]) for a in page], headers)

    def quotes(self, account, sid):
        """Statuses quoting this one (Mastodon 4.5): limit default 20, max 40, Link paging."""
        fake = self.fake
        if sid not in fake.statuses:
            return self.send(404, NOT_FOUND)
        query = parse_qs(urlsplit(self.path).query)
        if int(query.get("limit", ["20"])[0]) > 40:
            self.path = self.path.replace(f"limit={query['limit'][0]}", "limit=40")
        quoting = [s for s in fake.statuses.values() if s.get("_quoted") == sid]
        page, headers = self._page(quoting, lambda s: s["id"], urlsplit(self.path).path)
        self.send(200, [fake.status_entity(s) for s in page], headers)

    def media_file(self, name):
        """The bytes of an uploaded picture (what a server's media URL serves)."""
        self.send_bytes(self.fake.avatar_png, "image/png")

    def favourited_by(self, account, sid):
        self._who(self.fake.favourites, sid)

    def reblogged_by(self, account, sid):
        self._who(self.fake.reblogs, sid)

    def _act(self, table: dict, kind: str, account: str, sid: str):
        fake = self.fake
        status = fake.statuses.get(sid)
        if status is None:
            return self.send(404, NOT_FOUND)
        if account not in table.setdefault(sid, []):
            table[sid].append(account)
            if kind == "reblog":  # a boost is a status of the booster's, with an id of its own
                bid = fake.new_id()
                made = datetime.now(UTC).isoformat(timespec="milliseconds")
                fake.boosts[bid] = {"id": bid, "_by": account, "_of": sid, "created_at": made}
            owner = status["account"]["username"]
            if owner != account:
                fake.notify(owner, kind, account, sid)
        self.send(200, fake.status_entity(status))

    def favourite(self, account, sid):
        self._act(self.fake.favourites, "favourite", account, sid)

    def reblog(self, account, sid):
        self._act(self.fake.reblogs, "reblog", account, sid)

    def account_statuses(self, account, aid):
        """Newest first, paged like every list (``limit`` default 20, max 40): the author sees
        all their statuses, others what ``visible`` allows; their boosts are statuses of their
        own (``reblog`` holds the boosted one). As AccountStatusesFilter does it, before paging:
        ``pinned`` gives only the pinned ones, newest pin first, unpaged; ``exclude_replies``
        leaves out replies except those to the author's own statuses (Status.without_replies);
        ``exclude_reblogs`` the boosts; ``only_media`` those without attachments."""
        fake = self.fake
        author = fake.account_named_by(aid)
        if author is None:
            return self.send(404, NOT_FOUND)
        query = {k: v for k, v in parse_qsl(urlsplit(self.path).query)}
        own = account_id(author)
        theirs = [s for s in fake.live_statuses(author) if fake.visible(s, account)]
        if not _truthy(query.get("exclude_reblogs")):
            theirs += [fake.boost_entity(b) for b in fake.boosts.values() if b["_by"] == author]
        if _truthy(query.get("exclude_replies")):
            theirs = [
                s for s in theirs
                if not s.get("in_reply_to_id") or fake.replied_account(s) == own
            ]  # fmt: skip
        if _truthy(query.get("only_media")):
            theirs = [s for s in theirs if s.get("media_attachments")]
        pins = fake.pins.get(author, [])
        if _truthy(query.get("pinned")):
            pinned = sorted(
                (s for s in theirs if s["id"] in pins), key=lambda s: pins.index(s["id"])
            )
            page, headers = list(reversed(pinned)), {}
        else:
            path = urlsplit(self.path).path
            page, headers = self._page(theirs, lambda s: s["id"], path, default=20, most=40)
        shown = []
        for s in page:
            entity = s if "_by" in s else fake.status_entity(s)
            entity = {k: v for k, v in entity.items() if not k.startswith("_")}
            if account == author:  # Mastodon says "pinned" to the author only
                entity["pinned"] = s["id"] in pins
            shown.append(entity)
        self.send(200, shown, headers)

    def get_status(self, account, sid):
        fake = self.fake
        status = fake.statuses.get(sid)
        if status is None:
            return self.send(404, NOT_FOUND)
        self.send(200, fake.status_entity(status))

    def _own_status(self, account, sid) -> dict | None:
        """The account's own status, or None after answering 404 (another's is not found)."""
        status = self.fake.statuses.get(sid)
        if status is None or status["account"]["username"] != account:
            self.send(404, NOT_FOUND)
            return None
        return status

    def edit_status(self, account, sid):
        """UpdateStatusService. Mastodon's controller passes every parameter, present or not:
        so the attachments become exactly ``media_ids`` (none without it), the content warning
        and ``sensitive`` reset, and only ``language`` falls back to what the status had."""
        fake = self.fake
        status = self._own_status(account, sid)
        if status is None:
            return
        body = self._body()
        before = _version(status)
        media, error = self._attachable(account, _ids(body.get("media_ids")), sid)
        if error:
            return self.send(422, {"error": error})
        # media_attributes change only attachments among the new ones; kept until validated
        changes = {}
        for attrs in body.get("media_attributes") or []:
            if isinstance(attrs, dict) and any(m["id"] == str(attrs.get("id")) for m in media):
                changes[str(attrs["id"])] = attrs
        text, spoiler = body.get("status"), body.get("spoiler_text")
        if text and str(text).strip():
            text, spoiler = str(text), str(spoiler or "")
        else:  # a blank text takes the content warning's place, which then stays as it was
            text, spoiler = str(spoiler or ""), None
        after = {
            "text": text,
            "spoiler_text": before["spoiler_text"] if spoiler is None else spoiler,
            "sensitive": _sensitive(body.get("sensitive"), spoiler),
            "media_ids": [m["id"] for m in media],
            "media_descriptions": [_changed(m, changes.get(m["id"]))["description"] for m in media],
        }
        if any(len(d or "") > DESCRIPTION_LIMIT for d in after["media_descriptions"]):
            return self.send(422, {"error": DESCRIPTION_TOO_LONG})
        if not text.strip() and not media:
            return self.send(422, {"error": "Validation failed: Text can't be blank"})
        if status_length(after["text"], after["spoiler_text"]) > fake.max_characters:
            return self.send(422, self._too_long())
        language = body.get("language") or status.get("language")
        refocused = any(
            _changed(m, changes.get(m["id"])).get("meta") != m.get("meta") for m in media
        )
        if (
            all(after[k] == before[k] for k in after)
            and language == status.get("language")
            and not refocused
        ):
            return self.send(200, fake.status_entity(status))  # nothing changed: no edit
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        history = fake.edits.setdefault(sid, [])
        if not history:  # the first edit keeps the original too, dated when it was posted
            history.append({**before, "created_at": status["created_at"]})
        for m in media:
            m.update(_changed(m, changes.get(m["id"])), _status=sid)
        status.update(
            _text=after["text"],
            content=f"<p>{_linkify(after['text'])}</p>",
            spoiler_text=after["spoiler_text"],
            sensitive=after["sensitive"],
            language=language,
            media_attachments=[fake.media_entity(m) for m in media],
            edited_at=now,
        )
        history.append({**after, "created_at": now})
        self.send(200, fake.status_entity(status))

    def history(self, account, sid):
        """Every version, oldest first; a status never edited has one, itself."""
        fake = self.fake
        status = fake.statuses.get(sid)
        if status is None or not fake.visible(status, account):
            return self.send(404, NOT_FOUND)
        versions = fake.edits.get(sid) or [
            {**_version(status), "created_at": status.get("edited_at") or status["created_at"]}
        ]
        author = fake.account_entity(status["account"]["username"])
        self.send(200, [self._edit_entity(v, author) for v in versions])

    def _edit_entity(self, version: dict, author: dict) -> dict:
        fake = self.fake
        attachments = [
            fake.media_entity(fake.media[mid], description)
            for mid, description in zip(
                version["media_ids"], version["media_descriptions"], strict=True
            )
            if mid in fake.media
        ]
        return {
            "content": f"<p>{_linkify(version['text'])}</p>",
            "spoiler_text": version["spoiler_text"],
            "sensitive": version["sensitive"],
            "created_at": version["created_at"],
            "account": author,
            "media_attachments": attachments,
            "emojis": [],
        }

    def source(self, account, sid):
        """The text as typed, for editing. Mastodon serves it for any status the reader may
        see (StatusesBaseController authorizes ``show?``), not only their own."""
        fake = self.fake
        status = fake.statuses.get(sid)
        if status is None or not fake.visible(status, account):
            return self.send(404, NOT_FOUND)
        body = {"id": sid, "text": status["_text"], "spoiler_text": status.get("spoiler_text", "")}
        self.send(200, body)

    def delete_status(self, account, sid):
        fake = self.fake
        status = self._own_status(account, sid)
        if status is None:
            return
        entity = {**fake.status_entity(status), "text": status["_text"]}
        query = parse_qs(urlsplit(self.path).query)
        fake.discard(sid, delete_media=_truthy(query.get("delete_media", [None])[0]))
        self.send(200, entity)

    def upload_media(self, account):
        fake = self.fake
        body = self._body()
        if not body.get("file"):
            return self.send(422, {"error": "Validation failed: File can't be blank"})
        description = body.get("description", b"")
        if isinstance(description, bytes):
            description = description.decode()
        if len(description or "") > DESCRIPTION_LIMIT:
            return self.send(422, {"error": DESCRIPTION_TOO_LONG})
        mid = fake.new_id()
        media = {
            "id": mid,
            "type": "image",
            "url": None if fake.async_media else f"{fake.url}/media-files/{mid}.png",
            "preview_url": f"{fake.url}/media-files/{mid}-small.png",
            "description": description,
            "_processed_after": 2 if fake.async_media else 0,
            "_account": account,  # only its uploader may attach it (or even look at it)
            "_status": None,
        }
        fake.media[mid] = media
        self.send(202 if fake.async_media else 200, fake.media_entity(media))

    def get_media(self, account, mid):
        fake = self.fake
        media = fake.media.get(mid)
        if media is None or media.get("_account") != account:
            return self.send(404, NOT_FOUND)
        if media["_processed_after"] > 0:
            media["_processed_after"] -= 1
            if media["_processed_after"] > 0:
                return self.send(206, fake.media_entity(media))
            media["url"] = f"{fake.url}/media-files/{mid}.png"
        self.send(200, fake.media_entity(media))


def _version(status: dict) -> dict:
    """A status as one entry of its history (created_at aside)."""
    attachments = status.get("media_attachments", [])
    return {
        "text": status["_text"],
        "spoiler_text": status.get("spoiler_text", ""),
        "sensitive": status.get("sensitive", False),
        "media_ids": [a["id"] for a in attachments],
        "media_descriptions": [a.get("description") for a in attachments],
    }


def _changed(media: dict, attrs: dict | None) -> dict:
    """An upload's description and meta once ``media_attributes`` applies (focus: "x,y")."""
    out = {"description": media["description"]}
    if media.get("meta") is not None:
        out["meta"] = media["meta"]
    if attrs and "description" in attrs:
        given = attrs["description"]
        out["description"] = None if given is None else str(given)
    if attrs and "focus" in attrs:
        x, _, y = str(attrs["focus"]).partition(",")
        out["meta"] = {"focus": {"x": float(x or 0), "y": float(y or 0)}}
    return out


def _sensitive(given, spoiler: str | None) -> bool:
    """``sensitive || spoiler_text.present?`` as Ruby reads it: any given value but false or
    null stands (cast), else a content warning makes the status sensitive."""
    if given is None or given is False:
        return bool((spoiler or "").strip())
    return _truthy(given)


def account_id(username: str) -> str:
    """The id the fake gives an account: stable, and the same in every entity."""
    return str(zlib.crc32(username.encode()))


def _needed_scopes(method: str, path: str) -> frozenset[str]:
    """The scopes of which a token must hold one, per Mastodon's controllers
    (``doorkeeper_authorize!`` / ``authorize_if_got_token!``); empty: any valid token will do."""
    parts = path.strip("/").split("/")

    def either(umbrella: str, part: str) -> frozenset[str]:
        return frozenset({umbrella, f"{umbrella}:{part}"})

    if parts[:3] == ["api", "v1", "statuses"]:
        action = parts[4] if len(parts) == 5 else None
        if method == "GET":  # who liked or boosted is about accounts, the rest about statuses
            about = "accounts" if action in ("favourited_by", "reblogged_by") else "statuses"
            return either("read", about)
        return either("write", "favourites" if action == "favourite" else "statuses")
    if path == "/api/v1/accounts/verify_credentials":
        return either("read", "accounts") | {"profile"}  # 4.3 added the profile scope
    if parts[:3] == ["api", "v1", "accounts"]:
        return either("read", "statuses" if parts[4:] == ["statuses"] else "accounts")
    if parts[:3] in (["api", "v2", "media"], ["api", "v1", "media"]):
        return either("write", "media")
    if parts[:3] == ["api", "v1", "notifications"]:
        return either("read", "notifications")
    return frozenset()  # apps/verify_credentials, and routes that answer 404


def _nested(pairs) -> dict:
    """Form fields as Rack nests them: ``a[]`` appends to a list; ``a[][k]`` fills the last
    dict of a list and starts a new one when ``k`` is already in it; ``a[i][k]`` gathers dicts
    by index, in index order; any other name keeps its last value."""
    out: dict = {}
    by_index: dict[str, dict[str, dict]] = {}
    for name, value in pairs:
        m = re.fullmatch(r"([^\[\]]+)\[([^\[\]]*)\](?:\[([^\[\]]+)\])?", name)
        if m is None:
            out[name] = value
            continue
        base, index, key = m.groups()
        if key is None and index == "":
            out.setdefault(base, []).append(value)
        elif key is None:
            out.setdefault(base, {})[index] = value
        elif index == "":
            items = out.setdefault(base, [])
            if not items or key in items[-1]:
                items.append({})
            items[-1][key] = value
        else:
            by_index.setdefault(base, {}).setdefault(index, {})[key] = value
    for base, dicts in by_index.items():
        out[base] = [dicts[i] for i in sorted(dicts, key=lambda i: (len(i), i))]
    return out


def _ids(value) -> list[str]:
    """An id list parameter; Rails permits only an array there, so anything else is none."""
    return [str(i) for i in value] if isinstance(value, list) else []


def _truthy(value) -> bool:
    """A boolean parameter as Rails casts it (form values arrive as strings)."""
    return value is not None and str(value).strip().lower() not in ("", "0", "f", "false", "off")


def _linkify(text: str) -> str:
    """Text as Mastodon renders it: escaped, its addresses made links, and each mention shown
    as Mastodon shows it, ``@user`` alone (the domain is in the link, not in the text)."""
    out, at = [], 0
    for m in re.finditer(r"https?://\S+|(?<![\w@])@(\w+)@([\w.-]+\w)", text):
        out.append(html.escape(text[at : m.start()]))
        if m.group(1):
            user, domain = html.escape(m.group(1)), html.escape(m.group(2))
            out.append(
                f'<span class="h-card" translate="no"><a href="https://{domain}/@{user}" '
                f'class="u-url mention">@<span>{user}</span></a></span>'
            )
        else:
            url = html.escape(m.group())
            out.append(f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>')
        at = m.end()
    return "".join(out) + html.escape(text[at:])


def profile_field(name: str, value: str, verified_at: str | None = None) -> dict:
    """An Account's profile field as Mastodon renders it: an address becomes a link (the scheme
    in an invisible span, ``rel="nofollow noopener me"``); ``verified_at`` is when Mastodon last
    found the page linking back (None if never)."""
    if re.fullmatch(r"https?://\S+", value):
        scheme, rest = value.split("://", 1)
        rendered = (
            f'<a href="{html.escape(value)}" target="_blank" rel="nofollow noopener me" '
            f'translate="no"><span class="invisible">{scheme}://</span>'
            f'<span class="">{html.escape(rest)}</span><span class="invisible"></span></a>'
        )
    else:
        rendered = html.escape(value)
    return {"name": name, "value": rendered, "verified_at": verified_at}


FakeMastodon.Handler = _Handler


class _nolock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def aged(fake: FakeMastodon, seconds: float) -> None:
    """Move the fake's clock forward (idempotency keys and rate windows age)."""
    base = fake.clock
    fake.clock = lambda: base() + seconds
