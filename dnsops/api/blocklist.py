# -*- test-case-name: tests.test_api_blocklist -*-
"""REST for blocking: blocked domains (one, bulk, search, delete), the allowlist, list sources."""

from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import ID_PARAM, NAME_PARAM, PAGE, page
from dnsops.api.schemas import ALLOWED, BLOCKED, DURATION, INTEGER, SOURCE, STRING, obj
from dnsops.store import audit, blocklist
from dnsops.store.db import connect, transaction

_RESPONSE = {"type": "string", "enum": list(blocklist.RESPONSES)}
_DOMAIN_PATH = {"domain": NAME_PARAM}

#: Bulk imports longer than this run in a thread, with their own connection.
THREAD_THRESHOLD = 10_000


def _search(conn, text: str, limit: int | None, offset: int) -> tuple[list[dict], int]:
    """Entries whose domain contains C{text}. (Belongs in L{blocklist}.list_blocked.)"""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = " FROM blocklist WHERE domain LIKE ? ESCAPE '\\'"
    total = conn.execute("SELECT count(*)" + where, (pattern,)).fetchone()[0]
    rows = conn.execute(
        "SELECT domain, response, source_id, added" + where + " ORDER BY domain LIMIT ? OFFSET ?",
        (pattern, -1 if limit is None else limit, offset),
    ).fetchall()
    return [dict(row) for row in rows], total


def _import(conn, actor: str, domains: list[str], response: str) -> dict:
    with transaction(conn):
        counts = blocklist.import_domains(conn, domains, response)
        audit.record(conn, actor, "import-blocklist", f"{len(domains)} domains", None, counts)
    return counts


def _import_in_thread(db_path: str, actor: str, domains: list[str], response: str) -> dict:
    conn = connect(db_path)
    try:
        return _import(conn, actor, domains, response)
    finally:
        conn.close()


def add_routes(api: Api) -> None:
    """Register the blocklist, allowlist and list-source endpoints."""

    @api.route("GET", "/api/blocklist", scope="read", response=page_of(BLOCKED),
               query={**PAGE, "q": {"type": "string"}},
               summary="Blocked domains in name order; q= keeps those containing the text")
    def list_blocked(call: Call) -> dict:
        q = call.query
        if q.get("q"):
            items, total = _search(call.conn, q["q"], q.get("limit"), q.get("offset") or 0)
        else:
            items, total = blocklist.list_blocked(call.conn, q.get("limit"), q.get("offset") or 0)
        return {"items": items, "total": total}

    @api.route("POST", "/api/blocklist", scope="write", status=201, response=BLOCKED,
               summary="Block one domain (*.x.y blocks the subdomains of x.y)",
               body=obj(["domain"], domain=STRING, response=_RESPONSE))
    def block(call: Call) -> dict:
        with api.changing(call):
            entry = blocklist.block(call.conn, call.body["domain"],
                                    call.body.get("response", "zero"))
            call.change("block", entry["domain"], None, entry)
        return entry

    @api.route(
        "POST", "/api/blocklist/import", scope="write",
        summary="Block many domains: {domains: [...]}, hosts-file lines accepted",
        body=obj(["domains"], domains={"type": "array", "items": STRING}, response=_RESPONSE),
        response=obj(added=INTEGER, duplicate=INTEGER, invalid=INTEGER),
    )
    def import_blocklist(call: Call):
        domains = call.body["domains"]
        response = call.body.get("response", "zero")
        blocklist.check_response(response)
        actor = call.caller.actor
        reactor = api.deps.clock
        if len(domains) > THREAD_THRESHOLD and IReactorThreads.providedBy(reactor):
            return deferToThreadPool(reactor, reactor.getThreadPool(), _import_in_thread,
                                     api.deps.db_path, actor, domains, response)
        return _import(call.conn, actor, domains, response)

    @api.route("DELETE", "/api/blocklist/{domain}", scope="write", status=204,
               summary="Unblock one domain", path_params=_DOMAIN_PATH)
    def unblock(call: Call) -> None:
        with api.changing(call):
            entry = blocklist.get_blocked(call.conn, call.args["domain"])
            blocklist.unblock(call.conn, entry["domain"])
            call.change("unblock", entry["domain"], entry, None)

    @api.route("GET", "/api/allowlist", scope="read", query=PAGE, response=page_of(ALLOWED),
               summary="Allowed domains: exceptions that win over any block")
    def list_allowed(call: Call) -> dict:
        return page(blocklist.list_allowed(call.conn), call.query)

    @api.route("POST", "/api/allowlist", scope="write", status=201, response=ALLOWED,
               summary="Allow one domain (*.x.y allows the subdomains of x.y)",
               body=obj(["domain"], domain=STRING))
    def allow(call: Call) -> dict:
        with api.changing(call):
            entry = blocklist.allow(call.conn, call.body["domain"])
            call.change("allow", entry["domain"], None, entry)
        return entry

    @api.route("DELETE", "/api/allowlist/{domain}", scope="write", status=204,
               summary="Remove one allowlist entry", path_params=_DOMAIN_PATH)
    def disallow(call: Call) -> None:
        with api.changing(call):
            domain = blocklist.check_domain(call.args["domain"])
            blocklist.disallow(call.conn, domain)
            call.change("disallow", domain, {"domain": domain}, None)

    @api.route("GET", "/api/blocklist/sources", scope="read", query=PAGE,
               response=page_of(SOURCE), summary="Blocklist sources fetched over HTTP(S)")
    def list_sources(call: Call) -> dict:
        return page(blocklist.list_sources(call.conn), call.query)

    @api.route(
        "POST", "/api/blocklist/sources", scope="write", status=201, errors=(409,),
        summary="Add a list to fetch now and every refresh (default 24h)", response=SOURCE,
        body=obj(["url"], url=STRING, refresh=DURATION, response=_RESPONSE),
    )
    def add_source(call: Call) -> dict:
        body = call.body
        with api.changing(call):
            source = blocklist.add_source(call.conn, body["url"], body.get("refresh", 86400),
                                          body.get("response", "zero"))
            call.change("add-blocklist-source", source["id"], None, source)
        return source

    @api.route("DELETE", "/api/blocklist/sources/{id}", scope="write", status=204,
               summary="Forget a source and the entries it brought", path_params={"id": ID_PARAM})
    def delete_source(call: Call) -> None:
        with api.changing(call):
            source = blocklist.get_source(call.conn, call.args["id"])
            blocklist.delete_source(call.conn, source["id"])
            call.change("delete-blocklist-source", source["id"], source, None)
