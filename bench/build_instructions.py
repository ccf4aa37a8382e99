"""The build's overhead in instructions: the same three builds as ``build_overhead.py``, counted
by valgrind's callgrind instead of timed.

On a shared virtual machine the same build's CPU time can double within minutes, which buries a
goal of 5% or 15%. Instructions executed do not move with the machine's load, so this bench gives
the same figure every run: plain Pelican, Pelican + Roost (its forked worker included) and plain
Pelican writing the very pages Roost writes (the floor), cold and warm, side by side. Instructions
are not time: callgrind sees user space only (not the kernel writing pages) and weighs a cache
miss like any other instruction, so read these beside ``build_overhead.py``'s times, not instead.

Slow: callgrind runs Python about fifty times slower, so the default site is 400 posts (about
twenty minutes for the six builds). Needs ``valgrind`` on the PATH (Debian: ``apt install
valgrind``).

    .venv/bin/python bench/build_instructions.py [--posts 400] [--interactions 50]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_overhead as timed  # noqa: E402


def instructions(root: Path, conf: Path, folder: Path) -> list[int]:
    """Instructions each process of one build executed (the build, then any worker)."""
    for old in folder.glob("*.out"):
        old.unlink()
    tool = ("valgrind", "--tool=callgrind", "--trace-children=yes", "--log-file=/dev/null",
            f"--callgrind-out-file={folder}/%p.out")  # fmt: skip
    timed.build_once(root, conf, tool)
    counts = []
    for path in sorted(folder.glob("*.out"), key=lambda p: int(p.stem)):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                counts.append(int(line.split()[1]))
                break
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=400)
    ap.add_argument("--interactions", type=int, default=50)
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("build_instructions: valgrind is not installed (Debian: apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix="roost-bench-") as tmp:
        root = Path(tmp)
        timed.make_site(root, args.posts, args.interactions)
        folder = root / "callgrind"
        folder.mkdir()
        print(f"site: {args.posts} posts x {args.interactions} interactions; billions of "
              "instructions (Roost: build + worker)")  # fmt: skip
        for warm in (False, True):
            plain, roost = timed.write_conf(root, False, warm), timed.write_conf(root, True, warm)
            timed.build_once(root, roost)
            timed.harvest_pages(root)
            floor = timed.write_floor_conf(root, warm)
            if warm:  # the caches; Roost's twice, the second keeping each page's filled copy
                for conf in (plain, floor, roost, roost):
                    timed.build_once(root, conf)
            sides = (("plain", plain), ("roost", roost), ("floor", floor))
            got = {name: instructions(root, conf, folder) for name, conf in sides}
            total = {name: sum(c) for name, c in got.items()}
            parts = " + ".join(f"{c / 1e9:.2f}" for c in got["roost"])
            print(
                f"{'warm' if warm else 'cold'}: plain {total['plain'] / 1e9:.2f}, "
                f"Roost {total['roost'] / 1e9:.2f} ({parts}), same pages {total['floor'] / 1e9:.2f}"
                f"; Roost / plain {total['roost'] / total['plain']:.3f}, same pages / plain "
                f"{total['floor'] / total['plain']:.3f}, Roost / same pages "
                f"{total['roost'] / total['floor']:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
