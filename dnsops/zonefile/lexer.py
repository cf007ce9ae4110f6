# -*- test-case-name: tests.test_zonefile -*-
"""
Split master-file text into entries: the tokens of one record or directive and its line number.

The lexer knows quotes, escapes, comments and parentheses, and nothing about what the tokens
mean. Tokens keep their raw text (quotes and backslashes included) so the rdata parsers see
character-strings exactly as written and are the only place that decodes them.

Comments are dropped, except dnsops' own two markers (see L{dnsops.zonefile.writer}), which
carry what a master file has no syntax for and which every other server skips as comments:
  - C{; dnsops: weight=90 geo=US} at the end of a record (on any line of a parenthesised one):
    its text after C{dnsops:} is handed to the reader with the entry;
  - C{;dnsops-disabled: www 3600 IN A 192.0.2.99} as a whole line: the rest of the line is lexed
    as one record (owner first, on one line), handed on flagged as disabled.
A comment is a marker when its text, after the C{;} and blanks, starts with C{dnsops:} or
C{dnsops-disabled:}; a marker where it cannot apply is an error, never silently ignored.

Most lines of real zone files hold no quote, backslash or parenthesis; those take a fast path
through C{str.split}, so lexing a million-record file takes about a second.
"""

import re
from collections.abc import Iterator

_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_PLAIN = re.compile(r'[^\s"\\();]+')
_BLANK = " \t"

#: What follows the C{;} of a comment that carries a record's routing data.
MARKER = "dnsops:"
#: What follows the C{;} of a whole line holding a disabled record.
DISABLED = "dnsops-disabled:"


class LexError(Exception):
    """
    A syntax error the reader turns into C{InvalidInput("FILE:LINE: message")}.

    It is not a L{dnsops.errors.UserError}: the lexer does not know the file name, so the reader
    must add the location before a person sees it.
    """

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def entries(text: str) -> Iterator[tuple[int, bool, list[str], str | None, bool]]:
    """
    Yield C{(line, owner_omitted, tokens, marker, disabled)} for each record or directive.

    Plain tuples rather than a named one: a million-record file makes a million of them.

    @param text: Master-file text; lines end in LF or CRLF.
    @return: One entry per logical line (parenthesised continuations joined); C{line} is the
        1-based line where the entry starts, C{owner_omitted} is true when that line begins
        with a blank (RFC 1035 §5.1: the previous owner applies). C{marker} is the text after
        C{dnsops:} in the entry's marker comment, or None; C{disabled} is true for a record read
        from a C{;dnsops-disabled:} line. Blank and comment-only lines yield nothing.
    @raise LexError: For an unterminated quoted string, unbalanced parentheses, or a marker
        that is out of place.
    """
    lines = text.split("\n")
    count = len(lines)
    index = 0
    while index < count:
        start = index
        line = lines[index]
        index += 1
        marker = None
        if ";" in line:
            head = line.lstrip(_BLANK)
            if head[:1] == ";":
                disabled = _comment_line(head[1:], start + 1)
                if disabled is not None:
                    yield disabled
                continue
        if '"' in line or "\\" in line or "(" in line or ")" in line:
            tokens, index, marker = _scan(lines, start)
        else:
            if ";" in line:
                cut = line.index(";")
                marker = _marker(line[cut + 1 :], start + 1)
                line = line[:cut]
            tokens = line.split()
        if tokens:
            yield start + 1, lines[start][:1] in _BLANK, tokens, marker, False
        elif marker is not None:
            raise LexError(start + 1, "dnsops comment on a line without a record")


def _marker(comment: str, line: int) -> str | None:
    """
    The text after C{dnsops:} when C{comment} (what follows a C{;}) is a routing marker.

    @return: None for an ordinary comment.
    @raise LexError: For a C{dnsops-disabled:} comment after data on its line.
    """
    if "dnsops" not in comment:
        return None
    text = comment.lstrip(_BLANK)
    if text.startswith(MARKER):
        return text[len(MARKER) :]
    if text.startswith(DISABLED):
        raise LexError(line, "a dnsops-disabled comment must be a whole line")
    return None


def _comment_line(comment: str, line: int) -> tuple[int, bool, list[str], str | None, bool] | None:
    """
    The disabled record of a C{;dnsops-disabled:} line; None for any other comment-only line.

    @param comment: The line after its C{;}.
    @raise LexError: For a routing marker with no record, or a disabled line without a record.
    """
    if "dnsops" not in comment:
        return None
    text = comment.lstrip(_BLANK)
    if text.startswith(MARKER):
        raise LexError(line, "dnsops comment on a line without a record")
    if not text.startswith(DISABLED):
        return None
    record = text[len(DISABLED) :]
    try:
        tokens, _, marker = _scan([record], 0)
    except LexError as e:
        if e.message.startswith("unclosed"):
            raise LexError(line, "unclosed '(' in a dnsops-disabled record (it must be one line)")
        raise LexError(line, e.message) from None
    if not tokens:
        raise LexError(line, "dnsops-disabled comment without a record")
    return line, False, tokens, marker, True


def _scan(lines: list[str], start: int) -> tuple[list[str], int, str | None]:
    """
    Read one entry character by character from C{lines[start]}, across lines while a
    parenthesis is open.

    @return: The entry's tokens, the index of the first line after it, and the text of its
        routing marker (or None).
    @raise LexError: When the entry has more than one routing marker.
    """
    tokens: list[str] = []
    parts: list[str] = []
    marker = None
    depth = 0
    index = start
    line = lines[index]
    pos = 0
    end = len(line)
    while True:
        if pos >= end:
            if parts:
                tokens.append("".join(parts))
                parts = []
            index += 1
            if depth == 0:
                return tokens, index, marker
            if index >= len(lines):
                raise LexError(start + 1, "unclosed '(' at end of file")
            line = lines[index]
            pos = 0
            end = len(line)
            continue
        char = line[pos]
        if char == '"':
            match = _QUOTED.match(line, pos)
            if match is None:
                raise LexError(index + 1, "unterminated quoted string")
            parts.append(match.group())
            pos = match.end()
        elif char == "\\":
            parts.append(line[pos : pos + 2])
            pos += 2
        elif char.isspace() or char == ";" or char == "(" or char == ")":
            if parts:
                tokens.append("".join(parts))
                parts = []
            if char == ";":
                found = _marker(line[pos + 1 :], index + 1)
                if found is not None:
                    if marker is not None:
                        raise LexError(index + 1, "more than one dnsops comment on one record")
                    marker = found
                pos = end
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    raise LexError(index + 1, "unbalanced ')'")
                depth -= 1
            pos += 1
        else:
            match = _PLAIN.match(line, pos)
            parts.append(match.group())
            pos = match.end()
