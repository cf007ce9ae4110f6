#!/usr/bin/env python3
"""
Measure dnsops against Knot DNS with dnsperf on loopback, in the same run, and print the ratio.

The method is the one in the shared benchmark kit (C{../shared/bench/README.md}): both servers
load C{bench.example.zone}, each in turn runs alone pinned to one core (C{taskset -c 1}) while
dnsperf, pinned to the other (C{taskset -c 0}), replays C{queries.txt} for a fixed time over UDP
and then TCP. Absolute qps mean little on a shared machine; the ratio to Knot measured in the
same run is the figure to report. Runs alternate their order so a drifting machine favours no
one. Before loading, a few questions go to both servers and their answers are compared, so a
fast wrong answer shows in the C{checks} column.

    python bench/run.py                       # 2 runs x 20 s per row
    python bench/run.py --duration 5 --runs 1 # a quick look, not for reporting

Nothing is imported from the kit at run time: its zone and query file are data.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KIT = REPO.parent / "shared" / "bench"
ZONE = "bench.example"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Server:
    """One row of the table: how to set a server up in a work folder and start it."""

    name: str
    setup: object  # (args, workdir, port) -> argv
    notes: str


def tool(name: str) -> str:
    """A program beside this Python (a venv's C{bin/}), else on C{PATH}, else the bare name."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin") or name


def setup_knot(args, wd: Path, port: int) -> list[str]:
    """Knot with one worker of each kind: the reference row."""
    conf = wd / "knot.conf"
    conf.write_text(f"""\
server:
    rundir: "{wd}"
    listen: {LOOPBACK}@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{wd}"
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: "{wd}"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: {ZONE}
    file: "{args.zone}"
""")
    return [tool("knotd"), "-c", str(conf)]


def setup_dnsops(args, wd: Path, port: int) -> list[str]:
    """dnsops from a fresh database: the zone imported, the per-source rate limit off."""
    db = wd / "dnsops.db"
    dnsops = tool("dnsops")
    for argv in (["import-zone", ZONE, str(args.zone)], ["set-config", "rate_limit_per_sec", "0"]):
        # dnsperf sends everything from one address: a per-IP limit would measure itself.
        done = subprocess.run([dnsops, *argv, "--db", str(db)], capture_output=True, text=True,
                              timeout=600)
        if done.returncode:
            raise RuntimeError(f"dnsops {argv[0]} failed: {done.stderr.strip()}")
    return [tool("twistd"), "-n", "--pidfile=", "dnsops", "--db", str(db), "--port", str(port),
            "--interface", LOOPBACK, "--api-port", "0", "--no-doh", "--no-dot"]


SERVERS = (
    Server("knot", setup_knot, "knotd, udp/tcp/background-workers 1"),
    Server("dnsops", setup_dnsops, "twistd -n dnsops after dnsops import-zone"),
)

#: Questions whose answers must agree with Knot's before the load (name, type).
CHECKS = (
    ("host-0001", "A"), ("host-0003", "AAAA"), ("", "MX"), ("", "TXT"), ("app-001", "A"),
    ("foo.wild", "A"), ("nx-check", "A"), ("host-0001", "MX"), ("rack-1.dc", "A"),
    ("www.sub", "A"),
)


def free_port() -> int:
    """A loopback port free for both UDP and TCP."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOOPBACK, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port")


def pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []


def ready(proc: subprocess.Popen, port: int, deadline_s: float = 120) -> bool:
    """Wait (bounded) until the server answers the zone's SOA over UDP; False if it died."""
    query = (b"\x42\x42\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             + b"".join(bytes([len(p)]) + p.encode() for p in ZONE.split(".")) + b"\x00\x00\x06\x00\x01")
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and proc.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.3)
            s.sendto(query, (LOOPBACK, port))
            try:
                reply = s.recv(4096)
            except OSError:
                reply = b""
        if len(reply) > 3 and reply[3] & 0x0F == 0:
            return True
        time.sleep(0.2)
    return False


def repin(pid: int, cpu: int | None) -> list[str]:
    """Pin every thread of C{pid} to C{cpu} again (knotd re-pins its UDP worker 0 to CPU 0)."""
    moved = []
    if cpu is None:
        return moved
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            if os.sched_getaffinity(int(task.name)) != {cpu}:
                moved.append((task / "comm").read_text().strip())
                os.sched_setaffinity(int(task.name), {cpu})
        except (OSError, ValueError):
            continue
    return moved


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server we started (by its id), SIGKILL after 15 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024, 1)
    except (OSError, AttributeError):
        return None


