# -*- test-case-name: tests.test_server -*-
"""
Binding the server's sockets: UDP and TCP on every interface, all on one port.

Sockets are made and bound here, then handed to the reactor (C{adoptDatagramPort},
C{adoptStreamPort}), because two things must be set before C{bind}: C{IPV6_V6ONLY} on C{::},
so that C{0.0.0.0} and C{::} can share a port, and large UDP buffers, so that a burst of
queries is not dropped by the kernel. With port 0 the first socket picks the port and the
others take the same one; if another program holds it on some interface we start over.
"""

import errno
import socket
from dataclasses import dataclass

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger

_log = Logger()

UDP_BUFFER = 4 * 1024 * 1024
BIND_ATTEMPTS = 20
DEFAULT_INTERFACES = ("0.0.0.0", "::")


@dataclass
class Listener:
    """
    One bound socket: what it serves (C{dns udp}, C{dns tcp}, C{api http}) and where.

    @ivar port: the L{twisted.internet.interfaces.IListeningPort}, once adopted.
    """

    label: str
    host: str
    number: int
    port: object = None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.number}"


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind(host: str, number: int, kind: int) -> socket.socket:
    sock = socket.socket(_family(host), kind)
    try:
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        else:
            _grow_buffers(sock)
        sock.bind((host, number))
        if kind == socket.SOCK_STREAM:
            sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _grow_buffers(sock: socket.socket) -> None:
    """Ask for 4 MiB buffers; past C{rmem_max} only root gets them (C{SO_RCVBUFFORCE})."""
    for force, plain in (("SO_RCVBUFFORCE", socket.SO_RCVBUF), ("SO_SNDBUFFORCE", socket.SO_SNDBUF)):
        try:
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, force), UDP_BUFFER)
        except (AttributeError, OSError):
            try:
                sock.setsockopt(socket.SOL_SOCKET, plain, UDP_BUFFER)
            except OSError:
                pass


class ListenError(OSError):
    """
    A listener could not be bound. C{strerror} is the system's reason; C{str()} is one line that
    names the listener, e.g. C{cannot listen on 192.0.2.55:53 (dns udp): Cannot assign requested
    address}, for an entry point to print instead of a traceback.
    """

    def __init__(self, number: int | None, reason: str, where: str = "") -> None:
        OSError.__init__(self, number, reason)
        self.where = where

    def __str__(self) -> str:
        where = f" on {self.where}" if self.where else ""
        return f"cannot listen{where}: {self.strerror}"


def bind_all(wanted: list[tuple[str, str, int]], number: int) -> list[tuple[Listener, socket.socket]]:
    """
    Bind every (label, host, socket kind) on port C{number}; port 0 means one free port for all.

    @raise ListenError: when a fixed port cannot be bound, or no free port fits every socket.
    """
    for _ in range(BIND_ATTEMPTS):
        bound: list[tuple[Listener, socket.socket]] = []
        chosen = number
        label = host = ""
        try:
            for label, host, kind in wanted:
                sock = _bind(host, chosen, kind)
                chosen = sock.getsockname()[1]
                bound.append((Listener(label, host, chosen), sock))
            return bound
        except OSError as e:
            for _, sock in bound:
                sock.close()
            if number != 0 or e.errno != errno.EADDRINUSE:
                where = Listener(label.strip(), host, chosen)
                raise ListenError(e.errno, e.strerror or str(e), f"{where.address} ({where.label or 'listener'})") from e
    raise ListenError(errno.EADDRINUSE, "no free port for every listener")


class ListeningService(service.Service):
    """
    Keep a set of listeners open while the service runs.

    Binding happens in C{privilegedStartService}, so twistd can bind port 53 before it drops
    root. Each listener is logged as C{dns udp listening on 127.0.0.1:15353}.

    @ivar listeners: the bound L{Listener}s, in the order asked for.
    """

    def __init__(self, reactor, interfaces, number: int, udp=None, stream=None, labels=("dns udp", "dns tcp")) -> None:
        """
        @param udp: a callable making one datagram protocol per UDP socket, or None for none.
        @param stream: the stream factory for the TCP sockets, or None for none.
        """
        self.reactor = reactor
        self.interfaces = list(interfaces or DEFAULT_INTERFACES)
        self.number = number
        self.udp = udp
        self.stream = stream
        self.labels = labels
        self.listeners: list[Listener] = []

    def privilegedStartService(self) -> None:
        service.Service.privilegedStartService(self)
        if self.listeners:
            return
        wanted = []
        for host in self.interfaces:
            if self.udp is not None:
                wanted.append((self.labels[0], host, socket.SOCK_DGRAM))
            if self.stream is not None:
                wanted.append((self.labels[1], host, socket.SOCK_STREAM))
        for listener, sock in bind_all(wanted, self.number):
            try:
                if "udp" in listener.label:
                    listener.port = self.reactor.adoptDatagramPort(
                        sock.fileno(), sock.family, self.udp(), maxPacketSize=65535
                    )
                else:
                    listener.port = self.reactor.adoptStreamPort(sock.fileno(), sock.family, self.stream)
            finally:
                sock.close()
            self.listeners.append(listener)
            _log.info("{label} listening on {address}", label=listener.label, address=listener.address)

    def startService(self) -> None:
        if not self.listeners:
            self.privilegedStartService()
        service.Service.startService(self)

    def stopService(self):
        service.Service.stopService(self)
        ports, self.listeners = [l.port for l in self.listeners], []
        return defer.DeferredList([defer.maybeDeferred(p.stopListening) for p in ports if p is not None])

    @property
    def port_number(self) -> int | None:
        """The port every listener shares (the chosen one when asked for 0)."""
        return self.listeners[0].number if self.listeners else None
