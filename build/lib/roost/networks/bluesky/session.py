"""A Bluesky session: created once with the app password, kept in the user's cache folder
(never in the repository, readable by the user alone), refreshed when the access token expires,
created anew only when the refresh token is refused (com.atproto.server.createSession and
refreshSession). In CI that is one ``createSession`` per run: the PDS allows 30 in 5 minutes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ... import redaction
from ..errors import Rejected, Unauthorized


class Session:
    def __init__(self, api, handle: str, service: str, cache: Path):
        self.api, self.handle, self.service, self.cache = api, handle, service, cache
        self.data: dict | None = None
        self.sign_ins = 0  # sessions created with the app password by this object

    @property
    def did(self) -> str:
        return self.ensure()["did"]

    def authorization(self) -> str:
        return f"Bearer {self.ensure()['accessJwt']}"

    def ensure(self) -> dict:
        if self.data is None:
            try:
                cached = json.loads(self.cache.read_text())
                if cached.get("service") == self.service and cached.get("handle") == self.handle:
                    redaction.remember(cached.get("accessJwt"))
                    redaction.remember(cached.get("refreshJwt"))
                    self.data = cached
            except (OSError, ValueError, RecursionError, AttributeError):
                pass  # no usable cached session: sign in again
        if self.data is None:
            self.create()
        return self.data

    def create(self) -> None:
        password = self.api.secret()
        data = self.api.post(
            "/com.atproto.server.createSession",
            json={"identifier": self.handle, "password": password},
            auth=False,
        )
        self.sign_ins += 1
        self._store(data)

    def refresh(self) -> None:
        """The access token ran out: renew it with the refresh token, or sign in again."""
        try:
            data = self.api.post(
                "/com.atproto.server.refreshSession",
                auth=f"Bearer {self.ensure()['refreshJwt']}",
            )
            self._store(data)
        except (Unauthorized, Rejected):
            self.create()

    def _store(self, data: dict) -> None:
        self.data = {
            "service": self.service,
            "handle": self.handle,
            "did": data["did"],
            "accessJwt": redaction.remember(data["accessJwt"]),
            "refreshJwt": redaction.remember(data["refreshJwt"]),
        }
        # The tokens are secrets: the user's cache folder, readable by the user alone.
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.cache, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.data, f)


def expired(status: int, code: str | None) -> bool:
    """Whether an answer says the access token ran out (and a refresh may help)."""
    return code in ("ExpiredToken", "InvalidToken") or status == 401
