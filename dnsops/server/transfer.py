# -*- test-case-name: tests.test_regressions_dns -*-
"""
Zone transfers: AXFR (RFC 5936), and IXFR (RFC 1995) answered with the whole zone.

The manual's rules: C{axfr_allow} lists the networks that may transfer a zone; when it is empty
every transfer is REFUSED, and a transfer over UDP is always refused. An allowed transfer is one
message: the SOA, every enabled record of the zone, the SOA again. dnsops keeps no change
history, so an IXFR gets that same full answer, which RFC 1995 section 4 allows ("If incremental
zone transfer is not available, the entire zone is returned"). Pure: no reactor.
"""

import ipaddress

from twisted.names import dns

from dnsops.zoneindex.index import Zone

AXFR = 252
IXFR = 251
#: The question types that ask for a transfer rather than an answer.
TYPES = frozenset((AXFR, IXFR))

#: A transfer is one message over a stream: two octets of length limit it (RFC 1035 4.2.2).
MAX_MESSAGE = 65535


def allowed(host: str, networks) -> bool:
    """Whether the client address C{host} is in one of C{networks} (the parsed C{axfr_allow})."""
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in networks if net.version == address.version)


def zone_records(zone: Zone) -> list | None:
    """
    The records of a full transfer of C{zone}: SOA, every other enabled record, SOA.

    Each record keeps its own stored TTL (a transfer copies the zone, it does not answer a
    question). Disabled records are left out: a secondary serves what this server serves.

    @return: the records, or None when the zone has no enabled SOA to frame them with.
    """
    apex = zone.name
    soa = next((row for row in zone.rrset(apex, dns.SOA) if row[4]), None)
    if soa is None:
        return None
    owner = apex.encode("latin-1")
    first = dns.RRHeader(owner, dns.SOA, dns.IN, soa[0], zone.payload(dns.SOA, soa[1]), auth=True)
    records = [first]
    for name in sorted(zone.nodes, key=_canonical_order):
        node = zone.nodes[name]
        encoded = name.encode("latin-1")
        for i in range(0, len(node), 2):
            code = node[i]
            if code == dns.SOA and name == apex:
                continue
            for row in node[i + 1]:
                if row[4]:
                    records.append(dns.RRHeader(encoded, code, dns.IN, row[0], zone.payload(code, row[1]), auth=True))
    records.append(first)
    return records


def _canonical_order(name: str) -> tuple:
    """Names sorted label by label from the right (RFC 4034 6.1), so the apex comes first."""
    return tuple(reversed(name.split("."))) if name else ()
