"""The fake X is not kinder than X: its limits, its error shapes, its missing idempotency, and
the adapter's answers to them. Plus the spending ledger's merge and the price settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.server import PNG_1X1
from test_x import ENV

from roost.networks.base import Draft, Image, Rejected
from roost.networks.x.adapter import X


@pytest.fixture()
def x(fake_x):
    return X({"handle": "camille", "api": fake_x.url}, env=ENV)


def test_a_text_over_280_weighted_is_refused_in_xs_words(x):
    with pytest.raises(Rejected) as e:
        x.api.post("/2/tweets", json={"text": "の" * 141}, ok=(201,))
    assert e.value.status == 400 and e.value.code == "invalid-request"
    x.api.post("/2/tweets", json={"text": "の" * 140}, ok=(201,))


def test_more_than_four_pictures_are_refused(x, tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(PNG_1X1)
    ids = [x._upload(Image(picture, f"picture {i}")) for i in range(5)]
    with pytest.raises(Rejected) as e:
        x.api.post("/2/tweets", json={"text": "five", "media": {"media_ids": ids}}, ok=(201,))
    assert e.value.status == 400
    x.api.post("/2/tweets", json={"text": "four", "media": {"media_ids": ids[:4]}}, ok=(201,))


def test_an_answer_lost_after_x_acted_is_found_by_its_text_as_x_shows_it(x, fake_x):
    """X gives the text back HTML-escaped and with t.co links: a plain comparison would post
    the part again."""
    text = "Swifts & swallows <3 https://camille.blog/2026/swifts-and-swallows/ #birds"
    draft = Draft("x", "swifts", [text], "https://camille.blog/2026/swifts-and-swallows/")
    intent = x.intent(draft, 0, datetime.now(UTC))
    fake_x.faults = ["drop"]
    with pytest.raises(Exception):  # noqa: B017 (no answer: Unavailable)
        x.publish_part(draft, 0, None, intent)
    (post,) = fake_x.live()
    assert "t.co/" in post["text"] and "&amp;" in post["text"]
    found = x.find_sent(draft, 0, None, intent)
    assert found is not None and found.id == post["id"]


def test_alt_text_goes_to_the_metadata_call_cut_at_1000(x, fake_x, tmp_path):
    picture = Path(tmp_path / "p.png")
    picture.write_bytes(PNG_1X1)
    media_id = x._upload(Image(picture, "a" * 1500))
    assert len(fake_x.media[media_id]["alt"]) == 1000
    assert fake_x.requests[-2:] == [("POST", "/2/media/upload"), ("POST", "/2/media/metadata")]


def test_an_unknown_price_is_one_line_with_the_nearest_item():
    from roost.networks.x.adapter import XSettings

    _, problems = XSettings.parse({"handle": "camille", "prices": {"post_creat": 0.1}}, "x")
    assert problems == [
        'ROOST_NETWORKS["x"]["prices"]["post_creat"] is not an item X bills; '
        'did you mean "post_create"?'
    ]
    _, problems = XSettings.parse({"handle": "camille", "monthly_budget_usd": -1}, "x")
    assert problems == [
        'ROOST_NETWORKS["x"]["monthly_budget_usd"] = -1: expected a number of US dollars above 0'
    ]


def test_two_runs_that_both_spent_are_both_counted_after_a_merge():
    from roost.records_merge import merge_spending

    def ledger(usd, posts):
        return {"format": 1, "networks": {"x": {"2026-05": {"usd": usd, "post_create": posts}}}}

    merged = merge_spending(ledger("1.000000", 4), ledger("1.215000", 5), ledger("1.400000", 6))
    assert merged["networks"]["x"]["2026-05"] == {"usd": "1.615000", "post_create": 7}
