# -*- test-case-name: tests.test_api -*-
"""
Who is calling the REST API, what they may do, and slowing down those who guess.

A caller presents C{Authorization: Bearer SECRET}: either the config C{api_token} (full
rights) or the secret of a scoped key (L{dnsops.store.keys}). Both comparisons are constant
time. An address that keeps presenting wrong secrets is told to wait (429 + C{Retry-After})
before any further secret of its is even looked at, so a locked-out guesser learns nothing.
"""

import hmac
import math
import secrets
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime

from dnsops.errors import UserError
from dnsops.store import config as config_store
from dnsops.store import keys as key_store
from dnsops.store.db import Connection, transaction

#: How far each scope reaches; a call needs at least its route's scope.
RANK = {"read": 0, "write": 1, "admin": 2}


class Unauthorized(UserError):
    """No credentials, or credentials that match no token or key."""

    http_status = 401


class Forbidden(UserError):
    """Valid credentials whose scope is too narrow for the call."""

    http_status = 403


class TooManyRequests(UserError):
    """The caller's address failed too often; C{retry_after} says for how many seconds."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Caller:
    """
    An authenticated caller.

    @ivar actor: what the audit log calls it: C{token} or C{key:NAME}.
    """

    actor: str
    scope: str


def ensure_api_token(conn: Connection) -> str:
    """
    The stored C{api_token}, generating and storing one the first time.

    Called once by the service at start (which prints it); because the token is stored, a
    restart keeps it, and C{set-config api_token} replaces it.
    """
    token = config_store.get(conn, "api_token")
    if token:
        return token
    token = secrets.token_urlsafe(24)
    with transaction(conn):
        if not config_store.get(conn, "api_token"):
            config_store.set(conn, "api_token", token)
        token = config_store.get(conn, "api_token")
    return token


class FailureLimiter:
    """
    Count failed logins per client address and lock an address out after too many.

    After C{max_failures} failures within C{window} seconds, the address is locked for
    C{lockout} seconds; each further lockout of the same address doubles it, up to
    C{max_lockout}. A successful login clears the address's record.

    The threshold (30 a minute) lets a person mistype and a script check a few dozen
    endpoints for 401, while 50 wrong guesses in a row end in 429; the first lockout is
    short (10 s) for the same reason. While locked, the right token is refused too: checking
    it would tell a guesser when it was right. Requests with no credentials at all do not
    count. Behind a reverse proxy every client shares the proxy's address; bind the API to
    loopback there and let the proxy limit logins.
    """

    def __init__(
        self,
        clock: IReactorTime,
        max_failures: int = 30,
        window: float = 60.0,
        lockout: float = 10.0,
        max_lockout: float = 3600.0,
        max_addresses: int = 10_000,
    ) -> None:
        self._clock = clock
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_lockout = max_lockout
        self.max_addresses = max_addresses
        self._failures: dict[str, list[float]] = {}
        self._locked: dict[str, tuple[float, float]] = {}

    def check(self, address: str) -> None:
        """Raise L{TooManyRequests} while C{address} is locked out."""
        until, _ = self._locked.get(address, (0.0, 0.0))
        remaining = until - self._clock.seconds()
        if remaining > 0:
            raise TooManyRequests(
                f"too many failed logins from '{address}': retry in {math.ceil(remaining)} s",
                math.ceil(remaining),
            )

    def failed(self, address: str) -> None:
        """Note one failure; lock the address when it has failed too often."""
        now = self._clock.seconds()
        if len(self._failures) >= self.max_addresses and address not in self._failures:
            self._forget_old(now)
        recent = [t for t in self._failures.get(address, []) if now - t < self.window]
        recent.append(now)
        if len(recent) >= self.max_failures:
            _, last = self._locked.get(address, (0.0, 0.0))
            duration = min(self.max_lockout, last * 2 if last else self.lockout)
            self._locked[address] = (now + duration, duration)
            recent = []
        self._failures[address] = recent

    def succeeded(self, address: str) -> None:
        """Forget the address's failures."""
        self._failures.pop(address, None)
        self._locked.pop(address, None)

    def _forget_old(self, now: float) -> None:
        for address in list(self._failures):
            if not any(now - t < self.window for t in self._failures[address]):
                del self._failures[address]
        for address in list(self._locked):
            until, duration = self._locked[address]
            if until + duration < now:
                del self._locked[address]


class Authenticator:
    """Turn a request's C{Authorization} header into a L{Caller}, or refuse it."""

    def __init__(self, limiter: FailureLimiter) -> None:
        self.limiter = limiter

    def authenticate(self, conn: Connection, header: bytes | None, address: str) -> Caller:
        """
        The caller presenting C{header} from C{address}.

        @raise TooManyRequests: the address is locked out (checked before the secret).
        @raise Unauthorized: no bearer secret, or one that matches nothing.
        """
        self.limiter.check(address)
        secret = _bearer(header)
        if secret is None:
            raise Unauthorized("missing bearer token: send 'Authorization: Bearer TOKEN'")
        caller = _match(conn, secret)
        if caller is None:
            self.limiter.failed(address)
            raise Unauthorized("invalid bearer token")
        self.limiter.succeeded(address)
        return caller

    @staticmethod
    def permit(caller: Caller, scope: str) -> None:
        """@raise Forbidden: C{caller}'s scope is narrower than C{scope}."""
        if RANK[caller.scope] < RANK[scope]:
            raise Forbidden(f"scope '{caller.scope}' may not do this: it needs '{scope}'")


def _bearer(header: bytes | None) -> str | None:
    if not header:
        return None
    try:
        kind, _, secret = header.decode("utf-8").strip().partition(" ")
    except UnicodeDecodeError:
        return ""
    if kind.lower() != "bearer":
        return None
    return secret.strip()


def _match(conn: Connection, secret: str) -> Caller | None:
    token = config_store.get(conn, "api_token")
    if token and hmac.compare_digest(token.encode(), secret.encode("utf-8", "surrogatepass")):
        return Caller("token", "admin")
    key = key_store.find_key(conn, secret)
    if key is not None:
        return Caller(f"key:{key['name']}", key["scope"])
    return None
