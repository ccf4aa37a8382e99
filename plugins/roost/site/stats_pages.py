"""Engagement at build time: the author's local report and, if turned on, the public page.

Both are off by default and then cost one look at two settings (nothing is imported, nothing
read). When ``ROOST_STATS_REPORT`` or ``ROOST_STATS_PAGE`` is set, the records are counted once
(audience/stats.py: moderation applied, the author's own accounts left out) over the posts and
pages this build publishes, and:

* ``ROOST_STATS_REPORT``: ``<folder>/index.html``, the author's report with the most engaged
  people, written outside the output folder (refused inside it: what is there is deployed);
* ``ROOST_STATS_PAGE``: ``output/<path>/index.html``, rendered through the theme's
  ``base.html`` from ``roost/stats_page.html`` (a theme's own copy wins), with counts only.

Pure like the rest of the build: the records are local, nothing is fetched, no secret is read.
Runs on Pelican's ``article_writer_finalized`` signal, when every post and page is known and
the writer is at hand.
"""

from __future__ import annotations

import logging
from pathlib import Path

from markupsafe import Markup
from pelican.utils import get_relative_path, path_to_url

log = logging.getLogger(__name__)

TEMPLATE = "roost/stats_page"
#: How many of the most engaged people the local report lists.
REPORT_PEOPLE = 20


def article_writer_finalized(generator, writer=None) -> None:
    settings = generator.settings
    if not (settings.get("ROOST_STATS_REPORT") or settings.get("ROOST_STATS_PAGE")):
        return  # off: nothing imported, nothing read
    from ..audience.stats import compute
    from .build import _state_for, records_path

    values = _state_for(settings).values  # validated: a bad value fell back to None
    report = values["ROOST_STATS_REPORT"]
    page = values["ROOST_STATS_PAGE"]
    if not (report or page):
        return
    report_folder = records_path(settings, report) if report else None
    output = Path(generator.output_path).resolve()
    if report_folder and (report_folder == output or output in report_folder.parents):
        log.error(
            "roost: setting ROOST_STATS_REPORT = %r is inside the output folder, which is "
            "deployed; the report names people, so it is not written (choose a folder outside)",
            report,
        )
        report_folder = None
    published = _published(generator)
    store = _state_for(settings).store
    stats = compute(store, values["ROOST_STATS_PERIOD"], titles=published, only=set(published))
    for problem in stats.problems:
        log.error("roost: %s", problem)
    if report_folder:
        _write_report(report_folder, stats, store.root, settings)
    if page and writer is not None:
        _write_page(generator, writer, page, stats)


def _published(generator) -> dict[str, tuple[str, str | None, str | None]]:
    """post key -> (title, date, url) of every published post and page and their translations."""
    from ..model import RecordError, post_key

    found = {}
    pages = generator.context.get("pages", [])
    for item in [*generator.articles, *pages]:
        for content, translation in [(item, False), *((t, True) for t in item.translations)]:
            try:
                key = post_key(content.slug, content.lang if translation else None)
            except RecordError:
                continue  # build.py names it
            date = getattr(content, "date", None)
            title = Markup(content.title).striptags()  # noqa: S704 (text only, escaped later)
            found[key] = (title, date.isoformat() if date else None, content.url)
    return found


def _write_report(folder: Path, stats, records: Path, settings: dict) -> None:
    from ..audience.report import write_report
    from ..audience.stats import most_engaged

    people, problems = most_engaged(records, REPORT_PEOPLE)
    for problem in problems:
        log.error("roost: %s", problem)
    try:
        path = write_report(folder, stats, people, settings.get("SITENAME", ""))
    except OSError as e:
        log.error("roost: cannot write the stats report in %s: %s", folder, e.strerror or e)
        return
    log.info("roost: engagement report written to %s (never deployed)", path)


def _write_page(generator, writer, path: str, stats) -> None:
    from ..audience.report import sections

    settings = generator.settings
    save_as = f"{path.strip('/')}/index.html"
    relative = settings.get("RELATIVE_URLS")
    siteurl = path_to_url(get_relative_path(save_as)) if relative else settings.get("SITEURL", "")

    def link(post) -> Markup | None:
        if not post.url:
            return None
        return Markup('<a href="{}/{}">{}</a>').format(siteurl, post.url, post.title)

    try:
        template = generator.get_template(TEMPLATE)
    except Exception as e:  # Pelican raises its own error for a theme without base.html
        log.error("roost: cannot render the stats page (ROOST_STATS_PAGE): %s", e)
        return
    writer.write_file(
        save_as,
        template,
        generator.context,
        relative_urls=relative,
        url=f"{path.strip('/')}/",
        roost_stats_sections=sections(stats, people=None, link=link),
    )
