"""SqlRecordStore: interaction records in one SQL table, on SQLite or PostgreSQL.

Built on SQLAlchemy 2 Core. SQLite goes through the standard library driver and
PostgreSQL through psycopg 3. Importing this module imports SQLAlchemy, so the package
loads it only when a store is opened.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex, CreateTable

from promptrunner._checks import is_whole_number
from promptrunner._logging import log_rate_limited
from promptrunner._model import summarize_validation_error
from promptrunner.errors import ConfigurationError
from promptrunner.records._engine import (
    POSTGRES_CONNECT_TIMEOUT,
    SQLITE_BUSY_TIMEOUT,
    check_dialect,
    create_engine,
    database_url,
    display_url,
)
from promptrunner.records._location import hide_secrets
from promptrunner.records._record import InteractionRecord
from promptrunner.records._store import RecordStoreError

__all__ = [
    "POSTGRES_CONNECT_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT",
    "TABLE_NAME",
    "SqlRecordStore",
    "open_record_store",
]

logger = logging.getLogger("promptrunner.records")

TABLE_NAME = "promptrunner_interactions"

_SCHEMA_LOCK_KEY = 0x7072_5F72_6563_6F72
"""PostgreSQL advisory lock key that serializes creating the table across processes."""

_MAX_REASON_CHARS = 500
"""Maximum length of a database error's text inside a `RecordStoreError` message."""


