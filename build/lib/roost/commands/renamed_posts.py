"""A post whose slug changed keeps its ledger, so ``roost syndicate`` never sends it twice.

A post's records file is named by its key (its slug). When the author renames the slug (or the
file), the old records file belongs to no post any more and the post looks new. Before anything
is planned, :func:`carry_over` finds, for each post, the orphaned records that are its own (by
the source file, date and title each records file keeps) and renames that file to the new key.
When more than one could be, nothing is guessed: the post is blocked for the run and the author
is told which files to choose from.
"""

from __future__ import annotations

from ..model import PostRecord, RecordError, format_time
from ..networks.compose import Post
from ..store import Store
from .outcomes import Outcome


def carry_over(
    store: Store, posts: list[Post], networks: list[str]
) -> tuple[list[Outcome], set[str]]:
    """Carry each post's ledger over to its new key when its slug changed (``_same_post`` says
    which orphaned records are this post's). Every record of a post that has copies learns the
    post's identity for next time. Returns what was done, and the posts whose ledger is
    ambiguous (nothing may be sent for them)."""
    outcomes: list[Outcome] = []
    blocked: set[str] = set()
    keys = {p.key for p in posts}
    sources = {p.source for p in posts}
    orphans: dict[str, PostRecord] = {}
    for key in store.post_keys():
        if key in keys:
            continue
        try:
            record = store.read_post(key)
        except RecordError:
            continue  # named when its own post is planned, or by roost check
        if record.syndications or record.intents:
            orphans[key] = record
    for post in posts:
        try:
            record = store.read_post(post.key)
        except RecordError:
            continue
        mine = [k for k, r in orphans.items() if _same_post(r, post, sources)]
        if len(mine) > 1:
            outcomes += [
                Outcome(
                    post.key,
                    name,
                    "failed",
                    f"its ledger could be any of {', '.join(sorted(mine))}; rename the right "
                    f"file to {post.key}.json; nothing was sent",
                )
                for name in networks
            ]
            blocked.add(post.key)
            continue
        if mine:
            old = mine[0]
            with store.lock():
                store.rename_post(old, post.key)
                record = store.read_post(post.key)
            orphans.pop(old)
            outcomes.append(
                Outcome(
                    post.key,
                    "*",
                    "renamed",
                    f"the ledger of {old} carried over (the post's slug changed); nothing is "
                    "sent twice",
                )
            )
        if (record.syndications or record.intents) and _identity(record) != _identity(post):
            with store.lock():
                record = store.read_post(post.key)
                remember_identity(record, post)
                store.write_post(record)
    return outcomes, blocked


def _same_post(record: PostRecord, post: Post, sources: set) -> bool:
    """Whether a record that belongs to no post is this post's: it names the post's file and
    has its date or its title (a new slug, perhaps a new title; not a new post written in a
    file that once held another), or its file is gone and it has the post's date and title (a
    file renamed with its slug), or it predates identities and has both."""
    date = format_time(post.date)
    same = (record.date == date) + (record.title == post.title)
    if record.source and record.source == post.source:
        return same >= 1
    return same == 2 and (not record.source or record.source not in sources)


def remember_identity(record: PostRecord, post: Post) -> None:
    """Keep in the record what identifies its post when its slug changes."""
    record.source, record.title, record.date = post.source, post.title, format_time(post.date)


def _identity(thing) -> tuple:
    date = thing.date if isinstance(thing.date, str | None) else format_time(thing.date)
    return thing.source, thing.title, date
