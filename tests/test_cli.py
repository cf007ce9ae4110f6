# -*- test-case-name: tests.test_cli -*-
"""
Tests for the zone, record, zone-file and config commands of L{dnsops.cli}.

Each test runs C{python -m dnsops} as a real subprocess in a temporary working directory, as a
person or script would, so argument parsing, exit status and stderr are what users see.
"""

import datetime
import json
import os
import pty
import sqlite3
import subprocess
import sys

from twisted.trial.unittest import SynchronousTestCase

from dnsops.config import KEYS
from dnsops.store import db, records, zones

SOA = "ns1.example.com admin.example.com {} 3600 900 604800 86400"
TYPES = "A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, CAA, PTR, SPF, NAPTR"


class CommandTestCase(SynchronousTestCase):
    """
    A temporary working directory with a database holding C{example.com}: SOA (id 1), NS (2),
    C{www} A 192.0.2.1 (3) and C{alias} CNAME C{www.example.com} (4).
    """

    def setUp(self) -> None:
        self.cwd = os.path.abspath(self.mktemp())
        os.makedirs(self.cwd)
        self.db = os.path.join(self.cwd, "test.db")
        conn = db.connect(self.db)
        with db.transaction(conn):
            zones.add_zone(conn, "example.com", ns="ns1.example.com", admin="admin.example.com")
            records.add_record(conn, "example.com", "www", "A", "192.0.2.1")
            records.add_record(conn, "example.com", "alias", "CNAME", "www.example.com")
        conn.close()

    def dnsops(self, *args: str, stdin: bytes | str = b"", env: dict | None = None,
               db_arg: bool = True) -> tuple[int, str, str]:
        """Run one command; return its exit status, stdout and stderr."""
        environ = {k: v for k, v in os.environ.items() if k != "DNSOPS_DB"}
        environ.update(env or {})
        argv = [sys.executable, "-m", "dnsops", *args] + (["--db", self.db] if db_arg else [])
        done = subprocess.run(
            argv, cwd=self.cwd, env=environ, capture_output=True, timeout=60,
            input=stdin.encode() if isinstance(stdin, str) else stdin,
        )
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    def ok(self, *args: str, **kwargs) -> str:
        """Run a command that must succeed quietly on stderr; return its stdout."""
        status, out, err = self.dnsops(*args, **kwargs)
        self.assertEqual((status, err), (0, ""), out)
        return out

    def dump(self, path: str | None = None) -> list[str]:
        """Every table's rows, as SQL text: equal dumps mean an unchanged database."""
        conn = sqlite3.connect(path or self.db)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    def serial(self, zone: str = "example.com") -> int:
        conn = db.connect(self.db)
        try:
            return zones.get_zone(conn, zone)["serial"]
        finally:
            conn.close()

    def set_serial(self, serial: int) -> None:
        conn = sqlite3.connect(self.db)
        with conn:
            conn.execute("UPDATE records SET rdata = ? WHERE type = 'SOA'", (SOA.format(serial),))
        conn.close()


