"""Reading the evidence that two accounts are one person, from the web, as the networks read it.

Follows shared/docs/formats.md section 10:

* **rel="me"** (Mastodon's link verification, IndieWeb RelMeAuth): the site a profile links is
  fetched (``Accept: text/html``, HTTP 200, at most 1 MB, at most 3 redirects) and must hold an
  ``<a>`` or ``<link>`` whose ``rel`` tokens include ``me`` and whose ``href`` is the profile's
  address (compared without case and without a trailing slash; ``/users/bob`` and ``/@bob`` on
  one server are the same account). Mastodon's last resort (a HEAD of the first rel=me link,
  accepted if it redirects to the profile) is not followed: a redirect proves less than a link.
* **Bluesky domain handles**, by the HTTPS method only: ``GET
  https://<handle>/.well-known/atproto-did`` answers the bare DID (whitespace trimmed; the media
  type is not checked, as Bluesky does not). The DNS method (a ``_atproto.<handle>`` TXT record)
  is not used: Roost has no DNS client for TXT records, and one would reach resolvers outside the
  guarded fetch's address rules; a handle verified by DNS only is simply not evidence here.

Every fetch goes through :mod:`roost.networks.guarded_fetch` (public addresses only, checked
again after each redirect, deadlines, byte cap): a site that redirects to a private address is
refused, and refused is never evidence. Each check answers :class:`Checked`: ``ok`` True (the
evidence holds), False (the site answered and it does not hold), or None (nothing could be read:
no conclusion either way, so an existing merge is not undone for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ..people import network_accounts
from .guarded_fetch import FetchError, GuardedFetcher, shown

PAGE_BYTES = 1024 * 1024  # as Mastodon: the first megabyte of a page is read
DID_BYTES = 2048
HTML = ("text/html", "application/xhtml+xml")


@dataclass
class Checked:
    ok: bool | None
    why: str


class _RelMe(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("a", "link"):
            return
        found = dict(attrs)
        rel = (found.get("rel") or "").lower().split()
        if "me" in rel and found.get("href"):
            self.hrefs.append(found["href"].strip())


def rel_me_links(page: str, base: str) -> list[str]:
    """Every ``rel="me"`` address on a page, made absolute against ``base``."""
    parser = _RelMe()
    parser.feed(page)
    parser.close()
    return [urljoin(base, href) for href in parser.hrefs]


def same_profile(href: str, profile: str, account_id: str) -> bool:
    if _plain(href) == _plain(profile):
        return True
    return any(a.id == account_id for a in network_accounts(href))


def _plain(url: str) -> str:
    return url.strip().lower().rstrip("/")


def site_links_back(
    fetcher: GuardedFetcher,
    site: str,
    profile: str,
    account_id: str,
    local: Callable[[str], str] = str,
) -> Checked:
    """Does ``site`` link back to the profile with rel=me? ``local``: where the fetch really goes
    (the tests' stand-in for DNS); the page is judged as ``site``."""
    if urlsplit(site).scheme != "https":
        return Checked(False, f"{shown(site)} is not https (only https links are verified)")
    try:
        page = fetcher.get(local(site), max_bytes=PAGE_BYTES, accept="text/html", only=HTML)
    except FetchError as e:
        return _failed(e, site, local)
    if page.status != 200 or page.content_type not in HTML:
        return Checked(False, f"{shown(site)} answered {page.status} {page.content_type}")
    text = page.body.decode("utf-8", errors="replace")
    links = rel_me_links(text, site)
    if any(same_profile(href, profile, account_id) for href in links):
        return Checked(True, f"{shown(site)} links {shown(profile)} with rel=me")
    return Checked(False, f"{shown(site)} has no rel=me link to {shown(profile)}")


def _failed(e: FetchError, url: str, local: Callable[[str], str]) -> Checked:
    """A site that answered 4xx said no (as Mastodon and Bluesky take it); anything else (a
    refused or unreachable address, a 5xx) says nothing either way."""
    why = str(e).replace(shown(local(url)), shown(url))
    if e.status is not None and 400 <= e.status < 500:
        return Checked(False, why)
    return Checked(None, f"could not read it: {why}")


def did_url(handle: str) -> str:
    return f"https://{handle}/.well-known/atproto-did"


def handle_names_did(
    fetcher: GuardedFetcher, handle: str, did: str, local: Callable[[str], str] = str
) -> Checked:
    """Does the domain ``handle`` say it is ``did`` (the HTTPS method)?"""
    where = did_url(handle)
    try:
        answer = fetcher.get(local(where), max_bytes=DID_BYTES, accept="text/plain")
    except FetchError as e:
        return _failed(e, where, local)
    named = answer.body.decode("utf-8", errors="replace").strip()
    if named == did:
        return Checked(True, f"{shown(where)} names {did}")
    if named.startswith("did:"):
        return Checked(False, f"{shown(where)} names another DID ({named[:80]})")
    return Checked(False, f"{shown(where)} does not name a DID")
