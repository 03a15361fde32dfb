"""The `modelcheck` command. The only place that prints results and chooses exit codes.

Exit codes: 0 every invariant holds; 1 violation or deadlock; 2 bad input or usage
(including a spec that fails while being evaluated); 3 stopped early by a limit;
130 interrupted (the statistics so far are printed first).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from .explore.resources import OutOfTime, describe_bytes, parse_size, time_limit
from .explore.result import CheckResult, Outcome, Stats
from .lang.errors import SpecError, SpecErrors
from .history import cli as history_cli
# The spec machinery (lark, numpy, z3) is imported where a command needs it, not here:
# `modelcheck history` needs none of it, and importing it was most of its start-up time.

EXIT = {Outcome.OK: 0, Outcome.VIOLATION: 1, Outcome.DEADLOCK: 1, Outcome.ERROR: 2, Outcome.INCOMPLETE: 3}
EXIT_INTERRUPTED = 130
BACKENDS = ("auto", "native", "python")
EXIT_CODES_HELP = """exit codes:
  0    every invariant holds (and no deadlock, unless --no-deadlock)
  1    an invariant is violated, a variable left its declared type, or a deadlock was reached
  2    bad input or usage (the message names file:line:col), or the spec failed while being evaluated
  3    stopped early by --max-states, --max-depth, --timeout or --memory (statistics so far printed)
  130  interrupted with Ctrl-C (statistics so far printed)"""


class TerminalProgress:
    """A one-line live display on stderr, redrawn in place."""

    def __init__(self) -> None:
        self.shown = False

    def progress(self, stats: Stats) -> None:
        from .report.text import render_progress
        sys.stderr.write("\r" + render_progress(stats))
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


class LogProgress:
    """A progress line on stderr every `every` seconds, for logs and CI (stderr not a terminal)."""

    def __init__(self, every: float) -> None:
        self.every = every  # the explorer reports at least this often (bfs.Reporter)
        self.last = time.perf_counter()

    def progress(self, stats: Stats) -> None:
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            from .report.text import render_progress_line
            print(render_progress_line(stats), file=sys.stderr, flush=True)

    def clear(self) -> None:
        pass


class Silent:
    def progress(self, stats: Stats) -> None:
        pass

    def clear(self) -> None:
        pass


def progress_reporter(args: argparse.Namespace):
    """A live line on a terminal; a line every --progress seconds (default 60) otherwise."""
    if sys.stderr.isatty():
        return Silent() if args.json else TerminalProgress()
    return LogProgress(args.progress)


def _const(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. Ballots=0..2, got {text!r}")
    return name.strip(), value.strip()


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _seconds(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = 0.0
    if not 0 < n < 1e9:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return n


def _size(text: str) -> int:
    n = parse_size(text)
    if not n:
        raise argparse.ArgumentTypeError(f"expected a memory size such as 2GB or 512MB, got {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    from . import repl, search_cli, trace_cli
    from .conform import cli as conform_cli
    from .lsp import run_server
    from .z3 import cli as z3_cli
    parser = argparse.ArgumentParser(prog="modelcheck", description="Model checker for distributed protocols.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="explore every reachable state and check the invariants",
                           epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_spec_arguments(check)
    check.add_argument("--inv", action="append", default=None, metavar="NAME",
                       help="check only this invariant (repeatable); default: all")
    check.add_argument("--prop", action="append", default=None, metavar="NAME",
                       help="check only this temporal property (repeatable); default: all")
    check.add_argument("--no-props", action="store_true",
                       help="check no temporal property (the search then records no behaviour graph)")
    check.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    check.add_argument("--por", action="store_true",
                       help="partial-order reduction: expand states by ample sets of independent, invisible "
                            "steps (invariants and deadlocks are kept; see docs/partial-order.md)")
    check.add_argument("--max-states", type=_positive, metavar="N", help="stop after N distinct states")
    check.add_argument("--max-depth", type=_positive, metavar="N", help="do not explore beyond depth N")
    check.add_argument("--memory", type=_size, metavar="SIZE",
                       help="stop when resident memory exceeds SIZE, e.g. 2GB (with --workers: all processes)")
    check.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                       help="stop after SECONDS of wall time, loading the spec included")
    check.add_argument("--workers", type=_positive, default=1, metavar="N",
                       help="explore with N processes, or N threads with --backend native "
                            "(same counts and counterexamples as one)")
    check.add_argument("--backend", choices=BACKENDS, default=None,
                       help="native: the spec and the search compiled to C (needs a C compiler); python: "
                            "the spec compiled to Python; auto: native when it can run the check, else python "
                            "(default: $MODELCHECK_BACKEND if set, else auto)")
    check.add_argument("--engine", choices=["local", "ray"], default="local",
                       help="where the --workers run: local processes (threads with --backend native), or Ray "
                            "actors, with either backend (pip install '.[ray]')")
    check.add_argument("--ray-address", metavar="ADDR",
                       help="with --engine ray: a running cluster's address (default: start a local one)")
    check.add_argument("--checkpoint", metavar="DIR",
                       help="save the search state in DIR every few minutes and on Ctrl-C")
    check.add_argument("--checkpoint-every", type=_positive, default=300, metavar="SECONDS",
                       help="seconds between checkpoints (default 300)")
    check.add_argument("--resume", metavar="DIR", help="continue the search saved in DIR")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    check.add_argument("--progress", type=_seconds, default=60.0, metavar="SECONDS",
                       help="when stderr is not a terminal, print a progress line every SECONDS (default 60)")
    check.add_argument("--dump-code", metavar="FILE", help="write the generated Python module to FILE")
    trace_cli.add_trace_arguments(check)  # --out-itf, --dot, --svg, --png, --msc, --html
    z3_cli.add_check_arguments(check, _positive)
    check.set_defaults(run=run_check)
    z3_cli.add_prove_parser(sub, add_spec_arguments, _positive)
    trace_cli.add_parsers(sub, add_spec_arguments, load_spec, _positive)  # simulate, replay, view, graph
    conform_cli.add_parsers(sub, add_spec_arguments, load_spec, _positive)  # traces, conform
    search_cli.add_parser(sub, add_spec_arguments, load_spec, _positive, _seconds)  # search: swarm, guided
    history_cli.add_parser(sub, _seconds)  # history: client histories of a key-value store
    repl.add_parsers(sub, add_spec_arguments)  # eval, repl: expressions in states of the spec
    lsp = sub.add_parser("lsp", help="run the language server for editors (LSP on stdin/stdout; needs pygls)")
    lsp.add_argument("--stdio", action="store_true", help="accepted for editors that pass it; stdio is the only transport")
    lsp.set_defaults(run=lambda args: run_server())
    parser.commands = sub.choices  # for --model: each command's options (model_config.py)
    return parser


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every command that reads a spec takes: the file and constant overrides."""
    parser.add_argument("spec", help="the spec file, e.g. specs/paxos.spec")
    parser.add_argument("--const", action="append", type=_const, default=[], metavar="NAME=VALUE",
                        help="override a constant; VALUE is a spec expression, e.g. Ballots=0..2, Values={v1}")
    parser.add_argument("--no-opt", action="store_true",
                        help="compile the spec without the compiler's optimisations (same results, slower; "
                             "for checking the optimiser)")
    parser.set_defaults(reads_models_file=True)  # --model names a model of SPEC.models (model_config.py)
    parser.add_argument("--model", metavar="NAME",
                        help="take constants, invariants and options from model NAME of SPEC.models "
                             "beside the spec (the command line overrides them)")


