"""What a network that bills each request costs, counted before it is spent. Network-neutral:
X bills today (shared/docs/social-apis.md section 3.1); any network can declare prices.

An adapter declares its price table (``Network.PRICES``: item -> US dollars a unit, with the
date and source of those defaults) and the author may override any price in its settings
(``prices``) and set a ``monthly_budget_usd``. The run's :class:`Meter` is the adapter's
``meter``: the adapter asks it before every billed request (:meth:`Meter.spend`, or
:meth:`Meter.check` for an estimate, then :meth:`Meter.charge` with what was returned), and a
request that would take the month's spend past the budget is never sent (``OverBudget``,
one line saying what to do). The orchestrators load the month's earlier spend from the records
(``social/spending.json``, store.py) and write what the run spent back there
(``commands/spending.py``); this module does no I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import OverBudget


def month_of(when: datetime | None = None) -> str:
    """The calendar month (UTC) spending is counted in: "2026-05"."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m")


def dollars(usd: float) -> str:
    """An amount as the author reads it: "$0.215", never rounded to zero when it is not zero."""
    return f"${usd:.3f}" if usd < 100 else f"${usd:,.2f}"


@dataclass
class Meter:
    """One network's spending in one run, against its monthly budget."""

    network: str
    prices: dict[str, float] = field(default_factory=dict)
    budget: float | None = None  # US dollars a month; None: no limit
    before: float = 0.0  # spent this month before this run (from the records)
    counts: Counter = field(default_factory=Counter)  # item -> units charged this run
    _written: Counter = field(default_factory=Counter)  # of those, already in the records

    @property
    def bills(self) -> bool:
        return bool(self.prices)

    def price(self, item: str, units: int = 1) -> float:
        return self.prices.get(item, 0.0) * units

    def cost(self, counts) -> float:
        """What these units cost (item -> units)."""
        return sum(self.price(item, n) for item, n in dict(counts).items())

    @property
    def usd(self) -> float:
        """This run's spend."""
        return self.cost(self.counts)

    @property
    def month_total(self) -> float:
        return self.before + self.usd

    def check(self, usd: float, what: str = "this request") -> None:
        """OverBudget, before anything is sent, when ``usd`` more would pass the budget."""
        if self.budget is None or usd <= 0:
            return
        if self.month_total + usd > self.budget + 1e-9:
            raise OverBudget(
                self.network,
                f"{what} would cost {dollars(usd)}, and this month's spend "
                f"({dollars(self.month_total)}) would pass the monthly budget of "
                f"{dollars(self.budget)}: nothing was sent; raise "
                f'ROOST_NETWORKS["{self.network}"]["monthly_budget_usd"] or wait for next month',
            )

    def charge(self, item: str, units: int = 1) -> None:
        """Count units that were (or may have been) billed."""
        if units > 0 and item in self.prices:
            self.counts[item] += units

    def spend(self, item: str, units: int = 1, what: str | None = None) -> None:
        """Check, then charge: before one billed request whose price is known beforehand."""
        self.check(self.price(item, units), what or f"{item.replace('_', ' ')}")
        self.charge(item, units)

    def unwritten(self) -> dict[str, int]:
        """The units charged since the last call: what the records do not hold yet."""
        fresh = self.counts - self._written
        self._written = Counter(self.counts)
        return dict(fresh)
