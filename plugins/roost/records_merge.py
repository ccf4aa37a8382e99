"""A git merge driver for the records, so two runs that changed the same file never lose a commit.

CI commits ``social/`` back after every syndication and backfeed, and a run may find that
another run (or the author) pushed first. ``invoke push-records`` then rebases, and git calls
this driver for every record file both sides changed (``.gitattributes``:
``social/**/*.json merge=roost-records``). Textual merging of JSON would conflict on every
neighbouring line; this merges by meaning, three ways (the common ancestor, ours, theirs):

* a post's copies (by network, part and id), its interactions (by id), its skipped networks
  (by network) and its intents (by network and part; none is kept for a part either side
  recorded a copy of), the people (by id), each list of the moderation file, each cursor: an entry
  only one side changed takes that side's version; an entry one side removed (present in the
  ancestor, unchanged by the other side) is removed; an entry both sides changed takes ours;
* a cursor both sides moved takes the further one, so no notification is read twice or skipped;
* the Webmention ledger (``webmentions.json``) by source, then by target, the same way;
* the account watch's file (``watch.json``): each network's lists by post id, the same way; a
  post one side marked as the author's is no longer unknown on either.
* the spending ledger (``spending.json``) adds what each side spent since the ancestor: spend
  is a sum, so two runs that both paid are both counted.

A file that is not valid JSON, or of a kind it does not know, is left to git (exit 1: conflict),
and ``push-records`` stops and says so, without pushing anything half merged.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import PostRecord
from .people import Moderation, Person
from .store import dumps
from .watch_file import WatchFile


def _three_way(base: dict, ours: dict, theirs: dict) -> dict:
    out = {}
    for key in ours.keys() | theirs.keys():
        o, t, b = ours.get(key), theirs.get(key), base.get(key)
        if o is not None and t is not None:
            out[key] = t if o == b else o
        elif o is not None:
            if key not in base or o != b:
                out[key] = o  # new on our side, or changed by us and removed by them: keep
        elif key not in base or t != b:
            out[key] = t
    return out


def _cursor_further(a: str, b: str) -> str:
    return max(a, b, key=lambda v: (len(v), v))


def _merge_lists(key, base: list, ours: list, theirs: list) -> list:
    """Three lists merged entry by entry, entries matched by ``key(entry)``."""
    return list(
        _three_way(*({key(x): x for x in items} for items in (base, ours, theirs))).values()
    )


def merge_posts(base: dict | None, ours: dict, theirs: dict) -> dict:
    o, t = PostRecord.from_dict(ours), PostRecord.from_dict(theirs)
    b = PostRecord.from_dict(base) if base else PostRecord(key=o.key)
    o.syndications = _merge_lists(
        lambda s: (s.network, s.part, s.id), b.syndications, o.syndications, t.syndications
    )
    o.interactions = _merge_lists(lambda x: x.id, b.interactions, o.interactions, t.interactions)
    o.skipped = _three_way(b.skipped, o.skipped, t.skipped)
    intents = _merge_lists(lambda i: (i.network, i.part), b.intents, o.intents, t.intents)
    sent = {(s.network, s.part) for s in o.syndications}  # a part recorded on either side
    o.intents = [i for i in intents if (i.network, i.part) not in sent]
    o.source, o.title, o.date = (
        (o.source, o.title, o.date) if o.source else (t.source, t.title, t.date)
    )
    return o.to_dict()


def merge_people(base: dict | None, ours: dict, theirs: dict) -> dict:
    def people(d):
        return {p["id"]: Person.from_dict(p, "people.") for p in (d or {}).get("people", [])}

    merged = _three_way(people(base), people(ours), people(theirs))
    return {**ours, "people": [merged[k].to_dict() for k in sorted(merged)]}


def merge_moderation(base: dict | None, ours: dict, theirs: dict) -> dict:
    b, o, t = (Moderation.from_dict(x or {"format": 1}) for x in (base, ours, theirs))
    for name in ("blocked_accounts", "blocked_domains", "hidden", "forgotten"):
        lists = (getattr(b, name), getattr(o, name), getattr(t, name))
        setattr(o, name, sorted(_merge_lists(str, *lists)))
    return o.to_dict()


def merge_cursors(base: dict | None, ours: dict, theirs: dict) -> dict:
    b, o, t = ((d or {}).get("networks", {}) for d in (base, ours, theirs))
    networks = {}
    for net in o.keys() | t.keys():
        bn, on, tn = b.get(net, {}), o.get(net, {}), t.get(net, {})
        merged = _three_way(bn, on, tn)
        for key in on.keys() & tn.keys():
            moved = on[key] != bn.get(key) and tn[key] != bn.get(key)
            if moved and not key.startswith("counts:") and key != "limits":
                merged[key] = _cursor_further(on[key], tn[key])  # both moved: the further
        networks[net] = dict(sorted(merged.items()))
    return {"format": 1, "networks": dict(sorted(networks.items()))}


def merge_webmentions(base: dict | None, ours: dict, theirs: dict) -> dict:
    """The Webmention ledger: per source, its fields and each target's entry three ways."""
    b, o, t = ((d or {}).get("sources", {}) for d in (base, ours, theirs))
    sources = {}
    for url, entry in _three_way(b, o, t).items():
        if url in o and url in t:
            parts = [(x.get(url) or {}) for x in (b, o, t)]
            fields = _three_way(*({k: v for k, v in p.items() if k != "targets"} for p in parts))
            targets = _three_way(*(p.get("targets", {}) for p in parts))
            entry = {**fields, "targets": dict(sorted(targets.items()))}
        sources[url] = entry
    return {"format": 1, "sources": dict(sorted(sources.items()))}


