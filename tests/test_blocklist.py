"""Tests for the blocklist: L{dnsops.store.blocklist} and L{dnsops.resolvers.blocklist}."""

import os

from twisted.internet import defer, reactor, task, threads
from twisted.names import dns, error
from twisted.trial.unittest import SynchronousTestCase, TestCase
from twisted.web.resource import Resource
from twisted.web.server import Site

from dnsops.blocklistsources import BlocklistSourceRefresher
from dnsops.errors import InvalidInput, NotFound
from dnsops.names import canonical_name
from dnsops.resolvers.blocklist import Blocklist, BlocklistResolver
from dnsops.resolvers.context import QueryContext
from dnsops.store import blocklist as store, db

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "blocklists")
CTX = QueryContext()


class StoreTestCase(SynchronousTestCase):
    def setUp(self):
        self.conn = db.connect(self.mktemp())
        self.addCleanup(self.conn.close)
        self.blocklist = Blocklist()
        self.resolver = BlocklistResolver(self.blocklist)

    def block(self, *domains, response="zero"):
        with db.transaction(self.conn):
            for domain in domains:
                store.block(self.conn, domain, response)
        self.blocklist.reload(self.conn)

    def allow(self, *domains):
        with db.transaction(self.conn):
            for domain in domains:
                store.allow(self.conn, domain)
        self.blocklist.reload(self.conn)

    def ask(self, name: str, qtype: int = dns.A):
        return self.resolver.resolve(dns.Query(name.encode(), qtype, dns.IN), CTX)


class MatchingTests(StoreTestCase):
    def test_exact_entry_blocks_only_that_name(self):
        """If ads.example.com is blocked, then it matches and its parent and children do not."""
        self.block("ads.example.com")
        self.assertEqual(self.blocklist.match(b"ads.example.com"), "zero")
        self.assertIsNone(self.blocklist.match(b"example.com"))
        self.assertIsNone(self.blocklist.match(b"x.ads.example.com"))

    def test_wildcard_matches_subdomains_not_bare_domain(self):
        """If *.tracker.example.com is blocked, then its subdomains match at any depth and the bare domain does not."""
        self.block("*.tracker.example.com")
        self.assertEqual(self.blocklist.match(b"a.tracker.example.com"), "zero")
        self.assertEqual(self.blocklist.match(b"a.b.tracker.example.com"), "zero")
        self.assertIsNone(self.blocklist.match(b"tracker.example.com"))
        self.assertIsNone(self.blocklist.match(b"xtracker.example.com"))

    def test_query_name_case_is_ignored(self):
        """If a blocked name is asked in mixed case, then it is still blocked."""
        self.block("Ads.Example.COM.")
        self.assertEqual(self.ask("ADS.example.com").answered_by, "blocked")

    def test_zero_response_by_type(self):
        """If a zero entry is asked, then A gets 0.0.0.0, AAAA gets :: and other types NXDOMAIN."""
        self.block("ads.example.com")
        a = self.ask("ads.example.com", dns.A)
        self.assertEqual((a.rcode, a.answer[0].payload.dottedQuad()), (dns.OK, "0.0.0.0"))
        aaaa = self.ask("ads.example.com", dns.AAAA)
        self.assertEqual(aaaa.answer[0].payload.address, b"\0" * 16)
        mx = self.ask("ads.example.com", dns.MX)
        self.assertEqual((mx.rcode, mx.answer, mx.answered_by), (dns.ENAME, [], "blocked"))

    def test_nxdomain_response_for_every_type(self):
        """If an nxdomain entry is asked, then A and TXT both get NXDOMAIN."""
        self.block("*.bad.example.com", response="nxdomain")
        for qtype in (dns.A, dns.TXT):
            self.assertEqual(self.ask("x.bad.example.com", qtype).rcode, dns.ENAME)

    def test_most_specific_entry_decides_response(self):
        """If a name is an exact nxdomain entry under a zero wildcard, then the exact entry's response applies."""
        self.block("*.example.com")
        self.block("ads.example.com", response="nxdomain")
        self.assertEqual(self.blocklist.match(b"ads.example.com"), "nxdomain")
        self.assertEqual(self.blocklist.match(b"www.example.com"), "zero")

    def test_unblocked_name_passes_on(self):
        """If a name is not blocked, then the layer raises DomainError to pass it on."""
        self.block("ads.example.com")
        self.assertRaises(error.DomainError, self.ask, "www.example.com")

    def test_other_classes_pass_on(self):
        """If a blocked name is asked in class CH, then the layer passes it on."""
        self.block("ads.example.com")
        query = dns.Query(b"ads.example.com", dns.TXT, dns.CH)
        self.assertRaises(error.DomainError, self.resolver.resolve, query, CTX)

    def test_allowlist_exact_wins_over_wildcard_block(self):
        """If *.example.com is blocked and www.example.com allowed, then www passes and others are blocked."""
        self.block("*.example.com")
        self.allow("www.example.com")
        self.assertIsNone(self.blocklist.match(b"www.example.com"))
        self.assertEqual(self.blocklist.match(b"cdn.example.com"), "zero")

    def test_allowlist_wildcard_wins_over_exact_block(self):
        """If a.cdn.example.com is blocked and *.cdn.example.com allowed, then a.cdn passes."""
        self.block("a.cdn.example.com", "cdn.example.com")
        self.allow("*.cdn.example.com")
        self.assertIsNone(self.blocklist.match(b"a.cdn.example.com"))
        self.assertEqual(self.blocklist.match(b"cdn.example.com"), "zero")

    def test_reload_if_changed_notices_every_writer(self):
        """If the lists change in the database, then reload_if_changed reloads once and only then."""
        self.assertTrue(self.blocklist.reload_if_changed(self.conn))
        self.assertFalse(self.blocklist.reload_if_changed(self.conn))
        with db.transaction(self.conn):
            store.block(self.conn, "ads.example.com")
        self.assertTrue(self.blocklist.reload_if_changed(self.conn))
        self.assertEqual(self.blocklist.match(b"ads.example.com"), "zero")
        with db.transaction(self.conn):
            store.unblock(self.conn, "ads.example.com")
        self.assertTrue(self.blocklist.reload_if_changed(self.conn))
        self.assertIsNone(self.blocklist.match(b"ads.example.com"))
        pending = self.conn.execute("SELECT count(*) FROM control WHERE command = 'reload-blocklist'")
        self.assertEqual(pending.fetchone()[0], 1)


