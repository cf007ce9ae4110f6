"""
A real dnsops server on 127.0.0.1 port 0 for a test, built by the same L{make_service} as twistd.

UDP and TCP share one port (chosen by the listeners); every listener, connection, and the
service itself are stopped in cleanups, as Twisted's C{ServerDNSTests} does.
"""

from dataclasses import dataclass

from dnsops.store import db


@dataclass
class RunningServer:
    """A started service: C{port} serves UDP and TCP on 127.0.0.1."""

    service: object
    port: int

    @property
    def factory(self):
        return self.service.factory

    @property
    def api_port(self) -> int | None:
        return self.service.api.port_number if self.service.api is not None else None


def start_server(test, db_path: str, **opts) -> RunningServer:
    """
    Build and start the service on C{db_path}; its stop is registered with C{test.addCleanup}.

    @param opts: option overrides, e.g. C{api_port=0} to serve the API too (off by default).
    """
    options = {"db": db_path, "port": 0, "interface": ["127.0.0.1"], "api-port": None,
               "no-doh": True, "no-dot": True}
    for key, value in opts.items():
        options[key.replace("_", "-")] = value
    from dnsops.service import make_service

    service = make_service(options)
    service.privilegedStartService()
    service.startService()
    test.addCleanup(_stop, service)
    return RunningServer(service, service.dns.port_number)


def _stop(service):
    service.connections.abort_all()
    for proto in list(service.factory.connections):
        if getattr(proto, "transport", None) is not None:
            proto.transport.abortConnection()
    return service.stopService()


def open_db(path: str):
    """A connection to the test's database (created on first use)."""
    return db.connect(path)
