"""
Tests for L{dnsops.zonefile}: the lexer, the reader's directives and syntax, its errors with
their line numbers, and export/import round trips against a golden file.
"""

import json
import os
import shutil
import subprocess
import sys

import dns.message
import dns.query
import dns.rcode

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from dnsops.errors import InvalidInput
from dnsops.records import parse_rdata
from dnsops.zonefile.lexer import LexError, entries
from dnsops.zonefile.reader import ZoneRecord, read_zone, read_zone_file
from dnsops.zonefile.writer import write_zone
from tests.knot import KnotServer, knotd_path

DATA = os.path.join(os.path.dirname(__file__), "data")
SOA = "@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n"


def read(text: str, origin: str = "example.com", **kw) -> list[ZoneRecord]:
    """Read C{text} as a zone file for C{origin}."""
    return read_zone(text, origin, **kw)


def lex(text: str) -> list[tuple]:
    """The lexer's entries without their marker fields: C{(line, owner_omitted, tokens)}."""
    return [entry[:3] for entry in entries(text)]


class LexerTests(SynchronousTestCase):
    """Tokens, line numbers and the owner-omitted flag from L{entries}."""

    def test_comment_is_dropped(self) -> None:
        """If a line has a ';' outside quotes, then the rest of the line is ignored."""
        self.assertEqual(lex("www A 192.0.2.1 ; note\n; only a comment\n"),
                         [(1, False, ["www", "A", "192.0.2.1"])])

    def test_semicolon_and_paren_in_quotes_are_text(self) -> None:
        """If ';' or '(' is inside quotes, then it is part of the quoted token."""
        self.assertEqual(lex('t TXT "a;b" "(c" ; "x\n'),
                         [(1, False, ["t", "TXT", '"a;b"', '"(c"'])])

    def test_parentheses_join_lines(self) -> None:
        """If a '(' is open, then following lines belong to the entry that started the '('."""
        text = "x\n@ SOA a b (\n 1 ; serial\n 2 3\n 4 5 )\nwww A 192.0.2.1\n"
        self.assertEqual(lex(text), [
            (1, False, ["x"]),
            (2, False, ["@", "SOA", "a", "b", "1", "2", "3", "4", "5"]),
            (6, False, ["www", "A", "192.0.2.1"]),
        ])

    def test_leading_blank_means_owner_omitted(self) -> None:
        """If a line starts with a space or tab, then its entry is flagged owner-omitted."""
        self.assertEqual([e[1] for e in entries("a A 1\n A 2\n\tA 3\n")], [False, True, True])

    def test_escapes_stay_in_token(self) -> None:
        """If a token has backslash escapes, then they are kept raw, an escaped space included."""
        self.assertEqual(list(entries('a TXT a\\ b "c\\"d"\n'))[0][2],
                         ["a", "TXT", "a\\ b", '"c\\"d"'])

    def test_crlf_lines(self) -> None:
        """If lines end in CRLF, then the CR is not part of any token."""
        self.assertEqual(lex('a A 1\r\nb TXT "x" (\r\n y )\r\n'),
                         [(1, False, ["a", "A", "1"]), (2, False, ["b", "TXT", '"x"', "y"])])

    def test_unterminated_quote(self) -> None:
        """If a quoted string is not closed on its line, then LexError names that line."""
        e = self.assertRaises(LexError, list, entries('a A 1\nb TXT "open\n'))
        self.assertEqual((e.line, e.message), (2, "unterminated quoted string"))

    def test_unbalanced_close(self) -> None:
        """If a ')' has no '(', then LexError names its line."""
        e = self.assertRaises(LexError, list, entries("a A 1\n\nb A 1 )\n"))
        self.assertEqual((e.line, e.message), (3, "unbalanced ')'"))

    def test_unclosed_open(self) -> None:
        """If a '(' is still open at the end, then LexError names the line it opened on."""
        e = self.assertRaises(LexError, list, entries("a A 1\nb SOA ( 1\n 2\n 3\n"))
        self.assertEqual((e.line, e.message), (2, "unclosed '(' at end of file"))


