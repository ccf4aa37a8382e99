"""How much Roost adds to a Pelican build: same posts, same theme, with and without the plugin.

Generates a site of N posts (default 2,000), each with K archived interactions (default 50: a
mix of threaded replies, likes, reposts, quotes and mentions from a pool of people with mirrored
avatars), then builds it alternately with plain Pelican and with Pelican + Roost, each build in a
fresh process with an empty output folder, and prints the times side by side. By default no
cache is used (a fresh CI clone); ``--warm`` keeps Pelican's content cache and Roost's fragment
cache on both sides (a rebuild on the author's machine, or CI with its kept cache/); ``--both``
measures cold, then warm, on the same generated site.

A third build is the floor: plain Pelican writing the very pages Roost writes (each post's
responses, taken from a Roost build, pasted in by the theme's partial with a dictionary lookup).
Roost / plain is the issue's goal; Roost / floor is Roost's own work, once the cost of pages
eight times larger (which any static rendering of the conversation pays) is set aside.

Both wall time and CPU time are reported. CPU time is user + system of the build process and
of every process it started and waited for (Roost's worker included: RUSAGE_CHILDREN counts
grandchildren once reaped), so work moved to a second core still counts. On a shared machine
the CPU ratio is the steadier figure; the wall ratio is what an author waits.

    .venv/bin/python bench/build_overhead.py [--posts 2000] [--interactions 50] [--rounds 3]
    .venv/bin/python bench/build_overhead.py --warm
    .venv/bin/python bench/build_overhead.py --both --rounds 2

Prints figures and the goals beside them (issue 11: Roost adds at most 10% wall time and 15% CPU
time to a cold build, at most 5% to a warm one); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from roost.model import Interaction, PostRecord, Syndication, content_hash  # noqa: E402
from roost.people import Person  # noqa: E402
from roost.store import Store  # noqa: E402

PARAGRAPH = (
    "Swifts spend almost their whole lives in the air, and the first scream over the roofs each "
    "May is the surest sign of summer in the old town. This paragraph stands in for an essay of "
    "ordinary length, with *emphasis*, a [link](https://example.org/) and `code`."
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a55d0a"
    "8b0000000049454e44ae426082"
)


def make_site(root: Path, posts: int, per_post: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    content = root / "content" / "posts"
    content.mkdir(parents=True)
    store = Store(root / "social")
    with store.lock():
        avatars = [store.add_media(PNG + bytes([i]), "image/png") for i in range(50)]
        people = {}
        for i in range(600):
            net = "mastodon" if i % 2 else "bluesky"
            pid = f"{net}:person{i}@server{i % 40}.example"
            people[pid] = Person(
                pid, net, f"Person {i}", f"@person{i}@server{i % 40}.example",
                f"https://server{i % 40}.example/@person{i}", avatars[i % 50],
            )  # fmt: skip
        for net in ("mastodon", "bluesky"):
            store.write_people(net, people)
        ids = list(people)
        for n in range(posts):
            slug = f"post-{n:05d}"
            day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
            body = "\n\n".join([PARAGRAPH] * 6)
            (content / f"{slug}.md").write_text(
                f"Title: Post number {n}\nDate: {day} 10:00\nSlug: {slug}\nTags: a{n % 30}x, "
                f"b{n % 7}x\nCategory: c{n % 5}x\n\n{body}\n"
            )
            rec = PostRecord(slug, [
                Syndication("mastodon", str(10_000 + n), f"https://m.example/@me/{10_000 + n}",
                            f"{day}T10:05:00Z", content_hash(slug)),
                Syndication("bluesky", f"at://did:plc:me/app.bsky.feed.post/{n}",
                            f"https://bsky.example/profile/me/post/{n}", f"{day}T10:05:00Z",
                            content_hash(slug)),
            ])  # fmt: skip
            replies: list[str] = []
            for k in range(per_post):
                author = rnd.choice(ids)
                net = author.split(":", 1)[0]
                kind = rnd.choices(
                    ["reply", "like", "repost", "quote", "mention"], [40, 40, 14, 4, 2]
                )[0]
                iid = f"{net}:{n}-{k}"
                parent = rnd.choice(replies) if kind == "reply" and replies and k % 3 else None
                rec.interactions.append(
                    Interaction(
                        id=iid, network=net, kind=kind, author=author,
                        published=f"{day}T11:{k // 60:02d}:{k % 60:02d}Z",
                        url=f"https://server.example/{n}/{k}",
                        content=f"<p>Reply {k} on post {n}, with <a href=\"https://x.example/\">"
                        f"a link</a> and <em>emphasis</em>.</p>" if kind != "like" else "",
                        in_reply_to=parent,
                    )
                )  # fmt: skip
                if kind == "reply":
                    replies.append(iid)
            store.write_post(rec)


def write_conf(root: Path, with_roost: bool, warm: bool) -> Path:
    conf = root / f"conf_{'roost' if with_roost else 'plain'}_{'warm' if warm else 'cold'}.py"
    conf.write_text(
        f"""
