"""Inbox sources: where documents arrive (the access point's drop folder; later IMAP)."""
