"""What the Pelican build runs: attach each post's records, render them once, copy the
media pages use. Nothing here imports ``roost.networks`` or ``roost.commands``, nor an HTTP
library (a test says so): the build is pure.
"""
