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
    roost hide ID                     never show this interaction (it stays in the records)
    roost forget PERSON               remove everything of a person, media included
    roost block ACCOUNT-OR-DOMAIN     never store or show anything from them (what is stored goes)
    roost moderate                    apply moderation.json to every record (after a merge)
    roost websub                      tell the WebSub hub the feeds changed (after a deploy)
    roost watch [ok URL-OR-ID...]     posts on your accounts Roost did not send; mark yours

Every problem is one line that names the file, key or network and what to do. Exit status:
0 all well, 1 something failed (the rest was still done), 2 the command could not start.
"""

from __future__ import annotations

import argparse
import sys

from .cmd_backfeed import cmd_backfeed
from .cmd_moderation import cmd_block, cmd_forget, cmd_hide, cmd_moderate
from .cmd_publish import cmd_mark_handled, cmd_preview, cmd_syndicate, cmd_unsyndicate
from .cmd_records import cmd_build, cmd_check, cmd_doctor, cmd_merge_records, cmd_status
from .cmd_websub import cmd_websub
from .common import Stop, say
from .webmention import cmd_webmention


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="roost",
        description="Build the blog, post new articles to your networks, bring the conversation "
        "home, and moderate it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str, settings: str = "pelicanconf.py"):
        p = sub.add_parser(name, help=help)
        p.add_argument("-s", "--settings", default=settings)
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
        type=int,
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

    p = command("status", cmd_status, "per post: copies, counts, when last backfed")
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
        return args.func(args)
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


if __name__ == "__main__":
    sys.exit(main())