class StoreTests(StoreTestCase):
    def test_invalid_domains_refused(self):
        """If a domain is not a name, then block refuses it with a message naming it."""
        for bad in ("", "*", "bad name.com", "192.0.2.1", "a..b", "x/y.com", "*.*.x.com"):
            with db.transaction(self.conn):
                self.assertRaises(InvalidInput, store.block, self.conn, bad)
        e = self.assertRaises(InvalidInput, store.check_domain, "bad name.com")
        self.assertIn("'bad name.com'", str(e))

    def test_fast_path_agrees_with_canonical_name(self):
        """If a domain is checked, then the result is what canonical_name gives, fast path or not."""
        for text in ("WWW.Example.COM.", "*.Tracker.example.com", "_dmarc.example.com", "xn--bcher-kva.example",
                     "a" * 63 + ".example", "bücher.example", "a-b.example."):
            self.assertEqual(store.check_domain(text), canonical_name(text))
        for text in ("a" * 64 + ".example", "a..b", "x.y..", ".x", "*.*.x"):
            self.assertRaises(InvalidInput, store.check_domain, text)

    def test_idn_stored_as_a_label(self):
        """If a U-label domain is blocked, then it is stored as its A-label."""
        self.block("bücher.example")
        self.assertEqual(store.list_blocked(self.conn)[0][0]["domain"], "xn--bcher-kva.example")

    def test_block_again_changes_response(self):
        """If a blocked domain is blocked again with nxdomain, then its response changes."""
        self.block("ads.example.com")
        self.block("ads.example.com", response="nxdomain")
        rows, total = store.list_blocked(self.conn)
        self.assertEqual((total, rows[0]["response"]), (1, "nxdomain"))

    def test_bad_response_refused(self):
        """If the response is not zero or nxdomain, then it is refused."""
        self.assertRaises(InvalidInput, store.block, self.conn, "ads.example.com", "drop")

    def test_unblock_missing_is_not_found(self):
        """If an unblocked domain is unblocked, then NotFound names it."""
        e = self.assertRaises(NotFound, store.unblock, self.conn, "ads.example.com")
        self.assertEqual(str(e), "domain 'ads.example.com' is not blocked")

    def test_parse_hosts_and_plain_lines(self):
        """If a list mixes hosts lines, plain names, comments and self entries, then only real names count."""
        parsed = store.parse_list([
            "# comment", "", "127.0.0.1 localhost", "::1 localhost", "0.0.0.0 0.0.0.0",
            "0.0.0.0 ads.example.com  # trailing", "tracker.example.net", "127.0.0.1 a.example b.example",
            "bad name!", "||adblock.example^",
        ])
        self.assertEqual(parsed.domains, ["ads.example.com", "tracker.example.net", "a.example", "b.example"])
        self.assertEqual(parsed.invalid, 2)

    def test_import_counts(self):
        """If a list is imported twice, then the second import counts every name as a duplicate."""
        lines = ["0.0.0.0 a.example.com", "a.example.com", "b.example.com", "not a domain!"]
        with db.transaction(self.conn):
            first = store.import_domains(self.conn, lines)
        self.assertEqual(first, {"added": 2, "duplicate": 1, "invalid": 1})
        with db.transaction(self.conn):
            second = store.import_domains(self.conn, lines)
        self.assertEqual(second, {"added": 0, "duplicate": 3, "invalid": 1})

    def test_import_adaway_hosts(self):
        """If adaway.hosts is imported, then its 6,540 names are added and localhost lines ignored."""
        with open(os.path.join(DATA, "adaway.hosts"), encoding="utf-8") as f:
            with db.transaction(self.conn):
                counts = store.import_domains(self.conn, f)
        self.assertEqual(counts, {"added": 6540, "duplicate": 0, "invalid": 0})
        self.blocklist.reload(self.conn)
        self.assertEqual(len(self.blocklist), 6540)
        self.assertEqual(self.blocklist.match(b"analytics.163.com"), "zero")
        self.assertIsNone(self.blocklist.match(b"localhost"))

    def test_allowlist_roundtrip(self):
        """If a domain is allowed then disallowed, then the allowlist is empty again."""
        self.allow("www.example.com")
        self.allow("www.example.com")
        self.assertEqual([r["domain"] for r in store.list_allowed(self.conn)], ["www.example.com"])
        with db.transaction(self.conn):
            store.disallow(self.conn, "www.example.com")
        self.assertEqual(store.list_allowed(self.conn), [])
        self.assertRaises(NotFound, store.disallow, self.conn, "www.example.com")

    def test_source_replace_is_atomic_and_keeps_manual_entries(self):
        """If a source is refreshed, then its old entries are replaced and a manual entry of the same name stays manual."""
        self.block("shared.example.com")
        with db.transaction(self.conn):
            source = store.add_source(self.conn, "http://127.0.0.1:1/list.txt", "1h")
            store.replace_source(self.conn, source["id"], "0.0.0.0 old.example.com\nshared.example.com\n")
        with db.transaction(self.conn):
            count = store.replace_source(self.conn, source["id"], "new.example.com\nshared.example.com\n")
        self.assertEqual(count, 1)
        rows = {r["domain"]: r["source_id"] for r in store.list_blocked(self.conn)[0]}
        self.assertEqual(rows, {"new.example.com": source["id"], "shared.example.com": None})
        listed = store.list_sources(self.conn)[0]
        self.assertEqual((listed["count"], listed["refresh"], listed["last_error"]), (1, 3600, None))
        with db.transaction(self.conn):
            store.delete_source(self.conn, source["id"])
        self.assertEqual(store.list_blocked(self.conn)[1], 1)

    def test_source_url_checked(self):
        """If a source URL is not http(s), then it is refused naming the URL."""
        e = self.assertRaises(InvalidInput, store.add_source, self.conn, "ftp://x.example/list")
        self.assertEqual(e.field, "url")
        self.assertRaises(InvalidInput, store.add_source, self.conn, "http://x.example/", "soon")


