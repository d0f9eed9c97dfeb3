"""Opening a record database: store targets as URLs, and engines for SQLite and PostgreSQL.

SQLite goes through the standard library driver, in WAL mode with a busy timeout so that
several processes can write one file. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.exc import ArgumentError
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_fixed

from promptrunner.errors import ConfigurationError
from promptrunner.records._location import hide_secrets
from promptrunner.records._store import RecordStoreNotFoundError

__all__ = [
    "ACCEPTED_FORMS",
    "POSTGRES_CONNECT_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT",
    "check_dialect",
    "create_engine",
    "database_url",
    "display_url",
]

SQLITE_BUSY_TIMEOUT = 10.0
"""Maximum seconds a SQLite statement waits for another connection's write lock.

SQLite lets one connection write at a time, so writers in other threads or processes
wait in turn. A write that still finds the file locked after this long fails.
"""

POSTGRES_CONNECT_TIMEOUT = 10
"""Maximum seconds to wait for a PostgreSQL connection, unless the URL sets `connect_timeout`."""

_WAL_SWITCH_RETRY_DELAY = 0.05
"""Seconds between two tries to switch a new SQLite file to WAL mode while it is busy."""

_SQLITE_BUSY_CODES = frozenset({5, 6})
"""SQLITE_BUSY and SQLITE_LOCKED, the primary result codes of a locked database."""

ACCEPTED_FORMS = (
    "give a SQLite file path, a sqlite:///PATH URL, or a postgresql://USER@HOST/DATABASE URL"
)

_IN_MEMORY = ":memory:"


def create_engine(url: URL, *, read_only: bool) -> Engine:
    """Build the engine for a URL from `database_url`, opened read-only if asked."""
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, read_only=read_only)

    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT
    try:
        # SQLAlchemy imports the driver here, not on the first connection.
        return sa.create_engine(
            url, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True
        )
    except ImportError as error:
        raise ConfigurationError(
            f"Cannot open the record store {display_url(url)}: PostgreSQL record stores "
            f"need psycopg 3, which could not be imported ({error}). Install it with "
            f"pip install 'promptrunner[postgres]'."
        ) from error


def _create_sqlite_engine(url: URL, *, read_only: bool) -> Engine:
    engine = sa.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, hide_parameters=True
    )
    if not read_only:
        sa.event.listen(engine, "connect", _configure_sqlite_connection)
        return engine

    # SQLite's read-only mode is only available through a URI filename. The engine keeps
    # the plain URL, so the location reads as the path.
    assert url.database is not None
    read_only_uri = f"{Path(url.database).as_uri()}?mode=ro"

    def open_read_only(
        _dialect: Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        cargs[:] = [read_only_uri]
        cparams["uri"] = True

    sa.event.listen(engine, "do_connect", open_read_only)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers work while one process writes. synchronous=NORMAL is safe in WAL
    # mode: a crash of the process loses nothing, but a power loss may lose the last commits.
    cursor = dbapi_connection.cursor()
    try:
        retrying = Retrying(
            stop=stop_after_delay(SQLITE_BUSY_TIMEOUT),
            wait=wait_fixed(_WAL_SWITCH_RETRY_DELAY),
            retry=retry_if_exception(_is_sqlite_busy),
            reraise=True,
        )
        retrying(_enable_wal, cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    # WAL mode is stored in the file, so only the first connection to a new file switches.
    # The switch needs an exclusive lock, and SQLite reports a busy file at once instead
    # of waiting for the busy timeout, so the caller retries.
    (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
    if str(mode).lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")


def _is_sqlite_busy(error: BaseException) -> bool:
    if not isinstance(error, sqlite3.OperationalError):
        return False
    # NOTE: Python 3.10 has no sqlite_errorcode, so there every OperationalError of the
    # switch is retried until SQLITE_BUSY_TIMEOUT.
    code = getattr(error, "sqlite_errorcode", None)
    return code is None or code & 0xFF in _SQLITE_BUSY_CODES


def database_url(target: str | os.PathLike[str] | URL, *, must_exist: bool) -> URL:
    """Turn a path or URL into a SQLAlchemy URL for the SQLite or psycopg driver."""
    if isinstance(target, os.PathLike):
        return _sqlite_url(Path(os.fspath(target)), must_exist=must_exist)
    if isinstance(target, URL):
        url, redacted = target, display_url(target)
    elif not isinstance(target, str):
        raise ConfigurationError(
            f"Invalid record store {target!r} of type {type(target).__name__}; {ACCEPTED_FORMS}."
        )
    elif not target.strip():
        raise ConfigurationError(f"The record store is empty; {ACCEPTED_FORMS}.")
    elif "://" not in target:
        return _sqlite_url(Path(target.strip()).expanduser(), must_exist=must_exist)
    else:
        redacted = hide_secrets(target.strip())
        try:
            url = sa.make_url(target.strip())
        except ArgumentError as error:
            raise ConfigurationError(
                f"Invalid record store URL {redacted!r}; {ACCEPTED_FORMS}."
            ) from error

    backend = url.get_backend_name()
    if backend == "sqlite" and url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == _IN_MEMORY or "mode" in url.query:
            raise _in_memory_error(redacted)
        return _sqlite_url(Path(url.database).expanduser(), must_exist=must_exist)
    if backend in ("postgresql", "postgres") and url.drivername in (
        "postgresql",
        "postgres",
        "postgresql+psycopg",
    ):
        if not url.database:
            # libpq would fill in a database from its defaults, so records could land in
            # a database that no reader is pointed at.
            raise ConfigurationError(
                f"The record store URL {redacted!r} names no database; {ACCEPTED_FORMS}."
            )
        return url.set(drivername="postgresql+psycopg")

    raise ConfigurationError(
        f"Unsupported record store {redacted!r}; {ACCEPTED_FORMS} (PostgreSQL goes through "
        f"psycopg 3)."
    )


def _sqlite_url(path: Path, *, must_exist: bool) -> URL:
    # sqlite3.connect(":memory:") is an in-memory database, but through SQLAlchemy the
    # same path would create a file named ":memory:".
    if str(path) == _IN_MEMORY:
        raise _in_memory_error(_IN_MEMORY)
    path = path.absolute()
    if path.is_dir():
        raise ConfigurationError(
            f"The record store {path} is a directory; give the path of a SQLite file in it, "
            f"such as {path / 'promptrunner-records.sqlite3'}."
        )
    if must_exist and not path.exists():
        raise RecordStoreNotFoundError(
            f"No record store at {path}: the file does not exist, so no records were "
            f"written there yet.",
            str(path),
        )
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"Cannot create the record store {path}: the directory {path.parent} does not "
            f"exist. Create it, or choose a file in an existing directory."
        )
    return URL.create("sqlite", database=str(path))


def _in_memory_error(location: str) -> ConfigurationError:
    return ConfigurationError(
        f"Invalid record store {location!r}: an in-memory SQLite database is lost when the "
        f"process ends; {ACCEPTED_FORMS}."
    )


def check_dialect(url: URL) -> None:
    """Raise `ConfigurationError` unless the URL is for SQLite or PostgreSQL."""
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"SqlRecordStore supports SQLite and PostgreSQL engines, got one for "
            f"{display_url(url)!r}; {ACCEPTED_FORMS}."
        )


def display_url(url: URL) -> str:
    """Render a URL for messages, with its password and secret query values hidden."""
    return hide_secrets(url.render_as_string(hide_password=True))