class LexerMarkerTests(SynchronousTestCase):
    """dnsops' two comment markers, the only comments the lexer hands on."""

    def test_routing_marker_text(self) -> None:
        """If a record ends in '; dnsops:', then the text after the marker comes with it."""
        got = list(entries('a A 192.0.2.1 ;dnsops: weight=9\nb TXT "x" ;  dnsops: geo=US\n'))
        self.assertEqual([(e[2], e[3], e[4]) for e in got], [
            (["a", "A", "192.0.2.1"], " weight=9", False),
            (["b", "TXT", '"x"'], " geo=US", False),
        ])

    def test_marker_on_continuation_line(self) -> None:
        """If a parenthesised record has its marker on a later line, then it is the record's."""
        got = list(entries("a MX ( 10\n mail ) ; dnsops: weight=1\n"))
        self.assertEqual([(e[0], e[2], e[3]) for e in got],
                         [(1, ["a", "MX", "10", "mail"], " weight=1")])

    def test_disabled_line(self) -> None:
        """If a line is ';dnsops-disabled: RECORD', then RECORD is lexed and flagged disabled."""
        got = list(entries('x A 1\n;dnsops-disabled: www 60 IN TXT "a;b" ; dnsops: geo=GB\n'))
        self.assertEqual(got[1], (2, False, ["www", "60", "IN", "TXT", '"a;b"'], " geo=GB", True))

    def test_other_comments_ignored(self) -> None:
        """If a comment merely mentions dnsops, then it means nothing."""
        text = "; exported by dnsops\na A 1 ; dnsops managed\n  ;  dnsops-disabled is a marker\n"
        self.assertEqual(list(entries(text)), [(2, False, ["a", "A", "1"], None, False)])

    def test_misplaced_markers(self) -> None:
        """If a marker cannot apply where it stands, then LexError names the line."""
        for text, line, message in [
            ("a A 1\n; dnsops: weight=1\n", 2, "dnsops comment on a line without a record"),
            ("a A 1 ;dnsops-disabled: b A 2\n", 1,
             "a dnsops-disabled comment must be a whole line"),
            ("a A 1\n\n;dnsops-disabled:   \n", 3, "dnsops-disabled comment without a record"),
            ("a MX ( 1 ; dnsops: weight=1\n b ) ; dnsops: geo=US\n", 2,
             "more than one dnsops comment on one record"),
            (";dnsops-disabled: a SOA ( b c\n 1 2 3 4 5 )\n", 1,
             "unclosed '(' in a dnsops-disabled record (it must be one line)"),
            ('\n;dnsops-disabled: a TXT "open\n', 2, "unterminated quoted string"),
        ]:
            e = self.assertRaises(LexError, list, entries(text))
            self.assertEqual((e.line, e.message), (line, message), text)


class ReaderMarkerTests(SynchronousTestCase):
    """Routing data and disabled records read from dnsops' comments."""

    def test_weight_geo_and_disabled(self) -> None:
        """If records carry markers, then weight, geo and enabled are read and located."""
        got = read("a A 192.0.2.1 ; dnsops: geo=default weight=90\n"
                   ";dnsops-disabled: a 60 IN A 192.0.2.2\n"
                   "b A 192.0.2.3 ; a plain comment\n", filename="z.zone")
        self.assertEqual(got, [
            ZoneRecord("a.example.com", "A", 3600, "192.0.2.1", "90", "default", True, "z.zone:1"),
            ZoneRecord("a.example.com", "A", 60, "192.0.2.2", 0, None, False, "z.zone:2"),
            ZoneRecord("b.example.com", "A", 3600, "192.0.2.3"),
        ])

    def test_disabled_line_changes_nothing_inherited(self) -> None:
        """If a disabled line sits between records, then the next one inherits as if it were not there."""
        got = read("a 60 A 192.0.2.1\n;dnsops-disabled: b 90 A 192.0.2.2\n  A 192.0.2.3\n")
        self.assertEqual([(r.name, r.ttl, r.enabled) for r in got], [
            ("a.example.com", 60, True), ("b.example.com", 90, False), ("a.example.com", 60, True),
        ])

    def test_malformed_markers(self) -> None:
        """If a marker is malformed, then the error gives its file and line."""
        for text, message in [
            ("a A 1.2.3.4\nb A 192.0.2.1 ; dnsops: weigth=5\n",
             "f.zone:2: unknown item 'weigth=5' in dnsops comment (expected weight=N or geo=CC)"),
            ("b A 192.0.2.1 ; dnsops: weight\n", "f.zone:1: missing value for 'weight' in dnsops comment"),
            ("b A 192.0.2.1 ; dnsops: geo=\n", "f.zone:1: missing value for 'geo' in dnsops comment"),
            ("b A 192.0.2.1 ; dnsops: geo=US geo=GB\n", "f.zone:1: 'geo' given twice in dnsops comment"),
            ("\nb A 192.0.2.1 ; dnsops:\n", "f.zone:2: empty dnsops comment (expected weight=N or geo=CC)"),
            ("$TTL 60 ; dnsops: weight=1\n", "f.zone:1: dnsops comment on the directive '$TTL'"),
            (";dnsops-disabled: $ORIGIN example.net.\n",
             "f.zone:1: dnsops comment on the directive '$ORIGIN'"),
            (";dnsops-disabled: b A 999.1.1.1\n",
             "f.zone:1: invalid IPv4 address '999.1.1.1' for A record"),
            ("a A 192.0.2.1\n;dnsops-disabled: a 60 A 192.0.2.2 ;dnsops-disabled: x\n",
             "f.zone:2: a dnsops-disabled comment must be a whole line"),
        ]:
            e = self.assertRaises(InvalidInput, read, text, filename="f.zone")
            self.assertEqual(e.message, message, text)


