"""What a publishing command decided for each post on each network, and the table that ends a run.

``roost syndicate``, ``preview`` and ``unsyndicate`` each return a list of :class:`Outcome`; the
CLI prints the failures and the noteworthy decisions one per line, then :func:`summary`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass
class Outcome:
    post: str
    network: str
    action: str  # posted, updated, skipped, failed, unchanged, renamed, would post, would update
    detail: str = ""
    quiet: bool = False  # a routine decision (listed with --verbose only)


def summary(outcomes: list[Outcome]) -> str:
    """The closing table: per network, how many posts went which way."""
    counts: dict[str, Counter] = {}
    for o in outcomes:
        counts.setdefault(o.network, Counter())[o.action] += 1
    columns = ["posted", "updated", "skipped", "unchanged", "failed"]
    extra = sorted({a for c in counts.values() for a in c} - set(columns))
    columns += extra
    width = max([len("network"), *map(len, counts)])
    lines = ["network".ljust(width) + "".join(f"{c:>12}" for c in columns)]
    for name in sorted(counts):
        lines.append(name.ljust(width) + "".join(f"{counts[name][c]:>12}" for c in columns))
    return "\n".join(lines)
