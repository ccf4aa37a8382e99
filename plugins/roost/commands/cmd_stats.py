"""``roost stats``: engagement in the terminal (per post, per network, over time, the most
engaged people), as JSON with ``--json``, or as the author's local report with ``--report DIR``.

The counting is audience/stats.py's (moderation applied, the author's own accounts left out);
this module only reads the site's published posts for their titles and lays the figures out
with rich. Tables are used when the terminal is wide enough for them; on a narrow one (a phone's
SSH client, a split pane) each item becomes a few wrapped lines instead, so nothing is cut.
Every name and title is printed as text, never as rich markup.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..audience.stats import KIND_WORDS, in_words, plural
from ..registry import info
from ..sanitize import clean_text
from .common import (
    Stop,
    outside_output,
    print_problems,
    say,
    settings_and_store,
    whole_number,
)

HEADERS = {kind: many for kind, (_, many) in KIND_WORDS.items()}


def cmd_stats(args: argparse.Namespace) -> int:
    from ..audience.stats import as_json, compute, most_engaged

    settings, values, problems, store = settings_and_store(args)
    report = _report_folder(args.report, settings) if args.report else None
    stats = compute(store, args.by, titles=_titles(settings), prefer_records=True)
    people, found = most_engaged(store.root, args.top)
    problems += stats.problems + found
    print_problems(problems)
    if report is not None:
        from ..audience.report import write_report

        path = write_report(report, stats, people, settings.get("SITENAME", ""))
        say(f"roost: the report is in {path} (open it in a browser; it is never deployed)")
    elif args.json:
        print(json.dumps(as_json(stats, people), indent=2, ensure_ascii=False))
    else:
        show(stats, people, Console(highlight=False), args.posts)
    return 1 if problems else 0


def _report_folder(folder: str, settings: dict) -> Path:
    """The report's folder, refused inside the site's output folder (which is deployed)."""
    why = "; the report names people: choose a folder outside it"
    target = outside_output(folder, folder, settings, why)
    if target.exists() and not target.is_dir():
        raise Stop(f"--report {folder}: a file, not a folder: name a folder (index.html is "
                   "written inside it, with the folder made if need be)")  # fmt: skip
    return target


def _titles(settings: dict) -> dict:
    """post key -> (title, date, None) from the Markdown files' front matter, for records that
    do not carry their post's title (syndication writes it; Webmention-only posts lack it).

    Only the metadata block at the top of each file is read, never the body: Pelican's readers
    convert the whole post, 20 seconds at 2,000 posts, for a cosmetic column. The key is the
    ``Slug`` or, as Pelican makes it by default, the slugified ``Title``; a file this does not
    match keeps its record key as title. Nothing is counted differently either way."""
    from pelican.utils import slugify

    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    found = {}
    for path in sorted(Path(settings.get("PATH", "content")).rglob("*.md")):
        meta = _front_matter(path)
        title = meta.get("title")
        if not title:
            continue
        slug = meta.get("slug") or slugify(
            title, regex_subs=subs, preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
            use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
        )  # fmt: skip
        found.setdefault(slug, (title, _iso(meta.get("date")), None))
    return found


def _iso(date: str | None) -> str | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(date).isoformat() if date else None
    except ValueError:
        return date  # as the author wrote it; Pelican reads more formats than this


def _front_matter(path: Path) -> dict[str, str]:
    """``Key: value`` lines at the top of a Markdown file, up to the first blank line."""
    meta: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if not sep or " " in key.strip():
                    break
                meta[key.strip().lower()] = value.strip()
    except (OSError, UnicodeDecodeError):
        pass  # `roost build` and `roost check` name a file that cannot be read
    return meta


def show(stats, people, console: Console, posts: int = 20) -> None:
    """Print everything, fitted to ``console.width``."""
    total = sum(stats.totals.values())
    if not total:
        console.print("Nothing counted yet: no interaction in the records (after moderation).")
        return
    kinds = stats.kinds
    nets = len(stats.networks)
    console.print(
        Text(
            f"{total} interactions with {len(stats.posts)} posts, on {nets} network"
            f"{'s' if nets != 1 else ''}: {_sentence(stats.totals, kinds)}"
        )  # fmt: skip
    )
    shown = stats.posts if posts <= 0 else stats.posts[:posts]
    _heading(console, "Per post, most engaged first")
    rows = []
    for p in shown:
        rows.append((Text(p.title), p.counts, False))
        if len(p.networks) > 1:
            for net, c in sorted(p.networks.items(), key=lambda kv: -sum(kv[1].values())):
                rows.append((Text("  on " + info(net).name, style="dim"), c, True))
    _counts_table(console, "post", rows, kinds)
    if len(shown) < len(stats.posts):
        console.print(f"... and {len(stats.posts) - len(shown)} more (--posts 0 shows all)")
    _heading(console, "Per network")
    rows = [(Text(info(n.network).name), n.counts, False) for n in stats.networks]
    extra = {info(n.network).name: (len(n.posts), len(n.accounts)) for n in stats.networks}
    _counts_table(console, "network", rows, kinds, extra)
    _heading(console, f"Over time, per {stats.by} (UTC)")
    _over_time(console, stats.periods)
    _heading(console, "Most engaged people (who came back, post after post)")
    _people(console, people)


def _n(n: int, word: str) -> str:
    return plural(n, word, "people" if word == "person" else None)


def _heading(console: Console, text: str) -> None:
    console.print()
    console.print(Text(text, style="bold"))


def _sentence(counts, kinds) -> str:
    return in_words(counts, kinds)


def _counts_table(console, first: str, rows, kinds, extra: dict | None = None) -> None:
    """One row per item, one column per kind and the total (and, for networks, ``extra``: how
    many posts and people); stacked lines when the terminal is too narrow for the table."""
    numbers = [HEADERS[k] for k in kinds] + ["total"] + (["posts", "people"] if extra else [])
    needed = (12 if extra else 24) + sum(len(h) + 3 for h in numbers)
    if console.width < needed:
        for label, counts, sub in rows:
            line = f"{sum(counts.values())}: {_sentence(counts, kinds)}"
            if sub:
                _indented(console, f"{label.plain.strip().removeprefix('on ')} {line}")
            else:
                console.print(label)
                _indented(console, line)
                if extra and label.plain in extra:
                    posts, people = extra[label.plain]
                    _indented(console, f"{_n(posts, 'post')}, {_n(people, 'person')}")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column(first, overflow="fold", min_width=12, ratio=1)
    for k in kinds:
        table.add_column(HEADERS[k], justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    if extra:
        table.add_column("posts", justify="right", no_wrap=True)
        table.add_column("people", justify="right", no_wrap=True)
    for label, counts, sub in rows:
        cells = [str(counts[k]) if counts[k] else "" for k in kinds]
        row = [label, *cells, str(sum(counts.values()))]
        if extra:
            row += [str(n) for n in extra[label.plain]]
        table.add_row(*row, style="dim" if sub else None)
    console.print(table)


def _indented(console: Console, text: str) -> None:
    console.print(Padding(Text(text), (0, 0, 0, 2), expand=False))


def _over_time(console: Console, periods) -> None:
    """One line per period: its name, its count and a bar scaled to the widest."""
    most = max((sum(c.values()) for _, c in periods), default=0) or 1
    room = max(4, min(50, console.width - 18))
    for name, counts in periods:
        n = sum(counts.values())
        bar = "█" * round(room * n / most) if n else ""
        console.print(Text(f"{name:<9} {n:>5} {bar}"), no_wrap=True, overflow="crop")


def _people(console: Console, people) -> None:
    if not people:
        console.print("Nobody yet.")
        return
    if console.width < 72:
        for s in people:
            name = clean_text(s.name) or s.accounts[0].handle or s.id
            nets = ", ".join(sorted({info(n).name for _, n in s.counts}))
            last = f", last {s.last:%Y-%m-%d}" if s.last else ""
            console.print(Text(name))
            _indented(console, f"{_n(len(s.posts), 'post')}, {_n(s.interactions, 'interaction')}"
                               f" ({nets}){last}")  # fmt: skip
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("person", overflow="fold", ratio=1)
    for name in ("posts", "interactions"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("on", overflow="fold")
    table.add_column("first", no_wrap=True)
    table.add_column("last", no_wrap=True)
    for s in people:
        name = clean_text(s.name) or clean_text(s.accounts[0].handle) or s.id
        nets = ", ".join(sorted({info(n).name for _, n in s.counts}))
        first = f"{s.first:%Y-%m-%d}" if s.first else ""
        last = f"{s.last:%Y-%m-%d}" if s.last else ""
        table.add_row(Text(name), str(len(s.posts)), str(s.interactions), nets, first, last)
    console.print(table)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="everything, as JSON")
    p.add_argument("--by", choices=("month", "week"), default="month",
                   help="over time, per month (default) or per ISO week, in UTC")  # fmt: skip
    p.add_argument("--top", type=whole_number(10**9), default=10, metavar="N",
                   help="how many of the most engaged people (default 10)")  # fmt: skip
    p.add_argument("--posts", type=whole_number(10**9), default=20, metavar="N",
                   help="how many posts in the terminal, most engaged first (0: all)")  # fmt: skip
    p.add_argument("--report", metavar="DIR",
                   help="write the local report (SVG charts, no script) in DIR")  # fmt: skip
