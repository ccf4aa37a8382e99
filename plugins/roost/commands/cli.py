"""The ``roost`` command: its arguments, and which module runs each subcommand.

    roost build [-s pelicanconf.py]   build the site; exit 1 if anything was reported as an error
    roost check [-s pelicanconf.py]   read every record file and report each problem, one line each
    roost syndicate [--dry-run]       post new articles to the configured networks, record copies
    roost preview POST [--json]       what each network would receive for a post (offline)
    roost unsyndicate POST            delete a post's copies from the networks
    roost webmention [--dry-run]      send Webmentions for new, updated and deleted posts' links
    roost mark-handled                record every post not yet sent anywhere as never to be sent
    roost backfeed [--sweep N]        bring home replies, quotes, likes, reposts and pictures
    roost doctor                      check settings, records and every token (read-only calls)
    roost status [--json]             per post: its copies, what came back, when last backfed
    roost stats [--json] [--report D] engagement: per post, per network, over time, who comes back
    roost hide ID                     never show this interaction (it stays in the records)
    roost forget PERSON               remove everything of a person, media included
    roost block ACCOUNT-OR-DOMAIN     never store or show anything from them (what is stored goes)
    roost moderate                    apply moderation.json to every record (after a merge)
    roost websub                      tell the WebSub hub the feeds changed (after a deploy)
    roost people [--sort S] [--json]  everyone who interacted, one entry per person, most engaged
    roost people show ID              a person's accounts, sites, merges, interactions by post
    roost people merge A B            the author's word: B is the same person as A
    roost people split ACCOUNT        take an account out of its person again
    roost people verify [--days N]    read rel=me links and domain handles; merge on evidence
    roost people export --format F    export the audience (csv, vcard, opml, mastodon), or
                                      --bluesky-list NAME: a list on the author's Bluesky
    roost audience snapshot           record who follows you on each network that lists followers
    roost audience diff [FROM] [TO]   who came and who left between two follower snapshots
    roost watch [ok URL-OR-ID...]     posts on your accounts Roost did not send; mark yours

Every problem is one line that names the file, key or network and what to do. Exit status:
0 all well, 1 something failed (the rest was still done), 2 the command could not start.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from .cmd_backfeed import cmd_backfeed
from .cmd_export import add_export_parser
from .cmd_moderation import cmd_block, cmd_forget, cmd_hide, cmd_moderate
from .cmd_people import (
    SORTS,
    cmd_people,
    cmd_people_merge,
    cmd_people_show,
    cmd_people_split,
    cmd_people_verify,
)
from .cmd_publish import cmd_mark_handled, cmd_preview, cmd_syndicate, cmd_unsyndicate
from .cmd_records import cmd_build, cmd_check, cmd_doctor, cmd_merge_records, cmd_status
from .cmd_websub import cmd_websub
from .common import SETTINGS_HELP, Stop, say, whole_number
from .webmention import cmd_webmention


def main(argv: list[str] | None = None) -> int:
    # twitter-text-parser imports pkg_resources, which warns on every run: noise to an author,
    # about a library's own import (pinned setuptools keeps it working; pyproject.toml).
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    parser = argparse.ArgumentParser(
        prog="roost",
        description="Build the blog, post new articles to your networks, bring the conversation "
        "home, and moderate it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str, settings: str = "pelicanconf.py"):
        p = sub.add_parser(name, help=help)
        p.add_argument("-s", "--settings", default=settings, help=SETTINGS_HELP)
        p.set_defaults(func=func)
        return p

    p = command("build", cmd_build, "build the site with Pelican and the Roost plugin")
    p.add_argument("-o", "--output", help="output folder (default: OUTPUT_PATH)")
    p.add_argument("-v", "--verbose", action="store_true")

    command("check", cmd_check, "validate every record file")

    p = command(
        "syndicate", cmd_syndicate, "post new articles to the configured networks", "publishconf.py"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    p.add_argument("--network", action="append", help="only this network (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list skipped posts")

    p = command(
        "preview",
        cmd_preview,
        "show what each network would receive for one post",
        "publishconf.py",
    )
    p.add_argument("post", help="the post's slug")
    p.add_argument("--json", action="store_true", help="the request bodies, as JSON")

    p = command(
        "unsyndicate", cmd_unsyndicate, "delete a post's copies from the networks", "publishconf.py"
    )
    p.add_argument("post", help="the post's slug")
    p.add_argument("--network", action="append", help="only this network (repeatable)")

    p = command(
        "webmention",
        cmd_webmention,
        "send Webmentions for the links of new, updated and deleted posts",
        "publishconf.py",
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")

    command(
        "mark-handled",
        cmd_mark_handled,
        "never send the posts not yet sent anywhere",
        "publishconf.py",
    )

    p = command(
        "backfeed", cmd_backfeed, "bring home what people did with the copies", "publishconf.py"
    )
    p.add_argument(
        "--sweep",
        type=whole_number(10**6),
        default=1,
        metavar="N",
        help="also look again at the N most overdue posts per network, on a schedule that "
        "decays with age, for what no notification announces (default 1; 0 for none)",
    )
    p.add_argument("--network", action="append", help="only this network (repeatable)")

    command(
        "doctor",
        cmd_doctor,
        "check settings, records and every token with one read-only call each",
        "publishconf.py",
    )

    p = command("merge-records", cmd_merge_records, "git's merge driver for the records")
    for name in ("base", "ours", "theirs", "name"):
        p.add_argument(name)

    # publishconf.py, like every command that reads ROOST_NETWORKS: the docs put the networks
    # there, and status reports on them (gone networks, X's spend this month).
    p = command(
        "status", cmd_status, "per post: copies, counts, when last backfed", "publishconf.py"
    )
    p.add_argument("--json", action="store_true")

    p = command("hide", cmd_hide, "never show one interaction")
    p.add_argument("id", help="the interaction's id, e.g. mastodon:115107301122334455")

    p = command("forget", cmd_forget, "remove everything of a person, media included")
    p.add_argument("person", help="the person's id, e.g. mastodon:bob@birds.example")

    p = command("block", cmd_block, "never store or show anything from an account or domain")
    p.add_argument("target", help="a person id (mastodon:bob@birds.example) or a domain")

    command(
        "moderate",
        cmd_moderate,
        "apply moderation.json to every record: what it refuses is removed (after a merge)",
    )

    command(
        "websub",
        cmd_websub,
        "tell the WebSub hub (ROOST_WEBSUB_HUB) that the feeds changed; run after deploying",
        "publishconf.py",
    )

    _people_parsers(command)
    _audience_parsers(sub)

    # roost stats: engagement (audience/stats.py), in the terminal, as JSON or as a local report.
    from .cmd_stats import add_arguments as stats_arguments
    from .cmd_stats import cmd_stats

    stats_arguments(command("stats", cmd_stats, "engagement per post, per network, over time"))
    # The account watch (commands/watch.py): its command, and the option that makes every
    # command listing what it found fail, so a scheduled CI run tells the author.
    from .cmd_watch import cmd_watch

    p = command("watch", cmd_watch, "posts on your accounts that Roost did not send")
    p.add_argument("action", nargs="?", choices=("list", "ok"), default="list",
                   help="list them (the default), or mark the posts named as yours")  # fmt: skip
    p.add_argument("posts", nargs="*", metavar="URL-OR-ID", help="with ok: the posts to mark")
    p.add_argument("--all", action="store_true", help="with ok: every post listed")
    for name in ("watch", "backfeed", "status", "doctor"):
        sub.choices[name].add_argument(
            "--fail-on-unknown",
            action="store_true",
            help="exit 1 when a post on your accounts that Roost did not send is listed",
        )

    args = parser.parse_args(argv)
    from ..model import RecordError
    from ..store import StoreLocked

    try:
        status = args.func(args)
        sys.stdout.flush()  # here, so that a reader who stopped reading is seen below
        return status
    except BrokenPipeError:
        # `roost people | head`: the reader has what it wanted. Python's recipe: no message,
        # and stdout pointed at nothing so the interpreter's last flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Stop as e:
        say(f"roost: {e}", sys.stderr)
        return 2
    except (RecordError, StoreLocked) as e:  # one line for the author
        say(f"roost: {e}", sys.stderr)
        return 1
    except OSError as e:  # a folder that cannot be read or written: which, and why
        where = f"{e.filename}: " if e.filename else ""
        say(f"roost: {where}{e.strerror or e}", sys.stderr)
        return 1


def _people_parsers(command) -> None:
    p = command("people", cmd_people, "everyone who interacted, one entry per person")
    p.add_argument("--sort", choices=sorted(SORTS), default="engagement",
                   help="engagement (default: who came to most posts first), recent, "
                   "first, name")  # fmt: skip
    p.add_argument("--network", action="append", help="only people with an account there")
    p.add_argument(
        "--limit", type=whole_number(10**9), default=0, metavar="N", help="the first N only"
    )
    p.add_argument("--json", action="store_true")
    sub = p.add_subparsers(dest="people_command")

    def people(name, func, help):
        q = sub.add_parser(name, help=help)
        q.add_argument("-s", "--settings", default="pelicanconf.py", help=SETTINGS_HELP)
        q.set_defaults(func=func)
        return q

    q = people("show", cmd_people_show, "a person's accounts, sites, merges and interactions")
    q.add_argument("ref", help="a person id (person:...), an older one, or an account id")
    q.add_argument("--json", action="store_true")
    q = people("merge", cmd_people_merge, "record that two people are one (undo with split)")
    q.add_argument("first", help="the person whose id is kept")
    q.add_argument("second", help="the person merged into the first")
    q.add_argument("--note", help="why, in your words (kept with the merge)")
    q = people("split", cmd_people_split, "take one account out of its person")
    q.add_argument("account", help="the account id, e.g. mastodon:bob@birds.example")
    q = people("verify", cmd_people_verify, "read rel=me links and domain handles; merge on them")
    q.add_argument(
        "--days", type=whole_number(36_500), default=30, help="read a check again after N days (30)"
    )
    add_export_parser(sub)


def _audience_parsers(sub) -> None:
    """roost audience snapshot|diff: follower snapshots (cmd_audience.py)."""
    from .cmd_audience import cmd_audience_diff, cmd_audience_snapshot

    audience = sub.add_parser("audience", help="follower snapshots: who follows you, who came")
    steps = audience.add_subparsers(dest="step", required=True)
    p = steps.add_parser("snapshot", help="record who follows you on each network that lists it")
    p.add_argument("-s", "--settings", default="publishconf.py", help=SETTINGS_HELP)
    p.add_argument("--network", action="append", help="only this network (repeatable)")
    p.set_defaults(func=cmd_audience_snapshot)
    p = steps.add_parser("diff", help="who came and who left between two follower snapshots")
    p.add_argument("-s", "--settings", default="publishconf.py", help=SETTINGS_HELP)
    p.add_argument("--network", action="append", help="only this network (repeatable)")
    p.add_argument("start", nargs="?", metavar="FROM", help="a snapshot's date (default: the "
                   "one before the last); the last snapshot of that day")  # fmt: skip
    p.add_argument("end", nargs="?", metavar="TO", help="a later snapshot's date (default: the "
                   "last)")  # fmt: skip
    p.set_defaults(func=cmd_audience_diff)


if __name__ == "__main__":
    sys.exit(main())
