"""In-memory view of the zones the server answers from, and the service that keeps it in step with SQLite."""
