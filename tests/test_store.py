# -*- test-case-name: tests.test_store -*-
"""Tests for L{dnsops.store.zones}, L{dnsops.store.records} and L{dnsops.store.config}."""

import datetime
import sqlite3

from twisted.trial.unittest import SynchronousTestCase

from dnsops.errors import Conflict, InvalidInput, NotFound
from dnsops.store import blocklist, config, db, imports, records, schema, upstreams, zones
from dnsops.zonefile.reader import ZoneRecord, read_zone
from dnsops.zonefile.writer import write_zone

SOA = "ns1.example.com admin.example.com {} 3600 900 604800 86400"


class StoreTestCase(SynchronousTestCase):
    """A fresh database file per test, with helpers that write in one transaction."""

    def setUp(self) -> None:
        self.path = self.mktemp()
        self.conn = db.connect(self.path)
        self.addCleanup(self.conn.close)

    def write(self, func, *args, **kwargs):
        """Run one store writer in its own transaction, as a CLI command does."""
        with db.transaction(self.conn):
            return func(self.conn, *args, **kwargs)

    def zone(self, name: str = "example.com", **kwargs) -> dict:
        kwargs.setdefault("ns", "ns1.example.com")
        kwargs.setdefault("admin", "admin.example.com")
        return self.write(zones.add_zone, name, **kwargs)

    def serial(self, name: str = "example.com") -> int:
        return zones.get_zone(self.conn, name)["serial"]

    def dump(self) -> list[str]:
        return list(self.conn.iterdump())

    def assertRaisesMessage(self, kind, message, func, *args, **kwargs):
        """Run C{func} in a transaction; it must raise C{kind} with exactly C{message}."""
        error = self.assertRaises(kind, self.write, func, *args, **kwargs)
        self.assertEqual(error.message, message)
        return error


class ZoneTests(StoreTestCase):
    """Zones: create, look up, list, delete."""

    def test_add_zone_creates_soa_and_apex_ns(self) -> None:
        """If a zone is added with ns and admin, then it has the manual's SOA (serial 1) and an NS."""
        zone = self.zone("Example.COM.")
        self.assertEqual((zone["name"], zone["ttl"], zone["records"], zone["serial"]),
                         ("example.com", 3600, 2, 1))
        rows, total = records.list_records(self.conn, "example.com")
        self.assertEqual([(r["name"], r["type"], r["rdata"]) for r in rows], [
            ("example.com", "SOA", SOA.format(1)),
            ("example.com", "NS", "ns1.example.com"),
        ])

    def test_add_zone_without_soa(self) -> None:
        """If neither ns nor admin is given, then the zone has no records and no serial."""
        zone = self.write(zones.add_zone, "example.org", ttl="1h")
        self.assertEqual((zone["records"], zone["serial"], zone["ttl"]), (0, None, 3600))

    def test_add_zone_twice(self) -> None:
        """If the zone exists, then adding it again is a Conflict naming it."""
        self.zone()
        self.assertRaisesMessage(Conflict, "zone 'example.com' already exists",
                                 zones.add_zone, "EXAMPLE.com.")

    def test_add_zone_ns_without_admin(self) -> None:
        """If only one of ns and admin is given, then nothing is created."""
        self.assertRaisesMessage(InvalidInput, "ns and admin must be given together",
                                 zones.add_zone, "example.com", ns="ns1.example.com")
        self.assertEqual(zones.list_zones(self.conn), [])

    def test_add_zone_bad_ttl(self) -> None:
        """If the TTL is out of range, then the zone is refused with the TTL named."""
        self.assertRaisesMessage(InvalidInput, "invalid TTL '-5'", zones.add_zone,
                                 "example.com", ttl="-5")

    def test_idn_zone_stored_as_a_label(self) -> None:
        """If a zone is given in U-labels, then it is stored as A-labels."""
        self.assertEqual(self.write(zones.add_zone, "bücher.example")["name"],
                         "xn--bcher-kva.example")

    def test_get_zone_missing(self) -> None:
        """If there is no such zone, then NotFound names it."""
        error = self.assertRaises(NotFound, zones.get_zone, self.conn, "nope.example")
        self.assertEqual(error.message, "zone 'nope.example' not found")

    def test_list_zones(self) -> None:
        """If zones exist, then they are listed by name with counts and serials."""
        self.zone("b.example")
        self.write(zones.add_zone, "a.example")
        listed = zones.list_zones(self.conn)
        self.assertEqual([(z["name"], z["records"], z["serial"]) for z in listed],
                         [("a.example", 0, None), ("b.example", 2, 1)])

    def test_delete_zone_cascades(self) -> None:
        """If a zone is deleted, then its records go with it."""
        self.zone()
        self.write(zones.delete_zone, "example.com")
        self.assertEqual(self.conn.execute("SELECT count(*) FROM records").fetchone()[0], 0)
        self.assertRaises(NotFound, zones.get_zone, self.conn, "example.com")

    def test_find_zone_for_longest_match(self) -> None:
        """If zones nest, then the deepest one holding the name is found."""
        self.write(zones.add_zone, "example.com")
        self.write(zones.add_zone, "sub.example.com")
        self.assertEqual(zones.find_zone_for(self.conn, "a.b.SUB.example.com.")["name"],
                         "sub.example.com")
        self.assertEqual(zones.find_zone_for(self.conn, "www.example.com")["name"], "example.com")
        self.assertIsNone(zones.find_zone_for(self.conn, "example.org"))


