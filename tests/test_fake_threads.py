"""The fake Threads API is as strict as Threads: tests that fail when the fake is too kind."""

from __future__ import annotations

import requests
from fakes.threads import DAY, aged


def call(fake, method, path, token="good-token", **params):
    r = requests.request(
        method, f"{fake.url}{path}", params={"access_token": token, **params}, timeout=10
    )
    return r.status_code, r.json()


def container(fake, **params) -> str:
    code, body = call(fake, "POST", "/v1.0/me/threads", **{"media_type": "TEXT", **params})
    assert code == 200, body
    return body["id"]


def test_errors_come_in_the_graph_envelope(threads):
    code, body = call(threads, "GET", "/v1.0/me", token="nope")
    assert code == 400
    assert set(body["error"]) >= {"message", "type", "code", "fbtrace_id"}
    assert body["error"]["code"] == 190


def test_a_container_is_in_progress_first_and_cannot_be_published_then(threads):
    threads.delay = 2
    cid = container(threads, text="hi")
    assert call(threads, "GET", f"/v1.0/{cid}", fields="status")[1]["status"] == "IN_PROGRESS"
    code, body = call(threads, "POST", "/v1.0/me/threads_publish", creation_id=cid)
    assert code == 400 and "not ready" in body["error"]["message"]
    call(threads, "GET", f"/v1.0/{cid}")
    assert call(threads, "GET", f"/v1.0/{cid}")[1]["status"] == "FINISHED"


def test_publishing_a_container_twice_makes_two_posts(threads):
    cid = container(threads, text="hi")
    call(threads, "GET", f"/v1.0/{cid}")
    for _ in range(2):
        assert call(threads, "POST", "/v1.0/me/threads_publish", creation_id=cid)[0] == 200
    assert len(threads.live_posts()) == 2  # no idempotency: a retry is a duplicate
    assert call(threads, "GET", f"/v1.0/{cid}")[1]["status"] == "PUBLISHED"


def test_text_over_500_and_more_than_five_links_are_refused(threads):
    code, body = call(threads, "POST", "/v1.0/me/threads", media_type="TEXT", text="🐦" * 126)
    assert code == 400 and "500" in body["error"]["message"]
    links = " ".join(f"https://camille.blog/{i}" for i in range(6))
    code, body = call(threads, "POST", "/v1.0/me/threads", media_type="TEXT", text=links)
    assert "THREADS_API__LINK_LIMIT_EXCEEDED" in body["error"]["message"]


def test_a_picture_at_a_private_address_makes_an_error_container(threads):
    cid = container(threads, media_type="IMAGE", image_url="http://127.0.0.1/x.png")
    body = call(threads, "GET", f"/v1.0/{cid}", fields="status,error_message")[1]
    body = call(threads, "GET", f"/v1.0/{cid}", fields="status,error_message")[1]
    assert body["status"] == "ERROR" and body["error_message"]


def test_containers_expire_after_a_day(threads):
    cid = container(threads, text="hi")
    aged(threads, DAY + 1)
    assert call(threads, "GET", f"/v1.0/{cid}")[1]["status"] == "EXPIRED"
    assert call(threads, "POST", "/v1.0/me/threads_publish", creation_id=cid)[0] == 400


def test_the_quota_is_counted_and_enforced(threads):
    threads.post_quota = 1
    for text in ("a", "b"):
        cid = container(threads, text=text)
        call(threads, "GET", f"/v1.0/{cid}")
        last = call(threads, "POST", "/v1.0/me/threads_publish", creation_id=cid)
    assert last[0] == 400 and last[1]["error"]["code"] == 4
    limit = call(threads, "GET", "/v1.0/me/threads_publishing_limit")[1]["data"][0]
    assert limit["quota_usage"] == 1 and limit["config"]["quota_total"] == 1


def test_tokens_expire_and_refresh_only_after_a_day(threads):
    threads.add_token("young", age=60)
    code, body = call(
        threads, "GET", "/refresh_access_token", token="young", grant_type="th_refresh_token"
    )
    assert code == 400
    code, body = call(threads, "GET", "/refresh_access_token", grant_type="th_refresh_token")
    assert code == 200 and body["expires_in"] == 60 * DAY
    aged(threads, 61 * DAY)
    code, body = call(threads, "GET", "/v1.0/me")
    assert body["error"]["code"] == 190 and body["error"]["error_subcode"] == 463


def test_conversation_is_every_depth_and_private_repliers_are_unnamed(threads):
    cid = container(threads, text="root")
    call(threads, "GET", f"/v1.0/{cid}")
    root = call(threads, "POST", "/v1.0/me/threads_publish", creation_id=cid)[1]["id"]
    a = threads.reply_as("bob", root, "one")
    b = threads.reply_as(None, a["id"], "two")
    top = call(threads, "GET", f"/v1.0/{root}/replies")[1]["data"]
    deep = call(threads, "GET", f"/v1.0/{root}/conversation", reverse="false")[1]["data"]
    assert [x["id"] for x in top] == [a["id"]]
    assert [x["id"] for x in deep] == [a["id"], b["id"]]
    assert "username" not in deep[1] and deep[1]["replied_to"] == {"id": a["id"]}
