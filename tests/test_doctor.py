"""`roost doctor`: one line per problem, naming the setting, file, variable or network."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from conftest import ROOST
from sites import write_settings


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def site(tmp_path, fake, *, siteurl="https://camille.blog", mastodon=None, bluesky=None,
         webmention=None) -> None:  # fmt: skip
    networks = {"mastodon": mastodon or {"instance": fake.url}}
    if bluesky:
        networks["bluesky"] = bluesky
    (tmp_path / "content").mkdir(exist_ok=True)
    values = {"ROOST_WEBMENTION_IO": webmention} if webmention else {}
    write_settings(tmp_path / "publishconf.py", SITEURL=siteurl, ROOST_NETWORKS=networks,
                   ROOST_SYNDICATE_SINCE="2026-01-01", **values)  # fmt: skip


def doctor(tmp_path, **env):
    """Run ``roost doctor`` with only these secrets in the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROOST_")}
    return subprocess.run([ROOST, "doctor"], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_all_well_with_read_only_calls(tmp_path, fake, devnet):
    from fakes.webmention_io import FakeWebmentionIO

    wm = FakeWebmentionIO()
    wm_url = wm.start()
    try:
        site(tmp_path, fake, webmention={"domain": "camille.blog", "api": wm_url},
             bluesky={"handle": "camille.test", "service": devnet.pds,
                      "session_cache": str(tmp_path / "bsky.json")})  # fmt: skip
        before = list(fake.requests)
        result = doctor(
            tmp_path,
            ROOST_MASTODON_TOKEN="good-token",
            ROOST_BLUESKY_APP_PASSWORD=devnet.accounts["camille"]["password"],
            ROOST_WEBMENTION_IO_TOKEN="wm-token",
        )
    finally:
        wm.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mastodon: signed in as @camille" in result.stdout
    assert "bluesky: signed in as @camille.test" in result.stdout
    assert "webmention: signed in as the key for camille.blog" in result.stdout
    assert result.stdout.splitlines()[-1] == "all well"
    made = fake.requests[len(before) :]
    # Read-only: the account, then the token's scopes.
    assert made == [("GET", "/api/v1/accounts/verify_credentials"),
                    ("GET", "/api/v1/apps/verify_credentials")]  # fmt: skip
    # Bluesky: signing in was the one call; with the session cached, one getSession instead.
    again = doctor(tmp_path, ROOST_MASTODON_TOKEN="good-token",
                   ROOST_BLUESKY_APP_PASSWORD=devnet.accounts["camille"]["password"],
                   ROOST_WEBMENTION_IO_TOKEN="wm-token")  # fmt: skip
    assert "bluesky: signed in as @camille.test" in again.stdout  # the cached session works


@pytest.mark.parametrize(
    "token, expected",
    [
        ("stolen-token", "the secret in ROOST_MASTODON_TOKEN was refused: create one under"),
        ("read-only-token", "was refused (it lacks a scope this needs): create one under"),
        ("expired-token", "the secret in ROOST_MASTODON_TOKEN has expired: create one under"),
    ],
)
def test_refused_tokens_say_what_to_do(tmp_path, fake, token, expected):
    site(tmp_path, fake)
    result = doctor(tmp_path, ROOST_MASTODON_TOKEN=token)
    assert result.returncode == 1
    line = next(ln for ln in result.stdout.splitlines() if "mastodon:" in ln)
    assert expected in line and "write:statuses" in line
    assert token not in result.stdout + result.stderr  # a secret is named, never shown
    assert result.stdout.splitlines()[-1] == "1 thing to fix"


def test_an_unreachable_host_a_missing_secret_and_bad_settings(tmp_path, fake):
    nowhere = f"http://127.0.0.1:{closed_port()}"
    site(tmp_path, fake, siteurl="http://localhost:8000", mastodon={"instance": nowhere},
         bluesky={"handle": "camille.test", "service": nowhere})  # fmt: skip
    result = doctor(tmp_path, ROOST_MASTODON_TOKEN="good-token")
    assert result.returncode == 1
    out = result.stdout
    assert "FIX  SITEURL is 'http://localhost:8000': set it to the site's https:// address" in out
    assert "mastodon: cannot reach the server" in out and "check its address" in out
    assert "bluesky: set the environment variable ROOST_BLUESKY_APP_PASSWORD" in out
    assert out.splitlines()[-1] == "3 things to fix"


def test_a_broken_record_file_is_named(tmp_path, fake):
    site(tmp_path, fake)
    (tmp_path / "social" / "posts").mkdir(parents=True)
    (tmp_path / "social" / "posts" / "swifts.json").write_text('{"format": 1, "post": ')
    result = doctor(tmp_path, ROOST_MASTODON_TOKEN="good-token")
    assert result.returncode == 1
    assert "social/posts/swifts.json" in result.stdout and "restore it from git" in result.stdout


def test_a_refused_bluesky_app_password(tmp_path, fake, devnet):
    site(tmp_path, fake, bluesky={"handle": "camille.test", "service": devnet.pds,
                                  "session_cache": str(tmp_path / "bsky.json")})  # fmt: skip
    result = doctor(tmp_path, ROOST_MASTODON_TOKEN="good-token",
                    ROOST_BLUESKY_APP_PASSWORD="wrong-password")  # fmt: skip
    assert result.returncode == 1
    line = next(ln for ln in result.stdout.splitlines() if "bluesky:" in ln)
    assert "the secret in ROOST_BLUESKY_APP_PASSWORD was refused" in line
    assert "App passwords" in line and "wrong-password" not in result.stdout + result.stderr
    assert not (tmp_path / "bsky.json").exists()  # nothing cached from a failed sign-in
