#!/usr/bin/env python3
"""
Measure dnsops with dnsperf on loopback against a reference server in the same run: the ratio.

The method is the one in the shared benchmark kit (C{../shared/bench/README.md}). Each server
in turn runs alone pinned to one core (C{taskset -c 1}) while dnsperf, pinned to the other
(C{taskset -c 0}), replays C{queries.txt} for a fixed time. C{--mode auth} (the default)
compares authoritative answers from C{bench.example.zone} with Knot over UDP and TCP;
C{--mode forward} compares forwarding cache hits with Unbound, both forwarding to one upstream
Knot (L{forward}). C{--transports udp,tcp,dot,doh} adds DNS over TLS and over HTTPS rows in the
authoritative mode, against Knot's DoT where this Knot has it, else against Unbound serving the
same zone (L{tls}). Absolute qps mean little on a shared machine; the ratio to the reference
measured in the same run is the figure to report. Runs alternate their order so a drifting
machine favours no one. Before loading, a few questions go to every server and their answers
are compared with the reference's, so a fast wrong answer shows in the C{checks} column.

    python bench/run.py                       # 2 runs x 20 s per row
    python bench/run.py --duration 5 --runs 1 # a quick look, not for reporting
    python bench/run.py --mode forward --querylog both --api-poll
    python bench/run.py --transports udp,tcp,dot,doh --duration 10

Nothing is imported from the kit at run time: its zone and query file are data.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import apipoll
import forward
import tls
from common import (HERE, KIT, LOOPBACK, REPO, ZONE, cpu_seconds, free_port, parse_dnsperf, pin,
                    ready, repin, rss_mib, stop, tool)


@dataclass(frozen=True)
class Server:
    """One row of the table: how to set a server up in a work folder and start it."""

    name: str
    setup: object  # (args, workdir, ports {"dns", "dot", "doh"}, upstream port or None) -> argv
    notes: str
    reference: bool = False
    poll: bool = False
    transports: tuple = tls.TRANSPORTS
    #: the reference for the transports the reference server lacks (DoT, DoH)
    tls_peer: bool = False


def setup_knot(args, wd: Path, ports: dict, upstream=None) -> list[str]:
    """Knot with one worker of each kind: the reference row (DoT only where Knot has it)."""
    conf = wd / "knot.conf"
    dot = f"    listen-tls: {LOOPBACK}@{ports['dot']}\n" if ports.get("dot") else ""
    conf.write_text(f"""\
server:
    rundir: "{wd}"
    listen: {LOOPBACK}@{ports['dns']}
{dot}    udp-workers: 1
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


def dnsops_setup(querylog: bool):
    """
    dnsops from a fresh database: the zone imported (authoritative mode) or only our upstream
    (forwarding mode), the per-source rate limit off, and with C{querylog} False
    C{query_log_size 0}.
    """
    def setup(args, wd: Path, ports: dict, upstream=None) -> list[str]:
        db = wd / "dnsops.db"
        dnsops = tool("dnsops")

        def run_dnsops(*argv: str) -> str:
            done = subprocess.run([dnsops, *argv, "--db", str(db)], capture_output=True, text=True,
                                  timeout=600)
            if done.returncode:
                raise RuntimeError(f"dnsops {argv[0]} failed: {done.stderr.strip()}")
            return done.stdout

        if upstream is None:
            run_dnsops("import-zone", ZONE, str(args.zone))
        else:
            forward.dnsops_forwarding(run_dnsops, upstream)
        # dnsperf sends everything from one address: a per-IP limit would measure itself.
        run_dnsops("set-config", "rate_limit_per_sec", "0")
        if not querylog:
            run_dnsops("set-config", "query_log_size", "0")
        argv = [tool("twistd"), "-n", "--pidfile=", "dnsops", "--db", str(db), "--port", str(ports["dns"]),
                "--interface", LOOPBACK, "--api-port", "0"]
        for kind in tls.TLS_TRANSPORTS:
            argv += [f"--{kind}-port", str(ports[kind])] if ports.get(kind) else [f"--no-{kind}"]
        return argv
    return setup


DNSOPS_NOTES = "twistd -n dnsops after dnsops import-zone (forward: add-upstream)"


