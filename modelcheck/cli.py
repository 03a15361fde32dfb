"""The `modelcheck` command. The only place that prints results and chooses exit codes.

Exit codes: 0 every invariant holds; 1 violation or deadlock; 2 bad input or usage
(including a spec that fails while being evaluated); 3 stopped early by a limit;
130 interrupted (the statistics so far are printed first).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import pipeline, repl, search_cli, trace_cli
from .explore.bfs import Limits
from .explore.checkpoint import Checkpointer
from .explore.resources import OutOfTime, describe_bytes, parse_size, time_limit
from .explore.result import CheckResult, Outcome, Stats
from .lang.errors import SpecError, SpecErrors
from .lsp import run_server
from .z3 import cli as z3_cli
from .conform import cli as conform_cli
from .history import cli as history_cli
from .report.json_out import result_json
from .report.text import render_progress, render_result

EXIT = {Outcome.OK: 0, Outcome.VIOLATION: 1, Outcome.DEADLOCK: 1, Outcome.ERROR: 2, Outcome.INCOMPLETE: 3}
EXIT_INTERRUPTED = 130


class TerminalProgress:
    """A one-line live display on stderr, redrawn in place."""

    def __init__(self) -> None:
        self.shown = False

    def progress(self, stats: Stats) -> None:
        sys.stderr.write("\r" + render_progress(stats))
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


class Silent:
    def progress(self, stats: Stats) -> None:
        pass

    def clear(self) -> None:
        pass


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
    parser = argparse.ArgumentParser(prog="modelcheck", description="Model checker for distributed protocols.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="explore every reachable state and check the invariants")
    add_spec_arguments(check)
    check.add_argument("--inv", action="append", default=None, metavar="NAME",
                       help="check only this invariant (repeatable); default: all")
    check.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    check.add_argument("--max-states", type=_positive, metavar="N", help="stop after N distinct states")
    check.add_argument("--max-depth", type=_positive, metavar="N", help="do not explore beyond depth N")
    check.add_argument("--memory", type=_size, metavar="SIZE",
                       help="stop when resident memory exceeds SIZE, e.g. 2GB (with --workers: all processes)")
    check.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                       help="stop after SECONDS of wall time, loading the spec included")
    check.add_argument("--workers", type=_positive, default=1, metavar="N",
                       help="explore with N processes (same counts and counterexamples as one)")
    check.add_argument("--engine", choices=["local", "ray"], default="local",
                       help="where the --workers run: local processes, or Ray actors (pip install '.[ray]')")
    check.add_argument("--ray-address", metavar="ADDR",
                       help="with --engine ray: a running cluster's address (default: start a local one)")
    check.add_argument("--checkpoint", metavar="DIR",
                       help="save the search state in DIR every few minutes and on Ctrl-C")
    check.add_argument("--checkpoint-every", type=_positive, default=300, metavar="SECONDS",
                       help="seconds between checkpoints (default 300)")
    check.add_argument("--resume", metavar="DIR", help="continue the search saved in DIR")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
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
    return parser


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every command that reads a spec takes: the file and constant overrides."""
    parser.add_argument("spec", help="the spec file, e.g. specs/paxos.spec")
    parser.add_argument("--const", action="append", type=_const, default=[], metavar="NAME=VALUE",
                        help="override a constant; VALUE is a spec expression, e.g. Ballots=0..2, Values={v1}")


def load_spec(args: argparse.Namespace):
    """The compiled spec named by add_spec_arguments' arguments. Within --timeout, if given:
    evaluating the constants can take long too."""
    with time_limit(getattr(args, "timeout", None)):
        return pipeline.load(args.spec, dict(args.const))


def run_check(args: argparse.Namespace) -> int:
    compiled = load_spec(args)
    trace_cli.check_trace_outputs(args, compiled)  # fail before the search, not after it
    if args.dump_code:
        Path(args.dump_code).write_text(compiled.source)
    reporter = TerminalProgress() if sys.stderr.isatty() and not args.json else Silent()
    limits = Limits(args.max_states, args.max_depth, not args.no_deadlock, memory=args.memory,
                    timeout=args.timeout, timeout_from=args.started)  # loading counts
    checkpoint = Checkpointer(args.checkpoint, args.checkpoint_every) if args.checkpoint else None
    z3_run = None
    if args.z3 or args.z3_sample:  # a second engine decides the invariants too (modelcheck/z3)
        z3_run = z3_cli.CrossCheck(compiled, args, reporter)
        compiled, reporter = z3_run.compiled, z3_run.reporter
    result = pipeline.check(compiled, args.inv, limits, reporter, args.workers, checkpoint, args.resume,
                            args.engine, args.ray_address)
    reporter.clear()
    if z3_run is not None:
        z3_run.finish(result)
    invariants = list(args.inv or compiled.model.invariant_names)
    spec_name = compiled.checked.spec.name
    if args.json:
        print(json.dumps(result_json(spec_name, result, compiled.model.describe_constants())))
    else:
        print(render_result(spec_name, result, invariants))
    for note in trace_cli.write_trace_outputs(args, compiled, result.violation):
        print(note, file=sys.stderr)
    return _exit_code(result)


def _exit_code(result: CheckResult) -> int:
    if result.stopped_because == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT[result.outcome]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.started = time.perf_counter()
    try:
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
