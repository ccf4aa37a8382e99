"""Shared fixtures: the demo site built once per session, with both settings files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sites import REPO

ROOST = str(Path(sys.executable).parent / "roost")


def run_roost(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ROOST, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """The demo blog built with pelicanconf.py, as `make build` does."""
    out = tmp_path_factory.mktemp("demo") / "output"
    result = run_roost("build", "-s", "pelicanconf.py", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def published_output(tmp_path_factory) -> Path:
    """The demo blog built with publishconf.py, as CI publishes it."""
    out = tmp_path_factory.mktemp("published") / "output"
    result = run_roost("build", "-s", "publishconf.py", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out
