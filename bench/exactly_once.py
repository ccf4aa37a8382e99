"""Is every post on the network exactly once, however `roost syndicate` is interrupted?

Each trial is a small real site (five posts: one with a picture, one a thread of three parts,
one too old and one marked `Syndicate: no`), served locally so "is the post live?" is asked for
real, a fresh fake Mastodon (tests/fakes/mastodon.py), and `roost syndicate` run again and again
until one run finishes, runs being killed (SIGKILL) on the way. A run is a child forked from
this process, which has already imported Roost and Pelican, calling `roost.commands.cli.main` as the
command would; it is killed by a timer or by the fake's hooks. The scenarios:

    random-kill       killed at a random moment, 1 to 4 times
    after-create      killed after the server made a status, before its answer (`on_create`)
    before-request    killed as a request reaches the server, which drops it (`on_request`)
    hour-later        killed (any way), and every rerun an hour later (the key is forgotten)
    no-idempotency    a server that ignores Idempotency-Key (like GoToSocial), killed any way
    slug-change       killed, then a post's `Slug:` changed before the rerun
    concurrent        two runs started at once, one of them killed at a random moment
    lost-answers      answers lost after the server acted (`drop`, `truncate`) or 503s

Then, on the fake: duplicates (statuses of one part of one post beyond the first, the old and
the new text of a renamed post counting as one post), missing (expected parts not there), and
problems: every ledger records each part once, in the file of the post's current slug, with
the id of the status on the network and no intent left; a thread's parts answer each other; the
last run exits 0. Then one more run, which must send nothing; after it every Mastodon copy has
its post's current text (a copy found again after a crash is edited on the run after, if its
post changed meanwhile). The table gives per scenario the trials, runs (that one included),
kills (runs a SIGKILL ended), duplicates, missing, problems (trials with any) and the seconds
its trials took (two at a time: the last line's is the wall time).

    .venv/bin/python bench/exactly_once.py                      # 504 trials, every scenario
    .venv/bin/python bench/exactly_once.py --trials 40 --scenario slug-change
    .venv/bin/python bench/exactly_once.py --seed 7 --trial 12 -v   # one trial again, with logs
    .venv/bin/python bench/exactly_once.py --bluesky            # 50 trials on both networks
    .venv/bin/python bench/exactly_once.py --threads            # Mastodon and Threads' fake
    .venv/bin/python bench/exactly_once.py --x --trials 208     # X beside Mastodon

`--bluesky` runs Bluesky's reference servers (tests/bluesky_devnet.py, installed by
`make test`) beside the fake Mastodon, one trial at a time: random kills by default (any
`--scenario` works; the fake's hooks then kill while Bluesky is mid-request), and Bluesky's
copies counted by listing the account's records. `--x` adds a fake X (tests/fakes/x.py: no
idempotency at all, OAuth 1.0a checked, and in half the trials the duplicate-text refusal X
may or may not still make) beside the fake Mastodon in every trial: the fakes' hooks kill
across both, its faults are X's own, and its copies are counted from its posts. Retries wait
`--backoff` seconds (then twice that, and so on) instead of Roost's 1 s, to keep the bench
quick. Exit status 1 if any duplicate, missing copy or problem; a trial that went wrong keeps
its folder, with each run's output in runs.log.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests")]

import requests  # noqa: E402
from fakes.mastodon import FakeMastodon, aged  # noqa: E402
from fakes.threads import FakeThreads  # noqa: E402
from fakes.threads import aged as threads_aged  # noqa: E402
from fakes.x import CONSUMER, FakeX  # noqa: E402

import roost.commands.cli  # noqa: E402, F401 (imported once here, so every forked run starts warm)
import roost.commands.posts  # noqa: E402
import roost.commands.syndicate  # noqa: E402
from roost.model import PostRecord, RecordError  # noqa: E402
from roost.networks.bluesky.adapter import Bluesky, shorten_links  # noqa: E402
from roost.networks.mastodon.adapter import Mastodon  # noqa: E402
from roost.networks.threads.adapter import Threads  # noqa: E402
from roost.networks.x.adapter import X  # noqa: E402

from sites import write_settings  # noqa: E402

ROOST = str(Path(sys.executable).parent / "roost")
TOKEN = "good-token"
THREAD = " ".join(f"point{i}" for i in range(120))
POSTS = {
    "a.md": "Title: Swifts are back\nDate: 2026-05-01 10:00\nSlug: swifts\nTags: birds\n"
    "Image: images/swifts.png\nImage_alt: Swifts over the roofs.\n"
    "Summary: They arrived on the first of May.\n\nBody.\n",
    "b.md": "Title: Owls\nDate: 2026-05-02 10:00\nSlug: owls\n\nTawny owls at night.\n",
    "thread.md": "Title: A thread\nDate: 2026-05-05 10:00\nSlug: thread\nThread: yes\n"
    f"Mastodon_text: {THREAD}\nBluesky_text: {THREAD}\nX_text: {THREAD}\n\nBody.\n",
    "old.md": "Title: Old\nDate: 2025-01-01 10:00\nSlug: old\n\nFrom before Roost.\n",
    "no.md": "Title: Quiet\nDate: 2026-05-03 10:00\nSlug: quiet\nSyndicate: no\n\nNo.\n",
}
RENAMABLE = ("a.md", "b.md", "thread.md")  # the posts sent, whose slug a trial may change
SCENARIOS = (
    "random-kill",
    "after-create",
    "before-request",
    "hour-later",
    "no-idempotency",
    "slug-change",
    "concurrent",
    "lost-answers",
)
MAX_RUNS = 16  # a trial whose runs never finish is a problem
RUN_TIMEOUT = 120.0  # seconds; a run still going then is killed and reported


def renamed(text: str) -> str:
    return re.sub(r"^Slug: (.*)$", r"Slug: \1-renamed", text, count=1, flags=re.M)


# -- the world every trial shares: a served site, and what each post should look like -------


class World:
    """Built once, before any trial: the site's pages (every post under its first and its
    changed slug) served on one local address, the content to copy into each trial, and the
    texts each network should end up with. Forked workers and runs inherit it."""

    def __init__(self, tmp: Path, devnet=None, backoff: float = 0.02, threads: bool = False,
                 x: bool = False):  # fmt: skip
        self.tmp, self.devnet, self.backoff = tmp, devnet, backoff
        self.threads, self.x = threads, x
        self.output = tmp / "output"
        self.output.mkdir(parents=True)

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Quiet, directory=str(self.output))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.siteurl = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.template = self._content(tmp / "template", renamed_all=False)
        self.session_cache = tmp / "bluesky-session.json"
        # Seconds a first run (which sends everything) and a run with nothing to send take
        # here; measured by calibrate().
        self.typical, self.idle = 0.6, 0.3
        # network -> (source, renamed?) -> the texts of its parts; and text -> (source, part)
        self.parts: dict[str, dict[tuple[str, bool], list[str]]] = {}
        self.index: dict[str, dict[str, tuple[str, int]]] = {}
        for variant, renamed_all in (("first", False), ("renamed", True)):
            site = self._content(tmp / variant, renamed_all)
            self.write_settings(site, "http://127.0.0.1:9")
            build = subprocess.run(
                [ROOST, "build", "-s", "publishconf.py", "-o", str(self.output)],
                cwd=site,
                capture_output=True,
                text=True,
            )
            if build.returncode != 0:
                raise SystemExit(f"the site did not build:\n{build.stdout}{build.stderr}")
            self._expect(site, renamed_all)

    def _content(self, root: Path, renamed_all: bool) -> Path:
        (root / "content" / "images").mkdir(parents=True)
        from PIL import Image

        Image.new("RGB", (96, 64), (200, 120, 40)).save(root / "content/images/swifts.png")
        for name, text in POSTS.items():
            text = renamed(text) if renamed_all and name in RENAMABLE else text
            (root / "content" / name).write_text(text)
        return root

    def networks(self, mastodon_url: str, threads_url: str = "http://127.0.0.1:9",
                 x_url: str | None = None) -> dict:  # fmt: skip
        networks = {"mastodon": {"instance": mastodon_url}}
        if self.threads:  # the refreshed token is kept in the trial's own folder
            networks["threads"] = {"handle": "camille", "api": f"{threads_url}/v1.0",
                                   "token_file": "threads-token.json"}  # fmt: skip
        if self.x:
            networks["x"] = {"handle": "camille", "api": x_url or "http://127.0.0.1:9"}
        if self.devnet is not None:
            networks["bluesky"] = {
                "handle": "camille.test",
                "service": self.devnet.pds,
                "plc": self.devnet.plc,
                "session_cache": str(self.session_cache),
            }
        return networks

    def env(self) -> dict[str, str]:
        env = {"ROOST_MASTODON_TOKEN": TOKEN, "ROOST_THREADS_TOKEN": TOKEN}
        if self.x:
            env |= {"ROOST_X_CONSUMER_KEY": CONSUMER[0], "ROOST_X_CONSUMER_SECRET": CONSUMER[1],
                    "ROOST_X_ACCESS_TOKEN": "1001-camille-token",
                    "ROOST_X_ACCESS_TOKEN_SECRET": "camille-token-secret"}  # fmt: skip
        if self.devnet is not None:
            env["ROOST_BLUESKY_APP_PASSWORD"] = self.devnet.accounts["camille"]["password"]
        return env

    def write_settings(
        self, root: Path, mastodon_url: str, threads_url: str = "", x_url: str | None = None
    ) -> None:
        write_settings(
            root / "publishconf.py",
            SITEURL=self.siteurl,
            WITH_FUTURE_DATES=True,
            ROOST_NETWORKS=self.networks(mastodon_url, threads_url or "http://127.0.0.1:9", x_url),
            ROOST_SYNDICATE_SINCE="2026-01-01",
        )

    def _expect(self, site: Path, renamed_all: bool) -> None:
        from pelican.settings import read_settings

        cwd = os.getcwd()
        os.chdir(site)
        try:
            posts = roost.commands.posts.read_posts(read_settings("publishconf.py"))
        finally:
            os.chdir(cwd)
        adapters = {"mastodon": Mastodon({"instance": "http://127.0.0.1:9"}, env={})}
        if self.devnet is not None:
            adapters["bluesky"] = Bluesky({"handle": "camille.test"}, env={})
        if self.threads:
            adapters["threads"] = Threads({"handle": "camille"}, env={})
        if self.x:
            adapters["x"] = X({"handle": "camille"}, env={})
        since = date(2026, 1, 1)
        for name, adapter in adapters.items():
            for post in posts:
                if not post.wants(name) or post.date.date() < since:
                    continue
                texts = adapter.draft(post).parts
                if name == "bluesky":  # what the record holds: long links shown shortened
                    texts = [shorten_links(t)[0] for t in texts]
                self.parts.setdefault(name, {})[(post.source, renamed_all)] = texts
                for i, text in enumerate(texts):
                    self.index.setdefault(name, {})[text] = (post.source, i)

    def expected(self, network: str, renamed_sources: set[str]) -> dict[tuple[str, int], str]:
        """(source, part) -> the text it should have at the end of a trial."""
        out = {}
        for (source, is_renamed), texts in self.parts[network].items():
            if is_renamed == (source in renamed_sources):
                out.update({(source, i): t for i, t in enumerate(texts)})
        return out

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- one run of `roost syndicate`, forked --------------------------------------------------------


def _child(root: Path, env: dict[str, str], backoff: float, log: Path, prepare=None) -> None:
    """In the forked child: `roost syndicate` in the trial's site, as the command runs it
    (``prepare``, if given, is called first: tests use it to die at a chosen point)."""
    code = 3
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        # The parent's sys.stdout may not write to fd 1 (pytest captures it elsewhere).
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(root)
        os.environ.update(env)
        # Retries wait 1, 2, 4 s in real runs; the same retries, sooner, keep the bench quick.
        roost.commands.syndicate.BACKOFF = backoff
        print(f"-- run {os.getpid()} at {time.time():.3f}", flush=True)
        if prepare is not None:
            prepare()
        code = roost.commands.cli.main(["syndicate"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Run:
    """A forked `roost syndicate`. ``kill()`` is safe from any thread at any time: the child is
    reaped only after it is marked done, so its pid is never reused under the killer."""

    def __init__(self, root: Path, env: dict[str, str], backoff: float, log: Path, prepare=None):
        self._lock = threading.Lock()
        self.done = self.killed = self.hung = False
        self.code: int | None = None
        sys.stdout.flush()  # or the child would print what this process has not printed yet
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(root, env, backoff, log, prepare)
        self.pid = pid

    def kill(self) -> bool:
        with self._lock:
            if self.done:
                return False
            os.kill(self.pid, signal.SIGKILL)
            self.killed = True
            return True

    def _hung(self) -> None:
        self.hung = self.kill()

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        watchdog = threading.Timer(timeout, self._hung)
        watchdog.start()
        try:
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
            with self._lock:
                self.done = True
            _, status = os.waitpid(self.pid, 0)
        finally:
            watchdog.cancel()
        self.code = os.waitstatus_to_exitcode(status)
        self.killed = self.killed and not self.hung and self.code == -signal.SIGKILL
        return self.code


@dataclass
class Kill:
    how: str  # "timer" (after `at` seconds), "create" (the at-th status), "request" (the at-th)
    at: float


# -- one trial ------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    trial: int
    runs: int = 0
    kills: int = 0
    duplicates: int = 0
    missing: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    story: list[str] = field(default_factory=list)  # what happened, run by run
    folder: str = ""


class Trial:
    def __init__(
        self,
        world: World,
        scenario: str,
        index: int,
        seed: int,
        root: Path,
        renamable: tuple[str, ...] = RENAMABLE,
    ):
        self.world, self.scenario, self.index = world, scenario, index
        self.renamable = renamable
        self.rnd = random.Random(seed * 1_000_003 + index)
        self.root = root
        self.result = Result(scenario, index, folder=str(root))
        self.renamed: set[str] = set()
        self.fake = FakeMastodon(idempotency=scenario != "no-idempotency")
        self.fake.start()
        # Threads (with --threads): no idempotency ever; pictures come from the local site;
        # containers are ready at their first status read (the bench's runs stay short).
        self.threads = FakeThreads(delay=0) if world.threads else None
        if self.threads:
            self.threads.reachable = lambda url: True
            self.threads.start()
        self.fake_x = FakeX() if world.x else None
        if self.fake_x:
            self.fake_x.start()
            self.fake_x.refuse_duplicates = self.rnd.random() < 0.5
        self.fakes = [f for f in (self.fake, self.threads, self.fake_x) if f]
        shutil.copytree(world.template / "content", root / "content")
        world.write_settings(
            root,
            self.fake.url,
            self.threads.url if self.threads else "",
            self.fake_x.url if self.fake_x else None,
        )
        self.log = root / "runs.log"

    # -- runs

    def any_kill(self) -> Kill:
        how = self.rnd.choice(["timer", "create", "request"])
        return self.kill(how)

    def kill(self, how: str) -> Kill:
        if how == "timer":
            # A first run sends everything; a later one about half of it, on average.
            w = self.world
            longest = w.typical if self.result.runs == 0 else (w.typical + w.idle) / 2
            return Kill("timer", self.rnd.uniform(0.0, 1.1 * longest))
        return Kill(how, self.rnd.randint(1, 5 if how == "create" else 10))

    def run(self, kill: Kill | None = None, prepare=None) -> bool:
        """One run, killed as planned; True when it finished (exit 0)."""
        return self.runs([kill], prepare)

    def runs(self, kills: list[Kill | None], prepare=None) -> bool:
        """Runs started at the same moment, each killed as planned; True if one finished."""
        if self.result.runs + len(kills) > MAX_RUNS:
            return False
        world = self.world
        runs = [Run(self.root, world.env(), world.backoff, self.log, prepare) for _ in kills]
        timers, seen = [], Counter()

        def hook(kind, run, at, *_args):
            seen[kind] += 1
            return seen[kind] == at and run.kill()

        for run, kill in zip(runs, kills, strict=True):
            if kill is None:
                continue
            if kill.how == "timer":
                timers.append(threading.Timer(kill.at, run.kill))
                timers[-1].start()
            elif kill.how == "create":  # the at-th post made, on whichever network
                for fake in self.fakes:  # Threads' fake calls a publish its "create"
                    name = "on_publish" if fake is self.threads else "on_create"
                    setattr(fake, name, functools.partial(hook, "create", run, kill.at))
            else:
                for fake in self.fakes:
                    fake.on_request = functools.partial(hook, "request", run, kill.at)
        codes = [run.wait() for run in runs]
        for t in timers:
            t.cancel()
        for fake in self.fakes:
            fake.on_create = fake.on_request = None
        if self.threads:
            self.threads.on_publish = None
        for run, kill, code in zip(runs, kills, codes, strict=True):
            self.result.runs += 1
            self.result.kills += run.killed
            plan = f"{kill.how} {kill.at:.3g}" if kill else "no kill"
            self.result.story.append(f"run {self.result.runs} ({plan}): exit {code}")
            n = self.result.runs
            if run.hung:
                self.result.problems.append(f"run {n} was still going after {RUN_TIMEOUT} s")
            elif code not in (0, 1, -signal.SIGKILL) or (code < 0 and not run.killed):
                self.result.problems.append(f"run {n} exited {code} (see runs.log)")
        return 0 in codes

    def finish(self) -> None:
        """Run without killing until a run finishes."""
        while self.result.runs < MAX_RUNS:
            if self.run():
                return

    def settle(self) -> None:
        """One more run, after one finished."""
        self.result.story.append("one more run:")
        if not self.run():
            self.result.problems.append("the run after a finished one did not finish")

    def rename(self, source: str) -> None:
        path = self.root / "content" / source
        path.write_text(renamed(path.read_text()))
        self.renamed.add(source)
        self.result.story.append(f"{source}: Slug changed")

    # -- the scenarios

    def play(self) -> None:
        getattr(self, "play_" + self.scenario.replace("-", "_"))()

    def play_random_kill(self) -> None:
        for _ in range(self.rnd.randint(1, 4)):
            if self.run(self.kill("timer")):
                return
        self.finish()

    def play_after_create(self) -> None:
        for _ in range(self.rnd.randint(1, 3)):
            if self.run(self.kill("create")):
                return
        self.finish()

    def play_before_request(self) -> None:
        for _ in range(self.rnd.randint(1, 3)):
            if self.run(self.kill("request")):
                return
        self.finish()

    def play_hour_later(self) -> None:
        for _ in range(self.rnd.randint(1, 3)):
            if self.run(self.any_kill()):
                return
            aged(self.fake, 3700)  # Mastodon has forgotten every Idempotency-Key
            if self.threads:
                threads_aged(self.threads, 3700)
            self.result.story.append("an hour later")
        self.finish()

    def play_no_idempotency(self) -> None:
        if self.rnd.random() < 0.3:
            for fake in self.fakes:
                fake.faults = self.faults(["drop", "truncate"])
        for _ in range(self.rnd.randint(1, 3)):
            if self.run(self.any_kill()):
                return
        self.finish()

    def play_slug_change(self) -> None:
        self.run(self.any_kill())
        self.rename(self.rnd.choice(self.renamable))
        for _ in range(self.rnd.randint(0, 2)):
            if self.run(self.any_kill()):
                return
        self.finish()

    def play_concurrent(self) -> None:
        for _ in range(self.rnd.randint(1, 2)):
            pair = [self.kill("timer"), None]
            self.rnd.shuffle(pair)
            if self.runs(pair):
                return
        self.finish()

    def play_lost_answers(self) -> None:
        for fake in self.fakes:
            fake.faults = self.faults(["drop", "drop", "truncate", "503"])
        for _ in range(self.rnd.randint(0, 2)):
            if self.run(self.any_kill()):
                return
        self.finish()

    def faults(self, kinds: list[str]) -> list[str]:
        """What the next requests meet: mostly nothing, sometimes a fault."""
        return [self.rnd.choice(kinds) if self.rnd.random() < 0.35 else "" for _ in range(16)]

    # -- the count

    def on_network(self, bluesky_records: list[dict] | None) -> dict[str, dict]:
        """network -> copy id -> (its text, the id it answers)."""
        statuses = self.fake.live_statuses()
        out = {"mastodon": {s["id"]: (s["_text"], s["in_reply_to_id"]) for s in statuses}}
        if self.threads:
            out["threads"] = {p["id"]: (p["text"], p["parent"]) for p in self.threads.live_posts()}
        if self.fake_x:
            from roost.networks.x.reading import parent_of

            out["x"] = {p["id"]: (p["_raw"], parent_of(p)) for p in self.fake_x.live()}
        if bluesky_records is not None:
            out["bluesky"] = {
                x["uri"]: (x["value"]["text"], (x["value"].get("reply") or {})["parent"]["uri"])
                if x["value"].get("reply")
                else (x["value"]["text"], None)
                for x in bluesky_records
            }
        return out

    def by_part(self, network: str, found: dict) -> dict[tuple[str, int], list[str]]:
        """(source, part) -> the ids of its copies; a copy nobody expects is a problem."""
        out: dict[tuple[str, int], list[str]] = defaultdict(list)
        for sid, (text, _) in found.items():
            part = self.world.index[network].get(text)
            if part is None:
                self.result.problems.append(f"{network}: a copy nobody expects: {text[:60]!r}")
            else:
                out[part].append(sid)
        return out

    def check(self, bluesky_records: list[dict] | None = None) -> None:
        """When a run has finished: duplicates, missing parts, and the ledgers."""
        r, world = self.result, self.world
        if not any(line.endswith("exit 0") for line in r.story):
            r.problems.append(f"no run finished in {r.runs} runs")
        ledgers = self.ledgers()
        for key, record in ledgers.items():
            for intent in record.intents:
                r.problems.append(f"{key}.json: an intent is left ({intent.network} {intent.part})")
        for network, found in self.on_network(bluesky_records).items():
            expected = world.expected(network, self.renamed)
            by_part = self.by_part(network, found)
            r.duplicates += sum(len(ids) - 1 for ids in by_part.values())
            r.missing += sum(1 for part in expected if not by_part.get(part))
            r.story.append(f"{network}: {len(found)} copies, {len(expected)} parts expected")
            texts = Counter(text for text, _ in found.values())
            r.story += [f"{network}: {n} copies read {t[:50]!r}" for t, n in texts.items() if n > 1]
            self.check_ledgers(network, ledgers, expected, found, by_part)

    def check_settled(self, before: dict, bluesky_records: list[dict] | None = None) -> None:
        """After one more run: nothing new was sent, and on Mastodon (which edits) every copy
        has its post's current text (a copy found again after a crash is edited on the run
        after if its post changed meanwhile)."""
        r = self.result
        for network, found in self.on_network(bluesky_records).items():
            new = set(found) - set(before[network])
            if new:
                r.duplicates += len(new)
                r.problems.append(f"{network}: the run after a finished one sent {len(new)}")
            if network == "mastodon":
                expected = self.world.expected(network, self.renamed)
                for part, ids in self.by_part(network, found).items():
                    if any(found[i][0] != expected.get(part, found[i][0]) for i in ids):
                        r.problems.append(f"{network}: {part} still has its old text")

    def ledgers(self) -> dict[str, PostRecord]:
        out = {}
        for path in sorted((self.root / "social" / "posts").glob("*.json")):
            if path.name.startswith("."):
                continue  # a write cut between its two steps leaves a .tmp-*: never read
            try:
                out[path.stem] = PostRecord.from_dict(json.loads(path.read_text()))
            except (ValueError, RecordError) as e:
                self.result.problems.append(f"ledger {path.name} unreadable: {e}")
        return out

    def check_ledgers(self, network, ledgers, expected, found, by_part) -> None:
        """Each part recorded once, in its post's ledger, with the id of a copy of it that is
        there; a thread's parts answering each other in order."""
        r, index = self.result, self.world.index[network]
        keys = self.post_keys()
        recorded: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key, record in ledgers.items():
            copies = record.copies(network)
            for copy in copies:
                if copy.id not in found:
                    r.problems.append(f"{key}.json: {network} copy {copy.id} is not there")
                    continue
                text, parent = found[copy.id]
                part = index.get(text)
                recorded[part].append(copy.id)
                if part is None or part[1] != copy.part or keys.get(part[0]) != key:
                    r.problems.append(
                        f"{key}.json: {network} part {copy.part} records {part} "
                        f"(that post's ledger is {keys.get(part[0]) if part else None}.json)"
                    )
                before = [c.id for c in copies if c.part == copy.part - 1]
                if parent != (before[0] if before else None):
                    r.problems.append(f"{key}.json: {network} part {copy.part} answers {parent}")
        for part in expected:
            if len(recorded.get(part, [])) > 1:
                r.problems.append(f"{network}: {part} recorded {len(recorded[part])} times")
            if by_part.get(part) and not recorded.get(part):
                r.problems.append(f"{network}: {part} is on the network but in no ledger")

    def post_keys(self) -> dict[str, str]:
        """source -> the post's slug now."""
        out = {}
        for name in POSTS:
            m = re.search(r"^Slug: (.*)$", (self.root / "content" / name).read_text(), re.M)
            out[name] = m[1].strip()
        return out

    def close(self) -> None:
        for fake in self.fakes:
            fake.stop()


