# -*- test-case-name: tests.test_api_config -*-
"""
REST for configuration: every key, one key, and setting one (admin only).

Secret keys (C{api_token}, C{namecheap_api_key}) are write-only here: reads show a mask when
they are set, so a C{read} key cannot become an admin by reading the token.
"""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import PAGE, page
from dnsops.api.schemas import CONFIG_ITEM, obj
from dnsops.config import KEYS, check_key
from dnsops.store import config
from dnsops.store.audit import MASK

_KEY_PATH = {"key": {"type": "string", "enum": sorted(KEYS)}}
#: A value: text, or a JSON number for the numeric keys.
_VALUE = {"type": ["string", "number"]}


def _item(name: str, value: str) -> dict:
    key = KEYS[name]
    shown = MASK if key.secret and value else value
    return {"key": name, "value": shown, "default": key.default, "description": key.doc,
            "secret": key.secret}


def add_routes(api: Api) -> None:
    """Register the config endpoints."""

    @api.route("GET", "/api/config", scope="read", query=PAGE, response=page_of(CONFIG_ITEM),
               summary="Every config key with its value (secrets masked) and description")
    def list_config(call: Call) -> dict:
        items = [_item(name, value) for name, value in config.all(call.conn).items()]
        return page(items, call.query)

    @api.route("GET", "/api/config/{key}", scope="read", path_params=_KEY_PATH,
               summary="One config key (a secret's value is masked)", response=CONFIG_ITEM)
    def get_config(call: Call) -> dict:
        name = check_key(call.args["key"]).name
        return _item(name, config.get(call.conn, name))

    @api.route("PUT", "/api/config/{key}", scope="admin", path_params=_KEY_PATH,
               summary="Set one config key; takes effect within a second",
               body=obj(["value"], value=_VALUE), response=CONFIG_ITEM)
    def set_config(call: Call) -> dict:
        name = check_key(call.args["key"]).name
        value = _text(call.body["value"])
        with api.changing(call):
            before = config.get(call.conn, name)
            config.set(call.conn, name, value)
            call.change("set-config", name, before, value)
        return _item(name, value)


def _text(value: str | int | float) -> str:
    """
    A value as the config table stores it: text, as the CLI gives it.

    JSON numbers are taken for the numeric keys (C{{"value": 10}}), written as the CLI would
    write them (C{10}, not C{10.0}).
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
