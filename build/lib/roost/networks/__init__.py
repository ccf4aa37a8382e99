"""The networks: one adapter each (``mastodon/``, ``bluesky/``, ``webmention_io.py``) behind the
contract in ``base.py``, the one API client under them (``http.py``), the one guarded fetch for
addresses strangers name (``guarded_fetch.py``), typed settings (``settings.py``), and what a
post becomes on a network (``compose.py``, ``splitting.py``). Which networks exist is said in
``roost/registry.py``. Nothing here is imported by the Pelican build.
"""
