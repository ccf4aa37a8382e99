"""Invoke tasks: the commands an author and CI run. `make <task>` sets up .venv and calls these.

invoke build        build the site into output/ with pelicanconf.py
invoke rebuild      clean, then build
invoke serve        serve output/ on http://localhost:8000
invoke livereload   rebuild on every change (records in social/ too) and serve
invoke publish      build with publishconf.py (the real SITEURL) into output/
invoke test         lint, format check and the whole test suite (installs Chromium if needed)
invoke clean        remove output/
"""

import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
OUTPUT = ROOT / "output"
CHROMIUM = "/usr/bin/chromium"
PORT = int(os.environ.get("PORT", "8000"))


def _roost(c, args):
    c.run(f"{BIN / 'roost'} {args}", pty=False)


@task
def clean(c):
    """Remove the generated site."""
    if OUTPUT.is_dir():
        shutil.rmtree(OUTPUT)


@task
def build(c):
    """Build the site into output/ (non-zero exit if anything was reported as an error)."""
    _roost(c, "build -s pelicanconf.py")


@task(clean, build)
def rebuild(c):
    """Remove output/ and build from scratch."""


@task(build)
def serve(c, port=PORT):
    """Serve output/ on localhost (Ctrl-C to stop)."""
    c.run(f"{BIN / 'pelican'} --listen --bind 127.0.0.1 --port {port} -s pelicanconf.py", pty=True)


@task
def livereload(c, port=PORT, settings="pelicanconf.py"):
    """Rebuild whenever content, theme, settings or the records (social/) change, and serve."""
    import threading

    import pelican
    from pelican.settings import read_settings

    watch = pelican.wait_for_changes

    def also_the_records(settings_file, values):
        # Pelican watches the settings file, the theme, PATH and each STATIC_PATHS entry joined
        # to PATH (an absolute one stays absolute), and has no setting to watch more. So the
        # records folder is named to the watch as one more static path: only to the watch,
        # never to the build, which would copy it into output/.
        from roost.settings import validate
        from roost.site.build import records_path

        records = records_path(values, validate(values)[0]["ROOST_RECORDS_PATH"])
        records.mkdir(parents=True, exist_ok=True)  # a folder made later would go unwatched
        statics = [*values.get("STATIC_PATHS", []), str(records.resolve())]
        return watch(settings_file, {**values, "STATIC_PATHS": statics})

    pelican.wait_for_changes = also_the_records  # what pelican.autoreload calls, by that name
    output = read_settings(settings)["OUTPUT_PATH"]
    # Served from a thread, so the rebuilds run in this process, where the watch is widened
    # (`pelican --autoreload --listen` would run them in a child process of its own).
    threading.Thread(target=pelican.listen, args=("127.0.0.1", port, output), daemon=True).start()
    pelican.main(["--autoreload", "-s", settings])


@task(help={"to": "where to deploy: rsync, s3, or a local folder (default: build only)"})
def publish(c, to=""):
    """Build the site for the web with publishconf.py, then deploy it if asked.

    GitHub Pages needs nothing here (the workflow uploads output/). The alternatives:
    ``--to rsync`` sends output/ to ROOST_RSYNC_TARGET (user@host:/path, over SSH);
    ``--to s3`` syncs it to ROOST_S3_BUCKET with the AWS CLI, at ROOST_S3_ENDPOINT for
    S3-compatible storage (credentials in the AWS_* variables); ``--to <folder>`` copies it there.
    After a deploy, the WebSub hub (ROOST_WEBSUB_HUB, if set) is told the feeds changed.
    """
    _roost(c, "build -s publishconf.py")
    if not to:
        return
    if to == "rsync":
        target = _need("ROOST_RSYNC_TARGET", "user@host:/var/www/blog")
        c.run(f"rsync -az --delete output/ {shlex.quote(target)}")
    elif to == "s3":
        bucket = _need("ROOST_S3_BUCKET", "my-blog-bucket")
        endpoint = os.environ.get("ROOST_S3_ENDPOINT")
        extra = f" --endpoint-url {shlex.quote(endpoint)}" if endpoint else ""
        c.run(f"aws s3 sync output/ s3://{shlex.quote(bucket)} --delete{extra}")
    else:
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "output", folder, dirs_exist_ok=True)
        print(f"roost: deployed to {folder}")
    websub(c)


