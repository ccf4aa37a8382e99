"""A push that changes only posts or records publishes without the tests; anything else is tested
first; and the builds keep Pelican's and Roost's caches between runs.

The ``changes`` job's script is taken from publish.yml and run as it is in a real git repository,
with a stand-in for ``gh`` (GitHub's API answering which commit last passed).
"""

from __future__ import annotations

import filecmp
import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML  # comes with check-jsonschema

from conftest import git, run_roost
from sites import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def flow(name: str) -> dict:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def changes_script() -> str:
    steps = flow("publish.yml")["jobs"]["changes"]["steps"]
    return next(s["run"] for s in steps if s.get("id") == "diff")


class Repo:
    """A repository shaped like a blog, and the ``changes`` step run on it with the shell
    GitHub's runners use for ``run`` steps."""

    def __init__(self, root: Path):
        self.root = root
        git(root, "init", "-q", "-b", "main")
        for path in ("content/a.md", "social/posts/a.json", "plugins/roost/x.py", "theme/t.html"):
            self.write(path, "one\n")
        self.write("pelicanconf.py", "SITENAME = 'x'\n")
        self.green = self.commit("A blog")  # what the last successful run built

    def write(self, path: str, text: str) -> None:
        (self.root / path).parent.mkdir(parents=True, exist_ok=True)
        (self.root / path).write_text(text)

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", message)
        return git(self.root, "rev-parse", "HEAD").strip()

    def changes(self, answer: str | None, event: str = "push") -> str:
        """Run the step; ``answer``: the commit the API names, None for an API that fails."""
        tools = self.root.parent / "bin"
        tools.mkdir(exist_ok=True)
        fake_gh = tools / "gh"
        says = "exit 1" if answer is None else f"echo {answer}"
        fake_gh.write_text(f"#!/bin/sh\n{says}\n")
        fake_gh.chmod(0o755)
        output = self.root.parent / "github_output"
        output.write_text("")
        env = {
            **os.environ,
            "PATH": f"{tools}:{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_SHA": git(self.root, "rev-parse", "HEAD").strip(),
            "GITHUB_REPOSITORY": "someone/blog",
            "EVENT": event,
            "BRANCH": "main",
        }
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
        result = subprocess.run([*shell, changes_script()], cwd=self.root, env=env,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
        lines = dict(ln.split("=", 1) for ln in output.read_text().splitlines())
        return lines["code"]


@pytest.fixture
def repo(tmp_path) -> Repo:
    (tmp_path / "blog").mkdir()
    return Repo(tmp_path / "blog")


def test_a_push_of_posts_and_records_only_skips_the_tests(repo):
    repo.write("content/b.md", "a new post\n")
    repo.write("social/posts/a.json", "two\n")
    repo.commit("A post")
    repo.write("content/a.md", "edited\n")
    repo.commit("An edit")  # two pushes' worth since the last green run: still content only
    assert repo.changes(repo.green) == "false"


@pytest.mark.parametrize(
    "path", ["plugins/roost/x.py", "theme/t.html", "pelicanconf.py", "tests/test_new.py",
             "requirements.lock", ".github/workflows/publish.yml", "README.md"],
)  # fmt: skip
def test_a_push_that_changes_code_theme_tests_or_settings_runs_them(repo, path):
    repo.write("content/b.md", "a new post\n")
    repo.write(path, "changed\n")
    repo.commit("A change")
    assert repo.changes(repo.green) == "true"


def test_one_code_file_among_thousands_of_posts_is_noticed(repo):
    # A listing longer than a pipe holds, the code file first in it: a reader that stops at
    # the first line must not make the listing fail (the runner's shell has pipefail).
    for n in range(5000):
        repo.write(f"content/posts/an-imported-post-with-a-long-name-{n:05d}.md", "a post\n")
    repo.write("bench/a.py", "code\n")
    repo.commit("An import, and a bench")
    assert repo.changes(repo.green) == "true"


def test_code_pushed_after_failing_tests_is_tested_again_with_the_next_post(repo):
    repo.write("plugins/roost/x.py", "broken\n")
    repo.commit("Code whose tests failed: no successful run")
    repo.write("content/b.md", "a new post\n")
    repo.commit("A post on top")
    assert repo.changes(repo.green) == "true"  # compared with the last green run, not the push


@pytest.mark.parametrize(
    "answer", [None, "", "0" * 40, "1234567890abcdef1234567890abcdef12345678"],
    ids=["api-fails", "no-green-run", "zeros", "commit-gone-after-force-push"],
)  # fmt: skip
def test_when_there_is_nothing_sure_to_compare_with_the_tests_run(repo, answer):
    repo.write("content/b.md", "a new post\n")
    repo.commit("A post")
    assert repo.changes(answer) == "true"


def test_a_run_started_by_hand_is_tested(repo):
    repo.write("content/b.md", "a new post\n")
    repo.commit("A post")
    assert repo.changes(repo.green, event="workflow_dispatch") == "true"


def test_publish_runs_after_passed_or_skipped_tests_never_after_failed_ones():
    jobs = flow("publish.yml")["jobs"]
    assert jobs["test"]["needs"] == "changes"
    assert jobs["test"]["if"] == "${{ needs.changes.outputs.code == 'true' }}"
    assert jobs["publish"]["needs"] == ["changes", "test"]
    condition = jobs["publish"]["if"].replace(" ", "")
    for part in ("!cancelled()", "needs.changes.result=='success'",
                 "needs.test.result=='success'||needs.test.result=='skipped'"):  # fmt: skip
        assert part in condition, condition
    assert "failure" not in condition and "always()" not in condition


@pytest.mark.parametrize("name,job", [("publish.yml", "publish"), ("backfeed.yml", "backfeed")])
def test_the_builds_keep_pelicans_and_roosts_caches_keyed_on_what_makes_the_pages(name, job):
    steps = flow(name)["jobs"][job]["steps"]
    uses = [s.get("uses", "") for s in steps]
    cache = steps[uses.index("actions/cache@v4")]
    build = next(i for i, s in enumerate(steps) if "roost build" in s.get("run", ""))
    assert uses.index("actions/cache@v4") < build  # restored before the build
    assert cache["with"]["path"] == "cache"  # CACHE_PATH: Pelican's files and Roost's cache/roost
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"]
    for part in ("pelicanconf.py", "publishconf.py", "requirements.lock", "theme/**", "plugins/**"):
        assert part in key and part in restore, part
    assert key.startswith(restore)  # the newest cache with the same inputs, never another's
    assert steps[build]["env"]["ROOST_CONTENT_CACHE"] == "1"


def test_a_build_from_kept_caches_is_the_same_site(tmp_path, monkeypatch):
    """As CI does it: build in a fresh checkout, keep cache/, build again in another fresh
    checkout at the same place (the runner's workspace) with cache/ restored."""
    work, first = tmp_path / "work", tmp_path / "first"
    monkeypatch.setenv("ROOST_CONTENT_CACHE", "1")
    checkout = functools.partial(shutil.copytree, REPO, work, ignore=shutil.ignore_patterns(
        ".git", ".venv", "output", "cache", "__pycache__", "*_cache"))  # fmt: skip
    checkout()
    assert run_roost("build", "-s", "publishconf.py", cwd=work).returncode == 0
    assert any((work / "cache").glob("*Generator*"))  # Pelican's content cache
    assert any((work / "cache" / "roost").glob("*@*.fragment"))  # Roost's rendered responses
    shutil.move(work / "output", first)
    shutil.move(work / "cache", tmp_path / "kept")
    shutil.rmtree(work)
    checkout()
    shutil.move(tmp_path / "kept", work / "cache")
    result = run_roost("build", "-s", "publishconf.py", cwd=work)
    assert result.returncode == 0, result.stderr
    assert _differences(filecmp.dircmp(first, work / "output")) == []


def _differences(d: filecmp.dircmp) -> list[str]:
    out = [*d.left_only, *d.right_only, *d.diff_files, *d.funny_files]
    for sub in d.subdirs.values():
        out += _differences(sub)
    return out
