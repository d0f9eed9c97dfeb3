"""`promptrunner interactions` as a user runs it, against real SQLite files."""

from __future__ import annotations

import importlib
import json
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from promptrunner.cli import cli
from promptrunner.cli.interactions import parse_time
from promptrunner.records import InteractionRecord, open_record_store

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

# The module, not the command of the same name that promptrunner.cli exports.
interactions_module = importlib.import_module("promptrunner.cli.interactions")


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["interactions", *args], env=env, catch_exceptions=False)


def ago(**delta: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**delta)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A SQLite store with five records: four in the last hour and one two days old."""
    path = tmp_path / "records.sqlite3"
    records = [
        InteractionRecord(
            recorded_at=ago(minutes=5),
            step="draft",
            model="openai/gpt-4o-mini",
            status="ok",
            latency_ms=812.4,
            input_tokens=1_200,
            output_tokens=340,
            reasoning_tokens=120,
            cost_usd=0.0021,
            attempts=1,
            requested_effort="medium",
            effective_effort="low",
            trace_id=TRACE_ID,
        ),
        InteractionRecord(
            recorded_at=ago(minutes=10),
            step="verify",
            model="openai/o4-mini",
            status="failed",
            category="timeout",
            error_message="the call timed out after 30 s",
            latency_ms=30_050.0,
            attempts=2,
        ),
        InteractionRecord(
            recorded_at=ago(minutes=20),
            step="verify",
            model="openai/o4-mini",
            status="degraded",
            category="invalid_output",
            error_message="prose instead of JSON",
            latency_ms=2_300.0,
            attempts=1,
        ),
        InteractionRecord(
            recorded_at=ago(minutes=40),
            step="draft",
            model="openai/gpt-4o-mini",
            status="ok",
            latency_ms=640.0,
            attempts=1,
        ),
        InteractionRecord(
            recorded_at=ago(days=2),
            step="draft",
            model="openai/gpt-4o-mini",
            status="ok",
            latency_ms=500.0,
            attempts=1,
        ),
    ]
    store = open_record_store(path)
    store.write(records)
    store.close()
    return path


def json_output(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


# --- Output -------------------------------------------------------------------------------


def test_table_lists_records_and_summary(store_path: Path) -> None:
    result = invoke("--store", str(store_path))

    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "time",
        "(UTC)",
        "step",
        "model",
        "status",
        "latency",
        "ms",
        "tokens",
        "in/out",
        "attempts",
        "effort",
        "trace",
        "id",
    ]
    assert "draft" in lines[1]
    assert "medium->low" in lines[1]
    assert TRACE_ID in lines[1]
    assert "1,200/340" in lines[1]
    assert "failed (timeout)" in lines[2]
    assert "30,050" in lines[2]
    assert "degraded (invalid_output)" in lines[3]
    assert "4 records from" in result.stdout
    assert "ok 2, degraded 1, failed 1" in result.stdout
    assert "timeout 1, invalid_output 1" in result.stdout
    assert "max 30,050" in result.stdout
    assert "$0.0021 (3 records without cost)" in result.stdout


def test_table_columns_are_aligned(store_path: Path) -> None:
    result = invoke("--store", str(store_path))

    table = result.stdout.split("\n\n")[0].splitlines()
    step_column = table[0].index("step")
    assert all(line[step_column - 2 : step_column] == "  " for line in table)
    assert {line[step_column : step_column + 5].strip() for line in table[1:]} <= {
        "draft",
        "verif",
    }


def test_json_output(store_path: Path) -> None:
    document = json_output(invoke("--store", str(store_path), "--output", "json"))

    assert set(document) == {"records", "summary"}
    records = document["records"]
    assert [record["step"] for record in records] == ["draft", "verify", "verify", "draft"]
    assert records[0]["trace_id"] == TRACE_ID
    assert records[0]["recorded_at"].endswith("Z")
    assert records[1]["error_message"] == "the call timed out after 30 s"
    summary = document["summary"]
    assert summary["total"] == 4
    assert summary["by_status"] == {"ok": 2, "degraded": 1, "failed": 1}
    assert summary["latency_max_ms"] == 30_050.0


def test_limit_lists_fewer_but_summarizes_all(store_path: Path) -> None:
    document = json_output(invoke("--store", str(store_path), "--output", "json", "--limit", "1"))

    assert len(document["records"]) == 1
    assert document["summary"]["total"] == 4


def test_limit_zero_prints_summary_only(store_path: Path) -> None:
    result = invoke("--store", str(store_path), "--limit", "0")

    assert result.exit_code == 0
    assert "time (UTC)" not in result.stdout
    assert result.stdout.startswith("4 records from")


def test_step_filter(store_path: Path) -> None:
    document = json_output(
        invoke("--store", str(store_path), "--output", "json", "--step", "verify")
    )

    assert {record["step"] for record in document["records"]} == {"verify"}
    assert document["summary"]["total"] == 2


def test_one_record_reads_singular(store_path: Path) -> None:
    result = invoke("--store", str(store_path), "--since", "7m")

    assert "1 record from" in result.stdout
    assert "(1 record without cost)" not in result.stdout


def test_summary_cut_is_reported(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interactions_module, "SUMMARY_MAX_RECORDS", 3)

    result = invoke("--store", str(store_path), "--output", "json")

    document = json.loads(result.stdout)
    assert document["summary"]["total"] == 3
    assert result.stderr.startswith("note: the summary covers only the newest 3 records")


def test_empty_window(store_path: Path) -> None:
    result = invoke("--store", str(store_path), "--since", "1m")

    assert result.exit_code == 0
    assert result.stdout == "No interaction records in this time window.\n"
    document = json_output(invoke("--store", str(store_path), "--since", "1m", "--output", "json"))
    assert document["records"] == []
    assert document["summary"]["total"] == 0


# --- Time window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "total"),
    [("15m", 2), ("30m", 3), ("1h", 4), ("0.5h", 3), ("7d", 5), ("24h", 4)],
)
def test_since_durations(store_path: Path, since: str, total: int) -> None:
    document = json_output(invoke("--store", str(store_path), "--output", "json", "--since", since))

    assert document["summary"]["total"] == total


def test_since_and_until_as_iso_times(store_path: Path) -> None:
    since = ago(minutes=30).isoformat()
    until = ago(minutes=8).strftime("%Y-%m-%dT%H:%M:%SZ")

    document = json_output(
        invoke("--store", str(store_path), "--output", "json", "--since", since, "--until", until)
    )

    assert [record["status"] for record in document["records"]] == ["failed", "degraded"]


def test_until_as_duration(store_path: Path) -> None:
    document = json_output(
        invoke("--store", str(store_path), "--output", "json", "--since", "7d", "--until", "1h")
    )

    assert document["summary"]["total"] == 1


@pytest.mark.parametrize("value", ["yesterday", "5x", "-1h", "1 hour", "2025-13-01", "h", ""])
def test_invalid_since_is_usage_error(store_path: Path, value: str) -> None:
    result = invoke("--store", str(store_path), "--since", value)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: Invalid value for '--since'")
    assert result.stderr.count("\n") == 1
    assert "15m" in result.stderr


def test_since_after_until_is_usage_error(store_path: Path) -> None:
    result = invoke("--store", str(store_path), "--since", "1h", "--until", "2h")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: --since must be earlier than --until, got --since ")
    assert " UTC (see '" in result.stderr
    assert ")." not in result.stderr


def test_limit_above_maximum_is_usage_error(store_path: Path) -> None:
    result = invoke("--store", str(store_path), "--limit", "1001")

    assert result.exit_code == 2
    assert "--limit" in result.stderr


NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30s", NOW - timedelta(seconds=30)),
        ("15m", NOW - timedelta(minutes=15)),
        ("1h", NOW - timedelta(hours=1)),
        ("1.5h", NOW - timedelta(minutes=90)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        (" 2h ", NOW - timedelta(hours=2)),
        ("2025-05-31T08:00:00Z", datetime(2025, 5, 31, 8, 0, tzinfo=timezone.utc)),
        ("2025-05-31T10:00:00+02:00", datetime(2025, 5, 31, 8, 0, tzinfo=timezone.utc)),
        ("2025-05-31T08:00", datetime(2025, 5, 31, 8, 0, tzinfo=timezone.utc)),
        ("2025-05-31", datetime(2025, 5, 31, tzinfo=timezone.utc)),
    ],
)
def test_parse_time(value: str, expected: datetime) -> None:
    parsed = parse_time(value, NOW)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["1y", "10 minutes", "now", "-5m", "2025-02-30"])
def test_parse_time_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_time(value, NOW)


def test_parse_time_rejects_huge_duration() -> None:
    with pytest.raises(ValueError, match="before the year 1"):
        parse_time("99999999999w", NOW)


# --- Store selection and errors -------------------------------------------------------------


def test_store_from_environment(store_path: Path) -> None:
    document = json_output(
        invoke("--output", "json", env={"PROMPTRUNNER_RECORD_STORE": str(store_path)})
    )

    assert document["summary"]["total"] == 4


def test_sqlite_url_store(store_path: Path) -> None:
    document = json_output(invoke("--store", f"sqlite:///{store_path}", "--output", "json"))

    assert document["summary"]["total"] == 4


def test_missing_default_store_is_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMPTRUNNER_RECORD_STORE", raising=False)

    result = invoke()

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: No record store at ")
    assert str(tmp_path / "promptrunner-records.sqlite3") in result.stderr
    assert "no records were written there yet" in result.stderr
    assert "--store" in result.stderr
    assert "PROMPTRUNNER_RECORD_STORE" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_clear_error(tmp_path: Path) -> None:
    result = invoke("--store", str(tmp_path / "nowhere" / "records.sqlite3"))

    assert result.exit_code == 1
    assert "No record store at" in result.stderr
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "value", ["mysql://reader:s3cret@127.0.0.1:1/records", "redis://127.0.0.1:6379/0"]
)
def test_unsupported_store_url_is_usage_error(value: str) -> None:
    result = invoke("--store", value)

    assert result.exit_code == 2
    assert result.stderr.startswith("error: Invalid --store: Unsupported record store")
    assert result.stderr.count("\n") == 1
    assert "postgresql://" in result.stderr
    assert "s3cret" not in result.stderr
    assert ". (see" not in result.stderr


def test_memory_path_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    result = invoke("--store", ":memory:")

    assert result.exit_code == 2
    assert "in-memory SQLite database" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_store_without_table_is_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    original = path.read_bytes()

    result = invoke("--store", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: No record store at {path}: it has no ")
    assert "promptrunner_interactions table" in result.stderr
    assert "--store" in result.stderr
    assert path.read_bytes() == original
    assert sorted(tmp_path.iterdir()) == [path]
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()


def test_empty_file_is_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite3"
    path.touch()

    table = invoke("--store", str(path))
    document = invoke("--store", str(path), "--output", "json")

    for result in (table, document):
        assert result.exit_code == 1
        assert "it has no promptrunner_interactions table" in result.stderr
    assert path.stat().st_size == 0
    assert sorted(tmp_path.iterdir()) == [path]


@pytest.fixture
def empty_postgres_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    schema = f"promptrunner_test_{uuid.uuid4().hex[:16]}"
    url = sa.make_url(postgres_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )

    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_postgresql_without_table_is_clear_error(empty_postgres_schema: str) -> None:
    result = invoke("--store", empty_postgres_schema)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: No record store at postgresql+psycopg://")
    assert "it has no promptrunner_interactions table" in result.stderr


def test_password_in_query_never_shown(closed_port: int) -> None:
    url = f"postgresql://reader@127.0.0.1:{closed_port}/records?password=qs-s3cret"

    result = invoke("--store", url)

    assert result.exit_code == 1
    assert "qs-s3cret" not in result.stderr
    assert "password=***" in result.stderr


def test_missing_psycopg_is_one_line(closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)

    result = invoke("--store", f"postgresql://reader:s3cret@127.0.0.1:{closed_port}/records")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "need psycopg 3" in result.stderr
    assert "pip install 'promptrunner[postgres]'" in result.stderr
    assert "s3cret" not in result.stderr
    assert "(see" not in result.stderr


def test_unreachable_postgresql_is_one_line(closed_port: int) -> None:
    result = invoke("--store", f"postgresql://reader:s3cret@127.0.0.1:{closed_port}/records")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: Could not read records from postgresql+psycopg://")
    assert f"port {closed_port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr


def test_help_lists_options() -> None:
    result = invoke("--help")

    assert result.exit_code == 0
    for option in ("--store", "--since", "--until", "--step", "--limit", "--output"):
        assert option in result.stdout
    assert "PROMPTRUNNER_RECORD_STORE" in result.stdout
