# -*- test-case-name: tests.test_records -*-
"""
Tests for L{dnsops.records}: every type is parsed, encoded by Twisted and read back by dnspython.
"""

import dns.message
from twisted.names import dns as tdns
from twisted.trial.unittest import SynchronousTestCase

from dnsops.errors import InvalidInput
from dnsops.records import (
    TYPES,
    check_type,
    cname_target,
    parse_generic,
    parse_rdata,
    target_names,
    to_presentation,
    to_wire_record,
    type_code,
)
from dnsops.records.soa import soa_fields, with_serial
from dnsops.records.text import is_quoted, quote, split_fields, unquote

NAPTR_TEXT = '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'


def wire_rdata(rtype: str, rdata: str) -> bytes:
    """The bytes Twisted writes for canonical rdata (no compression), for RFC 3597 tests."""
    from io import BytesIO

    stream = BytesIO()
    to_wire_record(rtype, rdata).encode(stream, None)
    return stream.getvalue()


def through_dnspython(rtype: str, rdata: str, ttl: int = 300):
    """Encode canonical rdata in a Twisted message; return dnspython's parsed rrset."""
    message = tdns.Message(id=1, answer=1, maxSize=0)
    message.answers.append(
        tdns.RRHeader(b"x.example.com", type_code(rtype), ttl=ttl,
                      payload=to_wire_record(rtype, rdata, ttl))
    )
    parsed = dns.message.from_wire(message.toStr())
    (rrset,) = parsed.answer
    return rrset


