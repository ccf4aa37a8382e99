"""The fake Mastodon server (tests/fakes/mastodon.py) does what Mastodon 4.3 to 4.5 does, through
real HTTP: edits, history and source, token scopes, profiles that change, account paging."""

from __future__ import annotations

import pytest
import requests
from fakes.mastodon import account_id


def call(fake, method: str, path: str, token: str = "good-token", **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, fake.url + path, headers=headers, timeout=10, **kwargs)


def ok(response: requests.Response):
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def upload(fake, description: str = "A swift", token: str = "good-token") -> str:
    files = {"file": ("swift.png", fake.avatar_png, "image/png")}
    r = call(fake, "POST", "/api/v2/media", token, files=files, data={"description": description})
    return str(r.json()["id"])


def post(fake, token: str = "good-token", **body) -> dict:
    return ok(call(fake, "POST", "/api/v1/statuses", token, json=body))


def edit(fake, sid: str, token: str = "good-token", **kwargs) -> requests.Response:
    return call(fake, "PUT", f"/api/v1/statuses/{sid}", token, **kwargs)


def alts(status: dict) -> list[str]:
    return [a["description"] for a in status["media_attachments"]]


# -- edits ----------------------------------------------------------------------------------


def test_an_edit_without_media_ids_drops_the_attachments(fake):
    first, second = upload(fake, "one"), upload(fake, "two")
    status = post(fake, status="Two swifts", media_ids=[first, second])
    assert alts(status) == ["one", "two"]
    edited = ok(edit(fake, status["id"], json={"status": "Two swifts, now in words"}))
    assert edited["media_attachments"] == [] and edited["edited_at"]
    assert fake.statuses[status["id"]]["media_attachments"] == []


def test_an_edit_with_media_ids_and_media_attributes_keeps_them_and_changes_the_alt_text(fake):
    first, second = upload(fake, "one"), upload(fake, "two")
    status = post(fake, status="Two swifts", media_ids=[first, second])
    body = {
        "status": "Two swifts",
        "media_ids": [second, first],  # the order asked is the order kept
        "media_attributes": [{"id": first, "description": "The first swift, in focus"}],
    }
    edited = ok(edit(fake, status["id"], json=body))
    assert [a["id"] for a in edited["media_attachments"]] == [second, first]
    assert alts(edited) == ["two", "The first swift, in focus"]
    assert edited["edited_at"]


def test_a_form_edit_reads_media_ids_and_media_attributes_arrays(fake):
    first, second = upload(fake, "one"), upload(fake, "two")
    status = post(fake, status="Swifts", media_ids=[first, second])
    form = [
        ("status", "Swifts at dusk"),
        ("media_ids[]", first),
        ("media_ids[]", second),
        ("media_attributes[][id]", first),
        ("media_attributes[][description]", "First, new"),
        ("media_attributes[][id]", second),
        ("media_attributes[][description]", "Second, new"),
    ]
    edited = ok(edit(fake, status["id"], data=form))
    assert alts(edited) == ["First, new", "Second, new"]
    assert edited["content"] == "<p>Swifts at dusk</p>"
    indexed = [  # Rails reads media_attributes[0][id] too
        ("status", "Swifts at dusk"),
        ("media_ids[]", second),
        ("media_attributes[0][id]", second),
        ("media_attributes[0][description]", "Second, indexed"),
    ]
    assert alts(ok(edit(fake, status["id"], data=indexed))) == ["Second, indexed"]
    multipart = [("status", (None, "Swifts, multipart")), ("media_ids[]", (None, second))]
    assert alts(ok(edit(fake, status["id"], files=multipart))) == ["Second, indexed"]
    # a form without media_ids[] drops them, as JSON does
    assert ok(edit(fake, status["id"], data={"status": "Words only"}))["media_attachments"] == []


