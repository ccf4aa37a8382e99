"""The author's followers on Bluesky, for ``roost audience snapshot``.

Follows the lexicon ``app.bsky.graph.getFollowers`` (shared/docs/social-apis.md section 2.8):
``{"subject", "followers": [profileView], "cursor"}``, 100 a page at most, paged by an opaque
cursor, asked through the author's PDS (which hands ``app.bsky.*`` to the AppView). How many
follow the account comes from ``app.bsky.actor.getProfile`` (``followersCount``). Bluesky has
no way to hide one's followers.

A follower labelled ``!no-unauthenticated`` ("don't show my account to logged-out visitors"),
or whose description says ``#nobot``, is marked ``opted_out`` (``reading.person``).
"""

from __future__ import annotations

from ..base import Followers, translated_items
from . import reading

PAGE = 100  # the lexicon's maximum
MOST_PAGES = 20_000  # 2,000,000 followers; past that a server is paging for ever
PATIENCE = 3600  # seconds a snapshot may wait, in all, for the rate budget (3,000 per 5 min)


class BlueskyFollowers:
    """The audience's side of the adapter: mixed into it, sharing its API client."""

    def followers(self) -> Followers:
        did = self.session.did
        profile = self.api.get("/app.bsky.actor.getProfile", params={"actor": did})
        count = profile.get("followersCount") if isinstance(profile, dict) else None
        pages = self.api.iter_cursor_pages(
            "/app.bsky.graph.getFollowers",
            "followers",
            {"actor": did, "limit": PAGE},
            patience=PATIENCE,
            most=MOST_PAGES,
        )
        people = (
            reading.person(actor, self.app_url, did)
            for actor in pages
            if isinstance(actor, dict) and actor.get("did")
        )
        return Followers(
            people=translated_items(self.NAME, people),
            announced=count if isinstance(count, int) and not isinstance(count, bool) else None,
        )
