"""The orchestrators' one retry policy: an outage is tried again after a pause, a short rate
limit is waited out, anything else is the caller's to report."""

from __future__ import annotations

from ..networks.errors import RateLimited, Unavailable


def with_retries(call, *args, delays, max_rate_wait: float, sleep, rate_margin: float = 0.0):
    """``call(*args)``, tried again after an outage (``Unavailable``: waiting ``delays[i]``
    before try i + 2) or a rate limit that lifts within ``max_rate_wait`` seconds (waiting it
    out, plus ``rate_margin``); ``len(delays) + 1`` tries in all. Anything else, or the last
    failure, is raised."""
    for wait in (*delays, None):
        try:
            return call(*args)
        except Unavailable:
            if wait is None:
                raise
            sleep(wait)
        except RateLimited as e:
            if wait is None or e.retry_after is None or e.retry_after > max_rate_wait:
                raise
            sleep(e.retry_after + rate_margin)
    raise AssertionError("unreachable")
