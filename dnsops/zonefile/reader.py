# -*- test-case-name: tests.test_zonefile -*-
"""
Read BIND master files (RFC 1035 §5) into canonical records for one zone.

Supported: C{$ORIGIN}, C{$TTL} (RFC 2308), C{$INCLUDE FILE [ORIGIN]}, comments, parentheses,
relative names, C{@}, omitted owner, TTL and class (in either order), TTL units, and RFC 3597
C{\\# LEN HEX} rdata for the known types. Not supported: C{$GENERATE}, classes other than IN,
and types outside L{dnsops.records.TYPES}; each is an error naming what was found.

dnsops' own comment markers (L{dnsops.zonefile.writer} documents them) give a record its
weight and geo tag, or mark it disabled; no other comment means anything. Their syntax is
checked here; their values are checked by the store with the same functions as the CLI's
C{--weight} and C{--geo}, and its errors name the record's C{FILE:LINE} (L{ZoneRecord.where}).

Every error is an L{InvalidInput} whose message starts with C{FILE:LINE: }, the line where
the record starts, so a person can go straight to it. The location is added once, here, at
the loop (as dnspython's C{Reader.read} does); the parsers below know nothing of files.
"""

import os
from collections.abc import Iterator
from typing import NamedTuple

from dnsops import names, records
from dnsops.errors import InvalidInput, UserError
from dnsops.ttl import parse_ttl
from dnsops.zonefile.lexer import LexError, entries

MAX_INCLUDE_DEPTH = 10
_OTHER_CLASSES = frozenset({"CH", "CHAOS", "HS", "HESIOD", "CS", "NONE", "ANY"})
_TEXT_TYPES = frozenset({"TXT", "SPF"})
_MARKER_KEYS = ("weight", "geo")


class ZoneRecord(NamedTuple):
    """
    One record as read: absolute canonical owner, upper-case type, TTL, canonical rdata, and
    the routing data of a dnsops marker comment.

    @ivar weight: As written after C{weight=} (text), or 0 without a marker; the store
        validates it as it does C{--weight}.
    @ivar geo: As written after C{geo=}, or None; the store validates it as it does C{--geo}.
    @ivar enabled: False for a record read from a C{;dnsops-disabled:} line.
    @ivar where: C{FILE:LINE} of a record that had a marker, so the store's errors about its
        values can point at it; None for every other record.
    """

    name: str
    type: str
    ttl: int
    rdata: str
    weight: int | str = 0
    geo: str | None = None
    enabled: bool = True
    where: str | None = None


def read_zone(
    text: str,
    origin: str,
    filename: str = "-",
    default_ttl: int = 3600,
    base_dir: str | None = None,
) -> list[ZoneRecord]:
    """
    Parse master-file text for the zone C{origin}.

    @param origin: The zone; the initial C{$ORIGIN}, and every owner must lie within it.
    @param filename: Shown in error messages; C{-} for stdin.
    @param default_ttl: TTL for records before any C{$TTL} or explicit TTL.
    @param base_dir: Directory that C{$INCLUDE} paths are relative to (default: the current
        directory, as for stdin).
    @raise InvalidInput: C{FILE:LINE: message} for the first bad line.
    """
    return _read(text, origin, filename, default_ttl, base_dir, ())


def read_zone_file(path: str, origin: str, default_ttl: int = 3600) -> list[ZoneRecord]:
    """
    Read the master file at C{path}; C{$INCLUDE} paths are relative to its directory.

    @raise InvalidInput: When the file cannot be read, or for its first bad line.
    """
    text = _read_text(path)
    base_dir = os.path.dirname(path)
    return _read(text, origin, path, default_ttl, base_dir, (os.path.realpath(path),))


def _read(
    text: str,
    origin: str,
    filename: str,
    default_ttl: int,
    base_dir: str | None,
    including: tuple[str, ...],
) -> list[ZoneRecord]:
    """Read a whole zone with fresh state; C{including} names the top file when there is one."""
    reader = _Reader(names.canonical_name(origin, "zone"), default_ttl)
    return list(reader.read(text, filename, base_dir or ".", reader.zone, including, 0))


def _read_text(path: str) -> str:
    """Read a UTF-8 file (an IDN owner may be written as U-labels), or say why not."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise InvalidInput(f"cannot read zone file '{path}': {e.strerror}", "file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"zone file '{path}' is not UTF-8 text", "file") from None


class _Include(NamedTuple):
    """An C{$INCLUDE}d file, read while its directive's line is known for errors."""

    path: str
    text: str
    origin: str


