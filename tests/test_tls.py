"""
Tests for L{dnsops.server.tls}: the generated certificate, PEM chains, and reloading.

The test PKI (L{make_ca}, L{issue}) is also used by the DoT, DoH and TLS-upstream tests.
"""

import datetime
import ipaddress
import os
import signal
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from twisted.internet import defer, reactor
from twisted.internet.task import Clock
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.errors import InvalidInput
from dnsops.server.tls import (
    CertificateReloader,
    ReloadableServerTLS,
    certificate_files,
    ensure_self_signed,
    generated_paths,
)

TIMEOUT = 5.0


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_ca(directory: str, name: str = "dnsops test CA"):
    """A self-signed CA: (path of its PEM certificate, its certificate, its key)."""
    os.makedirs(directory, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = os.path.join(directory, "ca.pem")
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key


def issue(directory: str, ca, names=("dns.test",), ips=("127.0.0.1",), stem: str = "server",
          intermediate: bool = False):
    """
    A server certificate signed by C{ca} (optionally through an intermediate, which then
    goes into the chain file): (chain path, key path).
    """
    _, ca_cert, ca_key = ca
    now = datetime.datetime.now(datetime.timezone.utc)
    chain = []
    if intermediate:
        mid_key = ec.generate_private_key(ec.SECP256R1())
        mid = (
            x509.CertificateBuilder().subject_name(_name("dnsops test intermediate"))
            .issuer_name(ca_cert.subject).public_key(mid_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(mid_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        chain.append(mid)
        ca_cert, ca_key = mid, mid_key
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder().subject_name(_name(names[0] if names else stem))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, stem + ".crt")
    key_path = os.path.join(directory, stem + ".key")
    with open(cert_path, "wb") as f:
        for c in [cert, *chain]:
            f.write(c.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def peer_certificate(port: int, cafile: str | None, server_name: str | None = None,
                     alpn: list[str] | None = None) -> tuple[bytes, str | None]:
    """Connect with TLS (blocking) and return the server's DER certificate and the ALPN chosen."""
    context = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
    if cafile and server_name is None:
        context.check_hostname = False
    if alpn:
        context.set_alpn_protocols(alpn)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        with context.wrap_socket(sock, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True), tls.selected_alpn_protocol()


def listen_tls(test, creator) -> int:
    """A TLS echo-free listener (it only handshakes) on 127.0.0.1 port 0, closed at cleanup."""
    from twisted.internet import protocol
    from twisted.protocols.tls import TLSMemoryBIOFactory

    inner = protocol.ServerFactory.forProtocol(protocol.Protocol)
    port = reactor.listenTCP(0, TLSMemoryBIOFactory(creator, False, inner), interface="127.0.0.1")
    test.addCleanup(port.stopListening)
    return port.getHost().port


def fingerprint(path: str) -> bytes:
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificates(f.read())[0].fingerprint(hashes.SHA256())


def der_fingerprint(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256())


class SelfSignedTests(SynchronousTestCase):
    """The certificate made when none is configured."""

    def setUp(self) -> None:
        self.db_path = os.path.join(os.path.abspath(self.mktemp()), "dns.db")
        os.makedirs(os.path.dirname(self.db_path))

    def test_generated_once_beside_the_database(self) -> None:
        """If no certificate exists, then an ECDSA one is written next to the database with a private key file."""
        cert_path, key_path = ensure_self_signed(self.db_path, ["dns.example.com"], ["192.0.2.7", "0.0.0.0"])
        self.assertEqual((cert_path, key_path), generated_paths(self.db_path))
        self.assertEqual(os.path.dirname(cert_path), os.path.dirname(self.db_path))
        self.assertEqual(os.stat(key_path).st_mode & 0o777, 0o600)
        cert = x509.load_pem_x509_certificates(open(cert_path, "rb").read())[0]
        self.assertIsInstance(cert.public_key(), ec.EllipticCurvePublicKey)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertIn(socket.gethostname(), san.get_values_for_type(x509.DNSName))
        self.assertIn("dns.example.com", san.get_values_for_type(x509.DNSName))
        ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
        self.assertIn("192.0.2.7", ips)
        self.assertIn("127.0.0.1", ips)
        self.assertNotIn("0.0.0.0", ips)

    def test_reused_when_present(self) -> None:
        """If the generated certificate exists, then it is reused rather than replaced."""
        cert_path, _ = ensure_self_signed(self.db_path, [], [])
        first = fingerprint(cert_path)
        ensure_self_signed(self.db_path, ["other.example.com"], [])
        self.assertEqual(fingerprint(cert_path), first)

    def test_configured_files_win(self) -> None:
        """If tls_cert_path and tls_key_path are both set, then they are used and nothing is generated."""
        values = {"tls_cert_path": "/x/cert.pem", "tls_key_path": "/x/key.pem"}
        self.assertEqual(certificate_files(values, self.db_path, [], []), ("/x/cert.pem", "/x/key.pem"))
        self.assertFalse(os.path.exists(generated_paths(self.db_path)[0]))

    def test_mismatched_key_is_refused(self) -> None:
        """If the key does not belong to the certificate, then loading fails with a clear error."""
        directory = self.mktemp()
        ca = make_ca(directory)
        cert_a, _ = issue(directory, ca, stem="a")
        _, key_b = issue(directory, ca, stem="b")
        error = self.assertRaises(InvalidInput, ReloadableServerTLS, cert_a, key_b, [])
        self.assertIn("does not match", str(error))

    def test_missing_file_is_refused(self) -> None:
        """If a certificate file is missing, then loading fails naming it."""
        error = self.assertRaises(InvalidInput, ReloadableServerTLS, "/nonexistent/c.pem", "/nonexistent/k.pem", [])
        self.assertIn("/nonexistent/c.pem", str(error))


class ServingTests(TestCase):
    """Certificates as clients see them."""

    def setUp(self) -> None:
        self.dir = self.mktemp()
        self.ca = make_ca(self.dir)

    @defer.inlineCallbacks
    def test_full_chain_is_sent(self) -> None:
        """If the PEM file holds leaf and intermediate, then a client trusting only the root verifies it."""
        cert, key = issue(self.dir, self.ca, intermediate=True)
        port = listen_tls(self, ReloadableServerTLS(cert, key, []))
        der, _ = yield deferToThread(peer_certificate, port, self.ca[0], "dns.test")
        self.assertEqual(der_fingerprint(der), fingerprint(cert))

    @defer.inlineCallbacks
    def test_alpn_negotiated(self) -> None:
        """If ALPN protocols are configured, then the client's choice among them is negotiated."""
        cert, key = issue(self.dir, self.ca)
        port = listen_tls(self, ReloadableServerTLS(cert, key, [b"h2", b"http/1.1"]))
        _, chosen = yield deferToThread(peer_certificate, port, self.ca[0], "dns.test", ["h2", "http/1.1"])
        self.assertEqual(chosen, "h2")

    @defer.inlineCallbacks
    def test_tls_below_1_2_refused(self) -> None:
        """If a client offers only TLS 1.1, then the handshake fails."""
        cert, key = issue(self.dir, self.ca)
        port = listen_tls(self, ReloadableServerTLS(cert, key, []))

        def old_client():
            context = ssl._create_unverified_context()
            try:
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = ssl.TLSVersion.TLSv1_1
            except ValueError:
                return "unsupported"
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                try:
                    context.wrap_socket(sock).close()
                except (ssl.SSLError, OSError):
                    return "refused"
            return "accepted"

        self.assertIn((yield deferToThread(old_client)), ("refused", "unsupported"))

    @defer.inlineCallbacks
    def test_sighup_reloads_without_dropping(self) -> None:
        """If the files are replaced and SIGHUP arrives, then new connections get the new certificate and an open one keeps working."""
        cert, key = issue(self.dir, self.ca, stem="live")
        old = fingerprint(cert)
        creator = ReloadableServerTLS(cert, key, [])
        reloader = CertificateReloader(reactor, [creator], interval=3600)
        reloader.startService()
        self.addCleanup(reloader.stopService)
        port = listen_tls(self, creator)
        context = ssl.create_default_context(cafile=self.ca[0])
        sock = yield deferToThread(socket.create_connection, ("127.0.0.1", port), TIMEOUT)
        before = yield deferToThread(context.wrap_socket, sock, server_hostname="dns.test")
        self.addCleanup(before.close)
        issue(self.dir, self.ca, names=("dns.test", "renewed.test"), stem="live")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(50):
            if creator._stamp == creator._mtimes() and fingerprint(cert) != old:
                break
            yield deferLater(0.02)
        der, _ = yield deferToThread(peer_certificate, port, self.ca[0], "renewed.test")
        self.assertEqual(der_fingerprint(der), fingerprint(cert))
        self.assertNotEqual(der_fingerprint(der), old)
        self.assertEqual(der_fingerprint(before.getpeercert(binary_form=True)), old)

    def test_file_change_reloads_on_poll(self) -> None:
        """If the files change on disk, then the next poll loads them."""
        cert, key = issue(self.dir, self.ca, stem="polled")
        creator = ReloadableServerTLS(cert, key, [])
        clock = Clock()
        reloader = CertificateReloader(clock, [creator], interval=1.0, install_signal=False)
        reloader.startService()
        self.addCleanup(reloader.stopService)
        options = creator._options
        issue(self.dir, self.ca, names=("new.test",), stem="polled")
        os.utime(cert, ns=(1, 1))
        clock.advance(1.0)
        self.assertIsNot(creator._options, options)

    def test_bad_reload_keeps_the_old_certificate(self) -> None:
        """If the new files do not load, then the old certificate stays in use."""
        cert, key = issue(self.dir, self.ca, stem="kept")
        creator = ReloadableServerTLS(cert, key, [])
        options = creator._options
        with open(key, "wb") as f:
            f.write(b"not a key")
        self.assertFalse(creator.reload())
        self.assertIs(creator._options, options)

    def test_config_change_switches_files(self) -> None:
        """If the configured paths change, then every listener switches to the new files."""
        cert, key = issue(self.dir, self.ca, stem="first")
        cert2, key2 = issue(self.dir, self.ca, stem="second")
        creator = ReloadableServerTLS(cert, key, [])
        reloader = CertificateReloader(Clock(), [creator], install_signal=False)
        reloader.use(cert2, key2)
        self.assertEqual((creator.cert_path, creator.key_path), (cert2, key2))
        reloader.use("/nonexistent.pem", "/nonexistent.key")
        self.assertEqual(creator.cert_path, cert2)


def deferLater(seconds: float):
    from twisted.internet.task import deferLater as later

    return later(reactor, seconds, lambda: None)


def _dot_exchange(sock) -> int:
    """Send one query for www.example.com on an open DoT socket; return the answer's rcode (blocking)."""
    import struct

    import dns.message

    wire = dns.message.make_query("www.example.com", "A").to_wire()
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    data = b""
    while len(data) < 2 or len(data) < 2 + struct.unpack_from("!H", data)[0]:
        chunk = sock.recv(65535)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return dns.message.from_wire(data[2:]).rcode()


class ServiceCertificateTests(TestCase):
    """Certificates as the running server uses them."""

    def setUp(self) -> None:
        from tests.test_server import make_zone_db

        self.dir = os.path.abspath(self.mktemp())
        self.ca = make_ca(self.dir)
        self.db_path = os.path.join(self.dir, "dns.db")
        make_zone_db(self.db_path)

    def configure(self, cert: str, key: str) -> None:
        from tests.test_server import set_config

        set_config(self.db_path, "tls_cert_path", cert)
        set_config(self.db_path, "tls_key_path", key)

    @defer.inlineCallbacks
    def test_custom_pem_and_sighup_reload(self) -> None:
        """If custom PEM files are configured, then they are served; after SIGHUP a new connection gets the replaced ones while one opened before still answers."""
        from tests.harness import start_server

        cert, key = issue(self.dir, self.ca, stem="custom", intermediate=True)
        self.configure(cert, key)
        server = start_server(self, self.db_path, no_dot=False, dot_port=0)
        port = server.service.dot.port_number
        self.assertFalse(os.path.exists(generated_paths(self.db_path)[0]))
        context = ssl.create_default_context(cafile=self.ca[0])
        raw = yield deferToThread(socket.create_connection, ("127.0.0.1", port), TIMEOUT)
        before = yield deferToThread(context.wrap_socket, raw, server_hostname="dns.test")
        self.addCleanup(before.close)
        old = der_fingerprint(before.getpeercert(binary_form=True))
        self.assertEqual(old, fingerprint(cert))
        self.assertEqual((yield deferToThread(_dot_exchange, before)), 0)
        server.service.certificates._loop.stop()  # so only the signal can reload
        issue(self.dir, self.ca, names=("dns.test", "renewed.test"), stem="custom")
        os.kill(os.getpid(), signal.SIGHUP)
        new = old
        for _ in range(100):
            der, _ = yield deferToThread(peer_certificate, port, self.ca[0], "dns.test")
            new = der_fingerprint(der)
            if new != old:
                break
            yield deferLater(0.02)
        self.assertEqual(new, fingerprint(cert))
        self.assertEqual((yield deferToThread(_dot_exchange, before)), 0)

    @defer.inlineCallbacks
    def test_config_change_switches_certificate(self) -> None:
        """If tls_cert_path and tls_key_path are set while running, then new connections get that certificate within a second or so."""
        from tests.harness import start_server

        server = start_server(self, self.db_path, no_dot=False, no_doh=False, dot_port=0, doh_port=0)
        cert, key = issue(self.dir, self.ca, stem="later")
        self.configure(cert, key)
        seen = {}
        for _ in range(150):
            for kind in ("dot", "doh"):
                der, _ = yield deferToThread(peer_certificate, getattr(server.service, kind).port_number, None)
                seen[kind] = der_fingerprint(der)
            if set(seen.values()) == {fingerprint(cert)}:
                break
            yield deferLater(0.02)
        self.assertEqual(seen, {"dot": fingerprint(cert), "doh": fingerprint(cert)})
