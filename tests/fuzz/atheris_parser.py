#!/usr/bin/env python3
"""Coverage-guided fuzzing of the front end with atheris (libFuzzer for Python).

    pip install atheris
    python tests/fuzz/atheris_parser.py -atheris_runs=200000           # parser and checker
    python tests/fuzz/atheris_parser.py -max_total_time=600 corpus/    # keep a corpus
    MODELCHECK_FUZZ_COMPILE=1 python tests/fuzz/atheris_parser.py ...  # and the compiler too

The input bytes are a spec file: decoded as UTF-8 the way parse_file reads one (undecodable
input is the SpecError parse_file gives, so it is skipped here), parsed, and checked; with
MODELCHECK_FUZZ_COMPILE also compiled and loaded. A SpecError/SpecErrors is the expected way
to reject input (exit code 2 on the command line); any other exception is a crash, which
libFuzzer reports with the input that caused it. Seeds: the specs in specs/.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from modelcheck.compile import build
    from modelcheck.lang.errors import SpecError, SpecErrors
    from modelcheck.lang.parser import parse_text
    from modelcheck.lang.typecheck import typecheck

COMPILE = bool(os.environ.get("MODELCHECK_FUZZ_COMPILE"))


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        checked = typecheck(parse_text(text, "fuzz.spec"))
        if COMPILE:
            build(checked)
    except (SpecError, SpecErrors):
        pass


def main() -> None:
    args = list(sys.argv)
    corpus = [a for a in args[1:] if not a.startswith("-")]
    if not corpus:  # seed a temporary corpus with the shipped specs
        seeds = Path(os.environ.get("TMPDIR", "/tmp")) / "modelcheck-atheris-seeds"
        seeds.mkdir(exist_ok=True)
        for spec in (Path(__file__).resolve().parents[2] / "specs").glob("*.spec"):
            (seeds / spec.name).write_bytes(spec.read_bytes())
        args.append(str(seeds))
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
