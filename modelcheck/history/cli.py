"""The `modelcheck history` command; modelcheck/cli.py wires it in.

    modelcheck history FILE [--model linearizable|sequential|eventual] [--timeout SECONDS]
                            [--initial VALUE] [--nil-reads absent|unknown]
                            [--json] [--svg FILE] [--dot FILE] [--png FILE] [--out FILE]

Start-up is kept short (`main` is reached without the spec machinery, and graphviz is
imported only to draw): a check of a small history is mostly Python starting.

Exit codes: 0 the history is consistent with the model, 1 it is not (the offending
operations are printed), 2 bad input (the message names the event and what is wrong),
3 unknown: --timeout ran out before the search finished.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Callable

from .format import HistoryError, read_history, write_history
from .jepsen import NIL_READS, Conventions
from .report import ADJECTIVE, render_text, result_json
from .result import Result, Verdict
from .txn import MODELS as TXN_MODELS

MODELS = ("linearizable", "sequential", "eventual")  # each a module of this package with check()
EXIT = {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.UNKNOWN: 3}
EXIT_BAD_INPUT = 2
PICTURES = ("svg", "png", "dot")
DRAWN = 200  # operations drawn at most: graphviz takes long on more, and nobody reads them


def add_parser(sub, seconds: Callable[[str], float]) -> None:
    p = sub.add_parser(
        "history", help="check a client history of a key-value store for linearizability, "
                        "sequential consistency or eventual convergence",
        description="Check a history of get/put/cas operations (docs/history.md) against a consistency "
                    "model. Exit codes: 0 consistent, 1 not (the offending operations are printed), "
                    "2 bad input, 3 unknown (--timeout ran out).")
    p.add_argument("file", help="the history: JSON (modelcheck-history/1), Jepsen's EDN operation maps "
                                "(history.edn, Knossos, Porcupine kv logs) or jepsen.util log lines")
    p.add_argument("--model", choices=MODELS + TXN_MODELS, default="linearizable",
                   help="linearizable (real-time order, the default), sequential (program order only), "
                        "eventual (the replicas' final reads agree on a written value); for transactional "
                        "histories (list-append or read-write register, docs/history.md): "
                        + ", ".join(TXN_MODELS))
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="give up after SECONDS with verdict unknown (exit 3)")
    p.add_argument("--initial", type=_initial, metavar="VALUE",
                   help="every key's value before any operation, as JSON: 0, null (the default), '\"\"'. "
                        "Knossos's tests use 0, Porcupine's kv logs \"\"")
    p.add_argument("--nil-reads", choices=NIL_READS, default="absent",
                   help="what a Jepsen read of nil means: absent (the key has no value, the default) or "
                        "unknown (Knossos: the value was not seen; the read is left out)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    for kind in PICTURES:
        p.add_argument(f"--{kind}", metavar="FILE",
                       help=f"if inconsistent, draw the offending operations on a timeline as {kind.upper()}")
    p.add_argument("--out", metavar="FILE",
                   help="if inconsistent, write the offending operations as a history file (to re-check)")
    p.set_defaults(run=run_history)


def parse_args(argv: list[str], seconds: Callable[[str], float]) -> argparse.Namespace:
    """The arguments of `modelcheck history ARGV` by a parser with only this command, so
    that reading them needs none of the other commands' modules (modelcheck/cli.py)."""
    parser = argparse.ArgumentParser(prog="modelcheck")
    add_parser(parser.add_subparsers(dest="command", required=True), seconds)
    return parser.parse_args(["history", *argv])


def _initial(text: str):
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = []
    if not (value is None or isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool)):
        raise argparse.ArgumentTypeError(f"expected a JSON integer, string or null, e.g. 0, null, '\"\"'; got {text!r}")
    return value


def run_history(args: argparse.Namespace) -> int:
    if args.model in TXN_MODELS:
        from .txn.command import run_txn_history
        return run_txn_history(args)
    pictures = [(kind, getattr(args, kind)) for kind in PICTURES if getattr(args, kind)]
    bad_input: tuple[type[Exception], ...] = (HistoryError,)
    if pictures:  # graphviz is imported only to draw
        from ..report.render import PictureError, check_writable
        bad_input += (PictureError,)
    try:
        for kind, path in pictures:  # fail before the search, not after it
            _suffix(path, kind)
            check_writable(path, "neato")
        conventions = Conventions(args.initial, args.nil_reads) \
            if args.initial is not None or args.nil_reads != "absent" else None
        history = read_history(args.file, conventions)
        checker = importlib.import_module(f"{__package__}.{args.model}")
        result = checker.check(history, timeout=args.timeout)
    except bad_input as e:
        print(f"modelcheck history: {args.file}: {e}" if isinstance(e, HistoryError) else f"modelcheck history: {e}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(result_json(result, args.file)) if args.json else render_text(result, args.file))
    if result.verdict is Verdict.INVALID:
        return _write_outputs(args, result, pictures)
    for _, path in pictures + ([("out", args.out)] if args.out else []):
        print(f"note: {path} not written: the history is {result.verdict.value}", file=sys.stderr)
    return EXIT[result.verdict]


def _write_outputs(args: argparse.Namespace, result: Result, pictures: list[tuple[str, str]]) -> int:
    try:
        if pictures and not _draw(args.file, result, pictures):
            return EXIT_BAD_INPUT
        if args.out:
            write_history(args.out, result.ops)
    except OSError as e:
        print(f"modelcheck history: cannot write {e.filename}: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT[Verdict.INVALID]


def _draw(file: str, result: Result, pictures: list[tuple[str, str]]) -> bool:
    """The offending operations drawn into each picture file; False (said on stderr) if
    graphviz could not. Imports graphviz, so only called to draw."""
    from ..report.render import PictureError, write_picture
    from .picture import timeline
    title = f"{file}: not {ADJECTIVE[result.model]}" + (f" (key {result.key})" if result.key else "")
    drawn = result.ops[-DRAWN:]
    if len(drawn) < len(result.ops):
        print(f"note: the pictures show the last {len(drawn)} of {len(result.ops):,} operations", file=sys.stderr)
    try:
        for _, path in pictures:
            write_picture(timeline(drawn, title, result.culprit), path, "neato", fixed_positions=True)
    except PictureError as e:
        print(f"modelcheck history: {e}", file=sys.stderr)
        return False
    return True


def _suffix(path: str, kind: str) -> None:
    from ..report.render import PictureError
    if not path.lower().endswith("." + kind):
        raise PictureError(f"--{kind} {path}: the file name must end in .{kind}")
