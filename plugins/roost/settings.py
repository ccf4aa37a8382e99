"""Every ROOST_* setting in one table (name, default, check, help), validated once per build.

A bad value is reported in one line that names the key, the value and the fallback used, and
the build goes on with the default (``roost build`` then exits non-zero). A ROOST_* key that is
not in the table is reported too: a typo must not silently turn a feature off.
``docs/settings.md`` is checked against this table by the tests.

Secrets never live here: network credentials come from the environment only, read by the
command that needs them, so printing the settings can never print a secret.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    check: Callable[[Any], str | None]  # returns what is wrong, or None
    help: str


def _path(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "expected a folder path as a string"
    return None


def _url_path(v: Any) -> str | None:
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*", v):
        return "expected a relative URL path such as 'social-media' (letters, digits, - _ /)"
    return None


def _optional_path(v: Any) -> str | None:
    return None if v is None else _path(v)


def _optional_url_path(v: Any) -> str | None:
    return None if v is None else _url_path(v)


def _period(v: Any) -> str | None:
    return None if v in ("month", "week") else "expected 'month' or 'week'"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "expected True or False"


def _networks(v: Any) -> str | None:
    from .registry import NETWORKS, in_networks_setting

    if not isinstance(v, dict) or not all(isinstance(c, dict) for c in v.values()):
        return 'expected a dict such as {"mastodon": {"instance": "https://..."}}'
    known = in_networks_setting()
    elsewhere = sorted(
        n for n in v if n in NETWORKS and NETWORKS[n].configured_in != "ROOST_NETWORKS"
    )
    if elsewhere:
        return "; ".join(
            f"{n} is configured with {NETWORKS[n].configured_in}, not here" for n in elsewhere
        )
    unknown = sorted(set(v) - set(known))
    if unknown:
        hints = [(n, _network_meant(n, known)) for n in unknown]
        hints = [f'"{m}", not "{n}"' for n, m in hints if m]
        meant = f"; write {'; '.join(hints)}" if hints else ""
        return f"no adapter for {', '.join(unknown)} (known: {', '.join(sorted(known))}){meant}"
    return None


#: Names authors write for a network Roost calls otherwise.
_OTHER_NAMES = {"twitter": "x", "bsky": "bluesky", "fediverse": "mastodon"}


def _network_meant(name: str, known) -> str:
    """The known network a mistyped name most likely means ("X", "thread", "twitter"), or ""."""
    lowered = str(name).strip().lower()
    if lowered in known:
        return lowered
    if _OTHER_NAMES.get(lowered) in known:
        return _OTHER_NAMES[lowered]
    close = difflib.get_close_matches(lowered, sorted(known), n=1, cutoff=0.75)
    return close[0] if close else ""


def _webmention_io(v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, dict) or not isinstance(v.get("domain"), str) or not v["domain"]:
        return 'expected a dict such as {"domain": "camille.blog"}'
    return None


def check_endpoint(v: Any) -> str | None:
    if v is None:
        return None
    # No ; , ' " or \ either: the address also sits in the pages' CSP (form-action), where
    # they would end the directive, add a source or a keyword.
    if not isinstance(v, str) or not re.fullmatch(r"https?://[^\s/?#;,'\"\\]+[^\s;,'\"\\]*", v):
        return (
            "expected an http(s) address such as 'https://webmention.io/camille.blog/webmention' "
            "(without ; , ' \" or \\, which would break the pages' Content-Security-Policy)"
        )
    return None


def _feed_path(v: Any) -> str | None:
    if v is None:
        return None
    if (
        not isinstance(v, str)
        or not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*", v)
        or not v.endswith(".json")
    ):
        return "expected a path in output/ ending in .json, such as 'feeds/all.json', or None"
    return None


def _hub(v: Any) -> str | None:
    if v is None:
        return None
    try:
        parts = urlsplit(v) if isinstance(v, str) else None
    except ValueError:  # "http://[::1" and the like
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.fragment
        or any(c.isspace() for c in v)
    ):
        return "expected the hub's address, such as 'https://websubhub.com/hub', or None"
    return None


def _date(v: Any) -> str | None:
    if v is None:
        return None
    try:
        date.fromisoformat(str(v))
    except ValueError:
        return "expected a date as 'YYYY-MM-DD'"
    return None


def _count(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            return f"expected a whole number from {lo} to {hi}"
        return None

    return check


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ROOST_RECORDS_PATH", "social", _path,
        "Folder of Roost's records. A relative path is taken from the folder that holds your "
        "content folder, so the default is `social/` beside `content/`.",
    ),
    Setting(
        "ROOST_MEDIA_URL", "social-media", _url_path,
        "Where mirrored avatars and images are copied in `output/` (only files that a rendered "
        "page uses are copied; the folder may hold pages too: Roost removes only its own copies).",
    ),
    Setting(
        "ROOST_SHOW_INTERACTIONS", True, _bool,
        "Render archived interactions under each post. False keeps the records but hides them.",
    ),
    Setting(
        "ROOST_FACEPILE_LIMIT", 30, _count(0, 1000),
        "Most avatars shown in one facepile (likes, reposts, bookmarks, RSVPs); the rest are "
        "counted.",
    ),
    Setting(
        "ROOST_THREAD_DEPTH", 6, _count(1, 50),
        "Deepest level at which replies are indented; deeper replies are shown at this level, "
        "each still saying whom it answers.",
    ),
    Setting(
        "ROOST_NETWORKS", {}, _networks,
        "Where `roost syndicate` posts, and how: one entry per network with its settings (see "
        "docs/syndication.md). Secrets are named by environment variable, never written here.",
    ),
    Setting(
        "ROOST_SYNDICATE_SINCE", None, _date,
        "Only posts published on or after this date (YYYY-MM-DD) are ever syndicated, so turning "
        "Roost on for an old blog floods no one. Required once ROOST_NETWORKS is set.",
    ),
    Setting(
        "ROOST_WEBMENTION_IO", None, _webmention_io,
        "Bring home the Webmentions webmention.io received for your site (replies from other "
        'blogs, and from Bridgy): {"domain": "camille.blog"}; the API key comes from '
        "ROOST_WEBMENTION_IO_TOKEN in the environment.",
    ),
    Setting(
        "ROOST_WEBMENTION_ENDPOINT", None, check_endpoint,
        "Where other sites send Webmentions: advertised on every page with rel=\"webmention\" "
        "and used by the \"Reply from your own site\" form under each post. By default the "
        "webmention.io endpoint of ROOST_WEBMENTION_IO's domain; set it to use another receiver.",
    ),
    Setting(
        "ROOST_WEBMENTION_SINCE", None, _date,
        "`roost webmention` sends Webmentions for the links of posts published on or after this "
        "date (YYYY-MM-DD), and for their updates and deletions; unset, it sends none. See "
        "docs/webmention.md.",
    ),
    Setting(
        "ROOST_CHECK_DEPLOYED", True, _bool,
        "Before posting, check that the post's canonical URL answers 200, so link cards work and "
        "nobody follows a link to a page that is not there yet.",
    ),
    Setting(
        "ROOST_CACHE", True, _bool,
        "Keep each post's rendered responses in CACHE_PATH/roost/ and reuse them while the post's "
        "record, the people, the moderation file, the mirrored media, the template, the settings "
        "and Roost itself are unchanged. Safe to delete at any time.",
    ),
    Setting(
        "ROOST_CSP", True, _bool,
        "Add a Content-Security-Policy that lets pages load nothing from other sites and run no "
        "script: a second wall behind the sanitiser.",
    ),
    Setting(
        "ROOST_JSON_FEED", "feeds/all.json", _feed_path,
        "Where the JSON Feed 1.1 of the published posts is written in `output/` (full content, "
        "the same ids as the Atom feed), linked from every page's head. None: no JSON Feed.",
    ),
    Setting(
        "ROOST_WEBSUB_HUB", None, _hub,
        "A WebSub hub, e.g. 'https://websubhub.com/hub': named in every feed (rel=hub beside "
        "rel=self) so readers get new posts pushed, and told of each deploy by `roost websub` "
        "(docs/feeds.md). None: no hub.",
    ),
    Setting(
        "ROOST_STATS_REPORT", None, _optional_path,
        "A folder where each build writes your engagement report (index.html: SVG charts, no "
        "script; see docs/stats.md), taken from the folder that holds your content folder like "
        "ROOST_RECORDS_PATH. It names people, so it is refused inside the output folder. None: "
        "no report, and the build spends nothing on it.",
    ),
    Setting(
        "ROOST_STATS_PAGE", None, _optional_url_path,
        "A public page of engagement counts at this path in `output/` (e.g. 'engagement': "
        "output/engagement/index.html): per post, network, kind and period, never a person's "
        "name, handle or picture. None: no page.",
    ),
    Setting(
        "ROOST_STATS_PERIOD", "month", _period,
        "The stats report's and page's time step: 'month' or 'week' (ISO weeks), in UTC.",
    ),
)  # fmt: skip

BY_NAME = {s.name: s for s in SETTINGS}


def validate(settings: dict) -> tuple[dict[str, Any], list[str]]:
    """Return (values with defaults filled in, one message per problem)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for s in SETTINGS:
        if s.name not in settings:
            values[s.name] = s.default
            continue
        v = settings[s.name]
        wrong = s.check(v)
        if wrong:
            problems.append(
                f"setting {s.name} = {_short(v)}: {wrong}; using the default {s.default!r}"
            )
            values[s.name] = s.default
        else:
            values[s.name] = v
    for key in sorted(settings):
        if key.startswith("ROOST_") and key not in BY_NAME:
            near = difflib.get_close_matches(key, BY_NAME, n=1)
            hint = f"did you mean {near[0]}?" if near else "see docs/settings.md for the list"
            problems.append(f"setting {key} is not a Roost setting; {hint}")
    return values, problems


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."