class ReaderSyntaxTests(SynchronousTestCase):
    """Names, TTLs, classes and rdata as master files write them."""

    def test_relative_absolute_and_apex(self) -> None:
        """If owners are '@', relative or absolute, then each becomes the canonical name."""
        got = read("@ A 192.0.2.1\nwww A 192.0.2.2\nFTP.Example.COM. A 192.0.2.3\n")
        self.assertEqual([r.name for r in got], ["example.com", "www.example.com", "ftp.example.com"])

    def test_relative_name_with_zone_suffix_is_relative(self) -> None:
        """If a name without a trailing dot ends in the zone, then it is still relative to origin."""
        self.assertEqual(read("www.example.com A 192.0.2.1\n")[0].name,
                         "www.example.com.example.com")

    def test_origin_absolute_and_relative(self) -> None:
        """If $ORIGIN is absolute or relative, then later names are relative to the new origin."""
        got = read("$ORIGIN sub.example.com.\na A 192.0.2.1\n$ORIGIN deeper\nb A 192.0.2.2\n"
                   "$ORIGIN example.com.\nc CNAME @\n")
        self.assertEqual([r.name for r in got],
                         ["a.sub.example.com", "b.deeper.sub.example.com", "c.example.com"])

    def test_origin_applies_to_rdata(self) -> None:
        """If rdata names are relative, then they are completed with the current $ORIGIN."""
        got = read("$ORIGIN sub.example.com.\n@ MX 10 mail\n@ CNAME @\n")
        self.assertEqual([r.rdata for r in got],
                         [parse_rdata("MX", "10 mail.sub.example.com"),
                          parse_rdata("CNAME", "sub.example.com")])

    def test_omitted_owner_inherits_previous(self) -> None:
        """If a line starts with a blank, then its owner is the previous record's owner."""
        got = read("www A 192.0.2.1\n   AAAA 2001:db8::1\n\tTXT hi\n")
        self.assertEqual({r.name for r in got}, {"www.example.com"})

    def test_ttl_defaults(self) -> None:
        """If no TTL is given, then $TTL applies, else the last explicit TTL, else the default."""
        got = read("a A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n$TTL 1d\nd A 192.0.2.4\n"
                   "e 5 A 192.0.2.5\nf A 192.0.2.6\n", default_ttl=7)
        self.assertEqual([r.ttl for r in got], [7, 60, 60, 86400, 5, 86400])

    def test_ttl_and_class_either_order(self) -> None:
        """If TTL and class appear in either order or alone, then both are read."""
        got = read("a 300 IN A 192.0.2.1\nb IN 1h A 192.0.2.2\nc in A 192.0.2.3\n"
                   "d 1W A 192.0.2.4\ne 1h30m CLASS1 A 192.0.2.5\n")
        self.assertEqual([r.ttl for r in got], [300, 3600, 3600, 604800, 5400])

    def test_type_case_insensitive(self) -> None:
        """If a type is written in lower case, then it is stored upper-case."""
        self.assertEqual(read("a aaaa 2001:DB8::1\n")[0],
                         ZoneRecord("a.example.com", "AAAA", 3600, parse_rdata("AAAA", "2001:db8::1")))

    def test_multiline_soa(self) -> None:
        """If the SOA is split over lines with comments, then it is read as one record."""
        got = read("@ IN SOA ns1 hostmaster (\n 2024010101 ; serial\n 1h 15m 1w\n 300 )\n")
        self.assertEqual(got[0].rdata, parse_rdata(
            "SOA", "ns1.example.com hostmaster.example.com 2024010101 1h 15m 1w 300"))

    def test_txt_passed_through(self) -> None:
        """If TXT has quotes, escapes, ';' and parens, then parse_rdata sees the text unchanged."""
        rdata = '"a; (b)" "say \\"hi\\"" "back\\\\slash" "\\065\\255"'
        self.assertEqual(read(f"t TXT {rdata} ; comment\n")[0].rdata,
                         parse_rdata("TXT", rdata, "example.com"))

    def test_unquoted_txt_words_are_strings(self) -> None:
        """If TXT words are unquoted, then each word is its own character-string (RFC 1035)."""
        self.assertEqual(read("t TXT v=spf1 mx -all\n")[0].rdata,
                         parse_rdata("TXT", '"v=spf1" "mx" "-all"'))

    def test_txt_in_parentheses(self) -> None:
        """If TXT strings are spread over lines in parentheses, then all strings are kept."""
        got = read('t TXT ( "one"\n  "two" ; c\n  "three" )\n')
        self.assertEqual(got[0].rdata, parse_rdata("TXT", '"one" "two" "three"'))

    def test_generic_rdata(self) -> None:
        """If rdata is RFC 3597 '\\# LEN HEX' for a known type, then it is decoded."""
        got = read("a A \\# 4 C0000201\nb AAAA \\# 16 20010db8 00000000 00000000 00000001\n")
        self.assertEqual([r.rdata for r in got], ["192.0.2.1", "2001:db8::1"])

    def test_wildcards(self) -> None:
        """If owners are '*' or '*.label', then they are read as wildcards."""
        got = read("* A 192.0.2.1\n*.dev TXT x\n")
        self.assertEqual([r.name for r in got], ["*.example.com", "*.dev.example.com"])

    def test_bom_and_blank_lines(self) -> None:
        """If the text starts with a BOM and has blank lines, then both are ignored."""
        self.assertEqual(len(read("\ufeff\n\n   \nwww A 192.0.2.1\n\n")), 1)

    def test_idn_owner(self) -> None:
        """If an owner is written as U-labels, then it is stored as A-labels."""
        self.assertEqual(read("bücher A 192.0.2.1\n")[0].name, "xn--bcher-kva.example.com")


