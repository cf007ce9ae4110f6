"""BIND master-file reading and writing."""