class _Reader:
    """
    The state that carries from line to line: origin, owner, TTLs.

    @ivar zone: The zone every owner must be in (canonical, no trailing dot).
    @ivar owner: The last owner, inherited by lines that begin with a blank.
    @ivar dollar_ttl: The C{$TTL} value, once one was given.
    @ivar last_ttl: The last TTL written on a record, for files without C{$TTL}.
    """

    def __init__(self, zone: str, default_ttl: int) -> None:
        self.zone = zone
        self.owner: str | None = None
        self.dollar_ttl: int | None = None
        self.last_ttl = default_ttl
        self._ttls: dict[str, int] = {}
        self._last_owner = ("", "", "")
        self._types: dict[str, str] = {}

    def read(
        self,
        text: str,
        filename: str,
        base_dir: str,
        origin: str,
        including: tuple[str, ...],
        depth: int,
    ) -> Iterator[ZoneRecord]:
        """
        Yield the records of one file, and of the files it includes where they are included.

        @param including: Real paths of the files being read (this one, when it has a path,
            and those that include it), to refuse loops.
        @param depth: How many C{$INCLUDE}s deep this file is.
        """
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            for line, owner_omitted, tokens, marker, disabled in entries(text):
                try:
                    if tokens[0][0] == "$":
                        if marker is not None or disabled:
                            raise InvalidInput(f"dnsops comment on the directive '{tokens[0]}'")
                        origin, include = self._directive(tokens, origin, base_dir, including, depth)
                    elif marker is None and not disabled:
                        yield self._record(tokens, owner_omitted, origin)
                        continue
                    else:
                        where = f"{filename}:{line}"
                        yield self._marked(tokens, owner_omitted, origin, marker, disabled, where)
                        continue
                except UserError as e:
                    raise InvalidInput(f"{filename}:{line}: {e.message}", e.field) from None
                if include is not None:
                    yield from self._include(include, including, depth + 1)
        except LexError as e:
            raise InvalidInput(f"{filename}:{e.line}: {e.message}") from None

    def _directive(
        self, tokens: list[str], origin: str, base_dir: str, including: tuple[str, ...], depth: int
    ) -> tuple[str, "_Include | None"]:
        """
        Apply C{$ORIGIN} or C{$TTL}, or open the file of an C{$INCLUDE}.

        @return: The origin from here on, and the file to read next for an include.
        """
        word = tokens[0].upper()
        args = tokens[1:]
        if word == "$ORIGIN":
            _arity(word, args, 1, 1)
            return self._absolute(args[0], origin, "origin"), None
        if word == "$TTL":
            _arity(word, args, 1, 1)
            self.dollar_ttl = parse_ttl(args[0])
            return origin, None
        if word == "$INCLUDE":
            _arity(word, args, 1, 2)
            if depth >= MAX_INCLUDE_DEPTH:
                raise InvalidInput(
                    f"$INCLUDE nested more than {MAX_INCLUDE_DEPTH} levels deep", "file"
                )
            path = os.path.join(base_dir, _unquote(args[0]))
            if os.path.realpath(path) in including:
                raise InvalidInput(f"$INCLUDE loop: '{path}' is already being read", "file")
            inner_origin = self._absolute(args[1], origin, "origin") if len(args) > 1 else origin
            return origin, _Include(path, _read_text(path), inner_origin)
        if word == "$GENERATE":
            raise InvalidInput("unsupported directive $GENERATE")
        raise InvalidInput(f"unknown directive '{tokens[0]}'")

    def _include(
        self, include: "_Include", including: tuple[str, ...], depth: int
    ) -> Iterator[ZoneRecord]:
        """
        Read an included file; afterwards the owner is what it was before (RFC 1035 §5.1).

        Errors inside it carry its own name and line, so the includer adds no location.
        """
        owner = self.owner
        inner = including + (os.path.realpath(include.path),)
        base_dir = os.path.dirname(include.path) or "."
        yield from self.read(include.text, include.path, base_dir, include.origin, inner, depth)
        self.owner = owner

    def _record(self, tokens: list[str], owner_omitted: bool, origin: str) -> ZoneRecord:
        """Turn one record's tokens into a L{ZoneRecord}: owner, [TTL] [class], type, rdata."""
        if owner_omitted:
            if self.owner is None:
                raise InvalidInput("no owner name on the first record", "name")
            position = 0
        else:
            self.owner = self._owner(tokens[0], origin)
            position = 1
        ttl = None
        for _ in range(2):
            if position >= len(tokens):
                break
            token = tokens[position]
            if token[0].isdigit():
                if ttl is not None:
                    raise InvalidInput(f"unexpected second TTL '{token}'", "ttl")
                ttl = self._ttl(token)
            elif not _is_class(token):
                break
            position += 1
        if position >= len(tokens):
            raise InvalidInput("missing record type", "type")
        rtype = self._type(tokens[position])
        rdata = tokens[position + 1 :]
        if not rdata:
            raise InvalidInput(f"missing rdata for {rtype} record", "rdata")
        if ttl is None:
            ttl = self.dollar_ttl if self.dollar_ttl is not None else self.last_ttl
        else:
            self.last_ttl = ttl
        return ZoneRecord(self.owner, rtype, ttl, _rdata(rtype, rdata, origin))

    def _marked(
        self,
        tokens: list[str],
        owner_omitted: bool,
        origin: str,
        marker: str | None,
        disabled: bool,
        where: str,
    ) -> ZoneRecord:
        """
        A record that carried a dnsops marker: its routing data, or its disabled flag, added.

        A disabled record is a comment to every other server, so it must not change what the
        lines after it inherit (owner, last TTL); its own line always names its owner.
        """
        weight, geo = _routing(marker) if marker is not None else (0, None)
        if disabled:
            inherited = self.owner, self.last_ttl
            try:
                record = self._record(tokens, False, origin)
            finally:
                self.owner, self.last_ttl = inherited
        else:
            record = self._record(tokens, owner_omitted, origin)
        return record._replace(weight=weight, geo=geo, enabled=not disabled, where=where)

    def _owner(self, token: str, origin: str) -> str:
        """
        The canonical owner for C{token}, which must be in the zone.

        Files often repeat an owner on consecutive lines; the last one is reused as it is.
        """
        last_token, last_origin, last_name = self._last_owner
        if token == last_token and origin == last_origin:
            return last_name
        name = self._absolute(token, origin, "name")
        if not names.in_zone(name, self.zone):
            raise InvalidInput(f"name '{name}' is not in zone '{self.zone}'", "name")
        self._last_owner = (token, origin, name)
        return name

    def _absolute(self, token: str, origin: str, field: str) -> str:
        """
        Resolve a name against the current origin (RFC 1035 §5.1): absolute if it ends in '.'.

        The origin is canonical already, so only the relative part is canonicalised (most of
        the reader's time goes to names); the whole name is checked again only when it may be
        too long, to get that error's wording.
        """
        if token == "@":
            return origin
        if token.endswith(".") or not origin:
            return names.canonical_name(token, field)
        name = f"{names.canonical_name(token, field)}.{origin}"
        if len(name) > names.MAX_NAME:
            return names.canonical_name(f"{token}.{origin}", field)
        return name

    def _ttl(self, token: str) -> int:
        """Parse a TTL, remembering the few distinct values a file uses."""
        ttl = self._ttls.get(token)
        if ttl is None:
            ttl = parse_ttl(token)
            if len(self._ttls) < 1000:
                self._ttls[token] = ttl
        return ttl

    def _type(self, token: str) -> str:
        """Check a type name once per spelling; unknown types raise, naming the type."""
        rtype = self._types.get(token)
        if rtype is None:
            rtype = self._types[token] = records.check_type(token)
        return rtype


