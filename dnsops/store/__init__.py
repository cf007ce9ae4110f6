"""SQLite storage, the source of truth. Plain functions over a connection; no Twisted imports."""
