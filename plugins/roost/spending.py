"""``social/spending.json``: what each network that bills each request (X) has cost, per
calendar month (UTC), written through the Store (atomic, under its lock) like every record.

    {"format": 1, "networks": {"x": {"2026-05": {"usd": "1.215000",
                                                 "post_create_with_url": 6, "owned_read": 15}}}}

``usd`` is the month's spend in US dollars at the prices in force when each request was made
(written as a decimal, so adding never drifts); the other keys count the units billed, by the
network's own price items (``networks/x/prices.py``). The orchestrators read the month's total
before a run (the monthly budget counts it) and add each run's spend as they go
(``commands/spending.py``). When two runs both spent, ``invoke push-records`` adds both
(``records_merge.merge_spending``): spend is a sum, never "the further one".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .model import FORMAT, RecordError, check_format
from .store import Store, dumps


def read_spending(store: Store) -> dict[str, dict[str, dict]]:
    """{network: {month: {"usd": "<dollars>", item: units}}}; RecordError naming the file when
    it is not of that shape."""
    path = store.root / "spending.json"
    data = store._read_json(path)
    if data is None:
        return {}
    try:
        check_format(data)
        networks = data.get("networks", {})
        if not isinstance(networks, dict) or not all(
            isinstance(months, dict) and all(_entry_ok(m) for m in months.values())
            for months in networks.values()
        ):
            raise RecordError(
                'networks must map each network to months of {"usd": "<dollars>", <item>: <units>}'
            )
    except RecordError as e:
        raise e.at(store.display(path)) from None
    return networks


def month_usd(store: Store, network: str, month: str) -> float:
    entry = read_spending(store).get(network, {}).get(month, {})
    return float(decimal(entry.get("usd", "0")) or 0)


def add_spending(store: Store, network: str, month: str, units: dict[str, int], usd: float):
    """Add what a run spent to the month (the caller holds the store's lock)."""
    networks = read_spending(store)
    entry = networks.setdefault(network, {}).setdefault(month, {"usd": "0"})
    for item, n in units.items():
        entry[item] = entry.get(item, 0) + n
    entry["usd"] = f"{decimal(entry['usd']) + Decimal(f'{usd:.6f}'):.6f}"
    write(store, networks)


def write(store: Store, networks: dict) -> bool:
    data = {"format": FORMAT, "networks": sorted_networks(networks)}
    return store._write_bytes(store.root / "spending.json", dumps(data))


def sorted_networks(networks: dict) -> dict:
    return {
        n: {m: dict(sorted(v.items())) for m, v in sorted(months.items())}
        for n, months in sorted(networks.items())
    }


def decimal(text) -> Decimal | None:
    """Dollars as written ("1.215000"), exactly; None when not a number of 0 or more."""
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value >= 0 else None


def _entry_ok(entry) -> bool:
    return (
        isinstance(entry, dict)
        and decimal(entry.get("usd", "0")) is not None
        and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0
            for k, n in entry.items()
            if k != "usd"
        )
    )
