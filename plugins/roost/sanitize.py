"""One allowlist for all archived HTML, applied when an interaction is stored and again when
rendered.

Everything a network returns is hostile until this module says otherwise. The allowlist is what
replies on Mastodon, Bluesky (after facets become links) and Webmention h-entries actually use:
paragraphs, line breaks, links, emphasis, code, quotes and lists. There are no images (archived
pictures are mirrored separately and rendered from the local copy, so a reply can never make the
reader's browser fetch from a network), no styles, no forms, no frames, no SVG or MathML, and
links keep only http, https and mailto targets with ``rel="nofollow ugc noopener noreferrer"``.

The parser is nh3 (Python bindings to the Rust crate ammonia, which parses with html5ever, the
same HTML5 tree builder algorithm browsers use), so what the allowlist sees is what a browser
would build.
"""

from __future__ import annotations

import re
import unicodedata

import nh3

TAGS = {
    "p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "code", "pre", "blockquote", "ul", "ol", "li", "sub", "sup",
}  # fmt: skip

_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "svg",
        "math",
        "textarea",
        "title",
        "xmp",
        "noembed",
        "noframes",
    },
    attributes={"a": {"href", "title"}, "span": set(), "ol": {"start"}},
    # Mastodon marks up URLs and mentions with these; anything else is dropped.
    allowed_classes={
        "a": {"mention", "hashtag", "u-url", "status-link"},
        "span": {"h-card", "invisible", "ellipsis"},
    },
    url_schemes={"http", "https", "mailto"},
    # A relative link in a reply points at the network's site, not ours: drop it.
    url_relative="deny",
    link_rel="nofollow ugc noopener noreferrer",
    strip_comments=True,
)

# C0/C1 controls (bar tab and newline) and bidi overrides can disguise a name or a link.
_UNSAFE_CHARS = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_html(html: str | None) -> str:
    """Sanitise an HTML fragment for storage or display. Idempotent."""
    if not html:
        return ""
    # Again after parsing: "&#30;" or "&#x202e;" is a control once parsed, and the serialiser
    # writes it as the character (a forged word marker, a reversed link text).
    return _UNSAFE_CHARS.sub("", _CLEANER.clean(_UNSAFE_CHARS.sub("", html))).strip()


def clean_text(text: str | None, limit: int = 200) -> str:
    """A plain-text field (a display name, a handle): no controls, normalised, bounded.

    The result is still text, to be escaped on output; it is never marked safe.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", _UNSAFE_CHARS.sub("", str(text)))
    text = " ".join(text.split())
    return text[:limit]


# An absolute http(s) URL with a host, and nothing in it that could hide or break out.
_SAFE_URL = re.compile(
    r"https?://[^/\s?#\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]+"
    r"[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]*",
    re.IGNORECASE,
)


def safe_url(url: str | None) -> str | None:
    """An absolute http(s) URL without whitespace or controls, or None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    return url if _SAFE_URL.fullmatch(url) else None


_INLINE = nh3.Cleaner(
    tags={"em", "strong", "code", "i", "b", "sub", "sup", "s", "small", "mark", "q", "abbr"},
    attributes={"abbr": {"title"}},
    clean_content_tags={"script", "style", "template", "title", "textarea"},
    strip_comments=True,
)


def inline_html(text: str | None) -> str:
    """The author's own title or label as inline HTML: ``<em>`` and the like are kept, a stray
    ``<`` or ``&`` is escaped, anything else (a link, a block, a script) is dropped. Pelican
    leaves a title as written, so ``Title: Fish & "Chips" <3`` would otherwise break the page."""
    if not text:
        return ""
    return _INLINE.clean(_UNSAFE_CHARS.sub("", str(text))).strip()
