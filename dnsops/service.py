# -*- test-case-name: tests.test_server -*-
"""
The only assembler: database, zone index, resolver chains, server factory and listeners as one service.

twistd (L{dnsops.tap}), C{dnsops start} and C{dns.tac} all call L{make_service}, so the three
ways to run the server cannot differ. Start order: the database is opened (and created), every
zone is loaded, then the listeners bind; stop order is the reverse, so no query is accepted
that cannot be answered and the query log is flushed last.
"""

import os
import sys

from twisted.application import service
from twisted.internet import task
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.web.server import Site

import dnsops
from dnsops import config
from dnsops.api.auth import ensure_api_token
from dnsops.resolvers.authority import AuthorityResolver
from dnsops.resolvers.blocklist import Blocklist, BlocklistResolver
from dnsops.resolvers.cache import Cache, CachingResolver
from dnsops.resolvers.chain import build_chains
from dnsops.resolvers.ratelimit import RateLimiter
from dnsops.resolvers.upstream import UpstreamResolver, read_upstreams
from dnsops.server.factory import DNSDatagramProtocol, DNSServerFactory
from dnsops.server.listeners import ListenError, ListeningService
from dnsops.server.packetcache import PacketCache
from dnsops.server.tcplimits import ConnectionTable, DNSStreamFactory
from dnsops.store import config as stored_config
from dnsops.store import db
from dnsops.zoneindex.follower import ZoneFollower
from dnsops.zoneindex.index import ZoneIndex

_log = Logger()

RELOAD_INTERVAL = 0.5


def _geo_reader(path: str, current):
    """The country reader for C{geoip_db_path}: kept while the path is unchanged, None when unset."""
    from dnsops.routing import CountryReader

    if not path:
        return None
    if current is not None and getattr(current, "path", None) == path:
        return current
    try:
        return CountryReader(path)
    except Exception as e:
        _log.warn("geo routing off: cannot open {path}: {error}", path=path, error=e)
        return None


def make_api_resource(deps):
    """The HTTP resource served on the API port: the Klein app of L{dnsops.api.app}."""
    from dnsops.api.app import make_api

    return make_api(deps).resource()


def _web_root() -> str | None:
    """
    The dashboard's files: C{web/} of the checkout (editable installs, C{dns.tac} in place),
    else where C{pip install .} put them (C{share/dnsops/web} under the environment).
    """
    checkout = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(dnsops.__file__))), "web")
    installed = os.path.join(sys.prefix, "share", "dnsops", "web")
    for root in (checkout, installed):
        if os.path.isfile(os.path.join(root, "index.html")):
            return root
    return None


class DNSOpsService(service.MultiService):
    """
    The running server: its parts are children; this logs the token and dashboard once bound.

    @ivar factory: the L{DNSServerFactory} (tests and the API read its packet cache).
    @ivar dns: the L{ListeningService} of the DNS listeners; C{dns.port_number} is the port.
    @ivar api: the L{ListeningService} of the API, or None.
    """

    factory: DNSServerFactory
    dns: ListeningService
    api: ListeningService | None = None
    dot: ListeningService | None = None
    doh: ListeningService | None = None
    token: str = ""

    #: Under twistd and dns.tac a listener that cannot bind ends the process with one line.
    exit_on_listen_error = False
    #: Called once before anything starts (twistd's C{--log-level} filter), or None.
    before_start = None

    def privilegedStartService(self) -> None:
        if self.before_start is not None:
            self.before_start()
            self.before_start = None
        try:
            service.MultiService.privilegedStartService(self)
        except ListenError as e:
            if self.exit_on_listen_error:
                raise SystemExit(f"error: {e}")
            raise

    def startService(self) -> None:
        service.MultiService.startService(self)
        _log.info("API token: {token}", token=self.token)
        if self.api is not None and self.api.listeners:
            listener = self.api.listeners[0]
            host = listener.host
            if host in ("0.0.0.0", "::"):
                host = "127.0.0.1" if host == "0.0.0.0" else "::1"
            shown = f"[{host}]" if ":" in host else host
            _log.info("dashboard at http://{host}:{port}/", host=shown, port=listener.number)

    def stopService(self):
        stopping = service.MultiService.stopService(self)
        deps = getattr(self, "api_deps", None)
        if deps is not None:
            stopping.addBoth(lambda result: (deps.close(), result)[1])
        return stopping

    def listener_status(self) -> dict:
        """C{{"dns udp 127.0.0.1:53": True, ...}} for C{/health}."""
        status = {}
        for part in (self.dns, self.api, self.dot, self.doh):
            if part is not None:
                for listener in part.listeners:
                    status[f"{listener.label} {listener.address}"] = listener.port is not None
        return status