#: (test name, arguments, stdin, the exact stderr line).
BAD_INPUT = [
    ("bad_ipv4", ["add-record", "example.com", "www", "A", "999.1.1.1"], "",
     "error: invalid IPv4 address '999.1.1.1' for A record"),
    ("bad_ipv6", ["add-record", "example.com", "www", "AAAA", "2001:db8::zz"], "",
     "error: invalid IPv6 address '2001:db8::zz' for AAAA record"),
    ("unknown_type", ["add-record", "example.com", "www", "BOGUS", "x"], "",
     f"error: unsupported record type 'BOGUS' (supported: {TYPES})"),
    ("missing_zone", ["add-record", "nope.example", "www", "A", "192.0.2.1"], "",
     "error: zone 'nope.example' not found"),
    ("owner_outside_zone", ["add-record", "example.com", "www.example.org.", "A", "192.0.2.1"], "",
     "error: name 'www.example.org.' is not in zone 'example.com'"),
    ("ttl_too_big", ["add-record", "example.com", "x", "A", "192.0.2.5", "--ttl", "2147483648"], "",
     "error: invalid TTL '2147483648': expected 0 to 2147483647"),
    ("ttl_not_a_ttl", ["add-record", "example.com", "x", "A", "192.0.2.5", "--ttl", "abc"], "",
     "error: invalid TTL 'abc'"),
    ("weight_too_big", ["add-record", "example.com", "x", "A", "192.0.2.5", "--weight", "65536"], "",
     "error: invalid weight '65536': expected 0 to 65535"),
    ("weight_negative", ["add-record", "example.com", "x", "A", "192.0.2.5", "--weight", "-1"], "",
     "error: invalid weight '-1': expected 0 to 65535"),
    ("geo_three_letters", ["add-record", "example.com", "x", "A", "192.0.2.5", "--geo", "USA"], "",
     "error: invalid geo 'USA': expected a two-letter country code or default"),
    ("geo_digit", ["add-record", "example.com", "x", "A", "192.0.2.5", "--geo", "1a"], "",
     "error: invalid geo '1a': expected a two-letter country code or default"),
    ("cname_beside_data", ["add-record", "example.com", "www", "CNAME", "x.example.net"], "",
     "error: CNAME at 'www.example.com' cannot coexist with other records"),
    ("data_beside_cname", ["add-record", "example.com", "alias", "TXT", "hello"], "",
     "error: CNAME at 'alias.example.com' cannot coexist with other records"),
    ("duplicate", ["add-record", "example.com", "WWW.example.com.", "A", "192.0.2.1"], "",
     "error: record already exists"),
    ("second_soa", ["add-record", "example.com", "@", "SOA", SOA.format(9)], "",
     "error: zone 'example.com' already has an SOA record"),
    ("soa_below_apex", ["add-record", "example.com", "www", "SOA", SOA.format(9)], "",
     "error: SOA record at 'www.example.com' is not at the zone apex 'example.com'"),
    ("priority_on_a", ["add-record", "example.com", "x", "A", "192.0.2.5", "--priority", "10"], "",
     "error: priority applies only to MX and SRV records, not A"),
    ("srv_without_port", ["add-record", "example.com", "_sip._tcp", "SRV", "sip.example.com",
                          "--priority", "10"], "",
     "error: SRV records need both priority and port"),
    ("mx_bad_priority", ["add-record", "example.com", "@", "MX", "mail.example.com",
                         "--priority", "x"], "",
     "error: invalid priority 'x' for MX record: expected 0 to 65535"),
    ("srv_bad_port", ["add-record", "example.com", "_s._tcp", "SRV", "x.example.com",
                      "--priority", "1", "--weight", "2", "--port", "70000"], "",
     "error: invalid port '70000' for SRV record: expected 0 to 65535"),
    ("txt_string_too_long", ["add-record", "example.com", "t", "TXT", '"' + "a" * 300 + '"'], "",
     "error: TXT string longer than 255 bytes"),
    ("owner_empty_label", ["add-record", "example.com", "bad..name", "A", "192.0.2.1"], "",
     "error: invalid name 'bad..name': empty label"),
    ("owner_inner_wildcard", ["add-record", "example.com", "*.x.*", "A", "192.0.2.1"], "",
     "error: invalid name '*.x.*': '*' is only allowed as the leftmost label"),
    ("ns_bad_target", ["add-record", "example.com", "sub", "NS", "ns1..example.com"], "",
     "error: invalid name 'ns1..example.com' for NS record: empty label"),
    ("missing_command", [], "", "error: the following arguments are required: COMMAND"),
    ("missing_rdata", ["add-record", "example.com", "www", "A"], "",
     "error: the following arguments are required: RDATA"),
    ("zone_exists", ["add-zone", "EXAMPLE.com."], "",
     "error: zone 'example.com' already exists"),
    ("zone_ns_without_admin", ["add-zone", "example.org", "--ns", "ns1.example.org"], "",
     "error: ns and admin must be given together"),
    ("zone_bad_ttl", ["add-zone", "example.org", "--ttl", "1x"], "",
     "error: invalid TTL '1x'"),
    ("zone_root", ["add-zone", "."], "",
     "error: invalid zone name '.': the root zone is not served"),
    ("zone_admin_not_a_name", ["add-zone", "example.org", "--ns", "ns1.example.org",
                               "--admin", "host master"], "",
     "error: invalid name 'host master': contains a space"),
    ("zone_name_with_space", ["add-zone", "bad name.example"], "",
     "error: invalid name 'bad name.example': contains a space"),
    ("delete_missing_zone", ["delete-zone", "nope.example"], "",
     "error: zone 'nope.example' not found"),
    ("delete_missing_record", ["delete-record", "42"], "",
     "error: record 42 not found"),
    ("delete_bad_id", ["delete-record", "abc"], "",
     "error: invalid record id 'abc'"),
    ("update_missing_record", ["update-record", "42", "--ttl", "5"], "",
     "error: record 42 not found"),
    ("update_bad_rdata", ["update-record", "3", "--rdata", "300.1.1.1"], "",
     "error: invalid IPv4 address '300.1.1.1' for A record"),
    ("update_bad_weight", ["update-record", "3", "--weight", "70000"], "",
     "error: invalid weight '70000': expected 0 to 65535"),
    ("update_bad_geo", ["update-record", "3", "--geo", "Germany"], "",
     "error: invalid geo 'Germany': expected a two-letter country code or default"),
    ("update_enabled_and_disabled", ["update-record", "3", "--enabled", "--disabled"], "",
     "error: argument --disabled: not allowed with argument --enabled"),
    ("unknown_config_key", ["set-config", "nope", "1"], "",
     f"error: unknown config key 'nope' (known keys: {', '.join(sorted(KEYS))})"),
    ("config_out_of_range", ["set-config", "edns_udp_size", "100"], "",
     "error: invalid value '100' for edns_udp_size: expected 512 to 65535"),
    ("config_bad_cidr", ["set-config", "allow_recursion", "10.0.0.0/33"], "",
     "error: invalid CIDR '10.0.0.0/33' in allow_recursion"),
    ("get_unknown_config_key", ["get-config", "nope"], "",
     f"error: unknown config key 'nope' (known keys: {', '.join(sorted(KEYS))})"),
    ("import_bad_line", ["import-zone", "example.com", "-"], "$ORIGIN example.com.\nx IN A 1.2.3\n",
     "error: -:2: invalid IPv4 address '1.2.3' for A record"),
    ("import_outside_zone", ["import-zone", "example.com", "-"], "www.example.org. IN A 192.0.2.1\n",
     "error: -:1: name 'www.example.org' is not in zone 'example.com'"),
    ("import_cname_conflict", ["import-zone", "example.com", "-"],
     "www IN CNAME x.example.net.\nnew 300 IN A 192.0.2.7\n",
     "error: CNAME at 'www.example.com' cannot coexist with other records"),
    ("import_not_utf8", ["import-zone", "example.com", "-"], b"\xff\xfe x IN A 192.0.2.1\n",
     "error: zone file '-' is not UTF-8 text"),
    ("import_missing_file", ["import-zone", "example.com", "missing.zone"], "",
     "error: cannot read zone file 'missing.zone': No such file or directory"),
    ("export_missing_zone", ["export-zone", "nope.example"], "",
     "error: zone 'nope.example' not found"),
    ("list_missing_zone", ["list-records", "nope.example"], "",
     "error: zone 'nope.example' not found"),
    ("list_bad_type", ["list-records", "example.com", "--type", "BOGUS"], "",
     f"error: unsupported record type 'BOGUS' (supported: {TYPES})"),
]


