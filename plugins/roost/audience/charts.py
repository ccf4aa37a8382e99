"""Static SVG charts with their text equivalent: what the stats report and page draw.

Two shapes are all the figures need: horizontal bars (one per post, network or kind) and
columns over time. They are written here rather than with a charting library (docs/design-notes/
stats.md says why): each chart is one inline ``<svg role="img">`` named by its ``<title>`` and
described by its ``<desc>`` (a sentence a screen reader reads), followed in the same
``<figure>`` by a data table holding every number. No script, no ``style`` attribute or element
(pages forbid inline styles in their CSP), no colour of its own: bars and words are drawn in
``currentColor``, so the chart follows the page's text colour, light or dark, and its contrast.

Every label is escaped here; the result is ``Markup`` that any template prints as it is.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH = 480  # viewBox units; the SVG scales to its container's width
FONT = 13
ROW = 24  # one bar's height, gap included
LABEL = 170  # room for a bar's label
VALUE = 44  # room for the number after the longest bar


def _short(label: str, room: int = 21) -> str:
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 (every text below is escaped)
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" class="roost-chart" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-size="{FONT}">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'<g fill="currentColor">{"".join(body)}</g></svg>'
    )


def bars(chart_id: str, title: str, desc: str, rows: list[tuple[str, int]]) -> Markup:
    """One horizontal bar per row, longest first as given, its number at its end."""
    most = max((n for _, n in rows), default=0) or 1
    room = WIDTH - LABEL - VALUE
    body = []
    for i, (label, n) in enumerate(rows):
        y = 4 + i * ROW
        length = max(1, round(room * n / most)) if n else 0
        body.append(
            f'<text x="{LABEL - 8}" y="{y + ROW / 2 - 2:g}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_short(label))}</text>'
            f'<rect x="{LABEL}" y="{y + 2}" width="{length}" height="{ROW - 8}" rx="2"/>'
            f'<text x="{LABEL + length + 6}" y="{y + ROW / 2 - 2:g}" '
            f'dominant-baseline="middle">{n}</text>'
        )
    return _svg(chart_id, title, desc, 8 + len(rows) * ROW, body)


def columns(chart_id: str, title: str, desc: str, rows: list[tuple[str, int]]) -> Markup:
    """One column per period, oldest first, on a baseline; the highest count is written at
    the top of the scale, and as many period names under it as fit without overlapping."""
    height, top, bottom, left = 220, 18, 40, 36
    plot_w, plot_h = WIDTH - left - 8, height - top - bottom
    most = max((n for _, n in rows), default=0) or 1
    step = plot_w / max(1, len(rows))
    # A period's name is about 0.62 em per character; leave a gap between two names.
    label_w = max((len(label) for label, _ in rows), default=1) * FONT * 0.62 + 10
    every = max(1, math.ceil(len(rows) * label_w / plot_w))
    body = [
        f'<rect x="{left}" y="{top + plot_h}" width="{plot_w}" height="1"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{most}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (label, n) in enumerate(rows):
        x = left + i * step
        h = round(plot_h * n / most, 1)
        if n:
            body.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(1.0, step * 0.7):.1f}" height="{h}"/>'
            )
        if i % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{top + plot_h + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(chart_id, title, desc, height, body)


def table(caption: str, headers: list[str], rows: list[list], first_is_header=True) -> Markup:
    """A data table: ``rows`` of cells (text is escaped; ``Markup``, such as a link, is kept).
    In a focusable, labelled box that scrolls sideways when it is wider than a phone."""
    numeric = [bool(rows) and all(isinstance(r[i], int) or r[i] == "" for r in rows)
               for i in range(len(headers))]  # fmt: skip
    head = "".join(
        f'<th scope="col"{_n(numeric[i])}>{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i == 0 and first_is_header:
                cells.append(f'<th scope="row">{escape(cell)}</th>')
            else:
                cells.append(f"<td{_n(numeric[i])}>{escape(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Markup(  # noqa: S704 (escaped above)
        f'<div class="roost-table" role="region" tabindex="0" aria-label="{escape(caption)}">'
        f"<table><caption>Table: {escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _n(numeric: bool) -> str:
    """Numbers line up on the right."""
    return ' class="n"' if numeric else ""


def figure(chart: Markup, caption: str, data: Markup) -> Markup:
    """A chart, its caption and its table: the table is the chart's text equivalent."""
    return Markup(  # noqa: S704 (parts already escaped)
        f'<figure class="roost-figure"><figcaption>{escape(caption)}</figcaption>{chart}'
        f"{data}</figure>"
    )
