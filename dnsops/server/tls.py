# -*- test-case-name: tests.test_tls -*-
"""
TLS certificates for DoT and DoH: generated once when none is configured, reloaded on change.

Without C{tls_cert_path}/C{tls_key_path} a self-signed ECDSA P-256 certificate is made with
C{cryptography} the first time and stored next to the database, so clients that pin it keep
working across restarts. L{ReloadableServerTLS} re-reads the files on SIGHUP or when their
modification time changes, without closing listeners: a Let's Encrypt renewal needs no restart.
Connections already open keep the context they started with.
"""

import datetime
import ipaddress
import os
import signal
import socket

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from OpenSSL import SSL
from twisted.application.service import Service
from twisted.internet import ssl
from twisted.internet.task import LoopingCall
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from twisted.logger import Logger
from zope.interface import implementer

from dnsops.errors import InvalidInput

_log = Logger()

VALIDITY_DAYS = 3650


def generated_paths(db_path: str) -> tuple[str, str]:
    """Where the generated certificate and key live: beside the database file."""
    base = os.path.splitext(os.path.abspath(db_path))[0]
    return base + "-tls.crt", base + "-tls.key"


def ensure_self_signed(db_path: str, names: list[str], addresses: list[str]) -> tuple[str, str]:
    """
    Return the generated certificate and key paths, creating them on first use.

    @param names: DNS names for the subjectAltName (the host name is always added).
    @param addresses: listener addresses for the subjectAltName (wildcards are skipped).
    """
    cert_path, key_path = generated_paths(db_path)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    hostname = socket.gethostname() or "localhost"
    dns_names = list(dict.fromkeys([hostname, "localhost", *names]))
    ips = []
    for address in ["127.0.0.1", "::1", *addresses]:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if not ip.is_unspecified and ip not in ips:
            ips.append(ip)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in dns_names] + [x509.IPAddress(ip) for ip in ips]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    with open(cert_path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(key_path + ".tmp", key_path)
    os.replace(cert_path + ".tmp", cert_path)
    return cert_path, key_path


def load_options(cert_path: str, key_path: str, alpn: list[bytes]) -> ssl.CertificateOptions:
    """
    Build server options from PEM files: the first certificate is the leaf, the rest the chain.

    @raise InvalidInput: when a file is missing or does not hold a matching key and certificate.
    """
    try:
        with open(cert_path, "rb") as f:
            chain_pem = f.read()
        with open(key_path, "rb") as f:
            key_pem = f.read()
        certs = x509.load_pem_x509_certificates(chain_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (OSError, ValueError, TypeError) as e:
        raise InvalidInput(f"cannot load TLS certificate '{cert_path}' / key '{key_path}': {e}")
    if certs[0].public_key().public_numbers() != key.public_key().public_numbers():
        raise InvalidInput(f"TLS key '{key_path}' does not match certificate '{cert_path}'")
    from OpenSSL import crypto

    return ssl.CertificateOptions(
        privateKey=crypto.PKey.from_cryptography_key(key),
        certificate=crypto.X509.from_cryptography(certs[0]),
        extraCertChain=[crypto.X509.from_cryptography(c) for c in certs[1:]],
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2,
        acceptableProtocols=alpn or None,
    )


@implementer(IOpenSSLServerConnectionCreator)
class ReloadableServerTLS:
    """
    A TLS server connection creator whose certificate can be swapped while listening.

    @ivar cert_path: the PEM chain in use. @ivar key_path: its key.
    """

    def __init__(self, cert_path: str, key_path: str, alpn: list[bytes]) -> None:
        self.cert_path = cert_path
        self.key_path = key_path
        self.alpn = alpn
        self._options = load_options(cert_path, key_path, alpn)
        self._stamp = self._mtimes()

    def _mtimes(self) -> tuple:
        try:
            return (os.stat(self.cert_path).st_mtime_ns, os.stat(self.key_path).st_mtime_ns)
        except OSError:
            return (None, None)

    def use(self, cert_path: str, key_path: str) -> None:
        """Switch to other files (the config keys changed); keep the old ones if these fail."""
        options = load_options(cert_path, key_path, self.alpn)
        self.cert_path, self.key_path, self._options = cert_path, key_path, options
        self._stamp = self._mtimes()

    def reload(self) -> bool:
        """Re-read the files; on failure keep serving the old certificate and log why."""
        try:
            self._options = load_options(self.cert_path, self.key_path, self.alpn)
        except InvalidInput as e:
            _log.warn("TLS reload failed, keeping the old certificate: {error}", error=e)
            return False
        self._stamp = self._mtimes()
        _log.info("TLS certificate reloaded from {path}", path=self.cert_path)
        return True

    def reload_if_changed(self) -> bool:
        """Reload when either file's modification time moved (polled by the service)."""
        if self._mtimes() != self._stamp:
            return self.reload()
        return False

    def serverConnectionForTLS(self, tlsProtocol) -> SSL.Connection:
        return SSL.Connection(self._options.getContext(), None)


def certificate_files(values: dict, db_path: str, names: list[str], addresses: list[str]) -> tuple[str, str]:
    """
    The certificate and key to serve: the configured C{tls_cert_path}/C{tls_key_path} when
    both are set, else the generated pair beside the database (made on first use).
    """
    cert, key = values.get("tls_cert_path") or "", values.get("tls_key_path") or ""
    if cert and key:
        return cert, key
    return ensure_self_signed(db_path, names, addresses)


def server_tls(values: dict, db_path: str, names: list[str], addresses: list[str], alpn: list[bytes]) -> ReloadableServerTLS:
    """
    The connection creator for one TLS listener. Configured files that do not load are
    logged and the generated certificate is served instead, so DNS service still starts.
    """
    cert, key = certificate_files(values, db_path, names, addresses)
    try:
        return ReloadableServerTLS(cert, key, alpn)
    except InvalidInput as e:
        _log.error("{error}; serving the generated certificate instead", error=e)
        return ReloadableServerTLS(*ensure_self_signed(db_path, names, addresses), alpn)


class CertificateReloader(Service):
    """
    Keep the DoT and DoH certificates current: on SIGHUP, when the files change, and when the
    C{tls_cert_path}/C{tls_key_path} config keys change. Listeners are never closed for it.

    @ivar creators: the L{ReloadableServerTLS} of each TLS listener.
    """

    def __init__(self, reactor, creators: list, interval: float = 1.0, install_signal: bool = True,
                 db_path: str = "", names: list[str] = (), addresses: list[str] = ()) -> None:
        """
        @param db_path: the database, beside which the generated certificate lives; with
            C{names} and C{addresses} it is what L{configure} needs to make one.
        """
        self.reactor = reactor
        self.creators = list(creators)
        self.db_path, self.names, self.addresses = db_path, list(names), list(addresses)
        self.interval = interval
        self.install_signal = install_signal
        self._loop = None
        self._previous = None

    def startService(self) -> None:
        Service.startService(self)
        self._loop = LoopingCall(self.poll)
        self._loop.clock = self.reactor
        self._loop.start(self.interval, now=False)
        if self.install_signal and hasattr(signal, "SIGHUP"):
            try:
                self._previous = signal.signal(signal.SIGHUP, self._sighup)
            except ValueError:
                self._previous = None

    def stopService(self) -> None:
        Service.stopService(self)
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._previous is not None:
            signal.signal(signal.SIGHUP, self._previous)
            self._previous = None

    def _sighup(self, signum, frame) -> None:
        self.reactor.callFromThread(self.reload)

    def reload(self) -> None:
        """Re-read every certificate now (SIGHUP)."""
        _log.info("SIGHUP: reloading TLS certificates")
        for creator in self.creators:
            creator.reload()

    def poll(self) -> None:
        for creator in self.creators:
            try:
                creator.reload_if_changed()
            except Exception:
                _log.failure("checking the TLS certificate files failed")

    def use(self, cert_path: str, key_path: str) -> None:
        """Switch every listener to other files; on a bad pair keep the old one and log why."""
        for creator in self.creators:
            if (creator.cert_path, creator.key_path) == (cert_path, key_path):
                continue
            try:
                creator.use(cert_path, key_path)
            except InvalidInput as e:
                _log.error("TLS certificate not changed: {error}", error=e)
            else:
                _log.info("TLS certificate now from {path}", path=cert_path)

    def configure(self, values: dict) -> None:
        """Follow the C{tls_cert_path}/C{tls_key_path} config keys (the generated pair when unset)."""
        try:
            cert, key = certificate_files(values, self.db_path, self.names, self.addresses)
        except OSError as e:
            _log.error("cannot make a TLS certificate: {error}", error=e)
            return
        self.use(cert, key)