class BadInputTests(CommandTestCase):
    """Each bad input gives one C{error:} line, exit status 1, no traceback, no change."""

    def check_bad_input(self, args: list[str], stdin, message: str) -> None:
        before = self.dump()
        status, out, err = self.dnsops(*args, stdin=stdin)
        self.assertNotIn("Traceback", out + err)
        self.assertEqual((status, out, err), (1, "", message + "\n"))
        self.assertEqual(self.dump(), before)

    def test_not_a_database(self) -> None:
        """If --db names a file that is not SQLite, then one error line and no change."""
        junk = os.path.join(self.cwd, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"junk\n" * 100)
        status, out, err = self.dnsops("list-zones", "--db", junk, db_arg=False)
        self.assertEqual((status, out, err), (1, "", "error: database: file is not a database\n"))
        with open(junk, "rb") as f:
            self.assertEqual(f.read(), b"junk\n" * 100)


def _bad_input_test(args, stdin, message):
    def test(self) -> None:
        self.check_bad_input(args, stdin, message)

    test.__doc__ = f"If the input is {' '.join(args)!r}, then {message!r} and nothing changes."
    return test


for _name, _args, _stdin, _message in BAD_INPUT:
    setattr(BadInputTests, f"test_{_name}", _bad_input_test(_args, _stdin, _message))


class DatabaseOptionTests(CommandTestCase):
    """Where the database is: --db before or after the command, $DNSOPS_DB, else ./dns.db."""

    def test_db_after_command(self) -> None:
        """If --db follows the command, then that database is used."""
        self.assertEqual(self.ok("add-zone", "example.org", "--db", self.db, db_arg=False),
                         "example.org\n")
        self.assertIn("example.org", self.ok("list-zones"))
        self.assertFalse(os.path.exists(os.path.join(self.cwd, "dns.db")))

    def test_db_before_command(self) -> None:
        """If --db comes before the command, then that database is used."""
        self.ok("--db", self.db, "add-zone", "example.org", db_arg=False)
        self.assertIn("example.org", self.ok("list-zones"))
        self.assertFalse(os.path.exists(os.path.join(self.cwd, "dns.db")))

    def test_environment(self) -> None:
        """If DNSOPS_DB is set and --db is not given, then DNSOPS_DB is used."""
        self.ok("add-zone", "example.org", env={"DNSOPS_DB": self.db}, db_arg=False)
        self.assertIn("example.org", self.ok("list-zones"))

    def test_default_in_working_directory(self) -> None:
        """If neither --db nor DNSOPS_DB is given, then dns.db in the working directory is used."""
        self.ok("add-zone", "example.org", db_arg=False)
        self.assertIn("example.org", self.dnsops("list-zones", db_arg=False)[1])
        self.assertNotIn("example.org", self.ok("list-zones"))


