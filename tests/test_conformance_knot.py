# -*- test-case-name: tests.test_conformance_knot -*-
"""
Ask Knot DNS and dnsops the same questions about one zone and report every difference.

Knot is the reference for what an authoritative server answers (the contract says: where it is
silent, do what Knot users would expect). Both servers load C{tests/data/conformance.zone}
unchanged; dnsops gets it through C{dnsops import-zone}. About a thousand queries go to both:
every name of the zone plus empty non-terminals, wildcard matches, names that do not exist,
names below the delegation, case-mixed and out-of-zone names, times every supported type plus
C{TYPE65280}, over UDP with EDNS (payload 1232), over UDP without EDNS (512-byte limit), over
TCP, C{ANY} over UDP and TCP, and the large RRsets with small buffers (model: C{resp.cmp(bind)}
in C{CZ-NIC/knot:tests-extra/tests/basic/query/test.py}).

Normalisation, applied to both responses before they are compared:

  1. The question is compared as sent back, case included (resolvers using 0x20 rely on it).
  2. The rcode (with extended bits) is compared.
  3. Header flags QR AA TC RD AD CD are compared; B{RA is masked}: Knot never offers recursion,
     dnsops may advertise it to clients that C{allow_recursion} lets forward.
  4. EDNS: presence, version, payload and the DO bit are compared; options are not (Knot sends
     none here; dnsops may add cookies, which the contract allows).
  5. Answer, authority and additional sections are each a B{set} of
     C{(owner lower-case, type, class, TTL, rdata text)}; rdata names are lower-cased too
     (Knot compresses them against the case-mixed question). Order is not compared: RFC 2181
     §5 makes an RRset unordered and servers may rotate it. The OPT record is not part of the
     additional section (point 4 covers it).
  6. B{Truncated responses} (TC=1 from both): only the question, rcode, flags and EDNS are
     compared, not the sections. A client discards them and retries over TCP (RFC 2181 §9);
     Knot sends them empty, a server may also send the RRsets that fit.
  7. B{ANY} (RFC 8482): Knot answers one RRset, over UDP and TCP alike; the contract allows
     one, some or (over TCP) all. The other server's answer passes when it equals Knot's, or
     when it is a non-empty union of whole RRsets of the name (every record Knot has there,
     asked type by type); the additional section is then not compared, as it depends on
     which RRsets were picked.

Anything else is a difference, reported with the query that showed it. L{EXPECTED} lists the
differences that are accepted, each with its reason; the test fails on any other.

L{KnotSelfTests} checks the harness itself by comparing Knot with a second Knot: the
normalisation must leave no difference between two identical servers. Both tests are skipped
when C{knotd} is not installed.
"""

import contextlib
import io
import os
import sqlite3
from dataclasses import dataclass

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import TestCase

from tests.knot import LOOPBACK, start_knot

ZONE = "conformance.test"
ZONE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "conformance.zone")

#: Every type dnsops supports, plus one no server knows.
QTYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "CAA", "PTR", "SPF", "NAPTR",
          "TYPE65280")

#: Names that own nothing but are asked about: empty non-terminals, wildcard matches,
#: non-existent names, names below the delegation, case-mixed and out-of-zone names.
EXTRA_NAMES = (
    "c", "b.c", "wild",                                     # empty non-terminals
    "foo", "deep.er", "foo.wild", "a.b.wild",                # wildcard matches
    "nx.www", "gone.www", "nx.b.c", "nx.a.b.c", "nx.explicit.wild", "x.nx.txt",  # NXDOMAIN
    "host.sub", "deep.host.sub", "ns.sub",                   # below the delegation
    "CoNfOrMaNcE.TeSt.", "WWW", "Foo.WILD", "ChAiN1", "BIG", "Sub", "HOST.SUB", "Nx.WwW",
    "example.net.", "conformance.test.example.",             # outside the zone
)

#: Each accepted difference: (query description prefix, field, reason). Empty: none accepted.
EXPECTED: tuple[tuple[str, str, str], ...] = ()

