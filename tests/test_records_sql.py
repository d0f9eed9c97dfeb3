"""SqlRecordStore against real SQLite files and, when configured, a real PostgreSQL server.

The PostgreSQL tests need `PROMPTRUNNER_TEST_POSTGRES_URL` (see the `postgres_url` fixture).
Each test gets its own schema, dropped afterwards, so parallel runs against one server do
not collide.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from promptrunner import _logging
from promptrunner.errors import ConfigurationError
from promptrunner.records import (
    SECRET_QUERY_KEYS,
    InteractionRecord,
    RecordStoreError,
    RecordStoreNotFoundError,
    RecordWriter,
    SqlRecordStore,
    display_location,
    open_record_store,
)
from promptrunner.records._sql import TABLE_NAME

NOW = datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)


def make_record(index: int, **fields: Any) -> InteractionRecord:
    values: dict[str, Any] = {
        "recorded_at": NOW + timedelta(minutes=index),
        "step": "draft" if index % 2 == 0 else "verify",
        "model": "openai/gpt-4o-mini",
        "status": "ok",
        "latency_ms": 100.0 + index,
    }
    values.update(fields)
    return InteractionRecord(**values)


def psycopg_url(url: str) -> sa.URL:
    return sa.make_url(url).set(drivername="postgresql+psycopg")


@pytest.fixture
def sqlite_target(tmp_path: Path) -> str:
    return str(tmp_path / "records.sqlite3")


@pytest.fixture
def postgres_target(postgres_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, so the table is private to this test."""
    schema = f"promptrunner_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(psycopg_url(postgres_url))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    scoped = psycopg_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield scoped.render_as_string(hide_password=False)

    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(f"{request.param}_target")
    return value


@pytest.fixture
def store(target: str) -> Iterator[SqlRecordStore]:
    opened = SqlRecordStore(target)
    yield opened
    opened.close()


def engine_for(target: str) -> sa.Engine:
    """Build a plain engine, apart from the store, on the database that `target` names."""
    return sa.create_engine(target if "://" in target else f"sqlite:///{target}")


def inspect_table(target: str) -> tuple[bool, set[str]]:
    """Return whether the table exists and the names of its indexes."""
    engine = engine_for(target)
    try:
        inspector = sa.inspect(engine)
        if not inspector.has_table(TABLE_NAME):
            return False, set()
        return True, {str(index["name"]) for index in inspector.get_indexes(TABLE_NAME)}
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_log_limiter() -> None:
    """Let each test see its own first warning, whatever earlier tests logged."""
    _logging._limiter.reset()


