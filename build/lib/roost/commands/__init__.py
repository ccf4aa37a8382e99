"""The ``roost`` command: argument parsing (``cli.py``), the orchestrators that own policy
(``syndicate.py``, ``backfeed.py``), and what the commands share. Everything that talks to a
network runs from here, never from the build.
"""