def test_media_attributes_change_only_the_attachments_kept(fake):
    first, second = upload(fake, "one"), upload(fake, "two")
    status = post(fake, status="Swifts", media_ids=[first, second])
    body = {
        "status": "Swifts",
        "media_ids": [first],
        "media_attributes": [{"id": second, "description": "dropped anyway"}],
    }
    assert alts(ok(edit(fake, status["id"], json=body))) == ["one"]
    assert fake.media[second]["description"] == "two"


def test_an_edit_may_only_attach_the_authors_own_unattached_processed_media(fake):
    mine = upload(fake, "mine")
    status = post(fake, status="Swifts", media_ids=[mine])
    bobs = upload(fake, "bob's", token="bob-token")
    elsewhere = upload(fake, "on another post")
    post(fake, status="Another post", media_ids=[elsewhere])
    fake.async_media = True
    processing = upload(fake, "still processing")
    fresh = [upload(fake, str(i)) for i in range(4)]
    for m in fresh:
        fake.media[m]["_processed_after"] = 0
    refused = {
        bobs: f"Media {bobs} not found or already attached to another post",
        elsewhere: f"Media {elsewhere} not found or already attached to another post",
        "404404": "Media 404404 not found or already attached to another post",
        processing: "Cannot attach files that have not finished processing. Try again in a moment!",
    }
    for media_id, message in refused.items():
        r = edit(fake, status["id"], json={"status": "Swifts", "media_ids": [mine, media_id]})
        assert (r.status_code, r.json()) == (422, {"error": message})
    r = edit(fake, status["id"], json={"status": "Swifts", "media_ids": [mine, *fresh]})
    assert (r.status_code, r.json()) == (422, {"error": "Cannot attach more than 4 files"})
    assert alts(fake.statuses[status["id"]]) == ["mine"] and not fake.edits  # all refused
    # its own attachment, a fresh upload: fine
    edited = ok(edit(fake, status["id"], json={"status": "Swifts", "media_ids": [mine, fresh[0]]}))
    assert alts(edited) == ["mine", "0"]


def test_alt_text_over_1500_characters_is_refused_on_upload_and_in_an_edit(fake):
    files = {"file": ("swift.png", fake.avatar_png, "image/png")}
    r = call(fake, "POST", "/api/v2/media", files=files, data={"description": "a" * 1501})
    too_long = "Validation failed: Description is too long (maximum is 1500 characters)"
    assert (r.status_code, r.json()) == (422, {"error": too_long})
    picture = upload(fake, "a" * 1500)
    status = post(fake, status="Swifts", media_ids=[picture])
    body = {"status": "Swifts", "media_ids": [picture]}
    body["media_attributes"] = [{"id": picture, "description": "b" * 1501}]
    r = edit(fake, status["id"], json=body)
    assert (r.status_code, r.json()) == (422, {"error": too_long})
    assert fake.media[picture]["description"] == "a" * 1500


def test_create_checks_media_the_same_way(fake):
    bobs = upload(fake, "bob's", token="bob-token")
    r = call(fake, "POST", "/api/v1/statuses", json={"status": "x", "media_ids": [bobs]})
    assert r.status_code == 422 and "not found or already attached" in r.json()["error"]
    mine = upload(fake)
    post(fake, status="first", media_ids=[mine])
    r = call(fake, "POST", "/api/v1/statuses", json={"status": "again", "media_ids": [mine]})
    assert r.status_code == 422 and "already attached" in r.json()["error"]
    many = [upload(fake) for _ in range(5)]
    r = call(fake, "POST", "/api/v1/statuses", json={"status": "many", "media_ids": many})
    assert r.json() == {"error": "Cannot attach more than 4 files"}


