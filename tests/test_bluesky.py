"""The Bluesky adapter against Bluesky's own reference servers, started by the tests."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from roost.networks.base import NotConfigured, Rejected, Unauthorized
from roost.networks.bluesky.adapter import Bluesky, shorten_links, tid
from roost.networks.compose import Post

from sites import REPO, conformance, make_post

TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def syntax_cases(name: str) -> list[str]:
    lines = conformance("atproto-interop-tests", "syntax", name).read_text().splitlines()
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_record_keys_are_valid_tids():
    assert all(TID_RE.match(t) for t in syntax_cases("tid_syntax_valid.txt"))
    assert not any(TID_RE.match(t) for t in syntax_cases("tid_syntax_invalid.txt"))
    when = datetime(2026, 5, 1, 10, tzinfo=UTC)
    keys = {tid(when, clock) for clock in range(1024)}
    assert len(keys) == 1024 and all(TID_RE.match(k) for k in keys)
    assert tid(when, 5) < tid(datetime(2026, 5, 2, tzinfo=UTC), 5)  # they sort by time


def test_long_links_are_shown_short_but_link_in_full():
    url = "https://camille.blog/2026/05/moving-my-writing-home/?ref=bluesky"
    shown, spans = shorten_links(f"Read {url} now")
    assert shown == "Read camille.blog/2026/05/moving-m… now"
    assert spans == [(5, 35, "link", url)]


def bluesky(devnet, tmp_path, **config) -> Bluesky:
    env = {"ROOST_BLUESKY_APP_PASSWORD": devnet.accounts["camille"]["password"]}
    env.update(config.pop("env", {}))
    return Bluesky(
        {
            "handle": "camille.test",
            "service": devnet.pds,
            "session_cache": str(tmp_path / "session.json"),
            **config,
        },
        env=env,
    )


def post(**kw) -> Post:
    defaults = dict(
        key="swifts",
        title="Swifts are back",
        summary="They came back on the first of May, two days early.",
        url="https://camille.blog/2026/05/swifts-are-back-two-days-early/",
        date=datetime(2026, 5, 1, 10, tzinfo=UTC),
        tags=("birds",),
        image=REPO / "content/images/swifts-at-dusk.jpg",
        image_alt="Swifts at dusk.",
    )
    return make_post(**{**defaults, **kw})


def get_record(devnet, uri: str) -> requests.Response:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    return requests.get(
        f"{devnet.pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )


def test_a_post_with_facets_and_a_link_card(devnet, tmp_path):
    b = bluesky(devnet, tmp_path)
    p = post(texts={"bluesky": "Swifts! Thanks @alice.test #birds"})
    draft = b.draft(p)
    sent = datetime.now(UTC)
    copy = b.publish_part(draft, 0, None)
    assert copy.url == f"https://bsky.app/profile/camille.test/post/{copy.extra['rkey']}"
    record = get_record(devnet, copy.id).json()["value"]
    # Dated when it was sent, not when the article was written (2026-05-01): the AppView sorts
    # feeds by createdAt, and a backdated copy would be buried below everything since.
    created = datetime.fromisoformat(record["createdAt"].replace("Z", "+00:00"))
    assert abs((created - sent).total_seconds()) < 60
    assert record["langs"] == ["en"]
    features = {f["features"][0]["$type"].split("#")[1]: f for f in record["facets"]}
    assert features["mention"]["features"][0]["did"] == devnet.accounts["alice"]["did"]
    assert features["link"]["features"][0]["uri"] == p.url  # in full, though shown short
    assert features["tag"]["features"][0]["tag"] == "birds"
    text = record["text"].encode()
    mention = features["mention"]["index"]
    assert text[mention["byteStart"] : mention["byteEnd"]] == b"@alice.test"
    card = record["embed"]["external"]
    assert card["uri"] == p.url and card["title"] == "Swifts are back"
    assert card["thumb"]["mimeType"] == "image/jpeg" and card["thumb"]["size"] <= 1_000_000


def test_a_retry_makes_no_second_post(devnet, tmp_path):
    """Every attempt of a part sends the bytes its intent fixed (the time of the first attempt,
    the record key made from it): a retry is the same record, and a later run finds it."""
    b = bluesky(devnet, tmp_path)
    draft = b.draft(post(key="retry", url="https://camille.blog/retry/"))
    intent = b.intent(draft, 0, datetime.now(UTC) - timedelta(hours=3))
    first = b.publish_part(draft, 0, None, intent)
    again = b.publish_part(draft, 0, None, intent)  # the same bytes: 200, the same record
    assert (again.id, again.extra["cid"]) == (first.id, first.extra["cid"])
    edited = b.draft(post(key="retry", url="https://camille.blog/retry/", summary="Edited."))
    after_edit = b.publish_part(edited, 0, None, intent)  # InvalidSwap: read back, it is ours
    assert after_edit.id == first.id
    found = bluesky(devnet, tmp_path).find_sent(draft, 0, None, intent)
    assert found is not None and found.id == first.id
    unsent = b.intent(draft, 0, datetime.now(UTC))
    assert b.find_sent(draft, 0, None, unsent) is None


def test_a_key_held_by_another_post_is_not_taken_for_ours(devnet, tmp_path):
    b = bluesky(devnet, tmp_path)
    one = b.draft(post(key="one", url="https://camille.blog/one/", texts={"*": "One"}))
    two = b.draft(post(key="two", url="https://camille.blog/two/", texts={"*": "Two"}))
    taken = b.intent(one, 0, datetime.now(UTC))
    b.publish_part(one, 0, None, taken)
    clash = b.intent(two, 0, datetime.now(UTC))
    clash.extra["rkey"] = taken.extra["rkey"]  # two posts, one key (a 1-in-1024 chance)
    with pytest.raises(Rejected, match="already holds another post"):
        b.publish_part(two, 0, None, clash)


def test_a_thread_replies_to_itself_in_order(devnet, tmp_path):
    b = bluesky(devnet, tmp_path)
    text = " ".join(f"point{i}" for i in range(120))
    draft = b.draft(post(key="thread", texts={"*": text}, thread=True, image=None))
    n = len(draft.parts)
    assert n >= 3
    copies, previous = [], None
    for part in range(n):
        previous = b.publish_part(draft, part, previous)
        copies.append(previous)
    records = [get_record(devnet, c.id).json()["value"] for c in copies]
    assert "reply" not in records[0]
    for i in range(1, n):
        assert records[i]["reply"]["root"]["uri"] == copies[0].id
        assert records[i]["reply"]["parent"]["uri"] == copies[i - 1].id
        assert records[i]["reply"]["parent"]["cid"] == copies[i - 1].extra["cid"]


def test_the_session_is_cached_and_refreshed(devnet, tmp_path):
    b = bluesky(devnet, tmp_path)
    b.connect()
    cache = tmp_path / "session.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    # A second run uses the cached session: no password needed.
    again = bluesky(devnet, tmp_path, env={"ROOST_BLUESKY_APP_PASSWORD": ""})
    again.publish_part(again.draft(post(key="cached", url="https://camille.blog/c/")), 0, None)
    # An access token that no longer works is refreshed, still without the password.
    data = json.loads(cache.read_text())
    data["accessJwt"] = data["accessJwt"][:-4] + "AAAA"
    cache.write_text(json.dumps(data))
    third = bluesky(devnet, tmp_path, env={"ROOST_BLUESKY_APP_PASSWORD": ""})
    third.publish_part(third.draft(post(key="refreshed", url="https://camille.blog/r/")), 0, None)
    assert json.loads(cache.read_text())["accessJwt"] != data["accessJwt"]


def test_missing_and_wrong_passwords_name_the_variable(devnet, tmp_path):
    with pytest.raises(NotConfigured, match="set the environment variable ROOST_BLUESKY"):
        bluesky(devnet, tmp_path, env={"ROOST_BLUESKY_APP_PASSWORD": ""}).connect()
    with pytest.raises(Unauthorized, match="check the app password in ROOST_BLUESKY"):
        bluesky(devnet, tmp_path, env={"ROOST_BLUESKY_APP_PASSWORD": "wrong"}).connect()


def test_delete(devnet, tmp_path):
    b = bluesky(devnet, tmp_path)
    copy = b.publish_part(b.draft(post(key="gone", url="https://camille.blog/gone/")), 0, None)
    b.delete(copy)
    assert get_record(devnet, copy.id).json()["error"] == "RecordNotFound"
    b.delete(copy)  # deleting what is gone succeeds


def test_preview_needs_no_network(tmp_path):
    b = Bluesky({"handle": "camille.test", "service": "http://127.0.0.1:9"}, env={})
    body = b.request(b.draft(post()), 0, None)["json"]
    assert body["swapRecord"] is None and len(body["rkey"]) == 13  # a TID
    assert body["record"]["embed"]["external"]["thumb"] == "<blob of swifts-at-dusk.jpg>"


def test_the_picture_itself_with_its_alt_text(devnet, tmp_path):
    b = bluesky(devnet, tmp_path, embed="images")
    copy = b.publish_part(b.draft(post(key="pic", url="https://camille.blog/pic/")), 0, None)
    embed = get_record(devnet, copy.id).json()["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "Swifts at dusk."
    assert embed["images"][0]["image"]["size"] <= 1_000_000


def test_a_rate_limit_says_when_to_come_back(tmp_path, monkeypatch):
    """The dev network sends no RateLimit-* headers, so this one is a canned answer in the
    PDS's documented shape (shared/docs/social-apis.md 2.9)."""
    from datetime import datetime as dt

    from roost.networks.base import RateLimited

    reset = int(dt.now(UTC).timestamp()) + 90

    class Answer:
        status_code = 429
        headers = {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(reset), "RateLimit-Policy": "5000;w=3600"}  # fmt: skip
        text = reason = ""
        content, links = b"{}", {}

        def json(self):
            return {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}

    sent = []
    b = Bluesky({"handle": "camille.test", "service": "http://127.0.0.1:9"}, env={"X": "y"})
    monkeypatch.setattr(b.api._session, "request", lambda *a, **k: sent.append(a) or Answer())
    b.session.data = {"did": "did:plc:x", "handle": "camille.test", "accessJwt": "a",
                      "refreshJwt": "r"}  # fmt: skip
    with pytest.raises(RateLimited) as err:
        b.publish_part(b.draft(post(image=None)), 0, None)
    assert 80 < err.value.retry_after <= 90
    with pytest.raises(RateLimited):  # until the reset, nothing more is sent for a sure 429
        b.publish_part(b.draft(post(image=None)), 0, None)
    assert len(sent) == 1
