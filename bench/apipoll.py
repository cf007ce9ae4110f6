"""
A dashboard stand-in: GET C{/api/stats} with the API token once a second while the load runs,
so the benchmark can show what a polling client costs the DNS path.
"""

import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import LOOPBACK


def api_address(log: Path, deadline_s: float = 30) -> tuple[int, str] | None:
    """The API port and token from a dnsops server log (C{API token: …}, C{dashboard at …})."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        text = log.read_text(errors="replace")
        token = re.search(r"API token: (\S+)", text)
        port = re.search(r"dashboard at http://[^:/]+:(\d+)/", text)
        if token and port:
            return int(port.group(1)), token.group(1)
        time.sleep(0.2)
    return None


class Poller(threading.Thread):
    """
    Ask C{/api/stats} every C{interval} seconds until L{stop}; count answers, errors, latency.

    Bounded: it stops by itself after C{limit_s} seconds whatever happens.
    """

    def __init__(self, port: int, token: str, interval: float = 1.0, limit_s: float = 600) -> None:
        super().__init__(daemon=True)
        self.url = f"http://{LOOPBACK}:{port}/api/stats"
        self.token = token
        self.interval = interval
        self.limit_s = limit_s
        self.done = threading.Event()
        self.ok = 0
        self.errors: list[str] = []
        self.seconds: list[float] = []

    def run(self) -> None:
        end = time.monotonic() + self.limit_s
        while not self.done.is_set() and time.monotonic() < end:
            started = time.monotonic()
            request = urllib.request.Request(self.url, headers={"Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as reply:
                    reply.read()
                    self.ok += reply.status == 200
            except (urllib.error.URLError, OSError) as e:
                self.errors.append(str(e)[:80])
            took = time.monotonic() - started
            self.seconds.append(took)
            self.done.wait(max(0.0, self.interval - took))

    def stop(self) -> dict:
        """Stop and report: requests answered, errors, average and worst latency in ms."""
        self.done.set()
        self.join(timeout=10)
        return {"requests": len(self.seconds), "ok": self.ok, "errors": self.errors[:3],
                "avg_ms": round(1000 * sum(self.seconds) / len(self.seconds), 1) if self.seconds else None,
                "max_ms": round(1000 * max(self.seconds), 1) if self.seconds else None}
