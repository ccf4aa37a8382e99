"""How the Threads API (a Meta Graph API) says "error" and "slow down", read for ``ApiClient``,
and how its lists page.

Errors come as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``
(shared/docs/social-apis.md section 4.3; Graph API "Handling errors"). Their HTTP status says
little (most are 400), so the status given to ``error_for`` is worked out from the code:

* 190: the access token expired or was revoked -> 401, with what to do (a Threads token lives
  60 days unless refreshed, and an expired one cannot be refreshed);
* 4, 17, 32, 613 and 80001-80014 (application, user and business-use-case throttling) -> 429;
* 1 and 2 (unknown or temporary) -> 503: the request may be tried again;
* 10 and 200-299 (a permission the token lacks) -> 403;
* 100 with subcode 33 (no such object: deleted, or never there) -> 404.

Anything else keeps its HTTP status (a 400 is ``Rejected``, with Meta's words). The code is
kept as ``"<code>"`` or ``"<code>.<subcode>"``.

The budget: ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` are JSON percentages of the
app's and the account's budgets, the latter with ``estimated_time_to_regain_access`` in
minutes [partly verified: Meta documents them for the Graph API; that Threads sends them is not
confirmed, so without them nothing is assumed and the error codes above still apply].

Lists page by cursor (Graph API "Paginated results"): each page is ``{"data": [...], "paging":
{"cursors": {"after": ...}, "next": ...}}``; the next page is asked with ``after``, and there is
none once ``next`` is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ... import redaction
from ..http import PageGuard, RateHeaders

RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TEMPORARY_CODES = frozenset({1, 2})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
EXPIRED = 190
_REGAIN = "estimated_time_to_regain_access"  # minutes, in a business use case's usage


def reader(expired_advice: str):
    """The error reader; ``expired_advice`` is what to do when the token is dead."""

    def read(r: Any) -> tuple[int, str | None, str]:
        try:
            data = r.json()
        except (ValueError, RecursionError):
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict):
            return r.status_code, None, redaction.clip(r.text or r.reason or "", 300)
        code, sub = _number(error.get("code")), _number(error.get("error_subcode"))
        message = (
            " ".join(str(error.get(k)) for k in ("message", "error_user_msg") if error.get(k))
            or "no message"
        )
        status = r.status_code
        if code == EXPIRED:
            status, message = 401, f"{message}: {expired_advice}"
        elif code in RATE_CODES:
            status = 429
        elif code in TEMPORARY_CODES:
            status = 503
        elif code in PERMISSION_CODES:
            status = 403
        elif code == 100 and sub == 33:
            status = 404
        name = None if code is None else f"{code}.{sub}" if sub is not None else str(code)
        return status, name, redaction.clip(message, 300)

    return read


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GraphUsage(RateHeaders):
    """The Graph API's usage headers as a budget: spent at 100 % of any measure; the wait is
    the longest ``estimated_time_to_regain_access`` named."""

    def __init__(self):
        super().__init__("X-App-Usage", "X-Business-Use-Case-Usage", "seconds")

    def spent(self, headers) -> bool:
        return any(_percent(u) >= 100 for u in _usages(headers))

    def seconds_left(self, headers) -> float | None:
        minutes = [_percent({"x": u.get(_REGAIN)}) for u in _usages(headers)]
        longest = max(minutes, default=0.0)
        return min(longest * 60.0, 86_400.0) if longest > 0 else None


def _usages(headers) -> list[dict]:
    """Every usage object the headers hold (the app's, and each business use case's)."""
    found: list[dict] = []
    for name in ("X-App-Usage", "X-Business-Use-Case-Usage"):
        try:
            data = json.loads(headers.get(name) or "null")
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and name == "X-App-Usage":
            found.append(data)
        elif isinstance(data, dict):
            found += [
                u for v in data.values() if isinstance(v, list) for u in v if isinstance(u, dict)
            ]
    return found


def _percent(usage: dict) -> float:
    """The highest of a usage object's measures (0 when none can be read)."""
    best = 0.0
    for key, value in usage.items():
        if key in ("type", _REGAIN):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if number == number and number != float("inf"):
            best = max(best, number)
    return best


def pages(api, network: str, path: str, params: dict, what: str | None = None) -> Iterator[list]:
    """Each page's ``data`` of the list at ``path``, asked for only when the caller reads on
    (stop reading and no further page is asked); ``what`` names the list in errors."""
    guard = PageGuard(network, what or path)
    after = None
    while True:
        guard.next(after)
        page = api.get(path, params={**params, **({"after": after} if after else {})})
        data = page.get("data") or []
        yield data
        paging = page.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not data or not after or not paging.get("next"):
            return