def test_an_edit_resets_the_content_warning_and_sensitive_but_keeps_the_language(fake):
    status = post(fake, status="Owls", spoiler_text="birds", sensitive=True, language="fr")
    assert (status["spoiler_text"], status["sensitive"]) == ("birds", True)
    edited = ok(edit(fake, status["id"], json={"status": "Owls at night"}))
    assert (edited["spoiler_text"], edited["sensitive"], edited["language"]) == ("", False, "fr")
    edited = ok(edit(fake, status["id"], json={"status": "Owls", "language": "en"}))
    assert edited["language"] == "en"
    # a content warning makes it sensitive; a form's "false" is false
    edited = ok(edit(fake, status["id"], json={"status": "Owls", "spoiler_text": "cw"}))
    assert (edited["spoiler_text"], edited["sensitive"]) == ("cw", True)
    form = {"status": "Owls", "spoiler_text": "cw", "sensitive": "false"}
    assert ok(edit(fake, status["id"], data=form))["sensitive"] is False


def test_an_edit_that_changes_nothing_is_no_edit(fake):
    status = post(fake, status="Owls", language="en")
    same = ok(edit(fake, status["id"], json={"status": "Owls"}))
    assert same["edited_at"] is None and sid_history(fake, status["id"]) == ["<p>Owls</p>"]
    assert status["id"] not in fake.edits
    ok(edit(fake, status["id"], json={"status": "Owls!"}))
    edited_at = fake.statuses[status["id"]]["edited_at"]
    again = ok(edit(fake, status["id"], json={"status": "Owls!"}))
    assert again["edited_at"] == edited_at and len(fake.edits[status["id"]]) == 2


def test_an_edit_over_the_limit_is_refused_and_changes_nothing(fake):
    status = post(fake, status="Owls")
    r = edit(fake, status["id"], json={"status": "o" * 501})
    assert (r.status_code, r.json()) == (
        422,
        {"error": "Validation failed: Text character limit of 500 exceeded"},
    )
    r = edit(fake, status["id"], json={"status": "o" * 490, "spoiler_text": "a long warning"})
    assert r.status_code == 422  # the content warning counts too
    assert fake.statuses[status["id"]]["_text"] == "Owls" and not fake.edits
    blank = edit(fake, status["id"], json={"status": " "})
    assert (blank.status_code, blank.json()) == (
        422,
        {"error": "Validation failed: Text can't be blank"},
    )


def test_an_edit_renders_its_content_as_create_does(fake):
    status = post(fake, status="Owls")
    edited = ok(edit(fake, status["id"], json={"status": "Owls <3 https://camille.blog/owls/"}))
    created = post(fake, status="Owls <3 https://camille.blog/owls/")
    assert edited["content"] == created["content"]
    assert '<a href="https://camille.blog/owls/"' in edited["content"]
    assert "Owls &lt;3" in edited["content"]


def test_another_accounts_status_cannot_be_edited(fake):
    theirs = post(fake, token="bob-token", status="@camille hello")
    assert edit(fake, theirs["id"], json={"status": "mine now"}).status_code == 404


# -- history and source ----------------------------------------------------------------------


def sid_history(fake, sid: str, token: str = "good-token") -> list[str]:
    return [v["content"] for v in ok(call(fake, "GET", f"/api/v1/statuses/{sid}/history", token))]


def test_the_history_keeps_every_version_with_its_alt_text(fake):
    picture = upload(fake, "A swift")
    status = post(fake, status="Swifts", media_ids=[picture])
    body = {"status": "Swifts!", "media_ids": [picture]}
    body["media_attributes"] = [{"id": picture, "description": "A swift, blurred"}]
    ok(edit(fake, status["id"], json=body))
    ok(edit(fake, status["id"], json={"status": "Swifts, words only"}))

    versions = ok(call(fake, "GET", f"/api/v1/statuses/{status['id']}/history"))
    assert [v["content"] for v in versions] == [
        "<p>Swifts</p>",
        "<p>Swifts!</p>",
        "<p>Swifts, words only</p>",
    ]
    assert [alts(v) for v in versions] == [["A swift"], ["A swift, blurred"], []]
    assert versions[0]["created_at"] == status["created_at"]
    assert versions[-1]["created_at"] == fake.statuses[status["id"]]["edited_at"]
    assert versions[0]["account"]["username"] == "camille"
    # the same, as state
    kept = fake.edits[status["id"]]
    assert [v["text"] for v in kept] == ["Swifts", "Swifts!", "Swifts, words only"]
    assert [v["media_descriptions"] for v in kept] == [["A swift"], ["A swift, blurred"], []]


