"""Text -> AST. The only module that imports lark.

`parse_file` / `parse_text` turn a spec into `ast.Spec`; `parse_expr` parses a constant
given on the command line. Lark's exceptions are converted here into `SpecError`s that carry
a span and a hint, so that the user never sees a lark traceback.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast as A
from . import modules
from .errors import Span, SpecError


@functools.cache
def _lark() -> Lark:
    return Lark.open_from_package("modelcheck.lang", "grammar.lark", parser="lalr",
                                  start=["start", "const_start"], propagate_positions=True,
                                  maybe_placeholders=False, cache=True)


def parse_file(path: str | Path) -> A.Spec:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"spec file '{p}' does not exist",
                        hint="check the path; shipped specs live in specs/, e.g. specs/paxos.spec") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read spec file '{p}': {e.__class__.__name__}",
                        hint="give the path of a UTF-8 text file ending in .spec") from None
    return parse_text(text, str(p))


def parse_text(text: str, filename: str = "<spec>") -> A.Spec:
    """A spec's text -> its AST, with the declarations of the files it imports (modules.py)."""
    name, decls = _parse_declarations(text, filename)
    return modules.resolve(name, filename, text, decls, _parse_declarations)


def _parse_declarations(text: str, filename: str) -> tuple[str, list]:
    """One file's spec name and declarations as written, imports and overrides included."""
    tree = _parse(text, filename, "start")
    try:
        return _Builder(filename).transform(tree)
    except VisitError as e:
        raise _with_source(e.orig_exc, text) if isinstance(e.orig_exc, SpecError) else e


def parse_expr(text: str, filename: str) -> A.Expr:
    """Parse one expression, e.g. the VALUE of `--const NAME=VALUE`."""
    try:
        tree = _parse(text, filename, "const_start")
    except SpecError as err:
        if "," in text and not text.lstrip().startswith(("{", "<<", "[", "(")):
            option, _, name = filename.partition(" ")
            err.hint = f"a set is written in braces: {option} '{name}={{{text}}}'"
        raise
    try:
        return _Builder(filename).transform(tree)
    except VisitError as e:
        raise _with_source(e.orig_exc, text) if isinstance(e.orig_exc, SpecError) else e


def _with_source(err: SpecError, text: str) -> SpecError:
    err.source = text
    return err


# ---------------------------------------------------------------- syntax errors

_HINTS = {
    "=": "use '==' to compare values (TLA+'s '='); ':=' assigns a variable inside init or an action",
    "}": "a block or literal closed early, or an operand is missing before '}'",
}

# TLA+ spellings met where the language has its own, longest first: (text, what to write).
_TLA_SPELLINGS = (
    ("\\subseteq", "'subseteq'"), ("\\intersect", "'&' (sets)"), ("\\union", "'+' (sets)"),
    ("\\notin", "'not in'"), ("\\lnot", "'not'"), ("\\land", "'and'"), ("\\lor", "'or'"),
    ("\\cup", "'+' (sets)"), ("\\cap", "'&' (sets)"), ("\\div", "'/' (it floors, as TLA+'s \\div)"),
    ("\\in", "'in', e.g. x in S"), ("\\A", "'forall x in S: p'"), ("\\E", "'exists x in S: p'"),
    ("/\\", "'and'"), ("\\/", "'or'"), ("/=", "'!='"), ("#", "'!='"), ("~", "'not'"),
    ("|->", "'->', e.g. [x in S -> e]"),
)


