"""
The forwarding mode's parts: the upstream Knot, Unbound as the reference forwarder, dnsops
set up to forward, the warm-up pass and the upstream's query counter.

Method of the shared kit (C{../shared/bench/README.md}, "Forwarding"): the upstream is Knot,
authoritative for C{bench.example.}, on its own loopback port and pinned to the client's core
(after the warm-up it should get nothing, and its counter shows it). The forwarder runs on the
server core with its cache on; one slow pass over the query file fills the cache, then the
measured load is all cache hits.
"""

import json
import re
import subprocess
from pathlib import Path

from common import LOOPBACK, ZONE, pin, tool, unbound_server_options


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def upstream_conf(zone: Path, wd: Path, port: int) -> Path:
    """Knot with one worker of each kind, plus mod-stats so every query it gets is counted."""
    return write(wd / "knot.conf", f"""\
server:
    rundir: "{wd}"
    listen: {LOOPBACK}@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{wd}/knot.sock"
database:
    storage: "{wd}"
log:
  - target: stderr
    any: notice
mod-stats:
  - id: count
    request-protocol: on
template:
  - id: default
    storage: "{wd}"
    zonefile-sync: -1
    journal-content: none
    global-module: mod-stats/count
zone:
  - domain: {ZONE}
    file: "{zone}"
""")


def upstream_queries(conf: Path) -> int | None:
    """Queries the upstream Knot has received so far (mod-stats request-protocol), or None."""
    try:
        out = subprocess.run([tool("knotc"), "-c", str(conf), "stats", "mod-stats"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    counts = [int(m.group(1)) for m in re.finditer(r"request-protocol\[[^\]]+\] = (\d+)", out)]
    return sum(counts) if counts else 0


def setup_unbound(args, wd: Path, ports: dict, upstream: int) -> list[str]:
    """Unbound as the kit runs it: one thread, cache on, no validation, forwarding to the upstream."""
    conf = write(wd / "unbound.conf", f"""\
server:
    interface: {LOOPBACK}
    port: {ports["dns"]}
{unbound_server_options(wd)}\
    do-not-query-localhost: no
    msg-cache-size: 64m
    rrset-cache-size: 128m
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: {LOOPBACK}@{upstream}
""")
    return [tool("unbound"), "-d", "-c", str(conf)]


def dnsops_forwarding(run_dnsops, upstream: int) -> None:
    """
    Point a fresh dnsops database at our upstream only: no zones (so C{bench.example} is
    forwarded), the default public upstreams deleted, then ours added.

    @param run_dnsops: C{run_dnsops(*argv) -> stdout}, the CLI against the row's database.
    """
    run_dnsops("init-db")
    listed = json.loads(run_dnsops("list-upstream", "--json"))
    items = listed.get("items", []) if isinstance(listed, dict) else listed
    for item in items:
        run_dnsops("delete-upstream", str(item["id"]))
    run_dnsops("add-upstream", LOOPBACK, "--port", str(upstream), "--priority", "0")


def warm_up(args, port: int) -> tuple[str, str]:
    """One slow pass over the query file, so the measured load finds everything cached."""
    cmd = ["dnsperf", "-s", LOOPBACK, "-p", str(port), "-d", str(args.queries), "-n", "1",
           "-c", "1", "-T", "1", "-q", "20", "-t", "5"]
    done = subprocess.run([*pin(args.client_cpu), *cmd], capture_output=True, text=True,
                          timeout=900)
    return " ".join(cmd), done.stdout + done.stderr
