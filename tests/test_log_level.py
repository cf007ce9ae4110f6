"""
C{--log-level} under twistd: the level filters what the server logs, as it does for C{dnsops start}.

A real C{twistd -n dnsops} process on a port picked here, polled over DNS (bounded), then
stopped; its log is read afterwards.
"""

import os
import signal
import socket
import time

import dns.exception

from twisted.internet import defer
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import TestCase

from tests import dnsquery
from tests.test_process import TWISTD, Process

START_TIMEOUT = 45.0


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (a small race, accepted in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return udp.getsockname()[1]


class LogLevelTests(TestCase):
    """twistd's --log-level reaches the observers twistd installs."""

    @defer.inlineCallbacks
    def test_error_level_hides_info_lines(self) -> None:
        """If twistd runs dnsops with --log-level error, then the info lines (listening, token) are not logged."""
        cwd = self.mktemp()
        port = free_port()
        server = Process(self, TWISTD + ["-n", "--pidfile=", "dnsops", "--db", "x.db", "--port", str(port),
                                         "--api-port", "0", "--no-doh", "--no-dot",
                                         "--interface", "127.0.0.1", "--log-level", "error"], cwd)
        deadline = time.monotonic() + START_TIMEOUT
        answered = None
        while answered is None and time.monotonic() < deadline:
            try:
                answered = yield dnsquery.query(port, "version.bind", "TXT", rdclass="CH")
            except (dns.exception.Timeout, OSError):
                yield deferToThread(time.sleep, 0.2)
        self.assertIsNotNone(answered, "server did not answer")
        server.proc.send_signal(signal.SIGTERM)
        yield deferToThread(server.proc.wait, 30)
        log = server.log()
        self.assertNotIn("listening on", log)
        self.assertNotIn("API token", log)
        self.assertTrue(os.path.exists(os.path.join(cwd, "x.db")))
