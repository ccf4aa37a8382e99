"""Received Webmentions, from webmention.io's API, into the same archive as everything else.

Follows aaronpk/webmention.io's API (shared/docs/social-apis.md 7.2): ``GET /api/mentions.jf2``
with the account ``token``, the site's ``domain``, ``since_id`` (strictly greater) and
``sort-dir=up``, paged with ``page`` and ``per-page``. Each jf2 entry becomes an interaction of
the post it targets (``wm-target``, matched on the post's canonical address): ``in-reply-to`` a
reply, ``like-of`` a like, ``repost-of`` a repost, ``bookmark-of`` a bookmark, ``mention-of`` a
mention, ``rsvp`` an RSVP with its answer (the entry's ``rsvp``: yes, no, maybe or interested,
as the IndieWeb's p-rsvp; an RSVP with any other answer is not archived). Private entries
(``wm-private``) are not archived. So replies that arrive through Bridgy, or from other
people's blogs, land beside the rest.

webmention.io lists only verified, undeleted mentions and says nothing about deletions, so
nothing is ever removed from this source without the author's moderation.

**Who said it** comes from what was verified, never from what a page says about itself:
webmention.io checked that ``wm-source`` links to the post, so the person is that source's
site (``webmention:friend.example``), and its name and photo are taken from the entry's author
only when the author's own address is on that site. When the page lies under the author's own
address (``https://medium.com/@ana/swifts`` by ``https://medium.com/@ana``), the person is that
address (``webmention:medium.com/@ana``): two authors on one host are two people, and a page can
still speak only for the author it lies under. (Until December 2026 every author of a host was
``webmention:<host>``; those records stay readable, and the audience directory joins such an id
to the author address it recorded.) A page on evil.example that claims to be
``https://friend.example/`` is evil.example, answers to blocks of evil.example, and changes
nothing of friend.example. Bridgy (``brid.gy``) sends Webmentions for replies and likes made on
the networks: there the source is Bridgy's copy and the person is the network account it names
(``webmention:mastodon.social/@bob``), one per account, with that account's own name and photo.

An adapter with a feed only (``FEED``): it posts nothing, and the backfeed reads it like any
other network. Settings: ``ROOST_WEBMENTION_IO`` (:class:`WebmentionIOSettings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..archive import Harvest
from ..model import RSVP_VALUES, Interaction, format_time, parse_time
from ..people import Person
from .base import Network, Unavailable
from .compose import address
from .http import ApiClient, PageGuard, json_error
from .settings import NetworkSettings, setting

KINDS = {
    "in-reply-to": "reply",
    "like-of": "like",
    "repost-of": "repost",
    "bookmark-of": "bookmark",
    "mention-of": "mention",
    "rsvp": "rsvp",
}
PER_PAGE = 100
#: Bridgy's hosts: its sources are copies of what someone did on a network.
BRIDGY = ("brid.gy", "brid-gy.appspot.com")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


def _http(value) -> str | None:
    value = str(value or "")
    return value if value.startswith(("https://", "http://")) else None


def _host(url: str | None) -> str | None:
    """The host of an http(s) address when it is a plain domain name, else None (so a person id
    never holds anything but letters, digits, dots and hyphens)."""
    try:
        host = (urlsplit(url or "").hostname or "").encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    return host if _HOST.fullmatch(host) else None


@dataclass(frozen=True)
class WebmentionIOSettings(NetworkSettings):
    NETWORK = "webmention"
    WHERE = "ROOST_WEBMENTION_IO"

    domain: str = setting(help="your site's domain as webmention.io knows it, e.g. camille.blog")
    token_env: str = setting(
        "ROOST_WEBMENTION_IO_TOKEN",
        help="the environment variable holding the API key",
        holds="copy the API key from https://webmention.io/settings",
    )
    api: str = setting("https://webmention.io", help="the webmention.io server")
    timeout: float = setting(30.0, help="seconds to wait for each answer")

    def check(self) -> list[str]:
        wrong = []
        if not self.api.startswith(("https://", "http://")):
            wrong.append('["api"] must be an https:// address, e.g. https://webmention.io')
        return wrong + super().check()


class WebmentionIO(Network):
    """A feed of what the web said about the site: nothing is posted."""

    NAME = "webmention"
    SETTINGS = WebmentionIOSettings
    FEED = True
    BRINGS_HOME = frozenset({"reply", "like", "repost", "bookmark", "mention", "rsvp"})

    def __init__(self, config: dict, env=None):
        super().__init__(config, env)
        self.domain = self.settings.domain
        self.api = ApiClient(
            self.NAME,
            self.settings.api,
            env=self.env,
            secret_variable=self.settings.token_env,
            asks_for="your API key",
            credentials=f"the key in {self.settings.token_env}",
            rate=None,
            read_error=json_error("error_description"),
            timeout=self.settings.timeout,
            auth=lambda: None,  # the key travels in the query string, as the API asks
        )

    def trusted_origins(self) -> set[str]:
        return {self.settings.api}

    def check(self) -> str:
        """One read-only call (the newest entry of the feed), for ``roost doctor``."""
        self._page({"per-page": 1, "page": 0})
        return f"the key for {self.domain}"

    def feed(self, state: dict[str, str], posts_by_url: dict[str, str]):
        """Every entry since the stored ``since_id``, as harvests of the posts they target."""
        since = state.get("since_id")
        entries, page = [], 0
        guard = PageGuard(self.NAME, "the feed")
        while True:
            params = {"per-page": PER_PAGE, "page": page, "sort-dir": "up"}
            if since:
                params["since_id"] = since
            children = self._page(params)
            # A page is named by its first entry: a server that ignores ``page`` repeats it.
            guard.next(
                children[0].get("wm-id") if children and isinstance(children[0], dict) else page
            )
            entries += children
            if len(children) < PER_PAGE:
                break
            page += 1
        return harvests_of(entries, posts_by_url, since)

    def _page(self, params: dict) -> list[dict]:
        """One page of the jf2 feed: its entries."""
        params = {"token": self.api.secret(), "domain": self.domain, **params}
        data = self.api.get("/api/mentions.jf2", params=params)
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            raise Unavailable(self.NAME, "the answer is not a jf2 feed")
        return children


def _person(entry: dict) -> Person | None:
    """Who made this Webmention, from what was verified (see the module's docstring)."""
    source = _http(entry.get("wm-source"))
    site = _host(source)
    if not site:
        return None
    author = entry.get("author") if isinstance(entry.get("author"), dict) else {}
    claimed = _http(author.get("url"))
    if any(site == b or site.endswith("." + b) for b in BRIDGY):
        home = _host(claimed)
        if not home:
            return None  # Bridgy always names the account; a copy that does not is not one
        where = address(claimed)
        return Person(
            id=f"webmention:{where}",
            network="webmention",
            name=str(author.get("name") or where),
            handle=where,
            url=claimed,
            avatar_source=_http(author.get("photo")),
        )
    own = bool(claimed) and _host(claimed) == site
    who = site + (_author_path(source, claimed) if own else "")
    return Person(
        id=f"webmention:{who}",
        network="webmention",
        name=str(author.get("name") or site) if own else site,
        handle=site,
        url=claimed if own else f"{urlsplit(source).scheme}://{site}/",
        avatar_source=_http(author.get("photo")) if own else None,
    )


_PATH = re.compile(r"(/[A-Za-z0-9._~@+-]+)+")


def _author_path(source: str, author: str) -> str:
    """The path of the author's own address when the page they wrote (``source``) lies under it
    (``medium.com/@ana`` wrote ``medium.com/@ana/swifts``), so two authors on one host are two
    people; "" when it does not (a page cannot speak for another author on its host) or when
    the author's address is the site itself (``ana.example``, as before)."""
    path = urlsplit(author).path.rstrip("/")
    if not path or not _PATH.fullmatch(path):
        return ""
    under = urlsplit(source).path
    return path if under == path or under.startswith(path + "/") else ""


def harvests_of(entries: list, posts_by_url: dict[str, str], since: str | None):
    """(harvests by post key, the state to keep): each entry that targets one of the site's
    posts, as an interaction of that post, by whom the module's docstring says."""
    by_address = {address(url): key for url, key in posts_by_url.items()}
    harvests: dict[str, Harvest] = {}
    highest = since
    for entry in entries:
        if not isinstance(entry, dict):
            continue  # not a jf2 entry: nothing to learn from it
        wm_id = str(entry.get("wm-id", ""))
        if wm_id.isdigit() and (highest is None or int(wm_id) > int(highest)):
            highest = wm_id
        kind = KINDS.get(str(entry.get("wm-property", "")))
        key = by_address.get(address(str(entry.get("wm-target", ""))))
        if not kind or not key or entry.get("wm-private") or not wm_id.isdigit():
            continue
        rsvp = str(entry.get("rsvp") or "").strip().lower() if kind == "rsvp" else None
        if kind == "rsvp" and rsvp not in RSVP_VALUES:
            continue  # an RSVP that does not say which: nothing to show it as
        person = _person(entry)
        if person is None:
            continue  # no verified source to name anyone by
        when = entry.get("published") or entry.get("wm-received")
        try:
            published = format_time(parse_time(str(when)))
        except ValueError:
            continue  # no usable time: not archived rather than archived wrong
        content = entry.get("content") or {}
        harvest = harvests.setdefault(key, Harvest())
        harvest.people.append(person)
        harvest.interactions.append(
            Interaction(
                id=f"webmention:{wm_id}",
                network="webmention",
                kind=kind,
                author=person.id,
                published=published,
                url=_http(entry.get("url")) or _http(entry.get("wm-source")),
                content=str(content.get("html") or content.get("text") or "")
                if kind in ("reply", "mention", "rsvp")  # an RSVP's note ("see you there")
                else "",
                rsvp=rsvp,
            )
        )
    return harvests, ({"since_id": highest} if highest and highest != since else {})
