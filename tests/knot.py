# -*- test-case-name: tests.test_conformance_knot -*-
"""
Run Knot DNS (C{knotd}) on a loopback port as the reference server that dnsops is compared with,
or as a secondary that pulls zones from dnsops by AXFR.

Knot is another process, so this is the one place in the tests that polls: it waits, bounded in
count and time, until Knot answers the zone's SOA with AA, because C{knotd} loads zones (and
transfers them from a primary) in the background after it opens its sockets. Everything Knot
writes (config, database, control socket, log) stays in the test's temp directory; the process
is stopped by its id in a cleanup.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode

from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SkipTest

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

_CONFIG = """\
server:
    rundir: "{rundir}"
    listen: {address}@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    tcp-io-timeout: 5000
database:
    storage: "{workdir}"
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: "{workdir}"
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
{remotes}zone:
{zones}"""


def knotd_path() -> str | None:
    """Where C{knotd} is: on C{PATH} or in C{/usr/sbin}, which a non-root C{PATH} may lack."""
    return shutil.which("knotd") or shutil.which("knotd", path="/usr/sbin:/usr/local/sbin")


def free_port(address: str = LOOPBACK) -> int:
    """
    A port that is free for both UDP and TCP on C{address}, found by binding to port 0.

    Knot cannot be told to pick its own port and report it, so we pick one and release it; the
    short race with another process is accepted (and shows as Knot failing to start).
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((address, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((address, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port for both UDP and TCP")


@dataclass
class KnotServer:
    """
    One C{knotd} serving the given zone files on C{address}:C{port}.

    @ivar zones: zone name (no trailing dot) to master file path.
    @ivar primaries: zone name to the C{(address, port)} of a primary Knot transfers it from
        (Knot as a secondary: AXFR at start; NOTIFY and AXFR accepted from that address, so a
        test can pull the copy back and compare it whole).
    @ivar workdir: Created if missing; holds C{knot.conf}, C{knotd.log} and Knot's databases.
    """

    workdir: str
    zones: dict[str, str]
    primaries: dict[str, tuple[str, int]] = field(default_factory=dict)
    port: int = 0
    address: str = LOOPBACK
    process: subprocess.Popen | None = field(default=None, repr=False)
    rundir: str | None = field(default=None, repr=False)

    @property
    def log_path(self) -> str:
        return os.path.join(self.workdir, "knotd.log")

    def config(self) -> str:
        """
        The Knot configuration text: one listener, one worker each, zones from files, and
        zones transferred from their primaries (Knot 3.2 syntax: C{master:}).

        C{tcp-io-timeout} is raised from Knot's 500 ms: a test client reading a transfer back in
        a Python thread on a loaded machine can pause longer between messages, and Knot would
        then drop the connection.
        """
        zones = "".join(
            f'  - domain: "{name}."\n    file: "{os.path.abspath(path)}"\n'
            for name, path in self.zones.items()
        )
        remotes = acls = ""
        for i, (name, (address, port)) in enumerate(self.primaries.items()):
            remotes += f"  - id: primary{i}\n    address: {address}@{port}\n"
            acls += f"  - id: primary{i}\n    address: {address}\n    action: [notify, transfer]\n"
            zones += f'  - domain: "{name}."\n    master: primary{i}\n    acl: primary{i}\n'
        if remotes:
            remotes = f"remote:\n{remotes}acl:\n{acls}"
        return _CONFIG.format(
            workdir=os.path.abspath(self.workdir), rundir=self.rundir, address=self.address,
            port=self.port, zones=zones, remotes=remotes,
        )

    def start(self) -> None:
        """
        Start C{knotd} and block until every zone answers its SOA with AA.

        @raise RuntimeError: Knot exited or did not serve the zones within L{START_TIMEOUT}
            seconds; the message carries the tail of its log.
        """
        knotd = knotd_path()
        if knotd is None:
            raise RuntimeError("knotd is not installed")
        self.workdir = os.path.abspath(self.workdir)
        os.makedirs(self.workdir, exist_ok=True)
        if not self.port:
            self.port = free_port(self.address)
        # The control socket lives in rundir: a Unix socket path must stay under 108 bytes,
        # which a trial temp directory easily exceeds.
        self.rundir = tempfile.mkdtemp(prefix="knot-")
        conf = os.path.join(self.workdir, "knot.conf")
        with open(conf, "w") as f:
            f.write(self.config())
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [knotd, "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.workdir, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        pending = list(self.zones) + list(self.primaries)
        while pending and time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._serves(pending[0]):
                pending.pop(0)
            else:
                time.sleep(0.1)
        if pending:
            self.stop()
            raise RuntimeError(f"knotd did not serve {pending[0]!r}: {self._log_tail()}")

    def _serves(self, zone: str) -> bool:
        query = dns.message.make_query(zone + ".", "SOA")
        try:
            response = dns.query.udp(query, self.address, port=self.port, timeout=0.5)
        except (OSError, dns.exception.DNSException):
            return False
        return response.rcode() == dns.rcode.NOERROR and bool(response.flags & dns.flags.AA)

    def _log_tail(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-1500:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM Knot (by its process id), SIGKILL if it has not exited in time; remove rundir."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        if self.rundir:
            shutil.rmtree(self.rundir, ignore_errors=True)
            self.rundir = None


def start_knot(test, zones: dict[str, str], workdir: str | None = None,
               primaries: dict[str, tuple[str, int]] | None = None):
    """
    Start Knot for a trial test (in a thread, so a reactor-run server keeps answering).

    Skips the test when C{knotd} is not installed; stops Knot in the test's cleanup.

    @param test: The running test case; its C{mktemp()} gives the work directory by default.
    @param primaries: zones Knot serves as a secondary, each with its primary's address and
        port; the Deferred fires once Knot has transferred and serves every one of them.
    @return: A Deferred firing with the started L{KnotServer}.
    """
    if knotd_path() is None:
        raise SkipTest("knotd is not installed (Debian package 'knot'); the Knot comparison needs it")
    server = KnotServer(workdir or test.mktemp(), zones, dict(primaries or {}))
    test.addCleanup(server.stop)
    return deferToThread(server.start).addCallback(lambda _: server)
