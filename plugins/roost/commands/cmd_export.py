"""``roost people export``: the audience in a format another program reads, or as a list on the
author's Bluesky account (docs/exports.md)::

    roost people export --format csv|vcard|opml|mastodon [-o FILE] [--refresh]
    roost people export --bluesky-list NAME

The people are the directory's (``audience/directory.py``): whoever the author blocked or
forgot, or who opted out, is in no export. The formats are written by ``audience/exports.py``,
``vcard.py`` and ``opml.py``; OPML's feeds are discovered here, by ``feeds.py``, never by the
build. The export goes to standard output, or to FILE written whole (a temporary file renamed);
what is said about it goes to standard error, so a pipe gets the export alone.

A website that could not be read for its feeds is one line, and the export goes on: exit 0 (a
reader's blog being down is not the author's failure). The Bluesky list: exit 1 when the network
refused or failed (what was written stays; the next run adds what is missing), 2 when Bluesky is
not configured.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .common import (
    SETTINGS_HELP,
    Stop,
    outside_output,
    print_problems,
    say,
    settings_and_store,
)


def add_export_parser(people_sub) -> None:
    """``export`` under ``roost people``."""
    from ..audience.exports import FORMATS

    p = people_sub.add_parser(
        "export",
        help="export your audience: CSV, vCard, OPML of their feeds, Mastodon's follow import, "
        "or a list on your Bluesky account",
    )
    p.add_argument("-s", "--settings", default="publishconf.py", help=SETTINGS_HELP)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--format", choices=FORMATS, help="the file format")
    what.add_argument(
        "--bluesky-list",
        metavar="NAME",
        help="make (or bring up to date) a list called NAME on your Bluesky account with "
        "everyone on Bluesky",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="OPML: read every website again for its feeds, however recently it was read",
    )
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from ..audience.directory import load_directory

    if args.output and not (Path(args.output).parent or Path(".")).is_dir():
        raise Stop(f"-o {args.output}: the folder {Path(args.output).parent} does not exist")
    settings, values, problems, store = settings_and_store(args)
    if args.output:
        _refuse_output(args.output, settings)
    directory = load_directory(store.root)
    if args.bluesky_list is not None:
        print_problems(problems)
        return bluesky_list(args, values, store, directory)
    people = directory.people
    feeds, notes = {}, []
    if args.format == "opml":
        from ..audience.exports import websites
        from .feeds import feeds_of

        sites = [site for someone in people for site in websites(someone)]
        feeds, notes = feeds_of(sites, refresh=args.refresh)
    from ..audience.exports import render

    title = f"Feeds of {settings.get('SITENAME') or 'my'} readers"
    text, more = render(args.format, people, feeds, title)
    for line in notes + more:
        say(f"roost: {line}", sys.stderr)
    if args.output:
        write_whole(Path(args.output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    where = args.output or "standard output"
    say(f"roost: {len(people)} people exported as {args.format} to {where}", sys.stderr)
    return 0


def _refuse_output(file: str, settings: dict) -> None:
    """An export names people: never into the site's output folder, which is deployed (the
    same rule as the stats report's); and a folder is not a file."""
    why = ", and the export names your readers: write it outside that folder"
    target = outside_output(file, f"-o {file}", settings, why)
    if target.is_dir():
        raise Stop(f"-o {file}: a folder; name the file to write, e.g. {Path(file) / 'readers'}")


def write_whole(path: Path, text: str) -> None:
    """The file appears whole or not at all (an export is often written over the last one)."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def bluesky_list(args, values: dict, store, directory) -> int:
    from ..networks.base import NetworkError
    from ..networks.bluesky.lists import sync_list
    from ..networks.bluesky.richtext import graphemes
    from .adapters import build_adapters

    name = args.bluesky_list.strip()
    if not name or graphemes(name) > 64:
        raise Stop("--bluesky-list: a Bluesky list's name is 1 to 64 characters")
    if "bluesky" not in values["ROOST_NETWORKS"]:
        raise Stop(f'{args.settings}: ROOST_NETWORKS["bluesky"] is not set; the list is made '
                   "on your Bluesky account (docs/settings.md)")  # fmt: skip
    adapters, problems = build_adapters(values, only={"bluesky"})
    if problems:
        print_problems(problems)
        return 2
    bluesky = adapters["bluesky"]
    try:
        members, unresolved = bluesky_members(bluesky, directory)
        for line in unresolved:
            say(f"roost: {line}", sys.stderr)
        synced = sync_list(bluesky, name, members, refused_on_bluesky(store, directory))
    except NetworkError as e:
        say(f"roost: {e}; the list was not brought up to date (run again to finish)", sys.stderr)
        return 1
    say(
        f"roost: Bluesky list {name!r} {'made' if synced.created else 'found'}: "
        f"{len(synced.added)} added, {synced.kept} already there, "
        f"{len(synced.removed)} removed (blocked, forgotten or opted out): {synced.url}"
    )
    return 0


def bluesky_members(bluesky, directory) -> tuple[list[str], list[str]]:
    """The DID of every Bluesky account in the directory, most engaged first; an account the
    records know by handle alone is resolved (one line if it cannot be)."""
    dids, lines = [], []
    for someone in directory.people:
        for account in someone.accounts:
            if account.network != "bluesky":
                continue
            rest = account.id.split(":", 1)[1]
            did = rest if rest.startswith("did:") else bluesky._resolve(rest)
            if did:
                dids.append(did)
            else:
                lines.append(f"{account.id}: the handle does not resolve; not in the list")
    return dids, lines


def refused_on_bluesky(store, directory):
    """Whether a list member is someone moderation refuses: in the records but left out of the
    directory (blocked, forgotten, opted out, or merged with such an account), or blocked or
    forgotten and gone from the records. The author's own account is never taken off."""
    people = store.read_people()
    moderation = store.read_moderation()
    listed = {a.id for someone in directory.people for a in someone.accounts}

    def unwanted(did: str) -> bool:
        pid = f"bluesky:{did}"
        person = people.get(pid)
        if pid in listed or (person is not None and person.is_author):
            return False
        return person is not None or moderation.refuses(None, pid)

    return unwanted
