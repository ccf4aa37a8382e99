"""A network's settings (``ROOST_NETWORKS["mastodon"]``) as a typed dataclass, checked key by key.

Each adapter declares its settings as a subclass of :class:`NetworkSettings`: every allowed key
is a field with its type, its default (none for a required key) and a one-line help; a field
whose value names the environment variable holding a secret says so with ``holds=`` (how to get
the secret, as an instruction). :meth:`NetworkSettings.parse` turns the author's dict into an
instance, or into one line per problem:

* a key that is not a field: ``ROOST_NETWORKS["mastodon"]["visiblity"] is not a setting of
  mastodon; did you mean "visibility"?`` (a typo must never silently send a post public);
* a value of the wrong type or outside its choices, naming the key and the value;
* a required key that is missing.

The types understood are ``str``, ``bool``, ``int``, ``float``, ``X | None``, ``Literal``
choices and ``dict[str, float]`` (names to numbers, such as a price table). Nothing is sent
for a network whose settings have a problem.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from typing import Any, ClassVar, Literal, get_args, get_origin

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def setting(
    default: Any = dataclasses.MISSING, *, help: str, holds: str = "", unit: str = "seconds"
) -> Any:
    """A field of a network's settings. ``holds``: this key names the environment variable that
    holds a secret, and this says how to make one with the least it needs, as an instruction
    (``create one under ...``): ``roost doctor`` says it when the secret is refused. ``unit``:
    what a number counts, for the messages (seconds, unless said)."""
    meta = {"help": help, "secret": holds, "unit": unit}
    return dataclasses.field(default=default, metadata=meta)


def followers_setting() -> Any:
    """``followers``: the one opt-in for follower snapshots (``roost audience snapshot``), the
    same key on every network whose adapter declares ``FOLLOWERS``. Off by default: a list of
    who follows the author is theirs to decide to keep (docs/audience.md)."""
    return setting(
        False,
        help="keep a snapshot of your followers in the records (roost audience snapshot); "
        "see docs/audience.md",
    )


@dataclasses.dataclass(frozen=True)
class NetworkSettings:
    NETWORK: ClassVar[str] = ""
    #: Where the author writes these settings, as messages name it.
    WHERE: ClassVar[str] = 'ROOST_NETWORKS["{network}"]'
    #: Keys that once meant something and are accepted without effect: key -> why.
    RETIRED: ClassVar[dict[str, str]] = {}

    @classmethod
    def parse(
        cls, raw: Any, network: str | None = None, where: str | None = None
    ) -> tuple[Any, list[str]]:
        """(settings, []) or (None, one line per problem); ``where`` names the setting the
        author wrote them in, for the messages."""
        network = network or cls.NETWORK
        where = where or cls.WHERE.format(network=network)
        if not isinstance(raw, dict):
            return None, [f"{where} must be a dict of settings, not {type(raw).__name__}"]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        problems, values = [], {}
        for key in raw:
            if key in fields or key in cls.RETIRED:
                continue
            near = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
            hint = f'did you mean "{near[0]}"?' if near else f"known: {', '.join(sorted(fields))}"
            problems.append(f'{where}["{key}"] is not a setting of {network}; {hint}')
        for name, f in fields.items():
            if name not in raw:
                if f.default is dataclasses.MISSING:
                    problems.append(f'{where}["{name}"] is missing: {f.metadata["help"]}')
                continue
            wrong = _wrong(raw[name], hints[name], f.metadata.get("unit", "seconds"))
            if wrong:
                problems.append(f'{where}["{name}"] = {_short(raw[name])}: {wrong}')
            else:
                values[name] = float(raw[name]) if hints[name] is float else raw[name]
        if problems:
            return None, problems
        made = cls(**values)
        more = made.check()
        return (None, [f"{where}{p}" for p in more]) if more else (made, [])

    def check(self) -> list[str]:
        """Problems between keys or beyond types (``["instance"] must be an https:// address``):
        each line starts with the key in brackets. Subclasses add theirs to these."""
        for name in self.secrets():  # never echoed: a pasted token must not reach a CI log
            if not _VARIABLE.fullmatch(str(getattr(self, name))):
                return [
                    f'["{name}"] must be the name of an environment variable (letters, digits '
                    "and _), not the secret itself: put the secret in the environment"
                ]
        timeout = getattr(self, "timeout", None)
        if timeout is not None and not timeout <= 600:  # inf and nan too
            return [f'["timeout"] = {timeout}: expected at most 600 seconds']
        return []

    @classmethod
    def secrets(cls) -> dict[str, str]:
        """Fields naming an environment variable that holds a secret: field -> how to get it."""
        return {
            f.name: f.metadata["secret"]
            for f in dataclasses.fields(cls)
            if f.metadata.get("secret")
        }

    @classmethod
    def describe(cls) -> list[tuple[str, str, Any, str]]:
        """(key, type, default, help) of every setting, for the documentation and its test."""
        hints = typing.get_type_hints(cls)
        out = []
        for f in dataclasses.fields(cls):
            default = "required" if f.default is dataclasses.MISSING else f.default
            out.append((f.name, _type_name(hints[f.name]), default, f.metadata["help"]))
        return out


def _wrong(value: Any, kind: Any, unit: str = "seconds") -> str | None:
    """What is wrong with ``value`` for the type ``kind``, or None."""
    options = get_args(kind) if get_origin(kind) in (typing.Union, types.UnionType) else (kind,)
    if value is None:
        return None if type(None) in options else "expected a value, not None"
    problems = [_wrong_one(value, k, unit) for k in options if k is not type(None)]
    if any(p is None for p in problems):
        return None
    return problems[0]


def _wrong_one(value: Any, kind: Any, unit: str = "seconds") -> str | None:
    if get_origin(kind) is dict:  # names to numbers (a price table): each at least 0
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
            and 0 <= v < float("inf")
            for k, v in value.items()
        )  # fmt: skip
        return None if ok else f"expected a dict of names to numbers of {unit} (0 or more)"
    if get_origin(kind) is Literal:
        choices = get_args(kind)
        return None if value in choices else f"expected one of {', '.join(map(repr, choices))}"
    if kind is bool:
        return None if isinstance(value, bool) else "expected True or False"
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected a whole number"
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        return None if ok else f"expected a number of {unit} above 0"
    if kind is str:
        return None if isinstance(value, str) and value.strip() else "expected a non-empty text"
    return f"cannot be checked ({kind})"


def _type_name(kind: Any) -> str:
    if get_origin(kind) is dict:
        return "dict of " + " to ".join(_type_name(k) for k in get_args(kind))
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(repr(c) for c in get_args(kind))
    if get_origin(kind) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(k) for k in get_args(kind))
    return "None" if kind is type(None) else getattr(kind, "__name__", str(kind))


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."
