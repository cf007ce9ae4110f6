"""Tests for dnsops (run with trial tests)."""
