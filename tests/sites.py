"""Small real Pelican sites for tests: write content and records into a folder, build, read back.

Builds run in-process with the repository's theme and plugin, exactly as `roost build` would,
and return what was logged so tests can assert on the messages an author would see.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fakes.server import PNG_1X1  # noqa: F401 (a mirrored avatar in fixture records)

REPO = Path(__file__).resolve().parents[1]
#: Outside conformance data, kept in the repository with its licences (conformance/README.md).
CONFORMANCE = REPO / "tests" / "conformance"


def conformance(*parts: str) -> Path:
    """A file of the outside conformance data in tests/conformance/."""
    path = CONFORMANCE.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: see tests/conformance/README.md")
    return path


def article(title: str, slug: str, body: str = "Body text.", **meta: str) -> str:
    head = {"Title": title, "Slug": slug, "Date": "2026-01-15 10:00", **meta}
    return "\n".join(f"{k}: {v}" for k, v in head.items()) + "\n\n" + body + "\n"


@dataclass
class Built:
    output: Path
    messages: list[logging.LogRecord] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [r.getMessage() for r in self.messages if r.levelno >= logging.ERROR]

    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.messages if r.levelno == logging.WARNING]

    def page(self, rel: str) -> str:
        return (self.output / rel).read_text(encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


#: What every test site shares: this repository's theme and plugin, and one URL scheme.
COMMON_SETTINGS = {
    "THEME": str(REPO / "theme"),
    "PLUGIN_PATHS": [str(REPO / "plugins")],
    "PLUGINS": ["roost"],
    "TIMEZONE": "UTC",
    "ARTICLE_URL": "{slug}/",
    "ARTICLE_SAVE_AS": "{slug}/index.html",
}


def site_settings(root: Path, **overrides) -> dict:
    base = {
        **COMMON_SETTINGS,
        "PATH": str(root / "content"),
        "OUTPUT_PATH": str(root / "output"),
        "SITENAME": "Fixture Site",
        "AUTHOR": "Fixture Author",
        "SITEURL": "http://localhost:8000",
        "RELATIVE_URLS": True,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "CACHE_PATH": str(root / "cache"),
    }
    base.update(overrides)
    return base


def write_settings(path: Path, extra: str = "", **values) -> Path:
    """A settings file for a site that ``roost`` builds as a command: content/ beside it, this
    repository's theme and plugin, the tests' URL scheme, then ``values`` (as Python literals)
    and ``extra`` (text as is, so tests can also write broken settings)."""
    base = {"PATH": "content", **COMMON_SETTINGS}
    lines = [f"{key} = {value!r}\n" for key, value in {**base, **values}.items()]
    path.write_text("".join(lines) + extra + "\n", encoding="utf-8")
    return path


def build(root: Path, **overrides) -> Built:
    """Build the site in ``root`` (content/ and social/ inside it) with Pelican, in-process."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(None, override=site_settings(root, **overrides))
    collect = _Collect()
    logging.getLogger().addHandler(collect)
    try:
        Pelican(settings).run()
    finally:
        logging.getLogger().removeHandler(collect)
    return Built(Path(settings["OUTPUT_PATH"]), collect.records)


def write_site(
    root: Path,
    posts: dict[str, str],
    records: dict[str, dict] | None = None,
    people: dict[str, list[dict]] | None = None,
    moderation: dict | None = None,
    media: dict[str, bytes] | None = None,
) -> Path:
    """Write content/posts and, as raw JSON, social/ records (so tests can also write bad ones)."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    for name, text in posts.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    social = root / "social"
    for key, rec in (records or {}).items():
        _write_json(social / "posts" / f"{key}.json", rec)
    for network, items in (people or {}).items():
        _write_json(
            social / "people" / f"{network}.json",
            {"format": 1, "network": network, "people": items},
        )
    if moderation is not None:
        _write_json(social / "moderation.json", {"format": 1, **moderation})
    for rel, data in (media or {}).items():
        path = social / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


def reply(
    nid: str, author: str, content: str, *, parent: str | None = None, kind="reply", when=None
):
    network = author.split(":", 1)[0]
    return {
        "id": f"{network}:{nid}",
        "kind": kind,
        "network": network,
        "author": author,
        "in_reply_to": parent,
        "published": when or f"2026-01-16T10:{zlib.crc32(nid.encode()) % 60:02d}:00Z",
        "url": f"https://social.example/@x/{nid}",
        "content": content,
    }


def person(pid: str, name: str, **extra) -> dict:
    network, rest = pid.split(":", 1)
    return {"id": pid, "network": network, "name": name, "handle": "@" + rest, **extra}


def record(key: str, interactions: list[dict], syndications: list[dict] | None = None) -> dict:
    return {
        "format": 1,
        "post": key,
        "syndications": syndications
        if syndications is not None
        else [
            {
                "network": "mastodon",
                "id": "1001",
                "url": "https://mastodon.example/@me/1001",
                "published": "2026-01-15T10:05:00Z",
                "sent_hash": "sha256:00",
            }
        ],
        "interactions": interactions,
    }


def make_post(**overrides):
    """A syndication Post with plausible defaults; tests override what they are about."""
    from datetime import UTC, datetime

    from roost.networks.compose import Post

    fields = dict(
        key="hello",
        title="Hello",
        summary="A first post.",
        url="https://camille.blog/hello/",
        date=datetime(2026, 1, 1, tzinfo=UTC),
        lang="en",
    )
    fields.update(overrides)
    return Post(**fields)


def same_picture(a: bytes, b: bytes) -> bool:
    """Two files hold the same picture, pixel for pixel (Roost writes pictures again before it
    keeps them, so their bytes differ from what the network served)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(a)) as one, Image.open(io.BytesIO(b)) as two:
        return (
            one.size == two.size and one.convert("RGBA").tobytes() == two.convert("RGBA").tobytes()
        )


def webmention_backfeed(store, source, posts: dict[str, str], fetcher=None):
    """One backfeed run of webmention.io's feed, as ``roost backfeed`` runs it: (the change,
    the failure or "")."""
    from roost.commands.backfeed import backfeed

    report = backfeed(store, source, posts_by_url=lambda: posts, fetcher=fetcher)
    return report.change, report.failed
