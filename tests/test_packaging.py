"""The built wheel carries the JSON Schemas, so an installed kconnect validates without the repo."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_schemas_and_validates_outside_the_repo(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("kconnect-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    repo_schemas = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").rglob("*.json")
    )
    assert repo_schemas, "no schemas in the repository"
    for schema in repo_schemas:
        assert f"kconnect/{schema}" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    bad = tmp_path / "work" / "es.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "name: es\nconfig:\n  connector.class: io.confluent.connect.elasticsearch.ElasticsearchSinkConnector\n"
        "  topics: t\n  behavior.on.null.values: sometimes\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "kconnect", "validate", str(bad)],
        cwd=bad.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    # Schema checks ran from the installed copy: the required key and the enum are reported.
    assert "connection.url" in done.stdout
    assert "behavior.on.null.values" in done.stdout
    located = subprocess.run(
        [sys.executable, "-c", "import kconnect.catalogs as s; print(s.schema_dir())"],
        cwd=bad.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert located.stdout.strip().startswith(str(site))
