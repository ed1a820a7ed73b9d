"""The control room: server-rendered pages where staff work the exceptions and approvals and
the auditor reads the log (``kommunerpa serve``; see docs/control-room.md)."""