class ReaderErrorTests(SynchronousTestCase):
    """Each error names the file and the line the record started on."""

    def error(self, text: str, **kw) -> str:
        """The message of the InvalidInput that reading C{text} raises."""
        return self.assertRaises(InvalidInput, read, text, **kw).message

    def test_unknown_type(self) -> None:
        """If a type is not supported, then the error names it and its line."""
        message = self.error("a A 192.0.2.1\nb HINFO x y\n")
        self.assertTrue(message.startswith("-:2: unsupported record type 'HINFO'"), message)

    def test_other_class(self) -> None:
        """If a record has class CH or HS, then the error names the class and line."""
        self.assertEqual(self.error("a CH A 1\n"), "-:1: unsupported class 'CH' (only IN is supported)")
        self.assertEqual(self.error("\n\na 30 HS TXT x\n"),
                         "-:3: unsupported class 'HS' (only IN is supported)")

    def test_generate(self) -> None:
        """If $GENERATE is used, then the error says it is unsupported."""
        self.assertEqual(self.error("a A 192.0.2.1\n$GENERATE 1-10 h$ A 192.0.2.$\n"),
                         "-:2: unsupported directive $GENERATE")

    def test_unknown_directive(self) -> None:
        """If an unknown $WORD is used, then the error names it."""
        self.assertEqual(self.error("$FOO bar\n"), "-:1: unknown directive '$FOO'")

    def test_directive_arguments(self) -> None:
        """If a directive has the wrong number of arguments, then the error says how many."""
        self.assertEqual(self.error("$TTL\n"), "-:1: $TTL takes 1 argument, got 0")
        self.assertEqual(self.error("$ORIGIN a. b.\n"), "-:1: $ORIGIN takes 1 argument, got 2")

    def test_bad_ttl(self) -> None:
        """If a TTL or $TTL is malformed, then the error names it and its line."""
        self.assertEqual(self.error("a 1x A 192.0.2.1\n"), "-:1: invalid TTL '1x'")
        self.assertEqual(self.error("\n$TTL forever\n"), "-:2: invalid TTL 'forever'")

    def test_first_record_without_owner(self) -> None:
        """If the first record begins with a blank, then there is no owner to inherit."""
        self.assertEqual(self.error("; c\n  A 192.0.2.1\n"),
                         "-:2: no owner name on the first record")

    def test_outside_zone(self) -> None:
        """If an owner lies outside the zone, then the error names it and the zone."""
        self.assertEqual(self.error("a A 192.0.2.1\nwww.example.org. A 192.0.2.1\n"),
                         "-:2: name 'www.example.org' is not in zone 'example.com'")
        self.assertEqual(self.error("$ORIGIN example.net.\nwww A 192.0.2.1\n"),
                         "-:2: name 'www.example.net' is not in zone 'example.com'")

    def test_bad_rdata_line_is_record_start(self) -> None:
        """If rdata in a multi-line record is bad, then the line is where the record started."""
        message = self.error("a A 192.0.2.1\n@ SOA ns1 hostmaster (\n 1 2 3\n 4 x )\n")
        self.assertTrue(message.startswith("-:2: "), message)

    def test_bad_address(self) -> None:
        """If an address is bad, then the rdata parser's message gets the location prefix."""
        self.assertEqual(self.error("www A 999.1.1.1\n", filename="z.zone"),
                         "z.zone:1: invalid IPv4 address '999.1.1.1' for A record")

    def test_missing_type_and_rdata(self) -> None:
        """If a record stops after its owner or type, then the error says what is missing."""
        self.assertEqual(self.error("www 300 IN\n"), "-:1: missing record type")
        self.assertEqual(self.error("www A ; nothing\n"), "-:1: missing rdata for A record")

    def test_lexer_errors_located(self) -> None:
        """If the lexer fails, then the error carries the file name and line."""
        self.assertEqual(self.error('a A 192.0.2.1\nb TXT "x\n', filename="f"),
                         "f:2: unterminated quoted string")
        self.assertEqual(self.error("a SOA (\n1\n"), "-:1: unclosed '(' at end of file")

    def test_string_too_long(self) -> None:
        """If a quoted TXT string is over 255 bytes, then the error has the line."""
        message = self.error('a TXT "ok"\nb TXT "' + "x" * 256 + '"\n')
        self.assertTrue(message.startswith("-:2: "), message)

    def test_generic_rdata_wrong_length(self) -> None:
        """If '\\#' rdata's length does not match its hex, then the error has the line."""
        message = self.error("a A \\# 5 C0000201\n")
        self.assertTrue(message.startswith("-:1: "), message)


