# -*- test-case-name: tests.test_readme -*-
"""
The README documents every configuration key, CLI command and flag, server option, REST route
and metric, and CI runs its test command.

The lists of truth are code (C{dnsops.config.KEYS}, the C{dnsops} argument parser,
C{dnsops.tap.Options}, the OpenAPI document built by C{dnsops.api.app.make_api}, the
C{dnsops.metrics} registry) and the interface contract's command table; a key, command, flag,
route or series added there without a README entry fails here (after
C{coredns/coredns:test/readme_test.go}).
"""

import argparse
import os
import re

from twisted.internet.task import Clock
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

#: Options every subcommand inherits; documented once, not in each row.
COMMON_FLAGS = {"-h", "--help", "--db", "--json"}

#: A row of the REST API table: C{| GET | `/api/zones` | read | ... |}.
API_ROW = re.compile(r"^\| (GET|POST|PUT|DELETE|PATCH) \| `([^`]+)` \| (\w+) \|", re.MULTILINE)


def read(*path: str) -> str:
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def table_names(text: str) -> set[str]:
    """Names in the first cell of Markdown table rows, written as code: C{| `name` ...}."""
    return set(re.findall(r"^\| `([^`]+)`", text, re.MULTILINE))


def table_rows(text: str) -> dict[str, str]:
    """Each code-named table row's text after its name: C{{"add-record": " ZONE ... |"}}."""
    return dict(re.findall(r"^\| `([^`]+)`(.*)$", text, re.MULTILINE))


