# -*- test-case-name: tests.test_cookies -*-
"""
DNS cookies (RFC 7873), with server cookies made as RFC 9018 says, from a rotating secret.

A server cookie proves that the client got an answer from us at its source address before, so
the address is not spoofed: such UDP clients skip the per-address rate limit. A rate-limited
client that sent only a client cookie gets BADCOOKIE with a fresh server cookie, which it
presents on its retry. The secret changes every C{rotate} seconds; cookies made with the
previous secret are still accepted, so a rotation costs clients nothing.
"""

import os
import struct
from dataclasses import dataclass

OPTION_COOKIE = 10
BADCOOKIE = 23
CLIENT_SIZE = 8
VERSION = 1
#: RFC 9018 section 4.3: accept cookies up to an hour old and five minutes in the future,
#: and make a new one when the presented one is older than half an hour.
LIFETIME = 3600
FUTURE = 300
REFRESH = 1800

_MASK = 0xFFFFFFFFFFFFFFFF


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def siphash24(key: bytes, data: bytes) -> bytes:
    """SipHash-2-4 of C{data} under a 16-octet C{key}: the 8-octet hash RFC 9018 uses."""
    k0, k1 = struct.unpack("<QQ", key)
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _MASK; v1 = _rotl(v1, 13) ^ v0; v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _MASK; v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _MASK; v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _MASK; v1 = _rotl(v1, 17) ^ v2; v2 = _rotl(v2, 32)

    tail = len(data) % 8
    for (m,) in struct.iter_unpack("<Q", data[: len(data) - tail]):
        v3 ^= m
        rounds(2)
        v0 ^= m
    m = int.from_bytes(data[len(data) - tail :], "little") | ((len(data) & 0xFF) << 56)
    v3 ^= m
    rounds(2)
    v0 ^= m
    v2 ^= 0xFF
    rounds(4)
    return struct.pack("<Q", v0 ^ v1 ^ v2 ^ v3)


def _address_bytes(host: str) -> bytes:
    import ipaddress

    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host.encode("utf-8", "replace")
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.packed


@dataclass(frozen=True, slots=True)
class Cookie:
    """
    What a query's COOKIE option showed.

    @ivar client: the client cookie (8 octets), or empty when the option was malformed.
    @ivar valid: whether it carried a server cookie we made for this client, still in date.
    @ivar reply: the COOKIE option data for the answer (client cookie + our server cookie).
    """

    client: bytes
    valid: bool
    reply: bytes
    malformed: bool = False


MALFORMED = Cookie(b"", False, b"", True)


class ServerCookies:
    """
    Make and check server cookies for one server.

    @ivar rotate: seconds between secret changes.
    """

    def __init__(self, clock, rotate: float = 86400.0, secret: bytes | None = None) -> None:
        self.clock = clock
        self.rotate = rotate
        self._secrets = [secret or os.urandom(16)]
        self._rotated = clock.seconds()

    def _current(self) -> list[bytes]:
        """The secrets in use, newest first, after rotating when it is time."""
        now = self.clock.seconds()
        if now - self._rotated >= self.rotate:
            self._secrets = [os.urandom(16), self._secrets[0]]
            self._rotated = now
        return self._secrets

    def make(self, client: bytes, host: str, now: int | None = None, secret: bytes | None = None) -> bytes:
        """The 16-octet server cookie for C{client} at address C{host}."""
        stamp = int(self.clock.seconds()) if now is None else now
        head = bytes((VERSION, 0, 0, 0)) + struct.pack("!I", stamp & 0xFFFFFFFF)
        key = secret if secret is not None else self._current()[0]
        return head + siphash24(key, client + head + _address_bytes(host))

    def check(self, options: list, host: str) -> Cookie | None:
        """
        Read the COOKIE among a query's EDNS C{options}; None when it has none.

        RFC 7873 section 5.2.2: a length other than 8 or 16 to 40 octets is malformed (FORMERR).
        """
        data = next((value for code, value in options if code == OPTION_COOKIE), None)
        if data is None:
            return None
        if len(data) != CLIENT_SIZE and not 16 <= len(data) <= 40:
            return MALFORMED
        client, server = data[:CLIENT_SIZE], data[CLIENT_SIZE:]
        now = int(self.clock.seconds())
        valid = False
        fresh = None
        if len(server) == 16 and server[0] == VERSION:
            (stamp,) = struct.unpack_from("!I", server, 4)
            age = (now - stamp + 2**31) % 2**32 - 2**31
            if -FUTURE <= age <= LIFETIME:
                for secret in self._current():
                    if self.make(client, host, stamp, secret) == server:
                        valid = True
                        if age < REFRESH:
                            fresh = server
                        break
        if fresh is None:
            fresh = self.make(client, host, now)
        return Cookie(client, valid, client + fresh)


def add_cookie(wire: bytes, reply: bytes, limit: int = 65535) -> bytes:
    """
    Put our COOKIE option into an encoded answer whose last record is an empty OPT (as
    L{dnsops.server.edns.opt_wire} makes it); other answers are returned unchanged.

    If the answer then no longer fits in C{limit} octets, only the header (TC set), the
    question and the OPT remain, so the client asks again over TCP.
    """
    if len(wire) < 23 or wire[-11] != 0 or wire[-10:-8] != b"\x00\x29" or wire[-2:] != b"\0\0":
        return wire
    option = struct.pack("!HH", OPTION_COOKIE, len(reply)) + reply
    opt = wire[-11:-2] + struct.pack("!H", len(option)) + option
    if len(wire) + len(option) <= limit:
        return wire[:-11] + opt
    question_end = _question_end(wire)
    msg_id, flags = struct.unpack_from("!HH", wire)
    header = struct.pack("!HHHHHH", msg_id, flags | 0x0200, 1, 0, 0, 1)
    return header + wire[12:question_end] + opt


def _question_end(wire: bytes) -> int:
    """The offset after the (uncompressed) question of an answer we encoded."""
    offset = 12
    while wire[offset]:
        offset += wire[offset] + 1
    return offset + 5


def answering_with(write, reply: bytes, limit: int):
    """A C{write} that puts our COOKIE (C{reply}) into every answer it sends."""

    def write_with_cookie(wire: bytes) -> None:
        write(add_cookie(wire, reply, limit))

    return write_with_cookie


def without_cookie(data: bytes) -> bytes:
    """
    The query with its COOKIE option taken out of the OPT record, for the packet-cache key.

    Answers are cached without a cookie and get this client's cookie as they are sent, so the
    key must not hold one either; a query that does not read is returned unchanged.
    """
    from dnsops.server import edns

    try:
        for record in edns.walk_records(data):
            if record.rtype != edns.TYPE_OPT:
                continue
            kept, at = b"", record.rdata_at
            while at + 4 <= record.end:
                code, length = struct.unpack_from("!HH", data, at)
                if code != OPTION_COOKIE:
                    kept += data[at : at + 4 + length]
                at += 4 + length
            head = data[record.start : record.rdata_at - 2] + struct.pack("!H", len(kept))
            return data[: record.start] + head + kept + data[record.end :]
    except (ValueError, struct.error):
        pass
    return data
