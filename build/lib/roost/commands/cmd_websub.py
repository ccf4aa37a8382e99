"""``roost websub``: after a deploy, tell the WebSub hub (``ROOST_WEBSUB_HUB``) that each feed
the build writes may have changed, so it fetches them and pushes new posts to subscribers.

One POST per feed (``networks/websub.py`` says what is sent and why). A hub that refuses or
cannot be reached is one line naming the feed and the hub's words; the other feeds are still
announced and the command exits 1. No hub configured is not a failure: nothing to do, exit 0.
"""

from __future__ import annotations

import argparse
import sys

from .common import Stop, load_settings, print_problems, say


def cmd_websub(args: argparse.Namespace) -> int:
    from ..networks.errors import NetworkError
    from ..networks.websub import Hub
    from ..settings import validate
    from ..site.feeds import feed_urls, is_url

    settings = load_settings(args.settings)
    values, problems = validate(settings)
    print_problems(problems)
    hub_url = values["ROOST_WEBSUB_HUB"]
    if hub_url is None:
        if any("ROOST_WEBSUB_HUB" in p for p in problems):
            return 1  # said above: a hub was meant, and is not understood
        print("roost: no WebSub hub configured (ROOST_WEBSUB_HUB): nothing to do")
        return 0
    urls = feed_urls(settings, values["ROOST_JSON_FEED"])
    if not urls:
        raise Stop(f"{args.settings}: no feed to announce (set FEED_ALL_ATOM or ROOST_JSON_FEED)")
    if not all(is_url(u) for u in urls):
        raise Stop(
            f"{args.settings}: the feeds' addresses are not whole URLs ({urls[0]}); set SITEURL "
            "(or FEED_DOMAIN) to the site's public address"
        )
    hub = Hub(hub_url)
    failed = 0
    for url in urls:
        try:
            status = hub.publish(url)
        except NetworkError as e:
            failed += 1
            what = "could not reach the hub" if e.status is None else "the hub refused it"
            say(f"roost: websub: {url}: {what} ({hub_url}): {e.message}", sys.stderr)
            continue
        say(f"websub: {url}: the hub took it ({status})")
    return 1 if failed or problems else 0
