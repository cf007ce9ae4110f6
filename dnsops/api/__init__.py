"""The REST API and dashboard (Klein)."""
