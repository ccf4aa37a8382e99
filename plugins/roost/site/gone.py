"""Tombstones for deleted posts, so a Webmention receiver can tell that a post is gone (W3C
Webmention, "Sending Webmentions for deleted posts": the receiver learns that a source was
deleted when fetching it answers ``410 Gone``).

A static host (GitHub Pages, most others) cannot answer 410 for a page that is not there: it
answers 404, which receivers may take for a passing fault. So at the end of every build, each
source that ``roost webmention`` has sent Webmentions for (``social/webmentions.json``) and that
this build did not write gets a small page at its old address holding
``<meta http-equiv="Status" content="410 Gone">``, the signal receivers read in the page when
the server cannot send the status (webmention.rocks' delete test accepts it). Nothing the build
wrote is replaced (a page left in the output folder by an earlier build is: the post is gone),
and only addresses under the site's own ``SITEURL`` are considered.

Authors whose server can answer a real 410 (nginx, Apache, Netlify) are shown how in
``docs/webmention.md``; the tombstones do no harm there.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

LEDGER = "webmentions.json"  # the same file commands/webmention_plan.py writes

TOMBSTONE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Status" content="410 Gone">
<meta name="robots" content="noindex">
<title>Gone</title>
</head>
<body>
<p>This post was deleted.</p>
</body>
</html>
"""


def gone_paths(records: Path, siteurl: str) -> list[str]:
    """The path, under ``siteurl``, of every source the ledger knows; [] without a ledger (or
    with one that cannot be read: ``roost check`` and ``roost webmention`` name it)."""
    try:
        data = json.loads((records / LEDGER).read_text(encoding="utf-8"))
        sources = data["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    base = siteurl.rstrip("/") + "/"
    found = []
    for url in sources if isinstance(sources, dict) else ():
        if isinstance(url, str) and siteurl and url.startswith(base):
            found.append(unquote(urlsplit(url).path[len(urlsplit(base).path) :]))
    return sorted(found)


def write_tombstones(records: Path, siteurl: str, output: Path, written: set) -> int:
    """Write a tombstone for every known source this build did not write (``written``: the
    paths of what it wrote); how many."""
    root = output.resolve()
    count = 0
    # Pelican names what it wrote as output_path joined with save_as: the same join here finds
    # it without resolving every page's path (the resolved form is checked too).
    written = {os.path.abspath(p) for p in written}
    for rel in gone_paths(records, siteurl):
        if not rel or rel.endswith("/"):
            rel += "index.html"
        if "\0" in rel:  # "%00" in a hand-edited address: no file can have that name
            continue
        target = (root / rel).resolve()
        if root not in target.parents or ".." in Path(rel).parts:
            continue
        if str(target) in written or os.path.abspath(output / rel) in written:
            continue
        try:
            if target.is_file() and target.read_text(encoding="utf-8") == TOMBSTONE:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(TOMBSTONE, encoding="utf-8")
        except OSError as e:
            log.error("roost: cannot write a tombstone at %s: %s", target, e.strerror or e)
            continue
        count += 1
    if count:
        log.info("roost: %d tombstone(s) for deleted posts (410 Gone, for Webmentions)", count)
    return count