class AddRecordTests(StoreTestCase):
    """Adding records: names, defaults, conveniences, and the zone rules."""

    def setUp(self) -> None:
        super().setUp()
        self.zone(ttl=300)

    def add(self, name, rtype, rdata, **kwargs) -> dict:
        return self.write(records.add_record, "example.com", name, rtype, rdata, **kwargs)

    def test_names_relative_absolute_apex(self) -> None:
        """If names are relative, absolute or @, then each is stored absolute."""
        self.assertEqual(self.add("www", "A", "192.0.2.1")["name"], "www.example.com")
        self.assertEqual(self.add("mail.example.com", "A", "192.0.2.2")["name"],
                         "mail.example.com")
        self.assertEqual(self.add("FTP.example.com.", "A", "192.0.2.3")["name"],
                         "ftp.example.com")
        self.assertEqual(self.add("@", "A", "192.0.2.4")["name"], "example.com")

    def test_record_dict(self) -> None:
        """If a record is added, then it comes back in the contract's shape with the zone TTL."""
        record = self.add("www", "a", "192.0.2.1", geo="gb", weight="10")
        self.assertEqual(record, {
            "id": record["id"], "zone": "example.com", "name": "www.example.com", "type": "A",
            "rdata": "192.0.2.1", "ttl": 300, "weight": 10, "geo": "GB", "enabled": True,
        })

    def test_disabled_and_explicit_ttl(self) -> None:
        """If a TTL with units and enabled=False are given, then they are stored."""
        record = self.add("www", "A", "192.0.2.1", ttl="1h", enabled=False, geo="Default")
        self.assertEqual((record["ttl"], record["enabled"], record["geo"]),
                         (3600, False, "default"))

    def test_mx_priority_prepended(self) -> None:
        """If MX is given with a priority, then it is written before the exchange."""
        self.assertEqual(self.add("@", "MX", "mail.example.com", priority="10")["rdata"],
                         "10 mail.example.com")

    def test_srv_fields_prepended(self) -> None:
        """If SRV is given with priority, weight and port, then rdata is 'P W PORT target'."""
        record = self.add("_sip._tcp", "SRV", "sip.example.com", priority=10, srv_weight=60,
                          port=5060)
        self.assertEqual(record["rdata"], "10 60 5060 sip.example.com")

    def test_priority_on_a_record(self) -> None:
        """If a priority is given for an A record, then it is refused."""
        self.assertRaisesMessage(InvalidInput, "priority applies only to MX and SRV records, not A",
                                 records.add_record, "example.com", "www", "A", "192.0.2.1",
                                 priority=10)

    def test_serial_bumped_once_per_transaction(self) -> None:
        """If two records are added in one transaction, then the serial goes up by one."""
        with db.transaction(self.conn):
            records.add_record(self.conn, "example.com", "a", "A", "192.0.2.1")
            records.add_record(self.conn, "example.com", "b", "A", "192.0.2.2")
        self.assertEqual(self.serial(), 2)

    def test_date_serial(self) -> None:
        """If the serial looks like a date, then a change moves it to today's date."""
        self.conn.execute("UPDATE records SET rdata = ? WHERE type = 'SOA'",
                          (SOA.format(2020010105),))
        self.add("www", "A", "192.0.2.1")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        self.assertEqual(self.serial(), int(today.strftime("%Y%m%d")) * 100)

    def test_cname_beside_data(self) -> None:
        """If a name has data, then a CNAME there is a Conflict."""
        self.add("www", "A", "192.0.2.1")
        self.assertRaisesMessage(Conflict, "CNAME at 'www.example.com' cannot coexist with other records",
                                 records.add_record, "example.com", "www", "CNAME", "x.example.net")

    def test_data_beside_cname(self) -> None:
        """If a name has a CNAME, then other data there is a Conflict."""
        self.add("www", "CNAME", "x.example.net")
        self.assertRaisesMessage(Conflict, "CNAME at 'www.example.com' cannot coexist with other records",
                                 records.add_record, "example.com", "www", "TXT", "hello")

    def test_second_cname(self) -> None:
        """If a name has a CNAME, then a second, different CNAME is a Conflict."""
        self.add("www", "CNAME", "x.example.net")
        self.assertRaises(Conflict, self.add, "www", "CNAME", "y.example.net")

    def test_second_soa(self) -> None:
        """If the zone has an SOA, then another one is a Conflict."""
        self.assertRaisesMessage(Conflict, "zone 'example.com' already has an SOA record",
                                 records.add_record, "example.com", "@", "SOA", SOA.format(7))

    def test_soa_below_apex(self) -> None:
        """If an SOA is added below the apex, then it is refused."""
        self.assertRaisesMessage(
            InvalidInput, "SOA record at 'www.example.com' is not at the zone apex 'example.com'",
            records.add_record, "example.com", "www", "SOA", SOA.format(7))

    def test_duplicate(self) -> None:
        """If the same record is added twice, then the second is a Conflict."""
        self.add("www", "A", "192.0.2.1")
        self.assertRaisesMessage(Conflict, "record already exists", records.add_record,
                                 "example.com", "WWW.example.com.", "A", "192.0.2.1")

    def test_same_rdata_other_geo(self) -> None:
        """If the same address is added for two countries, then both are kept."""
        self.add("www", "A", "192.0.2.1", geo="US")
        self.add("www", "A", "192.0.2.1", geo="CA")
        self.assertEqual(records.list_records(self.conn, "example.com", name="www")[1], 2)

    def test_owner_outside_zone(self) -> None:
        """If an absolute owner is outside the zone, then it is refused."""
        self.assertRaisesMessage(InvalidInput, "name 'www.example.org.' is not in zone 'example.com'",
                                 records.add_record, "example.com", "www.example.org.", "A",
                                 "192.0.2.1")

    def test_bad_values(self) -> None:
        """If weight, geo or TTL are out of range, then each is refused naming the value."""
        for kwargs, message in [
            ({"weight": "65536"}, "invalid weight '65536': expected 0 to 65535"),
            ({"weight": "-1"}, "invalid weight '-1': expected 0 to 65535"),
            ({"geo": "USA"}, "invalid geo 'USA': expected a two-letter country code or default"),
            ({"ttl": "2147483648"}, "invalid TTL '2147483648': expected 0 to 2147483647"),
        ]:
            self.assertRaisesMessage(InvalidInput, message, records.add_record, "example.com",
                                     "www", "A", "192.0.2.1", **kwargs)

    def test_failed_transaction_changes_nothing(self) -> None:
        """If a second write in a transaction fails, then the first is rolled back too."""
        before = self.dump()
        with self.assertRaises(Conflict):
            with db.transaction(self.conn):
                records.add_record(self.conn, "example.com", "www", "A", "192.0.2.1")
                records.add_record(self.conn, "example.com", "www", "CNAME", "x.example.net")
        self.assertEqual(self.dump(), before)


