"""The audience, exported in formats other programs read: a spreadsheet (CSV, RFC 4180), an
address book (vCard 4.0, ``vcard.py``), a feed reader's subscriptions (OPML 2.0, ``opml.py``),
and Mastodon's follow import (its ``following_accounts.csv``; shared/docs/formats.md section 2).

Pure: everything here works from the directory (``directory.py``: moderation already applied,
the author's own accounts left out) and, for OPML, from feeds the command discovered before.
Nothing reads the settings, so a network removed from them, or dead, still has its people here
with all their handles (:func:`export_records`, the network-death drill's half).

Text from networks is hostile. In both CSVs a cell that a spreadsheet would read as a formula
(it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or the full-width forms
of the first four) gets a leading apostrophe, as OWASP's "CSV Injection" advice says: every
spreadsheet then shows it as text, and Python's ``csv`` quotes what needs quoting.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from ..model import format_time
from ..people import Person
from ..registry import NETWORKS

FORMATS = ("csv", "vcard", "opml", "mastodon")

#: Mastodon's follow import, exactly as Mastodon writes and reads it (app/models/form/import.rb).
MASTODON_HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"]
#: Mastodon refuses an import file of more rows than this.
MASTODON_MAX_ROWS = 20_000

#: What a spreadsheet takes for the start of a formula (OWASP "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: A Mastodon account as Mastodon's own import accepts it: user@domain, no leading "@".
_ACCT = re.compile(
    r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def neutralised(cell: str) -> str:
    """A cell no spreadsheet runs as a formula (and with no control character but newline)."""
    cell = str(cell)
    if cell.startswith(_FORMULA_STARTS):
        cell = "'" + cell
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", cell)


# ----------------------------------------------------------------- one account, shown


def handle(account: Person) -> str:
    """How the account is written elsewhere, without a leading "@": ``bob@birds.example``,
    ``priya.bsky.social``, ``ana.example``; the network's own id when the records hold no
    handle (a Bluesky DID)."""
    written = _CONTROL.sub("", account.handle).strip().lstrip("@")
    return written or account.id.split(":", 1)[-1]


def profile_url(account: Person) -> str | None:
    """The account's public page: the one the records hold, else one made from its id (a
    Mastodon ``user@host`` is at ``https://host/@user``, a Bluesky DID on bsky.app)."""
    if account.url and safe_url(account.url):
        return account.url
    rest = account.id.split(":", 1)[-1]
    if account.network == "mastodon" and _ACCT.fullmatch(rest):
        user, host = rest.split("@")
        return f"https://{host.lower()}/@{user}"
    if account.network == "bluesky" and rest:
        return "https://bsky.app/profile/" + quote(rest, safe=":.")
    return None


def safe_url(url: str | None) -> bool:
    """An http(s) address with no space, quote or control character: one that can stand in a
    vCard line, an XML attribute or a CSV cell without meaning anything else."""
    return bool(
        url
        and url.startswith(("https://", "http://"))
        and not re.search(r"[\x00-\x20\x7f\"<>\\`{}|^]", url)
        and len(url) <= 2000
    )


def mastodon_acct(account: Person) -> str | None:
    """``user@domain`` as Mastodon's import reads it, or None when the records hold none."""
    if account.network != "mastodon":
        return None
    for candidate in (account.handle.strip().lstrip("@"), account.id.split(":", 1)[-1]):
        if _ACCT.fullmatch(candidate):
            user, domain = candidate.split("@")
            return f"{user}@{domain.lower()}"
    return None


def websites(someone) -> list[str]:
    """Their own sites, as the directory verified them (the sites their Webmentions came from
    included), that can be written anywhere."""
    return list(dict.fromkeys(u for u in someone.websites if safe_url(u)))


def networks_of(people: Iterable) -> list[str]:
    """The networks the people are on: Roost's known order, then any other (a network from
    newer records, or one a later Roost no longer knows) by name."""
    seen = {a.network for someone in people for a in someone.accounts}
    return [n for n in NETWORKS if n in seen] + sorted(seen - set(NETWORKS))


def display_name(someone) -> str:
    name = " ".join(_CONTROL.sub(" ", someone.name or "").split())
    if name:
        return name
    accounts = list(someone.accounts)
    return handle(accounts[0]) if accounts else someone.id


# ----------------------------------------------------------------- the formats


def to_csv(people: list) -> str:
    """One row per person: id, name, websites, a handle and a profile column per network, first
    and last interaction, interactions and posts. Several values in a cell are separated by a
    space (no handle or address holds one)."""
    networks = networks_of(people)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["id", "name", "websites"]
    for network in networks:
        header += [f"{network} handle", f"{network} profile"]
    writer.writerow(header + ["first", "last", "interactions", "posts"])
    for someone in people:
        row = [someone.id, someone.name or "", " ".join(websites(someone))]
        for network in networks:
            mine = [a for a in someone.accounts if a.network == network]
            row.append(" ".join(handle(a) for a in mine))
            row.append(" ".join(u for a in mine if (u := profile_url(a))))
        row += [
            format_time(someone.first) if someone.first else "",
            format_time(someone.last) if someone.last else "",
            str(sum(someone.counts.values())),
            str(len(someone.posts)),
        ]
        writer.writerow([neutralised(cell) for cell in row])
    return out.getvalue()


def to_mastodon(people: list) -> tuple[str, list[str]]:
    """Mastodon's follow import: every Mastodon account (boosts shown, no notification, any
    language, as Mastodon's own export writes them), and the lines to say about it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_HEADER)
    seen: set[str] = set()
    notes = []
    for someone in people:
        for account in someone.accounts:
            acct = mastodon_acct(account)
            if acct is None:
                if account.network == "mastodon":
                    notes.append(f"{account.id}: no user@domain address in the records; left out")
                continue
            if acct.lower() not in seen:
                seen.add(acct.lower())
                writer.writerow([neutralised(acct), "true", "false", ""])
    if len(seen) > MASTODON_MAX_ROWS:
        notes.append(
            f"{len(seen)} accounts: Mastodon imports at most {MASTODON_MAX_ROWS} from one file; "
            "split it before importing"
        )
    return out.getvalue(), notes


def render(fmt: str, people: list, feeds: dict | None = None, title: str = "") -> tuple[str, list]:
    """The export in ``fmt`` (one of FORMATS), and the lines to say about it. ``feeds``: each
    website's discovered feeds, for OPML."""
    if fmt == "csv":
        return to_csv(people), []
    if fmt == "mastodon":
        return to_mastodon(people)
    if fmt == "vcard":
        from .vcard import to_vcards

        return to_vcards(people), []
    if fmt == "opml":
        from .opml import to_opml

        return to_opml(people, feeds or {}, title), []
    raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")


def export_records(
    social: Path, fmt: str, feeds: dict | None = None, title: str = ""
) -> tuple[str, list]:
    """Export everyone in the records folder ``social``. The settings play no part: a network
    that was removed from them (or died) keeps its people here, with their other handles."""
    from .directory import load_directory

    return render(fmt, load_directory(Path(social)).people, feeds, title)
