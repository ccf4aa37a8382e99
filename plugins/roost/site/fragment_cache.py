"""Each post's rendered responses kept between builds, so an unchanged post costs a file read.

What Pelican's ``CACHE_CONTENT`` does for Markdown, this does for the records: a post's fragment
is reused when nothing that went into it changed. That is its record file (its bytes) and, for
every post alike, the people files, the moderation file, which media files exist, the template
and every template folder's ``roost/`` templates, the settings a template can see, and Roost's
build-time code (not the networks' nor the commands'). All of it is hashed into the file name
(``CACHE_PATH/roost/<post>@<digest>.fragment``), so a changed input is a miss, never a stale page.
Each file is one line of JSON (summary, counts, media, the size of the rest), then the fragment
as it is: never pickle (nothing in a cache folder can run code), and the fragment not as a JSON
string, whose escapes cost more to read than the rest of a warm build's work on the records.
Written atomically; a file that cannot be read, or is cut short, is a miss. Beside the fragment,
a copy with the words filled in for one language and SITEURL (the site's, made by the worker; or
a page's, kept by the build that made it): the next build's pages in that language and SITEURL
use it as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from markupsafe import Markup

_CODE_DIGEST: str | None = None


def build_code() -> list[Path]:
    """The code a build runs: the core at the package's root and ``site/``. Not ``networks/`` nor
    ``commands/``: editing an adapter re-renders nothing."""
    package = Path(__file__).resolve().parents[1]
    return sorted([*package.glob("*.py"), *(package / "site").glob("*.py")])


def _code_digest() -> str:
    """Roost's build-time code: a new version renders anew."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        h = hashlib.sha256()
        for path in build_code():
            h.update(path.name.encode() + path.read_bytes())
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


def plain(value) -> bool:
    """Values whose repr is the same from one run to the next (no functions, no objects)."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return False


class FragmentCache:
    def __init__(self, folder: Path, store, template_folders: list[Path], context: dict):
        self.folder = folder
        h = hashlib.sha256(_code_digest().encode())
        for path in sorted((store.root / "people").glob("*.json")):
            h.update(path.name.encode() + path.read_bytes())
        if store.moderation_path.exists():
            h.update(b"moderation" + store.moderation_path.read_bytes())
        media = store.root / "media"
        if media.is_dir():  # which files exist decides between a picture and a placeholder
            h.update("\n".join(sorted(p.name for p in media.glob("*/*"))).encode())
        for folder_ in template_folders:
            for path in sorted((Path(folder_) / "roost").glob("*")):
                h.update(str(path).encode() + path.read_bytes())
        settings = sorted((k, v) for k, v in context.items() if plain(v))
        h.update(repr(settings).encode())
        self.common = h.hexdigest()
        self.used: set[str] = set()  # the file names this build asked for

    def path(self, key: str, raw: bytes) -> Path:
        """Where the fragment for this record's bytes is kept (whether or not it is there)."""
        digest = hashlib.sha256(self.common.encode() + raw).hexdigest()[:32]
        name = f"{key}@{digest}.fragment"  # "@" is never in a post key
        self.used.add(name)
        return self.folder / name

    def get(self, path: Path):
        """The prepared responses kept at ``path``, or None."""
        from .prepare import Prepared

        try:
            head, _, body = path.read_bytes().partition(b"\n")
            data = json.loads(head)
            if data["size"] != len(body):
                return None  # a file cut short (a crash before the disk had it all) is a miss
            fragment, page = body, None
            if "page" in data:  # the page's own copy follows the fragment (keep_page)
                kept = data["page"]
                for_ = _page_for(kept) if isinstance(kept, dict) else None
                if not (for_ and type(kept.get("at")) is int and 0 <= kept["at"] <= len(body)):
                    return None  # where one ends and the other starts is lost: a miss
                fragment, filled = body[: kept["at"]], body[kept["at"] :]
                filled.decode("utf-8")
                page = (filled, for_)
            fragment.decode("utf-8")  # a file cut short or damaged is a miss, as ever
            return Prepared(
                fragment,  # bytes: decoded where the page is made (Prepared.html)
                # Written by put() from a sanitised view; the cache is local, like the theme.
                Markup(data["summary"]),  # noqa: S704
                data["counts"],
                set(data["media"]),
                kept=path,
                page=page,
            )
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # (json.loads recurses: a garbled head of "[[[[..." must not crash)

    def put(self, path: Path, prepared) -> None:
        """Keep a newly rendered fragment, and its page copy if the worker made one."""
        if prepared.page is not None:
            keep_page(path, prepared, prepared.page[1], as_text(prepared.page[0]))
        else:
            _write(path, prepared, prepared.fragment.encode())

    def prune(self) -> None:
        """Forget what this build did not ask for: older versions, posts with no record any
        more. One listing of the folder, at the end."""
        try:
            for path in self.folder.glob("*@*"):  # older versions' "*@*.json" too
                if path.name not in self.used:
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def keep_page(path: Path, prepared, page: tuple[str | None, str], copy: str) -> None:
    """Keep, beside a cached fragment, a copy of it with the words filled in a page's language
    and its SITEURL in place: the next build of an unchanged page in that language and SITEURL
    then uses it as it is (filling 2,000 pages' words was the largest part of a warm build's work
    on the records). The post's own address stays a stand-in, put in per page."""
    fragment = prepared.fragment
    if isinstance(fragment, str):
        fragment = fragment.encode()
    lang, siteurl = page
    _write(path, prepared, fragment + copy.encode(), {"lang": lang, "siteurl": siteurl,
                                                       "at": len(fragment)})  # fmt: skip


def _page_for(kept: dict) -> tuple[str | None, str] | None:
    lang, siteurl = kept.get("lang"), kept.get("siteurl")
    if (lang is None or isinstance(lang, str)) and isinstance(siteurl, str):
        return lang, siteurl
    return None


def as_text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _write(path: Path, prepared, body: bytes, page: dict | None = None) -> None:
    head = {
        "summary": str(prepared.summary),
        "counts": prepared.counts,
        "media": sorted(prepared.media),
        "size": len(body),  # what follows the head: less is a file cut short, never a page
    }
    if page:
        head["page"] = page
    # json.dumps escapes every newline, so the first one ends the head.
    data = json.dumps(head, ensure_ascii=False).encode() + b"\n" + body
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
