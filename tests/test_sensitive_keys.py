"""`sensitive_keys:` in a manifest (as Terraform's `config_sensitive`): those config keys are
secrets whatever their name or type — masked in every plan output, digested in saved plans,
their values registered so that nothing prints them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kconnect.errors import ManifestError
from kconnect.manifests.loader import load_manifests
from tests.conftest import CliRunner, write_manifest
from tests.fakeconnect import FakeConnect

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
CANARY = "canary-route-XYZ"


def _manifest(topic: str, sensitive: str = "  - topic\n") -> str:
    return (
        f"name: src\nsensitive_keys:\n{sensitive}config:\n  connector.class: {SOURCE}\n"
        f"  topic: {topic}\n  file: /tmp/src.txt\n"
    )


def test_a_sensitive_key_is_masked_in_every_plan_output(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    fake.add_connector(
        "src", {"connector.class": SOURCE, "topic": f"{CANARY}-old", "file": "/tmp/src.txt"}
    )
    write_manifest(tmp_path, "src.yaml", _manifest(CANARY))
    env = {"KCONNECT_URL": fake.url}
    for args in ((), ("-o", "json"), ("-o", "markdown")):
        result = cli("plan", str(tmp_path), *args, env=env)
        assert result.exit_code == 0, result.output
        assert CANARY not in result.output, args
    data = cli("plan", str(tmp_path), "-o", "json", env=env).json["data"]
    [change] = data["changes"]
    [key] = change["keys"]
    assert key["key"] == "topic"
    assert key["secret"] is True
    saved = tmp_path / "plan.json"
    assert cli("plan", str(tmp_path), "--out", str(saved), env=env).exit_code == 0
    assert CANARY not in saved.read_text()
    applied = cli("apply", "--plan", str(saved), "--yes", env=env)
    assert applied.exit_code == 0, applied.output
    assert CANARY not in applied.output
    assert fake.connector_config("src")["topic"] == CANARY


def test_without_sensitive_keys_the_same_value_shows(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """The masking above is the key's doing: `topic` is not a secret by name or type."""
    fake.add_connector(
        "src", {"connector.class": SOURCE, "topic": f"{CANARY}-old", "file": "/tmp/src.txt"}
    )
    plain = f"name: src\nconfig:\n  connector.class: {SOURCE}\n  topic: {CANARY}\n"
    write_manifest(tmp_path, "src.yaml", plain + "  file: /tmp/src.txt\n")
    result = cli("plan", str(tmp_path), env={"KCONNECT_URL": fake.url})
    assert CANARY in result.stdout


@pytest.mark.parametrize(
    ("sensitive", "message"),
    [
        ("  topic\n", "sensitive_keys must be a list of config keys"),
        ("  - ''\n", "each entry of sensitive_keys must be a non-empty string"),
        ("  - {a: b}\n", "each entry of sensitive_keys must be a non-empty string"),
        ("  - '*route*'\n", "sensitive_keys lists exact config keys, and '*route*' looks like"),
    ],
)
def test_bad_sensitive_keys_are_errors_at_their_line(
    tmp_path: Path, sensitive: str, message: str
) -> None:
    text = _manifest("t", sensitive=sensitive).replace(
        "sensitive_keys:\n  topic\n", "sensitive_keys: topic\n"
    )
    write_manifest(tmp_path, "src.yaml", text)
    with pytest.raises(ManifestError) as raised:
        load_manifests([str(tmp_path)], {})
    messages = [f"{p.location.line}: {p.message}" for p in raised.value.problems]
    assert any(message in m and m.startswith(("2:", "3:")) for m in messages), messages


def test_a_saved_plan_whose_secret_keys_changed_is_stale_and_says_why(
    cli: CliRunner, fake: FakeConnect, tmp_path: Path
) -> None:
    """kconnect.yaml stops calling `topic` sensitive between review and apply: the fingerprint
    differs (a secret is digested), so nothing is written, and the cluster is not blamed."""
    fake.add_connector(
        "src", {"connector.class": SOURCE, "topic": f"{CANARY}-old", "file": "/tmp/src.txt"}
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / "kconnect.yaml").write_text("sensitive_keys: [topic]\n")
    folder = tmp_path / "connectors.d"
    write_manifest(folder, "src.yaml", _manifest(CANARY, sensitive=""))
    text = (folder / "src.yaml").read_text().replace("sensitive_keys:\n", "")
    (folder / "src.yaml").write_text(text)
    env = {"KCONNECT_URL": fake.url}
    saved = tmp_path / "plan.json"
    assert cli("plan", str(folder), "--out", str(saved), env=env).exit_code == 0
    (tmp_path / "kconnect.yaml").unlink()
    fake.clear_requests()
    result = cli("apply", "--plan", str(saved), "--yes", env=env)
    assert result.exit_code == 1, result.output
    assert (
        "src: the keys kept secret (sensitive_keys, PASSWORD-typed keys) are not those of the "
        "plan" in result.stderr
    )
    assert "changed on the cluster" not in result.stderr
    assert CANARY not in result.output
    assert fake.writes() == []
