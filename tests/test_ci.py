"""Publishing from CI: the workflows are valid, and what they run works in a real git repository.

The simulation plays GitHub's part with local pieces: a bare repository is the remote, each run
is a fresh clone that builds, deploys to a served folder, syndicates to the fake Mastodon and
pushes the records back with ``invoke push-records`` (the very commands of publish.yml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from ruamel.yaml import YAML  # comes with check-jsonschema

from conftest import git
from sites import REPO, write_settings

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def test_the_workflows_are_valid_against_githubs_schema():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOWS],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert {w.name for w in WORKFLOWS} == {"publish.yml", "backfeed.yml"}


def test_the_workflows_publish_then_syndicate_and_never_run_side_by_side():
    flows = {w.stem: YAML(typ="safe").load(w.read_text()) for w in WORKFLOWS}
    for flow in flows.values():
        assert flow["concurrency"] == {"group": "roost-records", "cancel-in-progress": False}
    jobs = flows["publish"]["jobs"]
    # Nothing is deployed or posted unless the tests pass, or were skipped for a content-only
    # push (tests/test_ci_changes.py).
    assert jobs["publish"]["needs"] == ["changes", "test"]
    assert any("make test" in s.get("run", "") for s in jobs["test"]["steps"])
    publish = [s.get("run", s.get("uses", "")) for s in jobs["publish"]["steps"]]
    order = ["roost build -s publishconf.py", "deploy-pages", "roost doctor", "roost syndicate",
             "roost webmention", "invoke push-records", "roost websub"]  # fmt: skip
    where = [next(i for i, s in enumerate(publish) if step in s) for step in order]
    assert where == sorted(where), publish
    backfeed = [
        s.get("run", s.get("uses", "")) for s in flows["backfeed"]["jobs"]["backfeed"]["steps"]
    ]
    order = ["roost backfeed", "invoke push-records", "roost build", "deploy-pages",
             "roost websub", "roost syndicate", "roost webmention"]  # fmt: skip
    where = [next(i for i, s in enumerate(backfeed) if step in s) for step in order]
    assert where == sorted(where), backfeed
    assert flows["backfeed"]["on"]["schedule"]
    text = "".join(w.read_text() for w in WORKFLOWS)
    assert "[skip ci]" in text  # the records commit does not start another publish


def test_the_scheduled_backfeed_fails_on_a_post_roost_did_not_send():
    """The account watch alerts through CI: the hourly backfeed runs with --fail-on-unknown,
    its records are still committed, and the run ends failed (GitHub emails the author)."""
    flow = YAML(typ="safe").load((REPO / ".github/workflows/backfeed.yml").read_text())
    steps = flow["jobs"]["backfeed"]["steps"]
    step = next(s for s in steps if "roost backfeed" in s.get("run", ""))
    assert "--fail-on-unknown" in step["run"].split() and step["id"] == "backfeed"
    assert step["continue-on-error"] is True  # the records are committed all the same
    assert "steps.backfeed.outcome == 'failure'" in steps[-1]["if"] and "exit 1" in steps[-1]["run"]
    assert "not sent by Roost" in steps[-1]["run"]
    assert flow["on"]["schedule"][0]["cron"].split()[1] == "*"  # hourly


def test_the_hub_is_told_after_every_deploy_and_a_failure_there_stops_nothing():
    flows = {w.stem: YAML(typ="safe").load(w.read_text()) for w in WORKFLOWS}
    publish = flows["publish"]["jobs"]["publish"]["steps"]
    ping = next(s for s in publish if "roost websub" in s.get("run", ""))
    # Told once the site is live, even when a network failed the syndication before it.
    assert publish[-1] is ping and "steps.deploy.outcome == 'success'" in ping["if"]
    assert "!cancelled()" in ping["if"] and "env" not in ping  # no secret: a hub needs none
    steps = flows["backfeed"]["jobs"]["backfeed"]["steps"]
    ping = next(s for s in steps if "roost websub" in s.get("run", ""))
    assert ping["continue-on-error"] is True and "env" not in ping  # the posts still go out
    assert "steps.websub.outcome == 'failure'" in steps[-1]["if"]  # and the run says it failed


PUSH_RECORDS = [BIN / "invoke", "--search-root", str(REPO), "push-records", "--message"]
POST = "Title: {title}\nDate: 2026-05-0{day} 10:00\nSlug: {slug}\nSummary: {title}.\n\n{title}.\n"


class Remote:
    """A bare repository holding a small blog, and runs that act like the publish workflow."""

    def __init__(self, root: Path, fake, serve):
        self.root, self.fake = root, fake
        self.origin = root / "origin.git"
        self.deployed = root / "deployed"
        self.deployed.mkdir()
        self.siteurl = serve(self.deployed)
        git(root, "init", "-q", "--bare", "-b", "main", str(self.origin))
        author = self.clone("author")
        (author / "content").mkdir()
        for day, slug in ((1, "swifts"), (2, "owls")):
            self.write_post(author, day, slug)
        shutil.copy(REPO / ".gitattributes", author / ".gitattributes")
        write_settings(
            author / "publishconf.py",
            SITEURL=self.siteurl,
            ROOST_NETWORKS={"mastodon": {"instance": fake.url}},
            ROOST_SYNDICATE_SINCE="2026-01-01",
        )
        (author / ".gitignore").write_text("output/\n__pycache__/\n")
        git(author, "add", "-A")
        git(author, "commit", "-qm", "A blog")
        git(author, "push", "-q", "origin", "main")

    def clone(self, name: str) -> Path:
        folder = self.root / name
        git(self.root, "clone", "-q", str(self.origin), str(folder))
        return folder

    def write_post(self, clone: Path, day: int, slug: str) -> None:
        text = POST.format(title=slug.capitalize(), day=day, slug=slug)
        (clone / "content" / f"{slug}.md").write_text(text)

    def run(self, name: str) -> subprocess.CompletedProcess:
        """One publish run, as publish.yml does it after its tests."""
        return self.steps(name, [
            [BIN / "roost", "build", "-s", "publishconf.py", "-o", "output"],
            ["cp", "-r", "output/.", str(self.deployed)],  # the deploy, to a served folder
            [BIN / "roost", "syndicate"],
            PUSH_RECORDS + [f"Records: {name} [skip ci]"],
            [BIN / "roost", "websub"],  # no hub in this blog: nothing to do, exit 0
        ])  # fmt: skip

    def backfeed(self, name: str, work: Path | None = None) -> subprocess.CompletedProcess:
        """One scheduled backfeed run, as backfeed.yml does it: backfeed, push the records."""
        return self.steps(name, [
            [BIN / "roost", "backfeed", "-s", "publishconf.py"],
            PUSH_RECORDS + [f"Records: {name} [skip ci]"],
        ], work)  # fmt: skip

    def steps(self, name: str, steps: list, work: Path | None = None):
        """Run ``steps`` in a fresh clone (or ``work``) as the CI bot would; stop at a failure."""
        work = work or self.clone(name)
        bot = {"NAME": "roost[bot]", "EMAIL": "bot@example.com"}
        names = {f"GIT_{who}_{k}": v for who in ("AUTHOR", "COMMITTER") for k, v in bot.items()}
        env = {**os.environ, "ROOST_MASTODON_TOKEN": "good-token", **names}
        out = []
        for step in steps:
            result = subprocess.run(step, cwd=work, env=env, capture_output=True, text=True,
                                    timeout=300)  # fmt: skip
            out.append(result.stdout + result.stderr)
            if result.returncode:
                return subprocess.CompletedProcess(step, result.returncode, "\n".join(out))
        return subprocess.CompletedProcess(steps, 0, "\n".join(out))

    def records(self) -> dict[str, list[str]]:
        check = self.clone(f"check-{len(list(self.root.iterdir()))}")
        found = {}
        for path in sorted((check / "social" / "posts").glob("*.json")):
            import json

            data = json.loads(path.read_text())
            found[path.stem] = [s["id"] for s in data["syndications"]]
        return found

    def log(self) -> str:
        return git(self.origin, "log", "--format=%s", "main")


def test_push_build_deploy_syndicate_commit_back_and_two_runs_at_once(tmp_path, fake, serve):
    remote = Remote(tmp_path, fake, serve)
    first = remote.run("run-1")
    assert first.returncode == 0, first.stdout
    assert (remote.deployed / "swifts" / "index.html").exists()
    assert len(fake.live_statuses()) == 2
    assert set(remote.records()) == {"swifts", "owls"}
    assert "Records: run-1 [skip ci]" in remote.log()

    # The author pushes a new post; two runs start on it at the same moment.
    author = remote.clone("author-2")
    remote.write_post(author, 3, "herons")
    git(author, "add", "-A")
    git(author, "commit", "-qm", "Herons")
    git(author, "push", "-q", "origin", "main")
    results = {}
    runs = [threading.Thread(target=lambda n=n: results.update({n: remote.run(n)}))
            for n in ("run-2", "run-3")]  # fmt: skip
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    for name, result in results.items():
        assert result.returncode == 0, f"{name}:\n{result.stdout}"
    herons = [s for s in fake.live_statuses() if "Herons" in s["_text"]]
    assert len(herons) == 1  # posted once, though both runs sent it
    log = remote.log()
    assert "Herons" in log and "Records: run-1 [skip ci]" in log  # no commit lost
    for name in ("run-2", "run-3"):
        # Each run's commit landed, or git found the very same records already pushed.
        out = results[name].stdout
        assert (
            f"Records: {name} [skip ci]" in log
            or "another run had already pushed the same records" in out
            or "nothing to push" in out
        ), (log, out)
    records = remote.records()
    assert records["herons"] == [herons[0]["id"]]  # one copy, merged from both runs
    assert len(records) == 3
    # The token was in every run's environment, and is nowhere in git or on the site.
    check = remote.clone("secrets")
    assert git(check, "log", "--all", "-p", "-S", "good-token", "--oneline") == ""
    assert not any(
        b"good-token" in p.read_bytes() for p in remote.deployed.rglob("*") if p.is_file()
    )


def test_records_changed_on_both_sides_are_merged_by_meaning(tmp_path):
    """What git's merge driver does when two runs changed the same files differently."""
    import json

    from roost.records_merge import merge_file

    def post(*ids, copies=("111",)):
        return {"format": 1, "post": "swifts",
                "syndications": [{"network": "mastodon", "id": c, "url": f"https://m.example/{c}",
                                  "published": "2026-05-01T10:00:00Z", "sent_hash": "sha256:0",
                                  "part": 0} for c in copies],
                "interactions": [{"id": f"mastodon:{i}", "kind": "reply", "network": "mastodon",
                                  "author": "mastodon:bob@b.example", "in_reply_to": None,
                                  "published": f"2026-05-0{i}T10:00:00Z", "updated": None,
                                  "url": None, "content": f"<p>{i}</p>"} for i in ids]}  # fmt: skip

    def write(name, data):
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return str(path)

    # Both sides started from replies 1 and 2; ours added 3, theirs added 4 and deleted 2.
    base, ours, theirs = write("b", post(1, 2)), write("o", post(1, 2, 3)), write("t", post(1, 4))
    assert merge_file(base, ours, theirs, "social/posts/swifts.json")
    merged = json.loads(Path(ours).read_text())
    assert [x["id"] for x in merged["interactions"]] == ["mastodon:1", "mastodon:3", "mastodon:4"]

    def cursors(**values):
        return {"format": 1, "networks": {"mastodon": values}}

    base = write("cb", cursors(notifications="100", **{"crawled:owls": "2026-05-01T10:00:00Z"}))
    ours = write("co", cursors(notifications="180", **{"crawled:owls": "2026-05-02T10:00:00Z"}))
    theirs = write("ct", cursors(notifications="95", **{"crawled:swifts": "2026-05-02T11:00:00Z"}))
    assert merge_file(base, ours, theirs, "social/cursors.json")
    merged = json.loads(Path(ours).read_text())["networks"]["mastodon"]
    assert merged == {"notifications": "180", "crawled:owls": "2026-05-02T10:00:00Z",
                      "crawled:swifts": "2026-05-02T11:00:00Z"}  # fmt: skip
    broken = write("x", {"format": 1})
    Path(broken).write_text("{not json")
    assert not merge_file(base, broken, theirs, "social/cursors.json")  # left to git
    # A hand-edited ledger of another shape is left to git too, not a traceback in the driver.
    base, theirs = write("wb", {"format": 1, "sources": {}}), write("wt", {"format": 1})
    ours = write("wo", {"format": 1, "sources": []})
    assert not merge_file(base, ours, theirs, "social/webmentions.json")


