"""The `modelcheck history` command; modelcheck/cli.py wires it in.

    modelcheck history FILE [--model linearizable|sequential|eventual] [--timeout SECONDS]
                            [--json] [--svg FILE] [--dot FILE] [--png FILE] [--out FILE]

Exit codes: 0 the history is consistent with the model, 1 it is not (the offending
operations are printed), 2 bad input (the message names the event and what is wrong),
3 unknown: --timeout ran out before the search finished.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from ..report.render import PictureError, check_writable, write_picture
from . import eventual, linearizable, sequential
from .format import HistoryError, read_history, write_history
from .picture import timeline
from .report import ADJECTIVE, render_text, result_json
from .result import Result, Verdict
from .txn import MODELS as TXN_MODELS

CHECKERS = {"linearizable": linearizable.check, "sequential": sequential.check, "eventual": eventual.check}
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
    p.add_argument("file", help="the history: JSON (modelcheck-history/1) or Jepsen-style EDN lines")
    p.add_argument("--model", choices=tuple(CHECKERS) + TXN_MODELS, default="linearizable",
                   help="linearizable (real-time order, the default), sequential (program order only), "
                        "eventual (the replicas' final reads agree on a written value); for transactional "
                        "histories (list-append or read-write register, docs/history.md): "
                        + ", ".join(TXN_MODELS))
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="give up after SECONDS with verdict unknown (exit 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    for kind in PICTURES:
        p.add_argument(f"--{kind}", metavar="FILE",
                       help=f"if inconsistent, draw the offending operations on a timeline as {kind.upper()}")
    p.add_argument("--out", metavar="FILE",
                   help="if inconsistent, write the offending operations as a history file (to re-check)")
    p.set_defaults(run=run_history)


def run_history(args: argparse.Namespace) -> int:
    if args.model in TXN_MODELS:
        from .txn.command import run_txn_history
        return run_txn_history(args)
    pictures = [(kind, getattr(args, kind)) for kind in PICTURES if getattr(args, kind)]
    try:
        for kind, path in pictures:  # fail before the search, not after it
            _suffix(path, kind)
            check_writable(path, "neato")
        history = read_history(args.file)
        result = CHECKERS[args.model](history, timeout=args.timeout)
    except (HistoryError, PictureError) as e:
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
    title = f"{args.file}: not {ADJECTIVE[result.model]}" + (f" (key {result.key})" if result.key else "")
    drawn = result.ops[-DRAWN:]
    if pictures and len(drawn) < len(result.ops):
        print(f"note: the pictures show the last {len(drawn)} of {len(result.ops):,} operations", file=sys.stderr)
    try:
        for _, path in pictures:
            write_picture(timeline(drawn, title, result.culprit), path, "neato", fixed_positions=True)
        if args.out:
            write_history(args.out, result.ops)
    except PictureError as e:
        print(f"modelcheck history: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"modelcheck history: cannot write {e.filename}: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT[Verdict.INVALID]


def _suffix(path: str, kind: str) -> None:
    if not path.lower().endswith("." + kind):
        raise PictureError(f"--{kind} {path}: the file name must end in .{kind}")