@task
def websub(c):
    """Tell the WebSub hub (ROOST_WEBSUB_HUB) that the feeds changed (run it after deploying)."""
    _roost(c, "websub -s publishconf.py")


def _need(name: str, example: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"roost: set {name} (e.g. {example}) to deploy there")
    return value


@task(
    help={
        "message": "the commit message",
        "attempts": "pushes to try before giving up",
        "branch": "the branch to push to (default: the current one, else main)",
    }
)
def push_records(c, message="Records: syndication and backfeed [skip ci]", attempts=5, branch=""):
    """Commit social/ and push it; if someone pushed first, rebase (record files are merged by
    meaning, plugins/roost/records_merge.py) and push again. Two runs never lose a commit."""
    if not Path("social").is_dir():
        print("roost: no social/ folder yet; nothing to push")
        return
    roost = BIN / "roost"
    c.run("git config merge.roost-records.name 'Roost records, merged by meaning'")
    c.run(f"git config merge.roost-records.driver '{roost} merge-records %O %A %B %P'")
    if not branch:
        current = c.run("git rev-parse --abbrev-ref HEAD", hide=True).stdout.strip()
        branch = current if current != "HEAD" else "main"  # CI may check out a bare commit
    if not _commit_records(c, message):
        ahead = c.run(f"git rev-list --count origin/{branch}..HEAD", hide=True, warn=True)
        if ahead.stdout.strip() in ("0", ""):
            print("roost: the records did not change; nothing to push")
            return
    for attempt in range(1, int(attempts) + 1):
        if c.run(f"git push -q origin HEAD:{branch}", warn=True, hide="err").ok:
            print(f"roost: records pushed to {branch} (attempt {attempt})")
            return
        if not c.run(f"git pull -q --rebase origin {branch}", warn=True).ok:
            c.run("git rebase --abort", warn=True)
            sys.exit(
                "roost: the records could not be rebased on what was pushed meanwhile (a conflict "
                "outside social/, or a record file that is not valid JSON); fix it and push by hand"
            )
        # What the other side pushed may hold what this side's moderation refuses (a reply by
        # someone forgotten here, fetched there): the merged records are moderated again.
        _commit_records(c, "Records: moderation applied after a merge [skip ci]")
        ahead = c.run(f"git rev-list --count origin/{branch}..HEAD", hide=True).stdout.strip()
        if ahead == "0":  # the rebase dropped our commit: its records were already there
            print("roost: another run had already pushed the same records")
            return
        time.sleep(attempt)
    sys.exit(f"roost: the records were not pushed after {attempts} attempts; run again")


#: What push-records commits: the records, never their lock files or half-written files.
RECORDS = "social ':!social/.*.lock' ':!social/**/.tmp-*'"


def _commit_records(c, message: str) -> bool:
    """Apply the moderation to the records (`roost moderate`), then commit them if they changed;
    whether a commit was made."""
    settings = "publishconf.py" if Path("publishconf.py").is_file() else "pelicanconf.py"
    c.run(f"{BIN / 'roost'} moderate -s {settings}", hide=True)
    c.run(f"git add -- {RECORDS}")
    if c.run("git diff --cached --quiet", warn=True).ok:
        return False
    c.run(f"git commit -q -m {shlex.quote(message)}")
    return True


@task
def syndicate(c, dry_run=False):
    """Post new articles to the networks in ROOST_NETWORKS (run it after deploying)."""
    _roost(c, "syndicate -s publishconf.py" + (" --dry-run" if dry_run else ""))