class _UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC and read back in UTC.

    PostgreSQL stores it as `timestamp with time zone`. SQLite has no such type, so the
    UTC wall time is stored as ISO text, which sorts and compares in time order.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.astimezone(timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


_metadata = sa.MetaData()

_table = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("recorded_at", _UtcDateTime, nullable=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("error_message", sa.Text),
    sa.Column("latency_ms", sa.Double, nullable=False),
    sa.Column("input_tokens", sa.BigInteger, nullable=False),
    sa.Column("output_tokens", sa.BigInteger, nullable=False),
    sa.Column("reasoning_tokens", sa.BigInteger, nullable=False),
    sa.Column("cost_usd", sa.Double),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("requested_effort", sa.Text),
    sa.Column("effective_effort", sa.Text),
    sa.Column("trace_id", sa.String(32)),
    sa.Index(f"ix_{TABLE_NAME}_recorded_at", "recorded_at"),
    sa.Index(f"ix_{TABLE_NAME}_step_recorded_at", "step", "recorded_at"),
)

_record_columns = [_table.c[name] for name in InteractionRecord.model_fields]


class SqlRecordStore:
    """Interaction records in the `promptrunner_interactions` table of one database.

    `url_or_engine` is a SQLite file path, a `sqlite:///PATH` URL, a `postgresql://` or
    `postgresql+psycopg://` URL, or a SQLAlchemy `Engine` for SQLite or PostgreSQL. A
    store built from a path or URL owns its engine and disposes of it in `close`. An
    engine passed in is used as it is and stays open.

    The table and its indexes are created by the first `write` and never by `query`, so
    a reader needs no CREATE privilege. With `must_exist=True`, a missing SQLite file
    raises `RecordStoreNotFoundError` instead of being created. With `read_only=True`,
    the store never changes the database: a SQLite file must exist and is opened in
    SQLite's read-only mode without the switch to WAL, and `write` raises
    `ConfigurationError`. An engine passed in keeps its own connections, so there
    `read_only` only makes `write` raise. Database failures raise `RecordStoreError`,
    whose message hides the password and secret query values.

    A store that owns a SQLite file checks before each write that the file is still
    the one it opened. When the file was deleted or replaced, the store disposes of its
    connections, so the write creates a new file and table instead of going to a file
    that no longer has a name.
    """

    def __init__(
        self,
        url_or_engine: str | os.PathLike[str] | URL | Engine,
        *,
        must_exist: bool = False,
        read_only: bool = False,
    ) -> None:
        self._sqlite_path: Path | None = None
        self._file_id: tuple[int, int] | None = None
        self.read_only = read_only
        """Read-only mode, in which `write` raises `ConfigurationError`."""

        if isinstance(url_or_engine, Engine):
            check_dialect(url_or_engine.url)
            self._engine = url_or_engine
            self._owns_engine = False
        else:
            url = database_url(url_or_engine, must_exist=must_exist or read_only)
            self._engine = create_engine(url, read_only=read_only)
            self._owns_engine = True
            if url.get_backend_name() == "sqlite" and not read_only:
                assert url.database is not None  # _database_url rejects in-memory databases.
                self._sqlite_path = Path(url.database)
                sa.event.listen(self._engine, "connect", self._remember_sqlite_file)

        self.location = display_url(self._engine.url)
        """The database URL, with the password and secret query values hidden."""
        self._table_ready = False

    def __repr__(self) -> str:
        return f"SqlRecordStore({self.location!r})"

    def write(self, records: Sequence[InteractionRecord]) -> None:
        """Insert the records in one transaction with one executemany statement.

        Raises `ConfigurationError` on a store opened with `read_only=True`.
        """
        if self.read_only:
            raise ConfigurationError(
                f"Cannot write to {self.location} because the store was opened with "
                f"read_only=True. Open it without read_only to write records."
            )
        if not records:
            return
        rows = [record.model_dump() for record in records]

        try:
            self._restart_if_file_replaced()
            self._prepare_table(create=True)
            with self._engine.begin() as connection:
                connection.execute(_table.insert(), rows)
        except SQLAlchemyError as error:
            raise self._store_error(f"write {_count(len(rows), 'record')} to", error) from error

    def query(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        step: str | None = None,
        limit: int | None = None,
    ) -> list[InteractionRecord]:
        """Return the records with `since <= recorded_at < until`, newest first.

        Returns an empty list when the table does not exist yet. Raises
        `ConfigurationError` for a time without a time zone or a negative limit.
        """
        _check_query(since, until, limit)
        statement = sa.select(*_record_columns).order_by(
            _table.c.recorded_at.desc(), _table.c.id.desc()
        )
        if since is not None:
            statement = statement.where(_table.c.recorded_at >= since)
        if until is not None:
            statement = statement.where(_table.c.recorded_at < until)
        if step is not None:
            statement = statement.where(_table.c.step == step)
        if limit is not None:
            statement = statement.limit(limit)

        try:
            if not self._prepare_table(create=False):
                return []
            with self._engine.connect() as connection:
                rows = connection.execute(statement).mappings().all()
        except SQLAlchemyError as error:
            raise self._store_error("read records from", error) from error

        try:
            return [InteractionRecord.model_validate(dict(row)) for row in rows]
        except (ValidationError, ConfigurationError) as error:
            reason = (
                summarize_validation_error(error)
                if isinstance(error, ValidationError)
                else str(error)
            )
            raise RecordStoreError(
                f"{TABLE_NAME} in {self.location} contains an invalid row ({reason}); "
                f"fix or delete that row."
            ) from error

    def has_table(self) -> bool:
        """Tell whether the `promptrunner_interactions` table exists, without creating it.

        Raises `RecordStoreError` when the database cannot be reached.
        """
        try:
            return self._prepare_table(create=False)
        except SQLAlchemyError as error:
            raise self._store_error(f"look up the {TABLE_NAME} table in", error) from error

    def close(self) -> None:
        """Dispose of the engine's connections if this store created the engine."""
        if self._owns_engine:
            self._engine.dispose()

    def _prepare_table(self, *, create: bool) -> bool:
        """Return whether the table exists, after creating it when `create` is true."""
        if self._table_ready:
            return True

        with self._engine.begin() as connection:
            exists = sa.inspect(connection).has_table(TABLE_NAME)
            if not exists and create:
                _create_table(connection)
                exists = True

        self._table_ready = exists
        return exists

    def _remember_sqlite_file(self, _dbapi_connection: Any, _record: object) -> None:
        # SQLite has just opened (or created) the file. Only the first connection since
        # the last restart counts: a later one may have created a new file after the old
        # one was deleted, while older pooled connections still write to the old one.
        if self._file_id is None and self._sqlite_path is not None:
            self._file_id = _file_id(self._sqlite_path)

    def _restart_if_file_replaced(self) -> None:
        """Dispose of the connections when the SQLite file is gone or is another file.

        SQLite keeps writing to a deleted file through the descriptors it holds, so
        records written after a deletion would vanish with the last connection. One
        `stat` per batch finds that out.
        """
        if self._sqlite_path is None or self._file_id is None:
            return
        if _file_id(self._sqlite_path) == self._file_id:
            return

        log_rate_limited(
            logger,
            logging.WARNING,
            "The SQLite file %s was deleted or replaced while %r was open; writing to a "
            "new file at that path",
            self._sqlite_path,
            self,
        )
        self._file_id = None
        self._table_ready = False
        self._engine.dispose()

    def _store_error(self, action: str, error: SQLAlchemyError) -> RecordStoreError:
        return RecordStoreError(f"Could not {action} {self.location}: {_describe(error)}")


def open_record_store(
    target: str | os.PathLike[str], *, must_exist: bool = False, read_only: bool = False
) -> SqlRecordStore:
    """Open the store that `target` names, without connecting yet.

    A filesystem path or a `sqlite:///PATH` URL opens a SQLite file, and its directory
    must exist. A `postgresql://` or `postgresql+psycopg://` URL opens PostgreSQL through
    psycopg 3. Anything else raises `ConfigurationError`, and so does a PostgreSQL URL
    when psycopg cannot be imported. With `must_exist=True` or `read_only=True`, a
    missing SQLite file raises `RecordStoreNotFoundError` and is not created. A store
    opened with `read_only=True` never changes the database (see `SqlRecordStore`).
    """
    return SqlRecordStore(target, must_exist=must_exist, read_only=read_only)


def _create_table(connection: sa.Connection) -> None:
    """Create the table and indexes unless they exist, safe when processes race."""
    if connection.dialect.name == "postgresql":
        # Sessions that run CREATE TABLE IF NOT EXISTS at the same moment can still fail
        # (UniqueViolation on pg_type_typname_nsp_index, or DuplicateTable, seen on
        # PostgreSQL 15), so they take turns. The lock is released when the transaction ends.
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
    connection.execute(CreateTable(_table, if_not_exists=True))
    for index in _table.indexes:
        connection.execute(CreateIndex(index, if_not_exists=True))


def _check_query(since: datetime | None, until: datetime | None, limit: int | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.utcoffset() is None:
            raise ConfigurationError(
                f"query {name}={value.isoformat()} has no time zone; pass an aware datetime "
                f"such as datetime.now(timezone.utc)."
            )
    if limit is not None and not (is_whole_number(limit) and limit >= 0):
        raise ConfigurationError(f"query limit must be a whole number of 0 or more, got {limit!r}.")


def _describe(error: SQLAlchemyError) -> str:
    """Return the driver's message for a database error on one line, bounded in length."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = ""
    for line in str(cause).splitlines():
        line = " ".join(line.split())
        if line and text:
            # psycopg puts its advice on a second line, which becomes a sentence of its own.
            text += (" " if text[-1] in ".?!:;" else ". ") + line
        elif line:
            text = line
    text = text or type(cause).__name__
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1] + "\u2026"
    return hide_secrets(text)


def _file_id(path: Path) -> tuple[int, int] | None:
    """Return the device and inode numbers of the file at `path`, or None when it is missing."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
