"""The command line for counterexamples: trace outputs of `check` (and of `simulate` and
`replay`) and the commands `simulate`, `replay`, `view` and `graph`. cli.py wires them in.

Trace outputs, each written only when there is a trace (a violation, a deadlock or an
evaluation error):
  --out-itf FILE   the trace as ITF JSON (report/itf.py)
  --dot/--svg/--png FILE   the trace as a picture (report/dot.py)
  --msc FILE       a message sequence chart (report/msc.py; .svg, .png or .dot), for specs
                   that declare `chart VAR from FIELD to FIELD`
  --html FILE      a page to step through the trace in a browser (report/html.py), with the
                   message sequence chart beside it when the spec declares one
Pictures other than .dot need graphviz's programs; without them the command stops before
doing any work, with a one-line hint, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any, Callable

from .compile.explain import explain_disabled
from .explore.replay import replay
from .explore.result import Outcome, Trace, Violation
from .explore.simulate import simulate
from .explore.state_graph import TooManyStates, state_graph
from .itfvalue import canonical, mark_model_values
from .lang.errors import SpecError
from .report.compact import MessageFields
from .report.dot import trace_graph
from .report.graph import state_graph_picture
from .report.html import chart_svg, graph_page, trace_page
from .report.itf import ItfError, itf_loop, itf_text, itf_to_expression, itf_to_trace, trace_to_itf
from .report.msc import ENGINE as MSC_ENGINE, messages_in, sequence_chart
from .report.render import INSTALL, PictureError, check_writable, require_engine, write_picture
from .report.runs import render_replay, render_simulation, simulation_json

PICTURES = (("dot", ".dot"), ("svg", ".svg"), ("png", ".png"))
EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_LIMIT = 0, 1, 2, 3
SIM_EXIT = {Outcome.OK: 0, Outcome.VIOLATION: 1, Outcome.DEADLOCK: 1, Outcome.ERROR: 2, Outcome.INCOMPLETE: 130}


# ---------------------------------------------------------------- trace outputs

def add_trace_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("counterexample outputs (written when there is a trace)")
    g.add_argument("--out-itf", metavar="FILE", help="write the trace as ITF JSON (Apalache/Quint trace format)")
    g.add_argument("--dot", metavar="FILE", help="write the trace as a graphviz DOT file")
    g.add_argument("--svg", metavar="FILE", help="draw the trace as SVG (needs graphviz)")
    g.add_argument("--png", metavar="FILE", help="draw the trace as PNG (needs graphviz)")
    g.add_argument("--msc", metavar="FILE", help="draw a message sequence chart (.svg, .png or .dot; "
                   "the spec must declare `chart VAR from FIELD to FIELD`)")
    g.add_argument("--html", metavar="FILE", help="write a page to step through the trace in a browser "
                   "(one self-contained .html file)")


def check_trace_outputs(args: argparse.Namespace, compiled) -> None:
    """Fail now (SpecError, exit 2) if an output asked for could not be written later."""
    try:
        for option, suffix in PICTURES:
            path = getattr(args, option, None)
            if path:
                _suffix(path, suffix, option)
                check_writable(path)
        if getattr(args, "msc", None):
            check_writable(args.msc, MSC_ENGINE)
            _message_fields(compiled)
        if getattr(args, "html", None):
            _suffix(args.html, ".html", "html")
    except PictureError as e:
        raise SpecError(str(e)) from None


def write_trace_outputs(args: argparse.Namespace, compiled, violation: Violation | None,
                        trace: Trace | None = None, description: str = "", loop: int | None = None) -> list[str]:
    """Write every trace output asked for; return what was written, as lines for stderr.
    loop: for a lasso, the index of the state the last state returns to (shown by --html)."""
    trace = trace if trace is not None else (violation.trace if violation is not None else None)
    wanted = [o for o in ("out_itf", "dot", "svg", "png", "msc", "html") if getattr(args, o, None)]
    if not wanted:
        return []
    if trace is None or not trace.steps:
        return [f"No counterexample: nothing written to {', '.join(getattr(args, o) for o in wanted)}."]
    name = compiled.checked.spec.name
    title = f"{name}: {_headline(violation)}" if violation is not None else name
    fields = _message_fields(compiled, required=False)
    notes = []
    if getattr(args, "out_itf", None):
        write_itf(args.out_itf, trace, compiled, args.spec, violation, description)
        notes.append(f"Wrote the trace ({len(trace) - 1} steps) as ITF to {args.out_itf}")
    picture = None
    for option, _ in PICTURES:
        path = getattr(args, option, None)
        if path:
            picture = picture or trace_graph(trace, title, violation, fields)
            _write(picture, path)
            notes.append(f"Drew the trace in {path}")
    if getattr(args, "msc", None):
        chart = sequence_chart(trace, _message_fields(compiled), title, violation, processes(compiled, trace))
        _write(chart, args.msc, MSC_ENGINE, fixed=True)
        notes.append(f"Drew the message sequence chart in {args.msc}")
    if getattr(args, "html", None):
        meta = _itf_meta(compiled, args.spec, violation, description)
        notes += write_html(args.html, trace, meta, title, violation, loop, fields, processes(compiled, trace))
    return notes


def write_itf(path: str, trace: Trace, compiled, spec_path: str, violation: Violation | None,
              description: str = "") -> None:
    meta = _itf_meta(compiled, spec_path, violation, description)
    _write_text(path, itf_text(trace_to_itf(trace, meta)))


def _itf_meta(compiled, spec_path: str, violation: Violation | None, description: str) -> dict[str, Any]:
    """What an ITF trace of ours says about itself: where it comes from and why."""
    meta: dict[str, Any] = {"source": str(spec_path), "spec": compiled.checked.spec.name,
                            "description": description or (f"modelcheck: {_headline(violation)}"
                                                           if violation else "modelcheck trace"),
                            "constants": compiled.model.describe_constants()}
    if violation is not None:
        meta["violation"] = {"kind": violation.kind, "name": violation.name}
    return meta


def write_html(path: str, trace: Trace, meta: dict[str, Any], title: str, violation: Violation | None,
               loop: int | None, fields: MessageFields | None, process_names: list[str],
               no_chart: str = "") -> list[str]:
    """Write the trace viewer page; return what was written, as lines for stderr.
    no_chart: why there is no chart when fields is None (default: the spec declares none)."""
    notes = [no_chart] if fields is None and no_chart else []
    chart = None
    note = no_chart or "No message sequence chart: the spec declares none (`chart VAR from FIELD to FIELD`)."
    if fields is not None:
        try:
            chart = chart_svg(trace, fields, title, violation, process_names)
        except PictureError as e:  # the page is still worth having
            note = f"No message sequence chart: {e}."
            notes.append(note)
    _write_text(path, trace_page(trace, meta, title, violation, loop, fields, chart, note))
    notes.append(f"Wrote the trace viewer ({len(trace) - 1} steps) to {path}")
    return notes


def _write_text(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise SpecError(f"cannot write {path}: {e.strerror or e}") from None


def processes(compiled, trace: Trace) -> list[str]:
    """The elements of every constant set of model values that holds a message's sender or
    receiver (e.g. Acceptors), so that idle processes get a lifeline too."""
    chart = compiled.checked.chart
    if chart is None:
        return []
    ends = set()
    for step in trace.steps:
        for m, _ in messages_in(step.state.get(chart.var)).values():
            for f in (chart.sender, chart.receiver):
                if f and isinstance(m, dict) and f in m and isinstance(m[f], str):
                    ends.add(str(m[f]))
    out: set[str] = set()
    for value in compiled.model.describe_constants().values():
        if isinstance(value, dict) and "#set" in value and value["#set"] \
                and all(isinstance(x, str) for x in value["#set"]) and ends & {str(x) for x in value["#set"]}:
            out |= {str(x) for x in value["#set"]}
    return sorted(out)


def _message_fields(compiled, required: bool = True) -> MessageFields | None:
    chart = compiled.checked.chart
    if chart is None:
        if required:
            raise SpecError(f"--msc: {compiled.checked.spec.path} does not say which variable holds the messages; "
                            "declare it in the spec, e.g. `chart msgs from acc` or `chart messages from msource to mdest`")
        return None
    return MessageFields(chart.var, chart.sender, chart.receiver)


def _headline(v: Violation | None) -> str:
    if v is None:
        return ""
    return {"invariant": f"invariant {v.name} is violated", "deadlock": "deadlock",
            "error": f"evaluation error: {v.name}",
            "property": f"property {v.name} is violated"}.get(v.kind, v.name)


def _suffix(path: str, expected: str, option: str) -> None:
    if Path(path).suffix.lower() != expected:
        raise PictureError(f"--{option} {path}: the file name must end in {expected}")


def _write(graph, path: str, engine: str = "dot", fixed: bool = False) -> None:
    try:
        write_picture(graph, path, engine, fixed)
    except PictureError as e:
        raise SpecError(str(e)) from None
    except OSError as e:
        raise SpecError(f"cannot write {path}: {e.strerror or e}") from None


# ---------------------------------------------------------------- commands

def add_parsers(sub, add_spec_arguments: Callable, load_spec: Callable, positive: Callable) -> None:
    sim = sub.add_parser("simulate", help="random walks that check the invariants (fast, not exhaustive)")
    add_spec_arguments(sim)
    sim.add_argument("--runs", type=positive, default=1000, metavar="N", help="number of walks (default 1000)")
    sim.add_argument("--depth", type=positive, default=100, metavar="D", help="steps per walk at most (default 100)")
    sim.add_argument("--seed", type=int, metavar="S", help="random seed (default: a new one, printed)")
    sim.add_argument("--inv", action="append", default=None, metavar="NAME", help="check only this invariant (repeatable)")
    sim.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    sim.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    sim.add_argument("--all-traces", metavar="DIR", help="write every walk as DIR/run_00001.itf.json, ...")
    add_trace_arguments(sim)
    sim.set_defaults(run=lambda args: run_simulate(args, load_spec))

    rep = sub.add_parser("replay", help="check that a trace (ITF JSON, e.g. from Quint or Apalache) is a behaviour of the spec")
    add_spec_arguments(rep)
    rep.add_argument("trace", help="the trace, an .itf.json file")
    rep.add_argument("--inv", action="append", default=None, metavar="NAME",
                     help="also report the trace's states that violate this invariant (repeatable; default all)")
    add_trace_arguments(rep)
    rep.set_defaults(run=lambda args: run_replay(args, load_spec))

    view = sub.add_parser("view", help="write a page to step through a trace (ITF JSON) in a browser")
    view.add_argument("trace", help="the trace, an .itf.json file (from --out-itf, Quint or Apalache)")
    view.add_argument("--html", metavar="FILE",
                      help="where to write the page (default: next to the trace, ending in .html)")
    view.add_argument("--spec", metavar="FILE", help="the spec the trace comes from, for the message sequence "
                      "chart (default: the file the trace's #meta.source names, if there is one)")
    view.set_defaults(run=lambda args: run_view(args, load_spec), const=[], no_opt=False)

    gr = sub.add_parser("graph", help="draw the whole reachable state graph of a small model")
    add_spec_arguments(gr)
    gr.add_argument("--svg", metavar="FILE", help="draw as SVG")
    gr.add_argument("--png", metavar="FILE", help="draw as PNG")
    gr.add_argument("--dot", metavar="FILE", help="write the DOT source")
    gr.add_argument("--html", metavar="FILE", help="write a page to explore it in a browser: zoom, pan, "
                    "click a state to see it (needs graphviz)")
    gr.add_argument("--max-states", type=positive, default=500, metavar="N",
                    help="refuse models with more than N reachable states (default 500)")
    gr.add_argument("--inv", action="append", default=None, metavar="NAME", help="mark violations of this invariant only")
    gr.set_defaults(run=lambda args: run_graph(args, load_spec))


def _invariants(compiled, names: list[str] | None) -> list[str]:
    known = list(compiled.model.invariant_names)
    for name in names or ():
        if name not in known:
            raise SpecError(f"--inv {name}: the spec has no invariant '{name}'",
                            hint="invariants of this spec: " + (", ".join(known) or "none"))
    return list(names) if names else known


def run_simulate(args: argparse.Namespace, load_spec: Callable) -> int:
    compiled = load_spec(args)
    check_trace_outputs(args, compiled)
    invariants = _invariants(compiled, args.inv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10 ** 6)
    sink = None
    if args.all_traces:
        folder = Path(args.all_traces)
        folder.mkdir(parents=True, exist_ok=True)

        def sink(run: int, trace: Trace) -> None:
            write_itf(str(folder / f"run_{run + 1:05d}.itf.json"), trace, compiled, args.spec, None,
                      f"modelcheck simulate --seed {seed}: run {run + 1}")
    result = simulate(compiled.model, invariants, args.runs, args.depth, seed, not args.no_deadlock, sink)
    name = compiled.checked.spec.name
    if args.json:
        print(json.dumps(simulation_json(name, result, compiled.model.describe_constants())))
    else:
        print(render_simulation(name, result, invariants, args.runs, args.depth))
    description = f"modelcheck simulate --seed {seed}: run {result.run + 1}" if result.run is not None else ""
    for note in write_trace_outputs(args, compiled, result.violation, description=description):
        print(note, file=sys.stderr)
    if args.all_traces:
        print(f"Wrote {result.stats.runs} traces to {args.all_traces}/", file=sys.stderr)
    return SIM_EXIT[result.outcome]


def read_trace(path: str) -> tuple[dict, Trace, int | None]:
    """The ITF document in the file (its #meta has the constants), the trace it holds and
    its lasso's loop index."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return document, itf_to_trace(document), itf_loop(document)
    except FileNotFoundError:
        raise SpecError(f"trace file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SpecError(f"cannot read trace '{path}': {e}", hint="give an ITF trace (.itf.json)") from None
    except RecursionError:  # JSON nested thousands deep
        raise SpecError(f"cannot read trace '{path}': nested too deeply", hint="give an ITF trace (.itf.json)") from None
    except ItfError as e:
        raise SpecError(f"{path}: {e}", hint="see https://apalache-mc.org/docs/adr/015adr-trace.html") from None


def run_replay(args: argparse.Namespace, load_spec: Callable) -> int:
    document, trace, loop = read_trace(args.trace)
    compiled = _with_trace_constants(args, load_spec, document)
    check_trace_outputs(args, compiled)
    invariants = _invariants(compiled, args.inv)
    result = replay(compiled.model, trace, invariants,
                    explain=lambda a, s, given: explain_disabled(compiled, a, s, given))
    print(render_replay(compiled.checked.spec.name, args.trace, result, len(trace)))
    if result.ok:
        last = len(result.trace) - 1
        broken = [("type", problem) for i, problem in result.outside_types if i == last] + [
            ("invariant", name) for i, name in result.violations if i == last]
        violation = Violation(*broken[0], result.trace) if broken else None
        for note in write_trace_outputs(args, compiled, violation, result.trace, f"replayed from {args.trace}", loop):
            print(note, file=sys.stderr)
        return EXIT_OK
    return EXIT_FOUND


def _with_trace_constants(args: argparse.Namespace, load_spec: Callable, document: dict):
    """The spec compiled with the constants the trace was made with (from its #meta), unless
    --const says otherwise; the user is told which ones were taken from the trace."""
    compiled = load_spec(args)
    taken = trace_constants(document, compiled.model.describe_constants(), {name for name, _ in args.const})
    if not taken:
        return compiled
    args.const = list(args.const) + taken
    return load_spec(args)


def trace_constants(document: dict, ours: dict[str, Any], given: set[str]) -> list[tuple[str, str]]:
    """The constants (name, expression text) the trace was made with where they differ from
    `ours` (ITF values) and the command line does not give them (`given`); the user is told."""
    meta = document.get("#meta") if isinstance(document.get("#meta"), dict) else {}
    recorded = meta.get("constants")
    if not isinstance(recorded, dict):
        return []
    model_values = frozenset(meta.get("modelValues") or ())
    taken = []
    for name, value in recorded.items():
        value = mark_model_values(canonical(value), model_values)  # JSON strings: which are model values
        if name in ours and name not in given and canonical(ours[name]) != canonical(value):
            try:
                taken.append((name, itf_to_expression(value)))
            except ItfError as e:
                raise SpecError(f"the trace was made with another value of {name}: {e}",
                                hint=f"pass --const {name}=VALUE") from None
    if taken:
        print("Using the trace's constants: " + ", ".join(f"{n} = {t}" for n, t in taken)
              + " (override with --const)", file=sys.stderr)
    return taken


def run_graph(args: argparse.Namespace, load_spec: Callable) -> int:
    outputs = [(o, getattr(args, o)) for o in ("svg", "png", "dot") if getattr(args, o)]
    if not outputs and not args.html:
        raise SpecError("graph: say where to draw it: --svg FILE, --png FILE, --dot FILE or --html FILE")
    try:
        for option, path in outputs:
            _suffix(path, "." + option, option)
            check_writable(path)
        if args.html:
            _suffix(args.html, ".html", "html")
            require_engine("dot", args.html, INSTALL)
    except PictureError as e:
        raise SpecError(str(e)) from None
    compiled = load_spec(args)
    invariants = _invariants(compiled, args.inv)
    try:
        graph = state_graph(compiled.model, invariants, args.max_states)
    except TooManyStates as e:
        print(f"The reachable state graph has more than {e.limit:,} states: not drawn (graphviz would take "
              f"very long and the picture would be unreadable). Make the model smaller with --const, or raise "
              f"--max-states if you mean it.", file=sys.stderr)
        return EXIT_LIMIT
    name = compiled.checked.spec.name
    bad = [n for n in graph.nodes if n.broken]
    picture = state_graph_picture(graph, f"{name}: {len(graph.nodes)} states, {len(graph.edges)} steps",
                                  _message_fields(compiled, required=False))
    for option, path in outputs:
        _write(picture, path)
    if args.html:
        try:
            page = graph_page(graph, f"{name}: {len(graph.nodes)} states, {len(graph.edges)} steps",
                              _message_fields(compiled, required=False))
        except PictureError as e:
            raise SpecError(str(e)) from None
        _write_text(args.html, page)
    written = [p for _, p in outputs] + ([args.html] if args.html else [])
    print(f"Drew {len(graph.nodes)} states and {len(graph.edges)} steps of {name} in "
          f"{', '.join(written)}" + (f"; {len(bad)} states violate an invariant (red)" if bad else ""))
    return EXIT_OK


def run_view(args: argparse.Namespace, load_spec: Callable) -> int:
    """`modelcheck view TRACE`: the trace viewer page for an ITF file, with the message
    sequence chart when the spec it comes from is known and declares one."""
    document, trace, loop = read_trace(args.trace)
    if not trace.steps:
        raise SpecError(f"{args.trace}: the trace has no state: nothing to show")
    out = args.html or _beside(args.trace, ".html")
    try:
        _suffix(out, ".html", "html")
    except PictureError as e:
        raise SpecError(str(e)) from None
    recorded = document.get("#meta") if isinstance(document.get("#meta"), dict) else {}
    violation = _recorded_violation(recorded, trace, args.trace)
    name = recorded.get("spec") if isinstance(recorded.get("spec"), str) else Path(args.trace).name
    title = f"{name}: {_headline(violation)}" if violation is not None else name
    fields, process_names, no_chart = None, [], ""
    if not args.spec:
        args.spec, no_chart = _recorded_source(recorded)
    if args.spec:
        compiled = _with_trace_constants(args, load_spec, document)
        _same_variables(compiled, trace, args)
        fields, process_names = _message_fields(compiled, required=False), processes(compiled, trace)
    meta = {k: v for k, v in recorded.items() if k not in ("format", "format-description", "modelValues")}
    for note in write_html(out, trace, meta, title, violation, loop, fields, process_names, no_chart):
        print(note, file=sys.stderr)
    print(Path(out).resolve().as_uri())
    return EXIT_OK


def _beside(path: str, suffix: str) -> str:
    """path with its .itf.json (or .json) ending replaced by suffix."""
    for ending in (".itf.json", ".json"):
        if path.endswith(ending):
            return path[:-len(ending)] + suffix
    return path + suffix


def _recorded_violation(meta: dict, trace: Trace, path: str) -> Violation | None:
    """The violation a trace's #meta records (ours: {"kind": ..., "name": ...}), if any."""
    recorded = meta.get("violation")
    if recorded is None:
        return None
    if not (isinstance(recorded, dict) and isinstance(recorded.get("kind"), str)
            and isinstance(recorded.get("name"), str)):
        raise SpecError(f"{path}: #meta.violation must be {{\"kind\": \"invariant\", \"name\": NAME}} "
                        f"(or deadlock, error), got {json.dumps(recorded)}",
                        hint="remove it to show the trace without a verdict")
    return Violation(recorded["kind"], recorded["name"], trace)


def _recorded_source(meta: dict) -> tuple[str | None, str]:
    """The spec file a trace's #meta.source names, if it is here (the user is told); else
    None and why there is no chart."""
    source = meta.get("source")
    if not isinstance(source, str):
        return None, ("No message sequence chart: the trace does not say which spec it comes from "
                      "(give it with --spec FILE).")
    if not Path(source).is_file():
        return None, (f"No message sequence chart: the trace comes from {source}, which is not here "
                      "(give the spec with --spec FILE).")
    print(f"Using the spec the trace names: {source} (override with --spec)", file=sys.stderr)
    return source, ""


def _same_variables(compiled, trace: Trace, args: argparse.Namespace) -> None:
    ours = [v.name for v in compiled.checked.vars]
    theirs = list(trace.steps[0].state)
    if sorted(ours) != sorted(theirs):
        raise SpecError(f"{args.trace}: the trace's variables ({', '.join(theirs)}) are not those of "
                        f"{args.spec} ({', '.join(ours)})",
                        hint="give the spec the trace comes from with --spec FILE")