TIMEOUT = 3.0


@dataclass(frozen=True)
class Probe:
    """One question and how it is sent."""

    name: str
    rdtype: str
    tcp: bool = False
    edns: bool = True
    payload: int = 1232
    dnssec_ok: bool = False
    edns_version: int = 0

    def describe(self) -> str:
        transport = "tcp" if self.tcp else "udp"
        edns = f"edns {self.payload}" if self.edns else "no-edns"
        if self.edns and self.edns_version:
            edns += f" version {self.edns_version}"
        if self.dnssec_ok:
            edns += " do"
        return f"{self.name} {self.rdtype} {transport} {edns}"


@dataclass(frozen=True)
class Difference:
    """One field of one query where the two servers disagree."""

    probe: Probe
    field: str
    reference: object
    candidate: object


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return "{" + "; ".join(" ".join(map(str, rr)) for rr in sorted(value, key=str)) + "}"
    return str(value)


def absolute(name: str) -> str:
    """C{name} as a query name: relative names are below L{ZONE}."""
    return name if name.endswith(".") else f"{name}.{ZONE}."


def zone_owner_names() -> list[str]:
    """Every owner name in the zone file, absolute, as dnspython reads the file."""
    zone = dns.zone.from_file(ZONE_FILE, origin=ZONE + ".", relativize=False)
    return sorted(name.to_text() for name in zone.nodes)


def probes() -> list[Probe]:
    """The questions asked, in a fixed order (a few hundred per transport)."""
    names = zone_owner_names() + [absolute(n) for n in EXTRA_NAMES]
    out = [Probe(name, rdtype) for name in names for rdtype in QTYPES]
    out += [Probe(absolute("sub"), "DS"), Probe(ZONE + ".", "DS")]  # DS: the parent answers
    out += [Probe(name, rdtype, edns=False, payload=512)
            for name in names for rdtype in ("A", "MX", "NS", "TXT")]
    out += [Probe(name, rdtype, tcp=True) for name in names for rdtype in ("A", "TXT", "SOA")]
    out += [Probe(name, "ANY", tcp=tcp) for name in names for tcp in (False, True)]
    big, bigtxt = absolute("big"), absolute("bigtxt")
    out += [
        Probe(big, "A", edns=False, payload=512),   # 40 A records: over 512 bytes, TC
        Probe(big, "A", payload=512),               # small EDNS buffer: TC
        Probe(big, "A", payload=1232),              # fits
        Probe(big, "A", tcp=True, edns=False),      # full over TCP
        Probe(bigtxt, "TXT", payload=1232),         # over 1232 bytes: TC even with EDNS
        Probe(bigtxt, "TXT", payload=4096),         # server caps at its own 1232
        Probe(bigtxt, "TXT", tcp=True),             # full over TCP
        Probe(absolute("txt-long"), "TXT", edns=False, payload=512),
    ]
    for name in (absolute("www"), absolute("nx.www"), absolute("host.sub")):
        out += [Probe(name, "A", dnssec_ok=True),      # DO copied, unsigned answer
                Probe(name, "A", edns_version=1)]      # BADVERS (RFC 6891 §6.1.3)
    return out


def ask(probe: Probe, port: int) -> dns.message.Message | str:
    """Send one probe (blocking); the response, or a short text saying why there is none."""
    query = dns.message.make_query(
        probe.name, probe.rdtype, use_edns=probe.edns_version if probe.edns else False,
        payload=probe.payload, want_dnssec=probe.dnssec_ok,
    )
    try:
        if probe.tcp:
            return dns.query.tcp(query, LOOPBACK, port=port, timeout=TIMEOUT)
        return dns.query.udp(query, LOOPBACK, port=port, timeout=TIMEOUT)
    except dns.exception.Timeout:
        return "no response (timeout)"
    except (OSError, dns.exception.DNSException) as e:
        return f"bad response ({type(e).__name__}: {e})"