def _tla_hint(text: str, pos: int, token: str, expected: list[str]) -> tuple[str, int, int] | None:
    """(hint, start, end) when the text at pos (or the operator just before it) is a TLA+
    habit: TLA+'s operators, `UNCHANGED x`, `==` for a definition."""
    for start in (pos, pos - 1):
        for tla, ours in _TLA_SPELLINGS:
            if start >= 0 and text.startswith(tla, start) and (start == pos or tla[-1] == text[pos:pos + 1]):
                return f"'{tla}' is TLA+'s spelling; write {ours}", start, start + len(tla)
    before = text[:pos].rstrip()
    if before.endswith("UNCHANGED"):
        return ("there is no UNCHANGED: an action leaves every variable it does not assign as it was; "
                "drop 'UNCHANGED ...'", len(before) - len("UNCHANGED"), pos + len(token))
    if token == "=" and text[pos - 1:pos] == "=" and text[pos - 2:pos - 1] not in ":=!<>":
        return ("definitions are written 'def Name = e' or 'def Name(x) = e' (TLA+'s '=='); "
                "constants 'const N = 3'", pos - 1, pos + 1)
    if token == "==" and "':'" in expected:
        return "an invariant or constraint is written 'invariant Name: e' (TLA+'s Name == e)", pos, pos + 2
    return None


MAX_NESTING = 100   # parse-tree levels: later stages recurse, and Python compiles the result
MAX_INT_DIGITS = 4000  # Python converts at most 4300 digits between text and int


def _parse(text: str, filename: str, start: str):
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as e:
        raise _syntax_error(e, text, filename) from None
    _check_nesting(tree, text, filename)
    return tree


