"""The feeds of the audience's websites, for ``roost people export --format opml``: discovered
(``networks/feed_discovery.py``, through the guarded fetch) when the command runs, never by the
build, and cached with the date each site was read.

The cache is ``~/.cache/roost/feeds.json`` (``$XDG_CACHE_HOME`` respected), not the records:
it is what strangers' sites say today, rebuilt by reading them again, and the records keep no
more about people than their interactions need (docs/design-notes/exports.md). A site read less
than ``FRESH_DAYS`` ago is not read again unless ``--refresh`` says so. A site that could not be
read (too slow, an error, too big, not a public address) is skipped with one line and is not
cached: the next export tries it again.
"""

from __future__ import annotations

import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

#: How long what a site advertised is taken as still true.
FRESH_DAYS = 30
#: One site's page, redirects included; and every site of one export together.
FETCH_SECONDS = 15.0
RUN_SECONDS = 300.0
#: Sites read at once: a few slow sites do not hold up the rest.
WORKERS = 4


def cache_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "roost" / "feeds.json"


def read_cache(path: Path) -> dict[str, dict]:
    """Site -> {"checked": "YYYY-MM-DD", "feeds": [...]}; an unreadable cache is an empty one
    (it is only a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sites = data.get("sites", {}) if isinstance(data, dict) else {}
        if not isinstance(sites, dict):
            return {}
        return {k: v for k, v in sites.items() if isinstance(v, dict) and "checked" in v}
    except (OSError, ValueError, RecursionError):
        return {}


def write_cache(path: Path, sites: dict[str, dict]) -> None:
    """Atomically (a temporary file renamed), sorted, so two exports never leave half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": 1, "sites": dict(sorted(sites.items()))}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-feeds-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def feeds_of(
    sites: list[str], *, refresh: bool = False, fetcher=None, today: date | None = None
) -> tuple[dict[str, list], list[str]]:
    """Each site's feeds (from the cache when fresh), and one line per site skipped."""
    from ..networks.feed_discovery import Feed, discover
    from ..networks.guarded_fetch import FetchError, GuardedFetcher, shown

    today = today or datetime.now(UTC).date()
    path = cache_path()
    cache = read_cache(path)
    found: dict[str, list[Feed]] = {}
    due = []
    for site in dict.fromkeys(sites):
        entry = cache.get(site)
        if entry and not refresh and _fresh(entry.get("checked"), today):
            try:
                found[site] = [Feed.from_dict(f) for f in entry.get("feeds", [])]
                continue
            except (KeyError, TypeError, AttributeError):
                pass  # a damaged entry: read the site again
        due.append(site)
    fetcher = fetcher or GuardedFetcher(fetch_seconds=FETCH_SECONDS, run_seconds=RUN_SECONDS)

    def one(site: str):
        try:
            return site, discover(fetcher, site), None
        except FetchError as e:
            return site, None, str(e)
        except (ValueError, RecursionError) as e:  # a page beyond reading
            return site, None, f"{shown(site)}: its page cannot be read ({type(e).__name__})"

    skipped = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for site, feeds, why in pool.map(one, due):
            if feeds is None:
                skipped.append(f"{why}; its feeds are not in this export")
                continue
            found[site] = feeds
            cache[site] = {"checked": today.isoformat(), "feeds": [f.to_dict() for f in feeds]}
    if due and len(skipped) < len(due):
        try:
            write_cache(path, cache)
        except OSError as e:
            skipped.append(f"{path}: the feeds found could not be cached ({e.strerror or e})")
    return found, skipped


def _fresh(checked, today: date) -> bool:
    try:
        return today - date.fromisoformat(str(checked)) < timedelta(days=FRESH_DAYS)
    except ValueError:
        return False
