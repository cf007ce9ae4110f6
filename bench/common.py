"""
Process and socket helpers shared by the benchmark's modes: finding tools and free ports,
pinning to cores, waiting for a server, stopping it, reading dnsperf's report.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KIT = REPO.parent / "shared" / "bench"
ZONE = "bench.example"
LOOPBACK = "127.0.0.1"


def tool(name: str) -> str:
    """A program beside this Python (a venv's C{bin/}), else on C{PATH}, else the bare name."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin") or name


def unbound_server_options(wd: Path) -> str:
    """
    The C{server:} lines every Unbound of the benchmark shares: one thread in the foreground,
    no chroot, syslog or pid file, iterator only (no validation), loopback clients allowed.
    """
    return f"""\
    do-ip6: no
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{wd}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    module-config: "iterator"
    access-control: 127.0.0.0/8 allow
"""


def free_port(avoid: tuple = ()) -> int:
    """A loopback port free for both UDP and TCP, and not one of C{avoid}."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            if port in avoid:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOOPBACK, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port")


def pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []


def wire_query(qname: str, qtype: int, rd: bool) -> bytes:
    """A minimal DNS query (ID 0x4242) in wire form."""
    labels = b"".join(bytes([len(p)]) + p.encode() for p in qname.split(".") if p)
    return (b"\x42\x42" + (b"\x01\x00" if rd else b"\x00\x00") + b"\x00\x01\x00\x00\x00\x00\x00\x00"
            + labels + b"\x00" + qtype.to_bytes(2, "big") + b"\x00\x01")


def ready(proc: subprocess.Popen, port: int, qname: str = ZONE, qtype: int = 6, rd: bool = False,
          deadline_s: float = 120) -> bool:
    """Wait (bounded) until the server answers C{qname} with NOERROR over UDP; False if it died."""
    query = wire_query(qname, qtype, rd)
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
    """SIGTERM a server we started (by its id), SIGKILL after 15 s."""
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


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of C{pid} so far (from /proc), or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def parse_dnsperf(text: str) -> dict[str, object]:
    def num(pattern: str, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None

    lat = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)", text)
    rcodes = re.search(r"Response codes:\s+(.*)", text)
    return {
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "avg_ms": round(float(lat.group(1)) * 1000, 3) if lat else None,
        "max_ms": round(float(lat.group(3)) * 1000, 3) if lat else None,
        "rcodes": rcodes.group(1).strip() if rcodes else "",
    }