class CommandTests(CommandTestCase):
    """What the commands print and store when the input is good."""

    def test_add_record_prints_id(self) -> None:
        """If a record is added, then its id is printed and the serial goes up by one."""
        self.assertEqual(self.ok("add-record", "example.com", "ftp", "A", "192.0.2.9"), "5\n")
        self.assertEqual(self.serial(), 2)

    def test_mx_and_srv_conveniences(self) -> None:
        """If MX/SRV are added with --priority/--weight/--port, then the fields are prepended."""
        self.ok("add-record", "example.com", "@", "MX", "mail.example.com", "--priority", "10")
        self.ok("add-record", "example.com", "_sip._tcp", "SRV", "sip.example.com",
                "--priority", "10", "--weight", "60", "--port", "5060")
        rows = json.loads(self.ok("list-records", "example.com", "--json"))
        found = {(r["type"], r["rdata"], r["weight"]) for r in rows}
        self.assertIn(("MX", "10 mail.example.com", 0), found)
        self.assertIn(("SRV", "10 60 5060 sip.example.com", 0), found)

    def test_list_records_json_and_filters(self) -> None:
        """If --json and filters are given, then the matching records parse as JSON objects."""
        rows = json.loads(self.ok("list-records", "example.com", "--name", "www", "--type", "a",
                                  "--json"))
        self.assertEqual(rows, [{
            "id": 3, "zone": "example.com", "name": "www.example.com", "type": "A",
            "rdata": "192.0.2.1", "ttl": 3600, "weight": 0, "geo": None, "enabled": True,
        }])

    def test_list_records_table(self) -> None:
        """If listed for people, then the table has the contract's columns in order."""
        lines = self.ok("list-records", "example.com").splitlines()
        self.assertEqual(lines[0].split(),
                         ["id", "name", "type", "ttl", "rdata", "weight", "geo", "enabled"])
        self.assertEqual(lines[3].split(),
                         ["3", "www.example.com", "A", "3600", "192.0.2.1", "0", "-", "yes"])

    def test_list_zones_json(self) -> None:
        """If zones are listed with --json, then each has its count and serial."""
        listed = json.loads(self.ok("list-zones", "--json"))
        self.assertEqual([(z["name"], z["records"], z["serial"]) for z in listed],
                         [("example.com", 4, 1)])

    def test_update_and_delete(self) -> None:
        """If a record is updated and then deleted, then each change bumps the serial once."""
        out = self.ok("update-record", "3", "--rdata", "192.0.2.8", "--geo", "de", "--disabled",
                      "--json")
        self.assertEqual([(r["rdata"], r["geo"], r["enabled"]) for r in json.loads(out)],
                         [("192.0.2.8", "DE", False)])
        self.assertEqual(self.serial(), 2)
        self.ok("delete-record", "3")
        self.assertEqual(self.serial(), 3)

    def test_delete_zone(self) -> None:
        """If a zone is deleted, then its records are gone too."""
        self.ok("delete-zone", "example.com")
        self.assertEqual(json.loads(self.ok("list-zones", "--json")), [])
        conn = sqlite3.connect(self.db)
        self.assertEqual(conn.execute("SELECT count(*) FROM records").fetchone()[0], 0)
        conn.close()

    def test_date_serial(self) -> None:
        """If the serial looks like a date, then a change sets it to today's date with nn 00."""
        self.set_serial(2020010107)
        self.ok("add-record", "example.com", "ftp", "A", "192.0.2.9")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        self.assertEqual(self.serial(), int(today.strftime("%Y%m%d")) * 100)

    def test_config(self) -> None:
        """If a secret is set, then list-config masks it and get-config prints it."""
        self.ok("set-config", "api_token", "s3cret")
        self.assertEqual(self.ok("get-config", "api_token"), "s3cret\n")
        self.assertEqual(json.loads(self.ok("get-config", "api_token", "--json")),
                         {"key": "api_token", "value": "s3cret"})
        listed = {row["key"]: row for row in json.loads(self.ok("list-config", "--json"))}
        self.assertEqual(listed["api_token"]["value"], "********")
        self.assertEqual(listed["edns_udp_size"]["value"], "1232")
        self.assertEqual(set(listed), set(KEYS))
        self.assertNotIn("s3cret", self.ok("list-config"))


