"""The author's followers on Mastodon, for ``roost audience snapshot``.

Follows docs.joinmastodon.org methods/accounts (``GET /api/v1/accounts/:id/followers``, as
summarised in shared/docs/formats.md section 2): an array of Account entities, ``limit`` 40 by
default and 80 at most, paged by the ``Link`` header (its ``max_id`` is a Follow id, not an
account id, so Roost only follows the link). The author's account id comes from
``verify_credentials``, which also says whether the account hides its network
(``source.hide_collections``, ``hide_collections`` on the entity) and how many follow it.

The request carries the author's token: Mastodon shows an account that hides its network its
own followers, and a server in limited-federation ("whitelist") mode answers 401 to anyone
without one. A follower whose profile sets ``noindex`` or ``discoverable: false``, or says
``#nobot``, is marked ``opted_out`` (Mastodon shows ``noindex`` for its own users only, so
``discoverable`` is what a remote follower's choice looks like here).
"""

from __future__ import annotations

from ..base import Followers, translated_items
from . import reading

PAGE = 80  # the most Mastodon gives a page of accounts (twice DEFAULT_ACCOUNTS_LIMIT)
# Seconds a snapshot may wait, in all, for the rate budget: paging requests are 300 per 15
# minutes per account, so 100,000 followers (1,250 pages) wait about an hour.
PATIENCE = 4 * 3600
MOST_PAGES = 25_000  # 2,000,000 followers; past that a server is paging for ever


class MastodonFollowers:
    """The audience's side of the adapter: mixed into it, sharing its API client."""

    def followers(self) -> Followers:
        me = self.api.get("/api/v1/accounts/verify_credentials")
        self._account_id = str(me["id"])
        source = me.get("source") if isinstance(me.get("source"), dict) else {}
        hidden = bool(me.get("hide_collections") or source.get("hide_collections"))
        count = me.get("followers_count")
        path = f"/api/v1/accounts/{self._account_id}/followers"
        pages = self.api.iter_link_pages(path, PAGE, patience=PATIENCE, most=MOST_PAGES)
        people = (self._follower(a) for a in pages if isinstance(a, dict) and a.get("acct"))
        return Followers(
            people=translated_items(self.NAME, people),
            announced=count if isinstance(count, int) and not isinstance(count, bool) else None,
            hidden=hidden,
        )

    def _follower(self, account: dict):
        person = reading.person(account, self.host, self.me)
        if account.get("discoverable") is False:  # not null: never asked is not a refusal
            person.opted_out = True
        return person
