"""What ``roost webmention`` owes whom: the sources (the blog's published articles), the links
each one holds, and the ledger of what was sent to which target for which version of a source
(``social/webmentions.json``). Pure apart from reading the posts and the ledger; the sending is
``webmention.py``'s.

The rules are the W3C Recommendation's ("Sending Webmentions for updated posts" and "... for
deleted posts", https://www.w3.org/TR/webmention/):

* a **source** is an article as published (never a draft, a hidden or a future post), at its
  canonical URL; its **targets** are the ``<a href>`` links of its content (what the theme's
  ``e-content`` holds), made absolute, without links to the site itself nor other schemes;
* its **version** is a hash of what a receiver reads there (the URL, the title, the content's
  HTML), so an unchanged post sends nothing, and any change re-sends;
* on a change, every target of the current version **and** every target the previous version
  linked to is told (a removed link's target learns it was removed; it is then forgotten);
* a source that is no longer published tells every target it linked to, once;
* a target whose endpoint failed is tried again on the next runs, ``MAX_ATTEMPTS`` in all for one
  version; one without an endpoint is not tried again until the source changes.

Ledger, deterministic like every record file::

    {"format": 1, "sources": {"<source URL>": {"post": "<key>", "version": "<hash>",
        "targets": {"<target URL>": {"linked": true, "told": "<version told>",
                                     "result": "sent 202", "at": "<time>",
                                     "failed": {"version": "...", "attempts": 1, "why": "..."}}}}}}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from ..model import FORMAT, RecordError, check_format
from ..networks.guarded_fetch import shown
from ..store import Store, dumps

LEDGER = "webmentions.json"
MAX_ATTEMPTS = 3  # for one version of a source, across runs
GONE = "gone"  # the version of a source that is no longer published


@dataclass
class Source:
    key: str
    url: str
    version: str
    targets: list[str] = field(default_factory=list)


@dataclass
class Due:
    """One Webmention to send: ``why`` is "new", "update", "removed" or "deleted"."""

    source: str
    target: str
    version: str
    why: str
    linked: bool  # whether the source links to the target in this version
    key: str = ""


# ----------------------------------------------------------------- sources


def read_sources(settings: dict, since: date, problems: list) -> tuple[list[Source], set[str]]:
    """The articles published on or after ``since``, and the URL of every published article
    (older ones included: an article before ``since`` is not deleted, only not sent)."""
    from .posts import published_articles

    siteurl = settings.get("SITEURL", "")
    sources, every = [], set()
    for article, key, when, url in published_articles(settings, found=problems):
        every.add(url)
        if when.date() < since:
            continue
        content = article.content or ""
        version = version_of(url, str(article.title), content)
        sources.append(Source(key, url, version, links(content, url, siteurl)))
    sources.sort(key=lambda s: s.url)
    return sources, every


def links(content_html: str, base: str, siteurl: str) -> list[str]:
    """The absolute http(s) targets of the ``<a href>`` elements in a post's content, in order,
    each once, without links to the site itself (``siteurl`` and below, http or https; another
    site on the same host, such as a neighbour on ``user.github.io``, is someone else)."""
    from bs4 import BeautifulSoup

    found: list[str] = []
    for a in BeautifulSoup(content_html, "html5lib").find_all("a", href=True):
        href = str(a["href"]).strip()
        try:
            url = urljoin(base, href)
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            continue  # an address no receiver could be reached at
        web = parts.scheme in ("http", "https") and host
        if web and not _own(parts, siteurl) and url not in found:
            found.append(url)
    return found


def _own(parts, siteurl: str) -> bool:
    site = urlsplit(siteurl)
    if (parts.hostname or "").lower() != (site.hostname or "").lower():
        return False
    root = site.path.rstrip("/")
    return not root or parts.path == root or parts.path.startswith(root + "/")


def version_of(url: str, title: str, content_html: str) -> str:
    data = "\0".join((url, title, content_html)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:20]


# ----------------------------------------------------------------- the ledger


def ledger_path(store: Store):
    return store.root / LEDGER


def read_ledger(store: Store) -> dict[str, dict]:
    """``{source URL: entry}``; RecordError naming the file when it is not a ledger."""
    path = ledger_path(store)
    data = store._read_json(path)
    if data is None:
        return {}
    try:
        check_format(data)
        sources = data.get("sources", {})
        if not isinstance(sources, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("targets", {}), dict)
            and all(_target_ok(t) for t in e.get("targets", {}).values())
            for e in sources.values()
        ):  # fmt: skip
            raise RecordError(
                "sources must map each source URL to its version and targets, and a target's "
                '"failed" must be {"version": ..., "attempts": <a number>, "why": ...}'
            )
    except RecordError as e:
        raise e.at(store.display(path)) from None
    return sources


def _target_ok(t) -> bool:
    """A target's entry, as the plan reads it: a hand edit giving "failed" another shape is
    one line naming the file, not a traceback halfway through a run."""
    if not isinstance(t, dict):
        return False
    failed = t.get("failed")
    return not failed or (
        isinstance(failed, dict)
        and isinstance(failed.get("attempts", 0), int)
        and not isinstance(failed.get("attempts", 0), bool)
    )


def write_ledger(store: Store, sources: dict[str, dict]) -> bool:
    """Atomically, under the store's lock (which the caller holds)."""
    ordered = {
        url: {**entry, "targets": dict(sorted(entry.get("targets", {}).items()))}
        for url, entry in sorted(sources.items())
    }
    return store._write_bytes(ledger_path(store), dumps({"format": FORMAT, "sources": ordered}))