class ChangeRecordTests(StoreTestCase):
    """Listing, updating and deleting records."""

    def setUp(self) -> None:
        super().setUp()
        self.zone()
        self.www = self.write(records.add_record, "example.com", "www", "A", "192.0.2.1")
        self.write(records.add_record, "example.com", "www", "AAAA", "2001:DB8::1")
        self.write(records.add_record, "example.com", "ftp", "A", "192.0.2.9")

    def test_list_filters_and_pages(self) -> None:
        """If a name, type, limit and offset are given, then only that page is listed, with the total."""
        rows, total = records.list_records(self.conn, "example.com", name="www")
        self.assertEqual((total, [r["type"] for r in rows]), (2, ["A", "AAAA"]))
        rows, total = records.list_records(self.conn, "example.com", rtype="a")
        self.assertEqual(total, 2)
        rows, total = records.list_records(self.conn, "example.com", limit=2, offset=1)
        self.assertEqual((total, len(rows), rows[0]["type"]), (5, 2, "NS"))

    def test_update(self) -> None:
        """If fields are updated, then they change, rdata is canonical, and the serial goes up."""
        serial = self.serial()
        record = self.write(records.update_record, self.www["id"], rdata="192.0.2.7", ttl="60",
                            weight=5, geo="de", enabled=False)
        self.assertEqual(
            (record["rdata"], record["ttl"], record["weight"], record["geo"], record["enabled"]),
            ("192.0.2.7", 60, 5, "DE", False))
        self.assertEqual(self.serial(), serial + 1)

    def test_update_to_duplicate(self) -> None:
        """If an update would make two identical records, then it is a Conflict."""
        other = self.write(records.add_record, "example.com", "www", "A", "192.0.2.2")
        self.assertRaisesMessage(Conflict, "record already exists", records.update_record,
                                 other["id"], rdata="192.0.2.1")

    def test_update_bad_rdata(self) -> None:
        """If the new rdata does not parse for the record's type, then it is refused."""
        self.assertRaises(InvalidInput, self.write, records.update_record, self.www["id"],
                          rdata="999.1.1.1")

    def test_delete(self) -> None:
        """If a record is deleted, then it is gone and the serial goes up."""
        serial = self.serial()
        self.write(records.delete_record, str(self.www["id"]))
        self.assertRaises(NotFound, records.get_record, self.conn, self.www["id"])
        self.assertEqual(self.serial(), serial + 1)

    def test_delete_missing(self) -> None:
        """If there is no such record, then NotFound names its id."""
        self.assertRaisesMessage(NotFound, "record 42 not found", records.delete_record, 42)

    def test_bad_id(self) -> None:
        """If the id is not a number, then it is refused as an id."""
        self.assertRaisesMessage(InvalidInput, "invalid record id 'x1'", records.delete_record, "x1")


