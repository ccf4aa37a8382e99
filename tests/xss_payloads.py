"""Every hostile payload in tests/conformance/xss/, as (name, html) pairs."""

from __future__ import annotations

import json

from sites import conformance


def load() -> list[tuple[str, str]]:
    folder = conformance("xss")
    out: list[tuple[str, str]] = []
    for i, case in enumerate(
        json.loads((folder / "owasp_xss_filter_evasion.json").read_text())["cases"]
    ):
        out.append((f"owasp-{i}", case["payload"]))
    for i, case in enumerate(json.loads((folder / "dompurify_expect.json").read_text())["cases"]):
        out.append((f"dompurify-{i}", case["payload"]))
    for case in json.loads((folder / "html5sec_items.json").read_text())["cases"]:
        out.append((f"html5sec-{case['id']}", case["payload"]))
    for path in sorted((folder / "bleach-data").glob("*.test")):
        out.append((f"bleach-{path.stem}", path.read_text().split("\n--\n", 1)[0]))
    return out


PAYLOADS = load()
