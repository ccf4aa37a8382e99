"""``roost doctor``: is everything in place to publish and backfeed from here (a laptop, or CI)?

It checks, without changing anything anywhere:

* the settings (every ``ROOST_*`` key, ``SITEURL`` for the published site, the date syndication
  starts from);
* the records folder (every file readable and well-formed);
* every configured network (webmention.io included): the secret is in the environment, and
  its adapter's ``check`` succeeds: read-only calls (Mastodon ``verify_credentials`` and the
  token's scopes, Bluesky ``getSession``, webmention.io one entry of its feed);
* what the account watch found at the last backfeed (``watch.py``): each post on an account
  that Roost did not send, as ``SEE`` (or ``FIX``, failing, with ``--fail-on-unknown``).

Each finding is one line that names the setting, file, variable or network and says what to
do. Secrets are never printed: a variable is named, its value is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..networks.base import (
    MissingScopes,
    NetworkError,
    NotConfigured,
    RateLimited,
    Rejected,
    Unauthorized,
    Unavailable,
)


@dataclass
class Finding:
    ok: bool
    line: str
    seen: bool = False  # to look at, not to fix: a post on an account that Roost did not send

    @property
    def mark(self) -> str:
        return "SEE" if self.seen and self.ok else "ok " if self.ok else "FIX"


def diagnose(settings: dict, values: dict, problems: list[str], store, env=None) -> list[Finding]:
    """Every check, in order; nothing is written and nothing is posted."""
    findings = [Finding(False, p) for p in problems]
    findings += _site(settings, values)
    findings += _records(store)
    findings += _gone(settings, store)
    if problems:
        return findings  # the networks' settings are not trustworthy yet
    from ..registry import adapter as adapter_class
    from .adapters import build_adapters, configured

    if not any(adapter_class(name).POSTS for name in configured(values)):
        findings.append(
            Finding(True, "no networks configured: nothing will be posted (ROOST_NETWORKS)")
        )
    adapters, wrong = build_adapters(values, env=env)
    findings += [Finding(False, line) for line in wrong]
    for name, adapter in adapters.items():
        findings.append(_try(name, adapter))
    return findings


def watch_findings(store, fail: bool) -> list[Finding]:
    """The account watch's findings (``watch.py``, from the last backfeed): each post on an
    account that Roost did not send, to look at; to fix (the doctor fails) with ``fail``."""
    from ..model import RecordError
    from .watch import ADVICE, unknown_posts

    try:
        found = unknown_posts(store)
    except RecordError:
        return []  # said by the records check above
    lines = [Finding(not fail, u.line(), seen=True) for u in found]
    return lines + ([Finding(not fail, ADVICE, seen=True)] if found else [])


def _site(settings: dict, values: dict) -> list[Finding]:
    found = []
    site = str(settings.get("SITEURL", ""))
    if not site.startswith("https://"):
        found.append(
            Finding(
                False,
                f"SITEURL is {site!r}: set it to the site's https:// address in the settings "
                "file CI builds with (publishconf.py), or copies will link nowhere",
            )
        )
    if values.get("ROOST_NETWORKS") and values.get("ROOST_SYNDICATE_SINCE") is None:
        found.append(
            Finding(
                False,
                "ROOST_SYNDICATE_SINCE is not set: set it to today ('YYYY-MM-DD') so older "
                "posts are never sent",
            )
        )
    return found


def _records(store) -> list[Finding]:
    try:
        problems = store.problems()
    except OSError as e:
        return [Finding(False, f"{store.root}: cannot be read ({e.strerror})")]
    if problems:
        return [
            Finding(False, f"{p}: fix the file by hand, or restore it from git") for p in problems
        ]
    return [Finding(True, f"records: {len(store.post_keys())} post files read, all well-formed")]


def _gone(settings: dict, store) -> list[Finding]:
    """Networks the records name that the settings no longer configure: not a fault (a network
    left or died, and what came from it is kept), said so the author knows why Roost is quiet
    about it."""
    from ..gone_networks import gone_networks
    from ..model import RecordError
    from ..registry import NETWORKS

    named: set[str] = set()
    try:
        for key in store.post_keys():
            record = store.read_post(key)
            named |= {s.network for s in record.syndications}
            named |= {x.network for x in record.interactions}
    except (RecordError, OSError):
        pass  # already a finding of _records
    return [
        Finding(
            True,
            f"{network}: no longer configured (not in {NETWORKS[network].configured_in}); what "
            "was archived from it is kept and shown as archived (roost status counts it)",
        )
        for network in gone_networks(settings, named)
    ]


def _try(name: str, adapter) -> Finding:
    """One read-only call, and what its failure means for the person fixing it: which variable
    holds the secret, and how to make one with the least it needs (from the network's settings)."""
    secrets = adapter.secret_variables(adapter.settings)
    secret, make = next(iter(secrets.items()), ("its secret", "make a new one"))
    try:
        who = adapter.check()
    except NotConfigured as e:
        # A network with several secrets (X's four) says in its message where all of them come
        # from; the first one's own instruction after it would only repeat half of that.
        hint = f"; {make}" if len(secrets) <= 1 else ""
        return Finding(False, f"{name}: {e.message}{hint}")
    except MissingScopes as e:
        return Finding(
            False, f"{name}: the token in {secret} works but lacks {e.message}: {make}, then set "
            "it again",
        )  # fmt: skip
    except Unauthorized as e:
        expired = "expired" in e.message.lower()
        why = "has expired" if expired else "was refused"
        scope = " (it lacks a scope this needs)" if e.status == 403 and not expired else ""
        return Finding(
            False,
            f"{name}: the secret in {secret} {why}{scope}: {make}, then set it again "
            f"({e.message.split(' (check')[0]})",
        )
    except RateLimited as e:
        wait = f" in {int(e.retry_after)} s" if e.retry_after else " later"
        return Finding(
            False, f"{name}: rate limited; the credentials were not checked: try again{wait}"
        )
    except Unavailable as e:
        return Finding(
            False,
            f"{name}: cannot reach the server ({e.message}): check its address in the settings "
            "and that this machine can reach it",
        )
    except Rejected as e:
        return Finding(False, f"{name}: the server refused the check ({e.message})")
    except NetworkError as e:  # an answer Roost cannot read, and anything newer
        return Finding(False, f"{name}: {e.message}")
    return Finding(True, f"{name}: signed in as {who}")
