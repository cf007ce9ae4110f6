# -*- test-case-name: tests.test_api_audit -*-
"""The audit log: recorded for every change, listed by REST and by C{dnsops audit}."""

import contextlib
import io
import json

from twisted.trial.unittest import SynchronousTestCase

from dnsops.cli import main
from dnsops.store import audit
from dnsops.store.db import connect, transaction
from tests.test_api import ApiClient


class AuditStoreTests(SynchronousTestCase):
    """store.audit."""

    def setUp(self) -> None:
        self.conn = connect(self.mktemp())
        self.addCleanup(self.conn.close)

    def test_rolled_back_change_leaves_no_row(self) -> None:
        """If the change's transaction fails, then its audit row goes with it."""
        try:
            with transaction(self.conn):
                audit.record(self.conn, "cli", "add-zone", "example.com", None, {"a": 1})
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        self.assertEqual(audit.list_entries(self.conn)[1], 0)

    def test_filters_and_order(self) -> None:
        """If entries are listed with filters, then the newest matching come first."""
        with transaction(self.conn):
            audit.record(self.conn, "cli", "add-zone", "a.test", None, {"n": 1})
            audit.record(self.conn, "token", "add-zone", "b.test", None, {"n": 2})
            audit.record(self.conn, "cli", "delete-zone", "a.test", {"n": 1}, None)
        entries, total = audit.list_entries(self.conn, actor="cli")
        self.assertEqual(([e["action"] for e in entries], total), (["delete-zone", "add-zone"], 2))
        self.assertEqual(entries[0]["before"], {"n": 1})


class AuditApiTests(SynchronousTestCase):
    """GET /api/audit and the audit rows API changes leave."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_record_change_has_actor_before_after(self) -> None:
        """If a record is updated with a key, then the audit row names the key and both values."""
        secret = self.api.key("write", "deploy")
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201, token=secret)
        record = self.api.ok("POST", "/api/zones/example.com/records",
                             {"name": "www", "type": "A", "rdata": "192.0.2.1"}, code=201)
        self.api.ok("PUT", f"/api/records/{record['id']}", {"rdata": "192.0.2.2"})
        entries = self.api.ok("GET", "/api/audit")["items"]
        self.assertEqual([(e["actor"], e["action"]) for e in entries],
                         [("token", "update-record"), ("token", "add-record"),
                          ("key:deploy", "add-zone")])
        self.assertEqual((entries[0]["before"]["rdata"], entries[0]["after"]["rdata"]),
                         ("192.0.2.1", "192.0.2.2"))

    def test_failed_change_is_not_audited(self) -> None:
        """If a change fails validation, then nothing is audited."""
        self.api.fails("POST", "/api/zones", {"name": "bad..name"})
        self.assertEqual(self.api.ok("GET", "/api/audit")["total"], 0)

    def test_filters(self) -> None:
        """If the audit is filtered by action and limited, then only those come back."""
        for name in ("a.test", "b.test"):
            self.api.ok("POST", "/api/zones", {"name": name}, code=201)
        self.api.ok("DELETE", "/api/zones/a.test", code=204)
        page = self.api.ok("GET", "/api/audit?action=add-zone&limit=1")
        self.assertEqual(([e["target"] for e in page["items"]], page["total"]), (["b.test"], 2))

    def test_bad_limit(self) -> None:
        """If limit is not a number, then it is 400 naming limit."""
        self.api.fails("GET", "/api/audit?limit=x", field="limit")

    def test_cli_lists_api_changes(self) -> None:
        """If a change is made over REST, then `dnsops audit --limit 1` shows it."""
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["audit", "--limit", "1", "--json", "--db", self.api.db_path])
        self.assertEqual(status, 0)
        entries = json.loads(out.getvalue())
        self.assertEqual([(e["actor"], e["action"], e["target"]) for e in entries],
                         [("token", "add-zone", "example.com")])

    def test_cli_bad_limit(self) -> None:
        """If `dnsops audit --limit` is not a number, then it fails with one error line."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(["audit", "--limit", "many", "--db", self.api.db_path])
        self.assertEqual(status, 1)
        self.assertIn("invalid limit 'many'", err.getvalue())
