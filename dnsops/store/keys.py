# -*- test-case-name: tests.test_api_keys -*-
"""
Scoped API keys: named secrets of which only a SHA-256 hash is stored.

The secret is a random 256-bit token, shown once when the key is made; a leaked database
therefore gives no working credential. Secrets are high-entropy, so a plain (unsalted) SHA-256
is enough: there is nothing to guess that a slow hash would protect.
"""

import hashlib
import hmac
import re
import secrets

from dnsops.errors import Conflict, InvalidInput, NotFound
from dnsops.store.db import Connection, now

#: Scopes from narrowest to widest; a wider scope may do all a narrower one may.
SCOPES = ("read", "write", "admin")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_PREFIX = "dnsops_"


def check_name(name: object) -> str:
    """A key name: 1-63 of a-z 0-9 _ . -, starting with a letter or digit; lower-cased."""
    if not isinstance(name, str) or not _NAME.match(name.lower()):
        raise InvalidInput(
            f"invalid key name '{name}': use 1-63 letters, digits, '_', '.' or '-'", "name"
        )
    return name.lower()


def check_scope(scope: object) -> str:
    """One of L{SCOPES}."""
    if scope not in SCOPES:
        raise InvalidInput(f"invalid scope '{scope}': expected admin, write or read", "scope")
    return scope


def hash_secret(secret: str) -> str:
    """The stored form of a secret: SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def add_key(conn: Connection, name: str, scope: str) -> tuple[dict, str]:
    """
    Make a key and return it with its secret; the secret is never stored or shown again.

    @raise Conflict: a key of that name exists.
    """
    name = check_name(name)
    scope = check_scope(scope)
    if conn.execute("SELECT 1 FROM api_keys WHERE name = ?", (name,)).fetchone():
        raise Conflict(f"key '{name}' already exists", "name")
    secret = _PREFIX + secrets.token_urlsafe(32)
    created = now()
    conn.execute(
        "INSERT INTO api_keys (name, scope, hash, created) VALUES (?, ?, ?, ?)",
        (name, scope, hash_secret(secret), created),
    )
    return {"name": name, "scope": scope, "created": created}, secret


def list_keys(conn: Connection) -> list[dict]:
    """Every key, by name, without hashes."""
    rows = conn.execute("SELECT name, scope, created FROM api_keys ORDER BY name")
    return [dict(row) for row in rows]


def get_key(conn: Connection, name: str) -> dict:
    """The key called C{name}, without its hash; L{NotFound} when there is none."""
    row = conn.execute(
        "SELECT name, scope, created FROM api_keys WHERE name = ?", (str(name).lower(),)
    ).fetchone()
    if row is None:
        raise NotFound(f"key '{name}' not found", "name")
    return dict(row)


def revoke_key(conn: Connection, name: str) -> dict:
    """Delete the key called C{name} and return what it was; L{NotFound} when there is none."""
    key = get_key(conn, name)
    conn.execute("DELETE FROM api_keys WHERE name = ?", (key["name"],))
    return key


def find_key(conn: Connection, secret: str) -> dict | None:
    """
    The key whose secret this is, or None.

    Every stored hash is compared with L{hmac.compare_digest}, so the time taken does not say
    how much of a guess was right, nor which key it came close to.
    """
    if not secret.startswith(_PREFIX):
        return None
    wanted = hash_secret(secret)
    found = None
    for row in conn.execute("SELECT name, scope, hash, created FROM api_keys"):
        if hmac.compare_digest(row["hash"], wanted):
            found = {"name": row["name"], "scope": row["scope"], "created": row["created"]}
    return found
