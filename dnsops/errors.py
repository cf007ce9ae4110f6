# -*- test-case-name: tests.test_errors -*-
"""
People's mistakes, as one family of exceptions that the CLI and REST render the same way.

DNS outcomes (NXDOMAIN, REFUSED) are not user errors: they live in L{dnsops.resolvers.outcomes}.
"""


class UserError(Exception):
    """
    Bad input from a person or script; the message is shown to them verbatim.

    @ivar field: The input field the message is about, when there is one (REST puts it in
        C{{"field": ...}}).
    """

    http_status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInput(UserError):
    """A value that does not parse or is out of range."""


class NotFound(UserError):
    """The named zone, record, key or entry does not exist."""

    http_status = 404


class Conflict(UserError):
    """The change would clash with what is there (zone exists, CNAME exclusivity)."""

    http_status = 409