class RoundTripTests(SynchronousTestCase):
    """
    Text in, canonical text stored, Twisted wire out, dnspython text back: all must agree.
    """

    def check(self, rtype: str, text: str, canonical: str, presentation: str | None = None) -> None:
        """
        Assert the whole life of one rdata: parse, re-parse, wire, dnspython, RFC 3597, zone file.
        """
        presentation = canonical if presentation is None else presentation
        self.assertEqual(parse_rdata(rtype, text), canonical)
        self.assertEqual(parse_rdata(rtype, canonical), canonical)
        self.assertEqual(to_presentation(rtype, canonical), presentation)
        self.assertEqual(parse_rdata(rtype, presentation, "elsewhere.example"), canonical)
        rrset = through_dnspython(rtype, canonical)
        self.assertEqual(rrset.ttl, 300)
        self.assertEqual(dns.rdatatype.to_text(rrset.rdtype), rtype)
        self.assertEqual(rrset[0].to_text(), presentation)
        data = wire_rdata(rtype, canonical)
        self.assertEqual(parse_generic(rtype, f"\\# {len(data)} {data.hex()}"), canonical)

    def test_a(self) -> None:
        """If an A record is given, then dnspython reads the same address back."""
        self.check("A", " 192.0.2.1 ", "192.0.2.1")

    def test_aaaa(self) -> None:
        """If an AAAA record is given in long form, then it is stored compressed and lower-case."""
        self.check("AAAA", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1")
        address = "2606:2800:220:1:248:1893:25c8:1946"
        self.check("AAAA", address, address)

    def test_cname(self) -> None:
        """If a CNAME target has capitals and a dot, then it is stored lower-case, dot dropped."""
        self.check("CNAME", "WWW.Example.com.", "www.example.com", "www.example.com.")

    def test_cname_idn(self) -> None:
        """If a CNAME target is a U-label, then the A-label goes on the wire."""
        self.check("CNAME", "bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example.")

    def test_mx(self) -> None:
        """If an MX record is given, then preference and exchange survive the wire."""
        self.check("MX", "10   mail.example.com", "10 mail.example.com", "10 mail.example.com.")
        self.check("MX", "65535 mail.example.com.", "65535 mail.example.com",
                   "65535 mail.example.com.")

    def test_null_mx(self) -> None:
        """If an MX points at the root (RFC 7505), then it is stored as C{0 .}."""
        self.check("MX", "0 .", "0 .")

    def test_ns(self) -> None:
        """If an NS record is given, then its host survives the wire."""
        self.check("NS", "ns1.example.com", "ns1.example.com", "ns1.example.com.")

    def test_ptr(self) -> None:
        """If a PTR record is given, then its target survives the wire."""
        self.check("PTR", "host.example.com", "host.example.com", "host.example.com.")

    def test_txt_plain(self) -> None:
        """If TXT text does not start with a quote, then it is one string with its spaces."""
        self.check("TXT", "v=spf1 mx -all", '"v=spf1 mx -all"')

    def test_txt_quoted(self) -> None:
        """If TXT text is quoted strings, then each is one string on the wire."""
        self.check("TXT", '"v=spf1" "mx"   "-all"', '"v=spf1" "mx" "-all"')

    def test_txt_escapes(self) -> None:
        """If quoted TXT has escapes, then they are decoded and written back as dnspython does."""
        self.check("TXT", r'"say \"hi\" \\ \065\009x"', r'"say \"hi\" \\ A\009x"')

    def test_txt_utf8(self) -> None:
        """If plain TXT is Unicode, then it goes as UTF-8 and is shown as decimal escapes."""
        self.check("TXT", "grüße", r'"gr\195\188\195\159e"')

    def test_txt_empty_string(self) -> None:
        """If TXT is one empty quoted string, then it is kept."""
        self.check("TXT", '""', '""')

    def test_txt_long_plain_split(self) -> None:
        """If plain TXT is over 255 bytes, then it is split into 255-byte strings."""
        text = "a" * 600
        canonical = " ".join(f'"{part}"' for part in ("a" * 255, "a" * 255, "a" * 90))
        self.check("TXT", text, canonical)

    def test_txt_split_keeps_utf8_whole(self) -> None:
        """If a 255-byte cut would fall inside a UTF-8 character, then the cut moves before it."""
        rdata = parse_rdata("TXT", "a" * 254 + "é" * 3)
        strings = list(through_dnspython("TXT", rdata)[0].strings)
        self.assertEqual(strings, [b"a" * 254, "é".encode() * 3])

    def test_spf(self) -> None:
        """If an SPF record is given, then it is TXT-shaped with type 99."""
        self.check("SPF", "v=spf1 ip4:1.2.3.0/24 -all", '"v=spf1 ip4:1.2.3.0/24 -all"')
        self.assertEqual(type_code("SPF"), 99)

    def test_soa(self) -> None:
        """If an SOA record is given, then all seven fields survive the wire."""
        self.check("SOA", "ns1.example.com admin.example.com 1 3600 900 604800 86400",
                   "ns1.example.com admin.example.com 1 3600 900 604800 86400",
                   "ns1.example.com. admin.example.com. 1 3600 900 604800 86400")

    def test_soa_mailbox_and_units(self) -> None:
        """If RNAME is written as a mailbox and timers use units, then both are normalised."""
        self.check("SOA", "NS1.example.com. admin@Example.com 2024031501 1h 15m 1w 1d",
                   "ns1.example.com admin.example.com 2024031501 3600 900 604800 86400",
                   "ns1.example.com. admin.example.com. 2024031501 3600 900 604800 86400")

    def test_soa_limits(self) -> None:
        """If the serial and timers are at their maxima, then they survive the wire."""
        self.check("SOA", "a.example b.example 4294967295 2147483647 0 2147483647 0",
                   "a.example b.example 4294967295 2147483647 0 2147483647 0",
                   "a.example. b.example. 4294967295 2147483647 0 2147483647 0")

    def test_srv(self) -> None:
        """If an SRV record is given, then priority, weight, port and target survive the wire."""
        self.check("SRV", "10 60 5060 sip.example.com", "10 60 5060 sip.example.com",
                   "10 60 5060 sip.example.com.")
        self.check("SRV", "0 0 0 .", "0 0 0 .")

    def test_caa_bare(self) -> None:
        """If a CAA value is bare, as in the manual, then it is stored quoted."""
        self.check("CAA", "0 issue letsencrypt.org", '0 issue "letsencrypt.org"')
        self.assertEqual(type_code("CAA"), 257)

    def test_caa_quoted(self) -> None:
        """If a CAA value is quoted and the tag upper-case, then the tag is lower-cased."""
        self.check("CAA", '128 ISSUEWILD ";"', '128 issuewild ";"')
        self.check("CAA", '0 iodef "mailto:security@example.com"',
                   '0 iodef "mailto:security@example.com"')

    def test_caa_value_with_spaces(self) -> None:
        """If a bare CAA value has spaces, then the rest of the line is the value."""
        self.check("CAA", "0 issue ca.example; account=230123",
                   '0 issue "ca.example; account=230123"')

    def test_caa_empty_value_and_other_tag(self) -> None:
        """If a CAA value is empty or the tag is not a known one, then it is still accepted."""
        self.check("CAA", '0 issue ""', '0 issue ""')
        self.check("CAA", '0 contactemail "x@example.com"', '0 contactemail "x@example.com"')

    def test_naptr(self) -> None:
        """If the manual's NAPTR example is given, then it survives the wire unchanged."""
        self.check("NAPTR", NAPTR_TEXT, NAPTR_TEXT)

    def test_naptr_bare_strings_and_name(self) -> None:
        """If NAPTR strings are bare and the replacement a name, then they are normalised."""
        self.check("NAPTR", '10 20 S SIP+D2U "" _sip._udp.Example.com',
                   '10 20 "S" "SIP+D2U" "" _sip._udp.example.com',
                   '10 20 "S" "SIP+D2U" "" _sip._udp.example.com.')


class OriginTests(SynchronousTestCase):
    """With a zone-file origin, names in rdata without a trailing dot are relative."""

    def test_relative_names(self) -> None:
        """If a zone file writes a relative name, then the origin is appended."""
        self.assertEqual(parse_rdata("CNAME", "www", "example.com"), "www.example.com")
        self.assertEqual(parse_rdata("MX", "10 mail", "example.com."), "10 mail.example.com")
        self.assertEqual(parse_rdata("SRV", "1 2 3 sip", "example.com"), "1 2 3 sip.example.com")
        self.assertEqual(parse_rdata("NAPTR", '1 1 "u" "x" "" sip', "example.com"),
                         '1 1 "u" "x" "" sip.example.com')

    def test_at_is_origin(self) -> None:
        """If a zone file writes C{@}, then it is the origin."""
        self.assertEqual(parse_rdata("NS", "@", "example.com"), "example.com")
        self.assertEqual(parse_rdata("SOA", "ns1 hostmaster 1 2 3 4 5", "example.com"),
                         "ns1.example.com hostmaster.example.com 1 2 3 4 5")

    def test_absolute_name_in_zone_file(self) -> None:
        """If a zone file writes a trailing dot, then the origin is not appended."""
        self.assertEqual(parse_rdata("CNAME", "www.example.org.", "example.com"),
                         "www.example.org")

    def test_mailbox_is_absolute(self) -> None:
        """If a zone-file SOA uses the mailbox form, then its domain is absolute."""
        self.assertEqual(parse_rdata("SOA", "ns1 admin@example.net 1 2 3 4 5", "example.com"),
                         "ns1.example.com admin.example.net 1 2 3 4 5")

    def test_without_origin_names_are_absolute(self) -> None:
        """If no origin is given (CLI, REST), then a name without a dot is absolute."""
        self.assertEqual(parse_rdata("CNAME", "www.example.com"), "www.example.com")
        self.assertEqual(parse_rdata("CNAME", "localhost"), "localhost")

    def test_root_origin(self) -> None:
        """If the origin is the root, then relative names become absolute as they are."""
        self.assertEqual(parse_rdata("NS", "a.root-servers.net", "."), "a.root-servers.net")

    def test_bad_relative_name(self) -> None:
        """If a relative name is invalid, then the error names it as written."""
        error = self.assertRaises(InvalidInput, parse_rdata, "CNAME", "a..b", "example.com")
        self.assertEqual(error.message, "invalid name 'a..b' for CNAME record: empty label")


class InvalidRdataTests(SynchronousTestCase):
    """Bad rdata is refused with one clear message about the C{rdata} field."""

    def assertRefused(self, rtype: str, text: str, message: str | None = None,
                      part: str | None = None) -> None:
        """Assert C{parse_rdata} refuses C{text} with exactly C{message} or containing C{part}."""
        error = self.assertRaises(InvalidInput, parse_rdata, rtype, text)
        self.assertEqual(error.field, "rdata")
        if message is not None:
            self.assertEqual(error.message, message)
        if part is not None:
            self.assertIn(part, error.message)
        self.assertFalse(error.message.endswith("."), error.message)

    def test_a(self) -> None:
        """If an A address is not a dotted quad, then it is refused by name."""
        self.assertRefused("A", "999.1.1.1", "invalid IPv4 address '999.1.1.1' for A record")
        for text in ("", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 5", "2001:db8::1",
                     "example.com", "1.2.3.-4", "١.٢.٣.٤"):
            self.assertRefused("A", text, f"invalid IPv4 address '{text}' for A record")

    def test_aaaa(self) -> None:
        """If an AAAA address is not IPv6, then it is refused by name."""
        self.assertRefused("AAAA", "x", "invalid IPv6 address 'x' for AAAA record")
        for text in ("", "192.0.2.1", "2001:db8::1::2", "2001:db8::g", "fe80::1%eth0",
                     "1:2:3:4:5:6:7:8:9", "2001:db8::1 x"):
            self.assertRefused("AAAA", text, f"invalid IPv6 address '{text}' for AAAA record")

    def test_host_types(self) -> None:
        """If CNAME, NS or PTR rdata is not exactly one valid name, then it is refused."""
        for rtype in ("CNAME", "NS", "PTR"):
            self.assertRefused(rtype, "a b", f"{rtype} record needs 'HOST', got 'a b'")
            self.assertRefused(rtype, "", f"{rtype} record needs 'HOST', got ''")
            self.assertRefused(rtype, "a..b",
                               f"invalid name 'a..b' for {rtype} record: empty label")
            self.assertRefused(rtype, "x" * 64 + ".com", part="longer than 63 octets")
            self.assertRefused(rtype, "a.*.b", part="'*' is only allowed as the leftmost label")

    def test_mx(self) -> None:
        """If MX rdata is not C{PRIORITY HOST} in range, then it is refused."""
        self.assertRefused("MX", "mail.example.com",
                           "MX record needs 'PRIORITY HOST', got 'mail.example.com'")
        self.assertRefused("MX", "10 mail.example.com extra",
                           "MX record needs 'PRIORITY HOST', got '10 mail.example.com extra'")
        self.assertRefused("MX", "70000 mail.example.com",
                           "invalid priority '70000' for MX record: expected 0 to 65535")
        for priority in ("-1", "x", "1.5", "0x10", "١٠"):
            self.assertRefused("MX", f"{priority} mail.example.com",
                               f"invalid priority '{priority}' for MX record: expected 0 to 65535")
        self.assertRefused("MX", "10 mail..example.com", part="for MX record: empty label")

    def test_srv(self) -> None:
        """If SRV rdata is not four fields in range, then the bad field is named."""
        self.assertRefused("SRV", "sip.example.com",
                           "SRV record needs 'PRIORITY WEIGHT PORT TARGET', got 'sip.example.com'")
        self.assertRefused("SRV", "10 60 sip.example.com", part="needs 'PRIORITY WEIGHT PORT")
        self.assertRefused("SRV", "65536 0 0 a.example",
                           "invalid priority '65536' for SRV record: expected 0 to 65535")
        self.assertRefused("SRV", "0 65536 0 a.example",
                           "invalid weight '65536' for SRV record: expected 0 to 65535")
        self.assertRefused("SRV", "0 0 99999 a.example",
                           "invalid port '99999' for SRV record: expected 0 to 65535")
        self.assertRefused("SRV", "0 0 x a.example", part="invalid port 'x'")
        self.assertRefused("SRV", "0 0 1 a b", part="needs")
        self.assertRefused("SRV", "0 0 1 a;b.example", part="invalid character ';'")

    def test_txt(self) -> None:
        """If TXT is empty, has a long quoted string, or broken quoting, then it is refused."""
        self.assertRefused("TXT", "", "TXT record needs text, got ''")
        self.assertRefused("TXT", "   ", "TXT record needs text, got '   '")
        self.assertRefused("TXT", '"' + "a" * 256 + '"', "TXT string longer than 255 bytes")
        self.assertRefused("TXT", '"ok" "unterminated', part="unterminated quoted string")
        self.assertRefused("TXT", r'"\256"', part="invalid escape '\\256'")
        self.assertRefused("TXT", r'"\12"', part="invalid escape '\\12'")
        self.assertRefused("TXT", '"a" b"c"', part="unexpected quote")
        self.assertRefused("SPF", '"' + "é" * 128 + '"', "SPF string longer than 255 bytes")

    def test_txt_255_quoted_accepted(self) -> None:
        """If a quoted TXT string is exactly 255 bytes, then it is accepted."""
        text = '"' + "a" * 255 + '"'
        self.assertEqual(parse_rdata("TXT", text), text)

    def test_txt_too_long_in_total(self) -> None:
        """If TXT rdata would exceed 65535 bytes on the wire, then it is refused."""
        self.assertRefused("TXT", "a" * 70000, "TXT record longer than 65535 bytes")

    def test_soa(self) -> None:
        """If SOA rdata has the wrong field count or values out of range, then it is refused."""
        self.assertRefused("SOA", "ns1.example.com admin.example.com 1 2 3 4",
                           "SOA record needs 7 fields (MNAME RNAME SERIAL REFRESH RETRY EXPIRE "
                           "MINIMUM), got 'ns1.example.com admin.example.com 1 2 3 4'")
        self.assertRefused("SOA", "a.example b.example 1 2 3 4 5 6", part="needs 7 fields")
        self.assertRefused("SOA", "a.example b.example 4294967296 2 3 4 5",
                           "invalid serial '4294967296' for SOA record: expected 0 to 4294967295")
        self.assertRefused("SOA", "a.example b.example 1h 2 3 4 5", part="invalid serial '1h'")
        self.assertRefused("SOA", "a.example b.example 1 2147483648 3 4 5",
                           "invalid refresh '2147483648' for SOA record: expected 0 to 2147483647")
        self.assertRefused("SOA", "a.example b.example 1 2 -3 4 5", part="invalid retry '-3'")
        self.assertRefused("SOA", "a.example b.example 1 2 3 x 5", part="invalid expire 'x'")
        self.assertRefused("SOA", "a.example b.example 1 2 3 4 9999w", part="invalid minimum")
        self.assertRefused("SOA", "a..example b.example 1 2 3 4 5", part="empty label")

    def test_soa_mailbox(self) -> None:
        """If the RNAME mailbox has a dotted or empty local part, then it is refused."""
        self.assertRefused("SOA", "a.example john.doe@example.com 1 2 3 4 5",
                           "invalid mailbox 'john.doe@example.com' for SOA record: the part "
                           "before '@' must be one label")
        self.assertRefused("SOA", "a.example @example.com 1 2 3 4 5", part="invalid mailbox")
        self.assertRefused("SOA", "a.example admin@ 1 2 3 4 5", part="invalid name")

    def test_caa(self) -> None:
        """If CAA rdata has a bad flag, tag or value, then it is refused."""
        self.assertRefused("CAA", "0 issue", "CAA record needs 'FLAGS TAG VALUE', got '0 issue'")
        self.assertRefused("CAA", "", "CAA record needs 'FLAGS TAG VALUE', got ''")
        self.assertRefused("CAA", "256 issue ca.example",
                           "invalid flags '256' for CAA record: expected 0 to 255")
        self.assertRefused("CAA", "x issue ca.example", part="invalid flags 'x'")
        self.assertRefused("CAA", "0 is-sue ca.example",
                           "invalid tag 'is-sue' for CAA record: expected letters and digits")
        self.assertRefused("CAA", '0 issue "a" "b"', part="expected one quoted string")
        self.assertRefused("CAA", '0 issue "open', part="unterminated quoted string")

    def test_naptr(self) -> None:
        """If NAPTR rdata has the wrong shape or values, then the bad field is named."""
        self.assertRefused("NAPTR", '100 10 "u" "E2U+sip" .',
                           "NAPTR record needs 'ORDER PREFERENCE FLAGS SERVICE REGEXP "
                           "REPLACEMENT', got '100 10 \"u\" \"E2U+sip\" .'")
        self.assertRefused("NAPTR", '70000 10 "u" "s" "" .',
                           "invalid order '70000' for NAPTR record: expected 0 to 65535")
        self.assertRefused("NAPTR", '1 x "u" "s" "" .', part="invalid preference 'x'")
        self.assertRefused("NAPTR", '1 1 "u" "s" "' + "r" * 256 + '" .',
                           "invalid regexp for NAPTR record: longer than 255 bytes")
        self.assertRefused("NAPTR", '1 1 "u" "s" "" a..b', part="empty label")
        self.assertRefused("NAPTR", '1 1 "u" "s" "open .', part="unterminated")

    def test_not_text(self) -> None:
        """If rdata is not a string (bad JSON), then it is refused, not crashed on."""
        self.assertRefused("A", 5, part="not text")


class GenericRdataTests(SynchronousTestCase):
    """RFC 3597 C{\\# LEN HEX} rdata is decoded and then checked like typed rdata."""

    def test_a(self) -> None:
        """If an A record is given generically, then it is stored as a dotted quad."""
        self.assertEqual(parse_generic("A", r"\# 4 C0000201"), "192.0.2.1")
        self.assertEqual(parse_rdata("A", r"\# 4 C0 00 02 01"), "192.0.2.1")

    def test_txt_and_caa(self) -> None:
        """If TXT or CAA is given generically, then it comes out in canonical quoted form."""
        self.assertEqual(parse_generic("TXT", r"\# 5 026869 0178"), '"hi" "x"')
        caa = b"\x00\x05issue" + b"ca.example"
        self.assertEqual(parse_generic("CAA", rf"\# {len(caa)} {caa.hex()}"),
                         '0 issue "ca.example"')

    def test_names_checked(self) -> None:
        """If a name in generic rdata is not valid here, then it is refused like typed input."""
        data = b"\x03a b\x07example\x00"
        error = self.assertRaises(InvalidInput, parse_generic, "CNAME",
                                  rf"\# {len(data)} {data.hex()}")
        self.assertEqual(error.message,
                         "invalid name 'a b.example' for CNAME record: contains a space")

    def test_length_mismatch(self) -> None:
        """If the length does not match the hex, then it is refused."""
        error = self.assertRaises(InvalidInput, parse_generic, "A", r"\# 5 C0000201")
        self.assertEqual(error.message, "generic rdata for A record has 4 bytes, length says 5")
        self.assertEqual(error.field, "rdata")

    def test_bad_hex_and_length(self) -> None:
        """If the hex or the length is not valid, then it is refused."""
        for text in (r"\# 4 C00002ZZ", r"\# 4 C000020", r"\# x C0000201", r"\#", "\\# 4"):
            self.assertRaises(InvalidInput, parse_generic, "A", text)

    def test_wrong_size_for_type(self) -> None:
        """If the bytes are the wrong size for the type, then it is refused."""
        self.assertRaises(InvalidInput, parse_generic, "A", r"\# 3 C00002")
        self.assertRaises(InvalidInput, parse_generic, "AAAA", r"\# 4 C0000201")
        self.assertRaises(InvalidInput, parse_generic, "MX", r"\# 2 000a")
        self.assertRaises(InvalidInput, parse_generic, "SOA", r"\# 2 0000")
        self.assertRaises(InvalidInput, parse_generic, "TXT", r"\# 0")
        self.assertRaises(InvalidInput, parse_generic, "TXT", r"\# 2 0561")
        self.assertRaises(InvalidInput, parse_generic, "CAA", r"\# 2 0005")

    def test_left_over_bytes(self) -> None:
        """If bytes are left after the record, then it is refused."""
        error = self.assertRaises(InvalidInput, parse_generic, "NS", r"\# 3 00 ffff")
        self.assertIn("left over", error.message)

    def test_compression_loop(self) -> None:
        """If a name in generic rdata points at itself, then it is refused, not looped on."""
        self.assertRaises(InvalidInput, parse_generic, "CNAME", r"\# 2 c000")

    def test_every_type(self) -> None:
        """If any supported type's wire form is given generically, then it parses back."""
        samples = {"A": "192.0.2.1", "AAAA": "2001:db8::1", "CNAME": "a.example",
                   "MX": "1 a.example", "NS": "a.example", "TXT": '"a"', "PTR": "a.example",
                   "SOA": "a.example b.example 1 2 3 4 5", "SRV": "1 2 3 a.example",
                   "CAA": '0 issue "a"', "SPF": '"v=spf1 -all"', "NAPTR": NAPTR_TEXT}
        self.assertEqual(set(samples), set(TYPES))
        for rtype, rdata in samples.items():
            data = wire_rdata(rtype, rdata)
            self.assertEqual(parse_rdata(rtype, rf"\# {len(data)} {data.hex()}"), rdata)


class TypeTableTests(SynchronousTestCase):
    """The type table is the one list of supported types."""

    def test_supported(self) -> None:
        """If the twelve contract types are asked for, then each is known with its code."""
        codes = {"A": 1, "AAAA": 28, "CNAME": 5, "MX": 15, "NS": 2, "TXT": 16, "SOA": 6,
                 "SRV": 33, "CAA": 257, "PTR": 12, "SPF": 99, "NAPTR": 35}
        self.assertEqual(list(TYPES), list(codes))
        for rtype, code in codes.items():
            self.assertEqual(type_code(rtype), code)
            self.assertEqual(type_code(rtype.lower()), code)

    def test_check_type(self) -> None:
        """If a type is given in any case, then it comes back upper-case."""
        self.assertEqual(check_type("aaaa"), "AAAA")
        self.assertEqual(check_type(" Mx "), "MX")

    def test_unsupported(self) -> None:
        """If a type is not supported, then the message lists the supported ones."""
        error = self.assertRaises(InvalidInput, check_type, "HINFO")
        self.assertEqual(
            error.message,
            "unsupported record type 'HINFO' (supported: A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, "
            "CAA, PTR, SPF, NAPTR)",
        )
        self.assertEqual(error.field, "type")
        self.assertRaises(InvalidInput, parse_rdata, "TYPE65534", "x")
        self.assertRaises(InvalidInput, check_type, None)

    def test_target_names(self) -> None:
        """If MX, SRV or NS rdata is given, then its target is named for the additional section."""
        self.assertEqual(target_names("MX", "10 mail.example.com"), ["mail.example.com"])
        self.assertEqual(target_names("SRV", "1 2 3 sip.example.com"), ["sip.example.com"])
        self.assertEqual(target_names("NS", "ns1.example.com"), ["ns1.example.com"])
        self.assertEqual(target_names("MX", "0 ."), [])
        self.assertEqual(target_names("SRV", "0 0 0 ."), [])
        self.assertEqual(target_names("A", "192.0.2.1"), [])
        self.assertEqual(target_names("CNAME", "www.example.com"), [])

    def test_cname_target(self) -> None:
        """If CNAME rdata is given, then its target is the canonical name (root as empty)."""
        self.assertEqual(cname_target("www.example.com"), "www.example.com")
        self.assertEqual(cname_target("."), "")

    def test_soa_helpers(self) -> None:
        """If SOA rdata is split or its serial replaced, then the other fields stay."""
        rdata = "ns1.example.com admin.example.com 7 3600 900 604800 86400"
        self.assertEqual(soa_fields(rdata),
                         ("ns1.example.com", "admin.example.com", 7, 3600, 900, 604800, 86400))
        self.assertEqual(with_serial(rdata, 2024031500),
                         "ns1.example.com admin.example.com 2024031500 3600 900 604800 86400")


class LexerTests(SynchronousTestCase):
    """L{split_fields}, L{unquote} and L{quote} read and write zone-file character-strings."""

    def test_split_plain(self) -> None:
        """If fields are bare, then whitespace of any kind separates them."""
        self.assertEqual(split_fields("  10\tmail.example.com \n"), ["10", "mail.example.com"])
        self.assertEqual(split_fields(""), [])

    def test_split_quoted_keeps_quotes(self) -> None:
        """If a field is quoted, then it keeps its quotes, spaces and escapes."""
        self.assertEqual(split_fields('1 "a b" "c\\"d" ""'), ["1", '"a b"', '"c\\"d"', '""'])

    def test_split_adjacent_quoted(self) -> None:
        """If two quoted strings touch, then they are two fields."""
        self.assertEqual(split_fields('"a""b"'), ['"a"', '"b"'])

    def test_split_escaped_space_in_bare_field(self) -> None:
        """If a bare field has a backslash-space, then the space does not split it."""
        self.assertEqual(split_fields("a\\ b c"), ["a\\ b", "c"])

    def test_split_errors(self) -> None:
        """If a quote is never closed or sits inside a bare field, then it is refused."""
        for text in ('"abc', '"abc\\"', 'ab"c"'):
            error = self.assertRaises(InvalidInput, split_fields, text)
            self.assertEqual(error.field, "rdata")

    def test_unquote(self) -> None:
        """If a field has escapes, then they become the bytes they stand for."""
        self.assertEqual(unquote('"a\\"b\\\\c\\065\\255"'), b'a"b\\cA\xff')
        self.assertEqual(unquote("bare\\ text"), b"bare text")
        self.assertEqual(unquote('"ü"'), "ü".encode())
        self.assertTrue(is_quoted('""'))
        self.assertFalse(is_quoted('"'))

    def test_unquote_errors(self) -> None:
        """If an escape is out of range, short, or dangling, then it is refused."""
        for field in ('"\\256"', '"\\1"', "abc\\"):
            self.assertRaises(InvalidInput, unquote, field)

    def test_quote(self) -> None:
        """If bytes need escaping, then quotes, backslashes and non-printables are escaped."""
        self.assertEqual(quote(b'a"b\\c'), '"a\\"b\\\\c"')
        self.assertEqual(quote(b"\x00\x1f\x7f\xff ~"), '"\\000\\031\\127\\255 ~"')
        self.assertEqual(quote(b""), '""')

    def test_quote_unquote_round_trip(self) -> None:
        """If any byte string is quoted and then unquoted, then it comes back unchanged."""
        data = bytes(range(256))
        self.assertEqual(unquote(quote(data)), data)
        self.assertEqual(split_fields(quote(data) + " " + quote(b"x")), [quote(data), '"x"'])


class WireDetailTests(SynchronousTestCase):
    """Details of the Twisted payloads that answers are built from."""

    def test_ttl_passed_in(self) -> None:
        """If a TTL is given, then the payload carries it."""
        for rtype, rdata in (("A", "192.0.2.1"), ("CAA", '0 issue "a"'), ("TXT", '"x"')):
            self.assertEqual(to_wire_record(rtype, rdata, 42).ttl, 42)

    def test_caa_is_unknown_record(self) -> None:
        """If CAA is encoded, then it is raw bytes: flags, tag length, tag, value."""
        payload = to_wire_record("CAA", '128 issue "ca.example"', 60)
        self.assertIsInstance(payload, tdns.UnknownRecord)
        self.assertEqual(payload.data, b"\x80\x05issueca.example")

    def test_txt_strings(self) -> None:
        """If TXT is encoded, then each string is one Twisted data item."""
        self.assertEqual(to_wire_record("TXT", '"a" "b"').data, [b"a", b"b"])
        self.assertIsInstance(to_wire_record("SPF", '"v=spf1"'), tdns.Record_SPF)

    def test_pure(self) -> None:
        """If the records layer is imported, then it does not pull in the reactor."""
        import subprocess
        import sys

        code = ("import sys, dnsops.records, dnsops.names, dnsops.ttl; "
                "print('twisted.internet.reactor' in sys.modules)")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=60, check=True)
        self.assertEqual(result.stdout.strip(), "False")