def servers_for(args) -> list[Server]:
    """The rows of this run: the reference server, then dnsops and the variants asked for."""
    if args.mode == "forward":
        rows = [Server("unbound", forward.setup_unbound, "unbound -d, num-threads 1, forward-zone . "
                       "to the upstream, iterator only (no validation)", reference=True,
                       transports=("udp",))]
    else:
        knot_dot = args.knot_dot
        rows = [Server("knot", setup_knot, "knotd, udp/tcp/background-workers 1"
                       + (", listen-tls" if knot_dot else ""), reference=True,
                       transports=("udp", "tcp", "dot") if knot_dot else ("udp", "tcp"))]
        lacking = [t for t in args.transports if t not in rows[0].transports]
        if lacking:
            rows.append(Server("unbound", tls.setup_unbound_auth, "unbound -d, num-threads 1, auth-zone "
                               "bench.example for-downstream, iterator only, tls-port/https-port",
                               tls_peer=True))
    if args.querylog in ("on", "both"):
        rows.append(Server("dnsops", dnsops_setup(True), DNSOPS_NOTES))
    if args.querylog in ("off", "both"):
        rows.append(Server("dnsops-nolog", dnsops_setup(False), DNSOPS_NOTES + ", query_log_size 0"))
    if args.api_poll:
        rows.append(Server("dnsops-poll", dnsops_setup(True), DNSOPS_NOTES
                           + ", GET /api/stats every second during the load", poll=True))
    wanted = args.only.split(",") if args.only else None
    return [s for s in rows if wanted is None or s.name in wanted or (s.reference and "ref" in wanted)]


#: Questions whose answers must agree with Knot's before the load (name, type).
CHECKS = (
    ("host-0001", "A"), ("host-0003", "AAAA"), ("", "MX"), ("", "TXT"), ("app-001", "A"),
    ("foo.wild", "A"), ("nx-check", "A"), ("host-0001", "MX"), ("rack-1.dc", "A"),
    ("www.sub", "A"),
)


def answers(port: int, forwarding: bool = False) -> dict[str, object] | None:
    """
    The check questions' (rcode, AA, answer, authority) at C{port}; None without dnspython.

    Forwarding: RD set, the referral left out (a forwarder chases it), TTLs left out (a
    cache counts them down).
    """
    try:
        import dns.flags
        import dns.message
        import dns.query
        import dns.rcode
    except ImportError:
        return None
    out = {}
    for label, rdtype in CHECKS:
        if forwarding and label == "www.sub":
            continue
        name = f"{label}.{ZONE}." if label else f"{ZONE}."
        query = dns.message.make_query(name, rdtype, use_edns=0)
        if not forwarding:
            query.flags &= ~dns.flags.RD
        try:
            r = dns.query.udp(query, LOOPBACK, port=port, timeout=2)
        except Exception as e:  # noqa: BLE001 - any failure is a failed check, shown as text
            out[f"{name} {rdtype}"] = f"no answer: {type(e).__name__}"
            continue
        sections = [sorted((f"{rrset.name} {rd}" if forwarding else f"{rrset.name} {rrset.ttl} {rd}")
                           .lower() for rrset in sec for rd in rrset)
                    for sec in (r.answer, r.authority)]
        out[f"{name} {rdtype}"] = (dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.AA),
                                   *sections)
    return out


def checks(reference: dict | None, got: dict | None) -> dict[str, object] | None:
    """How many check answers equal the reference server's (None when there is none)."""
    if reference is None or got is None:
        return None
    fails = [q for q in reference if reference[q] != got.get(q)]
    return {"passed": len(reference) - len(fails), "total": len(reference), "fails": fails}


