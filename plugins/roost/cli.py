"""The ``roost`` command.

    roost build [-s pelicanconf.py]   build the site; exit 1 if anything was reported as an error
    roost check [-s pelicanconf.py]   read every record file and report each problem, one line each

Every problem is one line that names the file, key or network and what to do. Exit status:
0 all well, 1 something failed (the rest was still done), 2 the command could not start.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .model import RecordError


class _Counter(logging.Handler):
    """Counts ERROR records so a build can finish and still fail."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _WithReason(logging.Filter):
    """Pelican logs "Could not process <file>" and keeps the reason for --debug. An author needs
    the reason (a bad date, a missing title) on the same line, so add it while it is at hand."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = sys.exc_info()[1]
        if record.levelno >= logging.ERROR and exc is not None and not record.exc_info:
            record.msg = f"{record.msg}: %s (fix the file's metadata and build again)"
            record.args = (*(record.args or ()), f"{type(exc).__name__}: {exc}")
        return True


def _read_settings(path: str, overrides: dict | None = None) -> dict:
    from pelican.settings import read_settings

    if not Path(path).is_file():
        raise SystemExit(f"roost: {path}: no such settings file; run from the blog's folder")
    return read_settings(path, override=overrides)


def cmd_build(args: argparse.Namespace) -> int:
    from pelican import Pelican
    from pelican.log import init as init_logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    init_logging(level=logging.DEBUG if args.verbose else logging.WARNING, handler=handler)
    counter = _Counter()
    logging.getLogger().addHandler(counter)
    reasons = _WithReason()
    for name in ("pelican.generators", "pelican.readers"):
        logging.getLogger(name).addFilter(reasons)
    try:
        settings = _read_settings(
            args.settings, {"OUTPUT_PATH": args.output} if args.output else None
        )
        Pelican(settings).run()
    except Exception as e:  # Pelican raises anything; the author needs one line, not a trace.
        print(f"roost: build failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        logging.getLogger().removeHandler(counter)
        for name in ("pelican.generators", "pelican.readers"):
            logging.getLogger(name).removeFilter(reasons)
    if counter.count:
        print(
            f"roost: the site was built, but {counter.count} error(s) were reported above",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .build import records_path
    from .settings import validate
    from .store import Store

    settings = _read_settings(args.settings)
    values, problems = validate(settings)
    store = Store(records_path(settings, values["ROOST_RECORDS_PATH"]))
    for reader in (store.read_people, store.read_moderation):
        try:
            reader()
        except RecordError as e:
            problems.append(str(e))
    for key in store.post_keys():
        try:
            store.read_post(key)
        except RecordError as e:
            problems.append(str(e))
    for p in problems:
        print(f"roost: {p}", file=sys.stderr)
    n = len(store.post_keys())
    print(f"roost: {n} post records checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="roost", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build the site with Pelican and the Roost plugin")
    p.add_argument("-s", "--settings", default="pelicanconf.py")
    p.add_argument("-o", "--output", help="output folder (default: OUTPUT_PATH)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help="validate every record file")
    p.add_argument("-s", "--settings", default="pelicanconf.py")
    p.set_defaults(func=cmd_check)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
