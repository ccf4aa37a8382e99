"""What the Pelican build runs: attach each post's records, render them once, copy the
media pages use. Nothing here imports ``roost.networks`` or ``roost.commands``, nor an HTTP
library (a test says so): the build is pure.
"""

from pathlib import Path

#: The partial templates and the static files Roost ships for any theme
#: (docs/any-pelican-blog.md), found after the theme's own.
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