@task
def webmention(c, dry_run=False):
    """Send Webmentions for the links of new, changed and deleted posts (after deploying)."""
    _roost(c, "webmention -s publishconf.py" + (" --dry-run" if dry_run else ""))


@task
def backfeed(c):
    """Bring home replies, quotes, likes, reposts and pictures of the copies into social/."""
    _roost(c, "backfeed -s publishconf.py")


@task
def browser(c):
    """Make sure Debian's Chromium is installed (the browser tests drive it)."""
    if Path(CHROMIUM).exists():
        return
    if not shutil.which("apt-get"):
        sys.exit(f"roost: the browser tests need Chromium at {CHROMIUM}; install it and rerun")
    sudo = "" if os.geteuid() == 0 else "sudo "
    print("roost: installing Debian's chromium for the browser tests ...", flush=True)
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    c.run(f"{sudo}apt-get update -qq", env=env)
    c.run(f"{sudo}apt-get install -y -qq --no-install-recommends chromium", env=env)


@task
def bluesky(c):
    """Install Bluesky's reference servers for the tests, cached outside the checkout."""
    sys.path.insert(0, str(ROOT / "tests"))
    from bluesky_devnet import SOURCE, install_dir, node_binary, postgres_tool

    missing = [p for p, ok in (("redis-server", shutil.which("redis-server")),
                               ("postgresql", postgres_tool("initdb"))) if not ok]  # fmt: skip
    if missing:
        if not shutil.which("apt-get"):
            sys.exit(f"roost: the Bluesky tests need {', '.join(missing)}; install it and rerun")
        sudo = "" if os.geteuid() == 0 else "sudo "
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        c.run(f"{sudo}apt-get update -qq", env=env)
        c.run(f"{sudo}apt-get install -y -qq --no-install-recommends {' '.join(missing)}", env=env)
    target = install_dir()
    if (target / ".ready").exists():
        return
    print(f"roost: installing the Bluesky test network into {target} (a few minutes, once)")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(SOURCE / name, target / name)
    c.run(f"cd {target} && npm ci --no-audit --no-fund --loglevel=error")
    # npm skips install scripts, so the PDS's SQLite module is built here, against Node 22.
    node_dir = node_binary(target).parent.parent
    c.run(
        f"cd {target} && npm rebuild better-sqlite3 --loglevel=error",
        env={
            "PATH": f"{node_dir / 'bin'}:{os.environ['PATH']}",
            "npm_config_nodedir": str(node_dir),
        },
    )
    (target / ".ready").touch()


@task
def validators(c):
    """Install the outside validators the tests run (W3C Nu HTML Checker, axe-core) and Java."""
    if not shutil.which("java"):
        if not shutil.which("apt-get"):
            sys.exit("roost: the HTML checker needs Java (17 or newer); install it and rerun")
        sudo = "" if os.geteuid() == 0 else "sudo "
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        c.run(f"{sudo}apt-get update -qq", env=env)
        c.run(f"{sudo}apt-get install -y -qq --no-install-recommends default-jre-headless", env=env)
    sys.path.insert(0, str(ROOT / "tests"))
    from outside_validators import install

    install()


@task(browser, bluesky, validators)
def test(c, k=""):
    """Lint, check formatting, and run every test (-k to select)."""
    c.run(f"{BIN / 'ruff'} check .")
    c.run(f"{BIN / 'ruff'} format --check .")
    select = f" -k {k!r}" if k else ""
    c.run(f"{BIN / 'pytest'} -q{select}", pty=False)


@task
def lock(c):
    """Rewrite requirements.lock from the current environment (after changing pyproject pins)."""
    out = c.run(f"{BIN / 'pip'} freeze --exclude-editable", hide=True).stdout
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith(("-e ", "#"))]
    header = (
        "# Exact versions of every package, transitive ones included. `invoke lock` writes it.\n"
    )
    (ROOT / "requirements.lock").write_text(header + "\n".join(sorted(lines, key=str.lower)) + "\n")
