"""The guarded fetch, attacked: every address a stranger can name that points inside is refused
before any byte is sent there; slow and huge answers are cut off; only real pictures are kept.

Each attack is checked against a canary server on loopback that counts the requests it gets:
a refusal that still reached it would be a failure, not a pass.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from roost.networks import guarded_fetch
from roost.networks.guarded_fetch import FetchError, GuardedFetcher, Refused, allow_in_tests
from roost.pictures import check as check_picture

from sites import PNG_1X1, same_picture


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the fetch cut the connection on purpose (too slow, too big): not a failure


class Canary:
    """A loopback server that answers as told and remembers every request."""

    def __init__(self, answer=None):
        self.hits: list[str] = []
        self.answer = answer or (lambda handler: handler.send_body(200, PNG_1X1, "image/png"))
        canary = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                canary.hits.append(self.path)
                canary.answer(self)

            def send_body(self, code, body: bytes, ctype="application/octet-stream", **headers):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(body)

        self.server = _Quiet(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def canary():
    servers = []

    def make(answer=None) -> Canary:
        servers.append(Canary(answer))
        return servers[-1]

    yield make
    for s in servers:
        s.close()
    guarded_fetch._TEST_SERVERS.clear()


def refused(url: str, fetcher: GuardedFetcher | None = None) -> str:
    with pytest.raises(FetchError) as e:
        (fetcher or GuardedFetcher()).get(url, max_bytes=1_000_000)
    assert isinstance(e.value, Refused), e.value
    return str(e.value)


INSIDE = [
    "127.0.0.1",
    "127.1",  # short form
    "2130706433",  # 127.0.0.1 as one number
    "0x7f000001",
    "0177.0.0.1",  # octal
    "localhost",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "198.18.0.1",  # benchmarking
    "[::1]",
    "[::]",
    "[fc00::1]",  # unique local
    "[fd12:3456::1]",
    "[fe80::1]",  # link-local
    "[ff02::1]",  # multicast
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:169.254.169.254]",
    "[::ffff:10.0.0.1]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo of a client at 127.0.0.1
    "168.63.129.16",  # Azure's platform endpoint, reachable from its VMs (GitHub's runners)
]


@pytest.mark.parametrize("host", INSIDE)
def test_internal_addresses_are_refused_before_connecting(canary, host):
    trap = canary()
    message = refused(f"http://{host}:{trap.port}/avatar.png")
    assert "not a public address" in message or "does not resolve" not in message
    assert trap.hits == []


def test_a_name_that_resolves_inside_is_refused(canary, monkeypatch):
    trap = canary()
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "friendly.example":
            return real("127.0.0.1", *args, **kwargs)
        if host == "mixed.example":  # one public address, one inside: refused too
            return real("93.184.216.34", *args, **kwargs) + real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(guarded_fetch.socket, "getaddrinfo", rebinding)
    assert "resolves to 127.0.0.1" in refused(f"http://friendly.example:{trap.port}/a.png")
    assert "resolves to 127.0.0.1" in refused(f"http://mixed.example:{trap.port}/a.png")
    assert trap.hits == []


def test_the_address_checked_is_the_address_connected_to(canary, monkeypatch):
    """DNS answers a public address once and an internal one after: the fetch resolves once and
    connects to what it checked, so the second answer is never used."""
    ok = canary()
    allow_in_tests("127.0.0.1", ok.port)
    calls = []
    real = socket.getaddrinfo

    def flipping(host, port, *args, **kwargs):
        calls.append(host)
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(guarded_fetch.socket, "getaddrinfo", flipping)
    got = GuardedFetcher().get(f"http://flip.example:{ok.port}/a.png", max_bytes=10_000)
    assert got.body == PNG_1X1 and calls == ["flip.example"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.png",
        "gopher://example.com/",
        "data:image/png;base64,AAAA",
        "//example.com/a.png",
        "http://user:secret@example.com/a.png",
        "http:///a.png",
    ],
)
def test_only_plain_http_addresses_are_fetched(url):
    refused(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example:99999/x",
        "http://a.example:-1/",
        "http://[::1/x",
        "https://tomas.example\u2488/me.png",
        "http://\u2488.example/",
        "http://" + "a" * 300 + ".example/",
    ],
)
def test_an_address_that_cannot_be_parsed_is_one_error_not_a_crash(url):
    with pytest.raises(FetchError) as e:  # a stranger's typo must never stop a backfeed
        GuardedFetcher().get(url, max_bytes=1_000)
    assert len(str(e.value)) < 500


def test_a_redirect_that_cannot_be_parsed_is_one_error_not_a_crash(canary):
    for target in ("http://[::1", "http://\u2488.example/", "http://a.example:99999/"):
        odd = canary(lambda h, target=target: h.send_body(302, b"", Location=target))
        allow_in_tests("127.0.0.1", odd.port)
        with pytest.raises(FetchError):
            GuardedFetcher().get(f"{odd.url}/a.png", max_bytes=1_000)


def test_redirects_are_checked_every_time(canary):
    inside = canary()
    outside = canary(
        lambda h: h.send_body(302, b"", Location=f"http://127.0.0.1:{inside.port}/x.png")
    )
    metadata = canary(
        lambda h: h.send_body(302, b"", Location="http://169.254.169.254/latest/meta-data/")
    )
    mapped = canary(lambda h: h.send_body(301, b"", Location=f"http://[::1]:{inside.port}/"))
    for s in (outside, metadata, mapped):
        allow_in_tests("127.0.0.1", s.port)
    assert "not a public address" in refused(f"{outside.url}/a.png")
    assert "not a public address" in refused(f"{metadata.url}/a.png")
    refused(f"{mapped.url}/a.png")
    assert inside.hits == []


def test_a_long_chain_of_redirects_is_refused(canary):
    loop = canary(lambda h: h.send_body(302, b"", Location=h.path + "x"))
    allow_in_tests("127.0.0.1", loop.port)
    assert "redirects" in refused(f"{loop.url}/a")
    assert len(loop.hits) == guarded_fetch.MAX_REDIRECTS + 1


def test_a_trusted_server_may_be_inside_but_its_redirects_are_checked(canary):
    inside = canary()
    configured = canary(
        lambda h: (
            h.send_body(302, b"", Location=f"http://127.0.0.1:{inside.port}/")
            if h.path == "/away"
            else h.send_body(200, PNG_1X1, "image/png")
        )
    )
    fetcher = GuardedFetcher({configured.url})
    assert fetcher.get(f"{configured.url}/avatar.png", max_bytes=10_000).body == PNG_1X1
    refused(f"{configured.url}/away", fetcher)
    assert inside.hits == []


def test_a_body_over_the_cap_is_not_read(canary):
    declared = canary(lambda h: h.send_body(200, b"x" * 5000, "image/png"))
    allow_in_tests("127.0.0.1", declared.port)
    with pytest.raises(Refused, match="over the 1000 byte limit"):
        GuardedFetcher().get(declared.url, max_bytes=1000)

    def undeclared(h):  # no Content-Length: the read stops at the cap
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"{" * 10_000)

    streamed = canary(undeclared)
    allow_in_tests("127.0.0.1", streamed.port)
    with pytest.raises(Refused, match="over the 50000 byte limit"):
        GuardedFetcher().get(streamed.url, max_bytes=50_000)


def drip(h):
    """A byte now and then, for ever: each read alone would be within any read timeout."""
    h.send_response(200)
    h.send_header("Content-Type", "image/png")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    try:
        for _ in range(1000):
            h.wfile.write(b"\x89")
            h.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


def test_a_dripping_server_is_cut_off_at_the_deadline(canary):
    slow = canary(drip)
    allow_in_tests("127.0.0.1", slow.port)
    with pytest.raises(Refused, match="took longer than 2 s"):
        GuardedFetcher(fetch_seconds=2).get(slow.url, max_bytes=10_000)


def drip_headers(h):
    """The status line and the headers a byte at a time: http.client reads them with no
    deadline of its own."""
    try:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n" + b"X" * 1000:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


def test_a_server_dripping_its_headers_is_cut_off_at_the_deadline(canary):
    slow = canary(drip_headers)
    allow_in_tests("127.0.0.1", slow.port)
    with pytest.raises(Refused, match="took longer than 2 s"):
        GuardedFetcher(fetch_seconds=2).get(slow.url, max_bytes=10_000)


def test_the_run_has_a_deadline_across_fetches(canary):
    slow = canary(drip)
    allow_in_tests("127.0.0.1", slow.port)
    fetcher = GuardedFetcher(fetch_seconds=60, run_seconds=1.5)
    with pytest.raises(Refused, match="this run's time for fetching is spent"):
        fetcher.get(slow.url, max_bytes=10_000)
    assert fetcher.spent
    with pytest.raises(Refused, match="spent"):
        fetcher.get(slow.url + "/again", max_bytes=10_000)


def test_messages_never_show_a_query_string(canary):
    trap = canary()
    message = refused(f"http://127.0.0.1:{trap.port}/a.png?token=s3cret&key=k")
    assert "s3cret" not in message and "?…" in message


# -- pictures -------------------------------------------------------------------------------


def png(width=8, height=8) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buf, "PNG")
    return buf.getvalue()


def bomb() -> bytes:
    """A small PNG whose header claims 60,000 x 60,000 pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "claimed"),
    [
        (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "image/png"),
        (b"RIFF\x00\x00\x00\x00<html>not a webp</html>", "image/webp"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        (b"\xff\xd8\xff\xe0 then nothing a decoder wants", "image/jpeg"),
        (png()[:40], "image/png"),  # truncated
        (png(), "image/jpeg"),  # not what it claims
        (png(), "text/html"),
        (bomb(), "image/png"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
    ],
)
def test_only_whole_pictures_of_the_type_they_claim_are_kept(data, claimed):
    with pytest.raises(ValueError):
        check_picture(data, claimed)


def test_real_pictures_are_kept():
    from PIL import Image

    assert check_picture(png(), "image/png; charset=binary") == "image/png"
    assert check_picture(PNG_1X1, "image/png") == "image/png"
    for fmt, mime in (("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")):
        buf = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(buf, fmt)
        assert check_picture(buf.getvalue(), mime) == mime


# -- in the backfeed: what a stranger names never reaches inside ------------------------------


def test_an_avatar_inside_is_never_fetched_nor_stored(tmp_path, fake, canary):
    from test_backfeed import act

    from roost.commands.backfeed import backfeed
    from roost.commands.syndicate import Syndicator
    from roost.networks.mastodon.adapter import Mastodon
    from roost.store import Store

    from sites import make_post

    trap = canary()
    store = Store(tmp_path / "social")
    adapter = Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"})
    from datetime import date

    Syndicator(store, {"mastodon": adapter}, since=date(2025, 1, 1), check_deployed=False).run(
        [make_post(key="swifts", url="https://camille.blog/swifts/")]
    )
    copy = store.read_post("swifts").copies("mastodon")[0].id
    fake.profiles["bob"] = {"avatar": f"http://127.0.0.1:{trap.port}/latest/meta-data/x.png"}
    fake.profiles["ines"] = {"avatar": "http://169.254.169.254/latest/meta-data/iam.png"}
    for who in ("bob", "ines"):
        act(fake, who, "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copy)
    report = backfeed(store, adapter)
    assert report.change.added == 2 and not report.failed
    people = store.read_people()
    assert people["mastodon:bob@other.example"].avatar is None
    assert people["mastodon:ines@other.example"].avatar is None
    assert trap.hits == []
    assert (
        not list((store.root / "media").rglob("*.*")) if (store.root / "media").exists() else True
    )


def test_pictures_named_inside_are_refused_and_nothing_is_fetched_under_the_lock(tmp_path, canary):
    """A picture attached to a reply that points inside is refused; one that is outside is
    fetched while the records lock is free (another command may write meanwhile)."""
    from roost.archive import Harvest
    from roost.commands.backfeed import merge_into
    from roost.model import Interaction, Media
    from roost.people import Person
    from roost.store import Store

    store = Store(tmp_path / "social")
    trap = canary()
    lock_free = []

    def answer(handler):
        try:
            with Store(store.root).lock(timeout=1):
                lock_free.append(True)
        except Exception:
            lock_free.append(False)
        handler.send_body(200, PNG_1X1, "image/png")

    outside = canary(answer)
    allow_in_tests("127.0.0.1", outside.port)
    bob = Person("mastodon:bob@b.example", "mastodon", "Bob")
    replies = [
        Interaction(f"mastodon:{n}", "mastodon", "reply", bob.id, "2026-05-01T10:00:00Z",
                    content="<p>look</p>", media=[Media(None, "image/png", "alt", url)])
        for n, url in (
            (1, f"http://127.0.0.1:{trap.port}/a.png"),
            (2, f"http://[::ffff:127.0.0.1]:{trap.port}/b.png"),
            (3, f"{outside.url}/c.png"),
        )
    ]  # fmt: skip
    merge_into(store, {"swifts": Harvest(replies, [bob])}, "mastodon", {})
    media = {x.id: x.media[0].path for x in store.read_post("swifts").interactions}
    assert media["mastodon:1"] is None and media["mastodon:2"] is None
    assert media["mastodon:3"] and same_picture((store.root / media["mastodon:3"]).read_bytes(),
                                                PNG_1X1)  # fmt: skip
    assert trap.hits == [] and lock_free == [True]


def test_a_did_document_cannot_send_the_fetch_inside(tmp_path, canary):
    """The PLC directory is the author's choice (trusted as configured); the PDS a DID
    document names is a stranger's, and so is a did:web domain."""
    import json as json_

    from roost.commands.mirror import Pictures
    from roost.networks.bluesky.adapter import Bluesky

    trap = canary()
    docs = {
        "/did:plc:inside": {"service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                                         "serviceEndpoint": f"http://127.0.0.1:{trap.port}"}]},
    }  # fmt: skip

    def plc(handler):
        if handler.path == "/did:plc:huge":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.end_headers()
            handler.wfile.write(b'{"service": [' + b'{"id": "#x"},' * 200_000)
            return
        body = json_.dumps(docs.get(handler.path, {})).encode()
        handler.send_body(200, body, "application/json")

    directory = canary(plc)
    b = Bluesky({"handle": "camille.test", "service": "https://pds.invalid", "plc": directory.url},
                env={})  # fmt: skip
    embed = {"$type": "app.bsky.embed.images",
             "images": [{"image": {"ref": {"$link": "bafkrei"}, "mimeType": "image/png"},
                         "alt": "x"}]}  # fmt: skip
    from roost.networks.bluesky import reading

    [picture] = reading.pictures("did:plc:inside", embed, b._pds_of)
    assert picture.source.startswith(f"http://127.0.0.1:{trap.port}/")
    with Pictures(GuardedFetcher(b.trusted_origins())) as pictures:
        pictures.fetch(picture.source, "a picture")
        assert pictures.fetched[picture.source] is None
    assert trap.hits == []
    assert b._pds_of("did:plc:huge") is None  # over 64 KB: refused, not read into memory
    assert b._pds_of("did:web:localhost") is None  # a did:web inside: never asked
    assert directory.hits == ["/did:plc:inside", "/did:plc:huge"]


def test_a_webmention_author_photo_inside_is_never_fetched(tmp_path, canary):
    from fakes.webmention_io import FakeWebmentionIO

    from roost.networks.webmention_io import WebmentionIO
    from roost.store import Store

    from sites import webmention_backfeed

    trap = canary()
    fake = FakeWebmentionIO()
    url = fake.start()
    try:
        source = WebmentionIO({"domain": "camille.blog", "api": url},
                              env={"ROOST_WEBMENTION_IO_TOKEN": "wm-token"})  # fmt: skip
        fake.add("https://camille.blog/swifts/", "in-reply-to", "tomas.example",
                 author={"type": "card", "name": "Tomas", "url": "https://tomas.example/",
                         "photo": f"http://127.0.0.1:{trap.port}/me.png"})  # fmt: skip
        store = Store(tmp_path)
        change, failure = webmention_backfeed(
            store, source, {"https://camille.blog/swifts/": "swifts"}
        )
    finally:
        fake.stop()
    assert change.added == 1 and not failure
    assert store.read_people()["webmention:tomas.example"].avatar is None
    assert trap.hits == []


def test_what_is_kept_is_the_picture_alone():
    """A real picture with a page appended, and a photo with its GPS position: what is
    published is the picture, written again, and nothing else."""
    from PIL import Image

    from roost.pictures import normalize

    data, mime = normalize(png() + b"<html><script>alert(1)</script></html>", "image/png")
    assert mime == "image/png" and b"<script" not in data and same_picture(data, png())
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # a GPS position
    Image.new("RGB", (16, 8), "navy").save(photo, "JPEG", exif=exif)
    data, _ = normalize(photo.getvalue() + b"MZ\x90\x00 a program", "image/jpeg")
    assert b"Camera maker" not in data and b"MZ\x90" not in data
    with Image.open(io.BytesIO(data)) as kept:
        assert kept.size == (16, 8) and not kept.getexif()


def gif_bomb(side: int = 6000, frames: int = 100) -> bytes:
    """A GIF whose screen is side x side, with ``frames`` images of one pixel: a few KB that
    Pillow decodes as ``frames`` full canvases."""
    import struct

    from PIL import Image

    one = io.BytesIO()
    Image.new("P", (1, 1), 0).save(one, "GIF")
    raw = one.getvalue()
    table = 3 * 2 ** ((raw[10] & 7) + 1) if raw[10] & 0x80 else 0
    at = 13 + table
    while raw[at] != 0x2C:  # skip extensions up to the image descriptor
        at += 2
        while raw[at]:
            at += raw[at] + 1
        at += 1
    end = at + 11  # the descriptor and the LZW code size, then sub-blocks up to a 0
    while raw[end]:
        end += raw[end] + 1
    image = raw[at : end + 1]
    screen = raw[:6] + struct.pack("<HH", side, side) + raw[10:13] + raw[13 : 13 + table]
    return screen + image * frames + b";"


def test_a_small_animation_of_a_huge_canvas_is_refused():
    """A few KB of GIF, a hundred frames of 6000 x 6000: minutes of CPU to decode."""
    bomb = gif_bomb()
    assert len(bomb) < 5_000
    with pytest.raises(ValueError, match="too much to decode"):
        check_picture(bomb, "image/gif")
    check_picture(gif_bomb(64, 3), "image/gif")  # the same shape, small: a picture


def test_an_address_that_cannot_be_parsed_stops_nothing(tmp_path):
    """A Webmention author photo with a name no resolver takes used to end every backfeed in
    a traceback, hour after hour: now that photo is simply not brought home."""
    from fakes.webmention_io import FakeWebmentionIO

    from roost.networks.webmention_io import WebmentionIO
    from roost.store import Store

    from sites import webmention_backfeed

    fake = FakeWebmentionIO()
    url = fake.start()
    try:
        source = WebmentionIO({"domain": "camille.blog", "api": url},
                              env={"ROOST_WEBMENTION_IO_TOKEN": "wm-token"})  # fmt: skip
        photos = ("https://tomas.example\u2488/me.png", "http://tomas.example:99999/me.png",
                  "http://[::1/me.png")  # fmt: skip
        for n, photo in enumerate(photos):
            fake.add("https://camille.blog/swifts/", "in-reply-to", f"tomas{n}.example",
                     author={"type": "card", "name": "Tomas", "url": f"https://tomas{n}.example/",
                             "photo": photo})  # fmt: skip
        store = Store(tmp_path)
        change, failure = webmention_backfeed(
            store, source, {"https://camille.blog/swifts/": "swifts"}
        )
    finally:
        fake.stop()
    assert change.added == 3 and not failure
    assert all(p.avatar is None for p in store.read_people().values())
