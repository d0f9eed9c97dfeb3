"""`promptrunner run`, `simulate` and `demo` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from promptrunner.cli import cli
from promptrunner.records import SqlRecordStore
from promptrunner.simulator import ProviderSimulator
from tests.test_litellm_transport import SCENARIO_OUTCOMES, scenario_budget


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def run_args(simulator: ProviderSimulator, model: str, *extra: str) -> list[str]:
    return [
        "run",
        "--api-base",
        simulator.api_base,
        "--api-key",
        "sk-cli-test",
        "--model",
        f"openai/{model}",
        "--max-output-tokens",
        "64",
        *extra,
    ]


@pytest.mark.parametrize(("model", "status", "category"), SCENARIO_OUTCOMES)
def test_cli_run_json_scenario(
    provider_simulator: ProviderSimulator, model: str, status: object, category: object
) -> None:
    budget = str(scenario_budget(model))
    result = invoke(
        *run_args(provider_simulator, model, "--budget", budget, "--output", "json"),
        "--chain",
        "none",
        "Hello there",
    )

    output = json.loads(result.stdout)
    assert output["outcome"]["status"] == getattr(status, "value", status)
    assert output["outcome"]["category"] == getattr(category, "value", category)
    assert result.exit_code == (0 if output["outcome"]["status"] != "failed" else 1)
    for key in ("text", "data", "finish_reason", "usage", "attempts", "outcome"):
        assert key in output
    assert "message" in output["outcome"]


def test_cli_run_text_prints_answer(provider_simulator: ProviderSimulator) -> None:
    result = invoke(*run_args(provider_simulator, "sim-ok"), "Hello there")

    assert result.exit_code == 0
    assert result.stdout == "Simulated answer to: Hello there\n"
    assert result.stderr == ""


def test_cli_run_failure_one_line_with_hint(provider_simulator: ProviderSimulator) -> None:
    result = invoke(*run_args(provider_simulator, "sim-truncate"), "Hello there")

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: failed (truncated)")
    assert "--max-output-tokens" in result.stderr


def test_cli_run_reads_stdin(provider_simulator: ProviderSimulator) -> None:
    result = invoke(*run_args(provider_simulator, "sim-ok"), input="From stdin\n")

    assert result.exit_code == 0
    assert "From stdin" in result.stdout


def test_cli_run_reads_file(provider_simulator: ProviderSimulator, tmp_path: Path) -> None:
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("From a file", encoding="utf-8")

    result = invoke(*run_args(provider_simulator, "sim-ok", "-f", str(prompt_file)))

    assert result.exit_code == 0
    assert "From a file" in result.stdout


def test_cli_run_sends_flags(provider_simulator: ProviderSimulator) -> None:
    result = invoke(
        *run_args(
            provider_simulator, "sim-ok", "--system", "Be brief.", "--reasoning-effort", "low"
        ),
        "Hello there",
    )

    assert result.exit_code == 0
    body = provider_simulator.requests[0].body
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["reasoning_effort"] == "low"
    assert body["max_tokens"] == 64


def test_cli_run_unreachable_api_base(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = invoke(
        "run",
        "--api-base",
        f"http://127.0.0.1:{port}/v1",
        "--api-key",
        "sk",
        "--model",
        "openai/sim-ok",
        "--budget",
        "5",
        "Hello",
    )

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "(network)" in result.stderr
    assert "--api-base" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--model", "openai/sim-ok", "--budget", "abc", "Hi"], "'abc' is not a valid float"),
        (["--model", "openai/sim-ok", "--budget", "0", "Hi"], "--budget"),
        (["--model", "openai/sim-ok", "--max-output-tokens", "0", "Hi"], "--max-output-tokens"),
        (["--model", "openai/sim-ok", "--reasoning-effort", "huge", "Hi"], "--reasoning-effort"),
        (["--model", "openai/sim-ok", "--output", "xml", "Hi"], "--output"),
        (["--model", "openai/sim-ok", "   "], "prompt is empty"),
        (["--model", "bad model", "Hi"], "no spaces"),
        (["--model", "no-such-model-xyz", "--api-key", "k", "Hi"], "prefix the provider"),
        (["--model", "openai/sim-ok", "Hi"], "OPENAI_API_KEY"),
        (
            ["--model", "openai/sim-ok", "--api-base", "localhost:1", "--api-key", "k", "Hi"],
            "api_base",
        ),
        (["Hi"], "--model"),
    ],
)
def test_cli_run_bad_usage_exit_2(args: list[str], expected: str) -> None:
    result = invoke("run", *args)

    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stdout == ""


def test_cli_run_prompt_and_file_rejected(tmp_path: Path) -> None:
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("x", encoding="utf-8")

    result = invoke("run", "--model", "openai/sim-ok", "-f", str(prompt_file), "Hi")

    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_cli_simulate_rejects_non_loopback_host() -> None:
    result = invoke("simulate", "--host", "0.0.0.0")

    assert result.exit_code == 2
    assert "loopback" in result.stderr


def test_cli_simulate_rejects_bad_script(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text('{"models": {"m": []}}', encoding="utf-8")

    result = invoke("simulate", "--script", str(script))

    assert result.exit_code == 2
    assert "'m'" in result.stderr


def cli_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def test_cli_process_hang_budget_2(provider_simulator: ProviderSimulator) -> None:
    """A real process: a hanging provider with --budget 2 fails as a timeout within 2.2 s."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "promptrunner",
            *run_args(provider_simulator, "sim-hang"),
            "--budget",
            "2",
            "--output",
            "json",
            "Hello",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_environment(),
        check=False,
    )

    output = json.loads(completed.stdout)
    assert completed.returncode == 1
    assert output["outcome"]["status"] == "failed"
    assert output["outcome"]["category"] == "timeout"
    assert output["duration"] < 2.2
    assert completed.stderr.count("\n") == 1


