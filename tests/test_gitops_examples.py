"""The copy-paste GitOps material: the GitHub Actions workflow, the pre-commit hooks, the
Kubernetes example and `kconnect schema`. Parsed and checked for the points that matter,
so that an edit which breaks the recipe fails here rather than in someone's pipeline."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliRunner, write_manifest

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "examples" / "github-actions" / "kconnect.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
K8S = REPO / "examples" / "k8s"
DOCS = REPO / "docs" / "gitops.md"


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in _steps(job))


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    [step] = [s for s in _steps(job) if s.get("name") == name]
    return step


# -- GitHub Actions -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    doc["on"] = doc.pop(True)
    return doc


def test_workflow_triggers(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) >= {"pull_request", "push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "connectors.d/**" in workflow["on"]["pull_request"]["paths"]
    assert workflow["permissions"] == {"contents": "read"}


def test_workflow_credentials_come_from_secrets(workflow: dict[str, Any]) -> None:
    env = workflow["env"]
    for name in ("KCONNECT_URL", "KCONNECT_USERNAME", "KCONNECT_PASSWORD"):
        assert env[name] == "${{ secrets." + name + " }}"


def test_pull_requests_validate_and_plan_with_detailed_exitcode(workflow: dict[str, Any]) -> None:
    plan = workflow["jobs"]["plan"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    runs = _runs(plan)
    assert "kconnect validate connectors.d/" in runs
    assert "kconnect plan connectors.d/ --detailed-exitcode -o json" in runs
    assert "kconnect apply" not in runs


def test_plan_exit_2_means_changes_pending_not_failure(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    """Run the Plan step's shell with a stand-in `kconnect` that exits 0, 2 or 1."""
    script = _step(workflow["jobs"]["plan"], "Plan")["run"]
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    kconnect = fake_bin / "kconnect"
    kconnect.write_text('#!/bin/sh\necho \'{"exit": \'"$FAKE_EXIT"\'}\'\nexit "$FAKE_EXIT"\n')
    kconnect.chmod(0o755)
    results = {}
    for code in (0, 2, 1):
        output = tmp_path / f"output-{code}"
        output.touch()
        # GitHub runs `run:` scripts with `bash -e`; -o pipefail as `shell: bash` does.
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=tmp_path,
            env={
                "PATH": f"{fake_bin}:/usr/bin:/bin",
                "FAKE_EXIT": str(code),
                "GITHUB_OUTPUT": str(output),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        results[code] = (done.returncode, output.read_text(), done.stdout)
    assert results[0][:2] == (0, "changes=false\n")
    assert results[2][:2] == (0, "changes=true\n")
    assert "::notice title=kconnect::connector changes pending" in results[2][2]
    assert results[1][0] == 1
    assert '{"exit": 1}' in results[1][2]  # the JSON error envelope is shown in the log


def test_plan_is_rendered_as_markdown_into_the_job_summary(workflow: dict[str, Any]) -> None:
    for job in ("plan", "apply"):
        step = _step(workflow["jobs"][job], "Plan summary")
        assert step["run"] == 'kconnect plan connectors.d/ -o markdown >> "$GITHUB_STEP_SUMMARY"'


def test_main_applies_the_reviewed_plan_with_yes_and_wait(workflow: dict[str, Any]) -> None:
    apply = workflow["jobs"]["apply"]
    assert "refs/heads/main" in apply["if"]
    assert "pull_request" in apply["if"]
    argv = shlex.split(_step(apply, "Apply")["run"])
    assert argv[:4] == ["kconnect", "apply", "--plan", "kconnect-plan.json"]
    assert {"--yes", "--wait"} <= set(argv)
    assert "--force" not in argv  # an unsafe plan must stop the pipeline, not pass it
    assert apply["concurrency"]["cancel-in-progress"] is False


def test_the_reviewed_plan_travels_from_the_pr_to_main(workflow: dict[str, Any]) -> None:
    """The PR saves the plan it shows (`--out`), uploads that file, and main applies it."""
    plan_job, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    assert "--out kconnect-plan.json" in _step(plan_job, "Plan")["run"]
    upload = _step(plan_job, "Keep the reviewed plan")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"] == {
        "name": "kconnect-plan",
        "path": "kconnect-plan.json",
        "if-no-files-found": "error",
    }
    download = _step(apply, "Download the reviewed plan")
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"]["name"] == "kconnect-plan"
    assert download["with"]["run-id"] == "${{ steps.reviewed.outputs.run-id }}"
    assert apply["permissions"] == {
        "contents": "read",
        "actions": "read",
        "pull-requests": "read",
    }
    names = [s.get("name") for s in _steps(apply)]
    assert names.index("Find the reviewed plan") < names.index("Download the reviewed plan")
    assert names.index("Download the reviewed plan") < names.index("Apply")


