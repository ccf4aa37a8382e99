"""Event posts: front matter read and checked in the build, an h-entry h-event on the page, the
when and where in the feeds, and a calendar file that a calendar library reads back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import mf2py
import pytest

from roost.site.calendar import calendar
from roost.site.events import Event, EventError, event_for, parse_when, read_event

from sites import article, build, write_site

PARIS = ZoneInfo("Europe/Paris")
MEETUP = {
    "Event_start": "2026-12-05 18:30",
    "Event_end": "2026-12-05 21:00",
    "Event_location": "Le Lieu Unique, Nantes",
    "Event_url": "https://events.example/hwc",
}


# ------------------------------------------------------------------ reading the front matter


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-05 18:30", datetime(2026, 12, 5, 18, 30, tzinfo=PARIS)),  # the site's zone
        ("2026-12-05T18:30", datetime(2026, 12, 5, 18, 30, tzinfo=PARIS)),
        ("2026-12-05 18:30+00:00", datetime(2026, 12, 5, 18, 30, tzinfo=UTC)),
        ("2026-12-05T18:30Z", datetime(2026, 12, 5, 18, 30, tzinfo=UTC)),
        ("2026-12-05 18:30  America/New_York",
         datetime(2026, 12, 5, 18, 30, tzinfo=ZoneInfo("America/New_York"))),
        ("2026-07-01 9:05", datetime(2026, 7, 1, 9, 5, tzinfo=PARIS)),
    ],
)  # fmt: skip
def test_times_carry_a_zone(value, expected):
    when = parse_when(value, "event_start", PARIS)
    assert when == expected and when.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-05 18:30", "Event_start: '2026-13-05 18:30' is not a date and time"),
        ("2026-12-05", "Event_start: '2026-12-05' is not a date and time"),
        ("next Saturday", "Event_start: 'next Saturday' is not a date and time"),
        ("2026-12-05 18:30 Mars/Olympus", "Event_start: 'Mars/Olympus' is not a time zone"),
        ("2026-12-05 18:30 Europe", "Event_start: 'Europe' is not a time zone"),
        ("2026-12-05 18:30+01:00 Europe/Paris", "gives both an offset and a zone"),
    ],
)
def test_a_wrong_time_names_the_key(value, message):
    with pytest.raises(EventError) as e:
        parse_when(value, "event_start", PARIS)
    assert message in str(e.value)


def test_an_event_needs_a_start_and_an_end_after_it():
    meta = {k.lower(): v for k, v in MEETUP.items()}
    event = read_event(meta, PARIS)
    assert event.location == "Le Lieu Unique, Nantes" and event.url == "https://events.example/hwc"
    assert read_event({"title": "no event"}, PARIS) is None
    for edge in ("0001-01-01 00:30+01:00", "9999-12-31 23:30-01:00"):  # no UTC time: no .ics
        with pytest.raises(EventError, match="not a date and time"):
            read_event({"event_start": edge}, PARIS)
    with pytest.raises(EventError, match="Event_start is missing"):
        read_event({"event_location": "Nantes"}, PARIS)
    with pytest.raises(EventError, match="Event_end '2026-12-05 17:00' is before Event_start"):
        read_event(meta | {"event_end": "2026-12-05 17:00"}, PARIS)
    with pytest.raises(EventError, match="Event_url 'javascript:alert\\(1\\)' is not an http"):
        read_event(meta | {"event_url": "javascript:alert(1)"}, PARIS)


# ------------------------------------------------------------------ the page, feeds, calendar


def _site(tmp_path, **meta):
    posts = {"meetup.md": article("Meetup, with birds", "meetup", "Come along.", **meta),
             "plain.md": article("Plain", "plain")}  # fmt: skip
    write_site(tmp_path, posts)
    return build(tmp_path, TIMEZONE="Europe/Paris", FEED_ALL_RSS="feeds/all.rss.xml")


def _post(built, rel="meetup/index.html") -> dict:
    parsed = mf2py.parse(doc=built.page(rel), url="http://localhost:8000/" + rel[:-10])
    [item] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    return item


def test_an_event_post_is_an_h_entry_h_event_with_when_and_where(tmp_path):
    built = _site(tmp_path, **MEETUP)
    assert built.errors() == [] and built.warnings() == []
    item = _post(built)
    assert item["type"] == ["h-entry", "h-event"]
    props = item["properties"]
    assert props["name"] == ["Meetup, with birds"]
    assert props["start"] == ["2026-12-05T18:30:00+0100"]
    assert props["end"] == ["2026-12-05T21:00:00+0100"]
    assert props["location"] == ["Le Lieu Unique, Nantes"]
    # The permalink stays the post's first url; the event's own page follows.
    assert props["url"] == ["http://localhost:8000/meetup/", "https://events.example/hwc"]
    html = built.page("meetup/index.html")
    assert "Saturday 5 December 2026, 18:30" in html and "21:00 CET" in html
    assert '<a href="../meetup/event.ics" download>' in html
    assert _post(built, "plain/index.html")["type"] == ["h-entry"]
    assert not (built.output / "plain/event.ics").exists()


def test_a_malformed_value_is_one_line_and_the_post_builds_without_its_event(tmp_path):
    built = _site(tmp_path, **(MEETUP | {"Event_end": "2026-12-05 17:00"}))
    [line] = built.errors()
    assert line.startswith("roost: ") and "meetup.md: Event_end '2026-12-05 17:00' is before " \
        "Event_start; the post is built without its event" in line  # fmt: skip
    assert _post(built)["type"] == ["h-entry"]
    assert "dt-start" not in built.page("meetup/index.html")
    assert not (built.output / "meetup/event.ics").exists()
    built = _site(tmp_path, **(MEETUP | {"Event_start": "5/12/2026"}))
    assert [e.split("meetup.md: ", 1)[1] for e in built.errors()] == [
        "Event_start: '5/12/2026' is not a date and time (e.g. 2026-12-05 18:30, "
        "2026-12-05 18:30+01:00 or 2026-12-05 18:30 Europe/Paris); the post is built without "
        "its event"
    ]


def test_a_misspelt_event_key_is_named(tmp_path):
    built = _site(tmp_path, Event_start="2026-12-05 18:30", Event_loction="Nantes")
    assert built.errors() == []
    [line] = built.warnings()
    assert "meetup.md: Event_loction is not an event key (Event_start, Event_end" in line
    assert _post(built)["type"] == ["h-entry", "h-event"]


def test_feeds_say_when_and_where(tmp_path):
    built = _site(tmp_path, **MEETUP)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    atom = ET.parse(built.output / "feeds/all.atom.xml").getroot()
    content = {e.findtext("a:title", namespaces=ns): e.findtext("a:content", namespaces=ns)
               for e in atom.findall("a:entry", ns)}  # fmt: skip
    when = "Saturday 5 December 2026, 18:30 – 21:00 CET"
    assert content["Meetup, with birds"].startswith(
        f'<p class="event"><strong>When:</strong> {when}'
    )
    assert "<strong>Where:</strong> Le Lieu Unique, Nantes" in content["Meetup, with birds"]
    assert "http://localhost:8000/meetup/event.ics" in content["Meetup, with birds"]
    assert "Come along." in content["Meetup, with birds"]
    assert "When:" not in content["Plain"]
    rss = ET.parse(built.output / "feeds/all.rss.xml").getroot()
    descriptions = [i.findtext("description") for i in rss.findall("./channel/item")]
    assert sum("<strong>Where:</strong> Le Lieu Unique" in d for d in descriptions) == 1


def test_the_calendar_file_reads_back(tmp_path):
    built = _site(tmp_path, **(MEETUP | {"Event_location": "Café « Le Lieu », quai; Nantes"}))
    data = (built.output / "meetup/event.ics").read_bytes()
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert data.endswith(b"END:VCALENDAR\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Meetup, with birds"
    assert str(event["location"]) == "Café « Le Lieu », quai; Nantes"
    assert str(event["uid"]) == str(event["url"]) == "http://localhost:8000/meetup/"
    assert "https://events.example/hwc" in str(event["description"])
    assert (built.output / "meetup/event.ics").read_bytes() == data  # the same bytes next time


def test_long_text_is_folded_between_characters_and_unfolds_whole():
    event = Event(datetime(2026, 12, 5, 18, 30, tzinfo=PARIS), None, "Nantes", None)
    title = "Réunion des martinets 🐦, " * 12
    data = calendar(event, title=title, url="https://camille.blog/m/", summary="a\nb\\c",
                    stamp=datetime(2026, 10, 1, tzinfo=UTC))  # fmt: skip
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert [line.decode("utf-8") for line in lines]  # no character cut in two
    [parsed] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(parsed["summary"]) == title and "DTEND" not in parsed
    assert str(parsed["description"]).startswith("a\nb\\c")


def test_event_for_gives_plain_data_for_other_feeds():
    event = Event(datetime(2026, 12, 5, 18, 30, tzinfo=PARIS),
                  datetime(2026, 12, 5, 21, 0, tzinfo=PARIS) + timedelta(0), "Nantes", None,
                  ics_url="meetup/event.ics")  # fmt: skip
    assert event_for(SimpleNamespace(roost_event=event)) == {
        "start": "2026-12-05T18:30:00+01:00",
        "end": "2026-12-05T21:00:00+01:00",
        "location": "Nantes",
        "url": None,
        "calendar": "meetup/event.ics",
    }
    assert event_for(SimpleNamespace()) is None


# ------------------------------------------------------------------ the demo


def test_the_demo_meetup_is_an_event_with_its_rsvps(published_output):
    rel = "2026/bird-walk-and-small-web-meetup/index.html"
    html = (published_output / rel).read_text(encoding="utf-8")
    parsed = mf2py.parse(doc=html, url="https://camille.example/" + rel[:-10])
    [item] = [i for i in parsed["items"] if "h-entry" in i["type"]]
    assert "h-event" in item["type"]
    props = item["properties"]
    assert props["start"] == ["2026-12-05T10:00:00+0100"]
    answers = sorted(c["properties"]["rsvp"][0] for c in props["comment"])
    assert answers == ["interested", "maybe", "no", "yes", "yes"]
    ics = (published_output / "2026/bird-walk-and-small-web-meetup/event.ics").read_bytes()
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["url"]) == "https://camille.example/2026/bird-walk-and-small-web-meetup/"


def test_a_location_that_looks_like_markup_is_the_same_text_in_every_format(tmp_path):
    """The location is plain text, as written: the JSON Feed read it as HTML and dropped
    ``<Le Lieu>`` (and turned ``&eacute;`` into é) while the page and the calendar kept it."""
    where = "Bar <Le Lieu> & Caf&eacute;, Nantes"
    built = _site(tmp_path, **(MEETUP | {"Event_location": where}))
    [item] = [i for i in json.loads(built.page("feeds/all.json"))["items"] if "_event" in i]
    assert item["_event"]["location"] == where
    [event] = icalendar.Calendar.from_ical(built.page("meetup/event.ics")).walk("VEVENT")
    assert str(event["location"]) == where
