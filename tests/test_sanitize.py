"""The one sanitiser, against every payload of the outside XSS corpus (tests/conformance/xss),
parsed as a browser would."""

from __future__ import annotations

import json
import re

import html5lib
import pytest
from markupsafe import escape

from roost.sanitize import TAGS, clean_html, clean_text, safe_url

from sites import conformance
from xss_payloads import PAYLOADS

ALLOWED_ATTRS = {"href", "title", "class", "rel", "start"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}


def fragment(html: str):
    return html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)


def browser_url_scheme(value: str) -> str:
    """The scheme a browser sees: WHATWG URL parsing strips C0 controls and spaces at the ends
    and removes tabs and newlines anywhere before reading the scheme."""
    value = value.strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    value = re.sub(r"[\t\n\r]", "", value)
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", value)
    return match.group(1).lower() if match else ""


def assert_inert(html: str) -> None:
    for el in fragment(html).iter():
        if not isinstance(el.tag, str) or el.tag == "DOCUMENT_FRAGMENT":
            continue
        assert el.tag in TAGS, f"element <{el.tag}> survived"
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"handler {name} survived"
            assert name in ALLOWED_ATTRS, f"attribute {name} survived on <{el.tag}>"
            if name in URL_ATTRS:
                assert browser_url_scheme(value) in {"http", "https", "mailto"}, value


def test_the_corpus_is_all_there():
    assert len(PAYLOADS) >= 459


@pytest.mark.parametrize("name, payload", PAYLOADS, ids=[n for n, _ in PAYLOADS])
def test_payload_is_inert_after_cleaning(name, payload):
    cleaned = clean_html(payload)
    assert_inert(cleaned)
    assert clean_html(cleaned) == cleaned, "cleaning again changes nothing"


@pytest.mark.parametrize("name, payload", PAYLOADS, ids=[n for n, _ in PAYLOADS])
def test_payload_as_a_name_is_only_text(name, payload):
    rendered = str(escape(clean_text(payload)))
    elements = [el for el in fragment(rendered).iter() if isinstance(el.tag, str)]
    assert [el.tag for el in elements] == ["DOCUMENT_FRAGMENT"]


def test_real_mastodon_content_keeps_its_links_and_mentions():
    status = json.loads(conformance("mastodon-api-samples", "test_status_reply.json").read_text())
    html = json.dumps(status)
    contents = re.findall(r'"content": "((?:[^"\\]|\\.)*)"', html)
    assert contents
    for raw in contents:
        content = json.loads(f'"{raw}"')
        cleaned = clean_html(content)
        assert_inert(cleaned)
        for href in re.findall(r'href="(https?://[^"]+)"', content):
            assert href in cleaned


def test_links_are_marked_as_user_content_and_relative_ones_dropped():
    out = clean_html('<p><a href="https://x.example/">x</a> <a href="/local">y</a></p>')
    assert 'rel="nofollow ugc noopener noreferrer"' in out
    assert 'href="/local"' not in out and ">y</a>" in out


def test_images_are_never_kept_so_replies_cannot_hotlink():
    assert "img" not in clean_html('<p>look <img src="https://tracker.example/p.gif"></p>')


def test_names_lose_controls_and_direction_overrides():
    assert clean_text("Bob\u202e evil\x00 \n  name") == "Bob evil name"
    assert len(clean_text("x" * 1000)) == 200


def test_controls_written_as_character_references_are_dropped_too():
    """``&#30;`` is a control character once parsed: kept, a stranger's reply could forge the
    word markers the build fills in (``&#30;w:nope&#30;`` stopped every build), and ``&#x202e;``
    could reverse a link's text, as the sanitiser promises it cannot."""
    cleaned = clean_html("<p>a &#30;w:nope&#30; &#x1e;w:responses&#x1E; b &#x202e;c&#8238;</p>")
    assert cleaned == "<p>a w:nope w:responses b c</p>"


def test_a_reply_cannot_forge_the_interface_words(tmp_path):
    from sites import article, build, person, record, reply, write_site

    bob = "mastodon:bob@example.social"
    forged = "<p>&#30;w:nope&#30; &#30;w:responses&#30; &#30;w:count:like|x&#30;</p>"
    write_site(tmp_path, {"a.md": article("Swifts", "swifts")},
               records={"swifts": record("swifts", [reply("r1", bob, forged)])},
               people={"mastodon": [person(bob, "Bob")]})  # fmt: skip
    built = build(tmp_path)
    page = built.page("swifts/index.html")
    assert "w:nope" in page and "\x1e" not in page and page.count("Responses") == 1


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://a.example/p", True),
        ("http://a.example", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("//evil.example", False),
        ("https://a.example/\u202e", False),
        ("https://a.example/ x", False),
        ("data:text/html,<script>", False),
        (None, False),
    ],
)
def test_only_plain_web_urls_are_rendered(url, ok):
    assert (safe_url(url) is not None) is ok
