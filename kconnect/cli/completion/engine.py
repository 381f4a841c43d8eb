"""What a TAB offers for a command line: walks the words through kconnect's click commands.

Reads the click objects typer builds (params, option names, choices, subcommands): the same
definitions the parser uses, so completion cannot drift from the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kconnect.records import field, record

if TYPE_CHECKING:
    from kconnect.cli.completion.sources import ConnectionKey

# Commands whose NAME/NAMES argument is a connector on the cluster.
CONNECTOR_COMMANDS = frozenset(
    {"status", "describe", "restart", "pause", "resume", "stop", "delete", "offsets", "export"}
)
# Commands whose NAME argument is a context from the config file.
CONTEXT_COMMANDS = frozenset({("context", "use"), ("context", "show")})
HELP = ("--help", "Show this message and exit.")


@record
class Candidate:
    value: str
    help: str = ""
    directive: bool = False  # `:manifests`, `:files`, `:dirs`: the shell completes paths
    replace_from: int = 0  # bash splits `--opt=value` at `=`: offer only the part it replaces

    def line(self, shell: str) -> str:
        if self.directive:
            return self.value
        value = self.value[self.replace_from :] if shell == "bash" else self.value
        summary = " ".join(self.help.split())
        return f"{value}\t{summary}"


def _directive(name: str) -> list[Candidate]:
    return [Candidate(f":{name}", directive=True)]


@record(frozen=False)
class _Line:
    """Where the words leave the parser: the command reached, what was given to it."""

    node: Any
    path: list[str] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # param name -> values given
    expecting: Any = None  # an option whose value is the next word
    after_dashes: bool = False


def candidates(words: Sequence[str], incomplete: str) -> list[Candidate]:
    """Candidates for `incomplete`, the word under the cursor, after `words`."""
    return _candidates(list(words), incomplete)


def bash_candidates(line: str, current: str) -> list[Candidate]:
    """bash hands over its line up to the cursor and its own current word: readline splits
    words at COMP_WORDBREAKS too (`=`, `:`), so `--url http://host:8083` reaches a completion
    function in five pieces. The line is split here as the shell will parse it, and each
    candidate replaces only bash's current piece."""
    words = split_line(line)
    incomplete = words.pop() if words else ""
    cut = len(incomplete) - len(current) if incomplete.endswith(current) else 0
    return [
        Candidate(c.value, c.help, c.directive, cut) for c in _candidates(words[1:], incomplete)
    ]


def split_line(line: str) -> list[str]:
    """Words as the shell parses them; the last one is the word under the cursor (empty
    after a blank), even inside an unclosed quote."""
    import shlex

    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:  # an unclosed quote: the word under the cursor, so far
        words.append(lexer.token)
        return words
    if not line or line[-1].isspace():
        words.append("")
    return words


def _candidates(words: list[str], incomplete: str) -> list[Candidate]:
    from kconnect.cli import COMMANDS

    if not words and not incomplete.startswith("-"):
        return [Candidate(n, s) for n, (_m, s) in COMMANDS.items() if n.startswith(incomplete)]
    if words and not words[0].startswith("-") and words[0] not in COMMANDS:
        return []
    if words and words[0] in CONNECTOR_COMMANDS and not incomplete.startswith("-"):
        from kconnect.cli.completion import sources

        # Likely a connector name: ask the cluster while typer loads.
        sources.prefetch_connectors(os.environ, _connection_key(_scan_connection(words)))
    from kconnect.cli.app import build_app

    line = _walk(build_app(words), words)
    if line.expecting is not None:
        return _values(line, line.expecting, incomplete)
    if not line.after_dashes and incomplete.startswith("--") and "=" in incomplete:
        name, _, value = incomplete.partition("=")
        option = _option(line.node, name)
        if option is None or not _takes_value(option):
            return []
        return [
            Candidate(f"{name}={c.value}", c.help, c.directive)
            for c in _values(line, option, value)
        ]
    if incomplete.startswith("-") and not line.after_dashes:
        return _option_names(line, incomplete)
    if _is_group(line.node):
        return _subcommands(line, incomplete)
    argument = _argument_at(line.node, len(line.positionals))
    return [] if argument is None else _values(line, argument, incomplete)


