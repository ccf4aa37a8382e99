"""Write theme/static/css/pygments.css: code colours that pass WCAG AA (4.5:1) on the theme's own
code background, in light and dark mode.

Pygments' styles are drawn for their own backgrounds and many fall short of 4.5:1 (axe-core found
2.8:1 in the 'friendly' style). This takes one style per mode ('xcode' light, 'lightbulb' dark:
the nearest to AA), drops their backgrounds (the theme's ``--card`` shows through), and moves
each colour towards black or white, keeping its hue, until it reaches 4.6:1 on that card.

    .venv/bin/python theme/tools/pygments_css.py
"""

from __future__ import annotations

import re
from pathlib import Path

from pygments.formatters import HtmlFormatter

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "pygments.css"
# The theme's --card colours (style.css), which code blocks sit on.
CARD = {"light": "#f3f0e8", "dark": "#202327"}
STYLE = {"light": "xcode", "dark": "lightbulb"}
GOAL = 4.6  # a little above 4.5, so rounding never drops a colour below AA


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, background: str) -> str:
    """``colour``, mixed towards black (on a light card) or white (on a dark one) until it
    reaches GOAL against ``background``."""
    target = (0.0, 0.0, 0.0) if _luminance(_rgb(background)) > 0.3 else (1.0, 1.0, 1.0)
    rgb = _rgb(colour)
    for step in range(101):
        t = step / 100
        mixed = tuple(c + (o - c) * t for c, o in zip(rgb, target, strict=True))
        out = "#" + "".join(f"{round(c * 255):02x}" for c in mixed)
        if contrast(out, background) >= GOAL:
            return out
    return "#000000" if target == (0.0, 0.0, 0.0) else "#ffffff"


def _rules(mode: str) -> str:
    css = HtmlFormatter(style=STYLE[mode]).get_style_defs(".highlight")
    kept = []
    for line in css.splitlines():
        if line.startswith((".highlight {", "pre {", "td.linenos", "span.linenos")):
            continue  # the theme draws the block itself
        line = re.sub(r"background-color: #[0-9A-Fa-f]+;?", "", line)
        line = re.sub(
            r"color: (#[0-9A-Fa-f]{3,6})", lambda m: f"color: {readable(m[1], CARD[mode])}", line
        )
        line = re.sub(r"border: 1px solid #[0-9A-Fa-f]+", "border: 1px solid currentColor", line)
        kept.append(line)
    return "\n".join(kept)


def _selectors(rules: str) -> list[str]:
    return [line.split(" {")[0] for line in rules.splitlines() if " {" in line]


def main() -> None:
    light, dark = _rules("light"), _rules("dark")
    # A token only the light style colours must not stay dark-on-dark.
    missing = [s for s in _selectors(light) if s not in set(_selectors(dark))]
    dark += "".join(f"\n{s} {{ color: inherit }}" for s in missing)
    CSS.write_text(
        "/* Code colours: Pygments' 'xcode' (light) and 'lightbulb' (dark), each colour moved\n"
        "   to at least 4.6:1 on the theme's code background. Written by\n"
        "   theme/tools/pygments_css.py; edit that, not this. */\n"
        + light
        + "\n@media (prefers-color-scheme: dark) {\n"
        + dark
        + "\n}\n"
    )


if __name__ == "__main__":
    main()
