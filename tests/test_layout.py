"""The layout holds: the Pelican build imports no network code, no command and no HTTP library;
editing an adapter re-renders nothing; no module grows past what a reader can hold; and the
README's table of networks says what the adapters declare."""

from __future__ import annotations

import json
import subprocess
import sys

from sites import REPO, article, write_site

BUILD = """
import json, sys
from pelican import Pelican
from pelican.settings import read_settings
sys.path.insert(0, {tests!r})
from sites import site_settings
from pathlib import Path
settings = read_settings(None, override=site_settings(Path({root!r})))
Pelican(settings).run()
print(json.dumps(sorted(sys.modules)))
"""


def test_a_build_imports_no_network_code_no_command_and_no_http_library(tmp_path):
    write_site(tmp_path, {"a.md": article("A", "a")})
    code = BUILD.format(tests=str(REPO / "tests"), root=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.splitlines()[-1])
    assert "roost.site.build" in modules  # the plugin did run
    loaded = [m for m in modules if m.startswith(("roost.networks", "roost.commands"))]
    assert loaded == []
    # http.client itself is loaded by Pelican (docutils' image directive imports urllib.request),
    # so the build-time code is read for it instead: none of it names an HTTP module.
    for library in ("requests", "urllib3", "httpx"):
        assert library not in modules, library
    build_time = [
        *(REPO / "plugins/roost").glob("*.py"),
        *(REPO / "plugins/roost/site").glob("*.py"),
    ]
    for path in build_time:
        text = path.read_text()
        for name in ("requests", "urllib3", "httpx", "http.client", "urllib.request", "socket"):
            assert f"import {name}" not in text and f"from {name} " not in text, (path, name)


def test_the_fragment_cache_keys_on_build_time_code_only():
    from roost.site.fragment_cache import build_code

    folders = {p.parent.name for p in build_code()}
    assert folders == {"roost", "site"}


def test_no_module_is_longer_than_a_reader_can_hold():
    too_long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / "plugins").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 420
    }
    assert too_long == {}


def capabilities() -> dict[str, dict]:
    from roost.registry import adapter, with_adapters

    out = {}
    for name in with_adapters():
        cls = adapter(name)
        out[name] = {
            "posts": "yes" if cls.POSTS else "no",
            "threads": "yes" if cls.THREADS else "no",
            "edits": "yes" if cls.EDITS else "no",
            "deletes": "yes" if cls.DELETES else "no",
            "pictures": str(cls.MAX_IMAGES),
            # A kind the network gives as a number only (Threads' likes) says so.
            "brings home": ", ".join(
                f"{k} (count)" if k in cls.COUNTS_ONLY else k for k in sorted(cls.BRINGS_HOME)
            )
            or "nothing",
            "feed": "yes" if cls.FEED else "no",
            "profiles": "yes" if cls.PROFILES else "no",
            "followers": "yes" if cls.FOLLOWERS else "no",
            "discovers": "yes" if cls.DISCOVERS else "no",
            "own posts": "yes" if cls.OWN_POSTS else "no",
        }
    return out


def networks_table() -> str:
    """The README's table, as the adapters' declared capabilities give it."""
    from roost.registry import info

    rows = capabilities()
    columns = list(next(iter(rows.values())))
    lines = ["| network | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, caps in rows.items():
        lines.append(f"| {info(name).name} (`{name}`) | " + " | ".join(caps.values()) + " |")
    return "\n".join(lines)


def test_the_readme_says_what_each_network_can_do():
    """Generated from the adapters' capabilities: when they change, this says what to paste."""
    readme = (REPO / "README.md").read_text()
    assert networks_table() in readme, "the README's networks table should be:\n" + (
        networks_table()
    )


def network_limits() -> str:
    """The README's lines under the table: what each network does not allow (``CANNOT``)."""
    from roost.registry import adapter, with_adapters

    return "\n".join(f"- {adapter(n).CANNOT}" for n in with_adapters() if adapter(n).CANNOT)


def test_the_readme_says_what_each_network_does_not_allow():
    readme = (REPO / "README.md").read_text()
    assert network_limits() in readme, "the README should say, under the table:\n" + (
        network_limits()
    )


def test_no_adapter_speaks_http_itself():
    """Every request an adapter makes goes through the one API client (networks/http.py) or the
    guarded fetch, so secrets are redacted, budgets kept and errors typed the same way."""
    allowed = {"http.py", "guarded_fetch.py"}
    for path in (REPO / "plugins/roost/networks").rglob("*.py"):
        if path.name in allowed:
            continue
        text = path.read_text()
        for name in ("requests", "urllib3", "httpx", "http.client", "urllib.request"):
            assert f"import {name}" not in text and f"from {name} " not in text, (path, name)


def test_no_build_artefact_is_tracked():
    """`pip wheel` of the checkout (test_any_pelican_blog.py, or an author's `pip install ./roost`)
    writes a copy of the package under build/lib: tracked, every run dirtied the work tree, and a
    module deleted from plugins/ could live on there (setuptools leaves stale files in build/)."""
    git = ["git", "-C", str(REPO)]
    tracked = subprocess.run([*git, "ls-files", "build"], capture_output=True, text=True)
    assert tracked.returncode == 0, tracked.stderr
    assert tracked.stdout == "", "build/ is tracked: git rm -r --cached build"
    ignored = subprocess.run([*git, "check-ignore", "-q", "build/lib/roost/model.py"])
    assert ignored.returncode == 0, "build/ is not in .gitignore"


def test_a_virtualenv_is_never_tracked_even_as_a_symlink():
    """A second work tree that links `.venv` to the first one's: `.venv/` in .gitignore matched
    only a folder, so `git add -A` took the link in, and checking it out in the first tree
    replaced its virtualenv (ignored files give way) with a link to itself."""
    git = ["git", "-C", str(REPO)]
    assert subprocess.run([*git, "ls-files", "--error-unmatch", ".venv"],
                          capture_output=True).returncode != 0, ".venv is tracked"  # fmt: skip
    # A path that is not a folder here, as the link was not: a pattern for folders misses it.
    ignored = subprocess.run([*git, "check-ignore", "-q", "--no-index", "linked/.venv"])
    assert ignored.returncode == 0, ".gitignore does not cover a .venv symlink: write `.venv`"
