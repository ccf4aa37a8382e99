"""The adapters a command runs with: every network the settings name (``ROOST_NETWORKS``, and a
feed from its own setting, such as webmention.io from ``ROOST_WEBMENTION_IO``), built from
settings checked key by key, and chosen by what they declare they can do (``POSTS``,
``BRINGS_HOME``...). A network whose settings Roost does not understand is left out with one
line per problem; the others go on.
"""

from __future__ import annotations

from ..networks.base import Network, NetworkError
from ..registry import NETWORKS, adapter, with_adapters


def configured(values: dict) -> dict[str, tuple[dict, str]]:
    """Each configured network's settings, and where the author wrote them (the registry says
    which setting configures which network)."""
    found = {
        name: (config, f'ROOST_NETWORKS["{name}"]')
        for name, config in values["ROOST_NETWORKS"].items()
    }
    for name in with_adapters():
        own = NETWORKS[name].configured_in
        if own != "ROOST_NETWORKS" and values.get(own) is not None:
            found[name] = (values[own], own)
    return found


def build_adapters(
    values: dict, env: dict | None = None, only: set[str] | None = None
) -> tuple[dict[str, Network], list[str]]:
    """The adapters of every configured network (``only``: of these), and one line per problem
    of the others: nothing is sent under a setting Roost did not understand."""
    adapters, problems = {}, []
    for name, (config, where) in configured(values).items():
        if only is not None and name not in only:
            continue
        cls = adapter(name)
        _, wrong = cls.SETTINGS.parse(config, name, where)
        if wrong:
            problems += [f"{line}; {name} is left out" for line in wrong]
            continue
        try:
            adapters[name] = cls(config, env=env)
        except NetworkError as e:
            problems.append(f"{e}; {name} is left out")
    return adapters, problems


def posting(adapters: dict[str, Network]) -> dict[str, Network]:
    return {name: a for name, a in adapters.items() if a.POSTS}


def bringing_home(adapters: dict[str, Network]) -> dict[str, Network]:
    return {name: a for name, a in adapters.items() if a.BRINGS_HOME}
