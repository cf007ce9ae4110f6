"""
The DoT and DoH rows of the authoritative mode: which peer serves them, and its setup.

Knot is the authoritative reference, but DNS over TLS (C{server: listen-tls}) only came to Knot
after 3.2, and Knot serves no DoH at all. When the installed Knot rejects C{listen-tls}
(L{knot_has_dot}), the peer for DoT and DoH is Unbound serving C{bench.example} from the
same zone file as an C{auth-zone} (C{for-downstream: yes}, no recursion, one thread), with
C{tls-port} and C{https-port} on their own loopback ports. Unbound is measured over UDP and
TCP too, so its TLS rows can be read against its own plain rows, as dnsops' are.
"""

import subprocess
import tempfile
from pathlib import Path

from common import LOOPBACK, ZONE, tool, unbound_server_options

#: Transports a dnsperf row can use (its C{-m} modes).
TRANSPORTS = ("udp", "tcp", "dot", "doh")
TLS_TRANSPORTS = ("dot", "doh")


def knot_version() -> str:
    """C{knotd --version}'s version, or C{"?"}."""
    try:
        out = subprocess.run([tool("knotd"), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.split("version")[-1].strip() or "?"


def knot_has_dot() -> bool:
    """Whether this Knot accepts C{server: listen-tls} (its DoT listener): asked of C{knotc conf-check}."""
    with tempfile.TemporaryDirectory(prefix="knot-dot-check-") as wd:
        conf = Path(wd) / "knot.conf"
        conf.write_text(f'server:\n    rundir: "{wd}"\n    listen-tls: {LOOPBACK}@8853\n')
        try:
            done = subprocess.run([tool("knotc"), "-c", str(conf), "conf-check"],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0


def certificate(wd: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for a TLS peer (dnsperf does not verify it)."""
    from dnsops.server.tls import ensure_self_signed

    cert, key = ensure_self_signed(str(wd / "peer.db"), ["localhost"], [LOOPBACK])
    return Path(cert), Path(key)


def setup_unbound_auth(args, wd: Path, ports: dict, upstream=None) -> list[str]:
    """
    Unbound authoritative for the bench zone (C{auth-zone}), one thread, no recursion, on
    the plain port and, when asked, on DoT and DoH ports with a generated certificate.
    """
    lines = [f"    interface: {LOOPBACK}@{ports['dns']}"]
    tls = [t for t in TLS_TRANSPORTS if ports.get(t)]
    if tls:
        cert, key = certificate(wd)
        lines += [f"    tls-service-key: \"{key}\"", f"    tls-service-pem: \"{cert}\""]
    if "dot" in tls:
        lines += [f"    interface: {LOOPBACK}@{ports['dot']}", f"    tls-port: {ports['dot']}"]
    if "doh" in tls:
        lines += [f"    interface: {LOOPBACK}@{ports['doh']}", f"    https-port: {ports['doh']}",
                  "    http-notls-downstream: no", "    http-max-streams: 100"]
    conf = wd / "unbound.conf"
    conf.write_text("server:\n" + "\n".join(lines) + "\n" + unbound_server_options(wd) + f"""\
    incoming-num-tcp: 100
remote-control:
    control-enable: no
auth-zone:
    name: "{ZONE}"
    zonefile: "{args.zone}"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
""")
    return [tool("unbound"), "-d", "-c", str(conf)]


def dnsperf_mode(proto: str, port: int, doh_method: str = "GET") -> list[str]:
    """dnsperf's arguments for a transport: C{-m}, and for DoH the URI (its C{:authority}) and method."""
    if proto == "udp":
        return []
    argv = ["-m", proto]
    if proto == "doh":
        argv += ["-O", f"doh-uri=https://{LOOPBACK}:{port}/dns-query", "-O", f"doh-method={doh_method}"]
    return argv