def test_cli_process_demo_runs(tmp_path: Path) -> None:
    environment = cli_environment()
    environment.pop("PROMPTRUNNER_RECORD_STORE", None)
    completed = subprocess.run(
        [sys.executable, "-m", "promptrunner", "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
        cwd=tmp_path,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "Classification(category='billing')" in completed.stdout
    assert "retried" in completed.stdout
    assert "retry_skipped" in completed.stdout
    assert "second_attempt" in completed.stdout
    reply = completed.stdout.split("Reply to send:")[1]
    assert "\u2014" not in reply
    assert "book a call at https://cal.example.com/acme/support. Best" in reply
    assert completed.stderr == ""

    spans_file = tmp_path / "promptrunner-demo-spans.jsonl"
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    assert f"Spans: {len(spans)} in one trace, appended to {spans_file}." in completed.stdout
    assert len({span["context"]["trace_id"] for span in spans}) == 1
    names = {span["name"] for span in spans}
    assert {"pipeline support-reply", "run classify", "chat demo-classifier"} <= names

    records_file = tmp_path / "promptrunner-records.sqlite3"
    assert f"Records: 4 written to {records_file}; list them with:" in completed.stdout
    steps = [record.step for record in SqlRecordStore(records_file).query()]
    assert sorted(steps) == ["classify", "draft", "summarize", "verify"]


def test_cli_run_schema_prints_data(provider_simulator: ProviderSimulator) -> None:
    result = invoke(
        *run_args(provider_simulator, "sim-json-fence"),
        "--schema",
        "tests.cli_schemas:SimAnswer",
        "--output",
        "json",
        "Hello there",
    )

    output = json.loads(result.stdout)
    assert result.exit_code == 0
    assert output["data"]["confidence"] == 0.9
    assert output["data"]["answer"].startswith("Simulated answer")


def test_cli_run_fallback_model_degraded(provider_simulator: ProviderSimulator) -> None:
    result = invoke(
        *run_args(provider_simulator, "sim-server-error"),
        "--fallback-model",
        "openai/sim-ok",
        "--output",
        "json",
        "Hello there",
    )

    output = json.loads(result.stdout)
    assert result.exit_code == 0
    assert output["outcome"]["status"] == "degraded"
    assert output["model"] == "openai/sim-ok"
    assert "warning: degraded" in result.stderr


def test_cli_run_post_process_and_booking(provider_simulator: ProviderSimulator) -> None:
    with ProviderSimulator(
        script={
            "models": {
                "dash": [
                    {
                        "scenario": "ok",
                        "content": "Yes—book at https://cal.example.com/x?utm_source=a.",
                    }
                ]
            }
        }
    ) as simulator:
        result = invoke(
            *run_args(simulator, "dash"),
            "--post-process",
            "em-dashes",
            "--booking-url",
            "https://cal.example.com/acme/intro",
            "Hello there",
        )

    assert result.exit_code == 0
    assert result.stdout == "Yes, book at https://cal.example.com/acme/intro.\n"


def test_cli_run_step_file(provider_simulator: ProviderSimulator, tmp_path: Path) -> None:
    step = tmp_path / "step.json"
    step.write_text(
        json.dumps(
            {
                "model": "openai/sim-json-prose",
                "system": "Answer in JSON.",
                "schema": "tests.cli_schemas:SimAnswer",
                "input_budget": 2000,
                "max_output_tokens": 100,
            }
        ),
        encoding="utf-8",
    )

    result = invoke(
        "run",
        "--api-base",
        provider_simulator.api_base,
        "--api-key",
        "sk-cli-test",
        "--step",
        str(step),
        "--output",
        "json",
        "Hello there",
    )

    output = json.loads(result.stdout)
    assert result.exit_code == 0
    assert output["data"]["confidence"] == 0.9
    assert provider_simulator.requests[0].body["max_tokens"] == 100
    assert provider_simulator.requests[0].body["messages"][0]["content"] == "Answer in JSON."


def test_cli_run_flag_overrides_step(provider_simulator: ProviderSimulator, tmp_path: Path) -> None:
    step = tmp_path / "step.json"
    step.write_text(json.dumps({"model": "openai/sim-server-error"}), encoding="utf-8")

    result = invoke(*run_args(provider_simulator, "sim-ok"), "--step", str(step), "Hello there")

    assert result.exit_code == 0
    assert provider_simulator.requests[0].model == "sim-ok"


def test_cli_run_chain_none_skips_middleware(provider_simulator: ProviderSimulator) -> None:
    result = invoke(
        *run_args(provider_simulator, "sim-reset+sim-ok"), "--chain", "none", "Hello there"
    )

    assert result.exit_code == 1
    assert len(provider_simulator.requests) == 1


def test_cli_run_standard_chain_retries(provider_simulator: ProviderSimulator) -> None:
    result = invoke(*run_args(provider_simulator, "sim-reset+sim-ok"), "Hello there")

    assert result.exit_code == 0
    assert len(provider_simulator.requests) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"colour": "red"}', "colour"),
        ('{"post_processors": ["nope"]}', "Unknown post-processor"),
        ('{"schema": "nomodule_xyz:Thing"}', "Could not import"),
        ('{"schema": "tests.cli_schemas"}', "package.module:ClassName"),
    ],
)
def test_cli_run_bad_step_file(tmp_path: Path, content: str, expected: str) -> None:
    step = tmp_path / "step.json"
    step.write_text(content, encoding="utf-8")

    result = invoke("run", "--model", "openai/sim-ok", "--step", str(step), "Hi")

    assert result.exit_code == 2
    assert expected in result.stderr