def answers(port: int) -> dict[str, object] | None:
    """The check questions' (rcode, AA, answer, authority) at C{port}; None without dnspython."""
    try:
        import dns.flags
        import dns.message
        import dns.query
        import dns.rcode
    except ImportError:
        return None
    out = {}
    for label, rdtype in CHECKS:
        name = f"{label}.{ZONE}." if label else f"{ZONE}."
        query = dns.message.make_query(name, rdtype, use_edns=0)
        query.flags &= ~dns.flags.RD
        try:
            r = dns.query.udp(query, LOOPBACK, port=port, timeout=2)
        except Exception as e:  # noqa: BLE001 - any failure is a failed check, shown as text
            out[f"{name} {rdtype}"] = f"no answer: {type(e).__name__}"
            continue
        sections = [sorted(f"{rrset.name} {rrset.ttl} {rd}".lower() for rrset in sec for rd in rrset)
                    for sec in (r.answer, r.authority)]
        out[f"{name} {rdtype}"] = (dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.AA),
                                   *sections)
    return out


def checks(reference: dict | None, got: dict | None) -> dict[str, object] | None:
    """How many check answers equal Knot's (None when there is no reference)."""
    if reference is None or got is None:
        return None
    fails = [q for q in reference if reference[q] != got.get(q)]
    return {"passed": len(reference) - len(fails), "total": len(reference), "fails": fails}


def parse_dnsperf(text: str) -> dict[str, object]:
    def num(pattern: str, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None

    lat = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)", text)
    rcodes = re.search(r"Response codes:\s+(.*)", text)
    return {
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "avg_ms": round(float(lat.group(1)) * 1000, 3) if lat else None,
        "max_ms": round(float(lat.group(3)) * 1000, 3) if lat else None,
        "rcodes": rcodes.group(1).strip() if rcodes else "",
    }


