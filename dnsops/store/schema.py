# -*- test-case-name: tests.test_store -*-
"""
The SQLite schema: every table once, with its version number.

A new version appends to L{MIGRATIONS}; never edit a released step. C{PRAGMA user_version}
holds the version a database is at. A step is plain SQL statements separated by C{;} (so no
C{;} inside a comment or string); L{dnsops.store.db.migrate} runs them in one transaction with
foreign keys off, as SQLite's table-rebuild procedure requires, and checks them before commit.
"""

SCHEMA_VERSION = 2

V1 = """
CREATE TABLE zones (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,           -- absolute A-label, lower case, no trailing dot
    ttl         INTEGER NOT NULL DEFAULT 3600,  -- default TTL for new records
    created     TEXT NOT NULL,                  -- ISO 8601 UTC
    generation  INTEGER NOT NULL DEFAULT 1      -- bumped once per transaction that changes the zone
);

CREATE TABLE records (
    id       INTEGER PRIMARY KEY,
    zone_id  INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,                     -- absolute owner, A-label, lower case, no dot
    type     TEXT NOT NULL,                     -- upper case mnemonic: A, AAAA, ...
    ttl      INTEGER NOT NULL,
    rdata    TEXT NOT NULL,                     -- canonical presentation text (records.parse_rdata)
    weight   INTEGER NOT NULL DEFAULT 0,
    geo      TEXT,                              -- NULL, 'default' or ISO 3166-1 alpha-2 upper case
    enabled  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX records_zone_name ON records(zone_id, name, type);

CREATE TABLE config (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE upstreams (
    id        INTEGER PRIMARY KEY,
    address   TEXT NOT NULL,                    -- IP address, or tls://ADDR[:PORT]#NAME
    port      INTEGER NOT NULL DEFAULT 53,
    priority  INTEGER NOT NULL DEFAULT 0,
    created   TEXT NOT NULL
);

CREATE TABLE blocklist (
    domain    TEXT PRIMARY KEY,                 -- 'ads.example.com' or '*.tracker.example.com'
    response  TEXT NOT NULL DEFAULT 'zero' CHECK (response IN ('zero', 'nxdomain')),
    source_id INTEGER REFERENCES blocklist_sources(id) ON DELETE CASCADE,
    added     TEXT NOT NULL
);
CREATE INDEX blocklist_source ON blocklist(source_id);

CREATE TABLE allowlist (
    domain  TEXT PRIMARY KEY,
    added   TEXT NOT NULL
);

CREATE TABLE blocklist_sources (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL UNIQUE,
    refresh      INTEGER NOT NULL DEFAULT 86400, -- seconds
    response     TEXT NOT NULL DEFAULT 'zero',
    count        INTEGER NOT NULL DEFAULT 0,
    last_update  TEXT,
    last_error   TEXT,
    created      TEXT NOT NULL
);

CREATE TABLE query_log (
    id           INTEGER PRIMARY KEY,
    time         REAL NOT NULL,                  -- unix seconds
    client       TEXT NOT NULL,
    protocol     TEXT NOT NULL,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    rcode        TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    duration_ms  REAL NOT NULL
);

CREATE TABLE api_keys (
    name     TEXT PRIMARY KEY,
    scope    TEXT NOT NULL CHECK (scope IN ('admin', 'write', 'read')),
    hash     TEXT NOT NULL,                      -- sha256 hex of the secret
    created  TEXT NOT NULL
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    time    TEXT NOT NULL,
    actor   TEXT NOT NULL,                       -- 'cli' or 'key:NAME' or 'token'
    action  TEXT NOT NULL,                       -- e.g. 'add-record'
    target  TEXT NOT NULL,
    before  TEXT,                                -- JSON or NULL
    after   TEXT                                 -- JSON or NULL
);

-- Requests from other processes to the running server (e.g. flush-cache), acted on within 1 s.
CREATE TABLE control (
    id         INTEGER PRIMARY KEY,
    command    TEXT NOT NULL,
    requested  TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0
);
"""

# Version 2: ids are never reused. Objects are named by id in the API, the CLI and the audit
# log, and INTEGER PRIMARY KEY alone hands the highest id out again once its row is deleted,
# so the tables whose ids people see are rebuilt with AUTOINCREMENT. This is SQLite's 12-step
# rebuild (https://sqlite.org/lang_altertable.html#otheralter): new table, copy, drop, rename,
# indexes. Rows keep their ids. blocklist names blocklist_sources in its foreign key and is
# not touched, so the key holds again after the rename; records keeps its key to zones.
V2 = """
CREATE TABLE upstreams_v2 (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    address   TEXT NOT NULL,                    -- IP address, or tls://ADDR[:PORT]#NAME
    port      INTEGER NOT NULL DEFAULT 53,
    priority  INTEGER NOT NULL DEFAULT 0,
    created   TEXT NOT NULL
);
INSERT INTO upstreams_v2 (id, address, port, priority, created)
    SELECT id, address, port, priority, created FROM upstreams;
DROP TABLE upstreams;
ALTER TABLE upstreams_v2 RENAME TO upstreams;

CREATE TABLE records_v2 (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id  INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,                     -- absolute owner, A-label, lower case, no dot
    type     TEXT NOT NULL,                     -- upper case mnemonic: A, AAAA, ...
    ttl      INTEGER NOT NULL,
    rdata    TEXT NOT NULL,                     -- canonical presentation text (records.parse_rdata)
    weight   INTEGER NOT NULL DEFAULT 0,
    geo      TEXT,                              -- NULL, 'default' or ISO 3166-1 alpha-2 upper case
    enabled  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO records_v2 (id, zone_id, name, type, ttl, rdata, weight, geo, enabled)
    SELECT id, zone_id, name, type, ttl, rdata, weight, geo, enabled FROM records;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE INDEX records_zone_name ON records(zone_id, name, type);

CREATE TABLE blocklist_sources_v2 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    url          TEXT NOT NULL UNIQUE,
    refresh      INTEGER NOT NULL DEFAULT 86400, -- seconds
    response     TEXT NOT NULL DEFAULT 'zero',
    count        INTEGER NOT NULL DEFAULT 0,
    last_update  TEXT,
    last_error   TEXT,
    created      TEXT NOT NULL
);
INSERT INTO blocklist_sources_v2
    (id, url, refresh, response, count, last_update, last_error, created)
    SELECT id, url, refresh, response, count, last_update, last_error, created
    FROM blocklist_sources;
DROP TABLE blocklist_sources;
ALTER TABLE blocklist_sources_v2 RENAME TO blocklist_sources
"""

#: MIGRATIONS[n] takes a database from version n to n + 1.
MIGRATIONS: list[str] = [V1, V2]

assert len(MIGRATIONS) == SCHEMA_VERSION