def _rdata(rtype: str, tokens: list[str], origin: str) -> str:
    """
    The canonical rdata for one record's rdata tokens.

    Unquoted TXT/SPF words are separate character-strings in a master file (RFC 1035 §5.1),
    whereas C{parse_rdata} reads unquoted input as one string, so each word is quoted here.
    """
    if tokens[0] == "\\#":
        return records.parse_generic(rtype, " ".join(tokens), origin)
    if rtype in _TEXT_TYPES:
        tokens = [t if '"' in t else f'"{t}"' for t in tokens]
    return records.parse_rdata(rtype, " ".join(tokens), origin)


def _routing(marker: str) -> tuple[int | str, str | None]:
    """
    The C{weight} and C{geo} of a marker's text (C{" weight=90 geo=US"}), as written.

    @raise InvalidInput: For anything but one or both of C{weight=VALUE} and C{geo=VALUE}.
    """
    values: dict[str, str] = {}
    for item in marker.split():
        key, equals, value = item.partition("=")
        if key not in _MARKER_KEYS:
            raise InvalidInput(
                f"unknown item '{item}' in dnsops comment (expected weight=N or geo=CC)"
            )
        if not equals or not value:
            raise InvalidInput(f"missing value for '{key}' in dnsops comment", key)
        if key in values:
            raise InvalidInput(f"'{key}' given twice in dnsops comment", key)
        values[key] = value
    if not values:
        raise InvalidInput("empty dnsops comment (expected weight=N or geo=CC)")
    return values.get("weight", 0), values.get("geo")


def _is_class(token: str) -> bool:
    """True for C{IN}; raise for any other class, which this server does not serve."""
    if token == "IN":
        return True
    upper = token.upper()
    if upper == "IN" or upper == "CLASS1":
        return True
    if upper in _OTHER_CLASSES or (upper.startswith("CLASS") and upper[5:].isdigit()):
        raise InvalidInput(f"unsupported class '{token}' (only IN is supported)", "class")
    return False


def _arity(word: str, args: list[str], least: int, most: int) -> None:
    """Raise when a directive has too few or too many arguments."""
    if not least <= len(args) <= most:
        wanted = str(least) if least == most else f"{least} or {most}"
        raise InvalidInput(f"{word} takes {wanted} argument{'s' if most > 1 else ''}, got {len(args)}")


def _unquote(token: str) -> str:
    """A file name may be quoted; the quotes are not part of it."""
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    return token