def test_cli_usage_error_is_one_line() -> None:
    result = invoke("run", "--model", "openai/sim-ok", "--budget", "abc", "Hi")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert "--help" in result.stderr


def test_cli_process_usage_error_one_line() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "promptrunner",
            "run",
            "--model",
            "openai/x",
            "--budget",
            "-1",
            "Hi",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_environment(),
        check=False,
    )

    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1
    assert completed.stdout == ""


@pytest.mark.parametrize("budget", ["inf", "nan"])
def test_cli_budget_not_finite_rejected(budget: str) -> None:
    result = invoke("run", "--model", "openai/sim-ok", "--budget", budget, "Hi")

    assert result.exit_code == 2
    assert "budget" in result.stderr


def test_cli_timeout_infinite_rejected() -> None:
    result = invoke("run", "--model", "openai/sim-ok", "--api-key", "k", "--timeout", "inf", "Hi")

    assert result.exit_code == 2
    assert "timeout" in result.stderr


def test_cli_stdin_not_utf8_rejected() -> None:
    result = CliRunner().invoke(
        cli, ["run", "--model", "openai/sim-ok"], input=b"abc \xff\xfe def", catch_exceptions=False
    )

    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_cli_file_dash_reads_stdin(provider_simulator: ProviderSimulator) -> None:
    result = invoke(*run_args(provider_simulator, "sim-ok", "-f", "-"), input="From a dash\n")

    assert result.exit_code == 0
    assert "From a dash" in result.stdout


def test_cli_unknown_provider_prefix() -> None:
    result = invoke("run", "--model", "nosuchprovider/foo", "--api-key", "k", "Hi")

    assert result.exit_code == 2
    assert "'nosuchprovider' is not a provider" in result.stderr


def test_cli_demo_unwritable_spans_file(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "spans.jsonl"

    completed = subprocess.run(
        [sys.executable, "-m", "promptrunner", "demo", "--spans", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_environment(),
        cwd=tmp_path,
        check=False,
    )

    assert completed.returncode == 2
    assert completed.stderr.startswith("error: Invalid value for '--spans': cannot write spans")
    assert "pick a writable file or '-'" in completed.stderr
    assert not (tmp_path / "promptrunner-records.sqlite3").exists()


def test_cli_demo_bad_records_store(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "records.sqlite3"

    completed = subprocess.run(
        [sys.executable, "-m", "promptrunner", "demo", "--records", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_environment(),
        cwd=tmp_path,
        check=False,
    )

    assert completed.returncode == 2
    assert completed.stderr.startswith("error: Invalid value for '--records':")
    assert completed.stderr.count("\n") == 1
    assert "Loading litellm" not in completed.stdout


def test_cli_demo_hides_store_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql://postgres:secretpw@127.0.0.1:1/test?password=querysecret"

    result = invoke("demo", "--records", url)

    assert result.exit_code == 0
    assert "secretpw" not in result.output
    assert "querysecret" not in result.output
    assert "Records: none written to postgresql://postgres:***@127.0.0.1:1/test" in result.output
    assert "(4 could not be written)." in result.output
