"""X (formerly Twitter), API v2: posts, self-threads, pictures with alt text, delete; mentions,
replies, likes, reposts and quotes brought home, each request's price counted."""