def rr_set(section: list) -> frozenset:
    """A section as a set of (owner, type, class, TTL, rdata) with names lower-cased."""
    out = set()
    for rrset in section:
        for rd in rrset:
            wire = rd.to_digestable()  # RFC 4034 §6.2: lower-cases names embedded in rdata
            text = dns.rdata.from_wire(rd.rdclass, rd.rdtype, wire, 0, len(wire)).to_text()
            out.add((rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
                     dns.rdataclass.to_text(rrset.rdclass), rrset.ttl, text))
    return frozenset(out)


def header(msg: dns.message.Message) -> dict[str, object]:
    """The compared header and EDNS fields (points 1 to 4 of the module docstring)."""
    flags = dns.flags.to_text(msg.flags & ~dns.flags.RA)
    edns = "none" if msg.edns < 0 else (
        f"version {msg.edns} payload {msg.payload} do {bool(msg.ednsflags & dns.flags.DO)}"
    )
    question = " ".join(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}"
                        for rrset in msg.question)
    return {"question": question, "rcode": dns.rcode.to_text(msg.rcode()), "flags": flags,
            "edns": edns}


def compare(probe: Probe, reference, candidate, full_any=None) -> list[Difference]:
    """
    The differences between two responses to C{probe}, after normalisation.

    @param full_any: For C{ANY}, every record the reference has at the name (point 7).
    """
    if isinstance(reference, str) or isinstance(candidate, str):
        # Knot answers every probe; when it does not, the comparison proves nothing.
        ref = reference if isinstance(reference, str) else "a response"
        cand = candidate if isinstance(candidate, str) else "a response"
        return [Difference(probe, "response", ref, cand)]
    out = []
    ref_head, cand_head = header(reference), header(candidate)
    for key, value in ref_head.items():
        if cand_head[key] != value:
            out.append(Difference(probe, key, value, cand_head[key]))
    if reference.flags & candidate.flags & dns.flags.TC:
        return out
    sections = {"answer": (reference.answer, candidate.answer),
                "authority": (reference.authority, candidate.authority),
                "additional": (reference.additional, candidate.additional)}
    ref_sets = {k: rr_set(v[0]) for k, v in sections.items()}
    cand_sets = {k: rr_set(v[1]) for k, v in sections.items()}
    if probe.rdtype == "ANY" and ref_sets["answer"] != cand_sets["answer"]:
        if minimal_any_ok(cand_sets["answer"], full_any or frozenset()):
            del ref_sets["answer"], ref_sets["additional"]
    for key in ref_sets:
        if ref_sets[key] != cand_sets[key]:
            out.append(Difference(probe, key, ref_sets[key], cand_sets[key]))
    return out


def minimal_any_ok(answer: frozenset, full: frozenset) -> bool:
    """True if C{answer} is a non-empty union of whole RRsets of C{full} (RFC 8482 §4.1)."""
    if not answer or not answer <= full:
        return False
    picked = {(rr[0], rr[1]) for rr in answer}
    return all(rr in answer for rr in full if (rr[0], rr[1]) in picked)


def expected(diff: Difference) -> bool:
    """True if L{EXPECTED} accepts C{diff}."""
    query = diff.probe.describe()
    return any(query.startswith(prefix) and diff.field == field for prefix, field, _ in EXPECTED)


def full_rrsets(name: str, port: int) -> frozenset:
    """
    Every record owned by C{name} at the reference server, asked type by type over TCP.

    This is what a full ANY answer holds; Knot itself answers ANY with one RRset over UDP and
    TCP alike, so it cannot be asked for it directly.
    """
    owner = name.lower()
    out: set = set()
    for rdtype in QTYPES:
        response = ask(Probe(name, rdtype, tcp=True), port)
        if not isinstance(response, str):
            out |= {rr for rr in rr_set(response.answer) if rr[0] == owner}
    return frozenset(out)


