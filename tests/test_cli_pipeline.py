"""Tests for the pipeline CLI commands: upstreams, blocklist, allowlist, list sources, flush-cache."""

import io
import json
import os
import sys

import dns.rcode
from twisted.internet import defer, reactor, task
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.cli import main
from dnsops.store import db
from tests import dnsquery
from tests.harness import start_server
from tests.upstreams import Counting

ADAWAY = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "blocklists", "adaway.hosts")


class PipelineCommandTests(SynchronousTestCase):
    def setUp(self):
        self.db = self.mktemp()

    def run_cli(self, *argv, stdin: str = "") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        self.patch(sys, "stdout", out)
        self.patch(sys, "stderr", err)
        self.patch(sys, "stdin", io.StringIO(stdin))
        status = main([*argv, "--db", self.db])
        return status, out.getvalue(), err.getvalue()

    def ok(self, *argv, stdin: str = "") -> str:
        status, out, err = self.run_cli(*argv, stdin=stdin)
        self.assertEqual((status, err), (0, ""))
        return out

    def fails(self, *argv) -> str:
        status, out, err = self.run_cli(*argv)
        self.assertEqual(status, 1)
        self.assertEqual(err.count("\n"), 1)
        self.assertNotIn("Traceback", err)
        return err

    def test_upstream_commands(self):
        """If an upstream is added, listed and deleted, then the list follows in priority order."""
        new_id = self.ok("add-upstream", "2001:db8::53", "--port", "5353", "--priority", "5").strip()
        self.ok("add-upstream", "192.0.2.53", "--priority", "1")
        rows = json.loads(self.ok("list-upstream", "--json"))
        self.assertEqual([r["address"] for r in rows], ["8.8.8.8", "1.1.1.1", "9.9.9.9", "192.0.2.53", "2001:db8::53"])
        self.assertEqual(rows[-1]["port"], 5353)
        self.ok("delete-upstream", new_id)
        self.assertNotIn("2001:db8::53", self.ok("list-upstream"))

    def test_upstream_bad_input(self):
        """If an upstream address, port or id is bad, then one error line names the value."""
        self.assertEqual(self.fails("add-upstream", "dns.google"),
                         "error: invalid upstream address 'dns.google': expected an IP address or tls://ADDRESS[#NAME]\n")
        self.assertIn("invalid port '70000'", self.fails("add-upstream", "192.0.2.1", "--port", "70000"))
        self.assertEqual(self.fails("delete-upstream", "99"), "error: upstream '99' not found\n")

    def test_block_unblock_list(self):
        """If domains are blocked and one unblocked, then list-blocked shows the rest with their response."""
        self.assertEqual(self.ok("block", "Ads.Example.com."), "ads.example.com\n")
        self.ok("block", "*.tracker.example.com", "--response", "nxdomain")
        self.ok("unblock", "ads.example.com")
        rows = json.loads(self.ok("list-blocked", "--json"))
        self.assertEqual([(r["domain"], r["response"]) for r in rows], [("*.tracker.example.com", "nxdomain")])
        self.assertIn("*.tracker.example.com  nxdomain", self.ok("list-blocked"))

    def test_block_bad_input(self):
        """If a domain or response is bad, then one error line says so and nothing changes."""
        self.assertIn("'bad domain'", self.fails("block", "bad domain"))
        self.assertIn("invalid response 'drop'", self.fails("block", "ads.example.com", "--response", "drop"))
        self.assertEqual(self.fails("unblock", "ads.example.com"), "error: domain 'ads.example.com' is not blocked\n")
        self.assertEqual(self.ok("list-blocked"), "(none)\n")

    def test_import_file_and_stdin(self):
        """If adaway.hosts is imported and then names come on stdin, then the counts are printed."""
        self.assertEqual(self.ok("import-blocklist", ADAWAY), "added 6540, duplicate 0, invalid 0\n")
        out = self.ok("import-blocklist", "-", stdin="# list\nnew.example.com\nanalytics.163.com\nbad entry here\n")
        self.assertEqual(out, "added 1, duplicate 1, invalid 1\n")
        self.assertIn("cannot read", self.fails("import-blocklist", "/nonexistent/list.txt"))

    def test_allow_commands(self):
        """If a domain is allowed then disallowed, then list-allowed shows it and then does not."""
        self.ok("allow", "*.cdn.example.com")
        self.assertIn("*.cdn.example.com", self.ok("list-allowed"))
        self.ok("disallow", "*.cdn.example.com")
        self.assertEqual(json.loads(self.ok("list-allowed", "--json")), [])
        self.assertIn("is not allowed", self.fails("disallow", "*.cdn.example.com"))

    def test_source_commands(self):
        """If a list source is added, listed and deleted, then the list shows its refresh and count."""
        source_id = self.ok("add-blocklist-source", "https://lists.example.com/hosts.txt", "--refresh", "12h").strip()
        rows = json.loads(self.ok("list-blocklist-sources", "--json"))
        self.assertEqual((rows[0]["url"], rows[0]["refresh"], rows[0]["count"]), ("https://lists.example.com/hosts.txt", 43200, 0))
        self.assertIn("already exists", self.fails("add-blocklist-source", "https://lists.example.com/hosts.txt"))
        self.assertIn("invalid URL", self.fails("add-blocklist-source", "file:///etc/hosts"))
        self.ok("delete-blocklist-source", source_id)
        self.assertIn("not found", self.fails("delete-blocklist-source", source_id))

    def test_flush_cache_records_control_row(self):
        """If flush-cache runs, then a pending flush-cache row is in the control table for the server."""
        self.ok("flush-cache")
        conn = db.connect(self.db)
        self.addCleanup(conn.close)
        rows = conn.execute("SELECT command, done FROM control WHERE command = 'flush-cache'").fetchall()
        self.assertEqual([tuple(r) for r in rows], [("flush-cache", 0)])

    def test_changes_are_audited(self):
        """If pipeline commands change data, then each is in the audit log."""
        self.ok("block", "ads.example.com")
        self.ok("add-upstream", "192.0.2.53")
        conn = db.connect(self.db)
        self.addCleanup(conn.close)
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
        self.assertEqual(actions, ["block", "add-upstream"])


