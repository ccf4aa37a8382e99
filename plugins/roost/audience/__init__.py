"""The audience: pure functions over the records (people across networks, stats, exports);
used by the build and by the commands. No network I/O here."""
