"""The VS Code extension's TextMate grammar (editors/vscode/syntaxes) against the parser: every
spec in specs/ (and editors/vscode/test/constructs.spec, which uses every keyword and operator)
is tokenized by vscode-textmate with vscode-oniguruma, the engine VS Code uses, through
editors/vscode/test/tokenize.js; each token the spec language's own lexer reads must get the
scope of what it is (keyword, name, number, string, operator), comments must be comments
throughout, and no text is left with only the file's scope. Needs node and
`npm ci --prefix editors/vscode/test`; skips without them."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lark import Lark, Token

from conftest import REPO, SPECS
from modelcheck.lang.parser import keywords

VSCODE = REPO / "editors" / "vscode"
TOKENIZE = VSCODE / "test" / "tokenize.js"
CONSTRUCTS = VSCODE / "test" / "constructs.spec"
FILES = sorted(SPECS.glob("*.spec")) + [CONSTRUCTS]


@dataclass(frozen=True)
class Piece:
    """A token of the spec language's lexer: what it is and where (0-based, code points)."""
    what: str   # keyword, name, number, string, operator, comment
    text: str
    line: int
    col: int
    end_line: int
    end_col: int


@cache
def lexer_view() -> Lark:
    # the grammar the checker uses, keeping every token (keywords and operators too)
    return Lark.open_from_package("modelcheck.lang", "grammar.lark", parser="lalr", start="start",
                                  keep_all_tokens=True, propagate_positions=True, maybe_placeholders=False)


def pieces(text: str) -> list[Piece]:
    comments: list[Token] = []
    grammar = Lark.open_from_package("modelcheck.lang", "grammar.lark", parser="lalr", start="start",
                                     keep_all_tokens=True, maybe_placeholders=False,
                                     lexer_callbacks={"COMMENT": comments.append, "BLOCK_COMMENT": comments.append})
    tree = grammar.parse(text)
    out = []
    for tok in list(tree.scan_values(lambda v: isinstance(v, Token))) + comments:
        if tok.type in ("COMMENT", "BLOCK_COMMENT"):
            what = "comment"
        elif tok.type in ("NAME", "INT", "STRING"):
            what = {"NAME": "name", "INT": "number", "STRING": "string"}[tok.type]
        elif str(tok) in keywords():
            what = "keyword"
        else:
            what = "operator"
        out.append(Piece(what, str(tok), tok.line - 1, tok.column - 1, tok.end_line - 1, tok.end_column - 1))
    return out


def expected(piece: Piece):
    """A test of one scope name for a piece."""
    if piece.what == "keyword":
        if piece.text in ("true", "false"):
            return lambda s: s.startswith("constant.language.boolean")
        return lambda s: s.startswith("keyword.")
    return {
        "number": lambda s: s.startswith("constant.numeric"),
        "string": lambda s: s.startswith("string.quoted"),
        "operator": lambda s: s.startswith(("keyword.operator", "punctuation.")),
        "comment": lambda s: s.startswith(("comment.", "punctuation.definition.comment")),
        "name": lambda s: s.startswith(("variable.", "entity.name.", "support.")),
    }[piece.what]


@pytest.fixture(scope="module")
def tokens() -> dict[Path, list[dict]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the grammar is tested with vscode-textmate, a node package")
    if not (VSCODE / "test" / "node_modules" / "vscode-textmate").is_dir():
        pytest.skip("vscode-textmate is not installed: run npm ci --prefix editors/vscode/test")
    run = subprocess.run([node, str(TOKENIZE), *map(str, FILES)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return {Path(k): v for k, v in json.loads(run.stdout).items()}


def utf16_columns(line: str) -> list[int]:
    """The UTF-16 offset of each code point of a line (and of its end)."""
    out, at = [], 0
    for ch in line:
        out.append(at)
        at += 2 if ord(ch) > 0xFFFF else 1
    return out + [at]


def covering(tokens_of_line: list[dict], start: int, end: int) -> list[dict]:
    return [t for t in tokens_of_line if t["start"] < end and t["end"] > start]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_token_has_the_scope_of_what_the_parser_reads(tokens, path):
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    by_line: dict[int, list[dict]] = {}
    for t in tokens[path]:
        by_line.setdefault(t["line"], []).append(t)
    wrong = []
    for piece in pieces(text):
        ok = expected(piece)
        for line in range(piece.line, piece.end_line + 1):
            cols = utf16_columns(lines[line])
            start = cols[piece.col] if line == piece.line else 0
            end = cols[piece.end_col] if line == piece.end_line else cols[-1]
            if start == end:
                continue
            parts = covering(by_line.get(line, []), start, end)
            covered = sum(min(end, t["end"]) - max(start, t["start"]) for t in parts)
            if covered != end - start or not all(any(ok(s) for s in t["scopes"][1:]) for t in parts):
                wrong.append(f"{path.name}:{line + 1}:{start + 1}: {piece.what} {piece.text!r} got "
                             + "; ".join(" ".join(t["scopes"][1:]) or "(no scope)" for t in parts))
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_text_is_left_without_a_scope(tokens, path):
    lines = path.read_text(encoding="utf-8").split("\n")
    bare = [f"{path.name}:{t['line'] + 1}:{t['start'] + 1}: {lines[t['line']][t['start']:t['end']]!r}"
            for t in tokens[path]
            if len(t["scopes"]) == 1 and lines[t["line"]][t["start"]:t["end"]].strip()]
    assert not bare, "\n".join(bare[:20])


def test_constructs_spec_uses_every_keyword_and_operator():
    """So that the tests above cover the whole grammar, and keep covering it when it grows."""
    grammar = lexer_view()
    used = {p.text for p in pieces(CONSTRUCTS.read_text())}
    literal = {t.pattern.value for t in grammar.terminals if t.pattern.type == "str"}
    assert literal - used == set()
    assert keywords() <= literal


def test_grammar_names_every_keyword():
    """Every keyword of grammar.lark is written in the TextMate grammar (outside comments)."""
    grammar = json.loads((VSCODE / "syntaxes" / "modelcheck.tmLanguage.json").read_text())
    regexes = " ".join(re.findall(r'"(?:match|begin)": "((?:[^"\\]|\\.)*)"', json.dumps(grammar, indent=1)))
    missing = sorted(k for k in keywords() if not re.search(rf"[(|]{k}[)|]", regexes))
    assert not missing
