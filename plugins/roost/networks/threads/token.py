"""Threads' long-lived token, kept alive: refreshed before it expires, the new one kept outside
the repository.

A long-lived Threads token lasts 60 days; ``GET /refresh_access_token?grant_type=
th_refresh_token`` gives one valid 60 days from then, but only for a token at least 24 hours
old and not yet expired; a token not refreshed in 60 days is dead and only the author can make
a new one (Meta's "Long-lived tokens" page, shared/docs/social-apis-more.md section 4).

The author's token is in the environment (``token_env``). Once a week at most (and at least
a day after a refusal) the first request of a run refreshes the token in use, and the answer is
written to the token file (``token_file``, by default under ``~/.config/roost/``), readable by
its owner only, with the fingerprint of the environment's token it came from. Later runs use
the file's token while the environment still holds that same token; a new token put in the
environment by the author wins over the file. Nothing of it is ever written under the blog.

A run whose refresh fails goes on with the token it has; when that token is known to expire
within ten days, one line says so and what to do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ... import redaction
from ..errors import NetworkError, Unauthorized

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=7)  # each refresh gives 60 days: a weekly one keeps 53 ahead
AFTER_REFUSAL = timedelta(days=1)  # a token under 24 hours old is refused: ask again tomorrow
WARN_BEFORE = timedelta(days=10)


def default_path(handle: str) -> Path:
    """``$XDG_CONFIG_HOME/roost/threads-token-<handle>.json`` (``~/.config`` by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    safe = "".join(c for c in handle if c.isalnum() or c in "._-") or "account"
    return Path(base) / "roost" / f"threads-token-{safe}.json"


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class TokenKeeper:
    """The token a run uses. ``refresh(token)`` asks Threads for a new one (the answer's
    ``access_token`` and ``expires_in``)."""

    def __init__(
        self,
        network: str,
        env,
        variable: str,
        path: Path,
        refresh: Callable[[str], dict],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.network, self.env, self.variable, self.path = network, env, variable, path
        self._refresh, self._now = refresh, now
        self._token: str | None = None

    def get(self, name: str, default: str = "") -> str:
        """As an environment mapping for ``ApiClient``: the token in use under its variable."""
        if name != self.variable:
            return self.env.get(name, default)
        return self.token() or default

    def token(self) -> str:
        if self._token is not None:
            return self._token
        given = redaction.read(self.env, self.variable)
        if not given:
            return ""
        state = self._read()
        if state.get("source") != fingerprint(given):
            state = {"source": fingerprint(given)}  # the author's new token wins
        current = redaction.remember(str(state.get("access_token") or given))
        self._token = current  # set first: the refresh's own request must not ask again
        if self._due(state):
            current = self._renew(current, state)
        self._token = current
        return current

    def _due(self, state: dict) -> bool:
        now = self._now()
        tried, refreshed = _time(state.get("tried")), _time(state.get("refreshed"))
        if tried and now - tried < AFTER_REFUSAL:
            return False
        return refreshed is None or now - refreshed >= REFRESH_EVERY

    def _renew(self, current: str, state: dict) -> str:
        now = self._now()
        try:
            answer = self._refresh(current)
            fresh = redaction.remember(str(answer["access_token"]))
            seconds = float(answer.get("expires_in") or 60 * 86_400)
            expires = now + timedelta(seconds=seconds)  # inf or 1e300 seconds: OverflowError
        except Unauthorized as e:
            if str(e.code or "").split(".")[0] == "190":
                raise  # expired or revoked: the one line says what to do
            return self._refused(e, state, now, current)
        except (NetworkError, KeyError, TypeError, ValueError, OverflowError) as e:
            return self._refused(e, state, now, current)
        state.update(
            access_token=fresh,
            refreshed=_format(now),
            expires=_format(expires),
        )
        state.pop("tried", None)
        self._write(state)
        return fresh

    def _refused(self, e: Exception, state: dict, now: datetime, current: str) -> str:
        """The refresh failed (a token under a day old, an outage): go on with the token in
        use, ask again tomorrow, and say so when it is about to expire."""
        state["tried"] = _format(now)
        self._write(state)
        expires = _time(state.get("expires"))
        if expires and expires - now < WARN_BEFORE:
            log.warning(
                redaction.scrub(
                    f"{self.network}: the token expires on {expires:%Y-%m-%d} and could not be "
                    f"refreshed ({getattr(e, 'message', type(e).__name__)}); make a new one "
                    f"(docs/threads.md) and put it in {self.variable}"
                )
            )
        return current

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, state: dict) -> None:
        """Atomically, readable by its owner only; a folder that cannot be written only means
        the next run refreshes again (one line)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".threads-token-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, sort_keys=True, indent=1)
            os.replace(tmp, self.path)
        except OSError as e:
            log.warning(
                f"{self.network}: cannot keep the refreshed token in {self.path} "
                f"({e.strerror}); set token_file to a folder Roost may write"
            )


def inside_blog(token_file: str) -> bool:
    """A relative path, or one under the folder the commands run in (the blog's): where a
    token must never be kept, since that folder is committed."""
    path = Path(token_file).expanduser()
    return not path.is_absolute() or path.resolve().is_relative_to(Path.cwd().resolve())


def _format(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
