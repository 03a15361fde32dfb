"""`modelcheck history FILE --model serializable` (or another transactional model): read the
transactional history, check it, print the result and, if invalid, draw its anomalies.
Exit codes as for the register models: 0 valid, 1 invalid, 2 bad input, 3 unknown. As
there, graphviz is imported only to draw."""
from __future__ import annotations

import argparse
import json
import sys

from ..cli import EXIT, EXIT_BAD_INPUT, PICTURES, _suffix
from ..format import HistoryError
from ..result import Verdict
from .check import TxnResult, check
from .format import read_txn_history
from .report import render_text, result_json


def run_txn_history(args: argparse.Namespace) -> int:
    if args.out:
        print(f"modelcheck history: --out {args.out}: --out writes register histories; for --model "
              f"{args.model} use --json to get the anomalies' transactions", file=sys.stderr)
        return EXIT_BAD_INPUT
    pictures = [(kind, getattr(args, kind)) for kind in PICTURES if getattr(args, kind)]
    bad_input: tuple[type[Exception], ...] = (HistoryError,)
    if pictures:
        from ...report.render import PictureError, check_writable
        bad_input += (PictureError,)
    try:
        for kind, path in pictures:  # fail before the search, not after it
            _suffix(path, kind)
            check_writable(path, "dot")
        history = read_txn_history(args.file)
    except bad_input as e:
        print(f"modelcheck history: {args.file}: {e}" if isinstance(e, HistoryError) else f"modelcheck history: {e}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    result = check(history, args.model, timeout=args.timeout)
    print(json.dumps(result_json(result, args.file)) if args.json else render_text(result, args.file))
    if result.verdict is not Verdict.INVALID:
        for _, path in pictures:
            print(f"note: {path} not written: the history is {result.verdict.value}", file=sys.stderr)
        return EXIT[result.verdict]
    return EXIT[Verdict.INVALID] if _draw(args.file, result, pictures) else EXIT_BAD_INPUT


def _draw(file: str, result: TxnResult, pictures: list[tuple[str, str]]) -> bool:
    """The anomalies drawn into each picture file; False (said on stderr) if that failed."""
    if not pictures:
        return True
    from ...report.render import PictureError, write_picture
    from .picture import anomalies_picture
    try:
        for _, path in pictures:
            write_picture(anomalies_picture(result.anomalies, f"{file}: not {result.model}"), path, "dot")
    except PictureError as e:
        print(f"modelcheck history: {e}", file=sys.stderr)
        return False
    except OSError as e:
        print(f"modelcheck history: cannot write {e.filename}: {e.strerror or e}", file=sys.stderr)
        return False
    return True