class ImportTests(StoreTestCase):
    """L{imports.replace_records}: merge, replace, serial rule and zone rules."""

    def rec(self, name, rtype, rdata, ttl=300) -> ZoneRecord:
        return ZoneRecord(name, rtype, ttl, rdata)

    def test_creates_zone_and_keeps_serial(self) -> None:
        """If the zone is new, then it is created and the file's serial is kept."""
        result = self.write(imports.replace_records, "example.net", [
            self.rec("example.net", "SOA", SOA.format(55)),
            self.rec("www.example.net", "A", "192.0.2.1"),
        ])
        self.assertEqual((result["created"], result["added"]), (True, 2))
        self.assertEqual(self.serial("example.net"), 55)

    def test_serial_not_greater_becomes_current_plus_one(self) -> None:
        """If the file's serial is not above the zone's, then it becomes the zone's + 1."""
        self.zone()
        self.conn.execute("UPDATE records SET rdata = ? WHERE type = 'SOA'", (SOA.format(10),))
        self.write(imports.replace_records, "example.com",
                   [self.rec("example.com", "SOA", SOA.format(10))], replace=True)
        self.assertEqual(self.serial(), 11)

    def test_serial_greater_kept(self) -> None:
        """If the file's serial is above the zone's, then it is kept as is (not bumped again)."""
        self.zone()
        self.write(imports.replace_records, "example.com",
                   [self.rec("example.com", "SOA", SOA.format(2024010100))], replace=True)
        self.assertEqual(self.serial(), 2024010100)

    def test_merge_skips_duplicates_and_bumps_once(self) -> None:
        """If records are merged, then duplicates are skipped and the serial goes up once."""
        self.zone()
        self.write(records.add_record, "example.com", "www", "A", "192.0.2.1")
        serial = self.serial()
        result = self.write(imports.replace_records, "example.com", [
            self.rec("www.example.com", "A", "192.0.2.1"),
            self.rec("www.example.com", "A", "192.0.2.2"),
            self.rec("www.example.com", "A", "192.0.2.2"),
            self.rec("ftp.example.com", "A", "192.0.2.3"),
        ])
        self.assertEqual((result["added"], result["duplicates"], result["deleted"]), (2, 2, 0))
        self.assertEqual(self.serial(), serial + 1)
        self.assertEqual(zones.get_zone(self.conn, "example.com")["records"], 5)

    def test_replace_without_soa_keeps_soa(self) -> None:
        """If --replace imports a file without SOA, then all but the SOA is replaced."""
        self.zone()
        result = self.write(imports.replace_records, "example.com",
                            [self.rec("www.example.com", "A", "192.0.2.1")], replace=True)
        self.assertEqual(result["deleted"], 1)
        rows, _ = records.list_records(self.conn, "example.com")
        self.assertEqual([r["type"] for r in rows], ["SOA", "A"])
        self.assertEqual(self.serial(), 2)

    def test_rules_checked(self) -> None:
        """If the file breaks a zone rule, then the import is refused and nothing changes."""
        self.zone()
        before = self.dump()
        cases = [
            ([self.rec("www.example.org", "A", "192.0.2.1")], InvalidInput,
             "name 'www.example.org' is not in zone 'example.com'"),
            ([self.rec("www.example.com", "SOA", SOA.format(3))], InvalidInput,
             "SOA record at 'www.example.com' is not at the zone apex 'example.com'"),
            ([self.rec("www.example.com", "A", "192.0.2.1"),
              self.rec("www.example.com", "CNAME", "x.example.net")], Conflict,
             "CNAME at 'www.example.com' cannot coexist with other records"),
            ([self.rec("example.com", "CNAME", "x.example.net")], Conflict,
             "CNAME at 'example.com' cannot coexist with other records"),
            ([self.rec("example.com", "SOA", SOA.format(3)),
              self.rec("example.com", "SOA", SOA.format(4))], Conflict,
             "zone 'example.com' has more than one SOA record"),
        ]
        for zone_records, kind, message in cases:
            self.assertRaisesMessage(kind, message, imports.replace_records, "example.com",
                                     zone_records)
        self.assertEqual(self.dump(), before)


