"""Pelican settings for writing: `make build` and `invoke serve` use this file.

Roost's own settings (ROOST_*) are listed with their defaults in docs/settings.md.
"""

AUTHOR = "Camille Durand"
SITENAME = "Field Notes"
SITESUBTITLE = "Essays on birds, code and the small web, by Camille Durand"
# Absolute, so feeds, canonical and Open Graph URLs are whole; pages link relatively so the
# built site also works from any local server. publishconf.py sets the real address.
SITEURL = "http://localhost:8000"
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
OUTPUT_PATH = "output"

TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# A post dated in the future stays a draft until its day comes; Roost never posts drafts.
WITH_FUTURE_DATES = False

ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
# A post written in another language (or a translation) lives under its language code.
ARTICLE_LANG_URL = "{date:%Y}/{slug}/{lang}/"
ARTICLE_LANG_SAVE_AS = "{date:%Y}/{slug}/{lang}/index.html"
PAGE_LANG_URL = "{slug}/{lang}/"
PAGE_LANG_SAVE_AS = "{slug}/{lang}/index.html"
DRAFT_LANG_URL = "drafts/{slug}/{lang}/"
DRAFT_LANG_SAVE_AS = "drafts/{slug}/{lang}/index.html"
DEFAULT_PAGINATION = 10
# 404.html: what the host serves for an address that is not there (theme/templates/404.html).
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "404"]
SUMMARY_MAX_LENGTH = 60

FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
# Whole posts in RSS too (Pelican's default is the summary alone); Atom always has both.
RSS_FEED_SUMMARY_ONLY = False
# Roost also writes a JSON Feed (ROOST_JSON_FEED, "feeds/all.json" unless set); the WebSub hub
# is set in publishconf.py, since only the published feeds are ever fetched by a hub.
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

THEME = "theme"
AUTHOR_PHOTO = "images/camille.png"
AUTHOR_BIO = "Ornithologist turned programmer. Writes about birds, software and owning your words."
SOCIAL = (
    ("Mastodon", "https://mastodon.example/@camille"),
    ("Bluesky", "https://bsky.example/profile/camille.example"),
)
DISPLAY_PAGES_ON_MENU = True

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["roost"]

# Your engagement report, made by every `make build` (docs/stats.md): open
# stats-report/index.html. Outside output/, so it is never deployed; publishconf.py turns it off.
ROOST_STATS_REPORT = "stats-report"
