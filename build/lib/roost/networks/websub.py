"""Telling a WebSub hub that the feeds changed: the publisher's one request.

W3C WebSub (Recommendation, 2018-01-23) leaves how a publisher notifies its hub to each hub
(its "Publishing" section). The common public hubs take the same form-encoded POST, which is what
this sends, one feed per request:

    hub.mode=publish&hub.url=<the feed's rel="self" URL>

Google's hub (https://pubsubhubbub.appspot.com/) documents exactly this (``hub.url``, which it
lets repeat) and answers 204; websubhub.com documents ``hub.topic`` and accepts ``hub.url``
"for backwards compatibility". A hub then fetches the feed itself and pushes it to subscribers,
so nothing here carries content or a secret.

The hub is an address the author configured (``ROOST_WEBSUB_HUB``), so it is called through the
API client like a network's server (timeouts, redirects only for reads and only on the same
server, errors as one line), not through the guarded fetch meant for addresses strangers name.
"""

from __future__ import annotations

from .http import ApiClient, json_error

NAME = "websub"
#: What a hub answers when it takes a notification (Google: 204; the spec's hubs: 202).
ACCEPTED = (200, 202, 204)


class Hub:
    def __init__(self, url: str, timeout: float = 20.0):
        self.url = url
        self.client = ApiClient(
            NAME,
            url,
            env={},
            secret_variable=None,
            asks_for="",
            credentials=f"the hub's address, ROOST_WEBSUB_HUB = {url!r}",
            rate=None,
            read_error=json_error("message"),
            timeout=timeout,
        )

    def publish(self, feed_url: str) -> int:
        """Tell the hub that ``feed_url`` changed; its status when it accepts, else a
        ``NetworkError`` with the hub's own words (``Rejected``, ``Unavailable``, ...)."""
        answer = self.client.call(
            "POST",
            self.url,
            auth=False,
            ok=ACCEPTED,
            parse=False,
            data={"hub.mode": "publish", "hub.url": feed_url},
        )
        return answer.status
