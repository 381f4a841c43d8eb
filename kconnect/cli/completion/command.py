"""`kconnect completion SHELL`: print the shell completion script."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from kconnect.cli.app import app


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(
    shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish", show_default=False)],
) -> int:
    """Print a shell completion script to source (see docs/commands.md, "Shell completion")."""
    from kconnect.cli.completion.scripts import script
    from kconnect.output.console import write_text

    write_text(script(shell.value))
    return 0
