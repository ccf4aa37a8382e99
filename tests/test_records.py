"""The records folder: deterministic, atomic, locked, quiet, and careful with bad files."""

from __future__ import annotations

import json
import multiprocessing
import os
import random

import pytest

from roost.model import Interaction, PostRecord, RecordError, Syndication, content_hash
from roost.people import Moderation, Person, person_fingerprint
from roost.store import Store, StoreLocked

from sites import PNG_1X1


def sample(key="hello", n=5) -> PostRecord:
    return PostRecord(
        key=key,
        syndications=[
            Syndication("mastodon", "1", "https://m.example/@me/1", "2026-01-01T00:00:00Z", "h"),
            Syndication(
                "bluesky",
                "at://did:plc:me/app.bsky.feed.post/3k",
                "https://bsky.example/p/3k",
                "2026-01-01T00:00:00Z",
                content_hash("x"),
                extra={"rkey": "3k", "cid": "bafy"},
            ),
        ],
        interactions=[
            Interaction(
                id=f"mastodon:{i}",
                network="mastodon",
                kind="reply" if i % 2 else "like",
                author=f"mastodon:p{i}@m.example",
                published=f"2026-01-02T00:00:{i:02d}Z",
                content=f"<p>reply {i} ✓</p>" if i % 2 else "",
                in_reply_to="mastodon:1" if i == 3 else None,
            )
            for i in range(1, n + 1)
        ],
    )


def test_round_trip_and_byte_identical_whatever_the_order(tmp_path):
    store = Store(tmp_path)
    rec = sample()
    with store.lock():
        assert store.write_post(rec)
    first = store.post_path("hello").read_bytes()
    assert store.read_post("hello") == PostRecord.from_dict(json.loads(first))

    shuffled = sample()
    random.Random(1).shuffle(shuffled.interactions)
    shuffled.syndications.reverse()
    other = Store(tmp_path / "other")
    with other.lock():
        other.write_post(shuffled)
    assert other.post_path("hello").read_bytes() == first
    assert first.endswith(b"\n") and "✓".encode() in first  # UTF-8, not \u escapes


def test_unchanged_records_are_not_rewritten(tmp_path):
    store = Store(tmp_path)
    with store.lock():
        store.write_post(sample())
    path = store.post_path("hello")
    before = path.stat()
    with store.lock():
        assert store.write_post(store.read_post("hello")) is False
        assert store.write_post(sample()) is False
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    store = Store(tmp_path)
    with store.lock():
        store.write_post(sample(n=2))
    old = store.post_path("hello").read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with store.lock(), pytest.raises(OSError):
        store.write_post(sample(n=5))
    assert store.post_path("hello").read_bytes() == old
    assert [p.name for p in (tmp_path / "posts").iterdir()] == ["hello.json"]


def test_leftover_temporary_files_from_a_crash_are_ignored(tmp_path):
    store = Store(tmp_path)
    with store.lock():
        store.write_post(sample())
    (tmp_path / "posts" / ".tmp-abc.json").write_text("{ half a fi")
    assert store.post_keys() == ["hello"]
    assert store.read_post("hello").interactions


def test_writes_need_the_lock(tmp_path):
    with pytest.raises(RuntimeError, match="inside `with store.lock"):
        Store(tmp_path).write_post(sample())


def _hold_lock(root, ready, release):
    with Store(root).lock():
        ready.set()
        release.wait(30)


def test_a_second_writer_waits_and_then_gives_a_clear_error(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with (
            pytest.raises(StoreLocked, match="another Roost command is writing"),
            Store(tmp_path).lock(timeout=0.2),
        ):
            pass
    finally:
        release.set()
        holder.join(30)
    with Store(tmp_path).lock(timeout=5):
        pass


def _add_replies(root, worker, count):
    store = Store(root)
    for i in range(count):
        with store.lock():
            rec = store.read_post("busy")
            rec.interactions.append(
                Interaction(
                    id=f"mastodon:{worker}-{i}",
                    network="mastodon",
                    kind="reply",
                    author="mastodon:a@b.example",
                    published="2026-01-01T00:00:00Z",
                )
            )
            store.write_post(rec)


def test_concurrent_writers_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_add_replies, args=(str(tmp_path), w, 25)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert len(Store(tmp_path).read_post("busy").interactions) == 75


def test_malformed_json_names_the_file_and_the_place(tmp_path):
    store = Store(tmp_path)
    path = tmp_path / "posts" / "broken.json"
    path.parent.mkdir()
    path.write_text('{"format": 1,\n "post": "broken",\n "interactions": [}\n')
    with pytest.raises(RecordError) as err:
        store.read_post("broken")
    message = str(err.value)
    assert "broken.json" in message and "line 3 column" in message
    assert "\n" not in message


def test_a_malformed_file_is_never_overwritten(tmp_path):
    store = Store(tmp_path)
    path = tmp_path / "posts" / "hello.json"
    path.parent.mkdir()
    path.write_text("not json")
    with store.lock(), pytest.raises(RecordError):
        store.write_post(sample())
    assert path.read_text() == "not json"


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.pop("format"), "format is missing"),
        (lambda d: d.update(format=9), "format 9 is newer than this Roost understands"),
        (lambda d: d["interactions"][0].update(kind="comment"), "interactions[0].kind 'comment'"),
        (lambda d: d["interactions"][0].pop("author"), "interactions[0].author is missing"),
        (lambda d: d["interactions"][1].update(published="yesterday"), "interactions[1].published"),
        (lambda d: d["interactions"][1].update(published="2026-01-01T10:00"), "with a zone"),
        (lambda d: d["interactions"][0].update(id="bluesky:9"), "must look like 'mastodon:"),
        (lambda d: d["interactions"][1].update(id=d["interactions"][0]["id"]), "appears twice"),
        (lambda d: d["interactions"][0].update(url="javascript:alert(1)"), "http(s) URL"),
        (lambda d: d["syndications"][0].update(part=-1), "syndications[0].part"),
        (lambda d: d.update(post="other"), "file name says 'hello'"),
        (lambda d: d.update(interactions={}), "interactions must be a list"),
    ],
)
def test_bad_records_are_rejected_with_the_key_named(tmp_path, change, expected):
    store = Store(tmp_path)
    data = sample().to_dict()
    change(data)
    path = tmp_path / "posts" / "hello.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError) as err:
        store.read_post("hello")
    assert expected in str(err.value)
    assert str(err.value).startswith(os.path.relpath(path))


