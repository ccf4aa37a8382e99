"""The interface's own words ("Responses", "12 likes", "Reply on Mastodon") in the page's language.

A French post must not show English headings over French comments, and a screen reader must
not read English words with a French voice. Roost speaks English and French; a page in any other
language gets the English words with ``lang="en"`` on the elements that hold them (``mark``), so
they are at least pronounced right.

Two ways in:

* Theme templates call ``roost_words(lang)`` (a Jinja global the plugin adds) and read words as
  attributes: ``{% set w = roost_words(article.lang) %}{{ w.tags }}``, or
  ``{{ w.count('reply', 3) }}``.
* The responses fragment is rendered once per post, before Pelican knows the page's language, so
  its template writes markers (``word('responses')``, ``count('like', 12)``) that
  :func:`fill` replaces per page. Markers are delimited by a control character that never
  survives the sanitiser, so no archived text can forge one.

Plural rules follow CLDR: English is singular for 1 only, French for 0 and 1.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# key: (English, French). Counted words are (singular, plural) pairs.
_WORDS: dict[str, tuple[str, str]] = {
    "skip": ("Skip to content", "Aller au contenu"),
    "site_nav": ("Site", "Site"),
    "archives": ("Archives", "Archives"),
    "feed": ("Feed", "Flux"),
    "updated": ("updated", "mis à jour"),
    "in": ("in", "dans"),
    "tags": ("Tags", "Mots-clés"),
    "also_in": ("Also in", "Aussi en"),
    "responses": ("Responses", "Réactions"),
    "also_on": ("Also on", "Aussi sur"),
    "quoted_by": ("Quoted by", "Cité par"),
    "mentioned_by": ("Mentioned by", "Mentionné par"),
    "replies": ("Replies", "Réponses"),
    "quotes": ("Quotes", "Citations"),
    "mentions": ("Mentions", "Mentions"),
    "join": ("Join the conversation:", "Rejoindre la conversation :"),
    "archived_from": ("Archived from", "Archivé depuis"),
    "archived_why": (
        "What was said there is kept here; this site no longer follows it, so new replies "
        "there would not reach this page.",
        "Ce qui s’y est dit est conservé ici ; ce site ne le suit plus, et une nouvelle réponse "
        "là-bas n’arriverait pas sur cette page.",
    ),
    "quoted_this": ("quoted this", "a cité ce billet"),
    "mentioned_this": ("mentioned this", "a mentionné ce billet"),
    "on": ("on", "sur"),
    "in_reply_to": ("in reply to", "en réponse à"),
    "author": ("author", "auteur"),
    "missing_picture": ("A picture that could not be kept", "Une image qui n’a pas pu être gardée"),
    "reply_own_site": ("Reply from your own site", "Répondre depuis votre site"),
    "reply_form_help": (
        "Wrote a reply on your own site? Send its address and it will appear here once checked.",
        "Vous avez répondu sur votre propre site ? Envoyez son adresse : la réponse apparaîtra "
        "ici une fois vérifiée.",
    ),
    "your_reply_url": ("Address of your reply", "Adresse de votre réponse"),
    "send": ("Send", "Envoyer"),
    "newer": ("Newer", "Plus récents"),
    "older": ("Older", "Plus anciens"),
    "page_of": ("Page {n} of {total}", "Page {n} sur {total}"),
    "nothing_yet": ("Nothing here yet.", "Rien ici pour l’instant."),
    "not_found": ("Page not found", "Page introuvable"),
    "not_found_text": (
        "There is nothing at this address. It may have moved: try the archives or the home page.",
        "Il n’y a rien à cette adresse. La page a peut-être changé de place : essayez les "
        "archives ou la page d’accueil.",
    ),
    "home": ("Home page", "Page d’accueil"),
    "event": ("Event", "Événement"),
    "when": ("When", "Quand"),
    "where": ("Where", "Où"),
    "details": ("Details", "Détails"),
    "add_to_calendar": ("Add to your calendar (.ics)", "Ajouter à votre agenda (.ics)"),
    "colophon": (
        "Written in plain files, built with Pelican and Roost. Replies from other networks are "
        "archived here so that they outlive those networks.",
        "Écrit dans de simples fichiers, construit avec Pelican et Roost. Les réponses venues "
        "d’autres réseaux sont archivées ici pour survivre à ces réseaux.",
    ),
}

#: The link to a copy elsewhere, by the registry's ``reply`` key (registry.py).
_REPLY: dict[str, tuple[str, str]] = {
    "reply_on": ("Reply on {network}", "Répondre sur {network}"),
    "comment_on": ("Comment on {network}", "Commenter sur {network}"),
    "discuss_on": ("Discuss on {network}", "En discuter sur {network}"),
    "reply_own_site": ("Reply from your own site", "Répondre depuis votre site"),
}

_COUNTED: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "reply": (("reply", "replies"), ("réponse", "réponses")),
    "quote": (("quote", "quotes"), ("citation", "citations")),
    "mention": (("mention", "mentions"), ("mention", "mentions")),
    "repost": (("repost", "reposts"), ("partage", "partages")),
    "like": (("like", "likes"), ("j’aime", "j’aime")),
    "bookmark": (("bookmark", "bookmarks"), ("favori", "favoris")),
    "rsvp": (("RSVP", "RSVPs"), ("réponse à l’invitation", "réponses à l’invitation")),
    "more": (("more", "more"), ("de plus", "de plus")),
}

_RSVP: dict[str, tuple[str, str]] = {
    "yes": ("Going", "Participe"),
    "maybe": ("Maybe", "Peut-être"),
    "no": ("Not going", "Ne participe pas"),
    "interested": ("Interested", "Intéressé·e"),
}

# Day and month names (CLDR's "wide" and "abbreviated"), not strftime's: those follow whatever
# locale the build machine, or Pelican's LOCALE setting, happens to have.
_DAYS = (
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
)
_MONTHS = (
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"),
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"),
)  # fmt: skip
_MONTHS_SHORT = (
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
     "déc."),
)  # fmt: skip

LANGUAGES = ("en", "fr")


def _index(lang: str | None) -> int | None:
    """0 for English, 1 for French, None for a language Roost does not speak."""
    base = (lang or "en").split("-")[0].split("_")[0].lower()
    return LANGUAGES.index(base) if base in LANGUAGES else None


class Words:
    """The words for one language; attributes are Markup, safe in text and attributes."""

    def __init__(self, lang: str | None):
        found = _index(lang)
        self._i = 0 if found is None else found
        #: ``lang="en"`` for elements holding interface words when the page is in a language
        #: Roost does not speak; empty otherwise.
        self.mark = Markup("") if found is not None else Markup(' lang="en"')

    def __getattr__(self, key: str) -> Markup:
        try:
            return escape(_WORDS[key][self._i])
        except KeyError:
            raise AttributeError(key) from None

    def count(self, kind: str, n: int) -> Markup:
        """``12 likes``, ``1 réponse``, ``0 réponse``."""
        n = int(n)
        one, many = _COUNTED[kind][self._i]
        singular = n <= 1 if self._i == 1 else n == 1
        return escape(f"{n} {one if singular else many}")

    def rsvp(self, answer: str, n: int) -> Markup:
        """ "Going (3)", "Participe (3)"."""
        return escape(f"{_RSVP[answer][self._i]} ({int(n)})")

    def long_date(self, t) -> str:
        """ "Saturday 5 December 2026, 18:30", "samedi 5 décembre 2026, 18:30"."""
        i = self._i
        return f"{_DAYS[i][t.weekday()]} {t.day} {_MONTHS[i][t.month - 1]} {t.year}, {t:%H:%M}"

    def date(self, t) -> str:
        """ "5 December 2026", "5 décembre 2026"."""
        return f"{t.day} {_MONTHS[self._i][t.month - 1]} {t.year}"

    def month_short(self, month: int) -> Markup:
        return escape(_MONTHS_SHORT[self._i][int(month) - 1])

    def page_of(self, n: int, total: int) -> Markup:
        return escape(_WORDS["page_of"][self._i].format(n=int(n), total=int(total)))

    def reply_label(self, key: str, network: str) -> Markup:
        """ "Reply on Mastodon", "Répondre sur Mastodon": the registry's ``reply`` key."""
        return escape(_REPLY[key][self._i].format(network=network))