def test_a_status_never_edited_has_itself_as_its_history(fake):
    status = post(fake, status="Owls")
    [version] = ok(call(fake, "GET", f"/api/v1/statuses/{status['id']}/history"))
    assert version["content"] == "<p>Owls</p>" and version["created_at"] == status["created_at"]
    assert call(fake, "GET", "/api/v1/statuses/404/history").status_code == 404


def test_the_source_is_the_text_as_typed(fake):
    status = post(fake, status="Owls & https://camille.blog/", spoiler_text="birds")
    source = ok(call(fake, "GET", f"/api/v1/statuses/{status['id']}/source"))
    assert source == {
        "id": status["id"],
        "text": "Owls & https://camille.blog/",
        "spoiler_text": "birds",
    }
    assert call(fake, "GET", "/api/v1/statuses/404/source").status_code == 404
    # Like Mastodon: any status the reader may see, not one they may not.
    public = post(fake, token="bob-token", status="hello")
    assert ok(call(fake, "GET", f"/api/v1/statuses/{public['id']}/source"))["text"] == "hello"
    hidden = post(fake, token="bob-token", status="@ines psst", visibility="direct")
    assert call(fake, "GET", f"/api/v1/statuses/{hidden['id']}/source").status_code == 404


# -- scopes ----------------------------------------------------------------------------------

OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}


def test_a_token_without_write_media_gets_403_on_upload(fake):
    files = {"file": ("swift.png", fake.avatar_png, "image/png")}
    r = call(fake, "POST", "/api/v2/media", "no-media-token", files=files)
    assert (r.status_code, r.json()) == (403, OUT_OF_SCOPE)
    assert fake.media == {}
    # ...but it may post (write:statuses) and read (read)
    status = post(fake, token="no-media-token", status="words only")
    assert ok(call(fake, "GET", "/api/v1/notifications", "no-media-token")) == []
    assert ok(call(fake, "GET", f"/api/v1/statuses/{status['id']}", "no-media-token"))


def test_a_token_without_read_notifications_gets_403_on_notifications(fake):
    r = call(fake, "GET", "/api/v1/notifications", "no-notifications-token")
    assert (r.status_code, r.json()) == (403, OUT_OF_SCOPE)
    status = post(fake, token="no-notifications-token", status="still posts")
    upload(fake, token="no-notifications-token")  # write covers write:media
    for path in ("", "/context", "/favourited_by"):
        ok(call(fake, "GET", f"/api/v1/statuses/{status['id']}{path}", "no-notifications-token"))


