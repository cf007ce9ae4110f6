# -*- test-case-name: tests.test_follower -*-
"""
Keeping the in-memory zones in step with the database, which other processes change.

SQLite tells a connection when anyone else committed (C{PRAGMA data_version}), which costs
microseconds, so the follower asks four times a second. When something changed it compares
each zone's generation (bumped once per committed change) with the one it serves, reads only
the zones that differ, and builds them in a thread so queries keep being answered; the
finished zone is swapped in on the reactor thread in one assignment. The same poll picks up
configuration changes and control requests (e.g. C{flush-cache}) from the CLI.
"""

from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from dnsops.store import db
from dnsops.zoneindex.index import ZoneIndex, build_zone

_log = Logger()

_RECORDS = (
    "SELECT name, type, ttl, rdata, weight, geo, enabled FROM records WHERE zone_id = ?"
    " ORDER BY name, type"
)


class ZoneFollower(Service):
    """
    Poll the database and keep a L{ZoneIndex} equal to its zones.

    @ivar on_config: called with the stored config values (a dict) at load and whenever they
        change.
    @ivar on_control: called with each new control command (e.g. C{flush-cache}), once; the
        request is marked done when it is read.
    @ivar loaded: whether L{load_now} has run, i.e. every zone is being served.
    """

    def __init__(
        self,
        db_path: str,
        index: ZoneIndex,
        clock=None,
        interval: float = 0.25,
        on_config=None,
        on_control=None,
        run_in_thread=None,
    ) -> None:
        """
        @param clock: schedules the polls; the global reactor when None.
        @param run_in_thread: C{f(*args) -> Deferred}, runs the slow reads off the reactor
            thread; C{deferToThread} when None.
        """
        if clock is None:
            from twisted.internet import reactor as clock
        if run_in_thread is None:
            from twisted.internet.threads import deferToThread as run_in_thread
        self.db_path = db_path
        self.index = index
        self.clock = clock
        self.interval = interval
        self.on_config = on_config
        self.on_control = on_control
        self.run_in_thread = run_in_thread
        self.loaded = False
        self._conn = None
        self._reader = None
        self._data_version = None
        self._served: dict[str, tuple[int, int]] = {}
        self._config: dict | None = None
        self._busy: defer.Deferred | None = None
        self._loop: LoopingCall | None = None

    def startService(self) -> None:
        """Load every zone before anything else starts, then poll every C{interval} seconds."""
        super().startService()
        if not self.loaded:
            self.load_now()
        self._loop = LoopingCall(self.poll)
        self._loop.clock = self.clock
        self._loop.start(self.interval, now=False).addErrback(
            lambda failure: _log.failure("zone follower stopped", failure)
        )

    def stopService(self):
        """Stop polling; the returned Deferred fires once a reload in flight has finished."""
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None
        busy = self._busy or defer.succeed(None)
        return busy.addBoth(lambda _: self._close())

    def load_now(self) -> None:
        """
        Read the whole database into the index, here and now (blocking).

        The service calls this before it starts the listeners, so the first query is answered
        from complete data rather than REFUSED or NXDOMAIN.
        """
        plan = self._plan()
        if plan is not None:
            self._swap(self._read(plan))
        self.loaded = True

    def poll(self) -> defer.Deferred | None:
        """
        One look at the database: if anything changed, start a reload of what changed.

        @return: the Deferred of the reload started, if any (tests wait on it).
        """
        if self._busy is not None:
            return None
        try:
            plan = self._plan()
        except Exception:
            _log.failure("reading the zone list failed")
            return None
        if plan is None:
            return None
        busy = self.run_in_thread(self._read, plan)
        busy.addCallback(self._swap)
        busy.addErrback(lambda failure: _log.failure("reloading zones failed", failure))
        busy.addBoth(self._idle)
        self._busy = busy if not busy.called else None
        return busy

    def _idle(self, result):
        self._busy = None
        return result

    def _plan(self) -> tuple | None:
        """
        On the reactor thread: what changed since the last look (cheap reads only).

        Deleted zones are dropped and config changes delivered here; zones to build and
        pending control requests are returned for the thread.
        """
        conn = self._connection()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return None
        self._data_version = version
        current = {name: (zone_id, generation) for zone_id, name, generation in conn.execute(
            "SELECT id, name, generation FROM zones"
        )}
        for name in list(self._served):
            if name not in current:
                del self._served[name]
                self.index.remove(name)
        self._deliver_config(dict(conn.execute("SELECT key, value FROM config").fetchall()))
        stale = [
            (zone_id, name)
            for name, (zone_id, generation) in current.items()
            if self._served.get(name) != (zone_id, generation) or self.index.get(name) is None
        ]
        control = conn.execute("SELECT 1 FROM control WHERE done = 0 LIMIT 1").fetchone()
        if not stale and control is None:
            return None
        return stale, control is not None

    def _read(self, plan: tuple) -> tuple[list, list]:
        """
        Off the reactor thread: build the stale zones and claim the pending control requests.

        Each zone is read in one read transaction, so its generation and rows agree. Rows come
        in name order (the records index gives it for free), so the build can share unchanged
        names with the version being replaced.
        """
        stale, control = plan
        conn = self._thread_connection()
        zones = []
        for zone_id, name in stale:
            conn.execute("BEGIN")
            try:
                row = conn.execute(
                    "SELECT generation FROM zones WHERE id = ?", (zone_id,)
                ).fetchone()
                if row is not None:
                    zone = build_zone(
                        name, row[0], conn.execute(_RECORDS, (zone_id,)), self.index.get(name)
                    )
                    zones.append((zone_id, zone))
            finally:
                conn.execute("COMMIT")
        commands = self._claim_control(conn) if control else []
        return zones, commands

    def _claim_control(self, conn) -> list[str]:
        """Read the pending control commands and mark them done, in one write transaction."""
        with db.transaction(conn):
            pending = conn.execute(
                "SELECT id, command FROM control WHERE done = 0 ORDER BY id"
            ).fetchall()
            conn.executemany(
                "UPDATE control SET done = 1 WHERE id = ?", [(row[0],) for row in pending]
            )
        return [row[1] for row in pending]

    def _swap(self, result: tuple[list, list]) -> None:
        """On the reactor thread: serve the new zones, then act on the control requests."""
        zones, commands = result
        for zone_id, zone in zones:
            self.index.replace(zone)
            self._served[zone.name] = (zone_id, zone.generation)
        for command in commands:
            if self.on_control is None:
                continue
            try:
                self.on_control(command)
            except Exception:
                _log.failure("control command {command!r} failed", command=command)

    def _deliver_config(self, values: dict) -> None:
        if values == self._config:
            return
        self._config = values
        if self.on_config is not None:
            try:
                self.on_config(dict(values))
            except Exception:
                _log.failure("applying configuration failed")

    def _connection(self):
        if self._conn is None:
            self._conn = db.connect(self.db_path)
            self._conn.row_factory = None
        return self._conn

    def _thread_connection(self):
        if self._reader is None:
            self._reader = db.connect(self.db_path)
            self._reader.row_factory = None
        return self._reader

    def _close(self) -> None:
        for conn in (self._conn, self._reader):
            if conn is not None:
                conn.close()
        self._conn = self._reader = None
        self._data_version = None
