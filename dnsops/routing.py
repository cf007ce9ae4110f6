# -*- test-case-name: tests.test_answer -*-
"""
Which records of an RRset a client gets: soft failover, geo preference, weighted choice.

The manual's selection algorithm, in its order: drop disabled records; if any record carries a
geo tag, keep those for the client's country, else those tagged C{default} or untagged; if any
remaining record has a weight, return one of them by weighted random choice. Pure: the caller
passes the client's address and the geo reader, so answers stay testable without a network.
"""

import random

#: Row layout shared with L{dnsops.zoneindex.index}: (ttl, rdata, weight, geo, enabled).
TTL, RDATA, WEIGHT, GEO, ENABLED = range(5)

_FALLBACK_GEO = (None, "default")


def needs_routing(rows: tuple) -> bool:
    """Whether any row is disabled, weighted or geo-tagged (the common RRset is none of these)."""
    for row in rows:
        if row[WEIGHT] or row[GEO] is not None or not row[ENABLED]:
            return True
    return False


def by_country(rows: tuple, geo) -> bool:
    """Whether L{select} picks among C{rows} by the client's country (a geo reader, geo tags)."""
    return geo is not None and any(row[ENABLED] and row[GEO] not in _FALLBACK_GEO for row in rows)


def select(rows: tuple, client: str | None, geo=None, rng=random) -> tuple[list, bool]:
    """
    Pick the rows a client is served.

    @param client: the address the country is looked up for (the EDNS Client Subnet address
        when a resolver sent one, else the source address).
    @param geo: an object with C{country(ip) -> 'GB' | None}; None skips the country lookup,
        and geo-tagged RRsets then serve their C{default} (or untagged) records.
    @param rng: the source of weighted choices (tests pass a seeded C{random.Random}).
    @return: the chosen rows, and whether the choice depended on the client or on chance (such
        answers must not be kept by the packet cache).
    """
    chosen = [row for row in rows if row[ENABLED]]
    varies = False
    if any(row[GEO] not in _FALLBACK_GEO for row in chosen):
        country = _country(geo, client)
        varies = geo is not None
        local = [row for row in chosen if country is not None and row[GEO] == country]
        fallback = [row for row in chosen if row[GEO] in _FALLBACK_GEO]
        chosen = local or fallback or chosen
    if any(row[WEIGHT] > 0 for row in chosen):
        weighted = [row for row in chosen if row[WEIGHT] > 0]
        chosen = rng.choices(weighted, weights=[row[WEIGHT] for row in weighted], k=1)
        varies = True
    return chosen, varies


def _country(geo, client: str | None) -> str | None:
    """The client's country code, or None when it is unknown or the lookup fails."""
    if geo is None or not client:
        return None
    try:
        country = geo.country(client)
    except (ValueError, TypeError):
        return None
    return country.upper() if country else None


class CountryReader:
    """
    Client address to country code, from a MaxMind (GeoLite2/GeoIP2 Country) database file.

    maxminddb is imported here, not at module level, because geo routing is optional.
    """

    def __init__(self, path: str) -> None:
        import maxminddb

        self.path = path
        self._reader = maxminddb.open_database(path)

    def country(self, ip: str) -> str | None:
        """The ISO 3166-1 code of C{ip}'s country, or None when the database does not know it."""
        record = self._reader.get(ip)
        if not isinstance(record, dict):
            return None
        for key in ("country", "registered_country"):
            code = (record.get(key) or {}).get("iso_code")
            if code:
                return code
        return None

    def close(self) -> None:
        self._reader.close()
