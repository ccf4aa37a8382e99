"""Work out every post's responses once per build, in a second process when the site is large.

Reading, validating, moderating, sanitising and rendering tens of thousands of archived
interactions is most of what Roost adds to a build. None of it depends on Pelican's articles, so
it starts as soon as the build starts (the ``initialized`` signal) and, for a large site on a
machine with a second core, runs in a forked worker while Pelican reads the Markdown. The main
process then only receives one finished HTML fragment per post, with a copy whose interface
words and SITEURL are filled in for the site's language (or, from the cache, for the language and
SITEURL of the page an earlier build made), and puts in the post's own URL. A page in another
language, or with RELATIVE_URLS (a SITEURL per page), fills the fragment itself in one pass.

Small sites, platforms without ``fork``, and a worker that fails for any reason all take the same
code path in-process, so the output never depends on where it was computed.

The fragment comes from the theme's ``roost/responses.html``, rendered in a Jinja environment
built like Pelican's (same template folders and JINJA_* settings), with ``roost`` (the post's
:class:`~roost.views.RoostView`), ``post_key`` and the settings in its context.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup

from ..gone_networks import gone_networks
from ..model import RecordError
from ..registry import with_adapters
from ..store import Store
from . import TEMPLATES
from .fragment_cache import FragmentCache, as_text, keep_page
from .stock_render import stock_renderer
from .views import ViewBuilder
from .words import count_marker, fill, marker

log = logging.getLogger(__name__)

#: Stand-ins for what only the page knows. Control characters never survive the sanitiser or
#: the URL check, so no archived text can forge a marker.
SITEURL_MARK = "\x1eroost:siteurl\x1e"
POST_URL_MARK = "\x1eroost:post\x1e"
_SITEURL, _POST_URL = SITEURL_MARK.strip("\x1e"), POST_URL_MARK.strip("\x1e")
_KEEP = frozenset({_POST_URL})  # put in per page, by a plain replace

#: Below this many record files the worker's start-up costs more than it saves.
PARALLEL_FROM = 100

TEMPLATE = "roost/responses.html"


@dataclass
class Prepared:
    """One post's responses, ready for any page: fill in the markers with :meth:`html`."""

    # Text, or the UTF-8 bytes read from the fragment cache: the worker hands those to the
    # build as they are, instead of decoding them, pickling them back to UTF-8 for the pipe and
    # decoding them again on the other side (a fifth of a warm build's work on the records).
    fragment: str | bytes
    summary: Markup
    counts: dict[str, int]
    media: set[str]
    kept: Path | None = None  # where the fragment cache keeps it, if it came from there
    # A copy with the words and SITEURL filled in, for pages in that (language, SITEURL): made
    # by the worker for the site's language, or kept in the cache by an earlier build. Only the
    # post's own address is left to put in (a plain replace).
    page: tuple[str | bytes, tuple[str | None, str]] | None = None

    def html(self, siteurl: str, post_url: str, lang: str | None = None) -> Markup:
        wanted = (lang, siteurl)
        if self.page is not None and self.page[1] == wanted:
            copy = as_text(self.page[0])
        else:
            copy = as_text(self.fragment)
            # One pass fills the words and SITEURL; the post's address stays a stand-in, so the
            # copy serves the page wherever the post moves.
            copy = fill(copy, lang, {_SITEURL: siteurl}, _KEEP)
            if self.kept is not None:
                keep_page(self.kept, self, wanted, copy)
        # Rendered from sanitised, escaped views, then filled with our words and addresses.
        return Markup(copy.replace(POST_URL_MARK, post_url))  # noqa: S704


@dataclass
class Preparation:
    posts: dict[str, Prepared] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # one line each, for the build log


def prepare(records_root: Path, values: dict, settings: dict) -> Preparation:
    """Read every record and render its responses. Pure apart from reading files."""
    # Hundreds of thousands of short-lived objects: the automatic collector would walk the
    # growing heap again and again (a tenth of the time at 2,000 posts) to find the few cycles
    # Jinja leaves. Those are young: _prepare collects the young generations now and then.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _prepare(records_root, values, settings)
    finally:
        if enabled:
            gc.enable()


