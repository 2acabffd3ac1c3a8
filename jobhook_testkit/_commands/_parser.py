"""argparse for ``jobhook``, with usage errors that never echo a value (private).

A value on the command line may be a credential: ``--auth 'Bearer ...'`` given to a
command that has no ``--auth``, or a forgotten ``--auth`` leaving ``'Bearer ...'`` as a
stray argument. argparse would print it back ("unrecognized arguments: --auth Bearer
..."), and CI logs are often public. Here an unrecognized option is named (and the closest
real option suggested), a stray argument is counted, and any value long enough to be a
secret (see ``MIN_SECRET``) is cut out of argparse's own messages, in any letter case.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from jobhook_testkit._redact import MIN_SECRET, scrub

NOT_SHOWN = "(value not shown)"


def _values(argv: Sequence[str]) -> list[str]:
    """The parts of ``argv`` that are values, not option names: what must not be echoed."""
    values = []
    for token in argv:
        if token.startswith("-") and len(token) > 1:
            _name, sep, value = token.partition("=")
            if sep:
                values.append(value)
        else:
            values.append(token)
    return [value for value in values if len(value.strip()) >= MIN_SECRET]


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors print its own usage and no value from ``argv``.

    ``commands`` maps subcommand names to their parsers (filled by ``cli.build_parser``).
    """

    def __init__(self, *args: Any, argv: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.argv = list(argv)
        self.commands: dict[str, Parser] = {}

    def error(self, message: str) -> NoReturn:
        if self.commands and message.startswith("argument COMMAND: invalid choice"):
            message = self._unknown_command()
        known = {*self.prog.split(), *self.commands}  # command names are not values
        values = [value for value in _values(self.argv) if value not in known]
        for value in sorted(values, key=len, reverse=True):
            # scrub() also catches the value in other letter cases (--status upper-cases
            # it) and escaped as in a repr; its quotes are kept around the placeholder.
            message = scrub(message, value).replace(scrub(value, value), NOT_SHOWN)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _unknown_command(self) -> str:
        first = self.argv[0] if self.argv else ""
        if first.startswith("-") and first.partition("=")[0] not in self._option_string_actions:
            return self._unknown_option(first)  # `jobhook --auth X validate`: misplaced
        given = next((token for token in self.argv if not token.startswith("-")), "")
        found = difflib.get_close_matches(given, list(self.commands), n=1, cutoff=0.6)
        hint = f"did you mean {found[0]}? " if found else ""
        return f"unknown command; {hint}(choose from {', '.join(self.commands)})"

    def spaced_options(self) -> list[str]:
        """Unknown ``--name=value`` arguments whose value has a space in it.

        argparse takes those for positional arguments (``validate r.ndjson '--auth=Bearer
        X'`` would read a file named after the credential): they are unknown options.
        """
        found = []
        for token in self.argv:
            if token == "--":
                break
            name = token.partition("=")[0]
            if token.startswith("--") and " " in token and name not in self._option_string_actions:
                found.append(token)
        return found

    def reject(self, extras: Sequence[str]) -> NoReturn:
        """Fail for arguments this command does not take, naming options only."""
        options = [token for token in extras if token.startswith("-") and len(token) > 1]
        stray = len(extras) - len(options)
        parts = [self._unknown_option(token) for token in options]
        if stray and not options:
            hint = (
                "; an option's value goes right after its option, e.g. --auth 'Bearer ...'"
                if "--auth" in self._option_string_actions
                else ""
            )
            parts.append(
                f"{stray} unexpected argument{'s' if stray > 1 else ''} "
                f"(not shown: it may be a credential){hint}"
            )
        self.error("; ".join(parts))

    def _unknown_option(self, token: str) -> str:
        name, sep, _value = token.partition("=")
        text = f"unrecognized option {name}" + (" (its value is not shown)" if sep else "")
        closest = self._closest(name)
        if self.commands:
            text += "; a command's options go after the command: jobhook COMMAND --help"
        elif name == "--auth":
            text += f"; {self.prog} sends nothing, so it takes no Authorization"
        elif closest:
            text += f"; did you mean {closest}?"
        return text

    def _closest(self, name: str) -> str | None:
        known = [option for option in self._option_string_actions if option.startswith("--")]
        by_prefix = [option for option in known if name.startswith(option) and len(option) > 3]
        if by_prefix:  # --authorization -> --auth, --timeout-seconds -> --timeout
            return max(by_prefix, key=len)
        found = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        return found[0] if found else None
