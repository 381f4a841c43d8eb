"""What a real worker echoes is redacted: a failed task's trace that quotes a config value, and
a validate error that quotes a value (twice). The canary matrix (tests/test_secrets_canary.py)
covers every command against the fake; this checks the fake's echoes are not wishful."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import CliRunner, write_manifest
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

URL_PW = "Url\\pw%é'QxRealUrlQx"
JAAS = "Ja\\as%é(.*)QxRealJaasQx"
REGEX_PW = "Rx\\%é'QxRealRxQx"


def _assert_clean(where: str, text: str) -> None:
    for canary in (URL_PW, JAAS, REGEX_PW):
        tail = canary[canary.index("Qx") :]
        for form in {canary, json.dumps(canary)[1:-1], repr(canary)[1:-1], tail}:
            assert form not in text, f"{where}: {form!r} leaked:\n{text}"


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def test_real_worker_trace_and_validate_error_are_redacted(
    cli: CliRunner, real_stack: Stack, tmp_path: Path
) -> None:
    sink = f"redact-{uuid.uuid4().hex[:8]}"
    env = {"KCONNECT_URL": real_stack.url}
    # FileStreamSinkTask fails with "Couldn't find or create file '<file>'": the value quoted
    write_manifest(
        tmp_path / "failing",
        "sink.yaml",
        f"name: {sink}\nconfig:\n"
        "  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector\n"
        f"  tasks.max: 1\n  topics: {sink}\n"
        f"  file: {_quoted(f'/nonexistent-dir/jdbc:mysql://app:{URL_PW}@db/x')}\n"
        "  consumer.override.sasl.jaas.config: "
        + _quoted(
            f'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="{JAAS}";'
        )
        + "\n",
    )
    # A class-typed key naming a class the worker does not have: offline validation cannot know
    # which third-party classes a worker holds, so only the worker refuses it, with "Invalid value
    # <class> for configuration value.converter: Class <class> could not be found", the value twice
    write_manifest(
        tmp_path / "invalid",
        "sink.yaml",
        f"name: {sink}-v\nconfig:\n"
        "  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector\n"
        f"  tasks.max: 1\n  topics: {sink}-v\n"
        f"  value.converter: {_quoted(f'http://u:{REGEX_PW}@h')}\n"
        f"  file: /tmp/{sink}.txt\n",
    )
    try:
        applied = cli("apply", str(tmp_path / "failing"), "--wait", "--timeout", "60", env=env)
        assert applied.exit_code == 3, applied.output
        assert (
            "Couldn't find or create file '/nonexistent-dir/jdbc:mysql://app:********@db/x'"
            in applied.stdout
        )
        runs = {"apply --wait": applied}
        for mode in ("text", "json"):
            runs[f"status -o {mode}"] = cli("status", sink, "-o", mode, env=env)
            runs[f"describe -o {mode} -vv"] = cli("describe", sink, "-o", mode, "-vv", env=env)
            runs[f"plan --online -o {mode}"] = cli(
                "plan", "--online", str(tmp_path / "invalid"), "-o", mode, env=env
            )
        for where, result in runs.items():
            assert "Traceback" not in result.output, (where, result.output)
            _assert_clean(where, result.output)
        assert runs["status -o json"].exit_code == 3
        invalid = runs["plan --online -o text"]
        assert invalid.exit_code == 1
        assert (
            "Invalid value http://u:********@h for configuration value.converter" in invalid.output
        ), invalid.output
    finally:
        httpx.delete(f"{real_stack.url}/connectors/{sink}", timeout=30)
