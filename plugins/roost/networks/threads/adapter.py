"""Threads (Meta's Threads API): posts with pictures (one, or a carousel) and alt text,
self-threads as replies, deletes; replies brought home from the conversation, likes and reposts
as counts.

Follows developers.facebook.com/documentation/threads (posts, reply-management, insights,
long-lived tokens, publishing limits) as summarised in shared/docs/social-apis-more.md section
4 and social-apis.md section 4:

* publishing takes two steps: ``POST /me/threads`` makes a media container (``media_type``
  TEXT, IMAGE or CAROUSEL, ``text``, ``image_url``, ``alt_text``, ``reply_to_id``,
  ``reply_control``), then ``POST /me/threads_publish?creation_id=`` publishes it, once its
  status (``GET /{container}?fields=status,error_message``) is FINISHED: polled until
  ``publish_wait`` runs out. Pictures are fetched by Threads from the deployed site's address
  (``Image.url``: SITEURL and the picture's path); there is no upload;
* there is no edit (``EDITS`` is False: a changed post is not sent again) and no idempotency
  key. The container id is put in the part's intent (``checkpoint``) before publishing, so a
  part cut short is settled by the container's status: PUBLISHED means the post is out (it is
  then found among the author's posts, or the parent's replies, by its text), anything else
  means it is not. Without a container id, the author's recent posts are read instead;
* at most 250 posts and 1,000 replies in 24 hours: ``/me/threads_publishing_limit`` is read
  before the first publish of a run, and a run stops sending before the quota is passed;
* the token is refreshed before it expires (``token.py``); a dead one gets one line saying
  what to do (``graph.py``).

The counter is ``counting.py``; the backfeed ``backfeed.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ...model import Intent, Syndication, format_time
from ..base import Draft, Network, RateLimited, Rejected, Unavailable
from ..harvesting import parse_time
from ..http import ApiClient
from ..own_posts import WATCH_HELP, Watching
from ..settings import NetworkSettings, setting
from . import counting, graph
from .backfeed import ThreadsBackfeed
from .own_posts import ThreadsOwnPosts
from .token import TokenKeeper, default_path, inside_blog

API = "https://graph.threads.net/v1.0"
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_insights",
    "threads_delete",
)
MAX_CAROUSEL = 10  # pictures of one post: Threads' carousels take 2 to 10 (20 since 2025 [U])
FIRST_POLL, MOST_POLL = 0.25, 5.0  # seconds between container status reads, growing
OWN_FIELDS = "id,text,timestamp,permalink,username,is_reply_owned_by_me,replied_to"
LOOK_BACK = timedelta(minutes=10)  # clocks differ: own posts this much before the intent count
EXPIRED_ADVICE = (
    "a Threads token lives 60 days unless refreshed; make a new long-lived token "
    '(docs/threads.md, "The token") and put it in {variable}'
)


@dataclass(frozen=True)
class ThreadsSettings(NetworkSettings):
    NETWORK = "threads"

    handle: str = setting(help="your Threads username, without the @")
    token_env: str = setting(
        "ROOST_THREADS_TOKEN",
        help="the environment variable holding the long-lived access token",
        holds="make a long-lived token for your own Meta app (Threads use case, you as a "
        f"Threads tester) with the scopes {', '.join(SCOPES)}: see docs/threads.md",
    )
    token_file: str | None = setting(
        None,
        help="where the refreshed token is kept, outside the blog "
        "(default: ~/.config/roost/threads-token-<handle>.json)",
    )
    api: str = setting(API, help="the API's address (graph.threads.net or graph.threads.com)")
    reply_control: Literal[
        "everyone",
        "accounts_you_follow",
        "mentioned_only",
        "parent_post_author_only",
        "followers_only",
    ] = setting("everyone", help="who may reply to the copies")
    publish_wait: float = setting(
        300.0, help="seconds to wait for Threads to prepare a post before publishing it"
    )
    timeout: float = setting(30.0, help="seconds to wait for each answer")
    watch: Watching = setting("posts", help=WATCH_HELP)

    def check(self) -> list[str]:
        wrong: list[str] = []
        if not self.api.startswith(("https://", "http://")):
            wrong.append(f'["api"] must be an https:// address, e.g. {API}')
        if not self.handle.replace(".", "").replace("_", "").isalnum():
            wrong.append(f'["handle"] = {self.handle!r}: the username alone, e.g. "camille"')
        if self.token_file and inside_blog(self.token_file):
            # The blog's folder is committed (`invoke push-records` commits social/): a token
            # kept there would end up in git, readable by anyone who can read the repository.
            wrong.append(
                f'["token_file"] = {self.token_file!r} is inside the blog, where it could be '
                'committed: name a file outside it, e.g. "~/.config/roost/threads-token.json"'
            )
        return wrong + super().check()


class Threads(ThreadsBackfeed, ThreadsOwnPosts, Network):
    NAME = "threads"
    SETTINGS = ThreadsSettings
    POSTS = DELETES = THREADS = OWN_POSTS = True
    EDITS = False  # the API has no edit
    MAX_IMAGES = MAX_CAROUSEL
    BRINGS_HOME = frozenset({"reply", "like", "repost"})
    COUNTS_ONLY = frozenset({"like", "repost"})  # insights give numbers, never people
    CANNOT = (
        "Threads: no edits, so Roost does not edit; likes and reposts are counts, never people; "
        "no notifications of replies, so replies come home by the sweep (docs/threads.md); "
        "250 posts a day"
    )

    def __init__(self, config: dict[str, Any], env=None):
        super().__init__(config, env)
        s = self.settings
        self.base = s.api.rstrip("/")
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.handle = s.handle.lower()
        self.keeper = TokenKeeper(
            self.NAME,
            self.env,
            s.token_env,
            Path(s.token_file).expanduser() if s.token_file else default_path(s.handle),
            self._refresh_token,
        )
        self.api = ApiClient(
            self.NAME,
            self.base,
            env=self.keeper,
            secret_variable=s.token_env,
            asks_for="a long-lived Threads access token (docs/threads.md)",
            credentials=f"the token in {s.token_env}, and its scopes",
            rate=graph.GraphUsage(),
            read_error=graph.reader(EXPIRED_ADVICE.format(variable=s.token_env)),
            timeout=s.timeout,
            query_token="access_token",  # noqa: S106 (the parameter's name, not a secret)
        )
        self.sleep = time.sleep
        self._quota: dict[str, int] | None = None  # posts and replies left, once read

    def trusted_origins(self) -> set[str]:
        return {self.origin}

    # -- offline -----------------------------------------------------------------------------

    def fits(self, text: str) -> bool:
        return counting.fits(text)

    def protected(self, text: str) -> list[tuple[int, int]]:
        return counting.protected(text)

    def too_long(self, text: str) -> str:
        return counting.too_long(text)

    def measure(self, text: str) -> str:
        return f"{counting.length(text)}/{counting.MAX_CHARACTERS}"

    def draft(self, post) -> Draft:
        draft = super().draft(post)
        for image in draft.images:
            if not image.url.startswith(("https://", "http://")):
                raise Rejected(
                    self.NAME,
                    f"{post.key}: Threads fetches pictures from the "
                    "site's public address: set SITEURL in publishconf.py",
                )
        return draft

    def containers(self, draft: Draft, part: int, reply_to: Syndication | None):
        """(the carousel's item containers, the post's container), as request parameters."""
        main: dict[str, Any] = {
            "text": draft.parts[part],
            "media_type": "TEXT",
            "reply_control": self.settings.reply_control,
        }
        items: list[dict] = []
        images = draft.images if part == 0 else []
        if len(images) == 1:
            main.update(media_type="IMAGE", image_url=images[0].url, alt_text=images[0].alt)
        elif images:
            items = [
                {
                    "media_type": "IMAGE",
                    "image_url": i.url,
                    "alt_text": i.alt,
                    "is_carousel_item": "true",
                }
                for i in images
            ]
            main["media_type"] = "CAROUSEL"
        if reply_to is not None:
            main["reply_to_id"] = reply_to.id
        return items, main

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        items, main = self.containers(draft, part, reply_to)
        steps = [
            {"method": "POST", "url": f"{self.base}/me/threads", "params": item} for item in items
        ]
        if items:
            main = {**main, "children": ",".join(f"<item {i + 1}>" for i in range(len(items)))}
        steps.append({"method": "POST", "url": f"{self.base}/me/threads", "params": main})
        steps.append(
            {
                "method": "POST",
                "url": f"{self.base}/me/threads_publish",
                "params": {"creation_id": "<the container, once FINISHED>"},
            }
        )
        return {
            "method": "POST",
            "url": f"{self.base}/me/threads",
            "steps": steps,
            "length": counting.length(draft.parts[part]),
            "links": counting.unique_links(draft.parts[part]),
        }

    # -- posting -----------------------------------------------------------------------------

    def intent_extra(self, draft: Draft, part: int, started: datetime) -> dict:
        return {"text": draft.parts[part]}  # what to look for, should the part be looked up

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        intent = intent or self.intent(draft, part, datetime.now(UTC))
        container = str(intent.extra.get("container") or "")
        status = self._status(container) if container else None
        if status == "PUBLISHED":  # an earlier attempt published it: never twice
            found = self.find_sent(draft, part, reply_to, intent)
            if found is None:
                raise Unavailable(self.NAME, "the part is published but not listed yet")
            return found
        if status not in ("FINISHED", "IN_PROGRESS"):  # none yet, or expired, or failed
            self._spend_quota("replies" if reply_to is not None else "posts")
            items, main = self.containers(draft, part, reply_to)
            children = [self._ready(self._create(item)) for item in items]
            if children:
                main["children"] = ",".join(children)
            container = self._create(main)
            intent.extra["container"] = container
            self.checkpoint(intent)  # in the ledger before the publish: never published twice
        self._ready(container)
        media = str(self.api.post("/me/threads_publish", params={"creation_id": container})["id"])
        return self._syndication(self._media(media), intent.sent_hash, part)

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The copy an earlier attempt made, if it is out. A recorded container settles it: only
        PUBLISHED means out (then it must be found, or this fails and is asked again later).
        Without one, the author's posts (or the parent's replies) since the attempt began are
        read for one with the same text."""
        container = str(intent.extra.get("container") or "")
        status = self._status(container) if container else None
        if status is not None and status != "PUBLISHED":
            return None  # made, never published (or expired, or refused): nothing is out
        text = _squash(str(intent.extra.get("text") or draft.parts[part]))
        since = parse_time(intent.started) - LOOK_BACK
        for post in self._own_since(since, reply_to):
            if _squash(str(post.get("text") or "")) == text:
                return self._syndication(post, intent.sent_hash, part)
        if status == "PUBLISHED":
            raise Unavailable(
                self.NAME,
                f"{draft.post_key}: part {part + 1} is published but "
                "not listed yet; it is looked for again on the next attempt",
            )
        return None

    def delete(self, copy: Syndication) -> None:
        self.api.delete(f"/{copy.id}")

    def check(self) -> str:
        me = self.api.get("/me", params={"fields": "id,username"})
        name = str(me["username"])
        if name.lower() != self.handle:
            raise Rejected(
                self.NAME,
                f'the token is @{name}\'s, but ["handle"] says '
                f"{self.settings.handle!r}; fix one of them",
            )
        return f"@{name}"

    # -- helpers -----------------------------------------------------------------------------

    def _refresh_token(self, token: str) -> dict:
        return self.api.get(
            f"{self.origin}/refresh_access_token",
            auth=False,
            params={"grant_type": "th_refresh_token", "access_token": token},
        )

    def _create(self, params: dict) -> str:
        return str(self.api.post("/me/threads", params=params)["id"])

    def _status(self, container: str) -> str | None:
        """The container's status, or None when Threads no longer knows it."""
        try:
            found = self.api.get(f"/{container}", params={"fields": "status,error_message"})
        except Rejected as e:
            if e.status == 404:
                return None
            raise
        return str(found.get("status") or "") or None

    def _ready(self, container: str) -> str:
        """Wait until Threads has prepared the container (fetched its picture): FINISHED."""
        deadline, pause = time.monotonic() + self.settings.publish_wait, FIRST_POLL
        while True:
            found = self.api.get(f"/{container}", params={"fields": "status,error_message"})
            status = found.get("status")
            if status in ("FINISHED", "PUBLISHED"):
                return container
            if status == "ERROR":
                raise Rejected(
                    self.NAME,
                    "Threads could not prepare the post: "
                    f"{found.get('error_message') or 'no reason given'} (is every "
                    "picture at its public address yet?)",
                )
            if status == "EXPIRED":
                raise Unavailable(self.NAME, "the prepared post expired before it was published")
            if time.monotonic() + pause > deadline:
                raise Unavailable(
                    self.NAME,
                    f"Threads was still preparing the post after "
                    f"{self.settings.publish_wait:.0f} s (publish_wait)",
                )
            self.sleep(pause)
            pause = min(pause * 2, MOST_POLL)

    def _spend_quota(self, kind: str) -> None:
        """One post (or reply) of the 24 hours' quota, read before the run's first."""
        if self._quota is None:
            data = self.api.get(
                "/me/threads_publishing_limit",
                params={"fields": "quota_usage,config,reply_quota_usage,reply_config"},
            )["data"][0]
            self._quota = {
                "posts": int(data["config"]["quota_total"]) - int(data["quota_usage"]),
                "replies": int(data.get("reply_config", {}).get("quota_total", 1000))
                - int(data.get("reply_quota_usage", 0)),
            }
        if self._quota[kind] <= 0:
            raise RateLimited(
                self.NAME,
                f"the publishing quota for {kind} is spent (Threads "
                "allows 250 posts and 1,000 replies in 24 hours); the rest goes "
                "out on a later run",
                retry_after=86_400.0,
            )
        self._quota[kind] -= 1

    def _media(self, media_id: str) -> dict:
        return self.api.get(f"/{media_id}", params={"fields": "id,permalink,timestamp"})

    def _own_since(self, since: datetime, reply_to: Syndication | None):
        """The author's posts since ``since`` (newest first), or, for a reply, the parent's
        replies by the author."""
        path = f"/{reply_to.id}/replies" if reply_to is not None else "/me/threads"
        params: dict[str, Any] = {"fields": OWN_FIELDS, "limit": 50}
        if reply_to is None:
            params["since"] = int(since.timestamp())
        for data in graph.pages(self.api, self.NAME, path, params):
            for post in data:
                mine = (
                    post.get("is_reply_owned_by_me")
                    or str(post.get("username") or "").lower() == self.handle
                )
                if reply_to is not None and not mine:
                    continue
                if reply_to is None and parse_time(post["timestamp"]) < since:
                    return
                yield post

    def _syndication(self, media: dict, sent_hash: str, part: int) -> Syndication:
        try:
            published = parse_time(media["timestamp"]) if media.get("timestamp") else None
            return Syndication(
                network=self.NAME,
                id=str(media["id"]),
                url=str(media["permalink"]),
                published=format_time(published or datetime.now(UTC)),
                sent_hash=sent_hash,
                part=part,
            )
        except (KeyError, TypeError):
            raise Unavailable(self.NAME, "Threads' answer has no post id or address") from None


def _squash(text: str) -> str:
    return "".join(text.split())