class IncludeTests(SynchronousTestCase):
    """$INCLUDE: paths, origins, loops and depth."""

    def setUp(self) -> None:
        self.dir = self.mktemp()
        os.makedirs(os.path.join(self.dir, "sub"))

    def write(self, name: str, text: str) -> str:
        """Write C{text} to C{name} under the test directory; return its path."""
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_include_relative_to_including_file(self) -> None:
        """If a file includes another by relative path, then it is found beside the includer."""
        top = self.write("top.zone", "www A 192.0.2.1\n$INCLUDE sub/mid.zone\nafter A 192.0.2.9\n")
        self.write("sub/mid.zone", '$INCLUDE "leaf.zone"\nmid A 192.0.2.2\n')
        self.write("sub/leaf.zone", "leaf A 192.0.2.3\n")
        got = read_zone_file(top, "example.com")
        self.assertEqual([r.name.split(".")[0] for r in got], ["www", "leaf", "mid", "after"])

    def test_include_origin_and_restore(self) -> None:
        """If $INCLUDE gives an origin, then it applies inside; owner and origin return after."""
        top = self.write("top.zone",
                         "$ORIGIN example.com.\nwww A 192.0.2.1\n$INCLUDE inc.zone lab\n"
                         "  AAAA 2001:db8::1\nx A 192.0.2.2\n")
        self.write("inc.zone", "$ORIGIN deep\nh A 192.0.2.5\n")
        got = read_zone_file(top, "example.com")
        self.assertEqual([r.name for r in got], [
            "www.example.com", "h.deep.lab.example.com", "www.example.com", "x.example.com"])

    def test_owner_after_include_repeats_included_name(self) -> None:
        """If the includer repeats the included file's last owner, then that name is used."""
        top = self.write("top.zone", "www A 192.0.2.1\n$INCLUDE inc.zone\nmail AAAA 2001:db8::1\n")
        self.write("inc.zone", "mail A 192.0.2.5\n")
        got = read_zone_file(top, "example.com")
        self.assertEqual([r.name for r in got],
                         ["www.example.com", "mail.example.com", "mail.example.com"])

    def test_include_from_text_uses_base_dir(self) -> None:
        """If read_zone is given base_dir, then $INCLUDE paths are relative to it."""
        self.write("inc.zone", "h A 192.0.2.5\n")
        got = read("$INCLUDE inc.zone\n", base_dir=self.dir)
        self.assertEqual(got[0].name, "h.example.com")

    def test_include_loop(self) -> None:
        """If files include each other, then the error names the $INCLUDE line that loops."""
        top = self.write("a.zone", "a A 192.0.2.1\n$INCLUDE b.zone\n")
        b = self.write("b.zone", "\n\n$INCLUDE a.zone\n")
        e = self.assertRaises(InvalidInput, read_zone_file, top, "example.com")
        self.assertTrue(e.message.startswith(f"{b}:3: $INCLUDE loop: "), e.message)

    def test_include_self(self) -> None:
        """If a file includes itself, then that is a loop."""
        top = self.write("a.zone", "$INCLUDE a.zone\n")
        e = self.assertRaises(InvalidInput, read_zone_file, top, "example.com")
        self.assertTrue(e.message.startswith(f"{top}:1: $INCLUDE loop: "), e.message)

    def test_include_depth(self) -> None:
        """If includes nest more than 10 deep, then the 11th $INCLUDE is refused."""
        for level in range(12):
            self.write(f"z{level}.zone", f"h{level} A 192.0.2.1\n$INCLUDE z{level + 1}.zone\n")
        e = self.assertRaises(InvalidInput, read_zone_file,
                              os.path.join(self.dir, "z0.zone"), "example.com")
        where = os.path.join(self.dir, "z10.zone")
        self.assertEqual(e.message, f"{where}:2: $INCLUDE nested more than 10 levels deep")

    def test_include_missing(self) -> None:
        """If an included file does not exist, then the error is at the $INCLUDE line."""
        top = self.write("a.zone", "a A 192.0.2.1\n$INCLUDE nope.zone\n")
        e = self.assertRaises(InvalidInput, read_zone_file, top, "example.com")
        self.assertTrue(e.message.startswith(f"{top}:2: cannot read zone file "), e.message)

    def test_error_inside_include(self) -> None:
        """If an included file has a bad line, then the error names that file and line."""
        top = self.write("a.zone", "a A 192.0.2.1\n$INCLUDE b.zone\n")
        b = self.write("b.zone", "ok A 192.0.2.1\nbad A nope\n")
        e = self.assertRaises(InvalidInput, read_zone_file, top, "example.com")
        self.assertTrue(e.message.startswith(f"{b}:2: "), e.message)

    def test_missing_zone_file(self) -> None:
        """If the zone file cannot be opened, then the error names it."""
        path = os.path.join(self.dir, "none.zone")
        e = self.assertRaises(InvalidInput, read_zone_file, path, "example.com")
        self.assertEqual(e.message, f"cannot read zone file '{path}': No such file or directory")