def _prepare(records_root: Path, values: dict, settings: dict) -> Preparation:
    out = Preparation()
    store = Store(records_root)
    try:
        people = store.read_people()
    except RecordError as e:
        out.problems.append(f"{e}; people in it are shown by their id until it is fixed")
        people = {}
    try:
        moderation = store.read_moderation()
    except RecordError as e:
        # Failing open would show what the author hid.
        out.problems.append(f"{e}; no interactions are shown until it is fixed")
        return out
    media_ok: dict[str, bool] = {}

    def media_url(rel: str) -> str | None:
        if rel not in media_ok:
            media_ok[rel] = store.media_file(rel).is_file()
        return (
            f"{values['ROOST_MEDIA_URL']}/{rel.removeprefix('media/')}" if media_ok[rel] else None
        )

    folders = _template_folders(settings)
    context = {k: v for k, v in settings.items() if k.isupper()}
    context["SITEURL"] = SITEURL_MARK

    @functools.cache
    def renderer() -> tuple[ViewBuilder, Callable]:
        """The views and the template, made at the first post the cache does not hold: a warm
        build whose posts are all cached compiles no template."""
        views = ViewBuilder(
            people,
            moderation,
            media_url=media_url,
            facepile_limit=values["ROOST_FACEPILE_LIMIT"],
            thread_depth=values["ROOST_THREAD_DEPTH"],
            gone=frozenset(gone_networks(settings, with_adapters())),
        )
        template = _environment(settings, folders).get_template(TEMPLATE)
        render = stock_renderer(template, settings, context) or (
            lambda view, key: template.render(context, roost=view, post_key=key)
        )
        return views, render

    # The page every post's copy can be made for ahead: the site's language and SITEURL. Not
    # with RELATIVE_URLS, where each page has its own SITEURL.
    site_page = None
    if not settings.get("RELATIVE_URLS"):
        site_page = (settings.get("DEFAULT_LANG"), settings.get("SITEURL", ""))
    cache = None
    if values["ROOST_CACHE"]:
        folder = Path(settings.get("CACHE_PATH") or "cache") / "roost"
        cache = FragmentCache(folder, store, folders, context)
    for n, key in enumerate(store.post_keys()):
        if n % 200 == 199:
            gc.collect(1)  # the cycles the last posts' rendering left, never the whole heap
        raw = _read(store, key)
        kept = cache.path(key, raw) if cache and raw is not None else None
        hit = cache.get(kept) if kept else None
        if hit is not None:
            out.posts[key] = hit
            continue
        try:
            record = store.read_post(key, raw)
        except RecordError as e:
            out.problems.append(f"{e}; the post is built without its interactions")
            continue
        if not record.syndications and not record.interactions:
            continue
        views, render = renderer()
        view = views.build(record, post_url=POST_URL_MARK)
        fragment = render(view, key)
        out.posts[key] = Prepared(fragment, view.summary, view.counts, view.media)
        if site_page:
            # Most pages speak the site's language: their copy is filled here, on the worker's
            # core, rather than in the build's main process while Pelican waits.
            lang, siteurl = site_page
            out.posts[key].page = (fill(fragment, lang, {_SITEURL: siteurl}, _KEEP), site_page)
        if kept:
            cache.put(kept, out.posts[key])
    if cache:
        cache.prune()
    return out


def _read(store: Store, key: str) -> bytes | None:
    try:
        return store.post_path(key).read_bytes()
    except OSError:
        return None  # read_post says what is wrong


def _template_folders(settings: dict) -> list[Path]:
    """Where Pelican looks, then Roost's own partials (a theme's copy wins)."""
    return [
        *map(Path, settings.get("THEME_TEMPLATES_OVERRIDES", [])),
        Path(settings["THEME"]) / "templates",
        TEMPLATES,
    ]


def _environment(settings: dict, folders: list[Path]) -> Environment:
    """A Jinja environment that finds templates where Pelican's does, with the same options."""
    options = dict(settings.get("JINJA_ENVIRONMENT", {}))
    loader = ChoiceLoader([FileSystemLoader(str(f)) for f in folders])
    # No autoescape, like Pelican's own environment that themes are written for: every value in a
    # RoostView is already escaped or sanitised Markup.
    env = Environment(loader=loader, **options)  # noqa: S701
    env.filters.update(settings.get("JINJA_FILTERS", {}))
    # Words are markers here, filled in per page in the page's language (words.py).
    env.globals.update(word=marker, count=count_marker)
    env.globals.update(settings.get("JINJA_GLOBALS", {}))
    env.tests.update(settings.get("JINJA_TESTS", {}))
    return env


class InBackground:
    """Run ``fn`` in a forked child and hand back its result; or run it here when forking is not
    worth it or not possible. A child that fails is never fatal: the work is redone here."""

    def __init__(self, fn: Callable[[], Any], *, background: bool):
        self._fn = fn
        self._done = False
        self._result: Any = None
        self._child = None
        if background and sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1:
            ctx = multiprocessing.get_context("fork")  # fork: nothing to pickle on the way in
            self._recv, send = ctx.Pipe(duplex=False)
            self._child = ctx.Process(target=_run_child, args=(fn, send), daemon=True)
            self._child.start()
            send.close()

    @property
    def in_child(self) -> bool:
        return self._child is not None

    def result(self) -> Any:
        if self._done:
            return self._result
        self._done = True
        if self._child is not None:
            try:
                ok, payload = self._recv.recv()
            except (EOFError, OSError):
                ok, payload = False, "the worker ended without an answer"
            finally:
                self._recv.close()
                self._child.join()
            if ok:
                self._result = payload
                return payload
            log.debug("roost: the worker failed, so its work is redone here: %s", payload)
        self._result = self._fn()
        return self._result


def _run_child(fn: Callable[[], Any], send) -> None:
    # What the child inherited from Pelican is never garbage here. Frozen, it is left out of the
    # collector's walks, which would also write to its pages and make fork copy them.
    gc.freeze()
    try:
        result = (True, fn())
    except BaseException:  # anything: the parent redoes the work and reports it there
        result = (False, traceback.format_exc(limit=5))
    try:
        send.send(result)
    finally:
        send.close()
