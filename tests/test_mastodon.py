"""The Mastodon adapter against the stateful fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.mastodon import FakeMastodon, aged

from roost.networks.base import (
    Draft,
    NotConfigured,
    RateLimited,
    Rejected,
    Unauthorized,
    Unavailable,
)
from roost.networks.compose import Post
from roost.networks.mastodon.adapter import Mastodon

from sites import REPO, make_post

ENV = {"ROOST_MASTODON_TOKEN": "good-token"}


def adapter(fake, env=ENV, **config) -> Mastodon:
    return Mastodon({"instance": fake.url, **config}, env=env)


def post(**kw) -> Post:
    return make_post(**{"tags": ("birds", "small web"), **kw})


def test_a_post_becomes_one_public_status_with_its_language(fake):
    m = adapter(fake)
    m.connect()
    draft = m.draft(post())
    assert draft.parts == [
        "Hello\n\nA first post.\n\nhttps://camille.blog/hello/\n\n#birds #SmallWeb"
    ]
    copy = m.publish_part(draft, 0, None)
    [status] = fake.live_statuses()
    assert copy.id == status["id"] and copy.url == status["url"]
    assert status["visibility"] == "public" and status["language"] == "en"
    assert copy.sent_hash == draft.content_hash


def test_a_retry_with_the_same_key_returns_the_same_status(fake):
    m = adapter(fake)
    draft = m.draft(post())
    fake.faults = ["drop"]  # the status is made, the answer never arrives
    with pytest.raises(Unavailable):
        m.publish_part(draft, 0, None)
    again = m.publish_part(draft, 0, None)
    assert [s["id"] for s in fake.live_statuses()] == [again.id]


def test_the_fake_forgets_keys_after_an_hour_like_mastodon(fake):
    m = adapter(fake)
    draft = m.draft(post())
    m.publish_part(draft, 0, None)
    aged(fake, 3601)
    m.publish_part(draft, 0, None)
    assert len(fake.live_statuses()) == 2  # which is why the ledger, not the key, is the truth


def test_the_instance_limit_is_read_from_the_server():
    fake = FakeMastodon(max_characters=1000)
    fake.start()
    try:
        m = adapter(fake)
        long = post(summary="word " * 150)
        assert "…" in m.draft(long).parts[0]  # 500 assumed offline
        m.connect()
        assert "…" not in m.draft(long).parts[0]
    finally:
        fake.stop()


def test_too_long_custom_text_is_refused_before_sending(fake):
    m = adapter(fake)
    with pytest.raises(Rejected, match="over this server's 500; shorten Mastodon_text"):
        m.draft(post(texts={"mastodon": "x " * 400}))
    assert fake.requests == []


def test_the_server_says_422_in_its_own_words(fake):
    m = adapter(fake)
    draft = Draft("mastodon", "hello", ["y" * 501], "https://camille.blog/hello/")
    with pytest.raises(Rejected, match="Text character limit of 500 exceeded"):
        m.publish_part(draft, 0, None)


def test_a_long_text_becomes_a_thread_when_asked(fake):
    m = adapter(fake)
    text = " ".join(f"sentence{i}" for i in range(150))
    draft = m.draft(post(texts={"*": text}, thread=True))
    assert len(draft.parts) == 4
    previous = None
    for i in range(len(draft.parts)):
        previous = m.publish_part(draft, i, previous)
    statuses = sorted(fake.live_statuses(), key=lambda s: s["id"])
    assert [s["in_reply_to_id"] for s in statuses[1:]] == [s["id"] for s in statuses[:-1]]


def test_images_go_up_with_their_alt_text_and_wait_for_processing():
    fake = FakeMastodon(async_media=True)
    fake.start()
    try:
        m = adapter(fake)
        image = REPO / "content/images/swifts-at-dusk.jpg"
        draft = m.draft(post(image=image, image_alt="Swifts at dusk."))
        m.publish_part(draft, 0, None)
        [status] = fake.live_statuses()
        assert [a["description"] for a in status["media_attachments"]] == ["Swifts at dusk."]
        assert ("GET", f"/api/v1/media/{status['media_attachments'][0]['id']}") in fake.requests
    finally:
        fake.stop()


def test_edit_and_delete(fake):
    m = adapter(fake)
    first = m.draft(post())
    copy = m.publish_part(first, 0, None)
    changed = m.draft(post(summary="Now with more words."))
    updated = m.update_part(changed, 0, copy)
    status = fake.statuses[copy.id]
    assert "more words" in status["_text"] and status["edited_at"]
    assert updated.sent_hash == changed.content_hash and updated.published == copy.published
    m.delete(copy)
    assert fake.live_statuses() == []
    m.delete(copy)  # already gone: nothing to do


def test_missing_and_wrong_tokens_name_the_variable(fake):
    with pytest.raises(NotConfigured, match="set the environment variable ROOST_MASTODON_TOKEN"):
        adapter(fake, env={}).publish_part(adapter(fake).draft(post()), 0, None)
    with pytest.raises(Unauthorized, match="check the token in ROOST_MASTODON_TOKEN"):
        adapter(fake, env={"ROOST_MASTODON_TOKEN": "stale"}).publish_part(
            adapter(fake).draft(post()), 0, None
        )


def test_rate_limits_say_when_to_come_back():
    fake = FakeMastodon(rate_limit=2, rate_window=120)
    fake.start()
    try:
        m = adapter(fake)
        draft = m.draft(post())
        m.publish_part(draft, 0, None)
        m.publish_part(draft, 0, None)  # its answer says: 0 requests left until the reset
        with pytest.raises(RateLimited) as err:
            m.publish_part(draft, 0, None)
        assert 100 < err.value.retry_after <= 120
        assert len(fake.requests) == 2  # the third was never sent for a sure 429
        fresh = adapter(fake)  # another run, which has not seen that answer: the server says 429
        with pytest.raises(RateLimited) as err:
            fresh.publish_part(draft, 0, None)
        assert 100 < err.value.retry_after <= 120 and len(fake.requests) == 3
    finally:
        fake.stop()


def test_server_errors_and_truncated_answers_are_unavailable(fake):
    m = adapter(fake)
    draft = m.draft(post())
    fake.faults = ["503"]
    with pytest.raises(Unavailable, match="503"):
        m.publish_part(draft, 0, None)
    fake.faults = ["truncate"]
    with pytest.raises(Unavailable):
        m.publish_part(draft, 0, None)
    assert len(fake.live_statuses()) == 1  # the truncated one was made; a retry returns it
    assert m.publish_part(draft, 0, None).id == fake.live_statuses()[0]["id"]


def test_the_preview_request_is_what_is_sent(fake):
    m = adapter(fake, visibility="unlisted")
    draft = m.draft(post())
    req = m.request(draft, 0, None)
    assert req["json"] == {
        "status": draft.parts[0],
        "visibility": "unlisted",
        "language": "en",
    }
    assert req["headers"]["Idempotency-Key"] == draft.part_key(0)
    assert isinstance(Path(REPO), Path)


def test_on_a_server_that_ignores_the_key_roost_looks_before_sending_again(tmp_path):
    """GoToSocial ignores Idempotency-Key: a retry after a lost answer would post twice, unless
    the orchestrator looks at the account's statuses before sending a part again."""
    from datetime import date

    from roost.commands.syndicate import Syndicator
    from roost.store import Store

    fake = FakeMastodon(idempotency=False)
    fake.start()
    try:
        careless = adapter(fake)
        draft = careless.draft(post())
        fake.faults = ["drop"]
        with pytest.raises(Unavailable):
            careless.publish_part(draft, 0, None)
        careless.publish_part(draft, 0, None)
        assert len(fake.live_statuses()) == 2  # the danger, shown

        fake.statuses.clear()
        text = " ".join(f"word{i} @bob@other.example" for i in range(60))  # mentions: /source
        thread = post(key="t", url="https://camille.blog/t/", texts={"*": text}, thread=True)
        syndicator = Syndicator(Store(tmp_path), {"mastodon": adapter(fake)},
                                since=date(2026, 1, 1), check_deployed=False,
                                sleep=lambda s: None)  # fmt: skip
        # The first part is made and its answer lost; the second part's request is lost
        # before the server sees it. Each is looked for before it is sent again.
        fake.faults = ["drop"]
        posts = []

        def lose_the_second(method, path):
            if (method, path) != ("POST", "/api/v1/statuses"):
                return False
            posts.append(path)
            return len(posts) == 2

        fake.on_request = lose_the_second
        outcomes = syndicator.run([thread])
        assert [o.action for o in outcomes] == ["posted"], outcomes
        parts = len(careless.draft(thread).parts)
        assert len(fake.live_statuses()) == parts >= 2
        first = fake.live_statuses()[0]["id"]  # its HTML shows @bob, its text @bob@other.example
        assert ("GET", f"/api/v1/statuses/{first}/source") in fake.requests
        ledger = Store(tmp_path).read_post("t").copies("mastodon")
        assert [c.part for c in ledger] == list(range(parts))
        assert fake.statuses[ledger[1].id]["in_reply_to_id"] == ledger[0].id
    finally:
        fake.stop()


def test_gotosocial_counting_can_be_chosen(fake):
    text = "x" * 470 + " https://camille.blog/" + "y" * 40
    assert adapter(fake).fits(text)  # Mastodon: the link counts 23
    assert not adapter(fake, counting="gotosocial").fits(text)  # code points, no discount


def test_a_next_page_on_another_server_never_gets_the_token(fake):
    """A Link header is the server's word: a next page elsewhere is refused, so the token never
    goes where an answer points."""
    from test_guarded_fetch import Canary

    elsewhere = Canary()
    try:
        page = [fake.account_entity("bob")] * 80
        link = f'<{elsewhere.url}/api/v1/statuses/1/favourited_by?max_id=1>; rel="next"'

        def answer(handler):
            handler.send_body(200, json.dumps(page).encode(), "application/json", Link=link)

        server = Canary(answer)
        m = Mastodon({"instance": server.url}, env=ENV)
        with pytest.raises(Unavailable, match="named another server"):
            m.everyone("/api/v1/statuses/1/favourited_by")
        assert elsewhere.hits == []
        server.close()
    finally:
        elsewhere.close()
