# -*- test-case-name: tests.test_api_config -*-
"""REST config: all keys, one key, setting one; secrets are write-only."""

import contextlib
import io

from twisted.trial.unittest import SynchronousTestCase

from dnsops.cli import main
from dnsops.config import KEYS
from tests.test_api import ApiClient


class ConfigTests(SynchronousTestCase):
    """The config endpoints."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_list_masks_secrets(self) -> None:
        """If all keys are listed, then every key is there and the token is masked."""
        items = {i["key"]: i for i in self.api.ok("GET", "/api/config")["items"]}
        self.assertEqual(set(items), set(KEYS))
        self.assertEqual(items["api_token"]["value"], "********")
        self.assertNotIn(self.api.token.encode(), self.api.call("GET", "/api/config").raw)

    def test_get_one(self) -> None:
        """If one key is read, then its default shows until it is set."""
        self.assertEqual(self.api.ok("GET", "/api/config/rate_limit_burst")["value"], "60")

    def test_set(self) -> None:
        """If a key is set, then reading it gives the new value."""
        item = self.api.ok("PUT", "/api/config/rate_limit_burst", {"value": "30"})
        self.assertEqual(item["value"], "30")
        self.assertEqual(self.api.ok("GET", "/api/config/rate_limit_burst")["value"], "30")

    def test_set_bad_value_same_as_cli(self) -> None:
        """If a bad value is set, then REST and the CLI give the same message."""
        reply = self.api.fails("PUT", "/api/config/rate_limit_burst", {"value": "lots"},
                               field="value")
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            main(["set-config", "rate_limit_burst", "lots", "--db", self.api.db_path])
        self.assertEqual(stderr.getvalue().strip(), f"error: {reply.json['error']}")

    def test_unknown_key(self) -> None:
        """If the key is unknown, then it is 400 listing the known keys."""
        reply = self.api.fails("PUT", "/api/config/colour", {"value": "red"}, field="key")
        self.assertIn("known keys", reply.json["error"])

    def test_value_must_be_text(self) -> None:
        """If the value is not a string or a number, then it is 400 naming value."""
        for value in (True, [30], {"n": 30}, None):
            self.api.fails("PUT", "/api/config/rate_limit_burst", {"value": value}, field="value")

    def test_secret_is_masked_in_audit(self) -> None:
        """If a secret key is set, then the audit log holds a mask, not the value."""
        self.api.ok("PUT", "/api/config/namecheap_api_key", {"value": "s3cret-value"})
        raw = self.api.call("GET", "/api/audit").raw
        self.assertNotIn(b"s3cret-value", raw)
