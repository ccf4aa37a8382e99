"""Events: a post whose front matter says when and where (a meetup) is also an event.

    Event_start: 2026-12-05 18:30              a time is required; the site's TIMEZONE applies
    Event_end: 2026-12-05 21:00 Europe/Paris   optional; an offset (+01:00, Z) or a zone name
    Event_location: Le Lieu Unique, Nantes     optional, plain text
    Event_url: https://example.org/meetup      optional, http(s): tickets, the venue's page

The build reads these once per post (``attach``), after Pelican has read the Markdown. A value
that cannot be read, or an end before the start, is one line naming the file and the key, and the
post is built without its event (never with half of one). The page shows the event through
``roost/event.html`` (``article.roost_event``, an :class:`Event`); the Atom and RSS entries get its
when and where at the top of their content (``feed_generated``); each event post gets a calendar
file beside its page (``calendar.py``), and ``event_for(article)`` gives the event as plain data
for any other feed (JSON Feed) to carry.

Times are kept in the zone they were written in (or TIMEZONE), so "18:30" reads as the author
wrote it, with the zone's abbreviation; the markup carries the offset, so no reader guesses.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape

from ..sanitize import clean_text, safe_url
from .words import words

log = logging.getLogger(__name__)

#: The front-matter keys, as Pelican hands them over (lowercased), and as authors write them.
KEYS = {"event_start": "Event_start", "event_end": "Event_end",
        "event_location": "Event_location", "event_url": "Event_url"}  # fmt: skip
_WITH_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d?:\d\d")
_ONE_DIGIT_HOUR = re.compile(r"T(\d:)")  # "9:05": fromisoformat wants "09:05"
_ZONE_NAME = re.compile(r"(.*\d)\s+([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)")
EXAMPLE = "e.g. 2026-12-05 18:30, 2026-12-05 18:30+01:00 or 2026-12-05 18:30 Europe/Paris"


class EventError(ValueError):
    """One front-matter value that cannot be an event's: names the key as the author wrote it."""


@dataclass(frozen=True)
class Event:
    """One post's event. Every field a template prints is escaped here (the theme's Jinja does
    not autoescape), and the address is http(s) or None."""

    start: datetime
    end: datetime | None
    location: str  # plain text, as written
    url: str | None  # the event's own page, if any
    ics_url: str | None = None  # the calendar file, relative to SITEURL; None when not written
    ics_save_as: str | None = None

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def end_iso(self) -> str:
        return self.end.isoformat() if self.end else ""

    @property
    def start_text(self) -> Markup:
        return self.start_in("en")

    @property
    def end_text(self) -> Markup:
        return self.end_in("en")

    def start_in(self, lang: str | None) -> Markup:
        """The start in ``lang``'s day and month names: "samedi 5 décembre 2026, 18:30"."""
        text = words(lang).long_date(self.start)
        return escape(text + ("" if self.end else " " + _zone(self.start)))

    def end_in(self, lang: str | None) -> Markup:
        """The end, without its date when it is the start's day: "21:00 CET"."""
        if not self.end:
            return Markup("")
        same_day = self.end.date() == self.start.date()
        text = f"{self.end:%H:%M}" if same_day else words(lang).long_date(self.end)
        return escape(text) + " " + _zone(self.end)

    @property
    def where(self) -> Markup:
        return escape(self.location)

    @property
    def link(self) -> Markup:
        return escape(self.url or "")

    @property
    def when_text(self) -> Markup:
        return self.start_text + (Markup(" – ") + self.end_text if self.end else "")


def _zone(t: datetime) -> str:
    return t.tzname() or t.strftime("%z")


def parse_when(value: object, key: str, default_zone: tzinfo) -> datetime:
    """A date and time with a zone: an offset or a zone name in the value, else the site's."""
    text = " ".join(str(value).split())
    wrong = EventError(f"{KEYS[key]}: {str(value)[:80]!r} is not a date and time ({EXAMPLE})")
    zone, named = default_zone, _ZONE_NAME.fullmatch(text)
    if named:
        try:
            zone = ZoneInfo(named.group(2))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe", a folder
            raise EventError(
                f"{KEYS[key]}: {named.group(2)[:40]!r} is not a time zone (e.g. Europe/Paris)"
            ) from None
        text = named.group(1)
    if not _WITH_TIME.match(text):
        raise wrong
    try:
        when = datetime.fromisoformat(_ONE_DIGIT_HOUR.sub(r"T0\1", text.replace(" ", "T", 1)))
    except ValueError:
        raise wrong from None
    if when.tzinfo is not None and named:
        raise EventError(f"{KEYS[key]}: {str(value)[:80]!r} gives both an offset and a zone")
    # fold=0: a time that a clock change makes happen twice is taken the first time.
    when = when if when.tzinfo else when.replace(tzinfo=zone)
    try:
        when.astimezone(UTC)  # the calendar file's form: year 1 or 9999 may not have one
    except OverflowError:
        raise wrong from None
    return when