class _ListPage(Resource):
    """A list source: serves C{body} with C{code}; C{hits} counts the downloads."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.body = b"0.0.0.0 one.example.com\n0.0.0.0 two.example.com\n"
        self.code = 200
        self.hits = 0

    def render_GET(self, request):
        self.hits += 1
        request.setResponseCode(self.code)
        return self.body


class SourceRefresherTests(TestCase):
    def setUp(self):
        self.page = _ListPage()
        self.port = reactor.listenTCP(0, Site(self.page), interface="127.0.0.1")
        self.addCleanup(self.port.stopListening)
        self.path = self.mktemp()
        self.conn = db.connect(self.path)
        self.addCleanup(self.conn.close)
        url = f"http://127.0.0.1:{self.port.getHost().port}/hosts.txt"
        with db.transaction(self.conn):
            self.source = store.add_source(self.conn, url, "1h")
        self.clock = task.Clock()
        self.refresher = BlocklistSourceRefresher(lambda: db.connect(self.path), reactor, clock=self.clock)
        self.addCleanup(lambda: self.refresher.conn and self.refresher.conn.close())

    def blocked(self) -> set:
        return {row["domain"] for row in store.list_blocked(self.conn)[0]}

    @defer.inlineCallbacks
    def test_source_fetched_refreshed_and_kept_on_failure(self):
        """If a source is fetched, changed, refreshed and then fails, then the last good copy stays with the error shown."""
        yield self.refresher.check()
        self.assertEqual(self.blocked(), {"one.example.com", "two.example.com"})
        row = store.get_source(self.conn, self.source["id"])
        self.assertEqual((row["count"], row["last_error"]), (2, None))
        self.assertIsNotNone(row["last_update"])

        self.page.body = b"three.example.com\n"
        yield self.refresher.check()
        self.assertEqual(self.page.hits, 1)
        self.clock.advance(3600)
        yield self.refresher.check()
        self.assertEqual(self.blocked(), {"three.example.com"})

        self.page.code = 500
        self.clock.advance(3600)
        yield self.refresher.check()
        row = store.get_source(self.conn, self.source["id"])
        self.assertEqual((row["count"], row["last_error"]), (1, "HTTP 500"))
        self.assertEqual(self.blocked(), {"three.example.com"})

        yield self.port.stopListening()
        self.clock.advance(300)
        yield self.refresher.check()
        row = store.get_source(self.conn, self.source["id"])
        self.assertIn("refused", row["last_error"].lower())
        self.assertEqual(self.blocked(), {"three.example.com"})

    @defer.inlineCallbacks
    def test_page_without_domains_is_a_failure(self):
        """If the download holds no domain (e.g. an HTML error page), then nothing is replaced."""
        self.page.body = b"<html><body>Please log in</body></html>\n"
        yield self.refresher.check()
        row = store.get_source(self.conn, self.source["id"])
        self.assertEqual(row["last_error"], "no domains in the downloaded list")
        self.assertEqual(self.blocked(), set())

    @defer.inlineCallbacks
    def test_reload_in_thread(self):
        """If the lists change, then reload_in_thread reads them in a thread and installs them once."""
        matcher = Blocklist()
        connect = lambda: db.connect(self.path)  # noqa: E731
        installed = yield matcher.reload_in_thread(self.conn, connect, threads.deferToThread)
        self.assertTrue(installed)
        with db.transaction(self.conn):
            store.block(self.conn, "ads.example.com")
        installed = yield matcher.reload_in_thread(self.conn, connect, threads.deferToThread)
        again = yield matcher.reload_in_thread(self.conn, connect, threads.deferToThread)
        self.assertEqual((installed, again), (True, False))
        self.assertEqual(matcher.match(b"ads.example.com"), "zero")

    @defer.inlineCallbacks
    def test_matcher_sees_refresh(self):
        """If a source is refreshed, then the server's matcher notices the change and blocks its names."""
        matcher = Blocklist()
        matcher.reload(self.conn)
        yield self.refresher.check()
        self.assertTrue(matcher.reload_if_changed(self.conn))
        self.assertEqual(matcher.match(b"one.example.com"), "zero")