def dnsperf(args, port: int, proto: str) -> tuple[dict, str]:
    cmd = [*pin(args.client_cpu), "dnsperf", "-s", LOOPBACK, "-p", str(port), "-d",
           str(args.queries), "-l", str(args.duration), "-c", "10", "-T", "1", "-q", "200",
           *tls.dnsperf_mode(proto, port, args.doh_method)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
    out = done.stdout + done.stderr
    return {**parse_dnsperf(out), "command": " ".join(cmd[len(pin(args.client_cpu)):])}, out


def start(argv: list[str], cpu, wd: Path, log_name: str) -> subprocess.Popen:
    # The checkout goes first on PYTHONPATH: twistd then finds its plugin (twisted/plugins/)
    # even under an editable install, and this checkout's code is what gets measured.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    with open(wd / log_name, "wb") as log:
        return subprocess.Popen([*pin(cpu), *argv], cwd=wd, stdout=log, env=env,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def measure(server: Server, run: int, args, root: Path) -> list[dict]:
    """Start one server (and its upstream), check it, load it per transport, stop: one row each."""
    wd = root / f"run{run}-{server.name}"
    wd.mkdir(parents=True)
    base = {"run": run, "server": server.name}
    upstream = up_conf = None
    up_port = None
    try:
        if args.mode == "forward":
            up_port = free_port()
            up_wd = wd / "upstream"
            up_wd.mkdir()
            up_conf = forward.upstream_conf(args.zone, up_wd, up_port)
            upstream = start([tool("knotd"), "-c", str(up_conf)], args.client_cpu, up_wd, "knotd.log")
            if not ready(upstream, up_port):
                return [{**base, "proto": "udp", "error": "upstream knotd did not start"}]
            repin(upstream.pid, args.client_cpu)
        ports = {"dns": free_port(avoid=(up_port,))}
        for kind in tls.TLS_TRANSPORTS:
            if kind in protocols(server, args):
                ports[kind] = free_port(avoid=(up_port, *ports.values()))
        base["port"] = ports["dns"]
        return _measure_server(server, base, args, wd, ports, up_port, up_conf)
    finally:
        if upstream is not None:
            stop(upstream)


def protocols(server: Server, args) -> list[str]:
    """The transports measured for C{server}: those asked for that it serves (UDP only when forwarding)."""
    if args.mode == "forward":
        return ["udp"]
    return [t for t in args.transports if t in server.transports]


def _measure_server(server, base, args, wd, ports, up_port, up_conf) -> list[dict]:
    port = ports["dns"]
    try:
        argv = server.setup(args, wd, ports, up_port)
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        return [{**base, "proto": "udp", "error": f"setup failed: {e}"}]
    forwarding = up_port is not None
    proc = start(argv, args.server_cpu, wd, "server.log")
    rows = []
    try:
        probe = {"qname": f"host-0001.{ZONE}", "qtype": 1, "rd": True} if forwarding else {}
        if not ready(proc, port, **probe):
            tail = (wd / "server.log").read_text(errors="replace")[-800:]
            return [{**base, "proto": "udp", "error": f"did not start: {tail}"}]
        repinned = repin(proc.pid, args.server_cpu)
        base["answers"] = answers(port, forwarding)
        if forwarding:
            before = forward.upstream_queries(up_conf)
            command, out = forward.warm_up(args, port)
            (wd / "warmup.out").write_text(out)
            time.sleep(1.0)  # late upstream answers settle
            after = forward.upstream_queries(up_conf)
            base["warmup"] = {"command": command, **parse_dnsperf(out),
                              "upstream_queries": after - before if None not in (before, after) else None}
        poll_to = apipoll.api_address(wd / "server.log") if server.poll else None
        if server.poll and poll_to is None:
            return [{**base, "proto": "udp", "error": "no API port/token in the server log"}]
        for proto in protocols(server, args):
            repinned += repin(proc.pid, args.server_cpu)
            poller = apipoll.Poller(*poll_to, limit_s=args.duration + 60) if poll_to else None
            up_before = forward.upstream_queries(up_conf) if forwarding else None
            cpu_before = cpu_seconds(proc.pid)
            if poller is not None:
                poller.start()
            figures, out = dnsperf(args, ports.get(proto, port), proto)
            polled = poller.stop() if poller is not None else None
            cpu_after = cpu_seconds(proc.pid)
            (wd / f"dnsperf-{proto}.out").write_text(out)
            row = {**base, "proto": proto, **figures, "rss_mib": rss_mib(proc.pid),
                   "repinned_threads": repinned, "alive_after": proc.poll() is None,
                   "server_cpu_pct": round(100 * (cpu_after - cpu_before) / args.duration, 1)
                   if None not in (cpu_before, cpu_after) else None}
            if polled is not None:
                row["api_poll"] = polled
            if forwarding:
                up_after = forward.upstream_queries(up_conf)
                row["upstream_queries"] = (up_after - up_before
                                           if None not in (up_before, up_after) else None)
            if row["qps"] is None:
                row["error"] = f"dnsperf: {out[-300:]}"
            rows.append(row)
            print(f"run {base['run']} {server.name:12} {proto}: "
                  + (f"{row['qps']:,.0f} qps, avg {row['avg_ms']} ms, lost {row['lost']}"
                     + (f", upstream {row['upstream_queries']} q" if forwarding else "")
                     + (f", polled {polled['ok']}/{polled['requests']}" if polled else "")
                     if row["qps"] is not None else row["error"]), file=sys.stderr, flush=True)
        return rows
    finally:
        stop(proc)


def reference_for(proto: str, servers: list[Server]) -> str | None:
    """The row a transport is compared with: the reference server if it serves it, else the TLS peer."""
    for s in servers:
        if s.reference and proto in s.transports:
            return s.name
    return next((s.name for s in servers if s.tls_peer and proto in s.transports), None)


def table(rows: list[dict], servers: list[Server]) -> str:
    """
    Markdown: server, proto, qps per run, ratio to the transport's reference (Knot, or the TLS
    peer for DoT/DoH) and to the plain dnsops row in the same run, for DoT/DoH also to the same
    server's own TCP row, then latency, loss, memory and checks.
    """
    names = [s.name for s in servers]
    runs = sorted({r["run"] for r in rows})
    qps = {(r["server"], r["run"], r["proto"]): r.get("qps") for r in rows}
    protos = sorted({r["proto"] for r in rows}, key=lambda p: tls.TRANSPORTS.index(p) if p in tls.TRANSPORTS else 9)
    refs = {p: reference_for(p, servers) for p in protos}
    head = ["server", "proto", *[f"qps run {n}" for n in runs], "x ref", "x dnsops", "x own tcp",
            "avg ms", "lost", "RSS MiB", "upstream q", "checks"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = sorted({(r["server"], r["proto"]) for r in rows},
                  key=lambda k: (names.index(k[0]) if k[0] in names else 99,
                                 tls.TRANSPORTS.index(k[1]) if k[1] in tls.TRANSPORTS else 9))
    for server, proto in keys:
        mine = {r["run"]: r for r in rows if (r["server"], r["proto"]) == (server, proto)}

        def each(f):
            return " / ".join(f(mine[n]) if n in mine else "-" for n in runs)

        def ratio(to, to_proto=proto):
            def cell(r):
                base = qps.get((to, r["run"], to_proto))
                same = to == server and to_proto == proto
                return f"{r['qps'] / base:.3g}" if r.get("qps") and base and not same else "-"
            return cell

        chk = next((r["checks"] for r in mine.values() if r.get("checks")), None)
        cells = [server, proto,
                 *[f"{mine[n]['qps']:,.0f}" if mine.get(n, {}).get("qps") else
                   ("error" if n in mine else "-") for n in runs],
                 each(ratio(refs.get(proto))),
                 each(ratio("dnsops")) if server != "dnsops" else "-",
                 each(ratio(server, "tcp")) if proto in tls.TLS_TRANSPORTS else "-",
                 each(lambda r: str(r.get("avg_ms", "-"))),
                 each(lambda r: str(r.get("lost", "-"))), each(lambda r: str(r.get("rss_mib", "-"))),
                 each(lambda r: str(r.get("upstream_queries", "-"))),
                 f"{chk['passed']}/{chk['total']}" if chk else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("x ref: " + ", ".join(f"{p} against {refs[p] or 'none'}" for p in protos)
                 + "; x own tcp: the same server's TCP row in the same run")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--mode", choices=("auth", "forward"), default="auth",
                   help="auth: against Knot (UDP, TCP); forward: cache hits against Unbound (UDP)")
    p.add_argument("--querylog", choices=("on", "off", "both"), default="on",
                   help="dnsops rows with the query log on (default), off (query_log_size 0), or both")
    p.add_argument("--api-poll", action="store_true",
                   help="add a dnsops row loaded while a client GETs /api/stats every second")
    p.add_argument("--duration", type=int, default=20, help="seconds of dnsperf per row (20)")
    p.add_argument("--runs", type=int, default=2, help="runs, alternating the order (2)")
    p.add_argument("--zone", type=Path, default=KIT / "bench.example.zone")
    p.add_argument("--queries", type=Path, default=KIT / "queries.txt")
    p.add_argument("--only", help="comma list of rows (knot or unbound, dnsops, dnsops-nolog, unbound as the TLS peer, "
                                  "dnsops-poll; 'ref' for the reference)")
    p.add_argument("--no-tcp", action="store_true", help="UDP rows only (same as --transports udp)")
    p.add_argument("--transports", default="udp,tcp",
                   help="comma list of udp, tcp, dot, doh (authoritative mode; default udp,tcp); "
                        "DoT/DoH are compared with Knot's DoT where it has one, else with Unbound")
    p.add_argument("--doh-method", choices=("GET", "POST"), default="GET",
                   help="dnsperf's DoH method (GET, its default)")
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--client-cpu", type=int, default=0, help="dnsperf's core (and the upstream's)")
    p.add_argument("--no-pin", action="store_true", help="do not use taskset")
    p.add_argument("--json", type=Path, help="where to write the rows (default bench/results/)")
    p.add_argument("--keep", action="store_true", help="keep the servers' work folders")
    args = p.parse_args(argv)
    args.transports = ["udp"] if args.no_tcp else [t.strip() for t in args.transports.split(",") if t.strip()]
    bad = [t for t in args.transports if t not in tls.TRANSPORTS]
    if bad or not args.transports:
        sys.exit(f"error: unknown transport {', '.join(bad) or '(none)'} (choose from udp, tcp, dot, doh)")
    if args.mode == "forward" and args.transports != ["udp"] and not args.no_tcp:
        args.transports = ["udp"]  # the forwarding method is UDP only
    if args.no_pin:
        args.server_cpu = args.client_cpu = None
    args.zone, args.queries = args.zone.resolve(), args.queries.resolve()
    for path in (args.zone, args.queries):
        if not path.exists():
            sys.exit(f"error: {path} not found (give --zone/--queries)")
    wants_tls = args.mode == "auth" and any(t in tls.TLS_TRANSPORTS for t in args.transports)
    needed = ["dnsperf", "knotd"] + (["unbound", "knotc"] if args.mode == "forward" or wants_tls else [])
    for name in needed:
        if not shutil.which(tool(name)):
            sys.exit(f"error: {name} not found (apt-get install dnsperf knot unbound)")
    args.knot_dot = wants_tls and "dot" in args.transports and tls.knot_has_dot()
    if wants_tls:
        print(f"knot {tls.knot_version()}: DoT {'yes (listen-tls)' if args.knot_dot else 'no (listen-tls rejected)'}"
              ", DoH no; DoT/DoH rows are compared with "
              + ("Knot (DoT) and Unbound (DoH)" if args.knot_dot else "Unbound (auth-zone)"), file=sys.stderr)
    servers = servers_for(args)
    if not servers:
        sys.exit(f"error: no row matches --only {args.only!r}")

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
        else:
            print(f"work folders kept in {root}", file=sys.stderr)
    ref = next((s.name for s in servers if s.reference), None)
    reference = {r["run"]: r.get("answers") for r in rows if r["server"] == ref and r.get("answers")}
    for r in rows:
        r["checks"] = checks(reference.get(r["run"]), r.get("answers"))
    print(table(rows, servers))
    for r in rows:
        if r.get("checks") and r["checks"]["fails"] and r["proto"] == "udp":
            print(f"\nrun {r['run']} {r['server']}: answers differ from {ref}'s for "
                  + ", ".join(r["checks"]["fails"]))
        if r.get("error"):
            print(f"\nrun {r['run']} {r['server']} {r['proto']}: {r['error']}")
    out = args.json or HERE / "results" / f"bench-{args.mode}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started, "cpus": os.cpu_count(), "knot": tls.knot_version(),
                               "references": {p: reference_for(p, servers) for p in args.transports},
                               "python": sys.version.split()[0], "settings": {
                                   k: str(v) for k, v in vars(args).items()},
                               "rows": [{k: v for k, v in r.items() if k != "answers"}
                                        for r in rows]}, indent=1, default=str))
    print(f"\nraw results: {out}", file=sys.stderr)
    return 0 if not any(r.get("error") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