def other_app_database(path: Path) -> bytes:
    """Create a SQLite database of another application, in rollback journal mode."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.execute("INSERT INTO notes VALUES ('keep me')")
    connection.commit()
    connection.close()
    return path.read_bytes()


def journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    return str(mode)


# --- Both databases ---------------------------------------------------------------------


def test_round_trip(store: SqlRecordStore) -> None:
    records = [
        make_record(
            0,
            status="failed",
            category="timeout",
            error_message="the call timed out \u2013 twice",
            input_tokens=1_200,
            output_tokens=300,
            reasoning_tokens=250,
            cost_usd=0.0123,
            attempts=2,
            requested_effort="medium",
            effective_effort="low",
            trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        ),
        make_record(1),
    ]

    store.write(records)

    assert store.query() == [records[1], records[0]]


def test_query_returns_utc_times(store: SqlRecordStore) -> None:
    local = datetime(2025, 6, 1, 17, 30, 0, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    store.write([make_record(0, recorded_at=local)])

    (record,) = store.query()

    assert record.recorded_at == local
    assert record.recorded_at.utcoffset() == timedelta(0)


def test_order_follows_utc_not_local_time(store: SqlRecordStore) -> None:
    """12:00+02:00 is earlier than 11:00Z although its wall-clock time is later."""
    earlier = make_record(
        0, step="earlier", recorded_at=datetime.fromisoformat("2025-06-01T12:00:00+02:00")
    )
    later = make_record(
        1, step="later", recorded_at=datetime.fromisoformat("2025-06-01T11:00:00+00:00")
    )
    store.write([earlier, later])

    assert [record.step for record in store.query()] == ["later", "earlier"]
    window = store.query(since=datetime.fromisoformat("2025-06-01T10:30:00+00:00"))
    assert [record.step for record in window] == ["later"]


def test_query_time_window(store: SqlRecordStore) -> None:
    store.write([make_record(index) for index in range(5)])

    window = store.query(since=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=3))

    assert [record.recorded_at for record in window] == [
        NOW + timedelta(minutes=2),
        NOW + timedelta(minutes=1),
    ]


def test_query_window_in_another_time_zone(store: SqlRecordStore) -> None:
    store.write([make_record(index) for index in range(5)])
    zone = timezone(timedelta(hours=-7))

    window = store.query(since=(NOW + timedelta(minutes=3)).astimezone(zone))

    assert len(window) == 2


def test_query_step_filter(store: SqlRecordStore) -> None:
    store.write([make_record(index) for index in range(6)])

    verify = store.query(step="verify")

    assert [record.latency_ms for record in verify] == [105.0, 103.0, 101.0]
    assert store.query(step="unknown") == []


def test_query_newest_first_and_limit(store: SqlRecordStore) -> None:
    store.write([make_record(index) for index in (3, 0, 4, 1, 2)])

    newest = store.query(limit=2)

    assert [record.latency_ms for record in newest] == [104.0, 103.0]
    assert store.query(limit=0) == []
    assert len(store.query(limit=100)) == 5


def test_equal_times_come_newest_insert_first(store: SqlRecordStore) -> None:
    store.write([make_record(0, step=f"insert-{index}", recorded_at=NOW) for index in range(3)])

    assert [record.step for record in store.query()] == ["insert-2", "insert-1", "insert-0"]


def test_query_before_first_write_creates_nothing(store: SqlRecordStore, target: str) -> None:
    assert store.query() == []

    assert inspect_table(target) == (False, set())


def test_first_write_creates_table_and_indexes(store: SqlRecordStore, target: str) -> None:
    store.write([])
    assert inspect_table(target)[0] is False

    store.write([make_record(0)])

    exists, indexes = inspect_table(target)
    assert exists
    assert indexes == {
        f"ix_{TABLE_NAME}_recorded_at",
        f"ix_{TABLE_NAME}_step_recorded_at",
    }


def test_concurrent_writers_on_a_new_database(target: str) -> None:
    """Two stores, like two processes, create the table and write at the same time."""
    stores = [SqlRecordStore(target), SqlRecordStore(target)]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def write_batches(store: SqlRecordStore, writer: int) -> None:
        start.wait()
        try:
            for batch in range(20):
                store.write(
                    [make_record(index, step=f"w{writer}-{batch}-{index}") for index in range(10)]
                )
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=write_batches, args=(store, number))
        for number, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    records = stores[0].query()
    assert len(records) == 400
    assert len({record.step for record in records}) == 400
    for store in stores:
        store.close()


def test_has_table_after_first_write(store: SqlRecordStore, target: str) -> None:
    assert store.has_table() is False

    store.write([make_record(0)])

    assert store.has_table() is True
    reader = SqlRecordStore(target, read_only=True)
    assert reader.has_table() is True
    reader.close()


def test_read_only_store_reads_and_never_writes(store: SqlRecordStore, target: str) -> None:
    store.write([make_record(0)])
    reader = SqlRecordStore(target, read_only=True)

    with pytest.raises(ConfigurationError, match="read_only"):
        reader.write([make_record(1)])

    assert reader.query() == [make_record(0)]
    reader.close()


def test_query_rejects_naive_time(store: SqlRecordStore) -> None:
    with pytest.raises(ConfigurationError, match="time zone"):
        store.query(since=datetime(2025, 6, 1))


def test_query_rejects_negative_limit(store: SqlRecordStore) -> None:
    with pytest.raises(ConfigurationError, match="limit"):
        store.query(limit=-1)


def test_store_from_engine_leaves_engine_open(target: str) -> None:
    engine = engine_for(target)
    store = SqlRecordStore(engine)

    store.write([make_record(0)])
    store.close()

    with engine.connect() as connection:
        count = connection.execute(sa.text(f"SELECT count(*) FROM {TABLE_NAME}")).scalar_one()
    assert count == 1
    engine.dispose()


# --- SQLite only ------------------------------------------------------------------------


def test_sqlite_uses_wal_mode(sqlite_target: str) -> None:
    store = open_record_store(sqlite_target)
    store.write([make_record(0)])
    store.close()

    engine = engine_for(sqlite_target)
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    engine.dispose()
    assert mode == "wal"


WRITER_PROCESS = r"""
import sys
from datetime import datetime, timezone
from promptrunner.records import InteractionRecord, open_record_store

