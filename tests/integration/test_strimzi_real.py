"""Strimzi KafkaConnector resources against a real Connect 4.x worker: a resource applies as
the operator would send it, and `export --format strimzi` round-trips (no changes planned)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import CliRunner, write_manifest
from tests.stack.stack import Stack

pytestmark = pytest.mark.integration

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def test_apply_a_resource_then_export_it_round_trips(
    cli: CliRunner, real_stack: Stack, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    name = f"strimzi-rt-{suffix}"
    secret = f"canary-S3cr3t-{suffix}"
    source = real_stack.sink_file(f"{name}.in")
    source.write_text("a\n")
    resource = (
        "apiVersion: kafka.strimzi.io/v1\n"
        "kind: KafkaConnector\n"
        f"metadata:\n  name: {name}\n  labels:\n    strimzi.io/cluster: it\n"
        f"spec:\n  class: {SOURCE}\n  tasksMax: 1\n  state: paused\n"
        "  config:\n"
        f"    topic: {name}-topic\n"
        f"    file: {source}\n"
        "    x.octal: 0755\n"
        "    x.flag: 'on'\n"
        "    x.api.password: ${X_API_PASSWORD}\n"
        "    x.provider: ${env:HOME}\n"
    )
    path = write_manifest(tmp_path / "in", "connector.yaml", resource)
    env = {"KCONNECT_URL": real_stack.url, "X_API_PASSWORD": secret}
    try:
        applied = cli("apply", str(path), "--wait", "--timeout", "90", env=env)
        assert applied.exit_code == 0, applied.output
        assert secret not in applied.output
        live = httpx.get(f"{real_stack.url}/connectors/{name}/config", timeout=30).json()
        assert live["x.octal"] == "493"  # what kubectl + Strimzi would have sent
        assert live["x.flag"] == "on"
        assert live["tasks.max"] == "1"

        out = tmp_path / "out"
        exported = cli(
            "export", name, "--format", "strimzi", "--cluster", "it", "-d", str(out), env=env
        )
        assert exported.exit_code == 0, exported.output
        text = (out / f"{name}.yaml").read_text()
        assert secret not in text
        assert "    x.provider: ${env:HOME}\n" in text
        assert "  state: paused\n" in text
        variable = f"STRIMZI_RT_{suffix.upper()}_X_API_PASSWORD"
        plan = cli(
            "plan",
            str(out),
            "--detailed-exitcode",
            env={"KCONNECT_URL": real_stack.url, variable: secret},
        )
        assert plan.exit_code == 0, plan.output
        assert "No changes." in plan.stdout
    finally:
        httpx.delete(f"{real_stack.url}/connectors/{name}", timeout=120)