# ----------------------------------------------------------------- planning


def plan(
    sources: list[Source], published: set[str], ledger: dict[str, dict], deletions: bool = True
) -> tuple[list[Due], list[str]]:
    """Every Webmention due, and one line per target given up on (tried ``MAX_ATTEMPTS`` times
    for this version). ``deletions=False`` when some post could not be read: a post missing for
    that reason must not be announced as deleted."""
    due: list[Due] = []
    given_up: list[str] = []

    def consider(source: str, target: str, version: str, why: str, linked: bool, key: str):
        failed = ledger.get(source, {}).get("targets", {}).get(target, {}).get("failed") or {}
        if failed.get("version") == version and failed.get("attempts", 0) >= MAX_ATTEMPTS:
            why_not = failed.get("why", "")
            given_up.append(
                f"{shown(source)} -> {shown(target)}: given up after {MAX_ATTEMPTS} attempts "
                f"({why_not}); it is tried again when the post changes"
            )
            return
        due.append(Due(source, target, version, why, linked, key))

    for s in sources:
        told = ledger.get(s.url, {}).get("targets", {})
        for target in s.targets:
            entry = told.get(target)
            if entry is None or entry.get("told") != s.version:
                why = "update" if entry and entry.get("told") else "new"
                consider(s.url, target, s.version, why, True, s.key)
        for target, entry in sorted(told.items()):
            if target not in s.targets and entry.get("linked") and entry.get("told") != s.version:
                consider(s.url, target, s.version, "removed", False, s.key)
    if deletions:
        for url, entry in sorted(ledger.items()):
            if url in published:
                continue
            for target, t in sorted(entry.get("targets", {}).items()):
                if t.get("linked") and t.get("told") != GONE:
                    consider(url, target, GONE, "deleted", False, entry.get("post", ""))
    return due, given_up


def record(ledger: dict[str, dict], due: Due, result: str, when: str, ok: bool, why: str = ""):
    """Write one outcome into ``ledger`` (the caller writes the file under the lock): a success
    or "no endpoint" marks the target told for this version; a failure counts an attempt."""
    entry = ledger.setdefault(due.source, {"post": due.key, "targets": {}})
    if due.version != GONE:
        entry["version"] = due.version
    if due.key:
        entry["post"] = due.key
    target = entry.setdefault("targets", {}).setdefault(due.target, {})
    if ok:
        target.update(linked=due.linked, told=due.version, result=result, at=when)
        target.pop("failed", None)
        return
    if "linked" not in target:
        target["linked"] = due.linked  # never told, but linked: the next version owes it one
    failed = target.get("failed") or {}
    attempts = failed.get("attempts", 0) + 1 if failed.get("version") == due.version else 1
    target["failed"] = {"version": due.version, "attempts": attempts, "why": why[:300]}
