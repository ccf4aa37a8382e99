"""The one way Roost fetches an address that a network, a reply, a DID document or a Webmention
named: an avatar, an attached picture, a DID document, the PDS it points to, a page a post links
to and the Webmention endpoint it advertises (the one POST: :meth:`GuardedFetcher.post_form`).

Such an address is chosen by a stranger, and Roost runs where a stranger must not reach: on a
laptop inside a home network, on a CI runner beside its cloud metadata service
(``169.254.169.254``). So a fetch here:

* takes ``http`` and ``https`` only, with no user name or password in the address;
* resolves the name once, refuses it unless every address it resolves to is public (not
  loopback, private, link-local, CGNAT, multicast, reserved, documentation, unique-local, nor a
  mapped, NAT64, 6to4 or Teredo form of one), and connects to that very address, so DNS cannot
  switch it between the check and the connection; the address actually connected to is checked
  again;
* follows at most ``MAX_REDIRECTS`` redirects, each checked like the first address (a form POST
  follows only 307 and 308, which keep the method and body; a 301/302/303 would turn it into a
  GET of somewhere else, so it is an error);
* has a deadline for each fetch and one for the whole run, counted across connecting, every
  redirect and every byte (a server dripping a byte every few seconds is cut off), and a byte
  cap on every body (a larger ``Content-Length`` is refused before reading);
* sends no cookie, no token and no proxy setting from the environment.

Addresses the author configured (their Mastodon server, their PDS, the PLC directory,
webmention.io) are trusted as configured: a fetch whose scheme, host and port are one of
``trusted`` skips the address check (a redirect elsewhere is checked again), keeping the
deadlines and the byte cap. :func:`picture` is the second half for images: only what Pillow
decodes, whole, as the type it claims is kept.

The tests' fake servers live on loopback. Tests let the fetch reach them with
:func:`allow_in_tests`, a function of this module that no setting and no environment variable
can reach.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 3
FETCH_SECONDS = 20.0  # one fetch, redirects and body included
RUN_SECONDS = 300.0  # every fetch of one command run together
USER_AGENT = "Roost (+https://github.com/roost-blog; archiving replies to the author's posts)"

#: Networks no stranger may make Roost reach, beyond what ``ipaddress`` already calls private,
#: loopback, link-local, multicast, reserved or unspecified.
_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598): often the provider's own hosts
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "168.63.129.16/32",  # Azure's platform endpoint (WireServer), reachable from its VMs
        "100::/64",  # discard
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (2024)
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
        "ff00::/8",  # multicast
    )
]

#: (ip, port) pairs the tests' fake servers listen on; only tests add to it.
_TEST_SERVERS: set[tuple[str, int]] = set()


class FetchError(Exception):
    """Nothing was brought home from an address; ``str()`` says why, without its query.
    ``status``: the HTTP status when the server answered with a failure, else None."""

    status: int | None = None


class Refused(FetchError):
    """The address, a redirect or the answer broke a rule (private address, too big, too
    slow): it is not fetched, whatever it holds."""


@dataclass
class Fetched:
    url: str  # where the body came from, after redirects
    status: int
    content_type: str  # the media type alone, lowercased ("image/png")
    body: bytes
    links: tuple[str, ...] = ()  # every ``Link`` header's value, in order (RFC 8288)


def allow_in_tests(host: str, port: int) -> None:
    """Let fetches reach a test server on loopback. For the test suite only."""
    _TEST_SERVERS.add((str(ipaddress.ip_address(host)), int(port)))


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address anyone on the internet could reach; false for every form of an
    internal one, including IPv6 spellings of internal IPv4 addresses."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
        if ip.ipv4_mapped is not None:
            return True  # the IPv4 address it stands for is public
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    return not any(ip.version == net.version and ip in net for net in _BLOCKED)


def shown(url: str) -> str:
    """An address as Roost prints it: never its query string or user name (either may hold a
    key). Never raises, whatever the address."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an address that is not valid"
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{query}"[:200]