def as_rows(records: list[ZoneRecord], zone: str = "example.com") -> list[dict]:
    """Records shaped like the store's record dicts."""
    return [{"id": i, "zone": zone, "name": r.name, "type": r.type, "rdata": r.rdata,
             "ttl": r.ttl, "weight": int(r.weight), "geo": r.geo, "enabled": r.enabled}
            for i, r in enumerate(records)]


def data(records: list[ZoneRecord]) -> list[tuple]:
    """What a record holds, without where it was read (C{ZoneRecord.where})."""
    return sorted((record[:7] for record in records), key=repr)


class WriterTests(SynchronousTestCase):
    """Export layout and the export → import round trip."""

    def rich(self) -> list[ZoneRecord]:
        """The records of tests/data/zf_rich.zone."""
        return read_zone_file(os.path.join(DATA, "zf_rich.zone"), "example.com")

    def test_rich_zone_has_every_type(self) -> None:
        """If the rich zone is read, then it holds all twelve types."""
        self.assertEqual({r.type for r in self.rich()}, {
            "A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "CAA", "PTR", "SPF", "NAPTR"})
        self.assertEqual({(r.weight, r.geo, r.enabled) for r in self.rich()
                          if r.name == "lb.example.com"},
                         {("90", "US", True), ("10", "default", True), (0, "GB", True),
                          ("5", None, False)})

    def test_golden_file(self) -> None:
        """If the rich zone is exported, then the text equals tests/data/zf_rich.good."""
        with open(os.path.join(DATA, "zf_rich.good"), encoding="utf-8") as f:
            self.assertEqual(write_zone("example.com", as_rows(self.rich())), f.read())

    def test_round_trip(self) -> None:
        """If a zone is exported and imported, then the same (name, type, ttl, rdata) set returns."""
        records = self.rich()
        text = write_zone("example.com", as_rows(records))
        self.assertEqual(data(read(text)), data(records))

    def test_golden_file_reads_back(self) -> None:
        """If the golden file is imported, then it gives the rich zone's records."""
        got = read_zone_file(os.path.join(DATA, "zf_rich.good"), "example.com")
        self.assertEqual(data(got), data(self.rich()))

    def test_layout(self) -> None:
        """If records are exported, then the header, SOA-first order and '@' owners are used."""
        rows = as_rows(read(SOA + "b A 192.0.2.2\na.b A 192.0.2.3\na A 192.0.2.1\n"
                            "@ 60 NS ns1\n*.a A 192.0.2.4\n"))
        lines = write_zone("example.com", rows).splitlines()
        self.assertEqual(lines[:2], ["$ORIGIN example.com.", "$TTL 3600"])
        self.assertEqual([line.split()[0] for line in lines[2:]], ["@", "@", "a", "*.a", "b", "a.b"])
        self.assertEqual(lines[3].split(), ["@", "60", "IN", "NS", "ns1.example.com."])

    def test_routing_in_comments(self) -> None:
        """If records have weight, geo or are disabled, then that is written in dnsops comments."""
        rows = as_rows(read(SOA + "a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n"))
        rows[1].update(weight=90, geo="US")
        rows[2].update(enabled=False)
        rows[3].update(enabled=False, weight=7, geo="default")
        self.assertEqual(write_zone("example.com", rows).splitlines()[3:], [
            "a   3600 IN A     192.0.2.1 ; dnsops: weight=90 geo=US",
            ";dnsops-disabled: b   3600 IN A     192.0.2.2",
            ";dnsops-disabled: c   3600 IN A     192.0.2.3 ; dnsops: weight=7 geo=default",
        ])

    def test_routing_round_trip(self) -> None:
        """If routing data is exported and read back, then weight, geo and enabled are kept."""
        rows = as_rows(read(SOA + "a A 192.0.2.1\na A 192.0.2.2\nb TXT \"x; y\"\n"))
        rows[1].update(weight=65535, geo="GB")
        rows[2].update(weight=1, geo="default")
        rows[3].update(enabled=False)
        got = [(r.name, r.rdata, r.weight, r.geo, r.enabled)
               for r in read(write_zone("example.com", rows))]
        self.assertEqual(got[1:], [
            ("a.example.com", "192.0.2.1", "65535", "GB", True),
            ("a.example.com", "192.0.2.2", "1", "default", True),
            ("b.example.com", '"x; y"', 0, None, False),
        ])

    def test_ttl_header_argument(self) -> None:
        """If a TTL is given, then the $TTL line uses it."""
        self.assertIn("$TTL 42\n", write_zone("example.com", [], ttl=42))

    def test_round_trip_other_origin_zone(self) -> None:
        """If a subzone is exported, then names relative to it read back under the same zone."""
        records = read("@ NS ns1.example.com.\nwww CNAME @\n_s._udp SRV 0 0 53 @\n",
                       origin="lab.example.com")
        text = write_zone("lab.example.com", as_rows(records, "lab.example.com"))
        self.assertEqual(set(read(text, origin="lab.example.com")), set(records))


class ReferenceServerTests(SynchronousTestCase):
    """
    An export with dnsops' comments is a plain master file to BIND and Knot: they load it
    unchanged and serve the enabled records, without the disabled ones.
    """

    golden = os.path.join(DATA, "zf_rich.good")

    def test_bind_loads_export(self) -> None:
        """If named-checkzone reads the golden export, then it loads it with only the enabled records."""
        checkzone = shutil.which("named-checkzone")
        if checkzone is None:
            raise SkipTest("named-checkzone is not installed (Debian package bind9-utils)")
        done = subprocess.run([checkzone, "-D", "-o", "-", "example.com", self.golden],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        loaded = [line.split() for line in done.stdout.splitlines() if line.strip()]
        records = read_zone_file(self.golden, "example.com")
        # Two records that differ only in their geo tag are one RR to BIND.
        self.assertEqual(len(loaded), len({r[:4] for r in records if r.enabled}))
        self.assertEqual(sorted(f[4] for f in loaded if f[0] == "lb.example.com."),
                         ["192.0.2.10", "192.0.2.11"])
        self.assertNotIn("old.example.com.", [f[0] for f in loaded])

    def test_knot_serves_export(self) -> None:
        """If Knot serves the golden export, then a name's answer holds its enabled records only."""
        if knotd_path() is None:
            raise SkipTest("knotd is not installed (Debian package 'knot')")
        knot = KnotServer(self.mktemp(), {"example.com": self.golden})
        self.addCleanup(knot.stop)
        knot.start()

        def ask(name: str, rdtype: str) -> dns.message.Message:
            query = dns.message.make_query(name, rdtype)
            return dns.query.udp(query, knot.address, port=knot.port, timeout=2)

        answer = ask("lb.example.com.", "A")
        self.assertEqual(sorted(rd.to_text() for rrset in answer.answer for rd in rrset),
                         ["192.0.2.10", "192.0.2.11"])
        # old.example.com's only record is disabled; the zone's "*" A answers the name.
        old = ask("old.example.com.", "TXT")
        self.assertEqual((old.rcode(), old.answer), (dns.rcode.NOERROR, []))


class CommandRoundTripTests(SynchronousTestCase):
    """export-zone then import-zone --replace through the real command line."""

    def setUp(self) -> None:
        self.cwd = os.path.abspath(self.mktemp())
        os.makedirs(self.cwd)
        self.db = os.path.join(self.cwd, "test.db")

    def dnsops(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        """Run one command against the test database; return status, stdout and stderr."""
        environ = {k: v for k, v in os.environ.items() if k != "DNSOPS_DB"}
        done = subprocess.run([sys.executable, "-m", "dnsops", *args, "--db", self.db],
                              cwd=self.cwd, env=environ, input=stdin.encode(),
                              capture_output=True, timeout=60)
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    def ok(self, *args: str, stdin: str = "") -> str:
        status, out, err = self.dnsops(*args, stdin=stdin)
        self.assertEqual((status, err), (0, ""), out)
        return out

    def records(self) -> list[tuple]:
        rows = json.loads(self.ok("list-records", "example.com", "--json"))
        return sorted((r["name"], r["type"], r["rdata"], r["ttl"], r["weight"], r["geo"],
                       r["enabled"]) for r in rows)

    def test_routing_survives_export_and_replace(self) -> None:
        """If a zone with weights, geo tags and disabled records is exported and re-imported with --replace, then they are all kept."""
        self.ok("add-zone", "example.com", "--ns", "ns1.example.com", "--admin", "admin.example.com")
        self.ok("add-record", "example.com", "www", "A", "192.0.2.1", "--weight", "90", "--geo", "us")
        self.ok("add-record", "example.com", "www", "A", "192.0.2.2", "--weight", "10",
                "--geo", "default")
        self.ok("add-record", "example.com", "www", "A", "192.0.2.99", "--disabled")
        self.ok("add-record", "example.com", "txt", "TXT", "a; b", "--disabled", "--geo", "GB")
        before = self.records()
        exported = self.ok("export-zone", "example.com")
        self.assertIn(";dnsops-disabled: www", exported)
        self.ok("import-zone", "example.com", "-", "--replace", stdin=exported)
        # Only the SOA serial moves: the file's is not above the zone's, so it goes up by one.
        self.assertEqual([r for r in self.records() if r[1] != "SOA"],
                         [r for r in before if r[1] != "SOA"])
        again = self.ok("export-zone", "example.com").splitlines()
        self.assertEqual([line for line in again if " SOA " not in line],
                         [line for line in exported.splitlines() if " SOA " not in line])

    def test_bad_marker_value(self) -> None:
        """If a marker's value is refused, then import-zone names the file and line and imports nothing."""
        path = os.path.join(self.cwd, "bad.zone")
        with open(path, "w") as f:
            f.write("www A 192.0.2.1\nwww A 192.0.2.2 ; dnsops: weight=70000\n")
        status, out, err = self.dnsops("import-zone", "example.com", path)
        self.assertEqual((status, out, err), (
            1, "", f"error: {path}:2: invalid weight '70000': expected 0 to 65535\n"))
        status, out, err = self.dnsops("import-zone", "example.com", "-",
                                       stdin=";dnsops-disabled: www A 192.0.2.1 ; dnsops: geo=XX\n")
        self.assertEqual(err, "error: -:1: invalid geo 'XX': expected a two-letter country code"
                              " or default\n")
        self.assertEqual(self.dnsops("list-zones", "--json")[1], "[]\n")