def bluesky_records(devnet) -> list[dict]:
    """Every app.bsky.feed.post record of camille.test, from the PDS."""
    did = devnet.accounts["camille"]["did"]
    records, cursor = [], None
    while True:
        params = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(
            f"{devnet.pds}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30
        ).json()
        records += page["records"]
        cursor = page.get("cursor")
        if not cursor or not page["records"]:
            return records


def run_trial(
    world: World,
    scenario: str,
    index: int,
    seed: int,
    keep: bool = False,
    renamable: tuple[str, ...] = RENAMABLE,
) -> Result:
    """One trial in a folder of its own; the folder is kept when something is wrong."""
    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix=f"trial-{index}-", dir=world.tmp))
    trial = Trial(world, scenario, index, seed, root, renamable)
    before = {x["uri"] for x in bluesky_records(world.devnet)} if world.devnet else set()

    def records():
        if world.devnet is None:
            return None
        return [x for x in bluesky_records(world.devnet) if x["uri"] not in before]

    try:
        trial.play()
        found = records()
        trial.check(found)
        if not trial.result.problems:  # one more run: it must send nothing
            there = trial.on_network(found)
            trial.settle()
            trial.check_settled(there, records())
    except Exception:
        trial.result.problems.append("the trial itself failed:\n" + traceback.format_exc())
    finally:
        trial.close()
    result = trial.result
    result.seconds = time.perf_counter() - start
    bad = result.duplicates or result.missing or result.problems
    if not (bad or keep):
        shutil.rmtree(root, ignore_errors=True)
    return result