PATH = {str(root / "content")!r}
THEME = {str(REPO / "theme")!r}
PLUGIN_PATHS = [{str(REPO / "plugins")!r}]
PLUGINS = {["roost"] if with_roost else []!r}
SITENAME = "Bench"
AUTHOR = "Bench"
SITEURL = "https://bench.example"
TIMEZONE = "UTC"
ARTICLE_URL = "{{slug}}/"
ARTICLE_SAVE_AS = "{{slug}}/index.html"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = "feeds/all.atom.xml"
CACHE_CONTENT = {warm!r}
LOAD_CONTENT_CACHE = {warm!r}
CACHE_PATH = {str(root / ("cache-roost" if with_roost else "cache-plain"))!r}
ROOST_CACHE = {warm!r}
"""
        + ("" if with_roost else PLAIN_THEME_NEEDS)
    )
    return conf


#: The theme calls Roost's partials, ``roost_words`` and ``roost_inline`` on every page: a plain
#: build gets them (what the theme costs either way), but not the plugin (signals, responses).
PLAIN_THEME_NEEDS = f"""
import sys
sys.path.insert(0, {str(REPO / "plugins")!r})
from roost.sanitize import inline_html
from roost.site.words import words
THEME_TEMPLATES_OVERRIDES = [{str(REPO / "plugins" / "roost" / "templates")!r}]
JINJA_FILTERS = {{"roost_inline": inline_html}}
JINJA_GLOBALS = {{"roost_words": words}}
"""


def build_once(root: Path, conf: Path, tool: tuple[str, ...] = ()) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the build and any worker it forked); ``tool`` runs the
    build under another program (build_instructions.py: valgrind)."""
    out = root / "output"
    shutil.rmtree(out, ignore_errors=True)
    pelican = Path(sys.executable).parent / "pelican"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [*tool, str(pelican), "-s", str(conf), "-o", str(out), "-q"],
        check=True,
        cwd=root,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


#: Issue 11's goals: (wall, CPU) ratio Roost / plain, at most.
GOALS = {"cold": (1.10, 1.15), "warm": (1.05, 1.05)}
NAMES = ("plain Pelican", "Pelican + Roost", "plain, same pages")
UNAVOIDABLE = "unavoidable"  # with the builds' times: the work no code can skip, per round


def write_floor_conf(root: Path, warm: bool) -> Path:
    """Plain Pelican writing the pages Roost writes: each post's responses, as a Roost build
    rendered them (harvested by :func:`harvest_pages`), pasted in by the theme's own partial with
    a dictionary lookup. What putting the conversation into the pages costs however it is done
    (Jinja and Pelican's writer handling eight times the bytes per article); Roost's own work is
    what it adds over this. Lists of posts get no count line here, so the floor is a little low."""
    folder = root / "floor"
    (folder / "roost").mkdir(parents=True, exist_ok=True)
    (folder / "roost" / "under_post.html").write_text("{{ roost_pad(article.slug) }}\n")
    (folder / "floor_pad.py").write_text(
        "import json\n"
        f"_PAGES = json.loads(open({str(folder / 'pages.json')!r}, encoding='utf-8').read())\n"
        "def roost_pad(slug):\n    return _PAGES.get(slug, '')\n"
    )
    conf = root / f"conf_floor_{'warm' if warm else 'cold'}.py"
    conf.write_text(
        write_conf(root, False, warm).read_text()
        + f"""
CACHE_PATH = {str(root / "cache-floor")!r}
sys.path.insert(0, {str(folder)!r})
from floor_pad import roost_pad
THEME_TEMPLATES_OVERRIDES = [{str(folder)!r}, *THEME_TEMPLATES_OVERRIDES]
JINJA_GLOBALS = {{**JINJA_GLOBALS, "roost_pad": roost_pad}}
"""
    )
    return conf


