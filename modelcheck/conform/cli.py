"""The command line for conformance testing; cli.py wires it in.

    modelcheck conform SPEC --adapter MODULE:CLASS [--traces DIR]... [--runs N] [--events N] [--seed S]
        replay every trace in DIR against the implementation (spec -> implementation), and with
        --runs, validate N simulated executions of the implementation against the spec
        (implementation -> spec); exit 1 at the first divergence, which is printed with a
        per-variable diff

    modelcheck traces SPEC --out DIR [--strategy coverage|random|target] [--criteria LIST] [--count N] ...
        write a suite of traces of the spec (tracegen.py; with --criteria, criteria.py) as ITF
        files, and print its coverage

    modelcheck mutate --adapter MODULE:CLASS --traces DIR... [--source PATH]... [--runs N]
        mutate the implementation's source (mutate.py), judge each mutant by the suites, print
        the score and every surviving mutant as a diff
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Callable

from .tracefiles import write_suite
from ..compile.build import EVAL_ERRORS
from .criteria import CRITERIA, criteria_suite
from .tracegen import coverage_suite, measure, random_suite, target_suite

TARGET = "TraceTarget"


def _with_target(args: argparse.Namespace):
    """The spec with one more invariant, `not (TARGET EXPR)`: the states where it fails are
    the ones the trace must reach."""
    return with_invariants(args.spec, dict(args.const), {TARGET: f"not ({args.target})"}, not args.no_opt)


def with_invariants(spec: str, consts: dict[str, str], invariants: dict[str, str], optimise: bool = True):
    """The spec file compiled with more invariants (name -> expression text) appended: how
    a target expression given on the command line becomes a predicate on states."""
    from pathlib import Path

    from .. import pipeline
    text = Path(spec).read_text(encoding="utf-8")
    extra = "".join(f"\ninvariant {name}: {expr}\n" for name, expr in invariants.items())
    return pipeline.load_text(text + extra, consts, spec, optimise)


def add_parsers(sub, add_spec_arguments: Callable, load_spec: Callable, positive: Callable) -> None:
    traces = sub.add_parser("traces", help="write a suite of traces of the spec (ITF files) for conformance tests")
    add_spec_arguments(traces)
    traces.add_argument("--out", required=True, metavar="DIR", help="directory to write the traces to")
    traces.add_argument("--strategy", choices=("coverage", "random", "target"), default="coverage",
                        help="coverage: every transition class (action, changed variables) reachable within "
                             "the constraint, greedily, deepest first; random: seeded random walks; target: a "
                             "shortest trace to a state where --target holds (default: coverage)")
    traces.add_argument("--target", metavar="EXPR",
                        help="target: a spec expression over the state, e.g. 'exists m in msgs: m.type == \"2a\"'")
    traces.add_argument("--then", metavar="ACTION",
                        help="target: extend the trace by one step of ACTION (one trace per way of taking it)")
    traces.add_argument("--name", metavar="NAME",
                        help="file name prefix of the suite (default: the strategy); suites of other names "
                             "in the same directory are kept")
    traces.add_argument("--count", type=positive, metavar="N",
                        help="random: number of walks (default 20); coverage: at most N traces (default: all)")
    traces.add_argument("--depth", type=positive, default=30, metavar="N", help="random: steps per walk (default 30)")
    traces.add_argument("--seed", type=int, default=0, help="random: the seed (default 0)")
    traces.add_argument("--max-states", type=positive, default=1_000_000, metavar="N",
                        help="coverage: explore at most N states (default 1,000,000)")
    traces.add_argument("--pairs", action="store_true",
                        help="coverage: also every reachable pair of consecutive transition classes")
    traces.add_argument("--criteria", metavar="LIST",
                        help="coverage: the criteria to meet, comma-separated, from " + ", ".join(CRITERIA)
                             + " (e.g. guards,boundaries,branches,messages; default: classes); see README.md")
    traces.set_defaults(run=lambda args: run_traces(args, load_spec))

    conform = sub.add_parser("conform", help="check an implementation against the spec, both directions")
    add_spec_arguments(conform)
    conform.add_argument("--adapter", required=True, metavar="MODULE:CLASS",
                         help="the conformance adapter, e.g. impl.adapters.raft:RaftAdapter")
    conform.add_argument("--traces", action="append", default=[], metavar="DIR",
                         help="replay the traces in DIR (a directory or one .itf.json file; repeatable)")
    conform.add_argument("--runs", type=positive, metavar="N",
                         help="also validate N simulated executions of the implementation (seeds S..S+N-1)")
    conform.add_argument("--events", type=positive, metavar="N",
                         help="events per execution (default: the adapter's events_per_run)")
    conform.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    conform.add_argument("--all", action="store_true", help="report every divergent trace, not only the first")
    conform.set_defaults(run=run_conform)

    mutate = sub.add_parser("mutate", help="mutate an implementation's source and see which mutants its suites miss")
    mutate.add_argument("--adapter", required=True, metavar="MODULE:CLASS",
                        help="the conformance adapter, e.g. impl.adapters.raft:RaftAdapter")
    mutate.add_argument("--source", action="append", default=[], metavar="PATH",
                        help="a source file to mutate (repeatable; default: every file under the current "
                             "directory the adapter imports, the adapter's own left out)")
    mutate.add_argument("--traces", action="append", default=[], metavar="DIR",
                        help="replay the traces in DIR against each mutant (repeatable)")
    mutate.add_argument("--runs", type=int, default=0, metavar="N",
                        help="also validate N simulated executions of each mutant (default 0)")
    mutate.add_argument("--events", type=positive, metavar="N", help="events per execution (default: the adapter's)")
    mutate.add_argument("--seed", type=int, default=0, help="the first seed of the executions (default 0)")
    mutate.add_argument("--spec", metavar="PATH", help="the spec for validation runs (default: the adapter's spec)")
    mutate.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="a mutant still running after this is killed (default: 10 times the unmutated "
                             "run, at least 10 s)")
    mutate.add_argument("--jobs", type=positive, default=1, metavar="N", help="judge N mutants at a time (default 1)")
    mutate.add_argument("--only", type=positive, action="append", metavar="NUMBER",
                        help="judge only the mutant of this number (repeatable)")
    mutate.add_argument("--json", metavar="FILE", help="also write every verdict as JSON to FILE")
    mutate.add_argument("-q", "--quiet", action="store_true",
                        help="print only the score and the surviving mutants, not each verdict as it comes")
    mutate.set_defaults(run=run_mutate)


def run_traces(args: argparse.Namespace, load_spec: Callable) -> int:
    from ..lang.errors import SpecError
    if (args.strategy == "target") != bool(args.target):
        raise SpecError("--target EXPR goes with --strategy target, and only with it")
    if args.criteria is not None and (args.strategy != "coverage" or args.pairs):
        raise SpecError("--criteria LIST goes with --strategy coverage, without --pairs",
                        hint="--pairs is the pairs of transition classes of the default criterion")
    criteria = None if args.criteria is None else [c.strip() for c in args.criteria.split(",") if c.strip()]
    compiled = _with_target(args) if args.target else load_spec(args)
    model = compiled.model
    name = compiled.checked.spec.name
    constants = model.describe_constants()
    try:
        suite, coverage, goals, extra = _suite(args, model, compiled, criteria)
    except EVAL_ERRORS as e:
        raise SpecError(f"the spec could not be evaluated while generating traces: {model.explain_error(e)}",
                        hint="`modelcheck check` on the same spec and constants shows the shortest trace to "
                             "the state where it fails") from None
    if suite is None:
        return 1
    written = write_suite(args.out, suite, args.strategy, args.spec, name, constants, coverage, extra, args.name,
                          goals.summary() if criteria is not None else None)
    steps = sum(len(s.trace) - 1 for s in suite)
    print(f"Wrote {len(written)} {args.strategy} traces of {name} ({steps} steps) to {args.out}")
    for line in (goals.lines() if criteria is not None else coverage.lines()):
        print("  " + line)
    return 0


def _suite(args: argparse.Namespace, model, compiled, criteria):
    """(suite, its coverage, the criteria's coverage or None, extra meta) for the strategy;
    suite None: a target no state satisfies (said so)."""
    from ..lang.errors import SpecError
    goals = None
    if args.strategy == "target":
        if args.then and args.then not in model.action_names:
            raise SpecError(f"--then {args.then}: the spec has no such action",
                            hint="its actions: " + ", ".join(model.action_names))
        holds = model.invariant(TARGET)
        suite = target_suite(model, lambda s: not holds(s), args.then, max_states=args.max_states)
        if not suite:
            print(f"No reachable state within the constraint satisfies the target (or --then {args.then} "
                  f"is not enabled there); nothing written.")
            return None, None, None, None
        coverage = measure(model, [s.trace for s in suite])
        extra = {"target": args.target, **({"then": args.then} if args.then else {})}
    elif criteria is not None:
        suite, goals = criteria_suite(compiled, criteria, max_states=args.max_states, limit=args.count)
        coverage = measure(model, [s.trace for s in suite])
        extra = {"criteria": criteria}
    elif args.strategy == "coverage":
        suite, coverage = coverage_suite(model, max_states=args.max_states, limit=args.count, pairs=args.pairs)
        extra = {"pairs": True} if args.pairs else {}
    else:
        suite = random_suite(model, args.count or 20, args.depth, args.seed)
        coverage = measure(model, [s.trace for s in suite])
        extra = {"seed": args.seed, "depth": args.depth}
    return suite, coverage, goals, extra


def run_conform(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..lang.errors import SpecError
    from .replay import load_adapter, replay_files
    from .tracefiles import load_suite
    from .validate import validate

    if not args.traces and not args.runs:
        raise SpecError("nothing to do", hint="give --traces DIR (replay) and/or --runs N (validation)")
    try:
        adapter = load_adapter(args.adapter)
    except (ImportError, ValueError) as e:
        raise SpecError(f"--adapter {args.adapter}: {e}", hint="MODULE:CLASS of a modelcheck.conform.Adapter "
                        "subclass, importable from here, e.g. impl.adapters.raft:RaftAdapter") from None
    spec_name = pipeline.load(args.spec).checked.spec.name
    failed = False
    for location in args.traces:
        try:
            files = load_suite(location)
        except (OSError, ValueError) as e:
            raise SpecError(f"--traces {location}: {e}") from None
        for f in files:
            if f.meta.get("spec", spec_name) != spec_name:
                raise SpecError(f"{f.path} is a trace of {f.meta['spec']}, not of {spec_name}")
        outcomes = replay_files(adapter, files)
        # The earliest divergence first: its trace is the shortest way to the difference.
        bad = sorted((o for o in outcomes if not o.ok), key=lambda o: (o.divergence.step, o.trace))
        steps = sum(o.steps for o in outcomes)
        print(f"{location}: {len(files)} traces, {steps} steps replayed: "
              + ("every trace conforms" if not bad else f"{len(bad)} of them diverge"))
        for o in bad if args.all else bad[:1]:
            print(o.divergence.render())
        if len(bad) > 1 and not args.all:
            print(f"(and {len(bad) - 1} more divergent traces: " + ", ".join(o.trace for o in bad[1:6])
                  + (", ..." if len(bad) > 6 else "") + "; --all shows them)")
        failed = failed or bool(bad)
    if args.runs:
        consts = {**adapter.validation_constants, **dict(args.const)}
        report = validate(adapter, pipeline.load(args.spec, consts, optimise=not args.no_opt), range(args.seed, args.seed + args.runs),
                          args.events)
        print(f"validation of {adapter.__name__} against {spec_name}:")
        for line in report.lines():
            print("  " + line)
        if report.ok:
            print("every step of every execution is a step of the spec")
        else:
            print(report.failure.render())
            failed = True
    return 1 if failed else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_mutate(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from .. import pipeline
    from ..lang.errors import SpecError
    from . import mutate as M
    from .tracefiles import load_suite

    if not hasattr(os, "fork"):
        raise SpecError("modelcheck mutate judges each mutant in a forked process, and this system has no fork",
                        hint="run it on Linux or macOS")
    if not args.traces and not args.runs:
        raise SpecError("nothing to judge the mutants by", hint="give --traces DIR (replay) and/or --runs N (validation)")
    if args.runs < 0:
        raise SpecError(f"--runs {args.runs}: expected a number of executions, 0 or more")
    if args.timeout is not None and not args.timeout > 0:
        raise SpecError(f"--timeout {args.timeout:g}: expected a positive number of seconds")
    found = M.in_child(lambda: M.discover(args.adapter), timeout=300)
    if "error" in found or found.get("how") == "timeout":
        raise SpecError(found.get("error") or found.get("detail", "the adapter did not load"),
                        hint="MODULE:CLASS of a modelcheck.conform.Adapter subclass, importable from here, "
                             "e.g. impl.adapters.raft:RaftAdapter")
    if "modules" not in found:
        raise SpecError(f"--adapter {args.adapter}: {found.get('detail', 'could not be loaded')}")
    by_path = {str(Path(f).resolve()): name for name, f in found["modules"].items()}
    sources: list[tuple[str, str]] = []      # (path as given, module name)
    for given in args.source:
        path = Path(given)
        if not path.is_file():
            raise SpecError(f"--source {given}: no such file")
        name = by_path.get(str(path.resolve()))
        if name is None:
            raise SpecError(f"--source {given}: {args.adapter} does not import this file, so no mutant of it "
                            "could change what the suites see",
                            hint="the files it imports here: " + (", ".join(sorted(
                                os.path.relpath(f) for f in found["modules"].values())) or "none"))
        sources.append((given, name))
    if not args.source:
        sources = sorted((os.path.relpath(f), name) for name, f in found["modules"].items())
    if not sources:
        raise SpecError(f"{args.adapter} imports no source file under the current directory to mutate",
                        hint="name them with --source PATH")
    files = []
    for location in args.traces:
        try:
            files += load_suite(location)
        except (OSError, ValueError) as e:
            raise SpecError(f"--traces {location}: {e}") from None
    compiled = None
    if args.runs:
        spec = args.spec or found["spec"]
        if not spec:
            raise SpecError("--runs needs a spec: the adapter names none", hint="give --spec PATH")
        compiled = pipeline.load(spec, found["validation_constants"])
    judge = (lambda: M.judge_here(args.adapter, files, compiled, args.runs, args.seed, args.events))

    started = time.perf_counter()
    base = M.in_child(lambda: M.lines_run([p for p, _ in sources], judge), timeout=args.timeout or 3600)
    seconds = time.perf_counter() - started
    if base["killed"]:
        print(f"the unmutated implementation does not pass these suites ({base['how']}): {base.get('detail', '')}")
        return 2
    timeout = args.timeout or max(10.0, 10 * seconds)
    originals = {path: Path(path).read_text(encoding="utf-8") for path, _ in sources}
    mutants: list[M.Mutant] = []
    for path, name in sources:
        try:
            mutants += M.mutants_of(originals[path], path, name, len(mutants) + 1)
        except SyntaxError as e:
            raise SpecError(f"{path}:{e.lineno}:{e.offset}: cannot parse it: {e.msg}") from None
    if args.only:
        mutants = [m for m in mutants if m.number in args.only]
    unrun = M.not_run(mutants, base["lines"])
    print(f"{len(mutants)} mutants of " + ", ".join(p for p, _ in sources)
          + f"; the unmutated implementation passes ({base.get('traces', 0)} traces replayed, "
          f"{base.get('runs', 0)} executions validated, {seconds:.1f} s); timeout per mutant {timeout:.0f} s"
          + (f"; not judged: {_count(len(unrun), 'mutant')} on lines these suites never run" if unrun else ""))
    judged = [m for m in mutants if m not in unrun]
    width = min(60, max((len(m.title()) for m in mutants), default=0))

    def show(m: M.Mutant, v: M.Verdict) -> None:
        if args.quiet:
            return
        what = {"replay": "killed by replay", "validation": "killed by validation", "timeout": "killed by timeout",
                "import": "killed: does not import", "error": "killed: raised", "survived": "SURVIVED"}[v.how]
        print(f"  {m.number:4}  {m.title():<{width}}  {what}" + (f": {v.detail}" if v.detail else ""), flush=True)

    verdicts = M.judge_all(judged, lambda m: (M.install(m), judge())[1], timeout, args.jobs, show)
    verdicts.update({m.number: M.Verdict(False, "not run", "no suite runs this line") for m in unrun})
    killed = [m for m in judged if verdicts[m.number].killed]
    survivors = [m for m in judged if not verdicts[m.number].killed]
    hows: dict[str, int] = {}
    for m in killed:
        hows[verdicts[m.number].how] = hows.get(verdicts[m.number].how, 0) + 1
    score = 100.0 * len(killed) / len(judged) if judged else 100.0
    print(f"mutation score: {len(killed)}/{len(judged)} killed ({score:.1f}%)"
          + (" -- " + ", ".join(f"{n} by {h}" for h, n in sorted(hows.items())) if hows else "")
          + (f"; with the {len(unrun)} on lines never run, {len(killed)}/{len(mutants)} "
             f"({100.0 * len(killed) / len(mutants):.1f}%)" if unrun else "")
          + f", {time.perf_counter() - started:.0f} s")
    if unrun:
        print(f"{_count(len(unrun), 'mutant')} on lines these suites never run (code they do not exercise):")
        for path in dict.fromkeys(m.path for m in unrun):
            lines = sorted({m.line for m in unrun if m.path == path})
            print(f"  {path}: lines {', '.join(map(str, lines))}")
    if survivors:
        print(f"{_count(len(survivors), 'surviving mutant')} (bugs these suites would miss, or equivalent mutants):")
        for m in survivors:
            print(m.diff(originals[m.path]))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "score": [len(killed), len(judged)], "not_run": len(unrun),
            "mutants": [{"number": m.number, "file": m.path, "line": m.line, "operator": m.operator,
                         "change": m.change, "killed": verdicts[m.number].killed, "how": verdicts[m.number].how,
                         "detail": verdicts[m.number].detail, "seconds": round(verdicts[m.number].seconds, 2),
                         **({"diff": m.diff(originals[m.path])} if not verdicts[m.number].killed else {})}
                        for m in mutants]}, indent=1) + "\n", encoding="utf-8")
    return 1 if survivors or unrun else 0