class _Reloader(service.Service):
    """Re-read the blocklist and upstream tables twice a second; their changes drop the packet cache."""

    def __init__(self, db_path: str, clock, blocklist, upstream, packet_cache) -> None:
        self.db_path = db_path
        self.clock = clock
        self.blocklist = blocklist
        self.upstream = upstream
        self.packet_cache = packet_cache
        self._conn = None
        self._loop = None
        self._blocklist_loading = False

    def startService(self) -> None:
        service.Service.startService(self)
        self._conn = db.connect(self.db_path)
        self._loop = task.LoopingCall(self.reload)
        self._loop.clock = self.clock
        self._loop.start(RELOAD_INTERVAL, now=False)

    def reload(self) -> None:
        try:
            if not self._blocklist_loading:
                self._blocklist_loading = True
                loading = self.blocklist.reload_in_thread(
                    self._conn, lambda: db.connect(self.db_path), deferToThread
                )
                loading.addCallback(self._blocklist_loaded)
                loading.addErrback(lambda f: _log.failure("reloading the blocklist failed", f))
                loading.addBoth(self._blocklist_done)
            self.upstream.reload_if_changed(self._conn)
        except Exception:
            _log.failure("reloading the blocklist and upstreams failed")

    def _blocklist_loaded(self, installed: bool) -> None:
        if installed:
            self.packet_cache.clear()

    def _blocklist_done(self, _) -> None:
        self._blocklist_loading = False

    def stopService(self) -> None:
        service.Service.stopService(self)
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --- DoT and DoH listeners: dnsops.server.dot, dnsops.server.doh, dnsops.server.tls ---
def _add_tls_listeners(top, options, reactor, factory, connections, values, db_path, interfaces,
                       config_hooks) -> None:
    """
    Start DoT on C{--dot-port} and DoH on C{--doh-port} unless C{--no-dot}/C{--no-doh}.

    Both share the TCP connection table and one certificate (configured, or generated beside
    the database), which SIGHUP, a change of the files, or of the config keys reloads.
    """
    from dnsops.names import canonical_name
    from dnsops.server import doh, dot
    from dnsops.server.tls import CertificateReloader, server_tls

    wanted = [(kind, int(options.get(f"{kind}-port", default))) for kind, default in (("dot", 853), ("doh", 443))
              if not options.get(f"no-{kind}")]
    if not wanted:
        return
    names = []
    try:
        if values.get("server_id"):
            names.append(canonical_name(values["server_id"]))
    except Exception:
        pass
    addresses = list(interfaces or [])
    creators = []
    for kind, port in wanted:
        if kind == "dot":
            tls = server_tls(values, db_path, names, addresses, dot.ALPN)
            stream = dot.dot_factory(factory, connections, tls)
        else:
            from twisted.protocols.tls import TLSMemoryBIOFactory

            from dnsops.server.tcplimits import GuardedFactory

            tls = server_tls(values, db_path, names, addresses, doh.ALPN)
            stream = GuardedFactory(TLSMemoryBIOFactory(tls, False, doh.doh_site(factory)), connections)
        creators.append(tls)
        listening = ListeningService(reactor, interfaces, port, stream=stream, labels=("", f"dns {kind}"))
        listening.setServiceParent(top)
        setattr(top, kind, listening)
    reloader = CertificateReloader(reactor, creators, db_path=db_path, names=names, addresses=addresses)
    reloader.setServiceParent(top)
    config_hooks.append(reloader.configure)
    top.certificates = reloader
# --- end DoT and DoH listeners ---


