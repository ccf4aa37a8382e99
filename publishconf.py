"""Pelican settings for publishing: `invoke publish` and CI build with this file."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

# The address readers use. CI can override it without editing this file.
SITEURL = os.environ.get("ROOST_SITEURL", "https://camille.example")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Drafts, and posts dated in the future (drafts until their day), are never published: only
# `make serve` shows them, from pelicanconf.py.
DRAFT_SAVE_AS = DRAFT_URL = DRAFT_LANG_SAVE_AS = DRAFT_LANG_URL = ""
DRAFT_PAGE_SAVE_AS = DRAFT_PAGE_URL = DRAFT_PAGE_LANG_SAVE_AS = DRAFT_PAGE_LANG_URL = ""

# The engagement report names people: it is for your machine, so the published build skips it.
# A public page of counts only, naming nobody, is yours to turn on (docs/stats.md):
ROOST_STATS_REPORT = None
# ROOST_STATS_PAGE = "engagement"

# Where `roost syndicate` posts (docs/syndication.md). Tokens come from the environment only.
# ROOST_NETWORKS = {"mastodon": {"instance": "https://mastodon.social"}}
# ROOST_SYNDICATE_SINCE = "2026-11-22"

# A WebSub hub named in every feed and told of each deploy by `roost websub` (docs/feeds.md).
# ROOST_WEBSUB_HUB = "https://websubhub.com/hub"
# CI keeps cache/ between runs (.github/workflows/publish.yml, keyed on the settings, theme, code
# and locked versions) and sets ROOST_CONTENT_CACHE: there Pelican reads a Markdown file again
# only when its bytes change (hashes, not times: a checkout gives every file a new time). Not on
# by default: Pelican's cache does not notice a changed setting (MARKDOWN, say), CI's key does.
# Roost's own cache (ROOST_CACHE, on) keys every input itself, settings included.
if os.environ.get("ROOST_CONTENT_CACHE"):
    CACHE_CONTENT = LOAD_CONTENT_CACHE = True
    CHECK_MODIFIED_METHOD = "sha256"