class ImportRoutingTests(StoreTestCase):
    """Weight, geo and disabled records through export and import."""

    def table(self) -> list[tuple]:
        rows, _ = records.list_records(self.conn, "example.com")
        return sorted((r["name"], r["type"], r["rdata"], r["ttl"], r["weight"], r["geo"],
                       r["enabled"]) for r in rows if r["type"] != "SOA")

    def test_export_replace_keeps_routing(self) -> None:
        """If a zone is exported and imported with replace, then weight, geo and disabled records are kept."""
        self.zone()
        self.write(records.add_record, "example.com", "www", "A", "192.0.2.1", weight=90, geo="us")
        self.write(records.add_record, "example.com", "www", "A", "192.0.2.1", geo="default")
        self.write(records.add_record, "example.com", "www", "A", "192.0.2.9", enabled=False)
        self.write(records.add_record, "example.com", "t", "TXT", "x", weight=3, geo="GB",
                   enabled=False)
        before = self.table()
        rows, _ = records.list_records(self.conn, "example.com")
        parsed = read_zone(write_zone("example.com", rows), "example.com")
        result = self.write(imports.replace_records, "example.com", parsed, replace=True)
        self.assertEqual((result["added"], result["duplicates"]), (6, 0))
        self.assertEqual(self.table(), before)
        self.assertIn(("www.example.com", "A", "192.0.2.1", 3600, 90, "US", True), before)

    def test_geo_tag_distinguishes_duplicates(self) -> None:
        """If a merged record differs from an existing one only in its geo tag, then it is added, else skipped."""
        self.zone()
        self.write(records.add_record, "example.com", "www", "A", "192.0.2.1", geo="US")
        result = self.write(imports.replace_records, "example.com", [
            ZoneRecord("www.example.com", "A", 300, "192.0.2.1", geo="us"),
            ZoneRecord("www.example.com", "A", 300, "192.0.2.1", geo="GB"),
            ZoneRecord("www.example.com", "A", 300, "192.0.2.1"),
        ])
        self.assertEqual((result["added"], result["duplicates"]), (2, 1))

    def test_values_checked_like_the_cli(self) -> None:
        """If a file gives a weight or geo the CLI would refuse, then the error names the record's file and line."""
        self.zone()
        before = self.dump()
        for record, message in [
            (ZoneRecord("a.example.com", "A", 60, "192.0.2.1", "65536", where="f:3"),
             "f:3: invalid weight '65536': expected 0 to 65535"),
            (ZoneRecord("a.example.com", "A", 60, "192.0.2.1", "-1", where="f:4"),
             "f:4: invalid weight '-1': expected 0 to 65535"),
            (ZoneRecord("a.example.com", "A", 60, "192.0.2.1", geo="XX", where="f:5"),
             "f:5: invalid geo 'XX': expected a two-letter country code or default"),
            (ZoneRecord("a.example.com", "A", 60, "192.0.2.1", geo="XX"),
             "invalid geo 'XX': expected a two-letter country code or default"),
        ]:
            self.assertRaisesMessage(InvalidInput, message, imports.replace_records,
                                     "example.com", [record])
        self.assertEqual(self.dump(), before)


