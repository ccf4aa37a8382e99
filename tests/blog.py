"""A small blog in a temporary folder, driven through the real ``roost`` command.

Lighter than ``test_syndicate.Site``: no served output (``ROOST_CHECK_DEPLOYED = False``), a
handful of posts, and both settings files (``pelicanconf.py`` and ``publishconf.py``) written
alike, so every command finds its default one. Tests that feed Roost bad input use it to assert
what the author sees: the exit code, the lines printed, what was posted, which files are intact.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import ROOST
from sites import write_settings

TOKEN = "good-token"


def post(title: str, slug: str, day: int = 1, body: str = "Body.") -> str:
    return f"Title: {title}\nDate: 2026-05-{day:02d} 10:00\nSlug: {slug}\n\n{body}\n"


#: Three ordinary posts, dated after ROOST_SYNDICATE_SINCE.
POSTS = {
    "swifts.md": post("Swifts are back", "swifts", 1),
    "owls.md": post("Owls at night", "owls", 2),
    "wrens.md": post("Wrens in the hedge", "wrens", 3),
}


class Blog:
    def __init__(
        self,
        root: Path,
        networks: dict | None = None,
        posts: dict[str, str] | None = None,
        extra: str = "",
        env: dict[str, str] | None = None,
        **settings,
    ):
        self.root = root
        (root / "content").mkdir(parents=True, exist_ok=True)
        for name, text in (POSTS if posts is None else posts).items():
            (root / "content" / name).write_text(text, encoding="utf-8")
        self.env = {"ROOST_MASTODON_TOKEN": TOKEN} if env is None else env
        values = {
            "SITEURL": "https://camille.example",
            "ROOST_SYNDICATE_SINCE": "2026-01-01",
            "ROOST_CHECK_DEPLOYED": False,
            "ROOST_NETWORKS": networks or {},
            **settings,
        }
        for name in ("pelicanconf.py", "publishconf.py"):
            write_settings(root / name, extra, **values)

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        home = self.root / "home"  # the Bluesky session cache and the like stay in the folder
        return subprocess.run(
            [ROOST, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "HOME": str(home),
                "XDG_CACHE_HOME": str(home / ".cache"),
                **(self.env if env is None else env),
            },
            timeout=300,
            check=False,
        )

    def record_path(self, key: str) -> Path:
        return self.root / "social" / "posts" / f"{key}.json"

    def record(self, key: str) -> dict:
        path = self.record_path(key)
        return json.loads(path.read_text()) if path.exists() else {}

    def write_raw(self, rel: str, data: str | bytes) -> Path:
        """Write a file under social/ as is (bad input included); returns its path."""
        path = self.root / "social" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        return path


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def lines_naming(result: subprocess.CompletedProcess, needle: str) -> list[str]:
    """Every printed line (stdout or stderr) that holds ``needle``."""
    return [ln for ln in output(result).splitlines() if needle in ln]
