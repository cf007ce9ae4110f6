"""
The entry points as real processes: C{twistd -n dnsops}, C{dnsops start} and C{twistd -ny dns.tac}.

Another process justifies polling: each wait reads the process's log or asks it over DNS,
bounded in count and time. Processes are stopped by their id in cleanups.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import dns.exception
import dns.rcode

from twisted.internet import defer
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import TestCase

from tests import dnsquery

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TWISTD = [sys.executable, "-c", "import sys; from twisted.scripts.twistd import run; sys.argv[0] = 'twistd'; run()"]
DNSOPS = [sys.executable, "-m", "dnsops"]
LISTENING = re.compile(r"dns udp listening on 127\.0\.0\.1:(\d+)")
START_TIMEOUT = 20.0
VISIBLE_WITHIN = 1.5


def environment(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DNSOPS_DB", None)
    env.update(extra)
    return env


def cli(*args: str, db_path: str) -> subprocess.CompletedProcess:
    """Run one C{dnsops} command against C{db_path} (blocking)."""
    return subprocess.run(DNSOPS + list(args) + ["--db", db_path], capture_output=True, text=True,
                          env=environment(), timeout=60, cwd=ROOT)


class Process:
    """A server process writing its log to a file in the test's directory."""

    def __init__(self, test: TestCase, argv: list[str], cwd: str, env: dict | None = None) -> None:
        os.makedirs(cwd, exist_ok=True)
        self.log_path = os.path.join(cwd, "server.log")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd,
                                     env=env or environment())
        test.addCleanup(self.kill)

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def wait_for(self, pattern: str | re.Pattern, timeout: float = START_TIMEOUT) -> re.Match:
        """
        The first match of C{pattern} in the log, waiting until it is written (blocking; bounded
        by C{timeout}, and given up at once if the process has exited without writing it).
        """
        pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            exited = self.proc.poll() is not None
            found = pattern.search(self.log())
            if found:
                return found
            if exited or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern.pattern!r}; log:\n{self.log()}")

    def wait_port(self) -> int:
        """The DNS port from the log (blocking; bounded by L{START_TIMEOUT})."""
        return int(self.wait_for(LISTENING).group(1))

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=20)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self._log.close()


