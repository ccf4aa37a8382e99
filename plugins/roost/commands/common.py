"""What every ``roost`` command shares: reading the settings file (one line, never a traceback,
when it does not run), the records folder, printing lines scrubbed of secrets, and a progress
bar on a terminal.

Exit status of every command: 0 all well, 1 something failed (the rest was still done), 2 the
command could not start (``Stop``).
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from pathlib import Path


class Stop(Exception):
    """The command cannot start (exit 2); the message says what to do."""


# What a stranger's words (an account id, an address) must not bring to the author's terminal:
# escape sequences (ESC, C1 controls), a carriage return that overwrites the line, direction
# overrides; and a lone surrogate (JSON's "\ud800"), which no terminal encoding can print.
# Newlines and tabs are Roost's own layout.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def say(line: str, file=None) -> None:
    """Print one line of Roost's, scrubbed of every secret and query string (redaction.py) and
    of terminal controls."""
    from ..redaction import scrub

    print(_TERMINAL_CONTROLS.sub("", scrub(line)), file=file or sys.stdout)


def whole_number(most: int):
    """An argparse ``type``: a whole number from 0 to ``most``. A negative one would cut from
    the end of a list, and a huge number of days overflows a date."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = -1
        if not 0 <= value <= most:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 0 to {most:,}")
        return value

    return read


#: Every ``-s/--settings`` option's help.
SETTINGS_HELP = "the settings file (default: %(default)s)"


def outside_output(given: str, named: str, settings: dict, why: str) -> Path:
    """``given`` as a path, refused inside the site's output folder, which is deployed: what
    names the author's readers (an export, the stats report) must never be published. ``named``
    is how the line names it; ``why`` ends the line."""
    target = Path(given).resolve()
    output = Path(settings.get("OUTPUT_PATH", "output")).resolve()
    if target == output or output in target.parents:
        raise Stop(
            f"{named}: inside the site's output folder ({settings.get('OUTPUT_PATH')}), which "
            f"is deployed{why}"
        )
    return target


def print_problems(lines: list[str]) -> None:
    for line in lines:
        say(f"roost: {line}", sys.stderr)


def load_settings(path: str, overrides: dict | None = None) -> dict:
    from pelican.settings import read_settings

    if not Path(path).is_file():
        raise Stop(f"{path}: no such settings file; run from the blog's folder")
    try:
        return read_settings(path, override=overrides)
    # The settings file is Python: anything can go wrong in it, `raise SystemExit` included.
    except (Exception, SystemExit) as e:
        raise Stop(settings_error(path, e)) from None


def settings_error(path: str, e: BaseException) -> str:
    """One line for a settings file that fails to run: the file, the line, the error."""
    line, message = None, str(e)
    if isinstance(e, SyntaxError):
        line, message = e.lineno, e.msg
    else:
        target = Path(path).resolve()
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            if Path(frame.f_code.co_filename).resolve() == target:
                line = lineno
    where = f"{path}, line {line}" if line else path
    return f"{where}: {type(e).__name__}: {message} (fix the settings file and run again)"


def store_of(args: argparse.Namespace):
    """The settings' problems and the records folder they point to."""
    return settings_and_store(args)[2:]


def settings_and_store(args: argparse.Namespace):
    """(settings, validated ROOST_* values, problems, the records folder)."""
    from ..settings import validate
    from ..site.build import records_path
    from ..store import Store

    settings = load_settings(args.settings)
    values, problems = validate(settings)
    return settings, values, problems, Store(records_path(settings, values["ROOST_RECORDS_PATH"]))


def with_progress(total: int | None, work, label: str = "syndicating"):
    """Run ``work(tick)`` with a progress bar on a terminal (a spinner and a count when the total
    is not known beforehand), unless there is a single post or no terminal."""
    if total == 1 or total == 0 or not sys.stderr.isatty():
        return work(None)
    from rich.console import Console
    from rich.progress import Progress

    # On stderr, where the check above looked: stdout keeps only the results, for logs and pipes.
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        return work(lambda: progress.advance(task))