def _eventually(predicate, timeout: float = 3.0) -> defer.Deferred:
    """Fire with C{predicate()}'s last value once it is true, or after C{timeout} s (another part of the server polls the database)."""
    deadline = reactor.seconds() + timeout

    def poll():
        value = predicate()
        if value or reactor.seconds() > deadline:
            return value
        return task.deferLater(reactor, 0.05, poll)

    return defer.maybeDeferred(poll)


class RunningServerTests(TestCase):
    """The commands against a running server: the CLI changes the database, the server follows."""

    @defer.inlineCallbacks
    def test_cli_changes_reach_running_server(self):
        """If the CLI blocks a name, adds an upstream and flushes the cache, then the running server follows within a second or so."""
        self.patch(sys, "stdout", io.StringIO())
        path = self.mktemp()
        upstream = Counting()
        upstream_port = upstream.start(self)
        conn = db.connect(path)
        self.addCleanup(conn.close)
        with db.transaction(conn):
            conn.execute("DELETE FROM upstreams")
        server = start_server(self, path)

        failed = yield dnsquery.query(server.port, "www.example.org", "A", use_edns=None)
        self.assertEqual(dns.rcode.to_text(failed.rcode()), "SERVFAIL")

        self.assertEqual(main(["add-upstream", "127.0.0.1", "--port", str(upstream_port), "--db", path]), 0)
        self.assertEqual(main(["block", "ads.example.org", "--db", path]), 0)

        answer = None
        for _ in range(30):
            answer = yield dnsquery.query(server.port, "www.example.org", "A", use_edns=None)
            if answer.answer:
                break
            yield task.deferLater(reactor, 0.1, lambda: None)
        self.assertEqual(answer.answer[0][0].address, "192.0.2.1")
        again = yield dnsquery.query(server.port, "www.example.org", "A", use_edns=None)
        self.assertEqual(again.answer[0][0].address, "192.0.2.1")
        self.assertEqual(upstream.count(), 1)

        blocked = yield dnsquery.query(server.port, "ads.example.org", "A", use_edns=None)
        self.assertEqual(blocked.answer[0][0].address, "0.0.0.0")

        self.assertEqual(main(["flush-cache", "--db", path]), 0)
        yield _eventually(lambda: conn.execute("SELECT count(*) FROM control WHERE command = 'flush-cache' AND done = 1").fetchone()[0])
        yield dnsquery.query(server.port, "www.example.org", "A", use_edns=None)
        self.assertEqual(upstream.count(), 2)

        logged = yield _eventually(lambda: conn.execute("SELECT count(*) FROM query_log WHERE answered_by = 'blocked'").fetchone()[0])
        self.assertEqual(logged, 1)
