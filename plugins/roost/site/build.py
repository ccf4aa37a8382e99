"""Pelican signal receivers: attach each post's records to it, and copy the media pages use.

The build is pure: it reads the records folder and writes ``output/``, never touches the network
and never reads a secret. Problems are logged as one line each, prefixed ``roost:``, naming the
file or setting and what to do; the build then goes on without the broken part (a post whose
record file is malformed is rendered without interactions, and the file is left as it was).
``roost build`` turns any such error into a non-zero exit once the whole site is written;
plain ``pelican`` does so with ``--fatal errors``.

Receivers live at module level because Pelican's signals hold weak references.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup
from pelican.utils import get_relative_path, path_to_url

from ..model import RecordError, post_key
from ..sanitize import inline_html
from ..settings import check_endpoint, validate
from ..store import Store
from . import STATIC, TEMPLATES, events
from .fragment_cache import plain as _plain
from .gone import write_tombstones
from .prepare import PARALLEL_FROM, InBackground, Preparation, prepare
from .words import fill, words

log = logging.getLogger(__name__)

#: The stylesheet and placeholder avatar Roost ships for any theme, written at the output's root.
AT_ROOT = {"roost.css": STATIC / "roost.css", "roost-avatar.png": STATIC / "avatar.png"}


@dataclass
class Responses:
    """What a template finds in ``article.roost`` (or ``page.roost``): the rendered responses for
    this page, a one-line summary ("3 replies · 12 likes") and counts per kind."""

    html: Markup = Markup("")
    summary: Markup = Markup("")
    counts: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.html)


EMPTY = Responses()


@dataclass
class BuildState:
    """What one Pelican run knows about the records, worked out once for all generators."""

    values: dict
    store: Store
    preparation: InBackground
    media: set[str] = field(default_factory=set)  # mirrored files that rendered pages use
    keys: set[str] = field(default_factory=set)  # records keys of every post built
    _ready: Preparation | None = None

    @property
    def ready(self) -> Preparation:
        """The preparation, waiting for the worker the first time; its problems logged once."""
        if self._ready is None:
            self._ready = self.preparation.result()
            for problem in self._ready.problems:
                log.error("roost: %s", problem)
        return self._ready


# Keyed by id() of the settings dict that Pelican hands to every generator of one run, so that
# several builds in one process (the tests) never see each other's state.
_STATES: dict[int, BuildState] = {}


def records_path(settings: dict, configured: str) -> Path:
    path = Path(configured)
    if not path.is_absolute():
        path = Path(settings.get("PATH", ".")).resolve().parent / path
    return path


def generator_init(generator) -> None:
    """What every theme template may call: ``roost_words(lang)``, the interface's words in that
    language (words.py)."""
    env = getattr(generator, "env", None)
    if env is not None:
        # Roost's partials (roost/responses.html, roost/head.html, ...) come with the plugin, so
        # any theme can include them; a theme's own copy of one wins, being found first.
        env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])
        env.globals.setdefault("roost_words", words)
        env.filters.setdefault("roost_inline", _inline)


#: A <pre> without a tabindex: a code block that may scroll sideways, which keyboard users can
#: only scroll if it can take focus (WCAG 2.1.1; axe-core's scrollable-region-focusable).
_PRE = re.compile(r"<pre(?![^>]*\btabindex=)(?=[\s>])")


def content_object_init(content) -> None:
    """Let keyboard users scroll code blocks: each ``<pre>`` of a post can take focus."""
    html = getattr(content, "_content", None)
    if html and "<pre" in html:
        content._content = _PRE.sub('<pre tabindex="0"', html)


def _inline(text) -> Markup:
    return Markup(inline_html(text))  # noqa: S704 (sanitised)


#: Settings that templates and the feed receivers read from Pelican's context: set there as
#: validated (a bad value falls back to its default there too), defaults included.
IN_CONTEXT = ("ROOST_JSON_FEED", "ROOST_WEBSUB_HUB")


def initialized(pelican) -> None:
    # As early as possible, so a large site's records are worked out while Pelican reads posts.
    _state_for(pelican.settings)
    _WRITTEN.clear()


def webmention_endpoint(values: dict) -> str | None:
    """Where this site receives Webmentions: the setting, else webmention.io's endpoint for the
    domain ROOST_WEBMENTION_IO names (https://webmention.io/<domain>/webmention)."""
    if values["ROOST_WEBMENTION_ENDPOINT"]:
        return values["ROOST_WEBMENTION_ENDPOINT"]
    wm = values["ROOST_WEBMENTION_IO"]
    if not wm:
        return None
    api = str(wm.get("api") or "https://webmention.io").rstrip("/")
    derived = f"{api}/{quote(wm['domain'], safe='.-')}/webmention"
    # Held to the same rule as the setting: it also goes into the pages' CSP (form-action).
    if check_endpoint(derived):
        return None  # `roost doctor` names the bad address
    return derived


#: Every file this build wrote (Pelican's ``content_written``), as Pelican named it: a tombstone
#: never replaces one. Resolved only when there is a tombstone to write (rarely): resolving
#: every page's path cost more than the rest of this receiver.
_WRITTEN: set[str] = set()


def content_written(path, context=None) -> None:
    _WRITTEN.add(str(path))


def _state_for(settings: dict) -> BuildState:
    state = _STATES.get(id(settings))
    if state is not None:
        return state
    values, problems = validate(settings)
    for problem in problems:
        log.error("roost: %s", problem)
    for key in IN_CONTEXT:
        settings[key] = values[key]
    # Templates read the endpoint from the settings, worked out here once.
    settings["ROOST_WEBMENTION_ENDPOINT"] = webmention_endpoint(values)
    store = Store(records_path(settings, values["ROOST_RECORDS_PATH"]))
    if values["ROOST_SHOW_INTERACTIONS"]:
        # The settings as they are now, whether the work runs in the worker (forked now) or here
        # later: Pelican changes some as it reads posts (its Markdown reader adds to MARKDOWN),
        # and the fragment cache is keyed by them, so both ways must see the same ones.
        work = functools.partial(prepare, store.root, values, _as_now(settings))
        large = len(store.post_keys()) >= PARALLEL_FROM
    else:
        work, large = Preparation, False
    state = BuildState(values, store, InBackground(work, background=large))
    _STATES[id(settings)] = state
    return state


def _as_now(settings: dict) -> dict:
    """A copy of the settings that later changes do not reach (plain values copied deeply;
    functions, modules and other objects as they are)."""
    return {k: copy.deepcopy(v) if _plain(v) else v for k, v in settings.items()}


def _attach(content, state: BuildState, translation: bool) -> None:
    content.roost = EMPTY
    try:
        key = post_key(content.slug, content.lang if translation else None)
    except RecordError as e:
        log.error("roost: %s: %s", content.source_path, e)
        return
    state.keys.add(key)
    prepared = state.ready.posts.get(key)
    if prepared is None:
        return
    settings = content.settings
    if settings.get("RELATIVE_URLS"):
        # What Pelican's writer will set SITEURL to for this page.
        siteurl = path_to_url(get_relative_path(content.save_as))
    else:
        siteurl = settings.get("SITEURL", "")
    post_url = f"{settings.get('SITEURL', '')}/{content.url}"
    # The page speaks the post's language; lists of posts speak the site's.
    summary = Markup(fill(prepared.summary, settings.get("DEFAULT_LANG")))  # noqa: S704
    html = prepared.html(siteurl, post_url, content.lang)
    content.roost = Responses(html, summary, prepared.counts)
    state.media |= prepared.media


def _attach_all(generator, originals: tuple[str, ...], translations: tuple[str, ...]) -> None:
    """Attach records to every item the generator will write, drafts and hidden ones included
    (they render too; they are just never syndicated)."""
    state = _state_for(generator.settings)
    for name in originals:
        for item in getattr(generator, name, []):
            _attach(item, state, translation=False)
    for name in translations:
        for item in getattr(generator, name, []):
            _attach(item, state, translation=True)


def article_generator_finalized(generator) -> None:
    zone = events.site_zone(generator.settings)
    for name in ("articles", "translations", "drafts", "drafts_translations",
                 "hidden_articles", "hidden_translations"):  # fmt: skip
        for item in getattr(generator, name, []):
            events.attach(item, zone)
    _attach_all(
        generator,
        ("articles", "hidden_articles", "drafts"),
        ("translations", "hidden_translations", "drafts_translations"),
    )


def page_generator_finalized(generator) -> None:
    _attach_all(
        generator,
        ("pages", "hidden_pages", "draft_pages"),
        ("translations", "hidden_translations", "draft_translations"),
    )


def finalized(pelican) -> None:
    state = _STATES.pop(id(pelican.settings), None)
    if state is None:
        return
    output = Path(pelican.output_path)
    _copy_media(state, output)
    write_tombstones(state.store.root, pelican.settings.get("SITEURL", ""), output, _WRITTEN)
    _copy_own_files(output)
    for key in sorted(set(state.store.post_keys()) - state.keys):
        log.warning(
            "roost: %s belongs to no post (was a slug changed?); it is kept, not rendered",
            state.store.display(state.store.post_path(key)),
        )


def _copy_own_files(output: Path) -> None:
    """``roost.css`` (for themes that include ``roost/stylesheet.html``) and the avatar shown
    for people without a picture, whatever the theme, at the site's root."""
    for name, source in AT_ROOT.items():
        target = output / name
        try:
            if not target.is_file() or target.read_bytes() != source.read_bytes():
                shutil.copyfile(source, target)
        except OSError as e:
            log.error("roost: cannot write %s: %s", target, e.strerror or e)


#: What Roost names a mirrored file in the media folder (``Store.add_media``): only such files
#: are ever removed from it, since the folder may be shared with pages (``ROOST_MEDIA_URL =
#: "2026"`` beside articles saved under ``2026/``) or hold the author's own files.
_OWN_MEDIA = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.(png|jpg|gif|webp)")


def _copy_media(state: BuildState, output: Path) -> None:
    """Copy mirrored files the pages use, and remove the ones they no longer use (a forgotten
    person's avatar must not stay online): Roost's own files only, named as it names them.
    Names are content hashes, so an existing file of the same size is already the right one."""
    target_root = output / state.values["ROOST_MEDIA_URL"]
    wanted = {target_root / rel.removeprefix("media/") for rel in state.media}
    if target_root.is_dir():
        for old in target_root.rglob("*"):
            own = _OWN_MEDIA.fullmatch(old.relative_to(target_root).as_posix())
            if own and old.is_file() and old not in wanted:
                old.unlink()
    for rel in sorted(state.media):
        src = state.store.media_file(rel)
        dst = target_root / rel.removeprefix("media/")
        try:
            if dst.is_file() and dst.stat().st_size == src.stat().st_size:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
        except OSError as e:
            log.error("roost: cannot copy %s to %s: %s", src, dst, e.strerror or e)
    log.debug("roost: %d mirrored files used by pages", len(state.media))
