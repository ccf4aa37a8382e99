"""Killed and run again, `roost syndicate` leaves every post on the network exactly once.

A seeded sample of bench/exactly_once.py's trials (two per scenario, and two on Mastodon and
Bluesky together), with the bench's own code, and the cases its full runs found.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import exactly_once as bench  # noqa: E402

SEED = 2026
SAMPLE = bench.plan(2 * len(bench.SCENARIOS), list(bench.SCENARIOS))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = bench.World(tmp_path_factory.mktemp("exactly-once"))
    bench.calibrate(world)
    yield world
    world.close()


def verdict(result: bench.Result) -> tuple[int, int, list[str]]:
    return result.duplicates, result.missing, result.problems


@pytest.mark.parametrize(("scenario", "index"), SAMPLE, ids=[f"{s}-{i}" for s, i in SAMPLE])
def test_a_sampled_trial_ends_with_every_post_there_exactly_once(world, scenario, index):
    result = bench.run_trial(world, scenario, index, SEED)
    assert verdict(result) == (0, 0, []), "\n".join(result.story)


def trial(world, tmp_path) -> bench.Trial:
    return bench.Trial(world, "slug-change", 0, SEED, tmp_path / "site")


def test_a_post_renamed_after_its_first_run_was_killed_is_not_sent_again(world, tmp_path):
    """The first run ever is killed once the server made the first status: the ledger holds
    only that part's intent. Its post's slug changes; the rerun finds the ledger by the post's
    file and the status by the intent, and sends nothing twice."""
    t = trial(world, tmp_path)
    try:
        assert not t.run(bench.Kill("create", 1))
        assert t.ledgers()["swifts"].intent("mastodon", 0) is not None
        t.rename("a.md")
        t.finish()
        t.check()
        assert verdict(t.result) == (0, 0, []), "\n".join(t.result.story)
        assert sorted(t.ledgers()) == ["owls", "swifts-renamed", "thread"]
    finally:
        t.close()


def test_a_thread_cut_short_then_changed_is_completed(world, tmp_path):
    t = trial(world, tmp_path)
    try:
        # The 7th request is the thread's third part (instance, picture, 2 posts, 2 parts).
        assert not t.run(bench.Kill("request", 7))
        ledger = t.ledgers()["thread"]
        assert [c.part for c in ledger.copies("mastodon")] == [0, 1]
        assert ledger.intent("mastodon", 2) is not None
        t.rename("thread.md")  # its link, in the third part, changes
        t.finish()
        t.check()
        assert verdict(t.result) == (0, 0, []), "\n".join(t.result.story)
    finally:
        t.close()


def _die_between_the_two_steps_of_a_rename():
    """In the run's child: die when a ledger file is removed, which only a rename does, after
    writing the file under its new name."""
    real = Path.unlink

    def dying(self, *args, **kwargs):
        if self.parent.name == "posts" and not self.name.startswith("."):
            os._exit(9)
        return real(self, *args, **kwargs)

    Path.unlink = dying


def test_a_rename_cut_short_leaves_one_ledger(world, tmp_path):
    t = trial(world, tmp_path)
    try:
        assert t.run()
        t.rename("b.md")
        assert not t.run(prepare=_die_between_the_two_steps_of_a_rename)
        assert t.run()
        assert (t.result.duplicates, t.result.missing) == (0, 0)
        assert sorted(t.ledgers()) == ["owls-renamed", "swifts", "thread"]
    finally:
        t.close()


@pytest.fixture(scope="module")
def both(tmp_path_factory, devnet):
    world = bench.World(tmp_path_factory.mktemp("exactly-once-bluesky"), devnet)
    bench.calibrate(world)
    yield world
    world.close()


@pytest.mark.parametrize("index", range(2))
def test_killed_at_random_both_networks_have_every_post_once(both, index):
    result = bench.run_trial(both, "random-kill", index, SEED)
    assert verdict(result) == (0, 0, []), "\n".join(result.story)
    assert any(line.startswith("bluesky: ") for line in result.story)
