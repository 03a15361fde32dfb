"""The command-line side of the Z3 engine: `check --z3` / `--z3-sample N`, and `prove`.

modelcheck/cli.py calls into this module; Z3 itself is imported only when a Z3 option is
used, so plain `check` does not pay for loading it.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time


def add_check_arguments(check: argparse.ArgumentParser, positive) -> None:
    check.add_argument("--z3", action="store_true",
                       help="also decide every explored state's invariants with Z3; any disagreement "
                            "with the compiled predicates is an error (exit 2)")
    check.add_argument("--z3-sample", type=positive, metavar="N",
                       help="like --z3, for a uniform random sample of N of the explored states")


def add_prove_parser(sub, add_spec_arguments, positive) -> None:
    prove = sub.add_parser(
        "prove", help="check with Z3 that invariants are inductive, or search for a violation up to a depth",
        description="Without --depth: check that the conjunction of the invariants (--inv, default all) is "
                    "inductive: Init => Inv and Inv /\\ C /\\ A => Inv' for every action A, over states whose "
                    "variables lie in their declared types, C being the spec's state constraint (induction "
                    "relative to the constraint, which bounds the states explored as in TLC). A failure "
                    "prints a counterexample to induction. With --depth K: bounded model checking of the "
                    "invariants from the initial states, up to K steps, printing a shortest violation. "
                    "Exit codes: 0 proved (or no violation within K steps), 1 not inductive (or violated), "
                    "2 bad input, 3 no counterexample to induction among the states that fit --bound "
                    "(variables of infinite types), which is not a proof.")
    add_spec_arguments(prove)
    prove.add_argument("--inv", action="append", default=None, metavar="NAME",
                       help="the invariant to prove (repeatable: their conjunction); default: all invariants")
    prove.add_argument("--depth", type=_natural, metavar="K",
                       help="bounded model checking from the initial states, up to K steps")
    prove.add_argument("--bound", type=_positive_int, default=2, metavar="N",
                       help="induction over variables of infinite types (Nat, unbounded sequences, sets and "
                            "bags of records) considers pre-states with at most N elements in each such set, "
                            "bag or map and N entries in each such sequence (default 2)")
    prove.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    prove.set_defaults(run=run_prove)


def _positive_int(text: str) -> int:
    n = _natural(text)
    if n == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return n


def _natural(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return n


# ---------------------------------------------------------------- check --z3

class CrossCheck:
    """Set up `check --z3`: the compiled spec with its model wrapped, and the progress display."""

    def __init__(self, compiled, args, reporter):
        from ..lang.errors import SpecError
        from .crosscheck import CrossCheckedModel, Z3Progress
        if (getattr(args, "workers", 1) or 1) > 1 or getattr(args, "engine", "local") != "local":
            # the Z3 solver lives in this process; the states of other processes never reach it
            raise SpecError("--z3 checks states in one process", hint="drop --workers and --engine")
        known = compiled.model.invariant_names
        for name in args.inv or ():
            if name not in known:
                raise SpecError(f"--inv {name}: the spec has no invariant '{name}'",
                                hint="invariants of this spec: " + (", ".join(known) or "none"))
        names = list(args.inv or known)
        self.started = time.perf_counter()
        self.model = CrossCheckedModel(compiled, names, args.z3_sample)
        self.compiled = dataclasses.replace(compiled, model=self.model)
        self.reporter = Z3Progress(reporter, self.model.z3)
        self.tty = sys.stderr.isatty() and not args.json

    def finish(self, result) -> None:
        """After the search: decide the sample (if sampling), raise on a disagreement, and
        print what Z3 did on stderr."""
        def progress(done: int, total: int) -> None:
            if self.tty:
                sys.stderr.write(f"\rZ3: {done:,} of {total:,} sampled states decided")
                sys.stderr.flush()
        self.model.finish(progress)
        if self.tty and self.model.sample is not None:
            sys.stderr.write("\n")
        z = self.model.z3
        what = (f"a sample of {z.states:,} of {self.model.seen:,} states" if self.model.sample is not None
                else f"{z.states:,} states")
        grown = f"; encoding rebuilt {z.rebuilds} times with room for bigger states" if z.rebuilds else ""
        print(f"Z3 decided the invariants of {what} ({z.checks:,} solver checks, "
              f"{z.rate:,.0f} states/s, {z.cpu_rate:,.0f} per CPU second{grown}): "
              f"0 disagreements with the compiled predicates.", file=sys.stderr)


# ---------------------------------------------------------------- prove

def run_prove(args) -> int:
    from ..cli import load_spec
    from ..report.json_out import json_value, trace_json
    from ..lang import ast as A
    from .prove import Prover
    compiled = load_spec(args)
    names = list(args.inv or compiled.model.invariant_names)
    prover = Prover(compiled, names, args.bound)
    tty = sys.stderr.isatty() and not args.json

    def progress(step: str) -> None:
        if tty:
            sys.stderr.write(f"\r\033[K  {step} ...")
            sys.stderr.flush()

    result = prover.induction(progress) if args.depth is None else prover.bmc(args.depth, progress)
    if tty:
        sys.stderr.write("\r\033[K")
    spec = compiled.checked.spec.name
    constants = compiled.model.describe_constants()
    if args.json:
        print(json.dumps({
            "spec": spec,
            "mode": "induction" if args.depth is None else "bmc",
            "invariants": names,
            "result": _verdict(result),
            "constants": json_value(constants),
            "seconds": round(result.seconds, 3),
            "steps": [{"name": s.name, "holds": s.holds, "seconds": round(s.seconds, 3)} for s in result.steps],
            "depth": result.depth,
            "max_depth": result.max_depth,
            "failing_step": result.failing_step,
            "broken": result.broken,
            "bounded": result.bounded,
            "bound": result.bound,
            "restarts": result.restarts,
            "trace": None if result.trace is None else trace_json(result.trace),
        }))
    else:
        constraint = ", ".join(d.name for d in compiled.checked.spec.of(A.ConstraintDecl))
        print(render_prove(spec, result, constants, constraint))
    if not result.holds:
        return 1
    return 0 if result.complete else 3


def _verdict(result) -> str:
    if result.kind == "induction":
        if not result.holds:
            return "not inductive"
        return "inductive" if result.complete else "no counterexample within the bound"
    return "ok" if result.holds else "violation"


def render_prove(spec: str, result, constants: dict, constraint: str = "") -> str:
    from ..report.text import render_trace
    from ..values import show
    inv = " /\\ ".join(result.invariants) or "TRUE"
    consts = ", ".join(f"{n} = {show(v)}" for n, v in constants.items())
    lines = []
    if result.kind == "induction":
        lines.append(f"Proving that {inv} is inductive for {spec} ({consts})")
        if constraint:
            lines.append(f"relative to the state constraint {constraint} (assumed in the state before each step)")
    else:
        lines.append(f"Bounded model checking of {spec} up to {result.max_depth} steps; "
                     f"invariants: {', '.join(result.invariants)} ({consts})")
    lines.append("")
    width = max([len(s.name) for s in result.steps] + [4])
    for s in result.steps:
        lines.append(f"  {s.name:<{width}}  {'holds' if s.holds else 'FAILS'}  {s.seconds:8.2f} s")
    lines.append("")
    if result.kind == "induction":
        if result.holds and not result.complete:
            lines.append(f"No counterexample to induction among the states in which {', '.join(result.bounded)} "
                         f"have at most {result.bound} elements in each set, bag or map and {result.bound} "
                         f"entries in each sequence of an infinite type ({result.seconds:.2f} s).")
            lines.append("This is not a proof: those variables' types are infinite. A larger --bound "
                         "searches more states.")
            return "\n".join(lines)
        if result.holds:
            pre = "Inv /\\ " + (f"{constraint} /\\ " if constraint else "")
            lines.append(f"Proved: {inv} is inductive (Init => Inv, and {pre}A => Inv' for every action A), "
                         f"in {result.seconds:.2f} s.")
            return "\n".join(lines)
        broken = ", ".join(result.broken) or inv
        if result.failing_step == "init":
            lines.append(f"Not inductive: an initial state violates {broken}:")
            lines.append("")
            lines += render_trace(result.trace)
        else:
            step = result.trace.steps[-1]
            args = ", ".join(f"{k} = {show(x)}" for k, x in step.args.items())
            lines.append(f"Not inductive: {step.action}({args}) leads from a state satisfying {inv} "
                         f"to a state violating {broken}.")
            lines.append("")
            lines.append("Counterexample to induction (state 1 satisfies the invariant; it need not be reachable):")
            lines.append("")
            trace = render_trace(result.trace)
            trace[0] = f"State 1: a state satisfying {inv}"
            lines += trace
        lines += ["", f"Finished in {result.seconds:.2f} s."]
        return "\n".join(lines)
    if result.holds:
        lines.append(f"No violation within {result.depth} steps of an initial state ({result.seconds:.2f} s).")
        if result.restarts:
            lines.append(f"(started again {result.restarts} times with room for more messages, longer logs ...)")
        return "\n".join(lines)
    broken = ", ".join(result.broken)
    lines.append(f"Error: invariant {broken} is violated.")
    lines.append("")
    lines.append(f"Shortest trace ({result.depth} steps; the last state violates {broken}):")
    lines.append("")
    lines += render_trace(result.trace)
    lines += ["", f"Finished in {result.seconds:.2f} s."]
    return "\n".join(lines)
