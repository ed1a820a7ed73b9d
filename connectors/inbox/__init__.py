"""Inbox sources: where documents arrive (the access point's drop folder, an IMAP mailbox)."""