def test_people_and_moderation_round_trip(tmp_path):
    store = Store(tmp_path)
    people = {
        "mastodon:a@m.example": Person("mastodon:a@m.example", "mastodon", "Ann", "@a@m.example"),
        "bluesky:did:plc:x": Person("bluesky:did:plc:x", "bluesky", "Xi", "@xi.example"),
    }
    mod = Moderation(blocked_domains=["spam.example"], forgotten=[person_fingerprint("x:y")])
    with store.lock():
        assert store.write_people("mastodon", people)
        assert store.write_people("bluesky", people)
        assert store.write_moderation(mod)
    assert store.read_people() == people
    assert store.read_moderation() == mod
    assert json.loads((tmp_path / "people/mastodon.json").read_text())["people"][0]["name"] == "Ann"


def test_media_is_content_addressed_and_type_checked(tmp_path):
    store = Store(tmp_path)
    with store.lock():
        rel = store.add_media(PNG_1X1, "image/png")
        assert store.add_media(PNG_1X1, "image/png; charset=binary") == rel
        with pytest.raises(ValueError, match="only PNG, JPEG, GIF, WebP"):
            store.add_media(b"<svg onload=alert(1)>", "image/svg+xml")
        with pytest.raises(ValueError, match="not a whole JPEG picture"):
            store.add_media(PNG_1X1, "image/jpeg")
        with pytest.raises(ValueError, match="over the"):
            store.add_media(b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024), "image/png")
    assert rel.startswith("media/") and rel.endswith(".png")
    assert (tmp_path / rel).read_bytes() == PNG_1X1


def test_an_empty_record_removes_its_file(tmp_path):
    store = Store(tmp_path)
    with store.lock():
        store.write_post(sample())
        assert store.write_post(PostRecord("hello"))
    assert not store.post_path("hello").exists()
    assert store.read_post("hello") == PostRecord("hello")


def test_html_is_sanitised_on_the_way_in(tmp_path):
    store = Store(tmp_path)
    rec = sample(n=1)
    rec.interactions[0].content = '<p onclick="x()">hi<script>alert(1)</script></p>'
    people = {
        "mastodon:a@m.example": Person(
            "mastodon:a@m.example", "mastodon", "Ann\u202e <b>", "@a@m.example"
        )
    }
    with store.lock():
        store.write_post(rec)
        store.write_people("mastodon", people)
    stored = json.loads(store.post_path("hello").read_text())["interactions"][0]["content"]
    assert stored == "<p>hi</p>"
    assert store.read_people()["mastodon:a@m.example"].name == "Ann <b>"  # text, escaped later


def test_times_with_other_zones_are_read_as_utc(tmp_path):
    data = sample(n=2).to_dict()
    data["interactions"][0]["published"] = "2026-01-02T03:00:00+02:00"
    path = tmp_path / "posts" / "hello.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    rec = Store(tmp_path).read_post("hello")
    assert [x.published for x in rec.interactions] == [
        "2026-01-02T01:00:00Z",
        "2026-01-02T00:00:02Z",
    ]


_ANY = [None, "", "x", "mastodon", "mastodon:1", "bluesky:2", "reply", "like", "rsvp", "yes",
        "https://a.example/1", "javascript:x", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05+02:00",
        "2026-01-02", 3, True, [], [{"path": None, "type": "image/png"}], {},
        "<p>hi</p>"]  # fmt: skip
_GOOD = {
    "id": "mastodon:1", "network": "mastodon", "kind": "reply", "author": "mastodon:a@b.example",
    "published": "2026-01-02T03:04:05Z", "url": "https://a.example/1", "content": "<p>hi</p>",
    "updated": None, "in_reply_to": None, "media": [],
}  # fmt: skip


def test_the_quick_path_for_plain_interactions_reads_them_as_the_full_check_does():
    """Build reads take a quick path for well-formed interactions (model._plain_interaction):
    whatever it accepts, the full check accepts with the same result; the rest go the full way."""
    from roost.model import _plain_interaction

    rnd = random.Random(11)
    quick = 0
    for n in range(20_000):
        d = dict(_GOOD)
        for _ in range(rnd.randrange(4) if n % 3 else 0):
            key = rnd.choice([*_GOOD, "rsvp"])
            if rnd.random() < 0.2:
                d.pop(key, None)
            else:
                d[key] = rnd.choice(_ANY)
        got = _plain_interaction(d)
        if got is None:
            continue
        quick += 1
        assert got == Interaction.from_dict(d, ""), d
    assert quick > 5_000
    assert _plain_interaction(["not", "a", "dict"]) is None
