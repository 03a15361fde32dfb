"""The command `modelcheck search`: incomplete searches for deep violations; cli.py wires it in.

    modelcheck search SPEC --strategy swarm [--seed S] [--members N] [--depth D]
        [--member-steps N] [--workers N] [--timeout SECONDS] [--inv NAME]... [--backend B]
        many small randomized searches, each biased differently (explore/swarm.py); the first
        violation found, with its trace shortened (not guaranteed shortest). --backend native
        runs the members in C on --workers threads (explore/native/swarm_driver.py), python
        on --workers processes; auto (the default, as for `check`) native where the spec is
        in the native subset. The two draw differently: a seed names one swarm per backend.

    modelcheck search SPEC --strategy guided --target EXPR [--target EXPR]... [--max-states N]
        best-first search through the targets in order (explore/guided.py); ends at the first
        state that breaks an invariant or satisfies the last target

Both report states outside their declared types and broken invariants, and print the
result as `check` does (text or --json) and write the trace outputs
(--out-itf, --svg, --msc, ...). Exit codes as `check`: 1 a violation found (or the last
target reached), 0 nothing found, 3 stopped by --timeout or --max-states, 2 bad input.
"""
from __future__ import annotations

import argparse
import functools
import json
import random
import sys
from typing import Callable

from . import trace_cli
from .conform.cli import with_invariants
from .explore.guided import Milestone, guided
from .explore.result import CheckResult, Outcome
from .explore.native.swarm_driver import native_swarm
from .explore.swarm import SwarmResult, swarm
from .lang import ast as A
from .lang.errors import SpecError
from .lang.parser import parse_expr
from .report.json_out import result_json
from .report.text import TYPE_VERDICT, VERDICTS, render_trace, steps

EXIT = {Outcome.OK: 0, Outcome.VIOLATION: 1, Outcome.DEADLOCK: 1, Outcome.ERROR: 2, Outcome.INCOMPLETE: 3}
TARGET = "SearchTarget"          # the invariant `not (last target)`: broken where the search ends
SWARM_ONLY = ("seed", "first_member", "members", "depth", "member_steps", "workers", "shorten_states")
GUIDED_ONLY = ("target", "max_states", "novelty")


def add_parser(sub, add_spec_arguments: Callable, load_spec: Callable, positive: Callable,
               seconds: Callable) -> None:
    p = sub.add_parser("search", help="look for deep violations: swarm (many biased random searches) or "
                                      "guided (best-first towards --target)")
    add_spec_arguments(p)
    p.add_argument("--strategy", choices=("swarm", "guided"), required=True,
                   help="swarm: many small randomized searches, each with its own seed, action weights and "
                        "depth bound; guided: best-first towards the --target expressions")
    p.add_argument("--inv", action="append", default=None, metavar="NAME",
                   help="check only this invariant (repeatable); default: all")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS", help="stop after SECONDS of searching")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--backend", choices=("auto", "native", "python"), default=None,
                   help="swarm: native runs the members in C on threads (needs a C compiler), python in Python "
                        "processes; auto: native when the spec is in the native subset (default: "
                        "$MODELCHECK_BACKEND if set, else auto). Guided search runs on python")
    s = p.add_argument_group("swarm")
    s.add_argument("--seed", type=int, metavar="S", help="the run's seed (default: a new one, printed); "
                   "member i draws from random.Random('S:i')")
    s.add_argument("--first-member", type=int, metavar="I",
                   help="start at member I (default 0): --first-member I --members 1 runs member I alone")
    s.add_argument("--members", type=positive, metavar="N", help="run members 0..N-1 at most (default 100000)")
    s.add_argument("--depth", type=positive, metavar="D",
                   help="longest walk; each member takes its bound between D/2 and D (default 100)")
    s.add_argument("--member-steps", type=positive, metavar="N", help="steps per member (default 20000)")
    s.add_argument("--workers", type=positive, metavar="N", help="run the members on N processes (default 1)")
    s.add_argument("--shorten-states", type=positive, metavar="N",
                   help="states each shortcut search of the found trace may visit (default 5000)")
    g = p.add_argument_group("guided")
    g.add_argument("--target", action="append", metavar="EXPR",
                   help="a spec expression over the state; repeat for milestones to pass in order, "
                        "e.g. --target 'size(elections) > 0' --target 'size(elections) > 1'")
    g.add_argument("--max-states", type=positive, metavar="N", help="stop after N distinct states (default 1000000)")
    g.add_argument("--novelty", type=float, metavar="W",
                   help="weight of the bonus for rarely taken transition classes, below 1 (default 0.5)")
    trace_cli.add_trace_arguments(p)
    p.set_defaults(run=lambda args: run_search(args, load_spec))