def test_every_networks_secret_reaches_each_step_that_needs_it_and_the_readme_says_how():
    """A network added to the registry is not done until CI passes its secret (by its default
    variable) to `roost doctor`, to `roost syndicate` when it posts and to `roost backfeed` when
    it brings something home, and the README's table of secrets says how to make it."""
    import dataclasses

    from roost.registry import adapter, with_adapters

    readme = (REPO / "README.md").read_text()
    steps = [
        step
        for w in WORKFLOWS
        for job in YAML(typ="safe").load(w.read_text())["jobs"].values()
        for step in job.get("steps", [])
    ]
    for name in with_adapters():
        cls = adapter(name)
        defaults = {f.name: f.default for f in dataclasses.fields(cls.SETTINGS)}
        for field in cls.SETTINGS.secrets():
            variable = defaults[field]
            assert f"| `{variable}` |" in readme, (name, variable)
            needs = ["roost doctor"]
            needs += ["roost syndicate"] if cls.POSTS else []
            needs += ["roost backfeed"] if cls.BRINGS_HOME or cls.FEED else []
            for command in needs:
                running = [s for s in steps if command in s.get("run", "")]
                assert running, command
                for step in running:
                    passed = step.get("env", {}).get(variable)
                    assert passed == f"${{{{ secrets.{variable} }}}}", (name, command, step["name"])
