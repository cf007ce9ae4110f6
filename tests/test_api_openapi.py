# -*- test-case-name: tests.test_api_openapi -*-
"""The OpenAPI document is true: every route is in it, and every operation in it is routed."""

import json

from twisted.trial.unittest import SynchronousTestCase

from tests.test_api import ApiClient, sample_path

#: Parts of the manual's table and the contract's additions that must be served.
REQUIRED = {
    ("GET", "/api/stats"), ("GET", "/api/zones"), ("POST", "/api/zones"),
    ("DELETE", "/api/zones/{name}"), ("GET", "/api/zones/{name}/records"),
    ("POST", "/api/zones/{name}/records"), ("PUT", "/api/records/{id}"),
    ("DELETE", "/api/records/{id}"), ("GET", "/api/blocklist"), ("POST", "/api/blocklist"),
    ("POST", "/api/blocklist/import"), ("DELETE", "/api/blocklist/{domain}"),
    ("GET", "/api/upstream"), ("POST", "/api/upstream"), ("DELETE", "/api/upstream/{id}"),
    ("GET", "/api/cache/stats"), ("DELETE", "/api/cache"), ("GET", "/api/logs"),
    ("GET", "/api/config"), ("PUT", "/api/config/{key}"), ("POST", "/api/zones/{name}/import"),
    ("GET", "/api/zones/{name}/export"), ("GET", "/metrics"), ("GET", "/health"),
    ("GET", "/api/keys"), ("POST", "/api/keys"), ("DELETE", "/api/keys/{name}"),
    ("GET", "/api/openapi.json"), ("GET", "/api/audit"), ("GET", "/api/allowlist"),
    ("GET", "/api/blocklist/sources"),
}


class OpenApiTests(SynchronousTestCase):
    """GET /api/openapi.json."""

    def setUp(self) -> None:
        self.api = ApiClient(self)
        self.doc = self.api.ok("GET", "/api/openapi.json", token=None)
        self.documented = {
            (method.upper(), path)
            for path, item in self.doc["paths"].items() for method in item
        }

    def test_every_route_is_documented(self) -> None:
        """If a route is served, then the document lists it, and the other way round."""
        routed = set()
        for rule in self.api.app.url_map.iter_rules():
            if rule.endpoint.startswith("web"):
                continue
            method, path = rule.endpoint.split(" ", 1)
            routed.add((method, path))
        self.assertEqual(routed, self.documented)

    def test_contract_endpoints_present(self) -> None:
        """If the manual or contract names an endpoint, then the document has it."""
        self.assertEqual(REQUIRED - self.documented, set())

    def test_every_operation_states_scope_and_errors(self) -> None:
        """If an operation needs a token, then it names its scope and documents 401 and 429."""
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                if path in ("/health", "/metrics", "/api/openapi.json"):
                    self.assertEqual(op["security"], [], path)
                    continue
                self.assertIn(op["x-scope"], ("read", "write", "admin"), (method, path))
                self.assertEqual(op["security"], [{"bearer": []}])
                self.assertTrue({"401", "429"} <= set(op["responses"]), (method, path))
                if "requestBody" in op:
                    self.assertTrue({"400", "413"} <= set(op["responses"]), (method, path))

    def test_every_error_status_uses_the_error_schema(self) -> None:
        """If an operation documents an error status, then its body is the Error object."""
        for item in self.doc["paths"].values():
            for op in item.values():
                for code, response in op["responses"].items():
                    if int(code) >= 400:
                        schema = response["content"]["application/json"]["schema"]
                        self.assertEqual(schema, {"$ref": "#/components/schemas/Error"})

    def test_read_scope_is_enough_for_read_operations(self) -> None:
        """If an operation's scope is read, then a read key is neither 401 nor 403 there."""
        secret = self.api.key("read")
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                if op.get("x-scope") == "read":
                    code = self.api.call(method.upper(), sample_path(path), token=secret).code
                    self.assertNotIn(code, (401, 403), (method, path))

    def test_document_is_json_serialisable_and_versioned(self) -> None:
        """If the document is fetched, then it is OpenAPI 3.0.3 with the package version."""
        self.assertEqual(self.doc["openapi"], "3.0.3")
        import dnsops

        self.assertEqual(self.doc["info"]["version"], dnsops.__version__)
        json.dumps(self.doc)