def run_comparison(reference_port: int, candidate_port: int) -> tuple[int, list[Difference]]:
    """Ask both servers every probe (blocking: run it in a thread); (count, differences)."""
    diffs: list[Difference] = []
    full: dict[str, frozenset] = {}
    all_probes = probes()
    for probe in all_probes:
        reference = ask(probe, reference_port)
        candidate = ask(probe, candidate_port)
        full_any = None
        if probe.rdtype == "ANY":
            key = probe.name.lower()
            if key not in full:
                full[key] = full_rrsets(probe.name, reference_port)
            full_any = full[key]
        diffs.extend(compare(probe, reference, candidate, full_any))
    return len(all_probes), diffs


def report(count: int, diffs: list[Difference], examples: int = 4) -> str:
    """
    The differences, grouped: one entry per (field, Knot's value, the other's value), largest
    group first, with a few of the queries that showed it, so one cause reads as one entry.
    """
    groups: dict[tuple[str, str, str], list[str]] = {}
    for d in diffs:
        key = (d.field, _show(d.reference), _show(d.candidate))
        groups.setdefault(key, []).append(d.probe.describe())
    queries = len({d.probe for d in diffs})
    lines = [f"{len(diffs)} differences in {queries} of {count} queries, {len(groups)} kinds:"]
    for (field, ref, cand), where in sorted(groups.items(), key=lambda g: -len(g[1])):
        more = f" (+{len(where) - examples} more)" if len(where) > examples else ""
        lines.append(f"- {field} in {len(where)} queries, e.g. {'; '.join(where[:examples])}{more}")
        lines.append(f"    knot:   {ref}\n    dnsops: {cand}")
    return "\n".join(lines)


def cli(*argv: str) -> str:
    """Run one C{dnsops} command in-process; its output, or fail with its error line."""
    from dnsops.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    if status:
        raise AssertionError(f"dnsops {' '.join(argv)} failed: {err.getvalue().strip()}")
    return out.getvalue()


def prepare_dnsops_db(path: str) -> None:
    """
    A dnsops database serving the conformance zone and nothing else.

    Recursion is off and the default upstreams are removed, so out-of-zone names are REFUSED,
    as by Knot, and no query leaves the machine; the rate limit is off, since every query comes
    from 127.0.0.1.
    """
    cli("import-zone", ZONE, ZONE_FILE, "--db", path)
    cli("set-config", "allow_recursion", "none", "--db", path)
    cli("set-config", "rate_limit_per_sec", "0", "--db", path)
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("DELETE FROM upstreams")
    except sqlite3.OperationalError:
        pass
    finally:
        conn.close()


class KnotSelfTests(TestCase):
    """The comparison finds nothing between two identical Knot servers."""

    timeout = 300

    @inlineCallbacks
    def test_knot_agrees_with_itself(self):
        """If both servers are Knot with the same zone, then no query shows a difference."""
        first = yield start_knot(self, {ZONE: ZONE_FILE})
        second = yield start_knot(self, {ZONE: ZONE_FILE})
        count, diffs = yield deferToThread(run_comparison, first.port, second.port)
        self.assertGreater(count, 500)
        if diffs:
            self.fail(report(count, diffs))


class KnotConformanceTests(TestCase):
    """dnsops answers the conformance zone as Knot does."""

    timeout = 600

    @inlineCallbacks
    def test_dnsops_answers_like_knot(self):
        """If dnsops and Knot serve the same zone, then every query gets the same answer."""
        from tests.harness import start_server

        knot = yield start_knot(self, {ZONE: ZONE_FILE})
        db = os.path.abspath(self.mktemp()) + ".db"
        os.makedirs(os.path.dirname(db), exist_ok=True)
        prepare_dnsops_db(db)
        server = start_server(self, db)
        if isinstance(server, Deferred):
            server = yield server
        count, diffs = yield deferToThread(run_comparison, knot.port, server.port)
        unexplained = [d for d in diffs if not expected(d)]
        if unexplained:
            self.fail(report(count, unexplained))