def test_each_endpoint_asks_for_the_scope_mastodon_asks_for(fake):
    fake.tokens["narrow"] = "camille"
    status = post(fake, status="Owls")
    sid = status["id"]
    me = account_id("camille")
    cases = [  # (method, path, a scope that lets it through, one that does not)
        ("GET", f"/api/v1/statuses/{sid}", "read:statuses", "read:accounts"),
        ("GET", f"/api/v1/statuses/{sid}/context", "read:statuses", "read:accounts"),
        ("GET", f"/api/v1/statuses/{sid}/history", "read:statuses", "read:accounts"),
        ("GET", f"/api/v1/statuses/{sid}/source", "read:statuses", "read:accounts"),
        ("GET", f"/api/v1/statuses/{sid}/quotes", "read:statuses", "read:accounts"),
        ("GET", f"/api/v1/statuses/{sid}/favourited_by", "read:accounts", "read:statuses"),
        ("GET", f"/api/v1/statuses/{sid}/reblogged_by", "read:accounts", "read:statuses"),
        ("GET", f"/api/v1/accounts/{me}", "read:accounts", "read:statuses"),
        ("GET", f"/api/v1/accounts?id[]={me}", "read:accounts", "read:statuses"),
        ("GET", f"/api/v1/accounts/{me}/statuses", "read:statuses", "read:accounts"),
        ("GET", "/api/v1/accounts/verify_credentials", "profile", "read:statuses"),
        ("GET", "/api/v1/accounts/verify_credentials", "read:accounts", "write"),
        ("GET", "/api/v1/notifications", "read:notifications", "read:statuses"),
        ("PUT", f"/api/v1/statuses/{sid}", "write:statuses", "write:media"),
        ("POST", f"/api/v1/statuses/{sid}/favourite", "write:favourites", "write:statuses"),
        ("POST", f"/api/v1/statuses/{sid}/reblog", "write:statuses", "write:favourites"),
        ("POST", "/api/v1/statuses", "write:statuses", "read"),
        ("DELETE", f"/api/v1/statuses/{sid}", "write:statuses", "read"),
    ]
    for method, path, enough, other in cases:
        body = {"status": "Owls"} if method in ("POST", "PUT") else None
        fake.scopes["narrow"] = {other}
        r = call(fake, method, path, "narrow", json=body)
        assert (r.status_code, r.json()) == (403, OUT_OF_SCOPE), (path, other)
        fake.scopes["narrow"] = {enough}
        r = call(fake, method, path, "narrow", json=body)
        assert r.status_code == 200, (path, enough, r.text)


def test_apps_verify_credentials_lists_the_scopes(fake):
    app = ok(call(fake, "GET", "/api/v1/apps/verify_credentials", "no-media-token"))
    assert app["name"] == "Roost" and app["website"] is None and app["vapid_key"]
    assert app["scopes"] == ["read", "write:statuses"]
    narrow = ok(call(fake, "GET", "/api/v1/apps/verify_credentials", "no-notifications-token"))
    assert narrow["scopes"] == ["read:accounts", "read:statuses", "write"]
    full = ok(call(fake, "GET", "/api/v1/apps/verify_credentials"))
    assert {"read", "write"} <= set(full["scopes"])
    # an expired or unknown token is refused here too; an unscoped one, everywhere
    assert call(fake, "GET", "/api/v1/apps/verify_credentials", "expired-token").status_code == 401
    assert call(fake, "GET", "/api/v1/apps/verify_credentials", "stolen").status_code == 401
    r = call(fake, "GET", "/api/v1/accounts/verify_credentials", "read-only-token")
    assert (r.status_code, r.json()) == (403, OUT_OF_SCOPE)


# -- accounts --------------------------------------------------------------------------------


def test_accounts_carry_noindex_and_show_profile_changes(fake):
    camille, bob = account_id("camille"), account_id("bob")
    me = ok(call(fake, "GET", f"/api/v1/accounts/{camille}"))
    assert me["noindex"] is False and me["acct"] == "camille"
    assert ok(call(fake, "GET", "/api/v1/accounts/verify_credentials"))["id"] == camille
    # Mastodon shows noindex for its own users only
    assert "noindex" not in ok(call(fake, "GET", f"/api/v1/accounts/{bob}"))
    reply = post(fake, token="bob-token", status="@camille hello")

    fake.profiles["bob"] = {
        "note": "<p>#nobot</p>",
        "display_name": "Bob B.",
        "noindex": True,
        "avatar": "/avatars/bob-2.png",
    }
    fake.profiles["camille"] = {"noindex": True}
    for shown in (
        ok(call(fake, "GET", f"/api/v1/accounts/{bob}")),
        ok(call(fake, "GET", f"/api/v1/statuses/{reply['id']}"))["account"],
        ok(call(fake, "GET", "/api/v1/notifications"))[0]["account"],
    ):
        assert shown["note"] == "<p>#nobot</p>" and shown["display_name"] == "Bob B."
        assert shown["noindex"] is True and shown["avatar"] == f"{fake.url}/avatars/bob-2.png"
    assert requests.get(f"{fake.url}/avatars/bob-2.png", timeout=10).status_code == 200
    assert ok(call(fake, "GET", f"/api/v1/accounts/{camille}"))["noindex"] is True


