"""The audience as a feed reader's subscription list: OPML 2.0 (opml.org/spec2, as kurtmckee's
listparser keeps it; shared/docs/formats.md section 7), one ``<outline type="rss">`` per feed a
person's website advertises.

The feeds come from the command (``commands/feeds.py``), which discovered them through the
guarded fetch: this module only writes. Each outline has the required ``type``, ``text`` (the
person's name) and ``xmlUrl``, and ``htmlUrl`` (their site) and ``title`` (the feed's own title,
when the site names it). OPML knows no JSON Feed ``type``: every feed is ``rss``, as feed
readers expect of OPML files whatever the feed's format.

Names and titles come from strangers: ElementTree escapes what XML needs escaped, and the
characters XML 1.0 cannot hold at all (most control characters) are dropped before.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .exports import display_name, safe_url, websites

#: What XML 1.0 cannot hold, even escaped (its Char production).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value: str) -> str:
    return _NOT_XML.sub("", value or "")


def to_opml(people: list, feeds: dict, title: str = "") -> str:
    """``feeds``: website -> its feeds (objects with ``url``, ``title``), first the one to
    follow. One outline per website with a feed; a site with none is not listed."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = clean(title) or "Feeds of my readers"
    body = ET.SubElement(root, "body")
    for someone in people:
        name = clean(display_name(someone))
        for site in websites(someone):
            found = [f for f in feeds.get(site, []) if safe_url(f.url)]
            if not found:
                continue
            feed = found[0]  # a site's first feed is its main one; the others are comments...
            ET.SubElement(
                body,
                "outline",
                type="rss",
                text=name,
                title=clean(feed.title) or name,
                xmlUrl=feed.url,
                htmlUrl=site,
            )
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
