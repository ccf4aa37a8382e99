"""Mastodon and servers with its API (GoToSocial, Pleroma, Akkoma).

Follows the Mastodon API documentation (docs.joinmastodon.org, methods/statuses, instance,
notifications) and the facts sheet in shared/docs/social-apis.md, section 1.
"""
