# -*- test-case-name: tests.test_api_zones -*-
"""REST zones: list, create, show, delete, import and export."""

from twisted.trial.unittest import SynchronousTestCase

from tests.test_api import ApiClient

ZONE_FILE = """$ORIGIN example.org.
$TTL 300
@   IN SOA ns1.example.org. admin.example.org. 2024010101 3600 900 604800 300
@   IN NS  ns1.example.org.
www IN A   192.0.2.10
"""


class ZoneTests(SynchronousTestCase):
    """The zone endpoints."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_create_and_list(self) -> None:
        """If a zone is created with ns and admin, then it is listed with serial 1."""
        zone = self.api.ok("POST", "/api/zones", {"name": "Example.COM.", "ns": "ns1.example.com",
                                                  "admin": "admin.example.com"}, code=201)
        self.assertEqual((zone["name"], zone["serial"], zone["records"]), ("example.com", 1, 2))
        listed = self.api.ok("GET", "/api/zones")
        self.assertEqual((listed["total"], listed["items"][0]["name"]), (1, "example.com"))

    def test_list_pages(self) -> None:
        """If limit and offset are given, then one page comes back with the full total."""
        for name in ("a.test", "b.test", "c.test"):
            self.api.ok("POST", "/api/zones", {"name": name}, code=201)
        page = self.api.ok("GET", "/api/zones?limit=1&offset=1")
        self.assertEqual(([z["name"] for z in page["items"]], page["total"]), (["b.test"], 3))

    def test_create_bad_name(self) -> None:
        """If the zone name is invalid, then it is 400 with the store's message."""
        self.api.fails("POST", "/api/zones", {"name": "bad..name"}, field="name")

    def test_create_twice_is_conflict(self) -> None:
        """If a zone exists, then creating it again is 409."""
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201)
        self.api.fails("POST", "/api/zones", {"name": "example.com"}, code=409,
                       error="zone 'example.com' already exists")

    def test_ns_without_admin(self) -> None:
        """If ns is given without admin, then it is 400 naming admin."""
        self.api.fails("POST", "/api/zones", {"name": "example.com", "ns": "ns1.example.com"},
                       field="admin")

    def test_show(self) -> None:
        """If a zone is shown, then it has its name and TTL."""
        self.api.ok("POST", "/api/zones", {"name": "example.com", "ttl": "1h"}, code=201)
        self.assertEqual(self.api.ok("GET", "/api/zones/example.com")["ttl"], 3600)

    def test_show_missing(self) -> None:
        """If a zone does not exist, then showing it is 404."""
        self.api.fails("GET", "/api/zones/nope.example", code=404)

    def test_delete(self) -> None:
        """If a zone is deleted, then it is 204 and gone."""
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201)
        self.api.ok("DELETE", "/api/zones/example.com", code=204)
        self.api.fails("GET", "/api/zones/example.com", code=404)

    def test_delete_missing(self) -> None:
        """If a missing zone is deleted, then it is 404."""
        self.api.fails("DELETE", "/api/zones/nope.example", code=404)

    def test_import_then_export(self) -> None:
        """If a zone file is imported, then export gives the records back as BIND text."""
        result = self.api.ok("POST", "/api/zones/example.org/import", data=ZONE_FILE.encode(),
                             headers={"Content-Type": "text/plain"})
        self.assertEqual((result["created"], result["added"], result["serial"]),
                         (True, 3, 2024010101))
        reply = self.api.call("GET", "/api/zones/example.org/export")
        self.assertEqual(reply.code, 200)
        self.assertTrue(reply.content_type.startswith("text/plain"))
        self.assertIn("192.0.2.10", reply.raw.decode())
        self.assertIn("$ORIGIN example.org.", reply.raw.decode())

    def test_import_replace(self) -> None:
        """If a zone is imported with replace=1, then the old records go."""
        self.api.ok("POST", "/api/zones/example.org/import", data=ZONE_FILE.encode())
        self.api.ok("POST", "/api/zones/example.org/import?replace=1",
                    data=b"$ORIGIN example.org.\nmail 60 IN A 192.0.2.11\n")
        rows = self.api.ok("GET", "/api/zones/example.org/records")["items"]
        self.assertEqual(sorted(r["name"] for r in rows if r["type"] == "A"),
                         ["mail.example.org"])

    def test_import_bad_line(self) -> None:
        """If a zone file has a bad line, then it is 400 naming the line, and nothing changes."""
        reply = self.api.fails("POST", "/api/zones/example.org/import",
                               data=b"$ORIGIN example.org.\nwww IN A 999.1.1.1\n")
        self.assertTrue(reply.json["error"].startswith("-:2: "), reply.json)
        self.api.fails("GET", "/api/zones/example.org", code=404)

    def test_import_include_refused(self) -> None:
        """If a zone file over REST has $INCLUDE, then it is 400: no server files are read."""
        self.api.fails("POST", "/api/zones/example.org/import",
                       data=b"$ORIGIN example.org.\n$INCLUDE /etc/passwd\n",
                       error="-:2: $INCLUDE is not allowed over REST")

    def test_export_missing(self) -> None:
        """If the zone does not exist, then export is 404."""
        self.api.fails("GET", "/api/zones/nope.example/export", code=404)