ZONE_FILE = """\
$ORIGIN example.com.
$TTL 300
@       IN SOA ns1 admin {serial} 3600 900 604800 86400
@       IN NS  ns1
www     IN A   192.0.2.1
www     IN A   192.0.2.2
mail    IN A   192.0.2.3
@       IN MX  10 mail
txt     IN TXT "v=spf1 mx -all"
"""


class ZoneFileTests(CommandTestCase):
    """import-zone and export-zone."""

    def test_import_merges_and_bumps_once(self) -> None:
        """If several records are imported without an SOA, then the serial goes up once."""
        out = self.ok("import-zone", "example.com", "-",
                      stdin="a IN A 192.0.2.5\nb IN A 192.0.2.6\nc IN TXT hi\nwww IN A 192.0.2.1\n")
        self.assertEqual(out, "example.com: 3 added, 1 duplicate, 0 deleted, serial 2\n")
        self.assertEqual(self.serial(), 2)

    def test_import_serial_kept_when_greater(self) -> None:
        """If the file's SOA serial is greater, then it is kept as it is."""
        self.ok("import-zone", "example.com", "-", "--replace",
                stdin=ZONE_FILE.format(serial=2024010101))
        self.assertEqual(self.serial(), 2024010101)

    def test_import_serial_not_greater(self) -> None:
        """If the file's SOA serial is not greater, then it becomes the current serial + 1."""
        self.set_serial(500)
        out = self.ok("import-zone", "example.com", "-", "--replace", "--json",
                      stdin=ZONE_FILE.format(serial=7))
        self.assertEqual(json.loads(out), {"zone": "example.com", "created": False, "added": 7,
                                           "duplicates": 0, "deleted": 4, "serial": 501})

    def test_import_creates_zone_from_file(self) -> None:
        """If the zone does not exist, then import-zone creates it from a file path."""
        path = os.path.join(self.cwd, "example.net.zone")
        with open(path, "w") as f:
            f.write(ZONE_FILE.replace("example.com", "example.net").format(serial=3))
        self.ok("import-zone", "example.net", path)
        self.assertEqual(self.serial("example.net"), 3)

    def test_export_import_round_trip(self) -> None:
        """If a zone is exported and imported elsewhere, then exporting it again gives the same text."""
        self.ok("import-zone", "example.com", "-", "--replace", stdin=ZONE_FILE.format(serial=9))
        exported = self.ok("export-zone", "example.com")
        self.assertIn("www", exported)
        other = os.path.join(self.cwd, "other.db")
        self.ok("import-zone", "example.com", "-", "--db", other, stdin=exported, db_arg=False)
        self.assertEqual(self.ok("export-zone", "example.com", "--db", other, db_arg=False),
                         exported)

    def test_progress_only_on_a_terminal(self) -> None:
        """If stderr is a terminal, then import-zone reports progress there (and never otherwise)."""
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        done = subprocess.run(
            [sys.executable, "-m", "dnsops", "import-zone", "example.com", "-", "--db", self.db],
            cwd=self.cwd, input=b"a IN A 192.0.2.5\n", stdout=subprocess.PIPE, stderr=slave,
            timeout=60,
        )
        os.close(slave)
        self.assertEqual(done.returncode, 0)
        shown = os.read(master, 65536).decode()
        self.assertIn("read 1 records", shown)
        self.assertIn("writing 1/1 records", shown)


class AuditTests(CommandTestCase):
    """CLI changes leave audit rows in the same transaction."""

    def test_changes_are_audited(self) -> None:
        """If records and config are changed from the CLI, then each change has an audit row by 'cli'."""
        self.ok("add-record", "example.com", "ftp", "A", "192.0.2.9")
        self.ok("update-record", "5", "--ttl", "60")
        self.ok("delete-record", "5")
        self.ok("set-config", "api_token", "s3cret")
        self.dnsops("delete-record", "5")
        conn = sqlite3.connect(self.db)
        rows = conn.execute("SELECT actor, action, target FROM audit ORDER BY id").fetchall()
        secret = conn.execute("SELECT count(*) FROM audit WHERE after LIKE '%s3cret%'").fetchone()
        conn.close()
        self.assertEqual(rows, [("cli", "add-record", "5"), ("cli", "update-record", "5"),
                                ("cli", "delete-record", "5"), ("cli", "set-config", "api_token")])
        self.assertEqual(secret, (0,))