def merge_watch(base: dict | None, ours: dict, theirs: dict) -> dict:
    b, o, t = (WatchFile.from_dict(x or {"format": 1}) for x in (base, ours, theirs))
    for name in o.networks.keys() | t.networks.keys():
        bn, on, tn = b.account(name), o.account(name), t.account(name)
        on.ok = _merge_lists(lambda x: x.id, bn.ok, on.ok, tn.ok)
        mine = {x.id for x in on.ok}
        unknown = _merge_lists(lambda x: x.id, bn.unknown, on.unknown, tn.unknown)
        on.unknown = [x for x in unknown if x.id not in mine]
        on.deleted = _merge_lists(str, bn.deleted, on.deleted, tn.deleted)
    return o.to_dict()


def merge_spending(base: dict | None, ours: dict, theirs: dict) -> dict:
    """Per network, month and item: ours + theirs - base (dollars exactly, as decimals)."""
    from .spending import decimal, sorted_networks

    b, o, t = ((d or {}).get("networks", {}) for d in (base, ours, theirs))
    out: dict = {}
    for net in o.keys() | t.keys():
        for month in o.get(net, {}).keys() | t.get(net, {}).keys():
            bm, om, tm = (x.get(net, {}).get(month, {}) for x in (b, o, t))
            entry = {}
            for key in om.keys() | tm.keys():
                if key == "usd":
                    total = sum((decimal(m.get("usd", "0")) for m in (om, tm)), start=0)
                    entry["usd"] = f"{max(total - decimal(bm.get('usd', '0')), 0):.6f}"
                else:
                    entry[key] = max(om.get(key, 0) + tm.get(key, 0) - bm.get(key, 0), 0)
            out.setdefault(net, {})[month] = entry
    return {"format": 1, "networks": sorted_networks(out)}


def merge_file(base_path: str, ours_path: str, theirs_path: str, name: str) -> bool:
    """Merge into ``ours_path`` (git's %A); True when merged, False to leave it to git."""
    kind = (
        Path(name).parent.name if Path(name).parent.name in ("posts", "people") else Path(name).name
    )
    merger = {
        "posts": merge_posts,
        "people": merge_people,
        "moderation.json": merge_moderation,
        "cursors.json": merge_cursors,
        "webmentions.json": merge_webmentions,
        "watch.json": merge_watch,
        "spending.json": merge_spending,
    }.get(kind)
    if merger is None:
        return False
    try:
        base_text = Path(base_path).read_text(encoding="utf-8")
        base = json.loads(base_text) if base_text.strip() else None
        ours = json.loads(Path(ours_path).read_text(encoding="utf-8"))
        theirs = json.loads(Path(theirs_path).read_text(encoding="utf-8"))
        result = merger(base, ours, theirs)
    except (ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        return False
    Path(ours_path).write_bytes(dumps(result))
    return True