def load_spec(args: argparse.Namespace):
    """The compiled spec named by add_spec_arguments' arguments. Within --timeout, if given:
    evaluating the constants can take long too."""
    from . import pipeline
    with time_limit(getattr(args, "timeout", None)):
        return pipeline.load(args.spec, dict(args.const), optimise=not args.no_opt)


def run_check(args: argparse.Namespace) -> int:
    from . import pipeline, trace_cli
    from .explore.bfs import Limits
    from .explore.checkpoint import Checkpointer
    from .report.json_out import result_json
    from .report.text import render_header, render_result
    from .z3 import cli as z3_cli
    compiled = load_spec(args)
    trace_cli.check_trace_outputs(args, compiled)  # fail before the search, not after it
    if args.dump_code:
        Path(args.dump_code).write_text(compiled.source)
    reporter = progress_reporter(args)
    invariants = list(args.inv or compiled.model.invariant_names)
    print(render_header(compiled.checked.spec.name, args.spec, compiled.model.describe_constants(), invariants,
                        args.workers, not args.no_deadlock), file=sys.stderr, flush=True)
    limits = Limits(args.max_states, args.max_depth, not args.no_deadlock, memory=args.memory,
                    timeout=args.timeout, timeout_from=args.started)  # loading counts
    checkpoint = Checkpointer(args.checkpoint, args.checkpoint_every) if args.checkpoint else None
    z3_run = None
    if args.z3 or args.z3_sample:  # a second engine decides the invariants too (modelcheck/z3)
        z3_run = z3_cli.CrossCheck(compiled, args, reporter)
        compiled, reporter = z3_run.compiled, z3_run.reporter
    properties = [] if args.no_props else args.prop
    requested, asked_by = requested_backend(args)
    backend = pipeline.choose_backend(compiled, requested, properties, z3_run is not None, asked_by,
                                      partial_order=args.por)
    print(f"  backend: {backend.name} ({backend.reason})", file=sys.stderr, flush=True)
    result = pipeline.check(compiled, args.inv, limits, reporter, args.workers, checkpoint, args.resume,
                            args.engine, args.ray_address, properties, args.por, backend)
    reporter.clear()
    if result.stopped_because == "interrupted" and checkpoint is not None and checkpoint.written:
        print(f"A checkpoint of the search is saved in {args.checkpoint}; continue it with:\n"
              f"  {resume_command(args)}", file=sys.stderr)
    if z3_run is not None:
        z3_run.finish(result)
    spec_name = compiled.checked.spec.name
    if args.json:
        print(json.dumps(result_json(spec_name, result, compiled.model.describe_constants())))
    else:
        print(render_result(spec_name, result, invariants,
                            list(compiled.model.property_names if properties is None else properties)))
    for note in trace_cli.write_trace_outputs(args, compiled, result.violation):
        print(note, file=sys.stderr)
    return _exit_code(result)