def test_main_without_a_reviewed_plan_fails_instead_of_applying(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    """Run the lookup with a stand-in `gh`: no pull request, or no successful plan run for
    its head, fails the job with an error annotation (nothing unreviewed is applied)."""
    script = _step(workflow["jobs"]["apply"], "Find the reviewed plan")["run"]
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    gh = fake_bin / "gh"
    gh.write_text(
        "#!/bin/sh\n"
        'case "$1 $2" in\n'
        '  "api "*) echo "$FAKE_PR" ;;\n'
        '  "pr view") echo abc123 ;;\n'
        '  "run list") echo "$FAKE_RUN" ;;\n'
        "esac\n"
    )
    gh.chmod(0o755)

    def run(pr: str, run_id: str) -> tuple[int, str, str]:
        output = tmp_path / "output"
        output.write_text("")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            env={
                "PATH": f"{fake_bin}:/usr/bin:/bin",
                "FAKE_PR": pr,
                "FAKE_RUN": run_id,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_REPOSITORY": "org/repo",
                "GITHUB_SHA": "f00d",
            },
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout, output.read_text()

    code, out, _ = run("", "")
    assert code == 1
    assert "::error title=kconnect::no pull request for f00d" in out
    code, out, _ = run("7", "")
    assert code == 1
    assert "pull request #7 has no successful plan run for abc123" in out
    assert run("7", "4242") == (0, "", "run-id=4242\n")


def test_workflow_commands_are_real_kconnect_options(
    workflow: dict[str, Any], cli: CliRunner
) -> None:
    """Every `kconnect …` option used in the workflow exists (checked with --help)."""
    for job in workflow["jobs"].values():
        for line in _runs(job).splitlines():
            match = re.search(r"\bkconnect (\w+)([^|>]*)", line)
            if not match:
                continue
            command, rest = match.group(1), match.group(2)
            help_text = cli(command, "--help").stdout
            for option in re.findall(r"(--[\w-]+|-o)\b", rest):
                assert option in help_text, f"kconnect {command} has no {option}"


# -- pre-commit -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def test_default_pre_commit_hook_validates_the_whole_set(
    hooks: dict[str, dict[str, Any]],
) -> None:
    """The lint needs every manifest: the default hook passes the folder, never file names,
    and runs on every commit (deleted files are not passed to hooks)."""
    for hook_id in ("kconnect-validate", "kconnect-validate-all"):
        hook = hooks[hook_id]
        assert hook["entry"] == "kconnect validate"
        assert hook["args"] == ["connectors.d/"]
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["always_run"] is True
        assert hook["require_serial"] is True


def test_changed_files_hook_is_opt_in(hooks: dict[str, dict[str, Any]]) -> None:
    hook = hooks["kconnect-validate-changed"]
    assert hook["entry"] == "kconnect validate"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True
    pattern = re.compile(hook["files"])
    assert pattern.search("connectors.d/orders.yaml")
    assert pattern.search("connectors.d/team-a/orders.yml")
    assert not pattern.search("docs/orders.yaml")
    assert not pattern.search("connectors.d/README.md")