def harvest_pages(root: Path) -> None:
    """Each post's responses as the last Roost build wrote them, for the floor's builds."""
    pages = {}
    for page in (root / "output").glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        start, end = html.find('<section class="responses"'), html.rfind("</article>")
        if 0 <= start < end:
            pages[page.parent.name] = html[start:end]
    (root / "floor").mkdir(exist_ok=True)
    (root / "floor" / "pages.json").write_text(json.dumps(pages), encoding="utf-8")


def measure(root: Path, rounds: int, warm: bool) -> dict[str, dict[str, list[float]]]:
    """Alternate plain and Roost builds ``rounds`` times; wall and CPU seconds of each. Cold,
    each round also times the :func:`unavoidable` work, beside that round's builds."""
    confs = {NAMES[0]: write_conf(root, False, warm), NAMES[1]: write_conf(root, True, warm)}
    build_once(root, confs[NAMES[1]])  # Roost first: its pages are the floor's
    harvest_pages(root)
    confs[NAMES[2]] = write_floor_conf(root, warm)
    # The OS file cache (and, warm, the caches; Roost's twice: the first build from its cache
    # keeps each page's filled copy beside the fragment, which later builds use as it is).
    for conf in (confs[NAMES[2]], confs[NAMES[0]], *([confs[NAMES[1]]] if warm else [])):
        build_once(root, conf)
    print("builds:", "warm caches on both sides" if warm else "cold, no caches", flush=True)
    times: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in NAMES}
    times[UNAVOIDABLE] = {}
    for r in range(rounds):
        for name, conf in confs.items():  # alternate, so drift hits both alike
            w, c = build_once(root, conf)
            times[name]["wall"].append(w)
            times[name]["cpu"].append(c)
        if not warm:  # a warm build reads its cache instead of the records
            for what, secs in unavoidable(root).items():
                times[UNAVOIDABLE].setdefault(what, []).append(secs)
        p, q, f = (times[n] for n in NAMES)
        print(
            f"  round {r + 1}: plain {p['wall'][-1]:.2f}s wall {p['cpu'][-1]:.2f}s CPU, "
            f"roost {q['wall'][-1]:.2f}s wall {q['cpu'][-1]:.2f}s CPU, "
            f"same pages {f['wall'][-1]:.2f}s wall {f['cpu'][-1]:.2f}s CPU",
            flush=True,
        )
    print(f"\n{'build':<18}{'wall median':>13}{'min':>9}{'max':>9}{'CPU median':>13}{'min':>9}")
    for name in NAMES:
        w, c = times[name]["wall"], times[name]["cpu"]
        print(
            f"{name:<18}{statistics.median(w):>12.2f}s{min(w):>8.2f}s{max(w):>8.2f}s"
            f"{statistics.median(c):>12.2f}s{min(c):>8.2f}s"
        )
    return times


def ratios(times: dict[str, dict[str, list[float]]], base: str = NAMES[0]) -> dict[str, float]:
    """Roost over ``base`` (plain Pelican, or plain Pelican writing the same pages)."""
    plain, roost = times[base], times[NAMES[1]]
    med = statistics.median
    return {
        "wall": med(roost["wall"]) / med(plain["wall"]),
        "wall_best": min(roost["wall"]) / min(plain["wall"]),
        "cpu": med(roost["cpu"]) / med(plain["cpu"]),
        "cpu_best": min(roost["cpu"]) / min(plain["cpu"]),
        # Each round's own ratio, then their median: the machine's speed drifts between rounds
        # (the same plain build has taken 10 s and 15 s within the hour), much less within one.
        "cpu_paired": med(r / p for r, p in zip(roost["cpu"], plain["cpu"], strict=True)),
    }


def unavoidable(root: Path) -> dict[str, float]:
    """CPU seconds of the work any build that shows these records must do, whatever its code:
    read and parse every record file, and sanitise every archived text again on its way out
    (the project's rule: records can be edited by hand or merged from elsewhere, so what they
    hold is never trusted as clean). Each the best of two, in this process."""
    from roost.sanitize import clean_html

    files = sorted((root / "social" / "posts").glob("*.json"))

    def best(fn) -> float:
        times = []
        for _ in range(2):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return min(times)

    parsed = [json.loads(f.read_bytes()) for f in files]
    texts = [x["content"] for d in parsed for x in d["interactions"] if x.get("content")]
    return {
        "read and parse the records": best(lambda: [json.loads(f.read_bytes()) for f in files]),
        f"sanitise {len(texts):,} texts again": best(lambda: [clean_html(t) for t in texts]),
    }