def subparsers() -> dict[str, argparse.ArgumentParser]:
    """The subcommands the C{dnsops} parser has now, with their parsers."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def long_flags(parser: argparse.ArgumentParser) -> set[str]:
    """The C{--long} option strings of a parser."""
    return {s for action in parser._actions for s in action.option_strings if s.startswith("--")}


def api_operations(test: SynchronousTestCase) -> dict[tuple[str, str], str]:
    """C{{(METHOD, path): scope}} from the OpenAPI document the server serves; scope C{none}
    for the unauthenticated routes."""
    from dnsops.api.app import ApiDeps, make_api

    deps = ApiDeps(os.path.abspath(test.mktemp()), Clock())
    test.addCleanup(deps.close)
    document = make_api(deps).spec.document()
    return {
        (method.upper(), path): op.get("x-scope") or "none"
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def metric_names() -> set[str]:
    """Every series family C{/metrics} exposes, named as scraped (counters with C{_total})."""
    from dnsops.metrics import Metrics
    from dnsops.server.packetcache import PacketCache

    metrics = Metrics(Clock(), packet_cache=PacketCache())
    names = set()
    for family in metrics.registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
    return names


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
        self.assertEqual(sorted(set(subparsers()) - self.rows), [])

    def test_every_contract_command_has_a_row(self) -> None:
        """If the contract lists a command, then the README's CLI table has a row for it."""
        self.assertEqual(sorted(set(CONTRACT_COMMANDS) - self.rows), [])

    def test_every_command_flag_is_in_its_row(self) -> None:
        """If a command has a --flag, then the README's row for that command names it."""
        rows = table_rows(self.readme)
        missing = []
        for name, parser in sorted(subparsers().items()):
            row = rows.get(name, "")
            for flag in sorted(long_flags(parser) - COMMON_FLAGS):
                if not re.search(re.escape(flag) + r"(?![\w-])", row):
                    missing.append(f"{name} {flag}")
        self.assertEqual(missing, [])

    def test_common_flags_documented(self) -> None:
        """If every command takes --db and --json, then the README says so."""
        for flag in ("--db", "--json"):
            self.assertIn(f"`{flag}", self.readme)

    def test_every_server_option_documented(self) -> None:
        """If twistd dnsops has an option, then the README's server options table has it."""
        from dnsops.tap import Options

        options = Options()
        names = [p[0] for p in options.optParameters] + [f[0] for f in options.optFlags]
        names.append("interface")
        missing = [n for n in names if not re.search(rf"^\| `--{re.escape(n)}\b", self.readme, re.M)
                   and f"`--{n}`" not in self.readme]
        self.assertEqual(missing, [])

    def test_every_tac_variable_documented(self) -> None:
        """If dns.tac reads a DNSOPS_* variable, then the README names it."""
        from dnsops.tap import ENVIRONMENT

        variables = [v for v, _ in ENVIRONMENT]
        variables += re.findall(r"environ\.get\(\s*\"(DNSOPS_\w+)\"", read("dnsops", "tap.py"))
        variables += ["DNSOPS_NO_DOH", "DNSOPS_NO_DOT"]
        self.assertEqual(sorted({v for v in variables if v not in self.readme}), [])

    def test_every_api_route_has_a_row(self) -> None:
        """If the OpenAPI document has an operation, then the README's API table has its row."""
        documented = {(m, p) for m, p, _ in API_ROW.findall(self.readme)}
        self.assertEqual(sorted(set(api_operations(self)) - documented), [])

    def test_no_api_row_without_a_route(self) -> None:
        """If the README's API table has a row, then the server routes that method and path."""
        documented = {(m, p) for m, p, _ in API_ROW.findall(self.readme)}
        self.assertEqual(sorted(documented - set(api_operations(self))), [])

    def test_api_rows_state_the_real_scope(self) -> None:
        """If the README gives a route's scope, then it is the scope the server enforces."""
        operations = api_operations(self)
        wrong = [
            (m, p, scope, operations[(m, p)])
            for m, p, scope in API_ROW.findall(self.readme)
            if (m, p) in operations and operations[(m, p)] != scope
        ]
        self.assertEqual(wrong, [])

    def test_every_metric_documented(self) -> None:
        """If /metrics exposes a series family, then the README's metrics table names it."""
        self.assertEqual(sorted(n for n in metric_names() if f"`{n}" not in self.readme), [])

    def test_axfr_status_is_honest(self) -> None:
        """If no module answers AXFR, then the README says zone transfers are not implemented; if one does, then its Secondaries section says what works (AXFR with axfr_allow, IXFR as a full transfer, no NOTIFY, Knot as tested secondary) and nothing says transfers are missing."""
        sources = []
        for folder, _, files in os.walk(os.path.join(ROOT, "dnsops")):
            sources += [read(folder, f) for f in files if f.endswith(".py") and f != "config.py"]
        if not any(re.search(r"axfr", text, re.IGNORECASE) for text in sources):
            self.assertRegex(self.readme, r"(?i)zone transfers.{0,80}not implemented")
            return
        self.assertNotRegex(self.readme, r"(?i)zone transfers.{0,80}not implemented")
        self.assertNotRegex(self.readme, r"(?i)(answers|serves) no AXFR|axfr_allow.{0,40}reserved")
        match = re.search(r"^### Secondaries \(zone transfer\)\n(.*?)^##", self.readme, re.MULTILINE | re.DOTALL)
        self.assertIsNotNone(match, "the README has a Secondaries (zone transfer) section")
        section = " ".join(match.group(1).split())
        self.assertRegex(section, r"AXFR over TCP")
        self.assertIn("`axfr_allow`", section)
        self.assertRegex(section, r"IXFR is answered with a full transfer")
        self.assertRegex(section, r"sends no NOTIFY")
        self.assertRegex(section, r"Tested with Knot DNS as the secondary")
        self.assertIn("start_knot", read("tests", "test_transfer.py"))

    def test_ci_runs_the_readme_test_command(self) -> None:
        """If the README gives the test command, then .ci/run runs exactly that command."""
        commands = re.findall(r"^(pip install -e .*trial.*)$", self.readme, re.MULTILINE)
        self.assertEqual(commands, ["pip install -e '.[test]' && trial tests"])
        self.assertIn(commands[0], read(".ci", "run"))

    def test_setup_command_starts_a_server(self) -> None:
        """If the README gives the set-up command, then it installs and runs dnsops start."""
        commands = re.findall(r"^(pip install .*&& dnsops start .*)$", self.readme, re.MULTILINE)
        self.assertEqual(len(commands), 1, "the README has one install-and-start command")
        parser = subparsers()["start"]
        parser.parse_args(commands[0].split("dnsops start", 1)[1].split())

    def test_web_readme_names_every_tab_module(self) -> None:
        """If web/js/tabs has a module, then web/README.md's tab list names it."""
        web = read("web", "README.md")
        tabs = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "web", "js", "tabs"))
                      if f.endswith(".js"))
        self.assertEqual([t for t in tabs if t not in web], [])