def make_service(options, reactor=None) -> DNSOpsService:
    """
    Build the whole server from L{dnsops.tap.Options} (or a dict with the same keys).

    Opens the database (creating it, with schema and default upstreams, when missing) and loads
    every zone before returning, so the first query after the listeners bind is answered.
    """
    if reactor is None:
        from twisted.internet import reactor
    from twisted.internet.threads import deferToThread

    from dnsops.blocklistsources import BlocklistSourceRefresher
    from dnsops.metrics import Metrics
    from dnsops.querylog import QueryLogWriter, Stats

    db_path = options.get("db") or db.default_path()
    conn = db.connect(db_path)
    try:
        token = ensure_api_token(conn)
        stored = stored_config.all(conn)
        values = config.effective(stored)
        blocklist = Blocklist()
        blocklist.reload(conn)
        upstreams = read_upstreams(conn)
    finally:
        conn.close()

    index = ZoneIndex()
    packet_cache = PacketCache()
    cache = Cache(reactor, capacity=values["cache_size"], serve_stale_max=values["serve_stale_max"])
    stats = Stats(reactor)
    from dnsops.resolvers.tlsupstream import TLSUpstreams

    tls_upstreams = TLSUpstreams(reactor, ca_file=values.get("upstream_tls_ca"))
    upstream = UpstreamResolver(reactor, upstreams=upstreams, timeout=values["upstream_timeout"], stats=stats,
                                tls=tls_upstreams)
    chains = build_chains(AuthorityResolver(index), BlocklistResolver(blocklist), CachingResolver(upstream, cache))
    limiter = RateLimiter(values["rate_limit_per_sec"], values["rate_limit_burst"], clock=reactor)
    querylog = QueryLogWriter(lambda: db.connect(db_path), stats, clock=reactor,
                              size=values["query_log_size"], in_thread=deferToThread,
                              on_batch=lambda rows: metrics.observe_rows(rows))
    metrics = Metrics(reactor, stats=stats, cache=cache, packet_cache=packet_cache,
                      upstream_status=upstream.status_rows)

    def on_answer(ctx, qname, qtype, rcode, answered_by, duration):
        querylog.log(ctx.client, ctx.transport, qname, qtype, rcode, answered_by, duration * 1000)

    factory = DNSServerFactory(chains, index, stored, packet_cache, allow_query=None,
                               on_answer=on_answer, clock=reactor, stats=stats)
    connections = ConnectionTable(reactor)
    config_hooks: list = []  # more parts that follow config changes (the TLS certificates)

    def on_config(new: dict) -> None:
        factory.apply_config(new)
        current = factory.values
        limiter.configure(current["rate_limit_per_sec"], current["rate_limit_burst"])
        factory.allow_query = limiter.allow if limiter.enabled else None
        cache.resize(current["cache_size"])
        cache.serve_stale_max = current["serve_stale_max"]
        upstream.timeout = current["upstream_timeout"]
        querylog.size = current["query_log_size"]
        connections.configure(current["tcp_max_connections"], current["tcp_idle_timeout"])
        index.geo = _geo_reader(current["geoip_db_path"], index.geo)
        for hook in config_hooks:
            hook(current)

    def on_control(command: str) -> None:
        if command == "flush-cache":
            cache.flush()
            packet_cache.clear()
        elif command == "reload-blocklist":
            pass  # the reloader notices blocklist changes itself
        else:
            _log.warn("unknown control command {command!r}", command=command)

    on_config(stored)
    follower = ZoneFollower(db_path, index, clock=reactor, on_config=on_config, on_control=on_control)
    follower.load_now()

    top = DNSOpsService()
    top.token = token
    top.factory = factory
    top.packet_cache = packet_cache
    top.index = index
    top.connections = connections
    querylog.setServiceParent(top)
    follower.setServiceParent(top)
    _Reloader(db_path, reactor, blocklist, upstream, packet_cache).setServiceParent(top)
    BlocklistSourceRefresher(lambda: db.connect(db_path), reactor, in_thread=deferToThread).setServiceParent(top)
    interfaces = options.get("interface") or None
    top.dns = ListeningService(reactor, interfaces, int(options.get("port", 53)),
                               udp=lambda: DNSDatagramProtocol(factory),
                               stream=DNSStreamFactory(factory, connections, "tcp"))
    top.dns.setServiceParent(top)
    tls_upstreams.setServiceParent(top)
    top.tls_upstreams = tls_upstreams
    config_hooks.append(lambda current: tls_upstreams.set_ca_file(current.get("upstream_tls_ca")))
    _add_tls_listeners(top, options, reactor, factory, connections, values, db_path, interfaces, config_hooks)
    if options.get("api-port") is not None and int(options["api-port"]) >= 0:
        from dnsops.api.app import ApiDeps
        from dnsops.api.timeseries import Sampler

        sampler = Sampler(stats, cache, clock=reactor)
        sampler.setServiceParent(top)

        deps = ApiDeps(db_path=db_path, clock=reactor, stats=stats, cache=cache,
                       upstream_status=lambda: {row["id"]: row for row in upstream.status_rows()},
                       listeners=top.listener_status, metrics=metrics, web_root=_web_root(),
                       series=sampler)
        site = Site(make_api_resource(deps))
        site.noisy = False
        top.api = ListeningService(reactor, interfaces, int(options["api-port"]), stream=site,
                                   labels=("", "api http"))
        top.api.setServiceParent(top)
        top.api_deps = deps
    return top