def calibrate(world: World) -> None:
    """How long a run takes here, so random kills fall inside one: a first run, which sends
    everything, and a run with nothing left to send (the median of three of each, after one
    run to warm the caches)."""
    first, idle = [], []
    for i in range(4):
        root = Path(tempfile.mkdtemp(prefix="calibrate-", dir=world.tmp))
        trial = Trial(world, "random-kill", i, 0, root)
        try:
            for times in (first, idle):
                start = time.perf_counter()
                trial.run()
                times.append(time.perf_counter() - start)
        finally:
            trial.close()
            shutil.rmtree(root, ignore_errors=True)
    world.typical, world.idle = sorted(first[1:])[1], sorted(idle[1:])[1]


# -- the bench ------------------------------------------------------------------------------

_WORLD: World | None = None  # set before the workers fork


def _work(job: tuple[str, int, int, bool]) -> Result:
    return run_trial(_WORLD, *job)


def plan(trials: int, scenarios: list[str]) -> list[tuple[str, int]]:
    """(scenario, trial index): the scenarios in turn, so each gets its share."""
    return [(scenarios[i % len(scenarios)], i) for i in range(trials)]


def table(results: list[Result], wall: float) -> str:
    rows = defaultdict(list)
    for r in results:
        rows[r.scenario].append(r)
    head = (
        f"{'scenario':<16}{'trials':>7}{'runs':>7}{'kills':>7}{'duplicates':>12}"
        f"{'missing':>9}{'problems':>10}{'time s':>9}"
    )
    lines = [head]

    def line(name, rs, time_s):
        return (
            f"{name:<16}{len(rs):>7}{sum(r.runs for r in rs):>7}{sum(r.kills for r in rs):>7}"
            f"{sum(r.duplicates for r in rs):>12}{sum(r.missing for r in rs):>9}"
            f"{sum(bool(r.problems) for r in rs):>10}{time_s:>9.1f}"
        )

    for name, rs in rows.items():
        lines.append(line(name, rs, sum(r.seconds for r in rs)))
    lines.append(line("all (wall time)", results, wall))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, help="default 504, or 50 with --bluesky")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable")
    ap.add_argument("--workers", type=int, default=2, help="trials at the same time")
    ap.add_argument("--trial", type=int, help="run this trial alone (as numbered in a full run)")
    ap.add_argument("--bluesky", action="store_true", help="both networks, on the real devnet")
    ap.add_argument("--threads", action="store_true", help="Threads too, on its fake")
    ap.add_argument("--x", action="store_true", help="a fake X beside the fake Mastodon")
    ap.add_argument("--backoff", type=float, default=0.02, help="seconds before the 1st retry")
    ap.add_argument("--keep", action="store_true", help="keep every trial's folder")
    ap.add_argument("-v", "--verbose", action="store_true", help="each trial's runs")
    args = ap.parse_args(argv)
    scenarios = args.scenario or (["random-kill"] if args.bluesky else list(SCENARIOS))
    trials = args.trials or (50 if args.bluesky else 504)
    jobs = plan(trials, scenarios)
    if args.trial is not None:
        jobs = [jobs[args.trial]]
    workers = 1 if args.bluesky or len(jobs) == 1 else args.workers

    devnet = None
    if args.bluesky:
        from bluesky_devnet import Devnet

        devnet = Devnet()
    tmp = Path(tempfile.mkdtemp(prefix="roost-exactly-once-"))
    global _WORLD
    world = _WORLD = World(tmp, devnet, backoff=args.backoff, threads=args.threads, x=args.x)
    try:
        calibrate(world)
        networks = "Mastodon and Bluesky" if devnet else "Mastodon"
        networks += " and Threads" if args.threads else ""
        networks += " and X" if args.x else ""
        print(
            f"{len(jobs)} trials on {networks} (seed {args.seed}, {workers} at a time); "
            f"a run takes {world.typical:.2f} s here, {world.idle:.2f} s with nothing to send"
        )
        start = time.perf_counter()
        jobs = [(s, i, args.seed, args.keep) for s, i in jobs]
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = list(pool.imap_unordered(_work, jobs))
        else:
            results = [_work(job) for job in jobs]
        wall = time.perf_counter() - start
        results.sort(key=lambda r: r.trial)
        bad = [r for r in results if r.duplicates or r.missing or r.problems]
        for r in results if args.verbose else bad:
            print(f"\ntrial {r.trial} ({r.scenario}): {r.duplicates} duplicate(s), "
                  f"{r.missing} missing; {r.folder if r in bad or args.keep else ''}")  # fmt: skip
            for line in r.story + r.problems:
                print("   ", line)
        print()
        print(table(results, wall))
        if bad:
            trial = bad[0]
            print(
                f"\n{len(bad)} trial(s) went wrong; again, alone: bench/exactly_once.py "
                f"--seed {args.seed} --trials {trials}"
                + "".join(f" --scenario {s}" for s in args.scenario or [])
                + (" --bluesky" if args.bluesky else "")
                + (" --threads" if args.threads else "")
                + (" --x" if args.x else "")
                + f" --trial {trial.trial} -v"
            )
        return 1 if bad else 0
    finally:
        world.close()
        if devnet is not None:
            devnet.close()
        if not any(Path(tmp).glob("trial-*")):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