def report_floor(raw: dict[str, dict[str, dict[str, list[float]]]]) -> None:
    """Whether a CPU goal leaves room for Roost at all: what the same pages cost plain Pelican
    over plain (each round's difference), plus, cold, the :func:`unavoidable` work of that round,
    as shares of that round's plain build (medians of rounds), against the goal's allowance."""
    med = statistics.median
    print("\nwhat showing the records costs whatever the code, as a share of plain Pelican's CPU")
    for mode, times in raw.items():
        plain = times[NAMES[0]]["cpu"]
        parts = {
            "writing the larger pages (same pages - plain)": [
                f - p for f, p in zip(times[NAMES[2]]["cpu"], plain, strict=True)
            ],
            **times[UNAVOIDABLE],
        }
        print(f"  {mode}: the goal allows {GOALS[mode][1] - 1:.0%} over plain")
        for what, secs in parts.items():
            share = med(s / p for s, p in zip(secs, plain, strict=True))
            print(f"    {what:<48}{med(secs):>6.2f}s {share:>7.1%}")
        together = [sum(v) for v in zip(*parts.values(), strict=True)]
        share = med(t / p for t, p in zip(together, plain, strict=True))
        verdict = "within" if share <= GOALS[mode][1] - 1 else "ABOVE"
        print(f"    {'together':<48}{med(together):>6.2f}s {share:>7.1%}  {verdict} the goal")
        roost = med(r / p - 1 for r, p in zip(times[NAMES[1]]["cpu"], plain, strict=True))
        print(f"    {'Roost adds, all told':<48}{'':>7} {roost:>7.1%}")


def report(results: dict[str, dict[str, float]], floors: dict[str, dict[str, float]]) -> None:
    """One line per kind of build: both ratios, each beside its goal; then Roost over the
    floor (plain Pelican writing the same pages), which no goal names: Roost's own work."""

    def cell(value: float, best: float, goal: float) -> str:
        verdict = "within" if value <= goal else "OVER"
        return f"{value:.3f} (best {best:.3f}) goal <= {goal:.2f} {verdict:<6}"

    print(
        f"\n{'Roost / plain':<8}  {'wall time (median)':<44}  CPU time (median, workers included)"
    )
    for mode, r in results.items():
        wall_goal, cpu_goal = GOALS[mode]
        print(
            f"{mode:<13}  {cell(r['wall'], r['wall_best'], wall_goal)}  "
            f"{cell(r['cpu'], r['cpu_best'], cpu_goal)}"
        )
    print("CPU, each round's own ratio (median): " + ", ".join(
        f"{mode} {r['cpu_paired']:.3f}" for mode, r in results.items()))  # fmt: skip
    title = "Roost / plain writing the same pages"
    print(f"\n{title:<44}  wall (median, best)  CPU (median, best)")
    for mode, r in floors.items():
        print(
            f"{mode:<44}  {r['wall']:.3f} ({r['wall_best']:.3f})       "
            f"{r['cpu']:.3f} ({r['cpu_best']:.3f})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--interactions", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument(
        "--warm",
        action="store_true",
        help="with caches on both sides (Pelican's CACHE_CONTENT, Roost's ROOST_CACHE), as a "
        "rebuild on the author's machine; the default is cold builds, as in a fresh CI clone",
    )
    mode.add_argument("--both", action="store_true", help="cold builds, then warm ones")
    args = ap.parse_args()
    modes = ["cold", "warm"] if args.both else ["warm" if args.warm else "cold"]

    with tempfile.TemporaryDirectory(prefix="roost-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        make_site(root, args.posts, args.interactions)
        made = time.perf_counter() - t0
        records = sum(f.stat().st_size for f in (root / "social" / "posts").glob("*.json"))
        print(
            f"site: {args.posts} posts x {args.interactions} interactions "
            f"({args.posts * args.interactions:,} interactions, {records / 1e6:.1f} MB of "
            f"records), generated in {made:.1f}s; {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        results, floors, raw = {}, {}, {}
        for m in modes:
            print()
            raw[m] = measure(root, args.rounds, warm=m == "warm")
            results[m] = ratios(raw[m])
            floors[m] = ratios(raw[m], base=NAMES[2])
        comments = (root / "output" / "post-00000" / "index.html").read_text().count("h-cite")
        report(results, floors)
        report_floor(raw)
        print(f"check: the first post's page renders {comments} h-cite elements")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        json.dump({"posts": args.posts, "interactions": args.interactions, "builds": raw},
                  sys.stderr)  # fmt: skip
        print(file=sys.stderr)


if __name__ == "__main__":
    main()
