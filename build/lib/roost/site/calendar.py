"""A calendar file (iCalendar, RFC 5545) for each event post, so a reader can add the meetup to
their calendar in one click.

One VEVENT per file, written by hand: the format is small and a dependency for thirty lines would
be a poor trade (the tests read the files back with the ``icalendar`` library). Choices, each
for a reason:

* Times are written in UTC (``DTSTART:20261205T173000Z``). A local time would need its zone's
  rules inlined as a VTIMEZONE (RFC 5545 3.6.5); UTC is exact and every calendar shows it in the
  reader's own zone.
* ``UID`` is the post's address (stable, and unique to the post); ``DTSTAMP`` is the post's
  modified or published time, not the build's, so an unchanged post gives the same bytes.
* Text values are escaped (backslash, ``;``, ``,``, newlines) and lines folded at 75 octets,
  never inside a UTF-8 character; lines end with CRLF.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from .events import Event

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """An RFC 5545 TEXT value (3.3.11)."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (3.1)."""
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            parts.append(current)
            current, size = " ", 1
        current += ch
        size += n
    parts.append(current)
    return "\r\n".join(parts)


def _plain(html) -> str:
    """The text of a title or summary (Pelican gives them as HTML)."""
    return Markup(str(html or "")).striptags()  # noqa: S704 (read as HTML to strip its tags)


def calendar(event: Event, *, title: str, url: str, summary: str, stamp: datetime) -> bytes:
    """The calendar file of one event post; ``url`` is the post's address."""
    details = "\n\n".join(x for x in (summary, event.url and f"Details: {event.url}", url) if x)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Roost//Roost event posts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{url}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.start)}",
        *([f"DTEND:{_utc(event.end)}"] if event.end else []),
        f"SUMMARY:{_text(title)}",
        *([f"LOCATION:{_text(event.location)}"] if event.location else []),
        f"URL:{url}",
        f"DESCRIPTION:{_text(details)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def write_calendars(generator, writer) -> None:
    """Pelican's ``article_writer_finalized``: write each event post's calendar file beside its
    page (drafts too, when the site writes drafts; never for a page that is not written)."""
    settings = generator.settings
    base = str(settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")
    output = Path(writer.output_path)
    names = ("articles", "translations", "drafts", "drafts_translations",
             "hidden_articles", "hidden_translations")  # fmt: skip
    for article in (a for name in names for a in getattr(generator, name, [])):
        event: Event | None = getattr(article, "roost_event", None)
        if event is None or not event.ics_save_as:
            continue
        stamp = getattr(article, "modified", None) or article.date
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=event.start.tzinfo)
        data = calendar(
            event,
            title=_plain(article.title),
            url=f"{base}/{article.url}",
            summary=_plain(getattr(article, "summary", "")),
            stamp=stamp,
        )
        target = output / event.ics_save_as
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_file() or target.read_bytes() != data:
                target.write_bytes(data)
        except OSError as e:
            log.error("roost: cannot write %s: %s", target, e.strerror or e)
