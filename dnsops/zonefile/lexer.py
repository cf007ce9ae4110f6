# -*- test-case-name: tests.test_zonefile -*-
"""
Split master-file text into entries: the tokens of one record or directive and its line number.

The lexer knows quotes, escapes, comments and parentheses, and nothing about what the tokens
mean. Tokens keep their raw text (quotes and backslashes included) so the rdata parsers see
character-strings exactly as written and are the only place that decodes them.

Most lines of real zone files hold no quote, backslash or parenthesis; those take a fast path
through C{str.split}, so lexing a million-record file takes about a second.
"""

import re
from collections.abc import Iterator

_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_PLAIN = re.compile(r'[^\s"\\();]+')
_BLANK = " \t"


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


def entries(text: str) -> Iterator[tuple[int, bool, list[str]]]:
    """
    Yield C{(line, owner_omitted, tokens)} for each record or directive in C{text}.

    @param text: Master-file text; lines end in LF or CRLF.
    @return: One entry per logical line (parenthesised continuations joined); C{line} is the
        1-based line where the entry starts, C{owner_omitted} is true when that line begins
        with a blank (RFC 1035 §5.1: the previous owner applies). Blank and comment-only
        lines yield nothing.
    @raise LexError: For an unterminated quoted string or unbalanced parentheses.
    """
    lines = text.split("\n")
    count = len(lines)
    index = 0
    while index < count:
        start = index
        line = lines[index]
        index += 1
        if '"' in line or "\\" in line or "(" in line or ")" in line:
            tokens, index = _scan(lines, start)
        else:
            if ";" in line:
                line = line[: line.index(";")]
            tokens = line.split()
        if tokens:
            yield start + 1, lines[start][:1] in _BLANK, tokens


def _scan(lines: list[str], start: int) -> tuple[list[str], int]:
    """
    Read one entry character by character from C{lines[start]}, across lines while a
    parenthesis is open.

    @return: The entry's tokens and the index of the first line after it.
    """
    tokens: list[str] = []
    parts: list[str] = []
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
                return tokens, index
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
