"""What engagement statistics cost: `roost stats` on the demo and on a large site, and what the
report and the public page add to a build.

Generates the same site as ``build_overhead.py`` (N posts, K archived interactions each; 2,000 x
50 by default), then:

* runs ``roost stats`` (the terminal view, to a pipe) and ``roost stats --json`` on the demo and
  on that site, each in a fresh process, and prints wall and CPU seconds;
* builds that site with Pelican + Roost with the stats off, with the report on
  (``ROOST_STATS_REPORT``), and with the report and the public page on (``ROOST_STATS_PAGE``),
  alternately, with warm caches (a rebuild: Roost's responses come from its cache, the stats
  are counted anew each time) and prints what each adds to the build with them off.

    .venv/bin/python bench/stats_cost.py [--posts 2000] [--interactions 50] [--rounds 2]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_overhead import REPO, make_site, write_conf  # noqa: E402

ROOST = Path(sys.executable).parent / "roost"


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stats_runs(label: str, settings: Path, cwd: Path, rounds: int) -> None:
    for extra in ([], ["--json"]):
        runs = [
            timed([str(ROOST), "stats", "-s", str(settings), *extra], cwd) for _ in range(rounds)
        ]
        wall, cpu = zip(*runs, strict=True)
        print(
            f"  roost stats {' '.join(extra) or '(terminal)':<10} on {label:<16}"
            f"{statistics.median(wall):>7.2f}s wall (min {min(wall):.2f}) "
            f"{statistics.median(cpu):>7.2f}s CPU",
            flush=True,
        )


def build_confs(root: Path) -> dict[str, Path]:
    base = write_conf(root, True, True)
    confs = {"stats off": base}
    for name, extra in (
        ("report on", f"ROOST_STATS_REPORT = {str(root / 'report')!r}\n"),
        ("report + page on", f"ROOST_STATS_REPORT = {str(root / 'report')!r}\n"
                             'ROOST_STATS_PAGE = "engagement"\n'),
    ):  # fmt: skip
        conf = root / f"conf_{name.replace(' ', '_').replace('+', 'and')}.py"
        conf.write_text(base.read_text() + extra)
        confs[name] = conf
    return confs


def build(root: Path, conf: Path) -> tuple[float, float]:
    pelican = Path(sys.executable).parent / "pelican"
    return timed([str(pelican), "-s", str(conf), "-o", str(root / "output"), "-q"], root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--interactions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roost-stats-bench-") as tmp:
        root = Path(tmp)
        print(f"site: {args.posts} posts x {args.interactions} interactions", flush=True)
        make_site(root, args.posts, args.interactions)
        stats_runs("the demo", REPO / "pelicanconf.py", REPO, args.rounds)
        stats_runs(f"{args.posts} x {args.interactions}", write_conf(root, True, True), root,
                   args.rounds)  # fmt: skip
        confs = build_confs(root)
        for conf in confs.values():  # fill the caches and the OS file cache
            build(root, conf)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in confs}
        for _ in range(args.rounds):
            for name, conf in confs.items():  # alternate, so drift hits all alike
                times[name].append(build(root, conf))
        off_wall = statistics.median(w for w, _ in times["stats off"])
        off_cpu = statistics.median(c for _, c in times["stats off"])
        print("warm builds (Roost's cache on), median of", args.rounds)
        for name, runs in times.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(
                f"  {name:<17}{wall:>7.2f}s wall {cpu:>7.2f}s CPU"
                f"   adds {wall - off_wall:+.2f}s wall {cpu - off_cpu:+.2f}s CPU",
                flush=True,
            )


if __name__ == "__main__":
    main()