class GuardedFetcher:
    """Fetches for one command run: shares the run's deadline; ``trusted`` holds the origins
    the author configured (``https://mastodon.social``), fetched without the address check."""

    def __init__(
        self,
        trusted: set[str] | frozenset[str] = frozenset(),
        *,
        fetch_seconds: float = FETCH_SECONDS,
        run_seconds: float = RUN_SECONDS,
        clock=time.monotonic,
    ):
        self.trusted = {_origin(u) for u in trusted if u}
        self.fetch_seconds = fetch_seconds
        self.clock = clock
        self.run_deadline = clock() + run_seconds
        self.spent = False  # the run's time ran out; later fetches are refused at once

    def trust(self, *urls: str) -> None:
        self.trusted |= {_origin(u) for u in urls if u}

    def get(self, url: str, *, max_bytes: int, accept: str = "*/*", only=None) -> Fetched:
        """The body at ``url`` (a 2xx answer), or FetchError saying why not. ``only``: the media
        types whose body is read; another type's answer comes back with its headers alone."""
        return self._request("GET", url, max_bytes, accept, None, only)

    def post_form(self, url: str, fields: dict[str, str], *, max_bytes: int = 64 * 1024):
        """POST ``fields`` as ``application/x-www-form-urlencoded`` to ``url`` (its query string
        kept as it is); the answer (status and headers; its body is not read) if 2xx, else
        FetchError naming the status."""
        body = urlencode(fields).encode("ascii")
        return self._request("POST", url, max_bytes, "*/*", body)

    def _request(self, method, url, max_bytes, accept, body, only=None) -> Fetched:
        deadline = min(self.clock() + self.fetch_seconds, self.run_deadline)
        watch: list[threading.Timer] = []  # cut each connection at the deadline
        follow = (307, 308) if method == "POST" else (301, 302, 303, 307, 308)
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                response = self._open(url, deadline, accept, watch, method, body)
                try:
                    if response.status in follow:
                        target = response.headers.get("Location")
                        if not target:
                            raise FetchError(f"{shown(url)}: a redirect without a Location")
                        url = urljoin(url, target)
                        continue
                    if not 200 <= response.status < 300:
                        error = FetchError(f"{shown(url)}: the server answered {response.status}")
                        error.status = response.status
                        raise error
                    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    # A POST's answer is its status: its body, however large, is not read.
                    wanted = body is None and (only is None or ctype in only)
                    data = self._read(response, url, max_bytes, deadline) if wanted else b""
                    if not wanted:
                        response.close()  # the unread rest is not waited for
                finally:
                    response.release_conn()
                links = tuple(response.headers.getlist("Link"))
                return Fetched(url, response.status, ctype, data, links)
        except ValueError:  # an address, or a redirect's, that cannot even be parsed
            raise Refused(f"{shown(url)}: not a valid address") from None
        finally:
            for timer in watch:
                timer.cancel()
        raise Refused(f"{shown(url)}: more than {MAX_REDIRECTS} redirects")

    def _remaining(self, deadline: float, url: str) -> float:
        left = deadline - self.clock()
        if left <= 0:
            if deadline >= self.run_deadline:
                self.spent = True
                raise Refused(f"{shown(url)}: this run's time for fetching is spent")
            raise Refused(f"{shown(url)}: took longer than {self.fetch_seconds:.0f} s")
        return left

    def _failed(self, url: str, deadline: float, why: str) -> FetchError:
        """The error for a fetch that broke off: the deadline's, when that is what cut it."""
        try:
            self._remaining(deadline, url)
        except Refused as e:
            return e
        return FetchError(f"{shown(url)}: {why}")

    def _open(self, url, deadline, accept, watch, method="GET", body=None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"{shown(url)}: only http and https addresses are fetched")
        if parts.username or parts.password:
            raise Refused(f"{shown(url)}: an address with a user name is not fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)  # ValueError: see get()
        left = self._remaining(deadline, url)
        pool_class = _GuardedHTTPSPool if parts.scheme == "https" else _GuardedHTTPPool
        pool = pool_class(
            parts.hostname,
            port,
            maxsize=1,
            retries=False,
            timeout=urllib3.Timeout(connect=min(left, 10.0), read=min(left, 10.0)),
        )
        pool.guard_trusted = _origin(url) in self.trusted
        pool.guard_until = (deadline, self.clock, watch)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "identity"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            return pool.urlopen(
                method,
                path,
                body=body,
                headers=headers,
                redirect=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
                release_conn=False,
            )
        except FetchError as e:
            raise type(e)(f"{shown(url)}: {e}") from None
        except urllib3.exceptions.HTTPError as e:
            reason = getattr(e, "reason", None)
            if isinstance(reason, FetchError):
                raise type(reason)(f"{shown(url)}: {reason}") from None
            raise self._failed(url, deadline, type(reason or e).__name__) from None
        except OSError as e:
            raise self._failed(url, deadline, type(e).__name__) from None

    def _read(self, response, url: str, max_bytes: int, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise Refused(f"{shown(url)}: {declared} bytes, over the {max_bytes} byte limit")
        chunks, size = [], 0
        while True:
            self._remaining(deadline, url)
            try:
                chunk = response.read1(64 * 1024)
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
                raise self._failed(url, deadline, type(e).__name__) from None
            if not chunk:
                self._remaining(deadline, url)  # cut off by the watchdog: not a whole body
                return b"".join(chunks)
            size += len(chunk)
            if size > max_bytes:
                raise Refused(f"{shown(url)}: over the {max_bytes} byte limit")
            chunks.append(chunk)


def _origin(url: str) -> str:
    parts = urlsplit(str(url))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _connect(conn) -> socket.socket:
    """Resolve once, check every address, connect to a checked one, check the peer again; and
    set a watchdog that cuts the connection at the fetch's deadline, whatever the server does
    (a status line or headers dripped a byte at a time included)."""
    trusted = getattr(conn, "guard_trusted", False)
    deadline, clock, watch = conn.guard_until
    try:
        infos = socket.getaddrinfo(conn.host, conn.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(f"{conn.host[:100]}: the name does not resolve ({e})") from None
    addresses = []
    for family, kind, proto, _, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not trusted and not _allowed(ip, conn.port):
            # One internal address among public ones is how rebinding attacks start: refuse all.
            raise Refused(f"{conn.host} resolves to {ip}, which is not a public address")
        addresses.append((family, kind, proto, sockaddr, ip))
    last: OSError | None = None
    for family, kind, proto, sockaddr, ip in addresses:
        left = deadline - clock()
        if left <= 0:
            break  # the caller says which deadline it was
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(min(left, 10.0))
            sock.connect(sockaddr)
            peer = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
            if peer != ip or (not trusted and not _allowed(peer, conn.port)):
                sock.close()
                raise Refused(f"{conn.host}: connected to {peer}, which is not a public address")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            timer = threading.Timer(max(deadline - clock(), 0.0), _cut, (sock,))
            timer.daemon = True
            timer.start()
            watch.append(timer)
            return sock
        except Refused:
            raise
        except OSError as e:
            sock.close()
            last = e
    why = type(last).__name__ if last else "no time left"
    raise FetchError(f"{conn.host}: cannot connect ({why})")


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _allowed(ip, port: int) -> bool:
    return is_public(ip) or (str(ip), int(port)) in _TEST_SERVERS


class _Guarded:
    """What both connection classes share: the checked connect."""

    def _new_conn(self) -> socket.socket:
        return _connect(self)


class _GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _GuardedPool:
    """What both pools share: each connection learns whether its origin is trusted, and the
    fetch's deadline."""

    guard_trusted = False
    guard_until = None

    def _new_conn(self):
        conn = super()._new_conn()
        conn.guard_trusted = self.guard_trusted
        conn.guard_until = self.guard_until
        return conn


class _GuardedHTTPPool(_GuardedPool, HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(_GuardedPool, HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection
