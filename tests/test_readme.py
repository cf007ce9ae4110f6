# -*- test-case-name: tests.test_readme -*-
"""
The README documents every configuration key and every CLI command, and CI runs its test command.

The lists of truth are code (C{dnsops.config.KEYS}, the C{dnsops} argument parser) and the
interface contract's command table; a key or command added there without a README row fails
here (after C{coredns/coredns:test/readme_test.go}).
"""

import argparse
import os
import re

from twisted.trial.unittest import SynchronousTestCase

from dnsops.cli import build_parser
from dnsops.config import KEYS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Every command of the interface contract's CLI table.
CONTRACT_COMMANDS = (
    "init-db", "start", "add-zone", "list-zones", "delete-zone", "add-record", "list-records",
    "delete-record", "update-record", "add-upstream", "list-upstream", "delete-upstream",
    "block", "unblock", "list-blocked", "import-blocklist", "allow", "disallow", "list-allowed",
    "add-blocklist-source", "list-blocklist-sources", "delete-blocklist-source", "flush-cache",
    "set-config", "get-config", "list-config", "import-zone", "export-zone", "dnssec-enable",
    "dnssec-disable", "dnssec-ds", "dnssec-status", "add-key", "list-keys", "revoke-key",
    "audit",
)


def read(*path: str) -> str:
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def table_names(text: str) -> set[str]:
    """Names in the first cell of Markdown table rows, written as code: C{| `name` ...}."""
    return set(re.findall(r"^\| `([^`]+)`", text, re.MULTILINE))


def parser_commands() -> set[str]:
    """The subcommands the C{dnsops} parser has now."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


class ReadmeTests(SynchronousTestCase):
    """README.md keeps up with the code and the contract."""

    def setUp(self) -> None:
        self.readme = read("README.md")
        self.rows = table_names(self.readme)

    def test_every_config_key_has_a_row(self) -> None:
        """If a key is in dnsops.config.KEYS, then the README's config table has a row for it."""
        self.assertEqual(sorted(set(KEYS) - self.rows), [])

    def test_every_parser_command_has_a_row(self) -> None:
        """If the dnsops parser has a command, then the README's CLI table has a row for it."""
        self.assertEqual(sorted(parser_commands() - self.rows), [])

    def test_every_contract_command_has_a_row(self) -> None:
        """If the contract lists a command, then the README's CLI table has a row for it."""
        self.assertEqual(sorted(set(CONTRACT_COMMANDS) - self.rows), [])

    def test_ci_runs_the_readme_test_command(self) -> None:
        """If the README gives the test command, then .ci/run runs exactly that command."""
        commands = re.findall(r"^(pip install -e .*trial.*)$", self.readme, re.MULTILINE)
        self.assertEqual(len(commands), 1, "the README has one test set-up command")
        self.assertIn(commands[0], read(".ci", "run"))
