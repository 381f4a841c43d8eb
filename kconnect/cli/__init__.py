"""The `kconnect` command line: a thin typer layer over `kconnect.core`.

`main()` is the single error handler: it maps every outcome to a documented exit code
(docs/commands.md, "Exit codes") and never shows a traceback for an expected error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from kconnect.errors import ExitCode, KconnectError

# The root help page: `kconnect --help` is written from these and COMMANDS without importing
# typer (kconnect.cli.root_help); kconnect.cli.app gives the same to typer for `kconnect`'s
# usage errors.
ROOT_HELP = (
    "Kafka Connect connectors as code: validate YAML manifests, plan the changes against "
    "a live cluster, apply them, and check health.\n\n"
    "Exit codes: 0 ok, 1 error, 2 changes pending (plan --detailed-exitcode), "
    "3 unhealthy, 64 usage error, 130 interrupted."
)
VERSION_HELP = "Show kconnect's version and exit."
ROOT_OPTIONS = [("--version", VERSION_HELP), ("-h, --help", "Show this message and exit.")]

# Every command: the module that defines it, and the summary `kconnect --help` lists.
# Start-up matters (a CI step or a reconcile cron job runs kconnect many times): only the module
# of the command being run is imported and built, and the root help is written from this table
# without importing any (pip keeps a table like this for the same reason). tests/test_docs.py
# checks that each summary is the command's own first docstring line.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("manifests", "Check manifests: schema, per-connector rules and pipeline lint."),
    "plan": ("manifests", "Show what apply would change on the cluster (secrets masked)."),
    "diff": ("manifests", "Alias of plan."),
    "apply": ("manifests", "Make the cluster match the manifests: write only what changed."),
    "status": ("inspect", "Connector and task states."),
    "get": ("inspect", "List the connectors on the cluster with their class, type and state."),
    "describe": (
        "inspect",
        "Connectors in detail: masked config, state, tasks (their configs with --tasks), "
        "failure traces and topics.",
    ),
    "delete": ("inspect", "Delete connectors from the cluster (asks first unless --yes)."),
    "restart": (
        "restart",
        "Restart connectors, their tasks (--include-tasks, --failed-only) or one task (--task).",
    ),
    "pause": (
        "state",
        "Pause connectors: their tasks stop processing, and keep their assignment.",
    ),
    "resume": ("state", "Resume paused or stopped connectors."),
    "stop": (
        "state",
        "Stop connectors: shut their tasks down, keeping the config (Connect 3.5+, KIP-875).",
    ),
    "export": (
        "export",
        "Write live connectors as manifests, secrets replaced by ${VAR} placeholders.",
    ),
    "convert": (
        "convert",
        "Write Connect JSON and .properties connector files as kconnect YAML manifests.",
    ),
    "info": ("info", "kconnect's version, and the worker's version, commit and Kafka cluster id."),
    "version": (
        "info",
        "Same as info (`kconnect --version` prints kconnect's version without connecting).",
    ),
    "reconcile": (
        "reconcile",
        "Keep the cluster equal to the manifests: plan and apply every --interval, "
        "check health, optionally restart FAILED connectors.",
    ),
    "schema": (
        "schema",
        "Print the manifest JSON Schema, or a connector class's config schema, as JSON.",
    ),
    "offsets": ("offsets", "Read, reset or set a connector's offsets (Connect 3.6+, KIP-875)."),
    "plugins": ("plugins", "List installed plugins, or describe one plugin's configuration."),
    "loggers": (
        "loggers",
        "Show or change worker log levels (Connect 2.4+, KIP-495; scope: 3.7+, KIP-976).",
    ),
    "context": (
        "contexts",
        "Named clusters from the config file (~/.config/kconnect/config.yaml or $KCONNECT_CONFIG).",
    ),
    "completion": (
        "completion.command",
        'Print a shell completion script to source (see docs/commands.md, "Shell completion").',
    ),
}


def command_modules(args: Sequence[str] | None) -> list[str]:
    """The modules to import for this command line: the invoked command's only, none for the
    root help or an unknown command, all of them when `args` is None (docs and tests)."""
    if args is None:
        return sorted({f"kconnect.cli.{module}" for module, _ in COMMANDS.values()})
    name = next((a for a in args if not a.startswith("-")), None)
    return [f"kconnect.cli.{COMMANDS[name][0]}"] if name in COMMANDS else []


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting (tests call this)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    instruction = os.environ.get("_KCONNECT_COMPLETE")
    if instruction:
        # A shell asking what TAB offers (kconnect.cli.completion); before typer is imported,
        # so that completing a command name costs no more than starting Python.
        from kconnect.cli.completion import answer

        return answer(instruction, args)

    if args in ([], ["--help"], ["-h"]):
        from kconnect.cli.root_help import root_help

        # Bare `kconnect` is a usage error that shows the help (click's no_args_is_help).
        # Written directly: the page is kconnect's own text, with nothing to redact or sanitise,
        # and the output seam's imports would cost as much again as the page itself.
        out = sys.stdout if args else sys.stderr
        out.write(root_help() + "\n")
        out.flush()
        return ExitCode.OK if args else ExitCode.USAGE

    from kconnect.cli.fast import fast_run

    try:
        fast = fast_run(args)
    except KeyboardInterrupt:
        _echo("\nInterrupted.", err=True)
        return ExitCode.INTERRUPTED
    if fast is not None:
        return fast

    import typer

    from kconnect.cli.app import build_app

    command = build_app(args)
    click = _click_module()
    try:
        result = command.main(
            args=args,
            prog_name="kconnect",
            standalone_mode=False,
        )
    except click.NoArgsIsHelpError as exc:
        _echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        return ExitCode.USAGE
    except click.UsageError as exc:
        # click's default for usage errors is 2, which we reserve for "changes pending".
        if isinstance(exc, click.NoSuchOption):
            exc.possibilities = _close_options(exc.option_name, exc.possibilities or ())
        _show(exc)
        if _wants_json(args):
            _usage_envelope(args, exc.format_message())
        return ExitCode.USAGE
    except (typer.Abort, KeyboardInterrupt):
        _echo("\nInterrupted.", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        _show(exc)
        return ExitCode.ERROR
    except KconnectError as exc:
        from kconnect.cli.render import render_error
        from kconnect.output.console import console

        render_error(exc, console(err=True))
        return exc.exit_code
    return int(result or 0)


def _close_options(typed: str, candidates: Sequence[str]) -> list[str]:
    """The options worth suggesting for a mistyped one. click compares with the dashes, so
    `--bogus` "resembles" `--verbose`; compared without them only real near-misses remain."""
    import difflib

    bare = typed.lstrip("-")
    return [
        c for c in candidates if difflib.SequenceMatcher(None, bare, c.lstrip("-")).ratio() >= 0.75
    ]


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asked for JSON, even if it failed to parse: a CI job that
    parses stdout must get an envelope for a usage error too."""
    pairs = zip(args, [*args[1:], ""], strict=True)
    return any(
        (a in ("-o", "--output") and b == "json") or a in ("-ojson", "--output=json")
        for a, b in pairs
    )


