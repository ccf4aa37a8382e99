"""Bluesky (AT Protocol).

Follows the lexicons (app.bsky.feed.post, app.bsky.richtext.facet, com.atproto.repo.*), the
Bluesky developer docs, and shared/docs/social-apis.md section 2.
"""
