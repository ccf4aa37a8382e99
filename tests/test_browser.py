"""What readers see, in real headless Chromium (Debian's), against pages served on localhost."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from sites import article, build, record, write_site
from xss_payloads import PAYLOADS

# Any of these firing means a payload ran. Installed before any page script could run.
HOOKS = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  const original = window[name];
  window[name] = function () { window.__xss.push(name); };
}
"""

# Give every element in the responses the events payloads wait for. Links are checked, not
# followed: clicking one would leave the page.
PROVOKE = """
() => {
  // Clicks below a link would follow it and leave the page; every href is checked below instead.
  document.addEventListener('click', e => { if (e.target.closest('a')) e.preventDefault(); }, true);
  const root = document.querySelector('.responses');
  const bad = [];
  for (const el of root.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'animationstart',
                        'transitionend', 'pointerdown', 'input', 'change', 'error', 'load']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (el.tagName !== 'A') el.click();
    for (const attr of el.getAttributeNames()) {
      if (attr.startsWith('on')) bad.push(el.tagName + ' ' + attr);
    }
    if (el.tagName === 'A' && el.hasAttribute('href') &&
        !['http:', 'https:', 'mailto:'].includes(el.protocol)) bad.push('href ' + el.href);
  }
  for (const sel of ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'form', 'base',
                     'style', 'link', 'meta', 'frame', 'img:not(.avatar):not(.u-photo)']) {
    if (root.querySelector(sel)) bad.push('element ' + sel);
  }
  return bad;
}
"""

GROUPS = ["owasp", "dompurify", "html5sec", "bleach"]


def write_hostile_site(root):
    """One post per corpus; each payload is a reply's content and its author's name, and that
    author also likes the post, so the payload lands in a facepile's alt text too."""
    posts, records, people = {}, {}, []
    for group in GROUPS:
        interactions = []
        for i, (name, payload) in enumerate(p for p in PAYLOADS if p[0].startswith(group)):
            pid = f"mastodon:{name}@x.example"
            people.append({"id": pid, "network": "mastodon", "name": payload, "handle": payload})
            common = {"network": "mastodon", "author": pid, "url": f"https://x.example/{i}"}
            interactions.append(
                {
                    **common,
                    "id": f"mastodon:r-{name}",
                    "kind": "reply",
                    "content": payload,
                    "published": f"2026-01-16T10:00:{i % 60:02d}Z",
                    "in_reply_to": None,
                }
            )
            interactions.append(
                {
                    **common,
                    "id": f"mastodon:l-{name}",
                    "kind": "like",
                    "content": "",
                    "published": f"2026-01-16T11:00:{i % 60:02d}Z",
                }
            )
        posts[f"{group}.md"] = article(f"Hostile {group}", group)
        records[group] = record(group, interactions)
    write_site(root, posts, records=records, people={"mastodon": people})


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    write_hostile_site(root)
    # CSP off: this test is about the sanitiser alone, not the wall behind it.
    built = build(root, ROOST_CSP=False, ROOST_FACEPILE_LIMIT=1000)
    assert built.errors() == []
    return built.output


def visit(chromium, base: str, path: str) -> tuple[list[str], list[str], list[str], object]:
    """Open a page with the hooks in, provoke every element; return what fired."""
    context = chromium.new_context()
    context.add_init_script(HOOKS)
    page = context.new_page()
    dialogs, requests = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    page.goto(f"{base}/{path}/", wait_until="load")
    try:
        bad = page.evaluate(PROVOKE)
        page.wait_for_timeout(300)
        fired = page.evaluate("window.__xss") + dialogs
    except PlaywrightError as e:  # a payload navigated the page away: script or refresh ran
        bad, fired = [f"page navigated: {e.message[:80]}"], ["navigation", *dialogs]
    return bad, fired, [u for u in requests if not u.startswith(base)], (context, page)


@pytest.mark.parametrize("group", GROUPS)
def test_no_payload_runs_script_in_chromium(chromium, serve, hostile_site, group):
    base = serve(hostile_site)
    bad, fired, foreign, (context, page) = visit(chromium, base, group)
    count = sum(1 for name, _ in PAYLOADS if name.startswith(group))
    assert page.locator(".responses .comment").count() == count
    assert page.locator(".facepile-like img").count() == count
    assert bad == []
    assert fired == []
    assert foreign == []
    context.close()


def test_the_harness_catches_script_when_the_sanitiser_is_off(
    chromium, serve, tmp_path, monkeypatch
):
    """Proof that the test above can fail: render the same payloads unsanitised."""
    from markupsafe import Markup

    import roost.site.views

    monkeypatch.setattr(roost.site.views, "clean_html", lambda html: html)
    monkeypatch.setattr(roost.site.views, "escape", Markup)
    write_hostile_site(tmp_path)
    built = build(tmp_path, ROOST_CSP=False)
    bad, fired, _, (context, _page) = visit(chromium, serve(built.output), "owasp")
    assert fired and bad
    context.close()


def test_a_reader_sees_comments_and_facepiles_and_nothing_leaves_localhost(
    chromium, serve, demo_output
):
    base = serve(demo_output)
    context = chromium.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/2026/moving-my-writing-home/", wait_until="networkidle")

    responses = page.get_by_role("heading", name="Responses")
    responses.scroll_into_view_if_needed()
    assert responses.is_visible()
    comments = page.locator(".replies .comment")
    assert comments.count() == 7
    assert comments.first.locator(".p-name").first.inner_text() == "Bob Martin"
    assert page.get_by_text("in reply to Kenji Watanabe").is_visible()
    likes = page.locator(".facepile-like img")
    assert likes.count() == 7
    # Every avatar and picture loads from the site itself (they are lazy: load them all now).
    loaded = page.evaluate(
        """Promise.all([...document.querySelectorAll('.responses img')].map(img => {
             img.loading = 'eager';
             return img.decode().then(() => img.naturalWidth > 0, () => false);
           }))"""
    )
    assert loaded and all(loaded)
    assert page.get_by_role("link", name="Reply on Mastodon").is_visible()
    assert requests and all(u.startswith(base) for u in requests), requests
    context.close()


def test_the_page_works_without_javascript_and_keyboard_first(chromium, serve, demo_output):
    base = serve(demo_output)
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/2026/moving-my-writing-home/")
    assert page.locator(".replies .comment").count() == 7
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    context.close()


def test_dark_mode_follows_the_reader(chromium, serve, demo_output):
    base = serve(demo_output)
    colours = {}
    for scheme in ("light", "dark"):
        context = chromium.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{base}/")
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert colours["light"] == "rgb(253, 252, 249)"
    assert colours["dark"] == "rgb(22, 24, 27)"


def test_the_default_policy_blocks_foreign_loads_even_if_a_theme_adds_one(
    chromium, serve, tmp_path
):
    write_site(
        tmp_path, {"p.md": article("P", "p", '<img src="https://tracker.example/p.gif" alt="x">')}
    )
    built = build(tmp_path)
    base = serve(built.output)
    context = chromium.new_context()
    page = context.new_page()
    blocked = {}
    page.on("requestfailed", lambda r: blocked.setdefault(r.url, r.failure))
    page.on("requestfinished", lambda r: blocked.setdefault(r.url, "finished"))
    page.goto(f"{base}/p/", wait_until="load")
    # Chromium reports the attempt, then refuses it under the policy: nothing is sent.
    assert blocked["https://tracker.example/p.gif"] == "csp"
    context.close()