#: A version-1 database's tables, for the migration tests; (table, columns) in V1 order.
V1_ROWS = {
    "zones": [(1, "example.com", 3600, "2024-01-01T00:00:00Z", 3),
              (2, "example.org", 3600, "2024-01-01T00:00:00Z", 1)],
    "records": [(1, 1, "example.com", "SOA", 3600, SOA.format(5), 0, None, 1),
                (2, 1, "www.example.com", "A", 300, "192.0.2.1", 90, "US", 1),
                (3, 1, "www.example.com", "A", 300, "192.0.2.2", 0, None, 0),
                (5, 2, "a.example.org", "A", 300, "192.0.2.5", 0, "default", 1)],
    "upstreams": [(1, "8.8.8.8", 53, 0, "2024-01-01T00:00:00Z"),
                  (4, "192.0.2.53", 5353, 1, "2024-01-01T00:00:00Z")],
    "blocklist_sources": [(1, "https://lists.example.com/a.txt", 86400, "zero", 2, None, None,
                           "2024-01-01T00:00:00Z"),
                          (2, "https://lists.example.com/b.txt", 3600, "nxdomain", 1, None, None,
                           "2024-01-01T00:00:00Z")],
    "blocklist": [("ads.example.net", "zero", 1, "2024-01-01T00:00:00Z"),
                  ("*.track.example.net", "zero", 1, "2024-01-01T00:00:00Z"),
                  ("bad.example.net", "nxdomain", 2, "2024-01-01T00:00:00Z"),
                  ("mine.example.net", "zero", None, "2024-01-01T00:00:00Z")],
}


