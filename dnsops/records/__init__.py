"""Record types: validation of rdata text and its encoding for the wire; the one list of supported types."""