def _walk(root: Any, words: Sequence[str]) -> _Line:
    line = _Line(root)
    for word in words:
        if line.expecting is not None:
            line.options.setdefault(line.expecting.name, []).append(word)
            line.expecting = None
        elif word == "--" and not line.after_dashes:
            line.after_dashes = True
        elif word.startswith("-") and len(word) > 1 and not line.after_dashes:
            name, equals, value = word.partition("=")
            option = _option(line.node, name)
            if option is None:
                continue
            values = line.options.setdefault(option.name, [])
            if not _takes_value(option):
                values.append("")
            elif equals:
                values.append(value)
            else:
                line.expecting = option
        elif _is_group(line.node) and word in line.node.commands and not line.positionals:
            line.node = line.node.commands[word]
            line.path.append(word)
        else:
            line.positionals.append(word)
    return line


def _is_group(node: Any) -> bool:
    return hasattr(node, "commands")


def _options(node: Any) -> list[Any]:
    return [p for p in node.params if getattr(p, "param_type_name", "") == "option"]


def _option(node: Any, name: str) -> Any:
    for option in _options(node):
        if name in option.opts or name in option.secondary_opts:
            return option
    return None


def _takes_value(option: Any) -> bool:
    return not (getattr(option, "is_flag", False) or getattr(option, "count", False))


def _option_names(line: _Line, incomplete: str) -> list[Candidate]:
    found: list[Candidate] = []
    for option in _options(line.node):
        if getattr(option, "hidden", False):
            continue
        repeatable = getattr(option, "multiple", False) or getattr(option, "count", False)
        if option.name in line.options and not repeatable:
            continue
        help_text = (option.help or "").split("\n", 1)[0]
        names = [*option.opts, *option.secondary_opts]
        found += [Candidate(n, help_text) for n in names if n.startswith(incomplete)]
    if HELP[0].startswith(incomplete):
        found.append(Candidate(*HELP))
    return found


def _subcommands(line: _Line, incomplete: str) -> list[Candidate]:
    found = []
    for name, command in line.node.commands.items():
        if name.startswith(incomplete) and not getattr(command, "hidden", False):
            found.append(Candidate(name, command.get_short_help_str(limit=80)))
    return found


def _argument_at(node: Any, index: int) -> Any:
    arguments = [p for p in node.params if getattr(p, "param_type_name", "") == "argument"]
    position = 0
    for argument in arguments:
        if argument.nargs == -1 or index < position + argument.nargs:
            return argument
        position += argument.nargs
    return None


def _values(line: _Line, param: Any, incomplete: str) -> list[Candidate]:
    from kconnect.cli.completion import sources

    is_argument = getattr(param, "param_type_name", "") == "argument"
    command = line.path[0] if line.path else ""
    if (param.name == "context" and not is_argument) or (
        is_argument and tuple(line.path) in CONTEXT_COMMANDS
    ):
        return _matching(sources.context_names(os.environ), incomplete)
    if is_argument and command in CONNECTOR_COMMANDS and param.name in ("name", "names"):
        given = set(line.positionals)
        names = sources.connector_names(os.environ, _connection_key(line.options))
        return _matching(((n, s) for n, s in names if n not in given), incomplete)
    if param.name == "paths":
        return _directive("manifests")
    choices = getattr(param.type, "choices", None)
    if choices:
        return _matching(((str(c), "") for c in choices), incomplete)
    if getattr(param.type, "name", "") in ("path", "file", "filename"):
        only_dirs = getattr(param.type, "dir_okay", True) and not getattr(
            param.type, "file_okay", True
        )
        return _directive("dirs" if only_dirs else "files")
    return []


def _connection_key(options: dict[str, list[str]]) -> ConnectionKey:
    """The connection options given on the line, so `--context prod <TAB>` asks prod."""

    def last(name: str) -> str | None:
        values = options.get(name)
        return values[-1] if values else None

    return (last("url"), last("context"), last("ca_cert"), "insecure" in options)


def _scan_connection(words: Sequence[str]) -> dict[str, list[str]]:
    """The connection options read without the click commands (for the prefetch; the
    prefetched answer is only used when the real parse finds the same options)."""
    options: dict[str, list[str]] = {}
    names = {"--url": "url", "--context": "context", "--ca-cert": "ca_cert"}
    for word, following in zip(words, [*words[1:], None], strict=True):
        name, equals, value = word.partition("=")
        if name in names:
            given = value if equals else following
            if given is not None:
                options.setdefault(names[name], []).append(given)
        elif word == "--insecure":
            options["insecure"] = [""]
    return options


def _matching(pairs: Iterable[tuple[str, str]], incomplete: str) -> list[Candidate]:
    return [Candidate(value, summary) for value, summary in pairs if value.startswith(incomplete)]
