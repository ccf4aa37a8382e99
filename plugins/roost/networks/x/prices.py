"""What X bills, request by request, and what a post would cost before it is sent.

Defaults from X's pay-per-use price list (docs.x.com x-api/getting-started/pricing, the
xdevplatform/docs snapshot of 2026-08-13, as shared/docs/social-apis-more.md section 6 and
social-apis.md section 3.1 restate it). X says these are "subject to change": the author
overrides any of them with ``ROOST_NETWORKS["x"]["prices"]`` (docs/x.md), and a price missing
from X's list is priced here on the side of caution, as its comment says.

Reads are billed per resource returned (a post, a user), writes per request. X deduplicates a
resource read twice in one UTC day (a soft guarantee); Roost does not count on that, so what it
counts is at most what X bills, never less.
"""

from __future__ import annotations

#: The date and source of the defaults below, shown by the docs and ``roost preview``.
AS_OF = "2026-08-13, docs.x.com pricing (pay-per-use)"

DEFAULTS: dict[str, float] = {
    "post_create": 0.015,  # POST /2/tweets, text without a URL
    "post_create_with_url": 0.200,  # POST /2/tweets whose text holds a URL: every blog post
    "post_delete": 0.010,  # DELETE /2/tweets/:id ("Interaction: Delete")
    # POST /2/media/upload is not on X's list; "Content: Manage" is the nearest item.
    "media_upload": 0.005,
    "media_metadata": 0.005,  # POST /2/media/metadata (the alt text)
    "post_read": 0.005,  # per post returned: search, lookups, quote lists
    # Owned reads, from 2026-04-20: the account's own mentions and posts, per post returned.
    "owned_read": 0.001,
    # Per user returned (users/me, liking_users, retweeted_by). X lists a like read at $0.001,
    # but liking_users returns users, so it is counted as a user read: the dearer of the two.
    "user_read": 0.010,
}


def for_part(text: str, images: int, has_url) -> dict[str, int]:
    """The billed items of sending one part: its uploads and alt texts, then the post."""
    items = {"post_create_with_url" if has_url(text) else "post_create": 1}
    if images:
        items |= {"media_upload": images, "media_metadata": images}
    return items