def test_recipes_pin_something_that_exists() -> None:
    """No release is tagged yet: the docs and the workflow pin a commit, not a made-up tag."""
    readme = "\n".join(
        p.read_text(encoding="utf-8") for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    )
    workflow = WORKFLOW.read_text(encoding="utf-8")
    for text in (readme, workflow, HOOKS.read_text(encoding="utf-8")):
        for tag in re.findall(r"(?:rev: |kconnect@)(v\d[\w.]*)", text):
            assert tag in _git_tags(), f"{tag} is pinned but not a tag of this repository"
    assert re.search(r"rev: [0-9a-f]{40}\b", readme)
    assert re.search(r"kconnect@[0-9a-f]{40}\b", workflow)


def _git_tags() -> list[str]:
    import subprocess

    if not (REPO / ".git").exists():
        return []
    result = subprocess.run(
        ["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_validate_accepts_the_file_list_pre_commit_passes(cli: CliRunner, tmp_path: Path) -> None:
    from tests.conftest import file_source

    a = write_manifest(tmp_path, "connectors.d/a.yaml", file_source("a"))
    b = write_manifest(tmp_path, "connectors.d/b.yaml", file_source("b"))
    assert cli("validate", str(a), str(b)).exit_code == 0
    bad = write_manifest(tmp_path, "connectors.d/c.yaml", "name: c\nconfig: {}\n")
    assert cli("validate", str(a), str(bad)).exit_code == 1


# -- Kubernetes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def k8s() -> dict[tuple[str, str], dict[str, Any]]:
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and "metadata" in doc:
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return dict(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(doc["spec"]["template"]["spec"])


def _secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg == name:
            return args[i + 1]
    return None


@pytest.mark.parametrize(
    ("kind", "name"),
    [("Deployment", "kconnect-reconcile"), ("CronJob", "kconnect-reconcile-once")],
)
def test_k8s_credentials_from_the_secret_and_manifests_from_the_configmap(
    k8s: dict[tuple[str, str], dict[str, Any]], kind: str, name: str
) -> None:
    pod = _pod(k8s[(kind, name)])
    [container] = pod["containers"]
    refs = _secret_refs(container)
    secret = k8s[("Secret", "kconnect-credentials")]
    for var in ("KCONNECT_URL", "KCONNECT_USERNAME", "KCONNECT_PASSWORD"):
        secret_name, key = refs[var]
        assert secret_name == "kconnect-credentials"
        assert key in secret["stringData"]
    # No credential is written into the pod spec itself.
    assert all("value" not in e for e in container["env"] if e["name"].startswith("KCONNECT_"))
    [mount] = container["volumeMounts"]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert ("ConfigMap", volume["configMap"]["name"]) in k8s
    assert mount["readOnly"] is True
    assert container["args"][:2] == ["reconcile", mount["mountPath"]]


@pytest.mark.parametrize(
    ("kind", "name"),
    [("Deployment", "kconnect-reconcile"), ("CronJob", "kconnect-reconcile-once")],
)
def test_k8s_runs_as_non_root(
    k8s: dict[tuple[str, str], dict[str, Any]], kind: str, name: str
) -> None:
    pod = _pod(k8s[(kind, name)])
    assert pod["securityContext"]["runAsNonRoot"] is True
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    uid = re.search(r"--uid (\d+)", dockerfile)
    assert uid and pod["securityContext"]["runAsUser"] == int(uid.group(1))
    [container] = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_k8s_deployment_serves_metrics_and_probes_healthz(
    k8s: dict[tuple[str, str], dict[str, Any]],
) -> None:
    deployment = k8s[("Deployment", "kconnect-reconcile")]
    assert deployment["spec"]["replicas"] == 1
    pod = _pod(deployment)
    [container] = pod["containers"]
    args = container["args"]
    assert "--once" not in args
    port = int(_option(args, "--metrics-port") or 0)
    assert _option(args, "--metrics-host") == "0.0.0.0"
    [container_port] = container["ports"]
    assert container_port["containerPort"] == port
    probe = container["livenessProbe"]["httpGet"]
    assert probe["path"] == "/healthz"
    assert probe["port"] in (port, container_port["name"])
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"
    # Long enough for the request in flight to finish after SIGTERM.
    assert pod["terminationGracePeriodSeconds"] >= 95


def test_k8s_cronjob_runs_once(k8s: dict[tuple[str, str], dict[str, Any]]) -> None:
    cronjob = k8s[("CronJob", "kconnect-reconcile-once")]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = _pod(cronjob)["containers"]
    assert "--once" in container["args"]


def test_k8s_args_are_accepted_by_the_cli(
    k8s: dict[tuple[str, str], dict[str, Any]], cli: CliRunner
) -> None:
    help_text = cli("reconcile", "--help").stdout
    for key in (("Deployment", "kconnect-reconcile"), ("CronJob", "kconnect-reconcile-once")):
        [container] = _pod(k8s[key])["containers"]
        for arg in container["args"][2:]:
            assert arg.split("=", 1)[0] in help_text


def test_k8s_configmap_manifests_are_valid(
    k8s: dict[tuple[str, str], dict[str, Any]], cli: CliRunner, tmp_path: Path
) -> None:
    configmap = k8s[("ConfigMap", "kconnect-connectors")]
    for filename, text in configmap["data"].items():
        write_manifest(tmp_path, filename, text)
    deployment = _pod(k8s[("Deployment", "kconnect-reconcile")])
    env = {
        e["name"]: "from-the-secret"
        for e in deployment["containers"][0]["env"]
        if not e["name"].startswith("KCONNECT_")
    }
    result = cli("validate", str(tmp_path), env=env)
    assert result.exit_code == 0, result.output
    assert "2 connector(s) checked: 0 error(s), 0 warning(s)" in result.stdout


def test_k8s_kustomization_lists_existing_files() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file()
    assert "secret.yaml" not in kustomization["resources"]


# -- kconnect schema ------------------------------------------------------------------------------


def test_schema_prints_the_manifest_schema(cli: CliRunner) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["title"] == "kconnect connector manifest"
    assert "io.debezium.connector.mysql.MySqlConnector" in doc["$defs"]
    assert doc == json.loads((REPO / "schemas" / "manifest.schema.json").read_text())


def test_schema_for_a_connector_class(cli: CliRunner) -> None:
    cls = "io.debezium.connector.mysql.MySqlConnector"
    result = cli("schema", cls)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["title"] == cls
    assert doc == json.loads((REPO / "schemas" / "connectors" / f"{cls}.schema.json").read_text())
    assert cli("schema", "MySqlConnector").stdout == result.stdout


def test_schema_unknown_class_lists_the_known_ones(cli: CliRunner) -> None:
    result = cli("schema", "com.example.NopeConnector")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: no bundled schema for connector class 'com.example.NopeConnector'; known classes:",
        "  io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
        "  io.debezium.connector.mariadb.MariaDbConnector",
        "  io.debezium.connector.mysql.MySqlConnector",
        "  org.apache.kafka.connect.file.FileStreamSinkConnector",
        "  org.apache.kafka.connect.file.FileStreamSourceConnector",
    ]


def test_schema_list(cli: CliRunner) -> None:
    from kconnect.catalogs import known_classes

    result = cli("schema", "--list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == known_classes()


# -- the docs page (docs/gitops.md) ------------------------------------------------------------


def test_docs_show_the_editor_schema_line_and_the_recipes() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert (
        "# yaml-language-server: $schema=https://kconnect.dev/schemas/manifest.schema.json" in text
    )
    for needle in (
        "kconnect reconcile",
        "--metrics-port",
        "kconnect_reconcile_cycles_total",
        "examples/github-actions/kconnect.yml",
        ".pre-commit-hooks.yaml",
        "examples/k8s/",
        "kconnect schema",
    ):
        assert needle in text, needle