def run_search(args: argparse.Namespace, load_spec: Callable) -> int:
    _check_options(args)
    if args.strategy == "guided":
        compiled, milestones = _with_targets(args)
    else:
        compiled, milestones = load_spec(args), []
    trace_cli.check_trace_outputs(args, compiled)
    model = compiled.model
    invariants = trace_cli._invariants(compiled, args.inv) if args.inv else [
        n for n in model.invariant_names if not n.startswith(TARGET)]
    spec_name = compiled.checked.spec.name
    backend = _backend(args, compiled)
    print(f"  backend: {backend.name} ({backend.reason})", file=sys.stderr, flush=True)
    if args.strategy == "swarm":
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10 ** 6)
        run = functools.partial(swarm, model) if backend.native is None else functools.partial(native_swarm,
                                                                                                backend.native)
        found = run(invariants=invariants, seed=seed, members=args.members or 100_000, depth=args.depth or 100,
                    member_steps=args.member_steps or 20_000, workers=args.workers or 1, timeout=args.timeout,
                    shorten_states=args.shorten_states or 5_000, first_member=args.first_member or 0)
        result, lines, extra = found.result, _swarm_lines(found, spec_name), _swarm_json(found)
        description = (f"modelcheck search --strategy swarm --seed {seed}: member {found.found_by.index}"
                       if found.found_by is not None else "")
    else:
        searched = guided(model, milestones, invariants, args.max_states or 1_000_000,
                          0.5 if args.novelty is None else args.novelty, args.timeout)
        result = searched.result
        lines = [f"Targets passed: {searched.passed}/{len(args.target)} ({'; '.join(args.target)})."]
        extra = {"targets": args.target, "targets_passed": searched.passed}
        description = "modelcheck search --strategy guided"
    if args.json:
        print(json.dumps({**result_json(spec_name, result, model.describe_constants()),
                          "strategy": args.strategy, **extra}))
    else:
        print(_render(spec_name, result, invariants, args.strategy, lines))
    for note in trace_cli.write_trace_outputs(args, compiled, result.violation, description=description):
        print(note, file=sys.stderr)
    if result.stopped_because == "interrupted":
        return 130
    return EXIT[result.outcome]


def _backend(args: argparse.Namespace, compiled):
    """The backend that runs the search, as `check` chooses it; guided search is Python's."""
    from . import pipeline
    from .cli import requested_backend
    requested, asked_by = requested_backend(args)
    if args.strategy == "guided":
        if requested == "native":
            raise SpecError(f"{asked_by}: guided search runs on the Python backend only",
                            hint="use --backend python or auto, or --strategy swarm for the native backend")
        return pipeline.Backend("python", "guided search runs on the Python backend only")
    return pipeline.choose_backend(compiled, requested, [], asked_by=asked_by)


def _check_options(args: argparse.Namespace) -> None:
    other, wrong = (GUIDED_ONLY, "swarm") if args.strategy == "swarm" else (SWARM_ONLY, "guided")
    given = [o for o in other if getattr(args, o) is not None]
    if given:
        raise SpecError(f"--{given[0].replace('_', '-')} does not go with --strategy {wrong}",
                        hint="swarm takes --seed, --first-member, --members, --depth, --member-steps, --workers, --shorten-states; "
                             "guided takes --target, --max-states, --novelty")
    if args.strategy == "guided" and not args.target:
        raise SpecError("--strategy guided needs a goal: --target EXPR (repeatable, for milestones in order)")
    if args.first_member is not None and args.first_member < 0:
        raise SpecError(f"--first-member {args.first_member}: expected a member number, 0 or more")
    if args.novelty is not None and not 0 <= args.novelty < 1:
        raise SpecError(f"--novelty {args.novelty:g}: expected a weight in [0, 1)",
                        hint="below 1, so that the bonus never outweighs one more part of the target")


# ---------------------------------------------------------------- targets

def _with_targets(args: argparse.Namespace):
    """The spec compiled with each target, and each part of it, as an invariant `not (..)`:
    (compiled spec, milestones). The last target's invariant is TARGET."""
    extra: dict[str, str] = {}
    plan = []
    for k, text in enumerate(args.target):
        name = TARGET if k == len(args.target) - 1 else f"{TARGET}{k + 1}"
        parts = [f"{name}_part{p + 1}" for p in range(len(target_parts(text)))]
        extra[name] = f"not ({text})"
        extra.update({part: f"not ({expr})" for part, expr in zip(parts, target_parts(text))})
        plan.append((name, parts))
    compiled = with_invariants(args.spec, dict(args.const), extra, not args.no_opt)
    model = compiled.model

    def negated(name: str):
        holds = model.invariant(name)
        return lambda s: not holds(s)

    return compiled, [Milestone(name, negated(name), tuple(negated(p) for p in parts)) for name, parts in plan]


