"""The one API client under every adapter: what talking to a network's API takes, written once.

An adapter describes its API (where it is, which environment variable holds its secret, how
its answers say "rate limited" and "error"), and calls it through :class:`ApiClient`:

* the secret is read from the environment when first needed (never from settings), checked for
  characters no secret has, and remembered by ``redaction`` so no message can show it;
* every request has a timeout; no request goes to another server than the configured one (a
  ``Link`` header or a cursor cannot send the token elsewhere);
* the rate budget is read from the network's own headers (:class:`RateHeaders`): once an answer
  says it is spent, the next request waits for the reset instead of spending a sure 429;
* errors keep the HTTP status and the network's own error code as attributes
  (``NetworkError.status``, ``.code``), and their message is scrubbed of every secret;
* paging: ``Link: rel="next"`` (Mastodon) and opaque cursors (Bluesky, the Graph API).

Addresses a stranger names (avatars, pictures, DID documents) are not API calls: they go
through ``guarded_fetch`` instead, which this client never replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from .. import redaction
from .errors import NotConfigured, RateLimited, Unavailable, error_for, secret_text

USER_AGENT = "Roost (+https://github.com/roost-blog/roost)"


@dataclass(frozen=True)
class RateHeaders:
    """How a network says its budget is spent: the headers, and how the reset is written."""

    remaining: str  # "X-RateLimit-Remaining"
    reset: str  # "X-RateLimit-Reset"
    reset_is: Literal["iso", "epoch", "seconds"]  # a time, a Unix time, or seconds from now

    def seconds_left(self, headers) -> float | None:
        """Seconds until the reset an answer names, or None when it names none (or garbage)."""
        value = headers.get(self.reset)
        if not value:
            return None
        try:
            if self.reset_is == "iso":
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
            if self.reset_is == "epoch":
                return max(0.0, float(value) - datetime.now(UTC).timestamp())
            return max(0.0, float(value))
        except ValueError:
            return None


@dataclass
class Answer:
    status: int
    headers: Any
    data: Any  # the parsed JSON
    links: dict  # the Link header, parsed ({"next": {"url": ...}})


#: How a network writes its errors: (status, its own code or None, its message). The status
#: may differ from the HTTP one (Bluesky's "AuthenticationRequired" comes as 400).
ErrorReader = Callable[[requests.Response], tuple[int, str | None, str]]


def json_error(message_key: str, code_key: str | None = None) -> ErrorReader:
    """The usual error shape, ``{"error": ..., "message": ...}``: any other body, or a JSON
    value that is not an object, is shown as text (cut short, scrubbed first)."""

    def read(r: requests.Response) -> tuple[int, str | None, str]:
        try:
            data = r.json()
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return r.status_code, None, redaction.clip(r.text or r.reason or "", 300)
        code = str(data.get(code_key) or "") or None if code_key else None
        message = data.get(message_key) or data.get("error") or data
        return r.status_code, code, redaction.clip(str(message), 300)

    return read


class ApiClient:
    """One network's API. ``auth``: how an authorised request says who it is (by default a
    bearer token from ``secret_variable``); ``refresh``: called once when an answer says the
    credentials expired (it renews them and says whether to try again)."""

    def __init__(
        self,
        network: str,
        base: str,
        *,
        env,
        secret_variable: str | None,
        asks_for: str,
        credentials: str,
        rate: RateHeaders | None,
        read_error: ErrorReader,
        timeout: float = 30.0,
        auth: Callable[[], str | None] | None = None,
        expired: Callable[[int, str | None], bool] | None = None,
        refresh: Callable[[], None] | None = None,
    ):
        self.network = network
        self.base = base.rstrip("/")
        self.env = env
        self.secret_variable = secret_variable
        self.asks_for = asks_for  # "an access token", as in "set the variable X to ..."
        self.credentials = credentials  # what to check when refused: "the token in X"
        self.rate = rate
        self.read_error = read_error
        self.timeout = timeout
        self.auth = auth or (lambda: f"Bearer {self.secret()}")
        self.expired = expired
        self.refresh = refresh
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy or .netrc from the environment
        self._session.headers["User-Agent"] = USER_AGENT
        self._spent_until: datetime | None = None

    def secret(self) -> str:
        """The secret from the environment; NotConfigured naming the variable when unset."""
        value = secret_text(
            self.network, self.secret_variable, redaction.read(self.env, self.secret_variable)
        )
        if not value:
            raise NotConfigured(
                self.network,
                f"set the environment variable {self.secret_variable} to {self.asks_for}",
            )
        return value

    def get(self, path: str, **kwargs) -> Any:
        return self.call("GET", path, **kwargs).data

    def post(self, path: str, **kwargs) -> Any:
        return self.call("POST", path, **kwargs).data

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: bool | str = True,
        ok: tuple[int, ...] = (200,),
        headers: dict | None = None,
        **kwargs,
    ) -> Answer:
        """One request (``path`` may be a whole URL on the same server: a next page). ``auth``:
        True for the client's credentials, False for none, or the header value itself."""
        url = path if path.startswith(("http://", "https://")) else self.base + path
        if _origin(url) != _origin(self.base):
            raise Unavailable(self.network, f"{method} {path}: the answer named another server")
        self._wait_for_budget()
        for attempt in (1, 2):
            sent = dict(headers or {})
            who = self.auth() if auth is True else (auth or None)
            if who:
                sent["Authorization"] = who
            try:
                r = self._session.request(method, url, headers=sent, timeout=self.timeout, **kwargs)
            except requests.RequestException as e:
                raise Unavailable(self.network, f"{method} {path}: {type(e).__name__}") from None
            except UnicodeError:
                raise NotConfigured(self.network, f"{self.credentials} cannot be sent") from None
            self._note_budget(r)
            if r.status_code in ok:
                try:
                    data = r.json() if r.content else None
                except (ValueError, RecursionError):
                    raise Unavailable(
                        self.network, f"{method} {path}: the answer is not JSON"
                    ) from None
                return Answer(r.status_code, r.headers, data, r.links)
            status, code, message = self.read_error(r)
            if (
                attempt == 1
                and auth is True
                and self.refresh
                and self.expired
                and self.expired(status, code)
            ):
                self.refresh()  # the access token ran out: renew once, and try again
                continue
            where = f"{method} {path}: " if status >= 500 else ""
            prefix = f"{code}: " if code else ""
            raise error_for(
                self.network,
                status,
                f"{where}{prefix}{message}",
                credentials=self.credentials,
                retry_after=self.rate.seconds_left(r.headers) if self.rate else None,
                code=code,
            )
        raise AssertionError("unreachable")

    def link_pages(self, path: str, limit: int, **kwargs) -> list:
        """Every item of a list that pages with ``Link: rel="next"`` (a short page is the
        last: servers keep ``limit`` in their next links)."""
        items, url = [], f"{path}{'&' if '?' in path else '?'}limit={limit}"
        while url:
            answer = self.call("GET", url, **kwargs)
            page = answer.data if isinstance(answer.data, list) else []
            items += page
            url = answer.links.get("next", {}).get("url") if len(page) >= limit else None
        return items

    def cursor_pages(self, path: str, field: str, params: dict, **kwargs) -> list:
        """Every item of a list that pages with an opaque ``cursor`` (absent on the last)."""
        items, cursor = [], None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            data = self.get(path, params=query, **kwargs) or {}
            page = data.get(field) or []
            items += page
            cursor = data.get("cursor")
            if not cursor or not page:
                return items

    # -- the rate budget ------------------------------------------------------------------------

    def _wait_for_budget(self) -> None:
        """The last answer said the budget is spent: ask again only after its reset, rather
        than spend a request on a sure 429 (servers may hold that against the token)."""
        if self._spent_until is None:
            return
        wait = (self._spent_until - datetime.now(UTC)).total_seconds()
        if wait > 0:
            raise RateLimited(self.network, f"the request budget is spent for {wait:.0f} s", wait)
        self._spent_until = None

    def _note_budget(self, r: requests.Response) -> None:
        if self.rate and r.headers.get(self.rate.remaining) == "0":
            left = self.rate.seconds_left(r.headers)
            if left:
                self._spent_until = datetime.now(UTC) + timedelta(seconds=left)


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port
