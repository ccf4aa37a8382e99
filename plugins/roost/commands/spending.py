"""The orchestrators' side of billing (networks/billing.py): before a run, each billing
network's meter learns what the month has cost so far (``social/spending.json``); during and
after it, what the run spent is added there; and the lines the author reads: what a run would
cost, what it cost, and the month against the budget. Network-neutral: any adapter whose
``PRICES`` are not empty takes part; the others are left alone."""

from __future__ import annotations

from datetime import datetime

from ..model import RecordError
from ..networks.billing import dollars, month_of
from ..spending import add_spending, month_usd, read_spending
from ..store import Store


def load(store: Store, adapters: dict, now: datetime | None = None) -> list[str]:
    """Give each billing network's meter the month's spend so far; one line per problem. A
    ledger that cannot be read stops spending where a budget is set (it cannot be kept)."""
    problems = []
    for name, adapter in adapters.items():
        meter = adapter.meter
        if not meter.bills:
            continue
        try:
            meter.before = month_usd(store, name, month_of(now))
        except RecordError as e:
            if meter.budget is not None:
                meter.before = float("inf")
                problems.append(f"{e}; {name} spends nothing until it is mended (its budget)")
            else:
                problems.append(f"{e}; this run's {name} spend is not added to it")
    return problems


def record(store: Store, adapter, now: datetime | None = None) -> None:
    """Add what the adapter's meter charged since the last call to the month (under the lock).
    A ledger that cannot be read is left as it is (``load`` said so)."""
    units = adapter.meter.unwritten()
    if not units:
        return
    try:
        with store.lock():
            add_spending(store, adapter.NAME, month_of(now), units, adapter.meter.cost(units))
    except RecordError:
        pass


def check(adapter, draft, done: int, what: str) -> None:
    """OverBudget, before any request, when the parts not sent yet would pass the budget."""
    adapter.meter.check(adapter.cost(draft, list(range(done, len(draft.parts)))) or 0.0, what)


def priced(totals: dict[str, float], adapter, draft, done: int) -> str:
    """A dry run's price of the parts not sent yet (", $0.215"; "" for a free network), added
    to ``totals`` by network."""
    cost = adapter.cost(draft, list(range(done, len(draft.parts))))
    if cost is None:
        return ""
    totals[adapter.NAME] = totals.get(adapter.NAME, 0.0) + cost
    return f", {dollars(cost)}"


def month_line(name: str, usd: float, budget: float | None) -> str:
    of = f" of the {dollars(budget)} monthly budget" if budget is not None else ""
    return f"{name}: {dollars(usd)} spent this month{of}"


def status_lines(store: Store, adapters: dict, now: datetime | None = None) -> list[str]:
    """``roost status``: the month's spend of every network that bills or has spent."""
    month = month_of(now)
    spent = read_spending(store)
    names = sorted({n for n, a in adapters.items() if a.meter.bills} | set(spent))
    lines = []
    for name in names:
        usd = month_usd(store, name, month)
        budget = adapters[name].meter.budget if name in adapters else None
        lines.append(month_line(name, usd, budget))
    return lines