def target_parts(text: str) -> list[str]:
    """Expressions that tend to become true on the way to `text`: its conjuncts, and for a
    conjunct `exists B: C1 and ... and Cn` the prefixes `exists B: C1 and ... and Ci`, i < n.
    The target itself is never one of them."""
    tree = parse_expr(text, "--target")
    lines = text.splitlines()

    def source(node) -> str:
        sp = node.span
        if sp.line == sp.end_line:
            return lines[sp.line - 1][sp.col - 1:sp.end_col - 1]
        middle = lines[sp.line:sp.end_line - 1]
        return "\n".join([lines[sp.line - 1][sp.col - 1:], *middle, lines[sp.end_line - 1][:sp.end_col - 1]])

    conjuncts = _conjuncts(tree)
    parts = [f"({source(c)})" for c in conjuncts] if len(conjuncts) > 1 else []
    for c in conjuncts:
        if isinstance(c, A.Quant) and c.kind == "exists":
            body = _conjuncts(c.body)
            binders = ", ".join(source(b) for b in c.binders)
            parts += [f"exists {binders}: " + " and ".join(f"({source(x)})" for x in body[:i])
                      for i in range(1, len(body))]
    return parts


def _conjuncts(e) -> list:
    if isinstance(e, A.Binary) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


# ---------------------------------------------------------------- reports

def _render(spec_name: str, result: CheckResult, invariants: list[str], strategy: str, lines: list[str]) -> str:
    v = result.violation
    out = [f"Searching {spec_name} ({strategy}); invariants: {', '.join(invariants) or 'none'}", ""]
    if v is not None and v.kind == "invariant" and v.name.startswith(TARGET):
        out.append("Target reached.")
    elif v is not None and v.kind == "type":
        out.append(TYPE_VERDICT.format(name=v.name))
    elif result.outcome == Outcome.OK:
        out.append("No error found (the search is not exhaustive: this proves nothing).")
    else:
        out.append(VERDICTS[result.outcome].format(name=v.name if v else "", stopped=result.stopped_because))
    if v is not None and v.trace.steps:
        out += ["", f"Trace ({steps(len(v.trace) - 1)}; not guaranteed shortest):", ""]
        out += render_trace(v.trace)
    s = result.stats
    out += ["", f"{s.generated:,} steps generated, {s.distinct:,} states visited, in {s.seconds:.2f} s.", *lines]
    return "\n".join(out)


def _swarm_lines(found: SwarmResult, spec_name: str) -> list[str]:
    out = [f"Swarm of seed {found.seed}: {len(found.members)} members run (member i draws from "
           f"{found.draws.format(seed=found.seed)}; replay with --seed {found.seed} on the same backend)."]
    if found.found_by is not None:
        m = found.found_by
        names = list(found.taken)
        off = [names[a] for a, w in enumerate(m.weights) if w == 0]
        rare = [names[a] for a, w in enumerate(m.weights) if 0 < w < 1]
        out.append(f"Found by member {m.index} (seed '{m.seed}', depth bound {m.depth}"
                   + (f"; disabled: {', '.join(off)}" if off else "")
                   + (f"; rare: {', '.join(rare)}" if rare else "") + ").")
        out.append(f"Run it alone: --seed {found.seed} --first-member {m.index} --members 1 "
                   "(with the same --depth and --member-steps).")
        length = len(found.result.violation.trace) - 1
        out.append(f"Its trace of {steps(found.steps_before_shortening)} was shortened to {steps(length)} "
                   "by shortcut searches; a shorter one may exist.")
    never = [a for a, n in found.taken.items() if n == 0]
    out.append(f"Actions taken: {len(found.taken) - len(never)}/{len(found.taken)}"
               + (f" (never: {', '.join(never)})" if never else "") + ".")
    return out


def _swarm_json(found: SwarmResult) -> dict:
    return {"seed": found.seed,
            "members": [{"index": r.member.index, "seed": r.member.seed, "depth": r.member.depth,
                         "steps": r.steps, "walks": r.walks, "states": r.states,
                         "found": None if r.found is None else r.found[1]} for r in found.members],
            "found_by": None if found.found_by is None else found.found_by.index,
            "steps_before_shortening": found.steps_before_shortening,
            "shortest_guaranteed": False,
            "actions_taken": found.taken}