def answer_within(port: int, name: str, rdtype: str, predicate, seconds: float):
    """Ask until C{predicate(resp)} holds; the time it took, or None (blocking, bounded)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds + 1.0:
        try:
            resp = dnsquery.ask(port, dnsquery.make(name, rdtype))
        except dns.exception.Timeout:
            resp = None
        if resp is not None and predicate(resp):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


class TwistdTests(TestCase):
    """C{twistd -n dnsops} on a database the CLI changes from another process."""

    timeout = 120

    def setUp(self) -> None:
        self.dir = os.path.abspath(self.mktemp())
        os.makedirs(self.dir)
        self.db_path = os.path.join(self.dir, "new", "dns.db")
        os.makedirs(os.path.dirname(self.db_path))
        argv = TWISTD + ["-n", "--pidfile=", "dnsops", "--db", self.db_path, "--port", "0",
                         "--interface", "127.0.0.1", "--api-port", "0", "--no-doh", "--no-dot"]
        self.server = Process(self, argv, self.dir)

    @defer.inlineCallbacks
    def test_starts_on_missing_db_and_logs(self):
        """If the database is missing, then twistd creates it and logs listeners, token and dashboard."""
        port = yield deferToThread(self.server.wait_port)
        self.assertTrue(os.path.exists(self.db_path))
        # Each line may still be on its way to the log when the port line is there: wait for each.
        yield deferToThread(self.server.wait_for, re.escape(f"dns tcp listening on 127.0.0.1:{port}"))
        api = yield deferToThread(self.server.wait_for, r"api http listening on 127\.0\.0\.1:(\d+)")
        yield deferToThread(self.server.wait_for, r"API token: \S{20,}")
        yield deferToThread(self.server.wait_for, re.escape("dashboard at http://127.0.0.1:"))
        api_port = api.group(1)
        body = yield deferToThread(_get_json, f"http://127.0.0.1:{api_port}/health")
        self.assertEqual(body["status"], "ok")

    @defer.inlineCallbacks
    def test_cli_changes_served(self):
        """If the CLI adds then deletes a record in another process, then each is served within 1.5 s."""
        port = yield deferToThread(self.server.wait_port)
        done = yield deferToThread(cli, "add-zone", "example.com", "--ns", "ns1.example.com",
                                   "--admin", "admin.example.com", db_path=self.db_path)
        self.assertEqual(done.returncode, 0, done.stderr)
        added = yield deferToThread(cli, "add-record", "example.com", "www", "A", "192.0.2.7",
                                    db_path=self.db_path)
        self.assertEqual(added.returncode, 0, added.stderr)
        took = yield deferToThread(answer_within, port, "www.example.com", "A",
                                   lambda r: bool(r.answer), VISIBLE_WITHIN)
        self.assertIsNotNone(took)
        self.assertLess(took, VISIBLE_WITHIN)
        record_id = added.stdout.split()[0]
        deleted = yield deferToThread(cli, "delete-record", record_id, db_path=self.db_path)
        self.assertEqual(deleted.returncode, 0, deleted.stderr)
        took = yield deferToThread(answer_within, port, "www.example.com", "A",
                                   lambda r: not r.answer, VISIBLE_WITHIN)
        self.assertIsNotNone(took)
        self.assertLess(took, VISIBLE_WITHIN)

    @defer.inlineCallbacks
    def test_sigterm_clean_stop(self):
        """If twistd gets SIGTERM, then it stops cleanly: listeners closed, no traceback."""
        port = yield deferToThread(self.server.wait_port)
        # An answer means the reactor runs, so its signal handlers are in place: a SIGTERM
        # before that (mid start-up) would end the process the default way.
        yield dnsquery.query(port, "version.bind", "TXT", rdclass="CH")
        status = yield deferToThread(self.server.stop)
        self.assertIn(status, (0, -signal.SIGTERM))
        log = self.server.log()
        self.assertNotIn("Traceback", log)
        self.assertIn("Main loop terminated", log)


class StartCommandTests(TestCase):
    """C{dnsops start} in the foreground."""

    timeout = 60

    @defer.inlineCallbacks
    def test_start_sigterm_exit_zero(self):
        """If dnsops start gets SIGTERM, then it answers before and exits 0 after a clean stop."""
        directory = os.path.abspath(self.mktemp())
        db_path = os.path.join(directory, "dns.db")
        server = Process(self, DNSOPS + ["start", "--db", db_path, "--port", "0", "--interface",
                                         "127.0.0.1", "--api-port", "0", "--no-doh", "--no-dot"],
                         directory)
        port = yield deferToThread(server.wait_port)
        resp = yield dnsquery.query(port, "version.bind", "TXT", rdclass="CH")
        self.assertEqual(resp.rcode(), dns.rcode.REFUSED)
        status = yield deferToThread(server.stop)
        self.assertEqual(status, 0, server.log())
        self.assertNotIn("Traceback", server.log())

    @defer.inlineCallbacks
    def test_bad_port_one_line(self):
        """If the port is out of range, then dnsops start exits 1 with one error line."""
        done = yield deferToThread(cli, "start", "--port", "70000", db_path=self.mktemp())
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stderr.strip().splitlines(), ["error: invalid port '70000': expected 0 to 65535"])


class TacTests(TestCase):
    """C{twistd -ny dns.tac} configured by C{DNSOPS_*}."""

    timeout = 60

    @defer.inlineCallbacks
    def test_tac_from_environment(self):
        """If DNSOPS_* name the database and port 0, then dns.tac serves on the chosen port."""
        directory = os.path.abspath(self.mktemp())
        env = environment(DNSOPS_DB=os.path.join(directory, "tac.db"), DNSOPS_PORT="0",
                          DNSOPS_API_PORT="0", DNSOPS_INTERFACES="127.0.0.1", DNSOPS_NO_DOH="1",
                          DNSOPS_NO_DOT="1")
        server = Process(self, TWISTD + ["-ny", os.path.join(ROOT, "dns.tac"), "--pidfile="],
                         directory, env)
        port = yield deferToThread(server.wait_port)
        self.assertTrue(os.path.exists(os.path.join(directory, "tac.db")))
        resp = yield dnsquery.query(port, "version.bind", "TXT", rdclass="CH")
        self.assertEqual(resp.rcode(), dns.rcode.REFUSED)
        yield deferToThread(server.stop)


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())

