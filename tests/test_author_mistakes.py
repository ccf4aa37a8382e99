"""A newcomer following the docs, and the mistakes authors make, on the commands X, Threads,
the audience and the watch brought: each gets one line that names the file, key or network and
what to do, the exit status says whether something failed, and nothing reads like a traceback
or a library's warning. Every test here failed before the fix it names."""

from __future__ import annotations

import shutil
import subprocess

from blog import Blog, lines_naming, output

from conftest import ROOST
from sites import REPO, write_settings

X = {"x": {"handle": "camille_writes"}}
THREADS = {"threads": {"handle": "camille"}}


def test_preview_needs_only_the_handle_not_the_syndicate_since_date(tmp_path):
    # docs/x.md and docs/threads.md: {"handle": ...} is all `roost preview` needs.
    blog = Blog(tmp_path, {**X, **THREADS}, env={}, ROOST_SYNDICATE_SINCE=None)
    seen = blog.run("preview", "swifts")
    assert seen.returncode == 0, output(seen)
    assert "== x" in seen.stdout and "== threads" in seen.stdout
    # Sending still needs the date, and the line names the file to put it in.
    sent = blog.run("syndicate", "--dry-run")
    assert sent.returncode == 2
    assert lines_naming(sent, "publishconf.py: set ROOST_SYNDICATE_SINCE")


def test_preview_prints_no_library_warning_and_shows_threads_length(tmp_path):
    blog = Blog(tmp_path, {**X, **THREADS}, env={})
    seen = blog.run("preview", "swifts")
    assert seen.returncode == 0, output(seen)
    assert "Warning" not in seen.stderr and "pkg_resources" not in seen.stderr
    # README: every part with its length as the network counts it (Threads: 500 characters).
    assert any(
        ln.startswith("-- part 1 (") and ln.endswith("/500)") for ln in seen.stdout.split("\n")
    )


def test_a_reader_that_stops_reading_gets_no_error_message(tmp_path):
    blog = Blog(tmp_path, X, env={})
    # `roost preview swifts | head -0`: the pipe is closed before Roost writes anything.
    proc = subprocess.Popen(
        [ROOST, "preview", "swifts"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert "Broken pipe" not in err and "Traceback" not in err, err
    assert blog.root.exists()


def test_a_threads_token_file_inside_the_blog_is_refused(tmp_path):
    kept = {"threads": {"handle": "camille", "token_file": "social/threads-token.json"}}
    blog = Blog(tmp_path, kept, env={})
    seen = blog.run("preview", "swifts")
    assert seen.returncode == 1
    wrong = lines_naming(seen, 'ROOST_NETWORKS["threads"]["token_file"]')
    assert len(wrong) == 1 and "outside" in wrong[0] and "threads is left out" in wrong[0]
    outside = {"threads": {"handle": "camille", "token_file": str(tmp_path.parent / "t.json")}}
    assert Blog(tmp_path, outside, env={}).run("preview", "swifts").returncode == 0


def test_stats_report_into_a_file_says_it_wants_a_folder(tmp_path):
    blog = Blog(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    seen = blog.run("stats", "--report", "notes.txt")
    assert seen.returncode == 2
    assert lines_naming(seen, "--report notes.txt: a file, not a folder")
    assert "File exists" not in output(seen)
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_status_reads_the_networks_where_the_docs_put_them(tmp_path):
    # docs/x.md: ROOST_NETWORKS in publishconf.py, then `roost status` shows the month's spend.
    blog = Blog(tmp_path, {"x": {"handle": "camille_writes", "monthly_budget_usd": 5.0}})
    write_settings(tmp_path / "pelicanconf.py", ROOST_CHECK_DEPLOYED=False)
    seen = blog.run("status")
    assert seen.returncode == 0, output(seen)
    assert lines_naming(seen, "x: $0.000 spent this month of the $5.000 monthly budget")


def test_the_watch_says_when_no_account_is_watched_yet(tmp_path):
    blog = Blog(tmp_path, X, env={})
    seen = blog.run("watch")
    assert seen.returncode == 0
    assert lines_naming(seen, "no account is watched yet")
    assert not lines_naming(seen, "no post on your accounts")
    marked = blog.run("watch", "ok", "--all")
    assert marked.returncode == 0 and lines_naming(marked, "nothing to mark")


def test_a_dry_run_says_when_the_budget_would_stop_the_run(tmp_path):
    # Three posts at $0.015 each (no link X knows: camille.example) against a $0.02 budget.
    blog = Blog(tmp_path, {"x": {"handle": "camille_writes", "monthly_budget_usd": 0.02}})
    seen = blog.run("syndicate", "--dry-run")
    assert seen.returncode == 0, output(seen)
    stop = lines_naming(seen, "would stop this run")
    assert len(stop) == 1 and 'ROOST_NETWORKS["x"]["monthly_budget_usd"]' in stop[0]
    roomy = Blog(tmp_path, {"x": {"handle": "camille_writes", "monthly_budget_usd": 5.0}})
    assert not lines_naming(roomy.run("syndicate", "--dry-run"), "would stop")


def test_doctor_says_where_x_secrets_come_from_once(tmp_path):
    blog = Blog(tmp_path, X, env={})
    seen = blog.run("doctor")
    assert seen.returncode == 1
    (line,) = lines_naming(seen, "x: set the environment variables")
    assert line.count("console.x.com") == 1, line


def test_an_export_is_refused_inside_the_deployed_output_folder_or_onto_a_folder(tmp_path):
    blog = Blog(tmp_path)
    (tmp_path / "output").mkdir()
    seen = blog.run("people", "export", "--format", "csv", "-o", "output/readers.csv")
    assert seen.returncode == 2
    assert lines_naming(seen, "-o output/readers.csv: inside the site's output folder")
    assert not (tmp_path / "output" / "readers.csv").exists()
    onto = blog.run("people", "export", "--format", "csv", "-o", "output")
    assert onto.returncode == 2 and lines_naming(onto, "-o output: ")
    (tmp_path / "exports").mkdir()
    fine = blog.run("people", "export", "--format", "csv", "-o", "exports/readers.csv")
    assert fine.returncode == 0, output(fine)
    assert (tmp_path / "exports" / "readers.csv").read_text().startswith("id,name")


def test_a_mistyped_network_name_says_which_name_was_meant(tmp_path):
    blog = Blog(tmp_path, {"twitter": {"handle": "c"}, "Threads": {"handle": "c"}}, env={})
    seen = blog.run("preview", "swifts")
    assert seen.returncode == 1
    (line,) = lines_naming(seen, "no adapter for")
    assert 'write "threads", not "Threads"; "x", not "twitter"' in line, line


def test_a_negative_count_is_refused_rather_than_slicing_from_the_end(tmp_path):
    blog = Blog(tmp_path)
    for args in (("people", "--limit", "-1"), ("stats", "--top", "-3"), ("stats", "--posts", "x")):
        seen = blog.run(*args)
        assert seen.returncode == 2, args
        assert "give a whole number from 0 to" in seen.stderr, args


def test_split_given_a_person_id_names_their_accounts(tmp_path):
    blog = Blog(tmp_path)
    shutil.copytree(REPO / "social", tmp_path / "social")
    seen = blog.run("people", "split", "person:1c2ee904b495")  # the demo's Sam: two accounts
    assert seen.returncode == 2
    (line,) = lines_naming(seen, "person:1c2ee904b495")
    assert "webmention:sam.example" in line and "no account" not in line
    alone = blog.run("people", "split", "person:a7e32bb18897")  # Bob: one account
    assert alone.returncode == 2 and lines_naming(alone, "nothing to split")
