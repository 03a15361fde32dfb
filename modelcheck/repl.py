"""The commands `modelcheck eval` (an expression in the initial states or in a state of a
trace) and `modelcheck repl` (walk through a spec step by step, evaluating expressions on
the way, as Quint's REPL does). cli.py wires them in; evaluate.py does the work.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any, Callable, TextIO

from .evaluate import Choice, EvaluationError, Evaluator, Walk
from .explore.trace import aliases_of
from .lang.errors import SpecError, SpecErrors
from .lang.parser import parse_file
from .report.compact import call, changes, compact
from .report.itf import itf_text, trace_to_itf
from .trace_cli import read_trace, trace_constants
from .values import show

EXIT_OK, EXIT_ERROR = 0, 2


def add_parsers(sub, add_spec_arguments: Callable) -> None:
    ev = sub.add_parser("eval", help="evaluate an expression in the initial states, or in a state of a trace")
    add_spec_arguments(ev)
    ev.add_argument("expression", help="a spec expression, e.g. 'maxBal' or '{a in Acceptors: maxBal[a] > 0}'")
    ev.add_argument("--trace", metavar="FILE", help="evaluate in a state of this ITF trace (default: the initial states)")
    ev.add_argument("--state", type=int, metavar="K",
                    help="with --trace: the K-th state, numbered as in check's output (1 = the initial "
                         "state; default: the last)")
    ev.add_argument("--json", action="store_true", help="print the values as ITF JSON")
    ev.set_defaults(run=run_eval)

    repl = sub.add_parser("repl", help="walk through the spec step by step and evaluate expressions (:help inside)")
    add_spec_arguments(repl)
    repl.add_argument("--trace", metavar="FILE", help="start at the end of this ITF trace")
    repl.add_argument("--seed", type=int, default=0, metavar="S", help="seed of :random (default 0)")
    repl.add_argument("--input", metavar="FILE", help="read the commands from FILE (a script) instead of the terminal")
    repl.set_defaults(run=run_repl)


def _evaluator(args: argparse.Namespace) -> tuple[Evaluator, Any]:
    """The spec with its constants, and the trace given with --trace (its constants are used
    unless --const gives them), or None."""
    consts = dict(args.const)
    spec = parse_file(args.spec)
    if not args.trace:
        return Evaluator(spec, consts, not args.no_opt), None
    document, trace, _ = read_trace(args.trace)
    evaluator = Evaluator(spec, consts, not args.no_opt)
    taken = trace_constants(document, evaluator.model.describe_constants(), set(consts))
    return (Evaluator(spec, {**consts, **dict(taken)}, not args.no_opt) if taken else evaluator), trace


def run_eval(args: argparse.Namespace) -> int:
    if args.state is not None and not args.trace:
        raise SpecError("--state needs --trace", hint="without --trace the expression is evaluated in the initial states")
    evaluator, trace = _evaluator(args)
    expression = evaluator.expression(args.expression)
    if trace is None:
        states = [s for _, _, s in expression.model.init_states()]
        labels = ["initial state" if len(states) == 1 else f"initial state {i + 1} of {len(states)}"
                  for i in range(len(states))]
        numbers = list(range(1, len(states) + 1))
    else:
        all_states = expression.in_trace(trace)
        k = len(all_states) if args.state is None else args.state
        if not 1 <= k <= len(all_states):
            raise SpecError(f"--state {k}: the trace has states 1 to {len(all_states)}")
        states, labels, numbers = [all_states[k - 1]], [f"state {k} of {len(all_states)}"], [k]
    try:
        values = [expression.value(s) for s in states]
    except EvaluationError as e:
        raise SpecError(f"cannot evaluate {args.expression}: {e}") from None
    if args.json:
        print(json.dumps({"expression": args.expression,
                          "values": [{"state": n, "value": v} for n, v in zip(numbers, values)]}))
    elif len(values) == 1 and trace is None:
        print(show(values[0]))
    else:
        for label, v in zip(labels, values):
            print(f"{label}: {show(v)}")
    return EXIT_OK


def run_repl(args: argparse.Namespace) -> int:
    evaluator, trace = _evaluator(args)
    repl = Repl(Walk(evaluator), sys.stdout, random.Random(args.seed))
    if trace is not None:
        repl.walk.follow(trace)
    if args.input is None:
        return repl.run(sys.stdin, interactive=sys.stdin.isatty())
    try:
        with open(args.input, encoding="utf-8") as script:
            return repl.run(script, interactive=False)
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read the commands in '{args.input}': {getattr(e, 'strerror', None) or e}") from None


HELP = """\
Commands (anything else is an expression, evaluated in the current state):
  :init [N]          start again from initial state N (without N: list them)
  :actions           the steps possible from here, numbered
  :step N            take step N of that list
  :step ACTION       take the only step of ACTION (or list its steps)
  :random [K]        take K random steps (default 1)
  :back              undo the last step
  :state             the whole current state
  :trace             the steps taken so far
  :save FILE         write the steps taken as an ITF trace (modelcheck replay reads it)
  :help              this text
  :quit              leave (so does end of input)"""


class Repl:
    """The REPL's commands over a Walk; reads lines, writes answers to `out`."""

    def __init__(self, walk: Walk, out: TextIO, rng: random.Random):
        self.walk = walk
        self.out = out
        self.rng = rng
        self.listed: list[Choice] = []   # the choices last listed, for `:step N` / `:init N`
        self.commands: dict[str, Callable[[str], None]] = {
            "init": self.init, "actions": self.actions, "step": self.step, "random": self.random_steps,
            "back": self.back, "state": self.state, "trace": self.trace, "save": self.save,
            "help": lambda _: self.say(HELP)}

    def run(self, lines: TextIO, interactive: bool) -> int:
        name = self.walk.evaluator.spec.name
        self.say(f"{name}: {len(self.walk.model.action_names)} actions. :help lists the commands.")
        if not self.walk.steps:
            initial = self.walk.initial_states()
            if len(initial) == 1:
                self.walk.restart(initial[0])
                self.say("At the initial state.")
            else:
                self.say(f"{len(initial)} initial states; choose one with :init N.")
                self.listed = initial
        else:
            self.say(f"At state {len(self.walk.steps)} of the trace.")
        if interactive:
            _enable_line_editing()
        while True:
            try:
                line = input(f"{name}> ") if interactive else lines.readline()
            except EOFError:
                break
            if not interactive and not line:
                break
            line = line.strip()
            if line in (":quit", ":q", ":exit"):
                break
            if line:
                self.answer(line)
        return EXIT_OK

    def answer(self, line: str) -> None:
        try:
            if line.startswith(":"):
                word, _, rest = line[1:].partition(" ")
                command = self.commands.get(word)
                if command is None:
                    self.say(f"unknown command :{word} (:help lists them)")
                else:
                    command(rest.strip())
            else:
                self.say(show(self.walk.evaluate(line)))
        except (SpecError, SpecErrors) as e:
            self.say(e.render())
        except EvaluationError as e:
            self.say(f"error: {e}")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # ------------------------------------------------------------ commands
    def init(self, rest: str) -> None:
        choices = self.walk.initial_states()
        if not rest:
            self.listed = choices
            self._list(choices, lambda c: [", ".join(f"{n} = {compact(v)}" for n, v in c.described.items())])
            return
        chosen = self._numbered(rest, choices)
        if chosen is not None:
            self.walk.restart(chosen)
            self.say("At initial state " + rest + ".")

    def actions(self, _: str) -> None:
        self.listed = self.walk.successors()
        if not self.listed:
            self.say("No action is enabled here (a deadlock, unless the spec is meant to stop).")
        self._list(self.listed, self._changes)

    def step(self, rest: str) -> None:
        if not rest:
            self.say("usage: :step N (see :actions) or :step ACTION")
            return
        if rest.isdigit():
            chosen = self._numbered(rest, self.listed if self.listed and self.listed[0].action else [])
        else:
            matching = [c for c in self.walk.successors() if c.action == rest]
            if rest not in self.walk.model.action_names:
                self.say(f"the spec has no action {rest} (its actions: {', '.join(self.walk.model.action_names)})")
                return
            if len(matching) != 1:
                self.listed = matching
                self.say(f"{rest} is not enabled here." if not matching
                         else f"{rest} has {len(matching)} steps from here; take one with :step N:")
                self._list(matching, self._changes)
                return
            chosen = matching[0]
        if chosen is not None:
            self._take(chosen)

    def random_steps(self, rest: str) -> None:
        count = int(rest) if rest.isdigit() else 1
        for _ in range(count):
            choices = self.walk.successors()
            if not choices:
                self.say("No action is enabled here.")
                return
            self._take(self.rng.choice(choices))

    def back(self, _: str) -> None:
        went_back = self.walk.back()
        self.say(f"Back at state {len(self.walk.steps)}." if went_back else "Already at the first state.")
        self.listed = []

    def state(self, _: str) -> None:
        current = self._current()
        if current is not None:
            aliases = aliases_of(self.walk.model, current.state)
            for name, value in [*current.described.items(), *((f"alias {n}", v) for n, v in aliases.items())]:
                self.say(f"  {name} = {compact(value)}")

    def trace(self, _: str) -> None:
        for i, c in enumerate(self.walk.steps):
            self.say(f"State {i + 1}: " + ("initial state" if c.action is None else call(c.action, c.args)))

    def save(self, rest: str) -> None:
        if not rest or self._current() is None:
            self.say("usage: :save FILE (after choosing an initial state)")
            return
        evaluator = self.walk.evaluator
        meta = {"source": evaluator.spec.path, "spec": evaluator.spec.name, "description": "modelcheck repl walk",
                "constants": evaluator.model.describe_constants()}
        try:
            Path(rest).write_text(itf_text(trace_to_itf(self.walk.trace(), meta)), encoding="utf-8")
        except OSError as e:
            self.say(f"cannot write {rest}: {e.strerror or e}")
            return
        self.say(f"Wrote {len(self.walk.steps)} states to {rest}.")

    # ------------------------------------------------------------ helpers
    def _current(self) -> Choice | None:
        if self.walk.current is None:
            self.say("No current state: choose an initial state with :init N.")
        return self.walk.current

    def _take(self, chosen: Choice) -> None:
        first, *changed = self._changes(chosen)
        self.walk.take(chosen)
        self.listed = []
        self.say(f"State {len(self.walk.steps)}: {first}")
        for line in changed:
            self.say(line)

    def _changes(self, c: Choice) -> list[str]:
        """A successor as its call and what it changes (first line: the call)."""
        before = self.walk.current.described
        changed = [x for name, value in c.described.items() for x in changes(name, before[name], value)]
        return [call(c.action, c.args)] + [f"    {x}" for x in changed or ["(no variable changed)"]]

    def _list(self, choices: list[Choice], lines: Callable[[Choice], list[str]]) -> None:
        """Number the choices; `lines` says each in one line or more."""
        for i, c in enumerate(choices, 1):
            first, *more = lines(c)
            self.say(f"{i:>3}  {first}")
            for line in more:
                self.say(f"     {line}")

    def _numbered(self, text: str, choices: list[Choice]) -> Choice | None:
        if not choices:
            self.say("Nothing to choose from: list the choices first (:actions, :init).")
            return None
        if not text.isdigit() or not 1 <= int(text) <= len(choices):
            self.say(f"choose a number from 1 to {len(choices)}")
            return None
        return choices[int(text) - 1]


def _enable_line_editing() -> None:
    try:
        import readline  # noqa: F401  (arrow keys and history for input())
    except ImportError:
        pass
