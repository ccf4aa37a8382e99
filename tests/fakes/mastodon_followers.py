"""The fake Mastodon's followers collection, as Mastodon 4.x serves it
(``Api::V1::Accounts::FollowerAccountsController``; docs.joinmastodon.org methods/accounts, and
shared/docs/formats.md section 2):

* ``GET /api/v1/accounts/:id/followers``: Account entities, newest follow first; ``limit``
  40 by default, 80 at most (a larger one is cut to 80); ``max_id`` / ``since_id`` / ``min_id``
  are Follow ids, not account ids; a ``Link`` header with ``rel="next"`` (``max_id`` of the
  page's last follow) only when the page is full, and ``rel="prev"`` (``since_id``) when it is
  not empty, keeping ``limit`` only if the request gave it;
* an account that hides its network (``hide_collections``) shows its followers to itself only:
  anyone else, and anonymous readers, get ``[]``;
* the endpoint is public (no token needed since 4.0), except in limited-federation
  ("whitelist") mode, where an anonymous request gets 401 ``This API requires an authenticated
  user``;
* ``followers_count`` and ``hide_collections`` on the Account entity, and
  ``source.hide_collections`` on the CredentialAccount.

State: ``followers`` (username -> [(follow id, follower username)], oldest first),
``hides_network`` (usernames), ``whitelist_mode``. ``follow``/``unfollow``/``add_followers``
change it as the followers themselves would. Two faults of other servers: ``owner_sees_hidden``
False hides a hidden network from its owner too, ``links_loop`` names the same next page again.
"""

from __future__ import annotations

import bisect
from urllib.parse import urlencode

DEFAULT_LIMIT = 40  # DEFAULT_ACCOUNTS_LIMIT
MAX_LIMIT = 80  # limit_param caps at twice the default
NEEDS_USER = {"error": "This API requires an authenticated user"}


class FollowersState:
    """Mixed into FakeMastodon."""

    def init_followers(self) -> None:
        self.followers: dict[str, list[tuple[int, str]]] = {}
        self.hides_network: set[str] = set()
        self.whitelist_mode = False
        # Faults of servers that are not Mastodon's, for the tests: a server that hides a hidden
        # network from its owner too, and one whose next link names the same page again.
        self.owner_sees_hidden = True
        self.links_loop = False
        self._follow_id = 0

    def follow(self, target: str, follower: str) -> None:
        with self._lock:
            self._follow_id += 1
            self.followers.setdefault(target, []).append((self._follow_id, follower))

    def unfollow(self, target: str, follower: str) -> None:
        with self._lock:
            kept = [f for f in self.followers.get(target, []) if f[1] != follower]
            self.followers[target] = kept

    def add_followers(self, target: str, n: int, prefix: str = "reader") -> list[str]:
        names = [f"{prefix}{i}" for i in range(n)]
        for name in names:
            self.follow(target, name)
        return names

    def follower_counts(self, username: str) -> dict:
        return {
            "followers_count": len(self.followers.get(username, [])),
            "hide_collections": username in self.hides_network,
        }


class FollowersHandler:
    """Mixed into the fake's handler."""

    @staticmethod
    def is_followers(method: str, path: str) -> bool:
        parts = path.strip("/").split("/")
        return (
            method == "GET"
            and parts[:3] == ["api", "v1", "accounts"]
            and parts[4:] == ["followers"]
        )

    def list_followers(self, reader: str | None, aid: str) -> None:
        fake = self.fake
        if reader is None and fake.whitelist_mode:
            return self.send(401, NEEDS_USER)
        owner = fake.account_named_by(aid)
        if owner is None:
            return self.send(404, {"error": "Record not found"})
        q = self.query
        try:
            limit = min(abs(int(q.get("limit", DEFAULT_LIMIT))), MAX_LIMIT) or DEFAULT_LIMIT
        except ValueError:
            limit = DEFAULT_LIMIT
        follows = fake.followers.get(owner, [])  # oldest first, ids ascending
        if owner in fake.hides_network and (reader != owner or not fake.owner_sees_hidden):
            follows = []
        low, high = 0, len(follows)  # the window of follows asked for, by Follow id
        if q.get("max_id"):
            high = bisect.bisect_left(follows, (int(q["max_id"]),))
        if q.get("since_id"):
            low = bisect.bisect_right(follows, (int(q["since_id"]), "\uffff"))
        if q.get("min_id"):  # the oldest after min_id, still served newest first
            low = bisect.bisect_right(follows, (int(q["min_id"]), "\uffff"))
            high = min(high, low + limit)
        follows = follows[max(low, high - limit) : high][::-1]  # newest first
        page = follows[:limit]
        base = f"{fake.url}/api/v1/accounts/{aid}/followers"
        keep = {"limit": q["limit"]} if "limit" in q else {}
        links = []
        if len(page) == limit:
            last = q["max_id"] if fake.links_loop and "max_id" in q else page[-1][0]
            links.append(f'<{base}?{urlencode({**keep, "max_id": last})}>; rel="next"')
        if page:
            links.append(f'<{base}?{urlencode({**keep, "since_id": page[0][0]})}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        self.send(200, [fake.account_entity(name) for _, name in page], headers)
