# -*- test-case-name: tests.test_api_records -*-
"""REST records: list with filters and pages, add, show, update, delete; one validation path."""

import contextlib
import io

from twisted.trial.unittest import SynchronousTestCase

from dnsops.cli import main
from tests.test_api import ApiClient


class RecordTests(SynchronousTestCase):
    """The record endpoints."""

    def setUp(self) -> None:
        self.api = ApiClient(self)
        self.api.ok("POST", "/api/zones", {"name": "example.com", "ns": "ns1.example.com",
                                           "admin": "admin.example.com"}, code=201)

    def add(self, **body) -> dict:
        return self.api.ok("POST", "/api/zones/example.com/records", body, code=201)

    def test_add(self) -> None:
        """If a record is added with a relative name, then it is stored absolute and canonical."""
        record = self.add(name="WWW", type="aaaa", rdata="2001:DB8:0::1", ttl=300, weight=5,
                          geo="de")
        self.assertEqual(
            {k: record[k] for k in ("zone", "name", "type", "rdata", "ttl", "weight", "geo",
                                    "enabled")},
            {"zone": "example.com", "name": "www.example.com", "type": "AAAA",
             "rdata": "2001:db8::1", "ttl": 300, "weight": 5, "geo": "DE", "enabled": True},
        )

    def test_add_mx_with_priority(self) -> None:
        """If an MX is added with priority, then the priority is put in front of the rdata."""
        record = self.add(name="@", type="MX", rdata="mail.example.com", priority=10)
        self.assertEqual(record["rdata"], "10 mail.example.com")

    def test_add_bad_address(self) -> None:
        """If the rdata is a bad IPv4 address, then it is 400 naming rdata."""
        self.api.fails("POST", "/api/zones/example.com/records",
                       {"name": "www", "type": "A", "rdata": "999.1.1.1"},
                       error="invalid IPv4 address '999.1.1.1' for A record", field="rdata")

    def test_same_message_as_cli(self) -> None:
        """If the CLI and REST get the same bad record, then they give the same message."""
        reply = self.api.fails("POST", "/api/zones/example.com/records",
                               {"name": "www", "type": "A", "rdata": "192.0.2.1", "ttl": "1x"})
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            status = main(["add-record", "example.com", "www", "A", "192.0.2.1", "--ttl", "1x",
                           "--db", self.api.db_path])
        self.assertEqual(status, 1)
        self.assertEqual(stderr.getvalue().strip(), f"error: {reply.json['error']}")

    def test_add_to_missing_zone(self) -> None:
        """If the zone does not exist, then adding a record is 404."""
        self.api.fails("POST", "/api/zones/nope.example/records",
                       {"name": "www", "type": "A", "rdata": "192.0.2.1"}, code=404)

    def test_cname_conflict(self) -> None:
        """If a CNAME would sit beside other data, then it is 409."""
        self.add(name="www", type="A", rdata="192.0.2.1")
        self.api.fails("POST", "/api/zones/example.com/records",
                       {"name": "www", "type": "CNAME", "rdata": "example.com"}, code=409)

    def test_list_filters_and_pages(self) -> None:
        """If records are listed by name and type with a limit, then a page and total come back."""
        for i in range(3):
            self.add(name="www", type="A", rdata=f"192.0.2.{i + 1}")
        self.add(name="www", type="TXT", rdata="hello")
        page = self.api.ok("GET", "/api/zones/example.com/records?name=www&type=A&limit=2")
        self.assertEqual((len(page["items"]), page["total"]), (2, 3))
        page = self.api.ok(
            "GET", "/api/zones/example.com/records?name=www.example.com.&type=a&offset=2"
        )
        self.assertEqual([r["rdata"] for r in page["items"]], ["192.0.2.3"])

    def test_list_bad_type(self) -> None:
        """If the type filter is unknown, then it is 400 naming type."""
        self.api.fails("GET", "/api/zones/example.com/records?type=BOGUS", field="type")

    def test_show(self) -> None:
        """If a record is shown by id, then it is the record."""
        record = self.add(name="www", type="A", rdata="192.0.2.1")
        self.assertEqual(self.api.ok("GET", f"/api/records/{record['id']}"), record)

    def test_update(self) -> None:
        """If a record is updated, then the changed fields change and the rest stay."""
        record = self.add(name="www", type="A", rdata="192.0.2.1", geo="US")
        after = self.api.ok("PUT", f"/api/records/{record['id']}",
                            {"rdata": "192.0.2.9", "enabled": False, "geo": None})
        self.assertEqual((after["rdata"], after["enabled"], after["geo"], after["ttl"]),
                         ("192.0.2.9", False, None, record["ttl"]))

    def test_update_bad_weight(self) -> None:
        """If the weight is out of range, then it is 400 naming weight."""
        record = self.add(name="www", type="A", rdata="192.0.2.1")
        self.api.fails("PUT", f"/api/records/{record['id']}", {"weight": 70000}, field="weight")

    def test_update_missing(self) -> None:
        """If the record does not exist, then updating it is 404."""
        self.api.fails("PUT", "/api/records/999", {"ttl": 60}, code=404)

    def test_delete(self) -> None:
        """If a record is deleted, then it is 204 and then 404."""
        record = self.add(name="www", type="A", rdata="192.0.2.1")
        self.api.ok("DELETE", f"/api/records/{record['id']}", code=204)
        self.api.fails("GET", f"/api/records/{record['id']}", code=404)

    def test_delete_missing(self) -> None:
        """If the record does not exist, then deleting it is 404."""
        self.api.fails("DELETE", "/api/records/999", code=404)

    def test_serial_bumped_once(self) -> None:
        """If a record is added over REST, then the zone serial goes up by one."""
        self.add(name="www", type="A", rdata="192.0.2.1")
        self.assertEqual(self.api.ok("GET", "/api/zones/example.com")["serial"], 2)
