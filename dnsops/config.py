# -*- test-case-name: tests.test_config -*-
"""
Every configuration key once: its name, parser, default and one-line doc.

The CLI (C{set-config}), REST (C{PUT /api/config/:key}) and the running server all go through
L{parse_value}, so a bad value is refused the same way everywhere. The server re-reads the config
table within a second of a change (see L{dnsops.zoneindex.follower}).
"""

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from dnsops.errors import InvalidInput


@dataclass(frozen=True)
class Key:
    """One configuration key."""

    name: str
    default: str
    doc: str
    parse: Callable[[str, str], object]
    secret: bool = False


def _int_range(low: int, high: int) -> Callable[[str, str], int]:
    def parse(key: str, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise InvalidInput(f"invalid value '{text}' for {key}: expected an integer", "value")
        if not low <= value <= high:
            raise InvalidInput(
                f"invalid value '{text}' for {key}: expected {low} to {high}", "value"
            )
        return value

    return parse


def _float_range(low: float, high: float) -> Callable[[str, str], float]:
    def parse(key: str, text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise InvalidInput(f"invalid value '{text}' for {key}: expected a number", "value")
        if not low <= value <= high:
            raise InvalidInput(
                f"invalid value '{text}' for {key}: expected {low:g} to {high:g}", "value"
            )
        return value

    return parse


def _text(key: str, text: str) -> str:
    if "\n" in text or "\0" in text:
        raise InvalidInput(f"invalid value for {key}: must be one line", "value")
    return text


def parse_cidrs(key: str, text: str) -> tuple:
    """A comma-separated CIDR list, or C{none}/empty for no networks."""
    text = text.strip()
    if text.lower() in ("", "none"):
        return ()
    networks = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidInput(f"invalid CIDR '{part}' in {key}", "value")
    return tuple(networks)


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(key: str, text: str) -> str:
        if text not in choices:
            raise InvalidInput(
                f"invalid value '{text}' for {key}: expected one of {', '.join(choices)}",
                "value",
            )
        return text

    return parse


PRIVATE_NETWORKS = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

KEYS: dict[str, Key] = {
    key.name: key
    for key in [
        Key("api_token", "", "bearer token for the REST API and dashboard; generated and stored on first start", _text, secret=True),
        Key("tls_cert_path", "", "PEM certificate (full chain) for DoT and DoH; empty: a generated self-signed one", _text),
        Key("tls_key_path", "", "PEM private key for DoT and DoH; empty: the generated one", _text),
        Key("rate_limit_per_sec", "30", "per-source-IP token refill rate for DNS queries; 0 disables", _float_range(0, 1e9)),
        Key("rate_limit_burst", "60", "per-source-IP bucket capacity", _int_range(0, 10**9)),
        Key("query_log_size", "10000", "maximum rows kept in the query_log table", _int_range(0, 10**9)),
        Key("axfr_allow", "", "comma-separated CIDRs allowed to transfer zones (AXFR); empty: nobody", parse_cidrs),
        Key("geoip_db_path", "", "path to a GeoLite2/GeoIP2 Country mmdb file; enables geo routing", _text),
        Key("allow_recursion", PRIVATE_NETWORKS, "CIDRs whose queries for names outside our zones are forwarded upstream, or none", parse_cidrs),
        Key("version_string", "", "answer to CHAOS TXT version.bind; empty: REFUSED", _text),
        Key("server_id", "", "answer to CHAOS TXT hostname.bind and id.server; empty: REFUSED", _text),
        Key("edns_udp_size", "1232", "EDNS UDP payload size the server advertises and caps UDP answers at", _int_range(512, 65535)),
        Key("tcp_idle_timeout", "10", "seconds an idle TCP/DoT connection is kept open", _float_range(0.1, 86400)),
        Key("tcp_max_connections", "1000", "cap on concurrent TCP/DoT/DoH connections", _int_range(1, 10**6)),
        Key("upstream_tls_ca", "", "PEM file of CAs that verify tls:// upstreams; empty: the system trust store", _text),
        Key("upstream_timeout", "2", "seconds to wait for one upstream try", _float_range(0.05, 60)),
        Key("cache_size", "10000", "maximum entries in the forwarding cache", _int_range(0, 10**8)),
        Key("serve_stale_max", "86400", "seconds an expired cache entry may be served when every upstream fails (RFC 8767)", _int_range(0, 10**8)),
        Key("namecheap_api_user", "", "Namecheap API user name", _text),
        Key("namecheap_api_key", "", "Namecheap API key", _text, secret=True),
        Key("namecheap_client_ip", "", "caller IP allowed by Namecheap", _text),
        Key("namecheap_mode", "sandbox", "Namecheap endpoint: sandbox or production", _choice("sandbox", "production")),
    ]
}


def check_key(key: str) -> Key:
    """The L{Key} named C{key}; an unknown key lists the known ones."""
    try:
        return KEYS[key]
    except KeyError:
        raise InvalidInput(
            f"unknown config key '{key}' (known keys: {', '.join(sorted(KEYS))})", "key"
        )


def parse_value(key: str, text: str) -> object:
    """Parse C{text} for C{key}, raising L{InvalidInput} with the key's own message."""
    return check_key(key).parse(key, text)


def effective(stored: dict[str, str]) -> dict[str, object]:
    """Parsed values of every key: stored ones, defaults for the rest (bad stored ones too)."""
    values = {}
    for name, key in KEYS.items():
        try:
            values[name] = key.parse(name, stored.get(name, key.default))
        except InvalidInput:
            values[name] = key.parse(name, key.default)
    return values
