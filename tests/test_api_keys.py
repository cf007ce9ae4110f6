# -*- test-case-name: tests.test_api_keys -*-
"""Scoped API keys: the store, the REST endpoints and the CLI commands."""

import contextlib
import io
import json

from twisted.trial.unittest import SynchronousTestCase

from dnsops.cli import main
from dnsops.errors import Conflict, InvalidInput, NotFound
from dnsops.store import keys
from dnsops.store.db import connect, transaction
from tests.test_api import ApiClient


def run(*argv: str) -> tuple[int, str, str]:
    """Run the CLI; return its status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


class KeyStoreTests(SynchronousTestCase):
    """store.keys."""

    def setUp(self) -> None:
        self.conn = connect(self.mktemp())
        self.addCleanup(self.conn.close)

    def test_only_hash_stored(self) -> None:
        """If a key is made, then the database holds its hash and never the secret."""
        with transaction(self.conn):
            key, secret = keys.add_key(self.conn, "ci", "read")
        row = self.conn.execute("SELECT hash FROM api_keys WHERE name = 'ci'").fetchone()
        self.assertEqual(row["hash"], keys.hash_secret(secret))
        self.assertNotIn(secret, json.dumps([dict(r) for r in
                                             self.conn.execute("SELECT * FROM api_keys")]))
        self.assertEqual(keys.find_key(self.conn, secret)["scope"], "read")
        self.assertIsNone(keys.find_key(self.conn, secret + "x"))

    def test_bad_name_and_scope(self) -> None:
        """If the name or scope is bad, then InvalidInput names the field."""
        e = self.assertRaises(InvalidInput, keys.add_key, self.conn, "no spaces", "read")
        self.assertEqual(e.field, "name")
        e = self.assertRaises(InvalidInput, keys.add_key, self.conn, "ci", "root")
        self.assertEqual(e.field, "scope")

    def test_duplicate_and_missing(self) -> None:
        """If a name is taken, then Conflict; if missing, revoking is NotFound."""
        with transaction(self.conn):
            keys.add_key(self.conn, "ci", "read")
        self.assertRaises(Conflict, keys.add_key, self.conn, "ci", "read")
        self.assertRaises(NotFound, keys.revoke_key, self.conn, "nope")


class KeyApiTests(SynchronousTestCase):
    """/api/keys."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_create_use_list_revoke(self) -> None:
        """If a key is created, then its secret works once shown, is never listed, and revokes."""
        made = self.api.ok("POST", "/api/keys", {"name": "ci", "scope": "write"}, code=201)
        self.assertEqual(set(made), {"name", "scope", "secret", "created"})
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201,
                    token=made["secret"])
        listed = self.api.ok("GET", "/api/keys")
        self.assertEqual(listed["items"][0]["name"], "ci")
        self.assertNotIn(made["secret"].encode(), self.api.call("GET", "/api/keys").raw)
        self.api.ok("DELETE", "/api/keys/ci", code=204)
        self.api.fails("GET", "/api/zones", code=401, token=made["secret"])

    def test_bad_scope(self) -> None:
        """If the scope is unknown, then it is 400 naming scope."""
        self.api.fails("POST", "/api/keys", {"name": "ci", "scope": "root"}, field="scope")

    def test_duplicate(self) -> None:
        """If the name is taken, then it is 409."""
        self.api.ok("POST", "/api/keys", {"name": "ci", "scope": "read"}, code=201)
        self.api.fails("POST", "/api/keys", {"name": "ci", "scope": "read"}, code=409)

    def test_revoke_missing(self) -> None:
        """If the key does not exist, then revoking it is 404."""
        self.api.fails("DELETE", "/api/keys/nope", code=404)

    def test_write_key_may_not_make_keys(self) -> None:
        """If a write key tries to make a key, then it is 403."""
        self.api.fails("POST", "/api/keys", {"name": "x", "scope": "admin"}, code=403,
                       token=self.api.key("write"))


class KeyCliTests(SynchronousTestCase):
    """add-key, list-keys, revoke-key."""

    def setUp(self) -> None:
        self.db = self.mktemp()

    def test_add_list_revoke(self) -> None:
        """If a key is added by the CLI, then its secret is printed once and it can be revoked."""
        status, out, _ = run("add-key", "ci", "--scope", "read", "--db", self.db)
        self.assertEqual(status, 0)
        secret = out.split("secret (shown once): ")[1].strip()
        conn = connect(self.db)
        self.addCleanup(conn.close)
        self.assertEqual(keys.find_key(conn, secret)["name"], "ci")
        status, out, _ = run("list-keys", "--json", "--db", self.db)
        self.assertEqual([k["name"] for k in json.loads(out)], ["ci"])
        self.assertNotIn(secret, out)
        self.assertEqual(run("revoke-key", "ci", "--db", self.db)[0], 0)
        self.assertIsNone(keys.find_key(conn, secret))

    def test_add_json_has_secret(self) -> None:
        """If add-key is given --json, then the secret is in the JSON."""
        status, out, _ = run("add-key", "ci", "--scope", "admin", "--json", "--db", self.db)
        self.assertTrue(json.loads(out)["secret"].startswith("dnsops_"))

    def test_bad_scope(self) -> None:
        """If the scope is unknown, then the CLI fails with one error line."""
        status, _, err = run("add-key", "ci", "--scope", "root", "--db", self.db)
        self.assertEqual(status, 1)
        self.assertTrue(err.startswith("error: "))
        self.assertEqual(err.count("\n"), 1)

    def test_revoke_missing(self) -> None:
        """If the key does not exist, then revoke-key fails naming it."""
        status, _, err = run("revoke-key", "nope", "--db", self.db)
        self.assertEqual((status, err), (1, "error: key 'nope' not found\n"))
