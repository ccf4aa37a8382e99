"""The engagement figures as HTML: the author's local report, and the public aggregate page.

:func:`sections` turns :class:`~roost.audience.stats.Stats` into headed sections, each chart a
figure with its table (charts.py). The public page (site/stats_pages.py) shows them through the
theme; it passes ``people=None``, and nothing of a person reaches it: no name, handle, avatar or
account id, only numbers per post, network, kind and period. The local report
(:func:`write_report`) adds the most engaged people and is a standalone page with its own
stylesheet, for the author's browser only: it is written outside the output folder, never
deployed.

Pure apart from writing the report file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..registry import info
from . import charts
from .stats import KIND_WORDS, Stats, in_words, plural

#: Posts drawn in the chart (the table under it lists every post).
CHART_POSTS = 20

#: The local report's stylesheet (the public page uses the theme's). Light and dark; charts are
#: drawn in the text colour.
STYLE = """
:root { color-scheme: light dark; --fg: #1d1d1b; --bg: #fdfcf9; --muted: #55534e;
  --line: #cfcac0; --focus: #c2410c; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e6e1; --bg: #16181b; --muted: #b0aca4;
  --line: #4a4d52; --focus: #fdba74; } }
body { margin: 0 auto; max-width: 56rem; padding: 1rem; color: var(--fg); background: var(--bg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color: inherit; }
.muted, figcaption { color: var(--muted); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
figure { margin: 1rem 0 2rem; }
figcaption { font-size: .9rem; margin: .25rem 0 1rem; }
.roost-chart { display: block; max-width: 40rem; height: auto; }
.roost-table { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: start; font-weight: 600; padding: .25rem 0; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top;
  text-align: start; }
td { white-space: nowrap; } .n { text-align: end; }
tbody th { font-weight: 400; min-width: 10rem; }
"""


@dataclass
class Section:
    id: str
    heading: str
    intro: str
    body: Markup


def _kinds_row(counts: Counter, kinds: list[str]) -> list:
    return [counts[k] or "" for k in kinds]


def sections(stats: Stats, people=None, link=None) -> list[Section]:
    """Everything, in the order the terminal shows it. ``link(post)``: the post's address on
    the page (None: the title alone); ``people``: the directory's most engaged (report only)."""
    kinds = stats.kinds
    totals = stats.totals
    total = sum(totals.values())
    if not total:
        return []
    kind_names = [KIND_WORDS[k][1] for k in kinds]
    out = []

    rows = [(KIND_WORDS[k][1], totals[k]) for k in kinds]
    out.append(Section("kinds", "In all",
        f"{plural(total, 'interaction')} with {plural(len(stats.posts), 'post')}: "
        f"{in_words(totals, kinds)}.",
        charts.figure(
            charts.bars("roost-kinds", "Interactions by kind", _desc(rows), rows),
            "Interactions by kind",
            charts.table("Interactions by kind", ["kind", "interactions"], [list(r) for r in rows]),
        ),
    ))  # fmt: skip

    rows = [(info(n.network).name, n.total) for n in stats.networks]
    data = [
        [info(n.network).name, *_kinds_row(n.counts, kinds), n.total, len(n.posts), len(n.accounts)]
        for n in stats.networks
    ]
    out.append(Section("networks", "Per network",
        "Where the conversation happened; people are counted once per network account.",
        charts.figure(
            charts.bars("roost-networks", "Interactions per network", _desc(rows), rows),
            "Interactions per network",
            charts.table("Interactions per network, by kind",
                         ["network", *kind_names, "total", "posts", "people"], data),
        ),
    ))  # fmt: skip

    rows = [(name, sum(c.values())) for name, c in stats.periods]
    unit = "week (ISO weeks)" if stats.by == "week" else "month"
    quiet = sum(1 for _, n in rows if not n)
    busiest = max(rows, key=lambda r: r[1])
    desc = (f"Interactions per {stats.by}, from {rows[0][0]} to {rows[-1][0]}: the most in "
            f"{busiest[0]} ({busiest[1]}); {quiet} {stats.by}{'s' if quiet != 1 else ''} "
            f"with none.")  # fmt: skip
    data = [[name, *_kinds_row(c, kinds), sum(c.values())] for name, c in stats.periods]
    out.append(Section("time", "Over time", f"Per {unit}, in UTC, by when people answered.",
        charts.figure(
            charts.columns("roost-time", f"Interactions per {stats.by}", desc, rows),
            f"Interactions per {stats.by}",
            charts.table(f"Interactions per {stats.by}, by kind",
                         [stats.by, *kind_names, "total"], data),
        ),
    ))  # fmt: skip

    top = stats.posts[:CHART_POSTS]
    rows = [(p.title, p.total) for p in top]
    data = []
    for p in stats.posts:
        title = link(p) if link else None
        where = ", ".join(
            f"{info(n).name} {sum(c.values())}"
            for n, c in sorted(p.networks.items(), key=lambda kv: -sum(kv[1].values()))
        )
        data.append([title or p.title, *_kinds_row(p.counts, kinds), p.total, where])
    heading = "The most engaged posts" if len(stats.posts) > len(top) else "Per post"
    out.append(Section("posts", "Per post",
        f"Most engaged first; the chart shows {len(top)} of {len(stats.posts)} posts, the "
        "table every one.",
        charts.figure(
            charts.bars("roost-posts", heading, _desc(rows), rows),
            heading,
            charts.table("Interactions per post, by kind and network",
                         ["post", *kind_names, "total", "networks"], data),
        ),
    ))  # fmt: skip

    if people:
        out.append(_people(people))
    return out


def _people(people) -> Section:
    rows = [(s.name or s.accounts[0].handle or s.id, len(s.posts)) for s in people]
    data = [
        [
            s.name or s.accounts[0].handle or s.id,
            ", ".join(a.handle or a.id for a in s.accounts),
            len(s.posts),
            s.interactions,
            f"{s.first:%Y-%m-%d}" if s.first else "",
            f"{s.last:%Y-%m-%d}" if s.last else "",
        ]
        for s in people
    ]
    return Section("people", "Who comes back",
        "The people who came to the most posts (then did the most), across their networks. "
        "Only in this report: never on the site.",
        charts.figure(
            charts.bars("roost-people", "Posts each came to", _desc(rows), rows),
            "Posts each came to",
            charts.table("The most engaged people",
                         ["person", "accounts", "posts", "interactions", "first", "last"], data),
        ),
    )  # fmt: skip


def _desc(rows: list[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {n}" for label, n in rows) + "."


def render_report(stats: Stats, people, sitename: str) -> str:
    from ..site import TEMPLATES

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True)
    )
    template = env.get_template("roost/stats_report.html")
    site = Markup(sitename).striptags()  # noqa: S704 (only its text is kept, then escaped)
    # The report's own stylesheet, allowed by its hash: nothing else may load or run.
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    return template.render(
        sections=sections(stats, people),
        site=site,
        style=Markup(STYLE),  # noqa: S704 (our own fixed stylesheet)
        style_hash=digest,
    )


def write_report(folder: Path, stats: Stats, people, sitename: str) -> Path:
    """Write ``folder/index.html`` atomically (a browser open on it never sees half a page)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    html = render_report(stats, people, sitename)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 is for secrets; this is a page to open
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
