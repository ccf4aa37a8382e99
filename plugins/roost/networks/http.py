"""The one API client under every adapter: what talking to a network's API takes, written once.

An adapter describes its API (where it is, which environment variable holds its secret, how
its answers say "rate limited" and "error"), and calls it through :class:`ApiClient`:

* the secret is read from the environment when first needed (never from settings), checked for
  characters no secret has, and remembered by ``redaction`` so no message can show it;
* every request has a timeout; no request goes to another server than the configured one (a
  ``Link`` header, a cursor or a redirect cannot send the token or a body elsewhere: redirects
  are followed by hand, for reads, within that server only);
* the rate budget is read from the network's own headers (:class:`RateHeaders`): once an
  authenticated answer says it is spent, the next authenticated request stops for the reset
  instead of spending a sure 429 (an anonymous call's budget is the address's, not the token's);
* errors keep the HTTP status and the network's own error code as attributes
  (``NetworkError.status``, ``.code``), and their message is scrubbed of every secret;
* paging: ``Link: rel="next"`` (Mastodon) and opaque cursors (Bluesky, the Graph API), each
  under a :class:`PageGuard`: a server that names the same page twice, or pages on past
  ``MAX_PAGES``, makes the read fail as ``Unreadable`` (the records stay as they were) rather
  than loop for ever. An adapter's own paging loop uses a guard too.

Addresses a stranger names (avatars, pictures, DID documents) are not API calls: they go
through ``guarded_fetch`` instead, which this client never replaces.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import requests

from .. import redaction
from . import errors
from .errors import NotConfigured, RateLimited, Unavailable, Unreadable, error_for, secret_text

#: JSON may escape half of a UTF-16 pair alone ("\ud800"), which Python reads as a lone surrogate
#: (errors.LONE_SURROGATE): the answers worth looking through for one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")

USER_AGENT = "Roost (+https://github.com/roost-blog/roost)"
# Pages of one list read in one go. 1,000 pages of 80 to 100 items is more than any post's likes;
# past it a server is paging for ever (by fault or on purpose).
MAX_PAGES = 1000
MAX_RESET = 86_400.0  # seconds: a budget said to reset later than this is spent for the run
MAX_REDIRECTS = 3  # within the configured server only


class PageGuard:
    """Keeps one paging loop finite: every page asked for is named (its cursor, its URL, its
    ``min_id``) with :meth:`next`, which refuses a name seen before and a page past ``most``."""

    def __init__(self, network: str, what: str, most: int = MAX_PAGES):
        self.network, self.what, self.most = network, what, most
        self.seen: set[str] = set()

    def next(self, page: Any) -> None:
        name = repr(page)
        if name in self.seen:
            raise Unreadable(
                self.network, f"{self.what}: the server named the same page twice; read again "
                "next run",
            )  # fmt: skip
        if len(self.seen) >= self.most:
            raise Unreadable(
                self.network, f"{self.what}: more than {self.most} pages; read again next run"
            )
        self.seen.add(name)


@dataclass(frozen=True)
class RateHeaders:
    """How a network says its budget is spent: the headers, and how the reset is written."""

    remaining: str  # "X-RateLimit-Remaining"
    reset: str  # "X-RateLimit-Reset"
    reset_is: Literal["iso", "epoch", "seconds"]  # a time, a Unix time, or seconds from now

    def seconds_left(self, headers) -> float | None:
        """Seconds until the reset an answer names (at most a day: a later reset only means
        "not in this run"), or None when it names none, or garbage (``inf``, ``nan``)."""
        value = headers.get(self.reset)
        if not value:
            return None
        try:
            if self.reset_is == "iso":
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
                if when.tzinfo is None:  # no offset given: the API's times are UTC
                    when = when.replace(tzinfo=UTC)
                left = (when - datetime.now(UTC)).total_seconds()
            elif self.reset_is == "epoch":
                left = float(value) - datetime.now(UTC).timestamp()
            else:
                left = float(value)
        except (ValueError, OverflowError):
            return None
        if not math.isfinite(left):
            return None
        return min(max(0.0, left), MAX_RESET)

    def spent(self, headers) -> bool:
        """Whether an answer says the budget is spent (a network whose headers say it in
        another way, the Graph API's percentages, overrides this)."""
        return headers.get(self.remaining) == "0"


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
        query_token: str | None = None,
        sign: Callable[[], requests.auth.AuthBase] | None = None,
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
        # The query parameter that carries the secret, for an API that documents it there
        # (the Graph API's ``access_token``) rather than in a header.
        self.query_token = query_token
        # A network that signs each request (X's OAuth 1.0a: method, address and query signed
        # with four secrets) gives the signer here instead of a header value.
        self.sign = sign
        self._session = requests.Session()
        # Proxies and CA bundles from the environment are honoured (a company's proxy, a
        # self-hosted instance's CA); ~/.netrc is not: a request carries only the credentials
        # given here (requests reads .netrc only for a session without ``auth``).
        self._session.auth = _no_netrc
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

    def delete(self, path: str, **kwargs) -> None:
        """DELETE what ``path`` names; a 404 means it is already gone, which is what was asked."""
        try:
            self.call("DELETE", path, **kwargs)
        except errors.Rejected as e:
            if e.status != 404:
                raise

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: bool | str = True,
        ok: tuple[int, ...] = (200,),
        headers: dict | None = None,
        parse: bool = True,
        **kwargs,
    ) -> Answer:
        """One request (``path`` may be a whole URL on the same server: a next page). ``auth``:
        True for the client's credentials, False for none, or the header value itself.
        ``parse=False``: an accepted answer's body is kept as text (a WebSub hub's is not JSON)."""
        url = path if path.startswith(("http://", "https://")) else self.base + path
        if _origin(url) != _origin(self.base):
            raise Unavailable(self.network, f"{method} {path}: the answer named another server")
        if auth:  # the token's budget; an anonymous call is counted by address, not here
            self._wait_for_budget()
        for attempt in (1, 2):
            sent = dict(headers or {})
            signer = self.sign() if auth is True and self.sign else None
            if auth is True and self.query_token:
                who = None
                kwargs["params"] = {**(kwargs.get("params") or {}), self.query_token: self.secret()}
            else:
                who = (None if signer else self.auth()) if auth is True else auth or None
            if who:
                sent["Authorization"] = who
            r = self._send(method, url, path, sent, {**kwargs, "auth": signer or _no_netrc})
            if who or signer or (auth is True and self.query_token):
                self._note_budget(r)
            if r.status_code in ok and not parse:
                return Answer(r.status_code, r.headers, r.text, r.links)
            if r.status_code in ok:
                try:
                    data = r.json() if r.content else None
                    if _SURROGATE_ESCAPE.search(r.content):
                        data = _without_lone_surrogates(data)
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

    def _send(self, method: str, url: str, path: str, headers: dict, kwargs: dict):
        """One request, following redirects by hand: only within the configured server and
        only for reads, so neither a token nor a body (a password) can be sent elsewhere."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                r = self._session.request(
                    method, url, headers=headers, timeout=self.timeout, allow_redirects=False,
                    **kwargs,
                )  # fmt: skip
            except requests.RequestException as e:
                raise Unavailable(self.network, f"{method} {path}: {type(e).__name__}") from None
            except UnicodeError:
                raise NotConfigured(self.network, f"{self.credentials} cannot be sent") from None
            if r.status_code not in _REDIRECTS or not r.headers.get("Location"):
                return r
            target = urljoin(url, r.headers.get("Location", ""))
            if _origin(target) != _origin(self.base) or method not in ("GET", "HEAD"):
                raise Unavailable(
                    self.network, f"{method} {path}: the server sends it to {_origin(target)}; "
                    "if the service moved, set its new address in the settings",
                )  # fmt: skip
            url = target
        raise Unavailable(self.network, f"{method} {path}: more than {MAX_REDIRECTS} redirects")

    def link_pages(self, path: str, limit: int, **kwargs) -> list:
        """Every item of a list that pages with ``Link: rel="next"`` (a short page is the
        last: servers keep ``limit`` in their next links)."""
        return list(self.iter_link_pages(path, limit, **kwargs))

    def iter_link_pages(
        self, path: str, limit: int, patience: float = 0, most: int = MAX_PAGES, **kwargs
    ) -> Iterator:
        """The same items one page at a time: only the page being read is held, so a list of
        100,000 followers costs one page of memory. A failure mid-way raises where it happens;
        the caller keeps what it had. ``patience``: seconds the whole list may wait, in all,
        for a spent rate budget to reset (see :meth:`_patiently`); ``most``: pages past which
        the server is taken to page for ever (a follower list is longer than a post's likes)."""
        url = f"{path}{'&' if '?' in path else '?'}limit={limit}"
        guard = PageGuard(self.network, path.split("?")[0], most)
        waits = [patience]
        while url:
            guard.next(url)
            answer = self._patiently(waits, "GET", url, **kwargs)
            page = answer.data if isinstance(answer.data, list) else []
            yield from page
            url = answer.links.get("next", {}).get("url") if len(page) >= limit else None

    def cursor_pages(self, path: str, field: str, params: dict, **kwargs) -> list:
        """Every item of a list that pages with an opaque ``cursor`` (absent on the last)."""
        return list(self.iter_cursor_pages(path, field, params, **kwargs))

    def iter_cursor_pages(
        self,
        path: str,
        field: str,
        params: dict,
        patience: float = 0,
        most: int = MAX_PAGES,
        **kwargs,
    ) -> Iterator:
        """The same items one page at a time (see :meth:`iter_link_pages`)."""
        cursor = None
        guard = PageGuard(self.network, path, most)
        waits = [patience]
        while True:
            guard.next(cursor)
            query = {**params, **({"cursor": cursor} if cursor else {})}
            data = self._patiently(waits, "GET", path, params=query, **kwargs).data or {}
            page = data.get(field) or []
            yield from page
            cursor = data.get("cursor")
            if not cursor or not page:
                return

    # -- the rate budget ------------------------------------------------------------------------

    def _patiently(self, waits: list[float], method: str, url: str, **kwargs) -> Answer:
        """One page of a long list: when the budget is spent, wait for its reset and ask again,
        while ``waits[0]`` (the seconds the list may still wait, in all) allows. A follower
        list of 100,000 is 1,250 Mastodon pages: past four of its 300-request windows."""
        while True:
            try:
                return self.call(method, url, **kwargs)
            except RateLimited as e:
                wait = e.retry_after if e.retry_after is not None else math.inf
                if wait > waits[0]:
                    raise
                waits[0] -= max(wait, 1.0)  # a server that says "now" again and again ends too
                time.sleep(wait)

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
        if self.rate and self.rate.spent(r.headers):
            left = self.rate.seconds_left(r.headers)
            if left:
                self._spent_until = datetime.now(UTC) + timedelta(seconds=left)


#: The statuses requests itself treats as redirects (only with a Location header).
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _no_netrc(request):
    """Session auth that adds nothing: its presence keeps requests from reading ~/.netrc."""
    return request


def _without_lone_surrogates(data):
    """``data`` with every lone surrogate, in keys and values, made U+FFFD (a valid pair was
    already joined into one character by the JSON reader)."""
    if isinstance(data, str):
        return errors.LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, list):
        return [_without_lone_surrogates(x) for x in data]
    if isinstance(data, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in data.items()}
    return data
