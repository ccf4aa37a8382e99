"""What strangers and hand edits send, turned against the audience commands, the follower
snapshots and the X and Threads adapters: each test here is a defect found by trying to break
them (helper "attack"), kept so that it stays fixed."""

from __future__ import annotations

import pytest
from blog import Blog, output


@pytest.mark.parametrize("command", [("status",), ("doctor",)])
def test_a_spending_file_that_is_not_an_object_is_one_line(tmp_path, command):
    b = Blog(tmp_path, {})
    b.write_raw("spending.json", "[]")
    run = b.run(*command)
    assert "Traceback" not in output(run)
    assert run.returncode == 1, output(run)
    assert any("spending.json" in ln and "must be an object" in ln
               for ln in output(run).splitlines())  # fmt: skip