class MigrationTests(SynchronousTestCase):
    """Schema version 2: the same rows, and ids that are never handed out twice."""

    def v1_database(self, rows: dict = V1_ROWS, foreign_keys: bool = True) -> str:
        """A database file built with the V1 DDL and holding C{rows}; returns its path."""
        path = self.mktemp()
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            conn.executescript(schema.V1)
            for table, values in rows.items():
                marks = ", ".join("?" * len(values[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            conn.execute("PRAGMA user_version = 1")
        finally:
            conn.close()
        return path

    def open(self, path: str) -> db.Connection:
        conn = db.connect(path)
        self.addCleanup(conn.close)
        return conn

    def test_rows_kept(self) -> None:
        """If a v1 database is opened, then it is at v2 with every row, index and foreign key."""
        conn = self.open(self.v1_database())
        self.assertEqual(conn.execute("PRAGMA user_version").fetchone()[0], 2)
        self.assertEqual(conn.execute("PRAGMA foreign_keys").fetchone()[0], 1)
        for table, values in V1_ROWS.items():
            got = [tuple(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            self.assertEqual(got, values, table)
        indexes = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        self.assertEqual(indexes, {"records_zone_name", "blocklist_source"})
        self.assertEqual(len(conn.execute("PRAGMA foreign_key_check").fetchall()), 0)
        with db.transaction(conn):
            zones.delete_zone(conn, "example.org")
            conn.execute("DELETE FROM blocklist_sources WHERE id = 1")
        self.assertEqual([row[0] for row in conn.execute("SELECT id FROM records ORDER BY id")],
                         [1, 2, 3])
        self.assertEqual([row[0] for row in conn.execute("SELECT domain FROM blocklist")],
                         ["bad.example.net", "mine.example.net"])
        self.assertRaises(sqlite3.IntegrityError, conn.execute,
                          "INSERT INTO records (zone_id, name, type, ttl, rdata)"
                          " VALUES (99, 'x', 'A', 1, '192.0.2.1')")

    def test_ids_not_reused_after_migration(self) -> None:
        """If the row with the highest id is deleted after the migration, then the next one gets a new id."""
        conn = self.open(self.v1_database())
        with db.transaction(conn):
            records.delete_record(conn, 5)
            upstreams.delete_upstream(conn, 4)
            blocklist.delete_source(conn, 2)
        with db.transaction(conn):
            record = records.add_record(conn, "example.com", "new", "A", "192.0.2.7")
            upstream = upstreams.add_upstream(conn, "192.0.2.54")
            source = blocklist.add_source(conn, "https://lists.example.com/c.txt")
        self.assertEqual((record["id"], upstream["id"], source["id"]), (6, 5, 3))

    def test_new_database_never_reuses_ids(self) -> None:
        """If a new database deletes its newest record, then the next record gets a new id."""
        conn = self.open(self.mktemp())
        with db.transaction(conn):
            zones.add_zone(conn, "example.com")
            first = records.add_record(conn, "example.com", "a", "A", "192.0.2.1")
            records.delete_record(conn, first["id"])
            second = records.add_record(conn, "example.com", "a", "A", "192.0.2.1")
        self.assertEqual(second["id"], first["id"] + 1)
        self.assertEqual(conn.execute("PRAGMA user_version").fetchone()[0], schema.SCHEMA_VERSION)

    def test_broken_foreign_key_rolls_back(self) -> None:
        """If a v1 database holds a record of a missing zone, then the migration refuses and leaves it at v1."""
        rows = dict(V1_ROWS, records=V1_ROWS["records"] + [
            (9, 42, "x.example.net", "A", 300, "192.0.2.9", 0, None, 1)])
        path = self.v1_database(rows, foreign_keys=False)
        error = self.assertRaises(sqlite3.IntegrityError, db.connect, path)
        self.assertEqual(str(error), "schema migration broke a foreign key of table 'records'")
        conn = sqlite3.connect(path)
        self.addCleanup(conn.close)
        self.assertEqual(conn.execute("PRAGMA user_version").fetchone()[0], 1)
        self.assertNotIn("AUTOINCREMENT", conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()[0])


class ConfigTests(StoreTestCase):
    """The config table over the defaults."""

    def test_default_then_set(self) -> None:
        """If a key is set, then get returns it instead of the default."""
        self.assertEqual(config.get(self.conn, "edns_udp_size"), "1232")
        self.write(config.set, "edns_udp_size", "4096")
        self.write(config.set, "edns_udp_size", "1400")
        self.assertEqual(config.get(self.conn, "edns_udp_size"), "1400")
        self.assertEqual(config.all(self.conn)["edns_udp_size"], "1400")
        self.assertEqual(config.all(self.conn)["rate_limit_burst"], "60")

    def test_bad_value(self) -> None:
        """If a value does not parse for its key, then nothing is stored."""
        self.assertRaisesMessage(InvalidInput,
                                 "invalid value 'big' for edns_udp_size: expected an integer",
                                 config.set, "edns_udp_size", "big")
        self.assertEqual(self.conn.execute("SELECT count(*) FROM config").fetchone()[0], 0)

    def test_unknown_key(self) -> None:
        """If the key is unknown, then the error lists the known keys."""
        error = self.assertRaises(InvalidInput, config.get, self.conn, "nope")
        self.assertTrue(error.message.startswith("unknown config key 'nope' (known keys: "))
