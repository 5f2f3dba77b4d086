"""A static reading of Dockerfiles: parsed by the `dockerfile` package (BuildKit's own parser),
then evaluated just far enough to know what a built image would be: its labels, environment,
user, working directory, entrypoint, the files it copies in and the commands it runs.

Variables (`ARG`, `ENV`) are substituted as BuildKit does for the forms our files use:
`$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+word}`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VARIABLE = re.compile(rf"\$(?:\{{(?P<braced>{_NAME})(?::(?P<op>[-+])(?P<word>[^}}]*))?\}}|(?P<bare>{_NAME}))")


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`text` with its variables replaced from `values` (an unset variable becomes empty)."""

    def one(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        value = values.get(name, "")
        if match["op"] == "-":
            return value or match["word"]
        if match["op"] == "+":
            return match["word"] if value else ""
        return value

    return _VARIABLE.sub(one, text)


def unquote(text: str) -> str:
    """A value as the shell-like Dockerfile syntax means it (`"a b"` -> `a b`)."""
    words = shlex.split(text)
    return " ".join(words) if words else ""


@dataclass
class Copy:
    """One COPY/ADD: sources in the build context (or in stage `from_stage`) and a destination."""

    sources: list[str]
    destination: str
    from_stage: str | None
    line: int


@dataclass
class Stage:
    """What one build stage amounts to."""

    base: str
    name: str | None
    args: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    workdir: str = "/"
    entrypoint: list[str] | None = None
    copies: list[Copy] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def _pairs(values: tuple[str, ...]) -> list[tuple[str, str]]:
    # The parser gives `KEY VALUE ...` pairs for both the `KEY=VALUE` and the legacy `KEY VALUE` forms.
    return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def _apply(stage: Stage, command: dockerfile.Command) -> None:
    """One instruction after FROM (other than ARG) applied to its stage."""
    values = command.value
    scope = {**stage.args, **stage.env}
    if command.cmd == "ENV":
        stage.env.update((key, substitute(unquote(value), scope)) for key, value in _pairs(values))
    elif command.cmd == "LABEL":
        stage.labels.update((key, substitute(unquote(value), scope)) for key, value in _pairs(values))
    elif command.cmd == "USER":
        stage.user = substitute(values[0], scope)
    elif command.cmd == "WORKDIR":
        stage.workdir = str(Path(stage.workdir, substitute(values[0], scope)))
    elif command.cmd == "ENTRYPOINT":
        stage.entrypoint = list(values) if command.json else ["/bin/sh", "-c", " ".join(values)]
    elif command.cmd in ("COPY", "ADD"):
        flags = dict(flag.lstrip("-").partition("=")[::2] for flag in command.flags)
        *sources, destination = (substitute(value, scope) for value in values)
        stage.copies.append(Copy(sources, destination, flags.get("from"), command.start_line))
    elif command.cmd == "RUN":
        stage.runs.append(" ".join(values))


def evaluate(
    path: Path, build_args: Mapping[str, str], base_of: Callable[[str], Stage | None] = lambda _: None
) -> list[Stage]:
    """Every stage of the Dockerfile at `path` built with `build_args`.

    `base_of(image)` may return the evaluated final stage of a base image built from this
    repository, so that a stage starts with that image's environment, labels and user.
    """
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for command in dockerfile.parse_file(str(path)):
        values = command.value
        if command.cmd == "ARG":
            name, _, default = values[0].partition("=")
            value = build_args.get(name, unquote(default) if default else global_args.get(name, ""))
            (stages[-1].args if stages else global_args)[name] = value
        elif command.cmd == "FROM":
            image = substitute(values[0], global_args)
            name = values[2] if len(values) == 3 and values[1].upper() == "AS" else None
            known = next((s for s in stages if s.name == image), None) or base_of(image)
            new = Stage(base=image, name=name)
            if known is not None:
                new.env, new.labels = dict(known.env), dict(known.labels)
                new.user, new.workdir, new.entrypoint = known.user, known.workdir, known.entrypoint
            stages.append(new)
        elif not stages:
            raise ValueError(f"{path}:{command.start_line}: {command.cmd} before any FROM")
        else:
            _apply(stages[-1], command)
    return stages
