"""What the backfeed asks of Threads (developers.facebook.com/documentation/threads:
reply-management, replies-and-conversations, insights): the whole conversation of a post, and
its likes, reposts and quotes as numbers.

* ``GET /{root}/conversation`` lists every reply at every depth, flattened, with its parent
  (``replied_to``); read oldest first (``reverse=false``), page by page (``after`` cursors).
  The author's own self-thread parts are the post itself and are left out; the author's other
  replies are archived as the author's. A reply without a ``username`` is a private account's
  (Threads names public accounts only) and is not archived; nor is a hidden one.
* ``GET /{copy}/insights?metric=likes,reposts,quotes`` gives counts only: Threads has no list
  of who liked or reposted. They become the copy's ``tallies`` (shown as "12 likes on
  Threads"), never people.
* Threads has no notifications of replies (only of mentions): posts are read when the
  backfeed's decaying sweep reaches them (``activity`` keeps the base's "nothing known").

Evidence of a deletion: a reply missing from a complete conversation is looked up
(``GET /{id}``) and only "no such object" removes it. Nothing else is ever removed.
"""

from __future__ import annotations

import html

from ...archive import Harvest
from ...model import Interaction, Media, format_time
from ...people import Person
from ..base import Rejected, Unauthorized
from ..harvesting import Hints, gone_on_evidence, parse_time
from . import graph

FIELDS = (
    "id,text,username,permalink,timestamp,media_type,media_url,hide_status,replied_to,"
    "root_post,is_reply_owned_by_me"
)
METRICS = ("likes", "reposts", "quotes")
HIDDEN = ("HIDDEN", "COVERED", "BLOCKED", "RESTRICTED")


class ThreadsBackfeed:
    """The backfeed's side of the adapter: mixed into it, sharing its API client."""

    def harvest(self, record, hints: Hints, counts: dict[str, str]) -> Harvest:
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest = Harvest(counts=dict(counts))
        replies = self.conversation(copies[0].id)
        if replies is None:
            return harvest  # our copy is gone: nothing to learn, nothing to remove
        listed = set()
        for item in replies:
            iid = str(item["id"])
            if iid in ours or item.get("hide_status") in HIDDEN or not item.get("username"):
                continue
            who = self.replier(item)
            listed.add(f"threads:{iid}")
            harvest.people.append(who)
            harvest.interactions.append(reply(item, who, ours))
        known = {x.id: x for x in record.interactions}
        gone_on_evidence(harvest, known, self.NAME, "reply", listed, self._still_there)
        harvest.counts = {}
        for copy in copies:
            numbers = self.insights(copy.id)
            if numbers is None:
                continue  # no insights scope, or the copy is gone: counts stay as they were
            harvest.counts[copy.id] = "/".join(str(numbers[m]) for m in METRICS)
            harvest.tallies[(self.NAME, copy.id)] = {
                "like": numbers["likes"],
                "repost": numbers["reposts"],
                "quote": numbers["quotes"],
            }
        return harvest

    def conversation(self, root: str) -> list[dict] | None:
        """Every reply under ``root``, all depths, oldest first; None when ``root`` is gone."""
        items: list[dict] = []
        params = {"fields": FIELDS, "reverse": "false", "limit": 100}
        what = f"the conversation of {root}"
        try:
            for data in graph.pages(self.api, self.NAME, f"/{root}/conversation", params, what):
                items += data
        except Rejected as e:
            # Gone on the first page (a later page follows one that had replies): nothing left.
            if e.status == 404 and not items:
                return None
            raise
        return items

    def insights(self, media_id: str) -> dict[str, int] | None:
        """The copy's like, repost and quote counts (0 for any not given)."""
        try:
            page = self.api.get(f"/{media_id}/insights", params={"metric": ",".join(METRICS)})
        except (Rejected, Unauthorized) as e:
            if e.status in (403, 404):
                return None
            raise
        numbers = dict.fromkeys(METRICS, 0)
        for metric in page.get("data") or []:
            if metric.get("name") in numbers:
                values = metric.get("values") or [{}]
                value = values[-1].get("value", metric.get("total_value", {}).get("value", 0))
                numbers[metric["name"]] = max(0, int(value or 0))
        return numbers

    def replier(self, item: dict) -> Person:
        name = str(item["username"])
        return Person(
            id=f"threads:{name.lower()}",
            network="threads",
            name=name,
            handle="@" + name,
            url=f"https://www.threads.net/@{name}",
            is_author=name.lower() == self.handle or item.get("is_reply_owned_by_me") is True,
        )

    def _still_there(self, iid: str) -> bool | None:
        try:
            self.api.get(f"/{iid.split(':', 1)[1]}", params={"fields": "id"})
        except Rejected as e:
            if e.status == 404:
                return False
            raise
        return True


def reply(item: dict, who: Person, ours: set[str]) -> Interaction:
    """A reply as a record: its text as HTML (escaped, line breaks kept; the store sanitises
    again), its parent None when it answers one of the post's copies."""
    parent = str((item.get("replied_to") or {}).get("id") or "")
    text = html.escape(str(item.get("text") or ""))
    content = "<p>" + text.replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
    media = []
    source = str(item.get("media_url") or "")
    if item.get("media_type") == "IMAGE" and source.startswith("https://"):
        media.append(Media(path=None, type="image/jpeg", source=source))
    return Interaction(
        id=f"threads:{item['id']}",
        network="threads",
        kind="reply",
        author=who.id,
        published=format_time(parse_time(item["timestamp"])),
        url=str(item["permalink"]) if str(item.get("permalink", "")).startswith("http") else None,
        content=content if text else "",
        in_reply_to=None if not parent or parent in ours else f"threads:{parent}",
        media=media,
    )