def _usage_envelope(args: Sequence[str], message: str) -> None:
    from kconnect.cli.render import envelope
    from kconnect.errors import UsageError
    from kconnect.output.console import write_json

    command = next((a for a in args if not a.startswith("-")), "")
    write_json(envelope(command, ExitCode.USAGE, None, [UsageError(message)]))


def _show(exc: Any) -> None:
    """click's own rendering of a usage error, through the output seam: it quotes what was
    typed, which may hold a URL with a password or escape sequences."""
    import io

    buffer = io.StringIO()
    exc.show(file=buffer)
    _echo(buffer.getvalue().rstrip("\n"), err=True)


def _echo(text: str, err: bool = True) -> None:
    from kconnect.output.console import write_text

    write_text(text + "\n", err=err)


def _click_module() -> Any:
    """The click that typer runs on: recent typer vendors it as `typer._click`, older typer
    depends on click itself. Its exceptions are what we must catch."""
    import importlib

    package = "typer._click" if "typer._click" in sys.modules else "click"
    return importlib.import_module(f"{package}.exceptions")


# Imported by the HTTP stack whenever installed, used by none of kconnect's work: the command line
# client of httpx (its `__init__` tries to import it, with click, rich and pygments), and the
# async libraries httpcore probes at import (trio, anyio) for locks only its async API uses.
# Together they cost more than Python's own start-up; kconnect's HTTP client is synchronous.
_UNUSED_BY_THE_CLI = ("httpx._main", "trio", "anyio")


def main() -> None:
    """The `kconnect` program. The process is ours alone, so what the HTTP stack would import
    for nothing is marked absent (`None` in `sys.modules` makes an import of it fail at once,
    and the libraries fall back), and it ends without tearing the interpreter down
    (`_exit`); `run()`, which tests and library users call in their own processes, changes
    nothing of the kind."""
    for name in _UNUSED_BY_THE_CLI:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    try:
        code = run()
    except Exception as exc:
        # Only the output seam raises OutputFailed, so it is loaded by then: --help need not be.
        from kconnect.output.console import OutputFailed, output_lost

        if not isinstance(exc, OutputFailed):
            raise
        output_lost(f"error: {exc}\n")
        code = ExitCode.ERROR
    if code == ExitCode.INTERRUPTED:
        from kconnect.cli.interrupt import exit_if_writes_left_running

        exit_if_writes_left_running(code)
    _exit(code)


def _exit(code: int) -> None:
    """Exit with `code`, skipping what only tidies memory that the process is about to lose.

    After a command, Python's own exit frees every module and object one by one: 20-40 ms
    with the HTTP stack loaded, which is more than a tenth of pausing 200 connectors on a
    real cluster (bench/real_cluster.py). What an exit must do still happens, in Python's
    order: threads that are not daemons are waited for (if any is alive, the ordinary exit
    runs), then the `atexit` functions (logging's flush; a test probe's report), then both
    streams are flushed. A flush that fails (a closed pipe) leaves the exit to Python, which
    reports it as always."""
    import atexit
    import threading

    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(t.is_alive() and not t.daemon for t in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    # What is buffered there went through the output seam. A stream closed before the start
    # (`2>&-`) is None: nothing to flush, and no reason to change the exit code.
    streams = [stream for stream in (sys.stdout, sys.stderr) if stream is not None]
    try:
        for stream in streams:
            stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
