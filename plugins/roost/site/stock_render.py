"""The stock ``roost/responses.html``, rendered by joining strings instead of through Jinja.

At 2,000 posts x 50 interactions Jinja's attribute lookups and macro calls were about a third of
``prepare()``. When the theme does not override the template (the one found is Roost's own file)
and Jinja is set up as Pelican sets it by default, :func:`stock_renderer` returns a function that
writes the same bytes from a :class:`~roost.views.RoostView`; otherwise None, and the template
is rendered by Jinja as before. ``tests/test_stock_render.py`` renders the demo and a rich
fixture both ways and compares the bytes: a change to the template must be made here too.

Like the template, nothing here escapes: every field of a view is already escaped or sanitised,
and every URL is http(s). Each person's avatar markup is built once per build, not per face.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import TEMPLATES
from .words import count_marker, marker

STOCK = TEMPLATES / "roost" / "responses.html"

#: The Jinja options the byte-for-byte test covers: Pelican's defaults.
_OPTIONS = ({"trim_blocks": True, "lstrip_blocks": True}, {})


def stock_renderer(template, settings: dict, context: dict) -> Callable | None:
    """A function ``(view) -> str`` equal to ``template.render`` for the stock template, or None
    when the theme has its own template or Jinja is set up differently."""
    if not template.filename or Path(template.filename).resolve() != STOCK:
        return None
    options = dict(settings.get("JINJA_ENVIRONMENT", {}))
    if options.pop("extensions", None) or options not in _OPTIONS:
        return None
    if {"word", "count"} & set(settings.get("JINJA_GLOBALS", {})):
        return None
    # The placeholder avatar is the one the build writes at the site's root (any theme).
    return _Renderer(str(context["SITEURL"]), "roost-avatar.png").render


_ON = marker("on")
# The words every page, pile or comment writes: made once, not once per use.
_W = {
    key: marker(key)
    for key in ("author", "mark", "responses", "also_on", "archived_from", "archived_why",
                "replies", "quotes", "mentions", "quoted_by", "mentioned_by", "join",
                "quoted_this", "mentioned_this", "in_reply_to", "missing_picture")
}  # fmt: skip


class _Renderer:
    def __init__(self, siteurl: str, placeholder: str):
        self.siteurl = siteurl
        self.placeholder = placeholder
        self._cards: dict[int, tuple[object, str, str]] = {}  # id(person) -> (person, h4, face)

    def _card(self, a) -> tuple[str, str]:
        """A comment's author heading (up to the handle) and a face's card, for one person."""
        got = self._cards.get(id(a))
        if got is None or got[0] is not a:
            src = f"{self.siteurl}/{a.photo or self.placeholder}"
            open_a, close_a = (
                (f'<a class="u-url" href="{a.url}" rel="nofollow ugc">', "</a>")
                if a.url
                else ("", "")
            )
            h4 = (
                f'<h4 class="comment-by"><span class="p-author h-card">{open_a}'
                f'<img class="u-photo avatar" src="{src}" alt="" width="40" height="40" '
                f'loading="lazy" decoding="async"><span class="p-name">{a.name}</span>'
                f"{close_a}</span></h4>"
            )
            if a.handle:
                h4 += f' <span class="handle">{a.handle}</span>'
            if a.is_author:
                h4 += f' <span class="by-author">{_W["author"]}</span>'
            face = (
                f'{open_a}<img class="u-photo avatar" src="{src}" alt="{a.name}" '
                f'width="40" height="40" loading="lazy" decoding="async">{close_a}</span>\n'
            )
            got = self._cards[id(a)] = (a, h4, face)
        return got[1], got[2]

    def render(self, r, post_key: str = "") -> str:
        if not r:
            return "\n\n"
        out: list[str] = ["\n\n"]
        w = out.append
        summary = f" <small>({r.summary})</small>" if r.summary else ""
        w(f'<section class="responses" aria-labelledby="responses"{_W["mark"]}>\n'
          f'  <h2 id="responses">{_W["responses"]}{summary}</h2>\n')  # fmt: skip
        if r.copies:
            links = ", ".join(
                f'<a class="u-syndication" rel="syndication" href="{c.url}">{c.network}</a>'
                for c in r.copies
            )
            w(f'  <p class="also-on">{_W["also_on"]}\n{links}.\n  </p>\n')
        if r.archived:
            names = ", ".join(
                f'<data class="u-syndication" value="{c.url}">{c.network}</data>'
                for c in r.archived
            )
            w(f'  <p class="archived-from">{_W["archived_from"]} {names}. '
              f'{_W["archived_why"]}</p>\n')  # fmt: skip
        w("\n")
        for pile in r.rsvps + r.facepiles:
            w(f'  <section class="facepile facepile-{pile.kind}" aria-label="{pile.label}">\n'
              f"    <h3>{pile.label}</h3>\n    <ul>\n")  # fmt: skip
            li = f'      <li class="{pile.mf_class} h-cite">'
            for f in pile.faces:
                a = f.author
                rsvp = f'<data class="p-rsvp" value="{f.rsvp}"></data>' if f.rsvp else ""
                w(f'{li}{rsvp}        <span class="p-author h-card" title="{a.name} {_ON} '
                  f'{f.network}">{self._card(a)[1]}      </li>\n')  # fmt: skip
            if pile.more:
                w(f'<li class="more">+ {count_marker("more", pile.more)}</li>')
            w("    </ul>\n  </section>\n")
        if r.tallies:
            w(f'<p class="counts-only">{r.tallies}</p>\n')
        w("\n")
        if r.replies:
            w(f'  <section class="replies" aria-label="{_W["replies"]}">\n'
              f'    <h3>{count_marker("reply", r.counts["reply"])}</h3>\n'
              '    <ol class="thread">\n')  # fmt: skip
            self._items(r.replies, w)
            w("    </ol>\n  </section>\n")
        w("\n")
        for entries, name, heading in ((r.quotes, "quotes", "quoted_by"),
                                       (r.mentions, "mentions", "mentioned_by")):  # fmt: skip
            if entries:
                w(f'  <section class="{name}" aria-label="{_W[name]}">\n'
                  f'    <h3>{_W[heading]}</h3>\n    <ol class="thread">')  # fmt: skip
                self._items(entries, w)
                w("</ol>\n  </section>\n")
            w("\n")
        if r.copies:
            links = " · ".join(f'<a href="{c.url}">{c.reply_label}</a>' for c in r.copies)
            w(f'  <p class="reply-on">{_W["join"]}\n{links}  </p>\n')
        w("</section>\n")
        return "".join(out)

    def _items(self, comments, w) -> None:
        """Each comment as a thread item: the template's ``<li>{{ comment(c) }}</li>``."""
        for c in comments:
            w("<li>")
            self._comment(c, w)
            w("</li>")

    def _comment(self, c, w) -> None:
        """The template's ``comment`` macro (threads are already cut to ROOST_THREAD_DEPTH)."""
        self._comment_head(c, w)
        if c.children:
            w('  <ol class="thread">\n')
            self._items(c.children, w)
            w("  </ol>\n")
        w("</article>")

    def _comment_head(self, c, w) -> None:
        h4 = self._card(c.author)[0]
        kind = ""
        if c.kind != "reply":
            kind = _W["quoted_this"] if c.kind == "quote" else _W["mentioned_this"]
            kind = f' <span class="kind">{kind}</span>'
        time = f'<time class="dt-published" datetime="{c.published_iso}">{c.published_text}</time>'
        if c.url:
            time = f'<a class="u-url" href="{c.url}" rel="nofollow ugc">{time}</a>'
        if c.in_reply_to_name:
            to = (
                f' · {_W["in_reply_to"]} <a class="u-in-reply-to" href="{c.in_reply_to_url}"'
                f' rel="nofollow ugc">{c.in_reply_to_name}</a>'
            )
        elif c.in_reply_to_url:
            to = f'<a class="u-in-reply-to" href="{c.in_reply_to_url}" hidden></a>'
        else:
            to = ""
        w(f'<article class="u-comment h-cite comment" id="{c.anchor}">\n  <header>\n{h4}'
          f'    <span class="comment-meta">{kind}      {_ON} {c.network} ·\n{time}{to}'
          "    </span>\n  </header>\n")  # fmt: skip
        if c.content:
            w(f'<div class="e-content p-name">{c.content}</div>')
        if c.media:
            w('<ul class="attachments">')
            for m in c.media:
                if m.src:
                    w(f'<li><img class="u-photo" src="{self.siteurl}/{m.src}" alt="{m.alt}" '
                      'loading="lazy"></li>')  # fmt: skip
                else:
                    alt = f": {m.alt}" if m.alt else ""
                    w(f'<li><span class="missing-picture">{_W["missing_picture"]}{alt}'
                      "</span></li>")  # fmt: skip
            w("</ul>")