def _check_nesting(tree, text: str, filename: str) -> None:
    """Reject a parse tree deeper than MAX_NESTING (iteratively: it may be very deep)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            line, col = (meta.line, meta.column) if not getattr(meta, "empty", True) else (1, 1)
            raise SpecError(f"nested too deeply: more than {MAX_NESTING} levels of operators, parentheses or blocks",
                            Span(filename, line, col, line, col + 1),
                            "give parts a name with def (a long chain a + b + c + ... counts one level per "
                            "operator), or split the action into several", source=text)
        stack.extend((c, depth + 1) for c in node.children if hasattr(c, "children"))


def _syntax_error(e: UnexpectedInput, text: str, filename: str) -> SpecError:
    line, col = getattr(e, "line", 1), getattr(e, "column", 1)
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        what = "unexpected end of file"
        width = 1
    elif isinstance(e, UnexpectedToken):
        what = f"unexpected '{e.token}'"
        width = max(1, len(str(e.token)))
    elif isinstance(e, UnexpectedCharacters):
        what = f"unexpected character {text[e.pos_in_stream]!r}" if e.pos_in_stream < len(text) else "unexpected input"
        width = 1
    else:
        what, width = "syntax error", 1
    line, col = max(1, line if isinstance(line, int) else 1), max(1, col if isinstance(col, int) else 1)
    expected = _readable_expected(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    token = str(getattr(e, "token", "")) if isinstance(e, UnexpectedToken) else ""
    hint = _HINTS.get(token)
    if hint is None and expected:
        hint = "expected " + ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")
    if line == 1 and col == 1 and start_missing(text):
        hint = "a spec starts with 'spec Name'"
    pos = getattr(e, "pos_in_stream", None) if isinstance(e, UnexpectedCharacters) else getattr(
        getattr(e, "token", None), "start_pos", None)
    tla = _tla_hint(text, pos, token, expected) if isinstance(pos, int) else None
    if tla is not None:
        hint, start, end = tla
        line, col = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
        return SpecError(f"syntax error: {what}", Span(filename, line, col, line, col + end - start), hint,
                         source=text)
    if isinstance(e, UnexpectedCharacters) and text[e.pos_in_stream:e.pos_in_stream + 1] == "'":
        primed = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", text[:e.pos_in_stream])
        if primed:  # TLA+ habit: x' for the value after the step
            name = primed.group(0)
            return SpecError(
                f"syntax error: primed variable {name}': the language has no primes", Span(filename, line, col, line, col + 1),
                f"an invariant, a guard or any expression reads the state before the step, as '{name}'; "
                f"an action sets the value after the step with '{name} := ...' (TLA+'s {name}' = ...)",
                source=text)
        hint = "strings are written in double quotes, e.g. \"ack\""
    return SpecError(f"syntax error: {what}", Span(filename, line, col, line, col + width), hint, source=text)


@functools.cache
def keywords() -> frozenset[str]:
    """The reserved words of the language (spec, const, forall, ...), read from the grammar."""
    return frozenset(t.pattern.value for t in _lark().terminals
                     if t.pattern.type == "str" and re.fullmatch(r"[A-Za-z_]\w*", t.pattern.value))


def start_missing(text: str) -> bool:
    return not text.lstrip().startswith("spec")


def _readable_expected(names) -> list[str]:
    terms = {t.name: t for t in _lark().terminals}
    out = []
    for n in sorted(names):
        t = terms.get(n)
        if n == "$END":
            out.append("end of file")
        elif t is not None and t.pattern.type == "str":
            out.append(f"'{t.pattern.value}'")
        elif n in ("NAME", "INT", "STRING"):
            out.append({"NAME": "a name", "INT": "a number", "STRING": "a string"}[n])
    return sorted(set(out))


# ---------------------------------------------------------------- tree -> AST

def _span_of(filename: str, meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(filename, 0, 0, 0, 0)
    return Span(filename, meta.line, meta.column, meta.end_line, meta.end_column)


def to_type(node) -> A.TypeExpr:
    """Read an expression written in a type position as a type."""
    if isinstance(node, A.TypeExpr):
        return node
    if isinstance(node, A.TypeOnly):
        return node.type
    if isinstance(node, A.Index) and isinstance(node.base, A.Name) and node.base.id in ("set", "seq", "bag"):
        args = node.key.elems if isinstance(node.key, A.TupleLit) and node.key.span == node.span else (node.key,)
        kind = node.base.id
        if kind == "seq" and len(args) in (1, 2):
            return A.SeqType(node.span, to_type(args[0]), args[1] if len(args) == 2 else None)
        if len(args) != 1:
            raise SpecError(f"'{kind}[...]' takes one type", node.span,
                            hint="write set[T], bag[T], seq[T] or seq[T, MaxLen]")
        return (A.SetType if kind == "set" else A.BagType)(node.span, to_type(args[0]))
    if isinstance(node, A.RecordLit):
        return A.RecordType(node.span, tuple((f, to_type(v)) for f, v in node.fields))
    if isinstance(node, A.TupleLit):
        return A.TupleType(node.span, tuple(to_type(e) for e in node.elems))
    return A.SetOfValues(node.span, node)


def _as_expr(node) -> A.Expr:
    """A type node met in a value position is kept, wrapped, for the checker to reject."""
    return A.TypeOnly(node.span, node) if isinstance(node, A.TypeExpr) else node


@v_args(meta=True, inline=True)
class _Builder(Transformer):
    def __init__(self, filename: str):
        super().__init__()
        self.file = filename

    def _s(self, meta) -> Span:
        return _span_of(self.file, meta)

    # -- declarations
    def start(self, meta, name, *decls):
        return str(name), list(decls)

    def const_start(self, meta, e):
        return _as_expr(e)

    def import_decl(self, meta, path):
        return A.ImportDecl(self._s(meta), str(path)[1:-1])

    def override_decl(self, meta, decl):
        return A.Override(self._s(meta), decl)

    def const_decl(self, meta, name, e):
        return A.ConstDecl(self._s(meta), str(name), _as_expr(e))

    def model_decl(self, meta, *names):
        return A.ModelDecl(self._s(meta), tuple(str(n) for n in names))

    def symmetry_decl(self, meta, name):
        return A.SymmetryDecl(self._s(meta), str(name))

    def def_params(self, meta, *names):
        return tuple(str(n) for n in names)

    def def_decl(self, meta, name, *rest):
        params = rest[0] if len(rest) == 2 else None
        return A.DefDecl(self._s(meta), str(name), params, _as_expr(rest[-1]))

    def type_decl(self, meta, name, t):
        return A.TypeDecl(self._s(meta), str(name), to_type(t))

    def var_decl(self, meta, name, t):
        return A.VarDecl(self._s(meta), str(name), to_type(t))

    def init_decl(self, meta, body):
        return A.InitDecl(self._s(meta), body)

    def action_params(self, meta, *binders):
        return tuple(binders)

    def action_decl(self, meta, name, *rest):
        params = rest[0] if len(rest) == 2 else ()
        return A.ActionDecl(self._s(meta), str(name), params, rest[-1])

    def invariant_decl(self, meta, name, e):
        return A.InvariantDecl(self._s(meta), str(name), _as_expr(e))

    def constraint_decl(self, meta, name, e):
        return A.ConstraintDecl(self._s(meta), str(name), _as_expr(e))

    def alias_decl(self, meta, name, e):
        return A.AliasDecl(self._s(meta), str(name), _as_expr(e))

    def _property(shape):
        def build(self, meta, left, right=None):
            return (shape, _as_expr(left), None if right is None else _as_expr(right))
        return build

    always = _property("always")
    eventually = _property("eventually")
    always_eventually = _property("always eventually")
    eventually_always = _property("eventually always")
    leadsto = _property("leadsto")
    del _property

    def property_decl(self, meta, name, formula):
        shape, left, right = formula
        return A.PropertyDecl(self._s(meta), str(name), shape, left, right)

    def fair_all(self, meta):
        return None

    def fair_named(self, meta, *names):
        return tuple(str(n) for n in names)

    def weak_fairness(self, meta, actions):
        return A.FairnessDecl(self._s(meta), "weak", actions)

    def strong_fairness(self, meta, actions):
        return A.FairnessDecl(self._s(meta), "strong", actions)

    def chart_decl(self, meta, var, *parts):
        given = dict(parts)
        return A.ChartDecl(self._s(meta), str(var), given.get("from"), given.get("to"))

    def chart_from(self, meta, name):
        return ("from", str(name))

    def chart_to(self, meta, name):
        return ("to", str(name))

    # -- types
    def fn_type(self, meta, dom, cod):
        return A.FnType(self._s(meta), to_type(dom), to_type(cod))

    def union_type(self, meta, *alts):
        return A.UnionType(self._s(meta), tuple(to_type(a) for a in alts))

    # -- statements
    def block(self, meta, *stmts):
        return tuple(stmts)

    def require(self, meta, e):
        return A.Require(self._s(meta), _as_expr(e))

    def lvalue(self, meta, name, *sels):
        return (str(name), tuple(sels))

    def index_sel(self, meta, e):
        return A.IndexSel(self._s(meta), _as_expr(e))

    def field_sel(self, meta, name):
        return A.FieldSel(self._s(meta), str(name))

    def assign(self, meta, lv, e):
        return A.Assign(self._s(meta), lv[0], lv[1], _as_expr(e))

    def pick(self, meta, binder, cond=None):
        return A.Pick(self._s(meta), binder, _as_expr(cond) if cond is not None else None)

    def let_stmt(self, meta, name, e):
        return A.LetStmt(self._s(meta), str(name), _as_expr(e))

    def if_stmt(self, meta, cond, then, orelse=()):
        if isinstance(orelse, A.If):
            orelse = (orelse,)
        return A.If(self._s(meta), _as_expr(cond), then, orelse)

    def either(self, meta, *blocks):
        return A.Either(self._s(meta), tuple(blocks))

    def binder(self, meta, name, dom):
        return A.Binder(self._s(meta), str(name), _as_expr(dom))

    def binders(self, meta, *bs):
        return tuple(bs)

    # -- expressions
    def forall(self, meta, bs, body):
        return A.Quant(self._s(meta), "forall", bs, _as_expr(body))

    def exists(self, meta, bs, body):
        return A.Quant(self._s(meta), "exists", bs, _as_expr(body))

    def choose(self, meta, b, cond):
        return A.Choose(self._s(meta), b, _as_expr(cond))

    def ite(self, meta, c, t, e):
        return A.Ite(self._s(meta), _as_expr(c), _as_expr(t), _as_expr(e))

    def let_binding(self, meta, name, e):
        return (str(name), _as_expr(e))

    def let_expr(self, meta, *parts):
        return A.Let(self._s(meta), tuple(parts[:-1]), _as_expr(parts[-1]))

    def _bin(op):
        def build(self, meta, left, right):
            return A.Binary(self._s(meta), op, _as_expr(left), _as_expr(right))
        return build

    implies = _bin("=>")
    iff = _bin("<=>")
    or_ = _bin("or")
    and_ = _bin("and")
    eq = _bin("==")
    ne = _bin("!=")
    lt = _bin("<")
    le = _bin("<=")
    gt = _bin(">")
    ge = _bin(">=")
    in_ = _bin("in")
    not_in = _bin("not in")
    subseteq = _bin("subseteq")
    range_ = _bin("..")
    add = _bin("+")
    sub = _bin("-")
    concat = _bin("++")
    mul = _bin("*")
    div = _bin("/")
    mod = _bin("%")
    intersect = _bin("&")
    del _bin

    def is_(self, meta, e, t):
        return A.Is(self._s(meta), _as_expr(e), to_type(t))

    def not_(self, meta, e):
        return A.Unary(self._s(meta), "not", _as_expr(e))

    def neg_(self, meta, e):
        if isinstance(e, A.IntLit):
            return A.IntLit(self._s(meta), -e.value)
        return A.Unary(self._s(meta), "-", _as_expr(e))

    def index(self, meta, base, *keys):
        span = self._s(meta)
        key = _as_expr(keys[0]) if len(keys) == 1 else A.TupleLit(span, tuple(_as_expr(k) for k in keys))
        return A.Index(span, _as_expr(base), key)

    def field(self, meta, base, name):
        return A.Field(self._s(meta), _as_expr(base), str(name))

    def update(self, meta, *parts):
        return A.Update(self._s(meta), tuple(parts[:-1]), _as_expr(parts[-1]))

    def except_(self, meta, base, *updates):
        return A.Except(self._s(meta), _as_expr(base), tuple(updates))

    def int_lit(self, meta, tok):
        if len(tok) > MAX_INT_DIGITS:
            raise SpecError(f"integer literal with {len(tok)} digits: at most {MAX_INT_DIGITS}", self._s(meta),
                            hint="write a smaller number, or compute it, e.g. 10 * 10")
        return A.IntLit(self._s(meta), int(tok))

    def true_lit(self, meta):
        return A.BoolLit(self._s(meta), True)

    def false_lit(self, meta):
        return A.BoolLit(self._s(meta), False)

    def str_lit(self, meta, tok):
        return A.StrLit(self._s(meta), str(tok)[1:-1])

    def name(self, meta, tok):
        return A.Name(self._s(meta), str(tok))

    def call(self, meta, fname, *args):
        return A.Call(self._s(meta), str(fname), tuple(_as_expr(a) for a in args))

    def empty_set(self, meta):
        return A.SetLit(self._s(meta), ())

    def set_lit(self, meta, *elems):
        return A.SetLit(self._s(meta), tuple(_as_expr(e) for e in elems))

    def set_filter(self, meta, name, dom, cond):
        span = self._s(meta)
        return A.SetFilter(span, A.Binder(span, str(name), _as_expr(dom)), _as_expr(cond))

    def set_map(self, meta, body, bs, cond=None):
        return A.SetMap(self._s(meta), _as_expr(body), bs, _as_expr(cond) if cond is not None else None)

    def field_value(self, meta, name, e):
        return (str(name), _as_expr(e))

    def record_lit(self, meta, *fields):
        names = [f for f, _ in fields]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise SpecError(f"field '{dup}' appears twice in a record", self._s(meta),
                            hint="give each field once")
        return A.RecordLit(self._s(meta), tuple(fields))

    def map_ctor(self, meta, name, dom, body):
        span = self._s(meta)
        return A.MapCtor(span, A.Binder(span, str(name), _as_expr(dom)), _as_expr(body))

    def fn_set(self, meta, dom, cod):
        return A.FnSet(self._s(meta), _as_expr(dom), _as_expr(cod))

    def seq_filter(self, meta, name, seq, cond):
        span = self._s(meta)
        return A.SeqFilter(span, A.Binder(span, str(name), _as_expr(seq)), _as_expr(cond))

    def tuple_lit(self, meta, *elems):
        return A.TupleLit(self._s(meta), tuple(_as_expr(e) for e in elems))
