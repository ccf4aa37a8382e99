"""``roost people verify``: read the evidence that accounts are one person, and record the
merges it supports (``identities.json``), each with its reason, addresses and date.

The only network I/O of the people commands, and all of it through the guarded fetch
(:mod:`roost.networks.identity_check` says how each kind is read):

1. each site a person's profile links (``Person.links``, from Mastodon's profile fields) is
   fetched, and counts as theirs only if it links back to the profile with ``rel="me"``;
2. each Bluesky handle that is a domain counts as the site ``https://<handle>/`` only if
   ``https://<handle>/.well-known/atproto-did`` names the account's DID;
3. a Webmention author's site is theirs already (webmention.io read their page there).

Accounts whose verified sites are the same site are one person. A check is kept with its date in
``identity-evidence.json`` and read again once older than ``days``. A merge whose evidence was
read again and no longer holds is undone (with the date and why); one whose site could not be
read is left as it is (a failed fetch proves nothing). Pairs the author split are never merged
again, and the author's own merges are never undone here. Fetch first, then lock and write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..audience.directory import groups, read_identities
from ..audience.identities import Merge
from ..model import format_time, parse_time
from ..networks.compose import address
from ..networks.guarded_fetch import GuardedFetcher
from ..networks.identity_check import Checked, did_url, handle_names_did, site_links_back
from ..people import Moderation, Person, network_accounts
from ..store import Store
from .people_records import Check, read_checks, write_checks, write_identities

_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


@dataclass
class Verified:
    fetched: int = 0  # checks read from the web this run
    cached: int = 0  # checks taken from identity-evidence.json (fresh enough)
    merged: list[Merge] = field(default_factory=list)
    undone: list[Merge] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # one line each


def verify(
    store: Store,
    fetcher: GuardedFetcher,
    *,
    days: int = 30,
    now: datetime | None = None,
    local: Callable[[str], str] = str,
) -> Verified:
    """Check, then record. ``local``: where a fetch really goes (the tests' stand-in for DNS)."""
    now = now or datetime.now(UTC)
    stamp = format_time(now)
    people = store.read_people()
    moderation = store.read_moderation()
    cache = read_checks(store.root)
    out = Verified()
    wanted = [c for p in people.values() if _counts(p, moderation) for c in _checks_of(p)]
    fresh: dict[tuple[str, str, str], Check] = {}
    for kind, account, url, expects in wanted:
        old = cache.get((account, kind, url))
        if old and old.ok is not None and now - parse_time(old.checked) < timedelta(days=days):
            fresh[old.key] = old
            out.cached += 1
            continue
        person = people[account]
        if kind == "rel-me":
            result = site_links_back(fetcher, url, expects, account, local)
        else:
            result = handle_names_did(fetcher, person.handle.lstrip("@"), expects, local)
        out.fetched += 1
        if result.ok is None:
            out.unreadable.append(f"{account}: {result.why}")
            if old:  # a failed read changes nothing known: keep the last answer, its date
                fresh[old.key] = old
                continue
        fresh[(account, kind, url)] = _check(kind, account, url, expects, result, stamp)
    sites = _verified_sites(people, moderation, fresh)
    with store.lock():
        identities = read_identities(store.root)
        for merge in identities.active():
            failed = _evidence_gone(merge, fresh)
            if failed:
                merge.undone, merge.note = stamp, f"evidence no longer holds: {failed}"
                out.undone.append(merge)
        for merge in _new_merges(sites, identities, people, stamp):
            identities.merges.append(merge)
            out.merged.append(merge)
        write_identities(store, identities)
        write_checks(store, fresh)
    return out


def _counts(p: Person, moderation: Moderation) -> bool:
    return not p.is_author and not moderation.refuses(p, p.id)


def _checks_of(p: Person) -> list[tuple[str, str, str, str]]:
    """(kind, account, url, expects) for each claim of this account."""
    out = []
    if p.url and p.network != "webmention":
        out += [("rel-me", p.id, link, p.url) for link in p.links]
    handle = p.handle.lstrip("@").lower()
    if p.network == "bluesky" and p.id.startswith("bluesky:did:") and _DOMAIN.fullmatch(handle):
        out.append(("bluesky-domain", p.id, did_url(handle), p.id.removeprefix("bluesky:")))
    return out


def _check(kind, account, url, expects, result: Checked, stamp: str) -> Check:
    return Check(kind, account, url, expects, result.ok, result.why, stamp)


def _verified_sites(people, moderation, checks) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Site address -> (account, kind of evidence, the addresses it was read from)."""
    sites: dict[str, list[tuple[str, str, list[str]]]] = {}
    for c in checks.values():
        if not c.ok or c.account not in people:
            continue
        if c.kind == "rel-me":
            site, urls = c.url, [people[c.account].url or c.expects, c.url]
        else:
            site, urls = "https://" + c.url.split("/")[2] + "/", [c.url]
        sites.setdefault(address(site), []).append((c.account, c.kind, urls))
    for p in people.values():
        if (
            p.network == "webmention"
            and p.url
            and not network_accounts(p.url)
            and _counts(p, moderation)
        ):
            sites.setdefault(address(p.url), []).append((p.id, "webmention", [p.url]))
    return sites


def _new_merges(sites, identities, people, stamp: str) -> list[Merge]:
    """One merge for each account a verified site joins to the first account verified there."""
    made: list[Merge] = []
    for site in sorted(sites):
        found = sorted(sites[site], key=lambda x: (x[1] == "webmention", x[0]))
        if len({a for a, _, _ in found}) < 2:
            continue
        first, first_kind, first_urls = found[0]
        for account, kind, urls in found[1:]:
            joined = groups(people, identities)
            if account == first or any({first, account} <= set(g) for g in joined.values()):
                continue
            if identities.kept_apart(first, account):
                continue
            kinds = {first_kind, kind} - {"webmention"}
            why = kinds.pop() if len(kinds) == 1 else "same-website"
            merge = Merge((first, account), why, stamp, _urls(first_urls + urls), stamp)
            identities.merges.append(merge)  # so the next pair sees it
            made.append(merge)
    for merge in made:
        identities.merges.remove(merge)
    return made


def _urls(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(u for u in urls if u.startswith(("https://", "http://"))))


def _evidence_gone(merge: Merge, checks) -> str:
    """Why a merge made on evidence no longer stands: one of its checks was read again and said
    no. "" when it stands (or was the author's word, or could not be read again)."""
    if merge.kind == "author":
        return ""
    for c in checks.values():
        if c.account in merge.accounts and c.url in merge.urls and c.ok is False:
            return c.why
    return ""
