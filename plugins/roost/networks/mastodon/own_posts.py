"""The author's own latest statuses, for the account watch (``commands/watch.py``).

Follows docs.joinmastodon.org methods/accounts, "Get account's statuses":
``GET /api/v1/accounts/:id/statuses``, newest first within a page, ``limit`` up to 40,
``min_id`` for the page right after a status (so a run reads forward from its mark and never
skips), ``exclude_replies`` (Mastodon's ``without_replies`` scope keeps the author's answers to
their own statuses: a thread's later parts still come) and ``exclude_reblogs``. ``pinned`` is not
asked: a pinned status is listed at its own date.

A quiet run costs one request; the first, two (the account's id, then where it stands). The
mark is ``"<instance> <account id> <newest status id seen>"``: another instance or account in
the settings starts again from where that account stands.
"""

from __future__ import annotations

from ...model import format_time
from ..compose import plain_text
from ..harvesting import parse_time
from ..http import PageGuard
from ..own_posts import OwnPost, OwnPosts
from . import reading

PAGE = 40  # the most Mastodon gives
#: Pages read in one run: 400 statuses. More waits for the next run, from where this one
#: stopped (the mark moves only over what was read).
MOST_PAGES = 10


class MastodonOwnPosts:
    """The watch's side of the adapter: mixed into it, sharing its API client."""

    def own_posts(self, mark: str | None, kinds: frozenset[str]) -> OwnPosts:
        instance, account, since = ((mark or "").split(" ") + ["", "", ""])[:3]
        if instance != self.base or not account or not since:
            account = str(self.api.get("/api/v1/accounts/verify_credentials")["id"])
            path = f"/api/v1/accounts/{account}/statuses"
            newest = self.api.get(f"{path}?limit=1")  # where the account stands: the start
            since = str(newest[0]["id"]) if isinstance(newest, list) and newest else "0"
            return OwnPosts([], f"{self.base} {account} {since}", first=True)
        path = f"/api/v1/accounts/{account}/statuses"
        query = f"limit={PAGE}"
        query += "" if "reply" in kinds else "&exclude_replies=true"
        query += "" if "repost" in kinds else "&exclude_reblogs=true"
        found: list[dict] = []
        guard = PageGuard(self.NAME, "the account's statuses")
        for _ in range(MOST_PAGES):
            guard.next(since)
            page = self.api.get(f"{path}?{query}&min_id={since}")
            if not isinstance(page, list) or not page:
                break
            found += page
            since = max((str(s["id"]) for s in page), key=reading.id_order)
            if len(page) < PAGE:
                break  # a short page is the last
        posts = [own_post(s, account) for s in found]
        posts.sort(key=lambda p: reading.id_order(p.id), reverse=True)
        return OwnPosts([p for p in posts if p.kind in kinds], f"{self.base} {account} {since}")


def own_post(status: dict, account: str) -> OwnPost:
    """A status of the author's as the watch sees it (its kind, its first words)."""
    shown = status.get("reblog") or status
    if status.get("reblog"):
        kind = "repost"
    elif status.get("in_reply_to_id"):
        own = str(status.get("in_reply_to_account_id") or "") == account
        kind = "thread" if own else "reply"
    elif status.get("quote"):
        kind = "quote"
    else:
        kind = "post"
    return OwnPost(
        id=str(status["id"]),
        url=str(shown.get("url") or shown.get("uri") or ""),
        published=format_time(parse_time(status["created_at"])),
        kind=kind,
        text=plain_text(
            " ".join([str(shown.get("spoiler_text") or ""), str(shown.get("content") or "")])
        ),  # fmt: skip
    )
