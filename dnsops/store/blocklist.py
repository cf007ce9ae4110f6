# -*- test-case-name: tests.test_blocklist -*-
"""
The blocklist, allowlist and list-source tables, and the parser for hosts files and plain lists.

Every writer here also records a C{reload-blocklist} row in the C{control} table, so the
running server rebuilds its in-memory matcher (L{dnsops.resolvers.blocklist.Blocklist})
whoever made the change: CLI, REST or the list-source refresher. Callers open the transaction
(C{with db.transaction(conn):}), as for every store writer.
"""

import ipaddress
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from dnsops.errors import InvalidInput, NotFound
from dnsops.names import MAX_NAME, canonical_name
from dnsops.store.db import MAX_ROWID, now
from dnsops.ttl import parse_ttl

RESPONSES = ("zero", "nxdomain")
RELOAD_COMMAND = "reload-blocklist"

#: Host names that hosts files map to themselves; never blocklist entries.
_SELF_NAMES = frozenset({
    "localhost", "localhost.localdomain", "local", "broadcasthost", "0.0.0.0",
    "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix",
    "ip6-allnodes", "ip6-allrouters", "ip6-allhosts",
})

_INSERT_CHUNK = 50_000


@dataclass
class ParsedList:
    """
    What a hosts file or plain list held.

    @ivar domains: canonical entries in file order, duplicates within the file kept (the
        importer counts them).
    @ivar invalid: lines (or hosts-line names) that are not domain names.
    """

    domains: list[str]
    invalid: int = 0


