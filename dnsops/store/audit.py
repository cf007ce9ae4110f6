# -*- test-case-name: tests.test_api_audit -*-
"""
The audit log: who changed what, when, with the value before and after.

Every change through the CLI or the REST API calls L{record} inside the same transaction as
the change itself, so a rolled-back change leaves no audit row and a committed one always has
one. Secret config values are masked here, once, whoever the caller is.
"""

import json

from dnsops import config
from dnsops.errors import InvalidInput
from dnsops.store.db import Connection, now

#: What is stored instead of a secret value.
MASK = "********"

#: The actor of CLI changes; API changes are C{key:NAME} or C{token}.
CLI = "cli"


def record(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    before: object = None,
    after: object = None,
) -> None:
    """
    Add one audit row; call it inside the change's own C{db.transaction}.

    @param actor: C{cli}, C{token} (the config C{api_token}) or C{key:NAME}.
    @param action: the CLI command's name, e.g. C{add-record}, C{set-config}.
    @param target: what was changed: a zone, record id, domain, key name or config key.
    @param before: the object before the change (None when created); JSON-encodable.
    @param after: the object after the change (None when deleted); JSON-encodable.
    """
    if action == "set-config" and target in config.KEYS and config.KEYS[target].secret:
        before = MASK if before else before
        after = MASK if after else after
    conn.execute(
        "INSERT INTO audit (time, actor, action, target, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (now(), actor, action, str(target), _encode(before), _encode(after)),
    )


def _encode(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str)


def list_entries(
    conn: Connection,
    limit: int = 100,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> tuple[list[dict], int]:
    """
    Audit rows, newest first, with the total that match the filters.

    @return: (entries, total); each entry has C{id time actor action target before after}
        with C{before}/C{after} decoded from JSON.
    """
    if not isinstance(limit, int) or limit < 0:
        raise InvalidInput(f"invalid limit '{limit}': expected 0 or more", "limit")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput(f"invalid offset '{offset}': expected 0 or more", "offset")
    where, params = [], []
    for column, value in (("actor", actor), ("action", action), ("target", target)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    total = conn.execute(f"SELECT COUNT(*) FROM audit{clause}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT id, time, actor, action, target, before, after FROM audit{clause}"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    entries = []
    for row in rows:
        entry = dict(row)
        entry["before"] = _decode(entry["before"])
        entry["after"] = _decode(entry["after"])
        entries.append(entry)
    return entries, total


def _decode(text: str | None) -> object:
    return None if text is None else json.loads(text)
