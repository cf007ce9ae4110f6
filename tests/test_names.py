# -*- test-case-name: tests.test_names -*-
"""Tests for L{dnsops.names}."""

from twisted.trial.unittest import SynchronousTestCase

from dnsops.errors import InvalidInput
from dnsops.names import canonical_name, in_zone, owner_name, relative_name


class CanonicalNameTests(SynchronousTestCase):
    """L{canonical_name} gives one spelling per name and refuses what DNS cannot carry."""

    def assertInvalid(self, text: str, why: str, field: str = "name") -> None:
        """Assert C{canonical_name(text)} fails with a message ending in C{why}."""
        error = self.assertRaises(InvalidInput, canonical_name, text, field)
        self.assertEqual(error.message, f"invalid name '{text}': {why}")
        self.assertEqual(error.field, field)

    def test_lower_case_no_trailing_dot(self) -> None:
        """If a name has capitals and a trailing dot, then both go."""
        self.assertEqual(canonical_name("WWW.Example.COM."), "www.example.com")
        self.assertEqual(canonical_name("www.example.com"), "www.example.com")

    def test_root(self) -> None:
        """If the name is the root, then its canonical form is the empty string."""
        self.assertEqual(canonical_name("."), "")
        self.assertEqual(canonical_name(""), "")

    def test_idempotent(self) -> None:
        """If a canonical name is canonicalised again, then it does not change."""
        for name in ("xn--bcher-kva.example", "_sip._tcp.example.com", "*.example.com", ""):
            self.assertEqual(canonical_name(canonical_name(name)), canonical_name(name))

    def test_u_label_becomes_a_label(self) -> None:
        """If a label is Unicode, then it is stored as its IDNA 2008 A-label."""
        self.assertEqual(canonical_name("bücher.example"), "xn--bcher-kva.example")
        self.assertEqual(canonical_name("Bücher.Example."), "xn--bcher-kva.example")
        self.assertEqual(canonical_name("www.münchen.de"), "www.xn--mnchen-3ya.de")

    def test_uts46_mapping(self) -> None:
        """If a label needs UTS 46 mapping (eszett, ideographic dot), then it is mapped."""
        self.assertEqual(canonical_name("faß.de"), "xn--fa-hia.de")
        self.assertEqual(canonical_name("bücher\u3002example"), "xn--bcher-kva.example")

    def test_existing_a_label_kept(self) -> None:
        """If a label is already an A-label, then it is kept as given, lower-cased."""
        self.assertEqual(canonical_name("XN--BCHER-KVA.example"), "xn--bcher-kva.example")

    def test_invalid_idn(self) -> None:
        """If a Unicode label is not allowed by IDNA, then it is refused."""
        error = self.assertRaises(InvalidInput, canonical_name, "a\u2665.example")
        self.assertIn("is not a valid IDN", error.message)

    def test_underscore_labels(self) -> None:
        """If labels start with underscores (SRV, DKIM), then they are accepted."""
        self.assertEqual(canonical_name("_sip._TCP.example.com"), "_sip._tcp.example.com")
        self.assertEqual(canonical_name("s1._domainkey.example.com"), "s1._domainkey.example.com")

    def test_classless_reverse_slash(self) -> None:
        """If a label has a slash (RFC 2317), then it is accepted."""
        self.assertEqual(canonical_name("0/26.2.0.192.in-addr.arpa"), "0/26.2.0.192.in-addr.arpa")

    def test_wildcard_leftmost(self) -> None:
        """If C{*} is the leftmost label, then it is accepted."""
        self.assertEqual(canonical_name("*.Example.com"), "*.example.com")
        self.assertEqual(canonical_name("*"), "*")

    def test_wildcard_elsewhere(self) -> None:
        """If C{*} is not the leftmost label, then the name is refused."""
        self.assertInvalid("www.*.example.com", "'*' is only allowed as the leftmost label")

    def test_wildcard_inside_label(self) -> None:
        """If C{*} is part of a longer label, then the name is refused."""
        self.assertInvalid("a*.example.com", "invalid character '*'")

    def test_empty_label(self) -> None:
        """If a name has two dots in a row, then it is refused."""
        self.assertInvalid("a..b", "empty label")
        self.assertInvalid(".example.com", "empty label")
        self.assertInvalid("example.com..", "empty label")

    def test_label_63_octets(self) -> None:
        """If a label is exactly 63 octets, then it is accepted."""
        self.assertEqual(canonical_name("a" * 63 + ".com"), "a" * 63 + ".com")

    def test_label_too_long(self) -> None:
        """If a label is 64 octets, then the name is refused."""
        error = self.assertRaises(InvalidInput, canonical_name, "a" * 64 + ".com")
        self.assertIn("longer than 63 octets", error.message)

    def test_a_label_too_long(self) -> None:
        """If a U-label's A-label is over 63 octets, then the name is refused."""
        label = "".join(chr(0x4E00 + 7 * i) for i in range(60))
        self.assertRaises(InvalidInput, canonical_name, label + ".com")

    def test_name_253(self) -> None:
        """If a name is 253 characters without the trailing dot, then it is accepted."""
        name = ".".join(["a" * 63] * 3 + ["b" * 61])
        self.assertEqual(len(name), 253)
        self.assertEqual(canonical_name(name + "."), name)

    def test_name_too_long(self) -> None:
        """If a name is 254 characters, then it is refused."""
        name = ".".join(["a" * 63] * 3 + ["b" * 62])
        self.assertInvalid(name, "longer than 253 characters")

    def test_space(self) -> None:
        """If a name contains a space or tab, then it is refused."""
        self.assertInvalid("a b.example", "contains a space")
        error = self.assertRaises(InvalidInput, canonical_name, "a\tb.example")
        self.assertEqual(error.message, "invalid name 'a\\x09b.example': contains a space")

    def test_control_character(self) -> None:
        """If a name contains a control character, then it is refused and shown escaped."""
        error = self.assertRaises(InvalidInput, canonical_name, "a\x01b.example")
        self.assertEqual(error.message,
                         "invalid name 'a\\x01b.example': contains a control character")

    def test_odd_characters(self) -> None:
        """If a label has characters zone files treat specially, then it is refused."""
        for char in ";()\"\\$@,!":
            error = self.assertRaises(InvalidInput, canonical_name, f"a{char}b.example")
            self.assertIn(f"invalid character '{char}'", error.message)

    def test_field_and_context(self) -> None:
        """If a field and context are given, then the error names them."""
        error = self.assertRaises(InvalidInput, canonical_name, "a..b", "rdata", " for MX record")
        self.assertEqual(error.message, "invalid name 'a..b' for MX record: empty label")
        self.assertEqual(error.field, "rdata")

    def test_not_text(self) -> None:
        """If the name is not a string, then it is refused, not crashed on."""
        self.assertRaises(InvalidInput, canonical_name, 5)