def check_domain(text: str, field: str = "domain") -> str:
    """
    The stored form of a blocklist or allowlist entry: a name, or C{*.name} for its subdomains.

    @raise InvalidInput: For anything that is not a domain name, a bare C{*}, an IP address or
        a name with C{/}.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"invalid domain '{text}': empty", field)
    text = text.strip()
    plain = text.lower().removesuffix(".")
    if len(plain) <= MAX_NAME and _PLAIN_NAME.fullmatch(plain) and not _is_address(plain):
        return plain
    name = canonical_name(text, field)
    if name in ("", "*"):
        raise InvalidInput(f"invalid domain '{text}': a domain is needed", field)
    if "/" in name:
        raise InvalidInput(f"invalid domain '{text}': invalid character '/'", field)
    if _is_address(name):
        raise InvalidInput(f"invalid domain '{text}': an IP address, not a domain", field)
    return name


def check_response(text: str) -> str:
    """C{zero} or C{nxdomain}, else L{InvalidInput} naming the value."""
    if text not in RESPONSES:
        raise InvalidInput(f"invalid response '{text}': expected zero or nxdomain", "response")
    return text


#: Names that L{canonical_name} would return unchanged but lower-cased: plain ASCII labels,
#: a leading C{*} allowed. Checked in C (one regex) because imports run it a million times;
#: everything else goes through L{canonical_name}, which also words the errors.
_PLAIN_NAME = re.compile(r"(?:\*\.)?(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}")

#: The addresses hosts files use, known without parsing.
_COMMON_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::1", "::", "0:0:0:0:0:0:0:0"})

_ADDRESS_CHARS = re.compile(r"[0-9.]+|[0-9a-fA-F:.%]*:[0-9a-fA-F:.%]*")


def _is_address(text: str) -> bool:
    """Whether C{text} is an IP address (a cheap character check first: this runs per line)."""
    if text in _COMMON_ADDRESSES:
        return True
    if not _ADDRESS_CHARS.fullmatch(text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_list(lines: Iterable[str]) -> ParsedList:
    """
    Domains from a hosts file (C{0.0.0.0 ads.example.com}, several names a line allowed) or a
    list with one domain a line.

    C{#} starts a comment; blank lines, C{localhost}-style self entries and lines mapping
    C{0.0.0.0} to itself are skipped without counting as invalid. A line of several words
    that does not start with an address is one invalid line.
    """
    parsed = ParsedList([])
    domains = parsed.domains
    for line in lines:
        hash_at = line.find("#")
        if hash_at >= 0:
            line = line[:hash_at]
        fields = line.split()
        if not fields:
            continue
        if _is_address(fields[0]):
            fields = fields[1:]
        elif len(fields) > 1:
            parsed.invalid += 1
            continue
        for field in fields:
            if field.lower() in _SELF_NAMES:
                continue
            try:
                domains.append(check_domain(field))
            except InvalidInput:
                parsed.invalid += 1
    return parsed


def notify(conn: sqlite3.Connection) -> None:
    """Ask the running server to rebuild its matcher (one pending row is enough)."""
    cursor = conn.execute(
        "INSERT INTO control (command, requested) VALUES (?, ?)", (RELOAD_COMMAND, now())
    )
    conn.execute(
        "DELETE FROM control WHERE command = ? AND id < ?", (RELOAD_COMMAND, cursor.lastrowid)
    )


def change_mark(conn: sqlite3.Connection) -> int:
    """A number that changes whenever L{notify} is called: the matcher compares it cheaply."""
    row = conn.execute(
        "SELECT max(id) FROM control WHERE command = ?", (RELOAD_COMMAND,)
    ).fetchone()
    return row[0] or 0


# -- blocked domains -------------------------------------------------------------------------


def block(conn: sqlite3.Connection, domain: str, response: str = "zero") -> dict:
    """Block one domain (a manual entry: it now belongs to no list source); return the entry."""
    name = check_domain(domain)
    check_response(response)
    conn.execute(
        "INSERT INTO blocklist (domain, response, source_id, added) VALUES (?, ?, NULL, ?)"
        " ON CONFLICT (domain) DO UPDATE SET response = excluded.response, source_id = NULL",
        (name, response, now()),
    )
    notify(conn)
    return get_blocked(conn, name)


def get_blocked(conn: sqlite3.Connection, domain: str) -> dict:
    name = check_domain(domain)
    row = conn.execute(
        "SELECT domain, response, source_id, added FROM blocklist WHERE domain = ?", (name,)
    ).fetchone()
    if row is None:
        raise NotFound(f"domain '{name}' is not blocked", "domain")
    return dict(row)


def unblock(conn: sqlite3.Connection, domain: str) -> None:
    """Remove one entry (manual or from a source: a source's next refresh brings it back)."""
    name = check_domain(domain)
    if conn.execute("DELETE FROM blocklist WHERE domain = ?", (name,)).rowcount == 0:
        raise NotFound(f"domain '{name}' is not blocked", "domain")
    notify(conn)


def list_blocked(conn: sqlite3.Connection, limit: int | None = None, offset: int = 0) -> tuple[list[dict], int]:
    """Entries in name order, a page at a time, and the total count."""
    total = conn.execute("SELECT count(*) FROM blocklist").fetchone()[0]
    rows = conn.execute(
        "SELECT domain, response, source_id, added FROM blocklist ORDER BY domain"
        " LIMIT ? OFFSET ?",
        (-1 if limit is None else limit, offset),
    ).fetchall()
    return [dict(r) for r in rows], total


def import_domains(conn: sqlite3.Connection, lines: Iterable[str], response: str = "zero") -> dict:
    """
    Bulk-import manual entries from a hosts file or plain list.

    @return: C{{"added", "duplicate", "invalid"}}: duplicates are names already blocked or
        repeated in the input.
    """
    check_response(response)
    parsed = parse_list(lines)
    stamp = now()
    unique = sorted(set(parsed.domains))  # B-tree inserts in key order are ~30 % faster
    before = conn.total_changes
    _insert_many(
        conn,
        "INSERT OR IGNORE INTO blocklist (domain, response, source_id, added) VALUES (?, ?, NULL, ?)",
        ((name, response, stamp) for name in unique),
    )
    added = conn.total_changes - before
    if added:
        notify(conn)
    return {"added": added, "duplicate": len(parsed.domains) - added, "invalid": parsed.invalid}


def _insert_many(conn: sqlite3.Connection, sql: str, rows: Iterable[tuple]) -> None:
    """executemany in chunks, so a million-line list is never one list of tuples in memory."""
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _INSERT_CHUNK:
            conn.executemany(sql, chunk)
            chunk = []
    if chunk:
        conn.executemany(sql, chunk)


# -- allowlist -------------------------------------------------------------------------------


def allow(conn: sqlite3.Connection, domain: str) -> dict:
    """Add an exception that wins over any block; adding it twice is not an error."""
    name = check_domain(domain)
    conn.execute(
        "INSERT OR IGNORE INTO allowlist (domain, added) VALUES (?, ?)", (name, now())
    )
    notify(conn)
    return dict(conn.execute("SELECT domain, added FROM allowlist WHERE domain = ?", (name,)).fetchone())


def disallow(conn: sqlite3.Connection, domain: str) -> None:
    name = check_domain(domain)
    if conn.execute("DELETE FROM allowlist WHERE domain = ?", (name,)).rowcount == 0:
        raise NotFound(f"domain '{name}' is not allowed", "domain")
    notify(conn)


def list_allowed(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT domain, added FROM allowlist ORDER BY domain")]


# -- list sources ----------------------------------------------------------------------------


def check_url(text: str) -> str:
    """An http or https URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"invalid URL '{text}': expected http:// or https:// and a host", "url")
    return text.strip()


def add_source(conn: sqlite3.Connection, url: str, refresh: str | int = 86400,
               response: str = "zero") -> dict:
    """Register a list to download; the refresher fetches it at once and every C{refresh} s."""
    url = check_url(url)
    try:
        seconds = parse_ttl(refresh, "refresh")
    except InvalidInput as e:
        # parse_ttl speaks of a TTL; here the same syntax is a refresh interval.
        raise InvalidInput(
            e.message.replace("invalid TTL", "invalid refresh", 1), "refresh"
        ) from None
    if seconds < 60:
        raise InvalidInput(f"invalid refresh '{refresh}': at least 60 seconds", "refresh")
    check_response(response)
    try:
        cursor = conn.execute(
            "INSERT INTO blocklist_sources (url, refresh, response, created) VALUES (?, ?, ?, ?)",
            (url, seconds, response, now()),
        )
    except sqlite3.IntegrityError:
        from dnsops.errors import Conflict

        raise Conflict(f"blocklist source '{url}' already exists", "url") from None
    return get_source(conn, cursor.lastrowid)


def get_source(conn: sqlite3.Connection, source_id: int) -> dict:
    if abs(source_id) > MAX_ROWID:
        raise NotFound(f"blocklist source '{source_id}' not found", "id")
    row = conn.execute(
        "SELECT id, url, refresh, response, count, last_update, last_error, created"
        " FROM blocklist_sources WHERE id = ?",
        (source_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"blocklist source '{source_id}' not found", "id")
    return dict(row)


def list_sources(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT id, url, refresh, response, count, last_update, last_error, created"
        " FROM blocklist_sources ORDER BY id"
    )]


def delete_source(conn: sqlite3.Connection, source_id: int) -> None:
    """Forget a source and every entry it brought."""
    get_source(conn, source_id)
    conn.execute("DELETE FROM blocklist WHERE source_id = ?", (source_id,))
    conn.execute("DELETE FROM blocklist_sources WHERE id = ?", (source_id,))
    notify(conn)


def replace_source(conn: sqlite3.Connection, source_id: int, text: str) -> int:
    """
    Swap a source's entries for a freshly downloaded copy, in the caller's one transaction.

    Names already blocked by hand or by another source keep their entry.
    @return: the number of entries the source now owns.
    """
    source = get_source(conn, source_id)
    parsed = parse_list(text.splitlines())
    stamp = now()
    conn.execute("DELETE FROM blocklist WHERE source_id = ?", (source_id,))
    _insert_many(
        conn,
        "INSERT OR IGNORE INTO blocklist (domain, response, source_id, added) VALUES (?, ?, ?, ?)",
        ((name, source["response"], source_id, stamp) for name in sorted(set(parsed.domains))),
    )
    count = conn.execute(
        "SELECT count(*) FROM blocklist WHERE source_id = ?", (source_id,)
    ).fetchone()[0]
    conn.execute(
        "UPDATE blocklist_sources SET count = ?, last_update = ?, last_error = NULL WHERE id = ?",
        (count, stamp, source_id),
    )
    notify(conn)
    return count


def record_source_error(conn: sqlite3.Connection, source_id: int, message: str) -> None:
    """Note a failed download; the entries from the last good copy stay."""
    conn.execute(
        "UPDATE blocklist_sources SET last_error = ? WHERE id = ?", (message[:500], source_id)
    )