def test_accounts_by_ids(fake):
    ids = [account_id("bob"), "1234", account_id("ines"), account_id("bob")]
    found = ok(call(fake, "GET", "/api/v1/accounts", params={"id[]": ids}))
    assert [a["username"] for a in found] == ["bob", "ines"]  # unknown left out, once each
    assert call(fake, "GET", "/api/v1/accounts/1234").status_code == 404
    many = [str(i) for i in range(41)]
    r = call(fake, "GET", "/api/v1/accounts", params={"id[]": many})
    assert r.status_code == 422
    assert ok(call(fake, "GET", "/api/v1/accounts", params={"id[]": many[:40]})) == []


# -- account statuses ------------------------------------------------------------------------


def test_account_statuses_page_with_max_id_since_id_min_id_and_limit(fake):
    ids = [post(fake, status=f"post {i}")["id"] for i in range(45)]  # oldest first
    path = f"/api/v1/accounts/{account_id('camille')}/statuses"

    def page(**params):
        r = call(fake, "GET", path, params=params)
        return [s["id"] for s in ok(r)], r.headers.get("Link", "")

    first, link = page()
    assert first == ids[::-1][:20]  # newest first, 20 by default
    assert f"max_id={ids[25]}" in link and 'rel="next"' in link and f"min_id={ids[44]}" in link
    older, _ = page(max_id=ids[25])
    assert older == ids[25 - 20 : 25][::-1]
    assert page(max_id=ids[25], limit=5)[0] == ids[20:25][::-1]
    assert page(limit=100)[0] == ids[::-1][:40]  # at most 40
    assert page(since_id=ids[39])[0] == ids[40:][::-1]
    assert page(min_id=ids[9], limit=3)[0] == ids[10:13][::-1]  # the page right after


def test_account_statuses_show_another_account_what_mastodon_shows(fake):
    public = post(fake, token="bob-token", status="hello")
    post(fake, token="bob-token", status="@ines just us", visibility="direct")
    to_me = post(fake, token="bob-token", status="@camille just us", visibility="direct")
    path = f"/api/v1/accounts/{account_id('bob')}/statuses"
    assert [s["id"] for s in ok(call(fake, "GET", path))] == [to_me["id"], public["id"]]
    assert len(ok(call(fake, "GET", path, "bob-token"))) == 3  # the author sees all
    assert call(fake, "GET", "/api/v1/accounts/1/statuses").status_code == 404


# -- state helpers ---------------------------------------------------------------------------


def test_delete_status_as_removes_it_like_the_author_would(fake):
    status = post(fake, status="Owls")
    with pytest.raises(KeyError):
        fake.delete_status_as("bob", status["id"])
    assert fake.delete_status_as("camille", status["id"])["_text"] == "Owls"
    assert call(fake, "GET", f"/api/v1/statuses/{status['id']}").status_code == 404
    with pytest.raises(KeyError):
        fake.delete_status_as("camille", status["id"])


def test_a_deleted_status_lets_its_media_go_for_a_redraft(fake):
    picture = upload(fake, "A swift")
    status = post(fake, status="Swifts", media_ids=[picture])
    deleted = ok(call(fake, "DELETE", f"/api/v1/statuses/{status['id']}"))
    assert deleted["text"] == "Swifts" and alts(deleted) == ["A swift"]
    redraft = post(fake, status="Swifts, again", media_ids=[picture])
    assert alts(redraft) == ["A swift"]
    ok(call(fake, "DELETE", f"/api/v1/statuses/{redraft['id']}?delete_media=true"))
    assert picture not in fake.media