def requested_backend(args: argparse.Namespace) -> tuple[str, str]:
    """The backend asked for, and by what: --backend, else $MODELCHECK_BACKEND, else auto."""
    if args.backend is not None:
        return args.backend, f"--backend {args.backend}"
    value = os.environ.get("MODELCHECK_BACKEND")
    if value is None:
        return "auto", "--backend auto"
    if value not in BACKENDS:
        raise SpecError(f"MODELCHECK_BACKEND={value} is not a backend", hint="set it to auto, native or python")
    return value, f"MODELCHECK_BACKEND={value}"


def resume_command(args: argparse.Namespace) -> str:
    """The command line that continues an interrupted check from its checkpoint: this one,
    with --resume DIR (and --checkpoint DIR, to keep saving)."""
    words, skip = [], False
    for word in args.argv:
        if skip:
            skip = False
        elif word in ("--resume",):
            skip = True
        elif not word.startswith("--resume="):
            words.append(word)
    return shlex.join(["modelcheck", *words, "--resume", args.checkpoint])


def _exit_code(result: CheckResult) -> int:
    if result.stopped_because == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT[result.outcome]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["history"]:  # its own parser: the others' would import the spec machinery
        args = history_cli.parse_args(argv[1:], _seconds)
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
    args.started = time.perf_counter()
    try:
        if getattr(args, "reads_models_file", False) and args.model:
            from . import model_config
            args = parser.parse_args(model_config.expand(argv, args, parser.commands))
            args.started = time.perf_counter()
        args.argv = list(argv)
        return args.run(args)
    except (SpecError, SpecErrors) as e:
        print(e.render(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OutOfTime:
        print(f"Stopped before the end (timeout {args.timeout:g} s): the spec was still being loaded; "
              "no state was explored.", file=sys.stderr)
        return EXIT[Outcome.INCOMPLETE]
    except BrokenPipeError:  # the reader went away (modelcheck ... | head): say nothing more
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 128 + 13  # as if killed by SIGPIPE, the shell's convention
    except MemoryError:
        limit = getattr(args, "memory", None)
        print("Stopped before the end (out of memory" + (f", --memory {describe_bytes(limit)}" if limit else "")
              + "): the spec was still being loaded; no state was explored.", file=sys.stderr)
        return EXIT[Outcome.INCOMPLETE]


if __name__ == "__main__":
    sys.exit(main())
