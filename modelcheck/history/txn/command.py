"""`modelcheck history FILE --model serializable` (or another transactional model): read the
transactional history, check it, print the result and, if invalid, draw its anomalies.
Exit codes as for the register models: 0 valid, 1 invalid, 2 bad input, 3 unknown."""
from __future__ import annotations

import argparse
import json
import sys

from ...report.render import PictureError, check_writable, write_picture
from ..cli import EXIT, EXIT_BAD_INPUT, PICTURES, _suffix
from ..format import HistoryError
from ..result import Verdict
from .check import check
from .format import read_txn_history
from .picture import anomalies_picture
from .report import render_text, result_json


def run_txn_history(args: argparse.Namespace) -> int:
    pictures = [(kind, getattr(args, kind)) for kind in PICTURES if getattr(args, kind)]
    try:
        if args.out:
            raise PictureError(f"--out {args.out}: --out writes register histories; for --model {args.model} "
                               "use --json to get the anomalies' transactions")
        for kind, path in pictures:  # fail before the search, not after it
            _suffix(path, kind)
            check_writable(path, "dot")
        history = read_txn_history(args.file)
    except HistoryError as e:
        print(f"modelcheck history: {args.file}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PictureError as e:
        print(f"modelcheck history: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = check(history, args.model, timeout=args.timeout)
    print(json.dumps(result_json(result, args.file)) if args.json else render_text(result, args.file))
    if result.verdict is not Verdict.INVALID:
        for _, path in pictures:
            print(f"note: {path} not written: the history is {result.verdict.value}", file=sys.stderr)
        return EXIT[result.verdict]
    try:
        for _, path in pictures:
            write_picture(anomalies_picture(result.anomalies, f"{args.file}: not {args.model}"), path, "dot")
    except PictureError as e:
        print(f"modelcheck history: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"modelcheck history: cannot write {e.filename}: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT[Verdict.INVALID]
