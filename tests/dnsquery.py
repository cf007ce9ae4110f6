"""
Asking a server questions with dnspython, and checking answers in Knot's vocabulary.

dnspython blocks, and on the reactor thread it would stall the very server it asks, so every
query runs in a thread (C{deferToThread}). L{check} and L{check_rr} read like Knot's
C{tests-extra} C{response.check(rcode=, flags=, noflags=)} and C{check_rr(section, rname, rtype)}.
"""

import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from twisted.internet.threads import deferToThread

LOOPBACK = "127.0.0.1"
TIMEOUT = 2.0


def make(name: str, rdtype: str = "A", rdclass: str = "IN", use_edns=0, payload: int = 1232,
         flags: str = "", ednsflags: int = 0, options=None, opcode: str | None = None,
         want_dnssec: bool = False) -> dns.message.QueryMessage:
    """
    A query message: C{flags} like C{"RD CD"} (RD is off unless named), EDNS on by default.

    @param use_edns: EDNS version, or None/False for none.
    """
    if use_edns is None or use_edns is False:
        message = dns.message.make_query(name, rdtype, rdclass, use_edns=False)
    else:
        message = dns.message.make_query(
            name, rdtype, rdclass, use_edns=use_edns, payload=payload, options=options,
            want_dnssec=want_dnssec, ednsflags=ednsflags,
        )
    message.flags = 0
    for flag in flags.split():
        message.flags |= dns.flags.from_text(flag)
    if opcode is not None:
        message.set_opcode(dns.opcode.from_text(opcode))
    return message


def ask(port: int, message: dns.message.Message, tcp: bool = False) -> dns.message.Message:
    """Send C{message} and wait for the answer (blocking: run it in a thread)."""
    send = dns.query.tcp if tcp else dns.query.udp
    return send(message, LOOPBACK, port=port, timeout=TIMEOUT, ignore_trailing=False)


def query(port: int, name: str, rdtype: str = "A", tcp: bool = False, **kw):
    """Deferred[dns.message.Message]: one question, keywords as for L{make}."""
    return deferToThread(ask, port, make(name, rdtype, **kw), tcp)


def send_message(port: int, message: dns.message.Message, tcp: bool = False):
    """Deferred[dns.message.Message] for a message built by the test."""
    return deferToThread(ask, port, message, tcp)


def raw_exchange(port: int, data: bytes, tcp: bool = False, timeout: float = 0.5) -> bytes | None:
    """Send raw bytes; the raw answer, or None when none comes within C{timeout} (blocking)."""
    if tcp:
        with socket.create_connection((LOOPBACK, port), timeout=TIMEOUT) as sock:
            sock.sendall(struct.pack("!H", len(data)) + data)
            sock.settimeout(timeout)
            try:
                head = _read(sock, 2)
                return _read(sock, struct.unpack("!H", head)[0])
            except (socket.timeout, ConnectionError):
                return None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(data, (LOOPBACK, port))
        try:
            return sock.recv(65535)
        except socket.timeout:
            return None


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def raw(port: int, data: bytes, tcp: bool = False, timeout: float = 0.5):
    """Deferred[bytes | None]: L{raw_exchange} in a thread."""
    return deferToThread(raw_exchange, port, data, tcp, timeout)


def _flag_set(text: str | None) -> list[str]:
    return text.split() if text else []


def check(resp: dns.message.Message, rcode: str | None = None, flags: str | None = None,
          noflags: str | None = None, eflags: str | None = None, noeflags: str | None = None) -> None:
    """
    Assert the rcode and header flags (C{"QR AA"} set, C{noflags="TC RA"} clear), and EDNS
    flags (C{eflags="DO"}).

    @raise AssertionError: naming what differs.
    """
    if rcode is not None:
        got = dns.rcode.to_text(resp.rcode())
        assert got == rcode, f"rcode {got}, expected {rcode}"
    shown = dns.flags.to_text(resp.flags).split()
    for flag in _flag_set(flags):
        assert flag in shown, f"flag {flag} not set in {shown}"
    for flag in _flag_set(noflags):
        assert flag not in shown, f"flag {flag} set in {shown}"
    eshown = dns.flags.edns_to_text(resp.ednsflags).split() if resp.edns >= 0 else []
    for flag in _flag_set(eflags):
        assert flag in eshown, f"EDNS flag {flag} not set in {eshown}"
    for flag in _flag_set(noeflags):
        assert flag not in eshown, f"EDNS flag {flag} set in {eshown}"


def _section(resp: dns.message.Message, section: str) -> list:
    return {"answer": resp.answer, "authority": resp.authority, "additional": resp.additional}[section]


def check_rr(resp: dns.message.Message, section: str, rname: str, rtype: str,
             rdata: str | None = None, ttl: int | None = None) -> None:
    """Assert that C{section} holds an C{rtype} RRset at C{rname} (with C{rdata}, C{ttl})."""
    name = dns.name.from_text(rname)
    code = dns.rdatatype.from_text(rtype)
    for rrset in _section(resp, section):
        if rrset.name == name and rrset.rdtype == code:
            if ttl is not None:
                assert rrset.ttl == ttl, f"{rname} {rtype} TTL {rrset.ttl}, expected {ttl}"
            if rdata is not None:
                texts = [r.to_text() for r in rrset]
                assert rdata in texts, f"{rname} {rtype} rdata {texts}, expected {rdata}"
            return
    raise AssertionError(f"no {rname} {rtype} in {section}: {_section(resp, section)}")


def check_empty(resp: dns.message.Message, section: str) -> None:
    """Assert that C{section} holds no records."""
    records = _section(resp, section)
    assert not records, f"{section} is not empty: {records}"
