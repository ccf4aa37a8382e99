"""The documentation says what the code does: every setting documented, formats versioned."""

from __future__ import annotations

import re

from roost.model import FORMAT
from roost.settings import SETTINGS

from sites import REPO


def test_every_setting_is_documented_with_its_default():
    doc = (REPO / "docs/settings.md").read_text()
    for s in SETTINGS:
        assert f"| `{s.name}` | `{s.default!r}` |" in doc, s.name
    documented = set(re.findall(r"`(ROOST_[A-Z_]+)`", doc))
    assert documented == {s.name for s in SETTINGS}


def test_every_network_setting_is_documented_with_its_type_and_default():
    from roost.registry import adapter, with_adapters

    doc = (REPO / "docs/settings.md").read_text()
    assert {"mastodon", "bluesky", "webmention"} <= set(with_adapters())
    for name in with_adapters():  # a new network's settings are held to it too
        cls = adapter(name).SETTINGS
        assert f"### `{cls.WHERE.format(network=name)}`" in doc, name
        section = doc.split(f"### `{cls.WHERE.format(network=name)}`", 1)[1].split("###")[0]
        for key, kind, default, help_ in cls.describe():
            shown = "required" if default == "required" else f"`{default!r}`"
            assert f"| `{key}` | {kind} | {shown} | {help_} |" in section, (cls, key)
        assert section.count("\n| `") == len(cls.describe())


def test_the_records_format_doc_names_the_current_version():
    doc = (REPO / "docs/records.md").read_text()
    assert f"# Roost's records: format {FORMAT}" in doc
    assert f'"format": {FORMAT}' in doc


def test_the_readme_starts_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```", 2)[1]
    assert "make build" in first_block and "make test" in first_block
    assert "make test" in (REPO / ".ci/run").read_text()
