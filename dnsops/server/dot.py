# -*- test-case-name: tests.test_dot -*-
"""
DNS over TLS (RFC 7858): the TCP framing and answers, inside TLS 1.2 or later.

Nothing about answering differs from TCP: the same L{DNSStreamProtocol} runs inside Twisted's
memory-BIO TLS, so pipelining, out-of-order answers, the idle and stall timers and the shared
connection cap all hold, and queries are counted and logged as protocol C{dot}.
"""

from twisted.protocols.tls import TLSMemoryBIOFactory

from dnsops.server.tcplimits import ConnectionTable, DNSStreamFactory

#: The ALPN identifier of DoT (RFC 7858 / IANA); clients that offer none are served too.
ALPN = [b"dot"]


def dot_factory(dns, table: ConnectionTable, tls) -> TLSMemoryBIOFactory:
    """
    The stream factory for a DoT listener.

    @param dns: the L{dnsops.server.factory.DNSServerFactory} that answers.
    @param tls: a server connection creator, normally L{dnsops.server.tls.ReloadableServerTLS},
        consulted for every new connection so a reloaded certificate applies at once.
    """
    factory = TLSMemoryBIOFactory(tls, False, DNSStreamFactory(dns, table, "dot"))
    factory.noisy = False
    return factory
