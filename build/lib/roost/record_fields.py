"""The checks every field of a records file goes through, and the one way times are written.

Each validator reads one key of a JSON object and raises :class:`RecordError` naming the dotted
key (``syndications[2].url must be an http(s) URL``), so a hand-edited file that went wrong says
where. ``model.py`` and ``people.py`` build their records with these.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_NETWORK_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_MEDIA_PATH_RE = re.compile(r"media/[0-9a-f]{2}/[0-9a-f]{64}\.(png|jpg|gif|webp)")


class RecordError(ValueError):
    """A record file (or a record inside one) is malformed; names the file and the problem."""

    def __init__(self, problem: str, path: str | None = None):
        self.problem = problem
        self.path = path
        super().__init__(f"{path}: {problem}" if path else problem)

    def at(self, path: str) -> RecordError:
        return RecordError(self.problem, path)


# --------------------------------------------------------------------------------------------
# small validators: each raises RecordError naming the dotted key


def _req(d: dict, key: str, where: str) -> Any:
    if key not in d:
        raise RecordError(f"{where}{key} is missing")
    return d[key]


def _str(d: dict, key: str, where: str, *, required=True, default: str | None = None) -> Any:
    v = _req(d, key, where) if required else d.get(key, default)
    if v is None and not required:
        return default
    if not isinstance(v, str):
        raise RecordError(f"{where}{key} must be a string, not {type(v).__name__}")
    return v


def _time(d: dict, key: str, where: str, *, required=True) -> str | None:
    """A time with a zone, returned in the one form Roost writes (UTC, 'Z'), so that times
    from hand-edited files sort and compare like the rest."""
    v = _str(d, key, where, required=required)
    if v is None:
        return None
    if _CANONICAL_TIME.fullmatch(v):
        return v
    try:
        return format_time(parse_time(v))
    except ValueError:
        raise RecordError(f"{where}{key} is not an ISO 8601 time with a zone: {v!r}") from None


def _url(d: dict, key: str, where: str, *, required=False) -> str | None:
    v = _str(d, key, where, required=required)
    if v and not v.startswith(("https://", "http://")):
        raise RecordError(f"{where}{key} must be an http(s) URL: {v[:80]!r}")
    return v or None


def _network(d: dict, where: str) -> str:
    v = _str(d, "network", where)
    if not _NETWORK_RE.match(v):
        raise RecordError(f"{where}network {v!r} is not a network name (lowercase letters)")
    return v


def _list(d: dict, key: str, where: str) -> list:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise RecordError(f"{where}{key} must be a list")
    return v


def _part(d: dict, where: str, key: str = "part") -> int:
    part = d.get(key, 0)
    if not isinstance(part, int) or isinstance(part, bool) or part < 0:
        raise RecordError(f"{where}{key} must be a whole number >= 0")
    return part


def _extra(d: dict, where: str) -> dict:
    extra = d.get("extra", {})
    if not isinstance(extra, dict):
        raise RecordError(f"{where}extra must be an object")
    return extra


def _dict(v: Any, where: str) -> dict:
    if not isinstance(v, dict):
        raise RecordError(f"{where.rstrip('.') or 'the file'} must be an object")
    return v


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time that carries a zone; naive times are refused (ambiguous)."""
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("no time zone")
    return t


def format_time(t: datetime) -> str:
    """The one way times are written: UTC, seconds, 'Z'."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