_CACHE: dict[str | None, Words] = {}


def words(lang: str | None) -> Words:
    if lang not in _CACHE:
        _CACHE[lang] = Words(lang)
    return _CACHE[lang]


# ------------------------------------------------------------------ markers for the fragment

_SEP = "\x1e"
_MARKER = re.compile(_SEP + r"w:([a-z_]+)(?::([^\x1e]*))?" + _SEP)


def marker(key: str, *args: object) -> Markup:
    """A stand-in for a word, filled in per page by :func:`fill`. Arguments must not hold the
    separator (they are numbers and registry names)."""
    extra = ":" + "|".join(str(a) for a in args) if args else ""
    return Markup(f"{_SEP}w:{key}{extra}{_SEP}")  # noqa: S704 (our key and our numbers)


def count_marker(kind: str, n: int) -> Markup:
    return marker("count", kind, int(n))


def fill(
    fragment: str,
    lang: str | None,
    stand_ins: dict[str, str] | None = None,
    keep: frozenset[str] = frozenset(),
) -> str:
    """Replace every word marker in ``fragment`` with the words of ``lang``, and each of the
    page's own stand-ins (``\x1e<name>\x1e``, named without the separators in ``stand_ins``)
    with its value, in the same pass. Stand-ins named in ``keep`` are left for later."""
    if _SEP not in fragment:
        return fragment
    # Markup's split makes a Markup of every piece, in Python: a list-page summary is Markup.
    fragment = str(fragment)
    done = _FILLED.setdefault(lang, {})  # a page has hundreds of markers, a site a few kinds
    page = stand_ins or {}
    # Splitting on the separator (C speed) and looking each marker up beats a regex with a
    # Python callback per marker, and one pass over the page beats one per stand-in: a
    # 2,000-post build fills 340,000 of them in 74 MB of pages. Odd pieces lie between
    # separators: markers, the page's stand-ins, or (unknown) left as they were.
    parts = fragment.split(_SEP)
    odd = parts[1::2]
    for body in odd:
        if body not in done and body not in page:
            # (A stand-in to keep is not a marker: it is written back as it was, below.)
            m = _BODY.fullmatch(body)
            done[body] = _word(words(lang), m.group(1), m.group(2)) if m else _SEP + body + _SEP
    parts[1::2] = [page[body] if body in page else done[body] for body in odd]
    filled = "".join(parts)
    kept = sum(1 for body in odd if body in keep) if keep else 0
    if len(parts) % 2 == 0 or filled.count(_SEP) != 2 * kept:
        # A separator Roost did not write (the sanitiser drops control characters, so never
        # from a stranger) put the pieces out of step: go marker by marker instead. Two such
        # leave an odd number of pieces, and a marker or a stand-in unfilled between them.
        for name, value in page.items():
            fragment = fragment.replace(_SEP + name + _SEP, value)
        return _MARKER.sub(lambda m: done.get(m.group(0)[1:-1]) or fill(m.group(0), lang), fragment)
    return filled


_BODY = re.compile(r"w:([a-z_]+)(?::([^\x1e]*))?")


#: Each marker's words, per language, for the build (markers hold only our keys and numbers).
_FILLED: dict[str | None, dict[str, str]] = {}


def _word(w: Words, key: str, arg: str | None) -> str:
    args = (arg or "").split("|")
    if key == "count":
        return w.count(args[0], int(args[1]))
    if key == "rsvp":
        return w.rsvp(args[0], int(args[1]))
    if key == "reply_label":
        return w.reply_label(args[0], args[1])
    if key == "mark":
        return w.mark
    if key == "month":
        return w.month_short(int(args[0]))
    # A theme's own responses.html asking for a word Roost does not have shows the key as is.
    return getattr(w, key, None) or escape(key.replace("_", " "))
