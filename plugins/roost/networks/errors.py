"""The errors adapters raise, translated at their edge so no foreign exception escapes::

    NetworkError                  something went wrong talking to a network
    ├── NotConfigured             a setting or the environment variable holding a secret is
    │                             missing or wrong; says which one to set (no request was made)
    ├── Unauthorized              the network refused the credentials (401/403)
    │   └── MissingScopes         they work, but lack a scope some calls need
    ├── Rejected                  the network refused this content (422, 400, 404): its words
    ├── RateLimited               429 or a spent budget; ``retry_after`` seconds, if known
    ├── OverBudget                the request would pass the author's monthly spending budget
    │                             (networks that bill each request: billing.py); not sent
    ├── Unavailable               5xx, timeouts, connection errors: the request may or may
    │                             not have taken effect
    └── Unreadable                an answer (or a hand-edited record) of a shape the adapter
                                  does not know

Every error keeps the HTTP status (``status``, None when there was no answer) and the network's
own error name (``code``: Bluesky's ``InvalidSwap``; Mastodon has none), so nothing is decided
by searching a message. The message is scrubbed of every secret and query string when the
error is made (``redaction.py``), so whoever prints it prints nothing secret.
"""

from __future__ import annotations

import re

from ..redaction import scrub

#: Half of a UTF-16 pair alone, as JSON's "\ud800" reads: no UTF-8 file or terminal can hold one
#: (writing or printing it raises UnicodeEncodeError).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class NetworkError(Exception):
    network: str = ""

    def __init__(
        self, network: str, message: str, *, status: int | None = None, code: str | None = None
    ):
        self.network = network
        # Without the network's name, for lines that say it; a lone surrogate from a JSON
        # "\ud800" made U+FFFD, as no file or terminal can hold one.
        self.message = LONE_SURROGATE.sub("\ufffd", scrub(message))
        self.status = status
        self.code = code
        super().__init__(f"{network}: {self.message}")


class NotConfigured(NetworkError):
    pass


class Unauthorized(NetworkError):
    pass  # status 401, or 403: a valid token without the scope the call needs


class MissingScopes(Unauthorized):
    """The credentials work, but lack what some of Roost's calls need (``roost doctor``)."""


class Rejected(NetworkError):
    pass


class RateLimited(NetworkError):
    def __init__(self, network: str, message: str, retry_after: float | None = None, **kw):
        super().__init__(network, message, **kw)
        self.retry_after = retry_after


class Unavailable(NetworkError):
    pass


class OverBudget(NetworkError):
    """Sending would pass the author's monthly budget for a network that bills each request:
    nothing was sent (``billing.Meter``)."""


class Unreadable(NetworkError):
    """Something the adapter could not read: an answer of a shape the network never sends, or
    a record edited by hand into one Roost does not expect. Not tried again in the same run."""


def error_for(
    network: str,
    status: int,
    message: str,
    *,
    credentials: str,
    retry_after: float | None = None,
    code: str | None = None,
) -> NetworkError:
    """The error for a refused request, by HTTP status, which means the same on every network:
    ``credentials`` says what to check when the network refuses them."""
    kw = {"status": status, "code": code}
    if status in (401, 403):
        return Unauthorized(network, f"{message} (check {credentials})", **kw)
    if status == 429:
        return RateLimited(network, message, retry_after=retry_after, **kw)
    if status >= 500:
        return Unavailable(network, f"{status} {message}", **kw)
    return Rejected(network, f"{status} {message}", **kw)


def secret_text(network: str, variable: str, value: str) -> str:
    """``value`` when it could be a secret as networks issue them (printable ASCII); otherwise
    NotConfigured saying so: a token pasted with a curly quote or a line break would fail in a
    way that blames the server."""
    if value and not (value.isascii() and value.isprintable() and " " not in value):
        raise NotConfigured(
            network,
            f"the environment variable {variable} holds characters no secret has (a space, a "
            "curly quote, a line break?); paste it again",
        )
    return value