path, name = sys.argv[1], sys.argv[2]
store = open_record_store(path)
for batch in range(20):
    store.write([
        InteractionRecord(recorded_at=datetime.now(timezone.utc), step=f"{name}-{batch}-{i}",
                          model="m", status="ok", latency_ms=1.0)
        for i in range(10)
    ])
store.close()
"""


def test_sqlite_writers_in_two_processes(sqlite_target: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER_PROCESS, sqlite_target, name],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr

    store = open_record_store(sqlite_target)
    records = store.query()
    store.close()
    assert len(records) == 400


def test_read_only_leaves_other_database_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    original = other_app_database(path)
    reader = open_record_store(path, read_only=True)

    assert reader.query() == []
    assert reader.has_table() is False
    reader.close()

    assert path.read_bytes() == original
    assert journal_mode(path) == "delete"


def test_read_only_leaves_empty_file_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    reader = open_record_store(path, read_only=True)

    assert reader.has_table() is False
    assert reader.query() == []
    reader.close()

    assert path.stat().st_size == 0
    assert sorted(tmp_path.iterdir()) == [path]


def test_read_only_does_not_create_file(tmp_path: Path) -> None:
    target = tmp_path / "records.sqlite3"

    with pytest.raises(RecordStoreNotFoundError):
        open_record_store(target, read_only=True)

    assert not target.exists()


def test_read_only_opens_unusual_file_names(tmp_path: Path) -> None:
    """The read-only URI filename escapes characters that a URI gives a meaning to."""
    path = tmp_path / "my records #1 ?%20.sqlite3"
    writer = open_record_store(path)
    writer.write([make_record(0)])
    writer.close()

    reader = open_record_store(path, read_only=True)

    assert reader.query() == [make_record(0)]
    reader.close()


def test_deleted_file_is_created_again(
    sqlite_target: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = Path(sqlite_target)
    store = open_record_store(path)
    store.write([make_record(0)])
    for file in path.parent.glob(path.name + "*"):
        file.unlink()

    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        store.write([make_record(1)])
    store.close()

    assert path.exists()
    assert open_record_store(path).query() == [make_record(1)]
    assert "was deleted or replaced" in caplog.text


def test_leftover_wal_does_not_corrupt_new_file(sqlite_target: str) -> None:
    """Only the database file is deleted, so its -wal and -shm files stay behind."""
    path = Path(sqlite_target)
    store = open_record_store(path)
    store.write([make_record(0)])
    path.unlink()

    store.write([make_record(1)])
    store.close()

    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    assert open_record_store(path).query() == [make_record(1)]


def test_replaced_file_gets_next_write(sqlite_target: str) -> None:
    path = Path(sqlite_target)
    store = open_record_store(path)
    store.write([make_record(0)])
    path.unlink()
    other = open_record_store(path)
    other.write([make_record(1)])
    other.close()

    store.write([make_record(2)])
    store.close()

    assert open_record_store(path).query() == [make_record(2), make_record(1)]


def test_deletion_seen_despite_newer_connection(sqlite_target: str) -> None:
    """A connection opened after the deletion creates a new file, and the write still notices."""
    path = Path(sqlite_target)
    store = SqlRecordStore(path)
    store.write([make_record(0)])
    path.unlink()
    with store._engine.connect(), store._engine.connect():
        pass

    store.write([make_record(1)])
    store.close()

    assert open_record_store(path).query() == [make_record(1)]


def test_deleted_folder_counts_as_failed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    writer = RecordWriter(open_record_store(folder / "records.sqlite3"), retry_delay=0.01)
    writer.submit(make_record(0))
    assert writer.flush(10)
    shutil.rmtree(folder)

    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        writer.submit(make_record(1))
        assert writer.flush(10)
    writer.close()

    assert writer.written == 1
    assert writer.failed == 1
    assert "Could not write 1 interaction record to" in caplog.text
    assert "unable to open database file" in caplog.text
    assert not folder.exists()


@pytest.mark.parametrize(
    "form",
    ["path", "pathlib", "url", "url-relative"],
)
def test_open_sqlite_forms(form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "records.sqlite3"
    targets: dict[str, str | Path] = {
        "path": str(path),
        "pathlib": path,
        "url": f"sqlite:///{path}",
        "url-relative": "sqlite:///records.sqlite3",
    }

    store = open_record_store(targets[form])
    store.write([make_record(0)])
    store.close()

    assert repr(store) == f"SqlRecordStore('sqlite:///{path}')"
    assert path.exists()


def test_relative_path_is_resolved_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_record_store("records.sqlite3")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    store.write([make_record(0)])
    store.close()

    assert (tmp_path / "records.sqlite3").exists()


def test_open_rejects_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "records.sqlite3"

    with pytest.raises(ConfigurationError, match="does not exist") as caught:
        open_record_store(target)

    assert str(target) in str(caught.value)
    assert not target.parent.exists()


def test_open_rejects_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a directory"):
        open_record_store(tmp_path)


def test_open_must_exist_does_not_create(tmp_path: Path) -> None:
    target = tmp_path / "records.sqlite3"

    with pytest.raises(RecordStoreNotFoundError, match="no records were written") as caught:
        open_record_store(target, must_exist=True)

    assert caught.value.target == str(target)
    assert not target.exists()


@pytest.mark.parametrize(
    "value",
    [
        "mysql://user@127.0.0.1:1/records",
        "http://127.0.0.1:1/records",
        "postgresql+asyncpg://user@127.0.0.1:1/records",
        "postgresql+psycopg2://user@127.0.0.1:1/records",
        "sqlite+aiosqlite:///records.sqlite3",
        "sqlite://",
        "sqlite:///:memory:",
        ":memory:",
        " :memory: ",
        "   ",
        "postgresql://",
        "postgresql://user@127.0.0.1:1",
    ],
)
def test_open_rejects_unsupported_targets(value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_record_store(value)

    message = str(caught.value)
    assert "postgresql://" in message
    assert "sqlite:///" in message
    if value.strip():
        assert value.strip().split("://")[0] in message


def test_plain_memory_path_creates_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    for target in (":memory:", Path(":memory:")):
        with pytest.raises(ConfigurationError, match="in-memory"):
            open_record_store(target)

    assert list(tmp_path.iterdir()) == []


def test_password_never_shown(closed_port: int) -> None:
    url = f"postgresql://records:s3cret-pw@127.0.0.1:{closed_port}/records"

    store = open_record_store(url)
    with pytest.raises(RecordStoreError) as caught:
        store.query()
    with pytest.raises(ConfigurationError) as unsupported:
        open_record_store(url.replace("postgresql", "mysql"))

    for text in (repr(store), str(caught.value), str(unsupported.value)):
        assert "s3cret-pw" not in text
        assert "***" in text


def test_password_in_query_never_shown(closed_port: int, caplog: pytest.LogCaptureFixture) -> None:
    url = (
        f"postgresql://records:userinfo-pw@127.0.0.1:{closed_port}/records"
        f"?password=query-pw&sslpassword=key-pw&application_name=reports"
    )
    store = open_record_store(url)
    writer = RecordWriter(open_record_store(url), write_attempts=1)

    with pytest.raises(RecordStoreError) as reading:
        store.query()
    with pytest.raises(ConfigurationError) as unsupported:
        open_record_store(url.replace("postgresql", "mysql"))
    with caplog.at_level(logging.WARNING, logger="promptrunner.records"):
        writer.submit(make_record(0))
        assert writer.flush(30)
    writer.close()

    assert writer.failed == 1
    texts = [repr(store), store.location, str(reading.value), str(unsupported.value), caplog.text]
    for text in texts:
        for secret in ("userinfo-pw", "query-pw", "key-pw"):
            assert secret not in text
    assert store.location.endswith("?application_name=reports&password=***&sslpassword=***")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "postgresql://app:pw@db.internal/app?password=qs&sslmode=require",
            "postgresql://app:***@db.internal/app?password=***&sslmode=require",
        ),
        (
            "postgresql://app@db.internal/app?PASSWORD=qs",
            "postgresql://app@db.internal/app?PASSWORD=***",
        ),
        (
            "postgresql://app@db.internal/app?sslpassword=k%26y",
            "postgresql://app@db.internal/app?sslpassword=***",
        ),
        (
            "postgres://app@db.internal/app?passfile=/etc/pgpass",
            "postgres://app@db.internal/app?passfile=/etc/pgpass",
        ),
        ("sqlite:////var/lib/app/records.sqlite3", "sqlite:////var/lib/app/records.sqlite3"),
        ("not a url://x:y@z?password=1", "not a url://x:***@z?password=***"),
    ],
)
def test_display_location_hides_secrets(target: str, expected: str) -> None:
    assert display_location(target) == expected


def test_display_location_makes_paths_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert display_location("records.sqlite3") == str(tmp_path / "records.sqlite3")
    assert display_location(Path("sub") / "r.sqlite3") == str(tmp_path / "sub" / "r.sqlite3")


def test_every_secret_query_key_is_hidden() -> None:
    for key in SECRET_QUERY_KEYS:
        location = display_location(f"postgresql://app@db.internal/app?{key}=hunter2&port=5432")

        assert location == f"postgresql://app@db.internal/app?{key}=***&port=5432"


def test_missing_psycopg_is_configuration_error(
    closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)

    with pytest.raises(ConfigurationError) as caught:
        open_record_store(f"postgresql://records:s3cret@127.0.0.1:{closed_port}/records")

    message = str(caught.value)
    assert "psycopg 3" in message
    assert "pip install 'promptrunner[postgres]'" in message
    assert f"postgresql+psycopg://records:***@127.0.0.1:{closed_port}/records" in message
    assert "s3cret" not in message
    assert isinstance(caught.value.__cause__, ImportError)


def test_bare_postgresql_url_uses_psycopg(closed_port: int) -> None:
    for scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        store = open_record_store(f"{scheme}://records@127.0.0.1:{closed_port}/records")

        assert repr(store).startswith("SqlRecordStore('postgresql+psycopg://")


def test_unreachable_postgresql_is_one_line_error(closed_port: int) -> None:
    store = open_record_store(f"postgresql://records@127.0.0.1:{closed_port}/records")

    with pytest.raises(RecordStoreError) as reading:
        store.query()
    with pytest.raises(RecordStoreError) as writing:
        store.write([make_record(0)])

    assert str(reading.value).startswith("Could not read records from postgresql+psycopg://")
    assert str(writing.value).startswith("Could not write 1 record to postgresql+psycopg://")
    for error in (reading.value, writing.value):
        assert "\n" not in str(error)
        assert f"port {closed_port}" in str(error)


# --- PostgreSQL only ----------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_stores_timestamptz(postgres_target: str) -> None:
    store = open_record_store(postgres_target)
    store.write([make_record(0)])
    store.close()

    engine = engine_for(postgres_target)
    columns = {
        column["name"]: column["type"] for column in sa.inspect(engine).get_columns(TABLE_NAME)
    }
    engine.dispose()
    recorded_at = columns["recorded_at"]
    assert isinstance(recorded_at, sa.DateTime)
    assert recorded_at.timezone is True