class OwnerNameTests(SynchronousTestCase):
    """L{owner_name} applies the contract's rule for NAME in add-record."""

    def test_apex(self) -> None:
        """If the name is C{@}, then it is the zone's apex."""
        self.assertEqual(owner_name("@", "example.com"), "example.com")

    def test_relative(self) -> None:
        """If the name has no trailing dot and does not end in the zone, then it is relative."""
        self.assertEqual(owner_name("www", "example.com"), "www.example.com")
        self.assertEqual(owner_name("_sip._tcp", "Example.COM."), "_sip._tcp.example.com")
        self.assertEqual(owner_name("*", "example.com"), "*.example.com")

    def test_relative_with_dots(self) -> None:
        """If a relative name has dots, then the zone is still appended."""
        self.assertEqual(owner_name("a.b", "example.com"), "a.b.example.com")

    def test_ends_in_zone(self) -> None:
        """If the name ends in the zone, then it is not doubled."""
        self.assertEqual(owner_name("www.example.com", "example.com"), "www.example.com")
        self.assertEqual(owner_name("WWW.EXAMPLE.COM", "example.com"), "www.example.com")

    def test_equal_to_zone(self) -> None:
        """If the name equals the zone, then it is the apex."""
        self.assertEqual(owner_name("example.com", "example.com"), "example.com")

    def test_absolute(self) -> None:
        """If the name ends with a dot, then it is absolute."""
        self.assertEqual(owner_name("www.example.com.", "example.com"), "www.example.com")

    def test_absolute_outside_zone(self) -> None:
        """If an absolute name is outside the zone, then it is refused."""
        error = self.assertRaises(InvalidInput, owner_name, "www.example.org.", "example.com")
        self.assertEqual(error.message, "name 'www.example.org.' is not in zone 'example.com'")
        self.assertEqual(error.field, "name")

    def test_suffix_is_not_zone(self) -> None:
        """If the name only ends in the zone's text (C{badexample.com}), then it is relative."""
        self.assertEqual(owner_name("badexample.com", "example.com"),
                         "badexample.com.example.com")

    def test_idn_owner(self) -> None:
        """If the owner or zone is Unicode, then both are converted to A-labels."""
        self.assertEqual(owner_name("www", "bücher.example"), "www.xn--bcher-kva.example")
        self.assertEqual(owner_name("Bücher", "example"), "xn--bcher-kva.example")

    def test_empty(self) -> None:
        """If the owner is empty, then it is refused."""
        self.assertRaises(InvalidInput, owner_name, "", "example.com")

    def test_invalid(self) -> None:
        """If the owner is invalid, then the error is about the name."""
        error = self.assertRaises(InvalidInput, owner_name, "a..b", "example.com")
        self.assertEqual(error.message, "invalid name 'a..b': empty label")

    def test_too_long_after_join(self) -> None:
        """If joining the zone makes the name too long, then it is refused."""
        relative = ".".join(["a" * 63] * 3 + ["b" * 50])
        error = self.assertRaises(InvalidInput, owner_name, relative, "example.com")
        self.assertIn("longer than 253", error.message)


class ZoneRelationTests(SynchronousTestCase):
    """L{in_zone} and L{relative_name} compare whole labels."""

    def test_in_zone(self) -> None:
        """If a name is the zone or below it, then it is in the zone; a mere suffix is not."""
        self.assertTrue(in_zone("example.com", "example.com"))
        self.assertTrue(in_zone("a.b.example.com", "example.com"))
        self.assertFalse(in_zone("badexample.com", "example.com"))
        self.assertFalse(in_zone("com", "example.com"))
        self.assertTrue(in_zone("anything", ""))

    def test_relative_name(self) -> None:
        """If a name is in the zone, then its relative form drops the zone; the apex is C{@}."""
        self.assertEqual(relative_name("example.com", "example.com"), "@")
        self.assertEqual(relative_name("www.example.com", "example.com"), "www")
        self.assertEqual(relative_name("a.b.example.com", "example.com"), "a.b")

    def test_relative_name_outside(self) -> None:
        """If a name is outside the zone, then relative_name refuses it."""
        self.assertRaises(InvalidInput, relative_name, "www.example.org", "example.com")