def read_event(metadata: dict, default_zone: tzinfo) -> Event | None:
    """The event a post's metadata describes, None if it describes none; ``EventError`` for the
    first value that is wrong."""
    given = {k: metadata[k] for k in KEYS if str(metadata.get(k, "")).strip()}
    if not given:
        return None
    if "event_start" not in given:
        raise EventError(f"Event_start is missing (the event's other keys need it; {EXAMPLE})")
    start = parse_when(given["event_start"], "event_start", default_zone)
    end = None
    if "event_end" in given:
        end = parse_when(given["event_end"], "event_end", default_zone)
        if end < start:
            raise EventError(f"Event_end {str(given['event_end'])!r} is before Event_start")
    url = None
    if "event_url" in given:
        url = safe_url(str(given["event_url"]).strip())
        if not url:
            raise EventError(f"Event_url {str(given['event_url'])[:80]!r} is not an http(s) URL")
    location = clean_text(" ".join(str(given.get("event_location", "")).split()), 300)
    return Event(start=start, end=end, location=location, url=url)


def _calendar_path(article) -> tuple[str | None, str | None]:
    """Where the calendar file goes and its address: beside the page ("2026/meetup/event.ics"
    for "2026/meetup/index.html", "meetup.ics" for "meetup.html"); none for a page not written."""
    save_as, url = getattr(article, "save_as", ""), getattr(article, "url", "")
    if not save_as:
        return None, None
    if posixpath.basename(save_as) == "index.html":
        save_as = posixpath.join(posixpath.dirname(save_as), "event.ics")
    else:
        save_as = posixpath.splitext(save_as)[0] + ".ics"
    url = url + "event.ics" if not url or url.endswith("/") else posixpath.splitext(url)[0] + ".ics"
    return save_as, url


def attach(article, default_zone: tzinfo) -> None:
    """Set ``article.roost_event``; a value that is wrong is one line, and no event."""
    article.roost_event = None
    unknown = sorted(k for k in article.metadata if k.startswith("event_") and k not in KEYS)
    for key in unknown:
        log.warning("roost: %s: %s is not an event key (%s); it is ignored",
                    _where(article), key.capitalize(), ", ".join(KEYS.values()))  # fmt: skip
    try:
        event = read_event(article.metadata, default_zone)
    except EventError as e:
        log.error("roost: %s: %s; the post is built without its event", _where(article), e)
        return
    if event is not None:
        ics_save_as, ics_url = _calendar_path(article)
        article.roost_event = Event(event.start, event.end, event.location, event.url,
                                    ics_url, ics_save_as)  # fmt: skip


def _where(article) -> str:
    path = str(getattr(article, "source_path", "") or article.relative_source_path)
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


def site_zone(settings: dict) -> tzinfo:
    try:
        return ZoneInfo(settings.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # Pelican itself complains about a wrong TIMEZONE


def event_for(article) -> dict | None:
    """The post's event as plain data (for JSON Feed's ``_event`` extension, or any other
    consumer): times in ISO 8601 with their offset, or None when the post is no event."""
    event = getattr(article, "roost_event", None)
    if event is None:
        return None
    return {
        "start": event.start_iso,
        "end": event.end_iso or None,
        "location": event.location or None,
        "url": event.url,
        "calendar": event.ics_url,
    }


def feed_html(event: Event, siteurl: str) -> str:
    """The when and where, as a feed entry shows them above the post."""
    lines = [Markup("<strong>When:</strong> ") + event.when_text]
    if event.location:
        lines.append(Markup("<strong>Where:</strong> ") + event.where)
    if event.url:
        lines.append(Markup('<strong>Details:</strong> <a href="{0}">{0}</a>').format(event.url))
    if event.ics_url:
        ics = urljoin(siteurl.rstrip("/") + "/", event.ics_url)
        lines.append(Markup('<a href="{}">Add to your calendar (.ics)</a>').format(ics))
    return str(Markup('<p class="event">') + Markup("<br>").join(lines) + Markup("</p>"))


def feed_generated(context, feed) -> None:
    """Put each event's when and where at the top of its Atom or RSS entry. Entries are matched
    to posts by the link Pelican's writer gives them (SITEURL joined with the post's url)."""
    site = str(context.get("SITEURL", ""))
    events = {}
    for article in context.get("articles", []):
        for item in (article, *getattr(article, "translations", [])):
            event = getattr(item, "roost_event", None)
            if event is not None:
                for link in (posixpath.join(site, item.url), urljoin(site + "/", item.url)):
                    events[link] = event
    if not events:
        return
    base = str(context.get("FEED_DOMAIN") or site)
    for entry in feed.items:
        event = events.get(str(entry.get("link", "")).removesuffix("?ref=feed"))
        if event is None:
            continue
        field = "content" if entry.get("content") else "description"
        entry[field] = feed_html(event, base) + str(entry.get(field) or "")
