"""dnsops: a DNS server and ops console on Twisted, with SQLite as the source of truth."""

__version__ = "0.1.0"
