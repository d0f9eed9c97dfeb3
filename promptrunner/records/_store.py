"""The record store contract, its errors, and where the default store lives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from promptrunner.errors import ConfigurationError, PromptRunnerError
from promptrunner.records._record import InteractionRecord

__all__ = [
    "DEFAULT_RECORD_STORE",
    "RECORD_STORE_ENV",
    "RecordStore",
    "RecordStoreError",
    "RecordStoreNotFoundError",
]

DEFAULT_RECORD_STORE = "promptrunner-records.sqlite3"
"""The default store: a SQLite file of this name in the current directory."""

RECORD_STORE_ENV = "PROMPTRUNNER_RECORD_STORE"
"""The environment variable that names the store (a file path or a database URL)."""


class RecordStoreError(PromptRunnerError):
    """A store could not read or write records, for example because the server is down."""


class RecordStoreNotFoundError(ConfigurationError):
    """A store that must already exist is missing. `target` is the path that was given."""

    def __init__(self, message: str, target: str) -> None:
        super().__init__(message)
        self.target = target


@runtime_checkable
class RecordStore(Protocol):
    """The storage of interaction records, written by a `RecordWriter` and read by queries.

    The methods are synchronous because `RecordWriter` calls them on its own thread,
    never on the event loop. An implementation must allow `write` and `query` to be
    called from different threads. It should raise `RecordStoreError` for failures,
    although the writer counts and logs any exception.
    """

    def write(self, records: Sequence[InteractionRecord]) -> None:
        """Store a batch of records, all or none of them."""
        ...

    def query(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        step: str | None = None,
        limit: int | None = None,
    ) -> list[InteractionRecord]:
        """Return the records with `since <= recorded_at < until`, newest first.

        `None` leaves a bound open. `step` keeps only that step, and `limit` caps the
        number of records returned.
        """
        ...

    def close(self) -> None:
        """Release connections and files. The store is not used afterwards."""
        ...