def dnsperf(args, port: int, proto: str) -> tuple[dict, str]:
    cmd = [*pin(args.client_cpu), "dnsperf", "-s", LOOPBACK, "-p", str(port), "-d",
           str(args.queries), "-l", str(args.duration), "-c", "10", "-T", "1", "-q", "200"]
    if proto == "tcp":
        cmd += ["-m", "tcp"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
    out = done.stdout + done.stderr
    return {**parse_dnsperf(out), "command": " ".join(cmd[len(pin(args.client_cpu)):])}, out


def measure(server: Server, run: int, args, root: Path) -> list[dict]:
    """Start one server, check it, load it over each transport, stop it: one row each."""
    wd = root / f"run{run}-{server.name}"
    wd.mkdir(parents=True)
    port = free_port()
    base = {"run": run, "server": server.name, "port": port}
    try:
        argv = server.setup(args, wd, port)
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        return [{**base, "proto": "udp", "error": f"setup failed: {e}"}]
    # The checkout goes first on PYTHONPATH: twistd then finds its plugin (twisted/plugins/)
    # even under an editable install, and this checkout's code is what gets measured.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    with open(wd / "server.log", "wb") as log:
        proc = subprocess.Popen([*pin(args.server_cpu), *argv], cwd=wd, stdout=log, env=env,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    rows = []
    try:
        if not ready(proc, port):
            tail = (wd / "server.log").read_text(errors="replace")[-800:]
            return [{**base, "proto": "udp", "error": f"did not start: {tail}"}]
        repinned = repin(proc.pid, args.server_cpu)
        base["answers"] = answers(port)
        for proto in ("udp",) if args.no_tcp else ("udp", "tcp"):
            repinned += repin(proc.pid, args.server_cpu)
            figures, out = dnsperf(args, port, proto)
            (wd / f"dnsperf-{proto}.out").write_text(out)
            row = {**base, "proto": proto, **figures, "rss_mib": rss_mib(proc.pid),
                   "repinned_threads": repinned, "alive_after": proc.poll() is None}
            if row["qps"] is None:
                row["error"] = f"dnsperf: {out[-300:]}"
            rows.append(row)
            print(f"run {run} {server.name:8} {proto}: "
                  + (f"{row['qps']:,.0f} qps, avg {row['avg_ms']} ms, lost {row['lost']}"
                     if row["qps"] is not None else row["error"]), file=sys.stderr, flush=True)
        return rows
    finally:
        stop(proc)


def table(rows: list[dict]) -> str:
    """Markdown: server, proto, qps per run, ratio to Knot in the same run, checks."""
    runs = sorted({r["run"] for r in rows})
    knot = {(r["run"], r["proto"]): r.get("qps") for r in rows if r["server"] == "knot"}
    head = ["server", "proto", *[f"qps run {n}" for n in runs], "x knot", "avg ms", "lost",
            "RSS MiB", "checks"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = sorted({(r["server"], r["proto"]) for r in rows},
                  key=lambda k: ([s.name for s in SERVERS].index(k[0]), k[1] != "udp"))
    for server, proto in keys:
        mine = {r["run"]: r for r in rows if (r["server"], r["proto"]) == (server, proto)}

        def each(f):
            return " / ".join(f(mine[n]) if n in mine else "-" for n in runs)

        def ratio(r):
            ref = knot.get((r["run"], proto))
            return f"{r['qps'] / ref:.3g}" if r.get("qps") and ref else "-"

        chk = next((r["checks"] for r in mine.values() if r.get("checks")), None)
        cells = [server, proto,
                 *[f"{mine[n]['qps']:,.0f}" if mine.get(n, {}).get("qps") else
                   ("error" if n in mine else "-") for n in runs],
                 each(ratio), each(lambda r: str(r.get("avg_ms", "-"))),
                 each(lambda r: str(r.get("lost", "-"))), each(lambda r: str(r.get("rss_mib", "-"))),
                 f"{chk['passed']}/{chk['total']}" if chk else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--duration", type=int, default=20, help="seconds of dnsperf per row (20)")
    p.add_argument("--runs", type=int, default=2, help="runs, alternating the order (2)")
    p.add_argument("--zone", type=Path, default=KIT / "bench.example.zone")
    p.add_argument("--queries", type=Path, default=KIT / "queries.txt")
    p.add_argument("--only", default="knot,dnsops", help="comma list of servers (knot,dnsops)")
    p.add_argument("--no-tcp", action="store_true", help="UDP rows only")
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--client-cpu", type=int, default=0)
    p.add_argument("--no-pin", action="store_true", help="do not use taskset")
    p.add_argument("--json", type=Path, help="where to write the rows (default bench/results/)")
    p.add_argument("--keep", action="store_true", help="keep the servers' work folders")
    args = p.parse_args(argv)
    if args.no_pin:
        args.server_cpu = args.client_cpu = None
    args.zone, args.queries = args.zone.resolve(), args.queries.resolve()
    for path in (args.zone, args.queries):
        if not path.exists():
            sys.exit(f"error: {path} not found (give --zone/--queries)")
    if not shutil.which("dnsperf"):
        sys.exit("error: dnsperf not found (apt-get install dnsperf)")
    wanted = args.only.split(",")
    servers = [s for s in SERVERS if s.name in wanted]
    if len(servers) != len(wanted):
        sys.exit(f"error: unknown server in {args.only!r} (known: knot, dnsops)")

    root = Path(tempfile.mkdtemp(prefix="dnsops-bench-"))
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    rows: list[dict] = []
    try:
        for run in range(1, args.runs + 1):
            order = servers if run % 2 else list(reversed(servers))
            for server in order:
                rows.extend(measure(server, run, args, root))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    reference = {r["run"]: r.get("answers") for r in rows if r["server"] == "knot"}
    for r in rows:
        r["checks"] = checks(reference.get(r["run"]), r.get("answers"))
    print(table(rows))
    for r in rows:
        if r.get("checks") and r["checks"]["fails"] and r["proto"] == "udp":
            print(f"\nrun {r['run']} {r['server']}: answers differ from knot's for "
                  + ", ".join(r["checks"]["fails"]))
        if r.get("error"):
            print(f"\nrun {r['run']} {r['server']} {r['proto']}: {r['error']}")
    out = args.json or HERE / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started, "cpus": os.cpu_count(),
                               "python": sys.version.split()[0], "settings": {
                                   k: str(v) for k, v in vars(args).items()},
                               "rows": [{k: v for k, v in r.items() if k != "answers"}
                                        for r in rows]}, indent=1, default=str))
    print(f"\nraw results: {out}", file=sys.stderr)
    return 0 if not any(r.get("error") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
