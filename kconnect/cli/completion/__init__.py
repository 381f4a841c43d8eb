"""Shell completion: `kconnect completion bash|zsh|fish` prints a script; the script asks
kconnect what to offer through the `_KCONNECT_COMPLETE` protocol.

Protocol: the shell runs `_KCONNECT_COMPLETE=<shell>_complete kconnect WORD... INCOMPLETE`
(zsh and fish: the words after `kconnect` up to the cursor, the last one being the word
under the cursor; bash: `LINE CURRENT`, its line up to the cursor and its current word, see
`engine.bash_candidates`) and reads one candidate a line, `value<TAB>help`. A line
`:manifests`, `:files` or `:dirs` asks the shell to complete paths itself (it knows its
own quoting and `~`). Any error prints nothing: completion never disturbs the command line.

Answering must be quick (a shell waits for it on every TAB): the root's commands come from
the command table without importing typer; otherwise only the command's own module is built
(`kconnect.cli.command_modules`), and connector names are read with one short, deadline-bound
request.
"""

from __future__ import annotations

from collections.abc import Sequence

SHELLS = ("bash", "zsh", "fish")


def answer(instruction: str, words: Sequence[str]) -> int:
    """Handle `_KCONNECT_COMPLETE=<instruction>`: `<shell>_complete` prints the candidates for
    `words`, `<shell>_source` prints the script (click's spelling, for those used to it)."""
    from kconnect.output.console import write_text

    shell, _, action = instruction.partition("_")
    if shell not in SHELLS or action not in ("complete", "source"):
        write_text(
            f"kconnect: unknown completion request {instruction!r}: expected "
            f"<shell>_complete or <shell>_source, shell one of {', '.join(SHELLS)}\n",
            err=True,
        )
        return 64
    if action == "source":
        from kconnect.cli.completion.scripts import script

        write_text(script(shell))
        return 0
    try:
        from kconnect.cli.completion.engine import bash_candidates, candidates

        if shell == "bash":  # the line up to the cursor, and bash's current word
            found = bash_candidates(words[0], words[1]) if len(words) == 2 else []
        else:  # the words after `kconnect`, the last one under the cursor
            found = candidates(words[:-1], words[-1] if words else "")
        lines = [c.line(shell) for c in found]
    except Exception:  # a broken completion must never print a traceback at a prompt
        return 0
    if lines:
        # connector names come from the worker: through the seam like any other output
        write_text("\n".join(lines) + "\n")
    return 0
