"""The audience as an address book: one vCard 4.0 (RFC 6350) per person.

Each network account is written twice, for two kinds of reader:

* ``SOCIALPROFILE;SERVICE-TYPE=Mastodon;USERNAME="bob@birds.example":https://birds.example/@bob``,
  RFC 9554's property for a social profile (it replaces the ``X-SOCIALPROFILE`` that address
  books invented); readers that know it show a profile of the right service;
* ``itemN.URL:https://birds.example/@bob`` with ``itemN.X-ABLabel:Mastodon``: a plain address
  with its label in a property group, the way Apple's and Google's address books label an
  address on export, so a reader that knows no social profile still keeps the address, named.

Their own sites are plain ``URL`` lines. ``UID`` is made from the person's Roost id (a UUID v5),
so importing a newer export again updates the same contacts instead of adding them twice.
Why 4.0 and not the 3.0 most address books write: see docs/design-notes/exports.md.

Escaping: text values escape backslash, comma, semicolon and newline (RFC 6350 section 3.4) and
lose other control characters; a parameter value is quoted, without its quotes or control
characters; an address is written only if it holds nothing that could end the line or the
value (``exports.safe_url``). Lines are folded at 75 octets, never inside a UTF-8 character,
and end in CRLF (section 3.2).
"""

from __future__ import annotations

import re
import uuid

from ..registry import info
from .exports import display_name, handle, profile_url, safe_url, websites

#: Roost's namespace for the UIDs of exported people (a fixed, random UUID).
_NAMESPACE = uuid.UUID("5b0f3c0e-6a43-4f0c-9a57-2f1f4e0f9b61")


def to_vcards(people: list) -> str:
    return "".join(vcard(someone) for someone in people)


def vcard(someone) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:individual",
        f"UID:urn:uuid:{uuid.uuid5(_NAMESPACE, someone.id)}",
        f"FN:{text(display_name(someone))}",
    ]
    lines += [f"URL:{site}" for site in websites(someone)]
    group = 0
    for account in someone.accounts:
        url = profile_url(account)
        if account.network == "webmention" or not safe_url(url):
            continue  # a site: already a URL above, when it is their own
        service = info(account.network).name
        username = handle(account)
        lines.append(
            f"SOCIALPROFILE;SERVICE-TYPE={param(service)};USERNAME={param(username, True)}:{url}"
        )
        group += 1
        lines.append(f"item{group}.URL:{url}")
        lines.append(f"item{group}.X-ABLabel:{text(service)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def text(value: str) -> str:
    """A TEXT value (RFC 6350 section 3.4)."""
    value = re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", "", value)
    for raw, escaped in (("\\", "\\\\"), (",", "\\,"), (";", "\\;"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def param(value: str, always_quote: bool = False) -> str:
    """A parameter value: as it is when it holds only SAFE-CHARs, else quoted (a quoted value
    cannot hold a quote or a control character: those are dropped)."""
    value = re.sub(r"[\x00-\x1f\x7f\"]", "", value)
    if always_quote or re.search(r"[;:,]", value):
        return f'"{value}"'
    return value


def fold(line: str, width: int = 75) -> str:
    """The line cut into pieces of at most ``width`` octets, each after the first starting
    with a space (RFC 6350 section 3.2)."""
    data = line.encode("utf-8")
    if len(data) <= width:
        return line
    pieces, start, limit = [], 0, width
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # inside a character: back off
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, limit = end, width - 1  # the leading space counts
    return "\r\n ".join(pieces)
