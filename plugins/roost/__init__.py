"""Roost: a Pelican plugin that shows, under each post, where else it lives and what people said.

``register()`` only wires Pelican signals to the receivers in ``site/``: ``build.py`` (records
under each post), ``feeds.py`` (Atom and RSS fixed up) and ``json_feed.py`` (the JSON Feed).
The network side (syndicating posts, bringing interactions home, telling a WebSub hub) lives in
the ``roost`` command (``commands/``), never in the build.
"""

from pelican import signals

from .site import build, calendar, events, feeds, json_feed, stats_pages


def register():
    signals.initialized.connect(build.initialized)
    signals.generator_init.connect(build.generator_init)
    signals.content_object_init.connect(build.content_object_init)
    signals.article_generator_finalized.connect(build.article_generator_finalized)
    signals.page_generator_finalized.connect(build.page_generator_finalized)
    signals.content_written.connect(build.content_written)
    signals.finalized.connect(build.finalized)
    # Event posts (site/events.py): their when and where in the feeds, and a calendar file each.
    signals.feed_generated.connect(events.feed_generated)
    signals.article_writer_finalized.connect(calendar.write_calendars)
    signals.feed_generated.connect(feeds.feed_generated)
    signals.article_writer_finalized.connect(json_feed.article_writer_finalized)
    # Engagement (site/stats_pages.py): the local report and the public page, when turned on.
    signals.article_writer_finalized.connect(stats_pages.article_writer_finalized)
