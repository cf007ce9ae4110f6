"""The resolver chain: one layer per module."""
