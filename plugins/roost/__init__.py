"""Roost: a Pelican plugin that shows, under each post, where else it lives and what people said.

``register()`` only wires Pelican signals to the receivers in ``build.py``. The network side
(syndicating posts, bringing interactions home) lives in the ``roost`` command (``cli.py``),
never in the build.
"""

from pelican import signals

from .site import build


def register():
    signals.initialized.connect(build.initialized)
    signals.article_generator_finalized.connect(build.article_generator_finalized)
    signals.page_generator_finalized.connect(build.page_generator_finalized)
    signals.content_written.connect(build.content_written)
    signals.finalized.connect(build.finalized)
