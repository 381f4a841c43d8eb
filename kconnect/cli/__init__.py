"""The `kconnect` command line: a thin typer layer over `kconnect.core`.

`main()` is the single error handler: it maps every outcome to a documented exit code
(README, "Exit codes") and never shows a traceback for an expected error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from kconnect.errors import ExitCode, KconnectError

# Command modules register themselves on the app when imported; each is a group of
# related commands. Imported lazily so `kconnect --help` stays fast.
COMMAND_MODULES = (
    "kconnect.cli.manifests",
    "kconnect.cli.inspect",
    "kconnect.cli.ops",
    "kconnect.cli.reconcile",
    "kconnect.cli.schema",
)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting (tests call this)."""
    import typer

    from kconnect.cli.app import build_app

    command = build_app()
    click = _click_module()
    args = list(argv) if argv is not None else sys.argv[1:]
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
        exc.show()
        if _wants_json(args):
            _usage_envelope(args, exc.format_message())
        return ExitCode.USAGE
    except (typer.Abort, KeyboardInterrupt):
        _echo("\nInterrupted.", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    except KconnectError as exc:
        from kconnect.output import console
        from kconnect.render import render_error

        render_error(exc, console(err=True))
        return exc.exit_code
    return int(result or 0)


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asked for JSON, even if it failed to parse: a CI job that
    parses stdout must get an envelope for a usage error too."""
    pairs = zip(args, [*args[1:], ""], strict=True)
    return any(
        (a in ("-o", "--output") and b == "json") or a in ("-ojson", "--output=json")
        for a, b in pairs
    )


def _usage_envelope(args: Sequence[str], message: str) -> None:
    from kconnect.errors import UsageError
    from kconnect.output import write_json
    from kconnect.render import envelope

    command = next((a for a in args if not a.startswith("-")), "")
    write_json(envelope(command, ExitCode.USAGE, None, [UsageError(message)]))


def _echo(text: str, err: bool = True) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def _click_module() -> Any:
    """The click that typer runs on: recent typer vendors it as `typer._click`, older typer
    depends on click itself. Its exceptions are what we must catch."""
    import importlib

    package = "typer._click" if "typer._click" in sys.modules else "click"
    return importlib.import_module(f"{package}.exceptions")


def main() -> None:
    sys.exit(run())
