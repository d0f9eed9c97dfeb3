"""Interaction records: one row per run, written off the event loop to SQLite or PostgreSQL.

`InteractionRecord.from_result` builds a record from a finished run, a `RecordWriter`
writes records in batches on a background thread, and a `RecordStore` keeps them.
`display_location` renders a store's path or URL with its secrets hidden.
`SqlRecordStore` and `open_record_store` load on first use (PEP 562), so importing this
package does not import SQLAlchemy; opening a store does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from promptrunner.records._location import SECRET_QUERY_KEYS, display_location
from promptrunner.records._record import MAX_ERROR_MESSAGE_CHARS, InteractionRecord
from promptrunner.records._store import (
    DEFAULT_RECORD_STORE,
    RECORD_STORE_ENV,
    RecordStore,
    RecordStoreError,
    RecordStoreNotFoundError,
)
from promptrunner.records._summary import RecordSummary, summarize
from promptrunner.records._writer import RecordWriter

if TYPE_CHECKING:
    from promptrunner.records._sql import SqlRecordStore, open_record_store

__all__ = [
    "DEFAULT_RECORD_STORE",
    "MAX_ERROR_MESSAGE_CHARS",
    "RECORD_STORE_ENV",
    "SECRET_QUERY_KEYS",
    "InteractionRecord",
    "RecordStore",
    "RecordStoreError",
    "RecordStoreNotFoundError",
    "RecordSummary",
    "RecordWriter",
    "SqlRecordStore",
    "display_location",
    "open_record_store",
    "summarize",
]

_SQL_EXPORTS = frozenset({"SqlRecordStore", "open_record_store"})


def __getattr__(name: str) -> Any:
    if name not in _SQL_EXPORTS:
        raise AttributeError(f"module 'promptrunner.records' has no attribute {name!r}")
    value = getattr(importlib.import_module("promptrunner.records._sql"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SQL_EXPORTS])
