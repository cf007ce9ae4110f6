# -*- test-case-name: tests.test_process -*-
"""
The command-line options of the server, shared by C{twistd dnsops} and C{dnsops start}.

Bad values are refused in L{Options.postOptions} with a L{usage.UsageError}, so both entry
points print one line and no traceback.
"""

import ipaddress

from twisted.python import usage

LOG_LEVELS = ("debug", "info", "warn", "error", "critical")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise usage.UsageError(f"invalid port '{value}': expected 0 to 65535")
    if not 0 <= port <= 65535:
        raise usage.UsageError(f"invalid port '{value}': expected 0 to 65535")
    return port


class Options(usage.Options):
    """C{--db --port --api-port --doh-port --dot-port --no-doh --no-dot --interface --log-level}."""

    optParameters = [
        ["db", None, None, "SQLite database (default $DNSOPS_DB or dns.db); created when missing"],
        ["port", "p", "53", "DNS port for UDP and TCP (0 picks a free one)"],
        ["api-port", None, "8088", "REST API and dashboard port"],
        ["doh-port", None, "443", "DNS over HTTPS port"],
        ["dot-port", None, "853", "DNS over TLS port"],
        ["log-level", None, "info", f"least severe log level shown: {', '.join(LOG_LEVELS)}"],
    ]
    optFlags = [
        ["no-doh", None, "do not serve DNS over HTTPS"],
        ["no-dot", None, "do not serve DNS over TLS"],
    ]

    def __init__(self) -> None:
        usage.Options.__init__(self)
        self["interface"] = []

    def opt_interface(self, address: str) -> None:
        """Address to listen on (repeatable); default 0.0.0.0 and ::"""
        self["interface"].append(address)

    def postOptions(self) -> None:
        for key in ("port", "api-port", "doh-port", "dot-port"):
            self[key] = _port(self[key])
        for address in self["interface"]:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise usage.UsageError(f"invalid interface address '{address}'")
        level = str(self["log-level"]).lower()
        if level == "warning":
            level = "warn"
        if level not in LOG_LEVELS:
            raise usage.UsageError(
                f"invalid log level '{self['log-level']}' (expected one of {', '.join(LOG_LEVELS)})"
            )
        self["log-level"] = level


ENVIRONMENT = (
    ("DNSOPS_DB", "--db"), ("DNSOPS_PORT", "--port"), ("DNSOPS_API_PORT", "--api-port"),
    ("DNSOPS_DOH_PORT", "--doh-port"), ("DNSOPS_DOT_PORT", "--dot-port"),
    ("DNSOPS_LOG_LEVEL", "--log-level"),
)


def environment_argv(environ) -> list[str]:
    """The command-line flags that C{dns.tac}'s C{DNSOPS_*} environment variables stand for."""
    argv = []
    for variable, flag in ENVIRONMENT:
        if environ.get(variable):
            argv += [flag, environ[variable]]
    for address in environ.get("DNSOPS_INTERFACES", "").split(","):
        if address.strip():
            argv += ["--interface", address.strip()]
    for variable, flag in (("DNSOPS_NO_DOH", "--no-doh"), ("DNSOPS_NO_DOT", "--no-dot")):
        if environ.get(variable, "").strip().lower() in ("1", "true", "yes"):
            argv.append(flag)
    return argv


def filter_global_log(level_name: str) -> None:
    """
    Apply C{--log-level} to the observers twistd (or C{dns.tac}) installed.

    twistd begins logging after it has built the service, so this runs when the service
    starts (L{dnsops.service.DNSOpsService.before_start}), before the listeners log. twistd's
    observers are reachable only through the publisher's list, hence the private attribute.
    """
    from twisted.logger import FilteringLogObserver, globalLogPublisher

    predicates = log_predicates(level_name)
    for observer in list(globalLogPublisher._observers):
        globalLogPublisher.removeObserver(observer)
        globalLogPublisher.addObserver(FilteringLogObserver(observer, predicates))


def log_predicates(level_name: str) -> list:
    """
    The filters of the server's log: C{--log-level}, and no line per upstream UDP exchange.

    Every forwarded query opens its own UDP socket (a random source port, against spoofed
    answers), and Twisted logs "... starting on PORT" for each socket it binds, whatever the
    protocol's C{noisy} says; at a thousand misses a second that would drown the log.
    """
    from twisted.logger import LogLevel, LogLevelFilterPredicate, PredicateResult

    def quiet_exchanges(event: dict):
        message = event.get("message")
        if message and isinstance(message[0], str) and message[0].startswith("_UDPExchange "):
            return PredicateResult.no
        return PredicateResult.maybe

    return [LogLevelFilterPredicate(LogLevel.levelWithName(level_name)), quiet_exchanges]


def makeService(options: Options):
    """twistd's entry point: the same service as C{dnsops start}."""
    from dnsops.service import make_service

    top = make_service(options)
    top.before_start = lambda: filter_global_log(options["log-level"])
    top.exit_on_listen_error = True
    return top
