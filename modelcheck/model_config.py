"""Model configurations: named sets of constants, invariants and options, kept in a file
beside the spec, as TLC's .cfg files. `modelcheck check specs/raft.spec --model three_servers`
reads `specs/raft.models`:

    // Models of raft.spec; `//` starts a comment, as in specs.
    [three_servers]
    const Servers = {s1, s2, s3}     // as --const 'Servers={s1, s2, s3}'
    const MaxTerm = 3
    inv ElectionSafety               // as --inv ElectionSafety; one line per invariant
    no-deadlock                      // a flag, as --no-deadlock
    max-depth 40                     // an option and its value, as --max-depth 40

A line is `[NAME]` (a model begins), `const NAME = EXPR`, or the name of a command-line
option of a command that takes --model, without its dashes, then its value if it takes one.
An option the running command does not have is skipped (`runs` is simulate's), so one model
serves check, simulate, graph, traces and prove. The command line wins: its --const and
options override the model's, and its --inv replaces the model's list. Anything else is an
error naming file:line: an unknown option, a value missing or given to a flag, a value the
option refuses, a model or constant defined twice.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from .lang.errors import Span, SpecError, attach_source

MODEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Entry:
    line: int
    key: str           # "const", or an option's name without dashes
    value: str | None  # NAME=EXPR for const; the option's value; None for a flag


@dataclass(frozen=True)
class ModelsFile:
    path: Path
    text: str
    models: dict[str, tuple[Entry, ...]]


def models_path(spec: str | Path) -> Path:
    """specs/raft.spec -> specs/raft.models"""
    return Path(spec).with_suffix(".models")


def fail(message: str, path: Path, text: str, line: int, hint: str = "") -> SpecError:
    """The error for line `line` of a models file (its text), underlined."""
    lines = text.splitlines()
    width = len(lines[line - 1]) + 1 if 0 < line <= len(lines) else 2
    err = SpecError(message, Span(str(path), line, 1, line, max(width, 2)), hint)
    return attach_source(err, {str(path): text})


def _strip_comment(line: str) -> str:
    """The line without a `//` comment (one inside a string literal stays)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif not quoted and line.startswith("//", i):
            return line[:i]
    return line


def read_models(path: Path) -> ModelsFile:
    text = path.read_text()
    models: dict[str, list[Entry]] = {}
    current: list[Entry] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("["):
            name = line[1:-1].strip() if line.endswith("]") else ""
            if not MODEL_NAME.match(name):
                raise fail(f"expected a model name in brackets, e.g. [three_servers], got {line!r}", path, text, number)
            if name in models:
                raise fail(f"model '{name}' is defined twice", path, text, number, "give each model its own name")
            current = models[name] = []
            continue
        if current is None:
            raise fail("a setting before the first model", path, text, number,
                         hint="start a model with a line [NAME], then its settings")
        key, _, rest = line.partition(" ")
        rest = rest.strip()
        if key == "const":
            current.append(_const_entry(path, text, number, line, current))
        else:
            current.append(Entry(number, key, rest or None))
    return ModelsFile(path, text, {n: tuple(es) for n, es in models.items()})


def _const_entry(path: Path, text: str, number: int, line: str, entries: list[Entry]) -> Entry:
    m = re.match(r"const\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S.*)$", line)
    if m is None:
        raise fail(f"expected const NAME = VALUE, got {line!r}", path, text, number,
                     hint="e.g. const Servers = {s1, s2, s3}; VALUE is a spec expression, as for --const")
    name, value = m.group(1), m.group(2).strip()
    if any(e.key == "const" and e.value.partition("=")[0] == name for e in entries):
        raise fail(f"constant {name} is set twice in this model", path, text, number)
    return Entry(number, "const", f"{name}={value}")


def command_line(model_files: ModelsFile, name: str, parser: argparse.ArgumentParser,
                 given: argparse.Namespace, all_options: set[str]) -> list[str]:
    """The model's settings as command-line words for `parser` (one command's parser),
    leaving out what the command line (`given`, as parsed without the model) sets itself."""
    mf = model_files
    if name not in mf.models:
        raise SpecError(f"--model {name}: {mf.path} has no model '{name}'",
                        hint="models in it: " + (", ".join(mf.models) or "none"))
    actions = {opt: a for a in parser._actions for opt in a.option_strings}
    words: list[str] = []
    for e in mf.models[name]:
        if e.key == "const":
            words += ["--const", e.value]
            continue
        option = f"--{e.key}"
        if e.key in ("model", "const", "help", "resume") or option not in all_options:
            known = sorted(o[2:] for o in all_options if o not in ("--model", "--help", "--resume"))
            raise fail(f"unknown setting '{e.key}' in model '{name}'", mf.path, mf.text, e.line,
                         hint="a setting is const NAME = VALUE or an option without its dashes: " + ", ".join(known))
        action = actions.get(option)
        if action is None:
            continue  # an option of another command (e.g. simulate's runs): not for this one
        takes_value = action.nargs != 0
        if takes_value and e.value is None:
            raise fail(f"'{e.key}' needs a value", mf.path, mf.text, e.line, hint=f"write {e.key} VALUE, as --{e.key} VALUE")
        if not takes_value and e.value is not None:
            raise fail(f"'{e.key}' is a flag and takes no value", mf.path, mf.text, e.line, hint=f"write {e.key} alone")
        if takes_value:
            _check_value(mf, e, action)
        if isinstance(action, argparse._AppendAction) and getattr(given, action.dest) not in (None, []):
            continue  # the command line's own --inv replaces the model's
        words += [option] + ([e.value] if takes_value else [])
    return words


def _check_value(mf: ModelsFile, e: Entry, action: argparse.Action) -> None:
    try:
        value = action.type(e.value) if action.type is not None else e.value
    except (argparse.ArgumentTypeError, ValueError, TypeError) as err:
        raise fail(f"bad value for '{e.key}': {err}", mf.path, mf.text, e.line) from None
    if action.choices is not None and value not in action.choices:
        raise fail(f"bad value for '{e.key}': {e.value!r}", mf.path, mf.text, e.line,
                     hint="one of " + ", ".join(map(str, action.choices)))


def expand(argv: list[str], args: argparse.Namespace, parsers: dict[str, argparse.ArgumentParser]) -> list[str]:
    """argv with the settings of the model named by --model inserted before the command
    line's own options (which therefore win)."""
    path = models_path(args.spec)
    if not path.exists():
        raise SpecError(f"--model {args.model}: there is no models file {path} beside the spec",
                        hint="write the models of SPEC.spec in SPEC.models (see the README: Model configurations)")
    try:
        mf = read_models(path)
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {path}: {e}") from None
    all_options = {opt for p in parsers.values() if p.get_default("reads_models_file")
                   for a in p._actions for opt in a.option_strings if opt.startswith("--")}
    words = command_line(mf, args.model, parsers[args.command], args, all_options)
    return argv[:1] + words + argv[1:]
