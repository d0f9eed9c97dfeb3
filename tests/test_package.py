"""The package as a whole: what importing it does, and what it exports."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import promptrunner

AUDIT_IMPORT = r"""
import json, sys
events = []
def hook(event, args):
    if event.startswith("socket."):
        events.append(event)
sys.addaudithook(hook)
import promptrunner
providers = ("litellm", "openai", "httpx", "aiohttp", "tiktoken")
heavy = [name for name in providers if name in sys.modules]
print(json.dumps({"socket_events": events, "heavy": heavy}))
"""

AUDIT_TRANSPORT = r"""
import json, os, sys
events = []
def hook(event, args):
    if event == "socket.connect":
        events.append(repr(args[1]))
    if event == "socket.getaddrinfo":
        events.append(repr(args[0]))
sys.addaudithook(hook)
from promptrunner import LiteLLMTransport
LiteLLMTransport(api_key="sk-test")
import tiktoken
tiktoken.get_encoding("o200k_base").encode("hello")
tiktoken.get_encoding("cl100k_base").encode("hello")
print(json.dumps({
    "events": events,
    "cost_map_local": os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP"),
    "tiktoken_dir": os.environ.get("TIKTOKEN_CACHE_DIR"),
}))
"""


def clean_environment() -> dict[str, str]:
    removed = ("LITELLM_LOCAL_MODEL_COST_MAP", "TIKTOKEN_CACHE_DIR", "CUSTOM_TIKTOKEN_CACHE_DIR")
    return {key: value for key, value in os.environ.items() if key not in removed}


def run_python(code: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env=clean_environment(),
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_import_opens_no_socket() -> None:
    report = run_python(AUDIT_IMPORT)

    assert report["socket_events"] == []


def test_import_loads_no_provider_stack() -> None:
    report = run_python(AUDIT_IMPORT)

    assert report["heavy"] == []


def test_transport_construction_stays_offline() -> None:
    """Loading litellm and tiktoken's encodings sends nothing off the machine."""
    report = run_python(AUDIT_TRANSPORT)

    assert report["events"] == []
    assert report["cost_map_local"] == "True"
    assert str(report["tiktoken_dir"]).endswith("tokenizers")


def test_transport_construction_prints_nothing(tmp_path: Path) -> None:
    """An application logging at DEBUG gets litellm's records in its log, not on stdout."""
    log_file = tmp_path / "app.log"
    code = (
        "import logging\n"
        f"logging.basicConfig(level=logging.DEBUG, filename={str(log_file)!r})\n"
        "from promptrunner import LiteLLMTransport\n"
        "LiteLLMTransport(api_base='http://127.0.0.1:9/v1', api_key='sk-quiet-test')\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env=clean_environment(),
        check=True,
    )

    assert completed.stdout == ""
    assert completed.stderr == ""
    assert "promptrunner.transport.litellm" in log_file.read_text()


def test_package_all_is_complete() -> None:
    for name in promptrunner.__all__:
        assert getattr(promptrunner, name) is not None, name


def test_public_modules_export_what_they_define() -> None:
    for module_info in pkgutil.walk_packages(promptrunner.__path__, "promptrunner."):
        if module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module_info.name} has no __all__"
        for name in exported:
            assert hasattr(module, name), f"{module_info.name}.__all__ names missing {name}"


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        promptrunner.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
