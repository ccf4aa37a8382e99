"""The outside validators the tests run on built pages, installed by ``invoke validators`` (part
of ``make test``) from ``tests/validators/package.json`` into a cache outside the checkout:

* the W3C Nu HTML Checker (npm ``vnu-jar``), installed with ``--ignore-scripts`` (its install
  script would download a Java) and run with the machine's own Java;
* axe-core (npm ``axe-core``), whose ``axe.min.js`` the browser tests inject into Chromium.

Nobody on the project wrote either, which is the point: they check what we did not think of.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "validators"


def install_dir() -> Path:
    digest = hashlib.sha256(
        (SOURCE / "package.json").read_bytes() + (SOURCE / "package-lock.json").read_bytes()
    ).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "roost" / "validators" / digest


def install() -> Path:
    """Install both into the cache once (npm ci, no install scripts); return the folder."""
    target = install_dir()
    if (target / ".ready").exists():
        return target
    if not shutil.which("npm"):
        raise RuntimeError("npm is needed to install the validators: apt-get install npm")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(SOURCE / name, target / name)
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=target,
        check=True,
    )
    (target / ".ready").touch()
    return target


def vnu_jar() -> Path:
    return install() / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def axe_source() -> str:
    return (install() / "node_modules" / "axe-core" / "axe.min.js").read_text()


def nu_check(folder: Path) -> list[dict]:
    """Every message of the Nu HTML Checker on every HTML page under ``folder``, as its JSON
    messages (type "error", or "info" with subType "warning"). Info messages about the CSP are
    dropped: a file: URL is never 'self', so the checker cannot judge them offline."""
    java = shutil.which("java")
    if not java:
        raise RuntimeError(
            "Java is needed to run the Nu HTML Checker: apt-get install default-jre-headless "
            "(or run `make test`, which installs it)"
        )
    done = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--skip-non-html", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [
        m
        for m in messages
        if m["type"] == "error"
        or (m.get("subType") == "warning" and "Content Security Policy" not in m["message"])
    ]
