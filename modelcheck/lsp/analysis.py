"""What the language server knows about one spec text: its errors, its symbols and every use of them.

`analyse(text, path)` runs the lang stage (parse, then check; the same errors and hints the CLI
prints) and builds a symbol table from the AST and the checker's side tables: every
declaration and every bound name (action parameters, pick, let, quantifiers, def parameters)
with the place of its name, and every occurrence of a name with the symbol it denotes. The
server (server.py) answers its requests from this; nothing here knows about LSP.

A file with a syntax error still gets symbols: the declaration the error is in is blanked out
(replaced by spaces, so positions stay) and the rest parsed again. A file with type errors
gets the checker's tables as far as it filled them (`typecheck_tolerant`). With a ParseCache,
only the declarations an edit changed are parsed again.

A doc comment is the run of `//` lines directly above a declaration (no blank line between),
followed by a `//` comment at the end of the declaration's first line, if any.

Positions are 0-based lines and columns counted in characters (code points), end exclusive.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..lang import ast as A
from ..lang.errors import Span, SpecError
from ..lang.parser import keywords, parse_text
from ..lang.typecheck import BUILTIN_OPERATORS, BUILTIN_SETS, TYPE_ONLY_NAMES, CheckedSpec, typecheck_tolerant

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# what a name in the text is, skipping comments and strings: group 1 is a name
_NAME_TOKENS = re.compile(r'//[^\n]*|/\*(?:.|\n)*?\*/|"[^"\n]*"|([A-Za-z_][A-Za-z0-9_]*)')
# a declaration starts at the beginning of a line with its keyword (the shipped specs'
# layout; used only to find what to blank out around a syntax error)
_DECL_START = re.compile(r"^(?:spec|const|model|symmetry|def|type|var|init|action|invariant|constraint|chart)\b",
                         re.M)
MAX_RECOVERY = 5  # declarations blanked out, at most, to parse around syntax errors
BUILTIN_TYPES = ("set", "seq", "bag", *TYPE_ONLY_NAMES)


@dataclass(frozen=True, slots=True, order=True)
class Range:
    line: int
    col: int
    end_line: int
    end_col: int

    @staticmethod
    def of(span: Span) -> Range:
        if not span.line:  # an error of the whole file
            return Range(0, 0, 0, 1)
        return Range(span.line - 1, span.col - 1, span.end_line - 1, max(span.end_col - 1, span.col - 1))

    def contains(self, line: int, col: int) -> bool:
        """Whether the cursor at (line, col) touches the range (its end included, as editors do)."""
        return (self.line, self.col) <= (line, col) <= (self.end_line, self.end_col)


@dataclass(frozen=True, eq=False)
class Symbol:
    """A declared or bound name."""
    name: str
    kind: str               # const var def type action invariant constraint model param bound init chart
    name_range: Range       # the name where it is declared
    decl_range: Range       # the whole declaration (or binder)
    scope: Range | None     # where a bound name is visible; None: everywhere
    signature: str          # the declaration as written, on one line (or the bound name's type)
    type: str | None        # the checker's type for it, if it got that far
    doc: str                # the doc comment ('' if none)
    file: str | None = None  # where it is declared, if not in this file (an `import`ed spec)


@dataclass(frozen=True, slots=True)
class Occurrence:
    range: Range
    symbol: Symbol
    is_definition: bool
    type: str | None        # the type of this use, as the checker found it


@dataclass(frozen=True, slots=True)
class Diagnostic:
    range: Range
    message: str
    hint: str | None
    fix: str | None         # a replacement for the range that the hint proposes

    def text(self) -> str:
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")


class RenameError(ValueError):
    """A rename that would break the spec; the message says why."""


@dataclass(frozen=True)
class Analysis:
    path: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    outline: tuple[Symbol, ...]            # the declarations, in source order
    symbols: tuple[Symbol, ...]            # every symbol, declarations and bound names
    occurrences: tuple[Occurrence, ...]    # sorted by position
    _starts: list[tuple[int, int]] = field(repr=False, default_factory=list)

    def occurrence_at(self, line: int, col: int) -> Occurrence | None:
        i = bisect.bisect_right(self._starts, (line, col)) - 1
        for occ in self.occurrences[max(0, i - 1):i + 1][::-1]:
            if occ.range.contains(line, col):
                return occ
        return None

    def references(self, symbol: Symbol, include_definition: bool = True) -> list[Occurrence]:
        return [o for o in self.occurrences if o.symbol is symbol and (include_definition or not o.is_definition)]

    def hover(self, line: int, col: int) -> str | None:
        """Markdown: the declaration, its type (or the type at this use) and its doc comment."""
        occ = self.occurrence_at(line, col)
        if occ is None:
            return None
        sym = occ.symbol
        parts = [f"```modelcheck\n{sym.signature}\n```"]
        shown = occ.type or sym.type
        if shown and sym.kind not in ("action", "init"):
            parts.append(f"type: `{shown}`")
        if sym.doc:
            parts.append(sym.doc)
        return "\n\n".join(parts)

    def rename(self, line: int, col: int, new_name: str) -> list[Range]:
        """The ranges to replace with new_name; RenameError if the rename would break the spec."""
        occ = self.occurrence_at(line, col)
        if occ is None:
            raise RenameError("no declared or bound name here")
        if not IDENTIFIER.match(new_name):
            raise RenameError(f"'{new_name}' is not a name: a letter or '_', then letters, digits or '_'")
        if new_name in keywords() or new_name in BUILTIN_OPERATORS or new_name in BUILTIN_SETS or new_name in BUILTIN_TYPES:
            raise RenameError(f"'{new_name}' is a keyword or builtin of the language")
        sym = occ.symbol
        if sym.file is not None:
            raise RenameError(f"'{sym.name}' is declared in {sym.file}: rename it there")
        clash = next((s for s in self.symbols if s.name == new_name and s is not sym and _overlap(s, sym)), None)
        if clash is not None:
            where = f"{clash.name_range.line + 1}:{clash.name_range.col + 1}"
            raise RenameError(f"'{new_name}' is already declared or bound at line {where}")
        return [o.range for o in self.references(sym)]

    def completions(self, line: int, col: int) -> list[tuple[str, str, str]]:
        """(label, what it is, detail) for the names visible at the position and the keywords."""
        out: dict[str, tuple[str, str, str]] = {}
        for s in self.symbols:
            if s.scope is None or s.scope.contains(line, col):
                out.setdefault(s.name, (s.name, s.kind, s.type or s.signature))
        for name in BUILTIN_OPERATORS:
            out.setdefault(name, (name, "builtin", "builtin operator"))
        for name, kind in BUILTIN_SETS.items():
            out.setdefault(name, (name, "builtin", kind.show()))
        for name in BUILTIN_TYPES:
            out.setdefault(name, (name, "type", "builtin type"))
        for word in keywords():
            out.setdefault(word, (word, "keyword", "keyword"))
        return list(out.values())


def _overlap(a: Symbol, b: Symbol) -> bool:
    if a.scope is None or b.scope is None:
        return True
    return not (a.scope.end_line, a.scope.end_col) < (b.scope.line, b.scope.col) \
        and not (b.scope.end_line, b.scope.end_col) < (a.scope.line, a.scope.col)


# ---------------------------------------------------------------- analysis

def analyse(text: str, path: str, cache: ParseCache | None = None) -> Analysis:
    """What the server knows about the text. Give the same cache for each version of one
    document: declarations that did not change (nor move) are not parsed again."""
    spec, syntax_errors, parsed = _parse_recovering(text, path, cache.parse if cache is not None else parse_text)
    if spec is None:
        return Analysis(path, text, tuple(map(_diagnostic, syntax_errors)), (), (), ())
    checked, type_errors = typecheck_tolerant(spec)
    # like the CLI: a syntax error is the only error shown; the checker's would be about a
    # text with a declaration blanked out
    errors = syntax_errors or type_errors
    # names are found in the text that was parsed: blanking a broken declaration out can
    # end a comment it opened, which the parser then no longer sees (offsets are the same)
    table = _SymbolTable(parsed, path, spec, checked)
    occurrences = tuple(sorted(table.occurrences, key=lambda o: o.range))
    return Analysis(path, text, tuple(map(_diagnostic, errors)), tuple(table.outline), tuple(table.symbols),
                    occurrences, [(o.range.line, o.range.col) for o in occurrences])


_DID_YOU_MEAN = re.compile(r"did you mean '([A-Za-z_][A-Za-z0-9_]*)'\?")


def _diagnostic(err: SpecError) -> Diagnostic:
    fix = _DID_YOU_MEAN.search(err.hint or "")
    return Diagnostic(Range.of(err.span), err.message, err.hint, fix.group(1) if fix else None)


class ParseCache:
    """The declarations of the last text parsed, by the text of each and the line it starts
    on. A declaration starts at the beginning of a line with its keyword; each is parsed
    alone, on as many empty lines as put it where it is in the file (so its spans are the
    file's), and its AST is reused while its text and line stay the same: typing within a
    line parses one declaration, not the file. If any declaration fails to parse alone (a
    syntax error, or a line that only looks like a declaration's start), the whole text is
    parsed as the CLI does, so the errors are the CLI's."""

    def __init__(self) -> None:
        self.decls: dict[tuple[str, int, str], A.Spec] = {}

    def parse(self, text: str, path: str) -> A.Spec:
        starts = [m.start() for m in _DECL_START.finditer(text) if m.group(0) != "spec"]
        bounds = [0, *(s for s in starts if s > 0), len(text)]
        parsed: dict[tuple[str, int, str], A.Spec] = {}
        line = 1
        failed = False
        for start, end in zip(bounds, bounds[1:]):
            chunk = text[start:end]
            key = (path, line, chunk)
            line += chunk.count("\n")
            if key in self.decls:
                parsed[key] = self.decls[key]
                continue
            padded = chunk if start == 0 else "spec _" + "\n" * (key[1] - 1) + chunk
            try:
                parsed[key] = parse_text(padded, path)
            except SpecError:
                failed = True
        self.decls = parsed
        if failed:
            return parse_text(text, path)
        specs = list(parsed.values())
        return A.Spec(specs[0].name, path, text, tuple(d for s in specs for d in s.decls), {path: text})


def _parse_recovering(text: str, path: str, parse) -> tuple[A.Spec | None, tuple[SpecError, ...], str]:
    """The parsed spec, the syntax error (the first, as the CLI reports it) if any, and the
    text parsed: with a syntax error, the text with the broken declarations blanked out."""
    try:
        return parse(text, path), (), text
    except SpecError as e:
        first = err = e
    blanked = text
    for _ in range(MAX_RECOVERY):
        less = _blank_declaration(blanked, err.span)
        if less == blanked:
            break
        blanked = less
        try:
            return parse(blanked, path), (first,), blanked
        except SpecError as e:
            err = e
    return None, (first,), text


def _blank_declaration(text: str, span: Span) -> str:
    """The text with the declaration around `span` replaced by spaces. An error at the first
    word of a declaration is blamed on the one before it (which ended too early)."""
    starts = [m.start() for m in _DECL_START.finditer(text)]
    lines = text.split("\n")
    offset = sum(len(ln) + 1 for ln in lines[:max(span.line, 1) - 1]) + max(span.col, 1) - 1
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and starts[i] == offset:
        i -= 1
    if i < 1:  # before the first declaration, or in the `spec` line: nothing to blank
        return text
    end = starts[i + 1] if i + 1 < len(starts) else len(text)
    return text[:starts[i]] + re.sub(r"[^\n]", " ", text[starts[i]:end]) + text[end:]


class _SymbolTable:
    """Builds the symbols and occurrences of one parsed and (maybe partly) checked spec."""

    def __init__(self, text: str, path: str, spec: A.Spec, checked: CheckedSpec):
        self.text, self.path, self.spec, self.checked = text, path, spec, checked
        self.lines = text.split("\n")
        self.line_starts = [0]
        for ln in self.lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(ln) + 1)
        self.name_tokens = [(m.start(1), m.group(1)) for m in _NAME_TOKENS.finditer(text) if m.group(1)]
        self.token_offsets = [o for o, _ in self.name_tokens]
        self.outline: list[Symbol] = []
        self.symbols: list[Symbol] = []
        self.occurrences: list[Occurrence] = []
        self.globals: dict[str, Symbol] = {}
        self.bound: dict[str, Symbol] = {}          # the checker's Python name of a binder -> symbol
        self.params: dict[int, dict[str, Symbol]] = {}  # id(DefDecl) -> its parameters' Python names
        own = [d for d in spec.decls if d.span.file == path]
        for d in spec.decls:
            if d.span.file != path:
                self._declare_imported(d)
        for d in own:
            self._declare(d)
        self._declare_model_values_of_consts()
        for d in own:
            self._bind_all(d)
        for d in own:
            self._uses(d)

    # ------------------------------------------------------------ positions
    def _offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col - 1

    def _range_at(self, offset: int, length: int) -> Range:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        col = offset - self.line_starts[line]
        return Range(line, col, line, col + length)

    def _name_after(self, offset: int, name: str, skip_first: bool = False) -> tuple[Range, int]:
        """The range of the first token `name` at or after offset (after the next token, if
        skip_first: a declaration's keyword), and the offset just after it."""
        i = bisect.bisect_left(self.token_offsets, offset) + (1 if skip_first else 0)
        while i < len(self.name_tokens) and self.name_tokens[i][1] != name:
            i += 1
        if i == len(self.name_tokens):  # cannot happen for a name the parser read
            return self._range_at(offset, 0), offset
        at = self.name_tokens[i][0]
        return self._range_at(at, len(name)), at + len(name)

    def _start(self, span: Span) -> int:
        return self._offset(span.line, span.col)

    def _source(self, span: Span) -> str:
        return self.text[self._start(span):self._offset(span.end_line, span.end_col)]

    # ------------------------------------------------------------ declarations
    def _add(self, sym: Symbol, outline: bool) -> Symbol:
        self.symbols.append(sym)
        if outline:
            self.outline.append(sym)
        if sym.scope is None:
            self.globals.setdefault(sym.name, sym)
        self.occurrences.append(Occurrence(sym.name_range, sym, True, sym.type))
        return sym

    def _declare(self, d) -> None:
        c = self.checked
        decl_range, doc = Range.of(d.span), self._doc(d.span)
        if isinstance(d, A.InitDecl):
            rng = self._range_at(self._start(d.span), len("init"))
            self.outline.append(Symbol("init", "init", rng, decl_range, None, "init", None, doc))
            return
        if isinstance(d, A.ChartDecl):
            return  # a use of a variable (and of two field names), see _uses
        if isinstance(d, (A.SymmetryDecl, A.FairnessDecl)):
            return  # uses of a constant, of actions
        if isinstance(d, A.ModelDecl):
            at = self._start(d.span)
            for i, n in enumerate(d.names):
                rng, at = self._name_after(at, n, skip_first=i == 0)
                self._add(Symbol(n, "model", rng, decl_range, None, f"model {n}", "model value", doc), True)
            return
        rng, _ = self._name_after(self._start(d.span), d.name, skip_first=True)
        kind = _DECL_KINDS[type(d)]
        type_ = None
        if isinstance(d, A.ConstDecl) and d.name in c.const_kinds:
            type_ = c.const_kinds[d.name].show()
        elif isinstance(d, A.VarDecl) and d.name in c.var_kinds:
            type_ = c.var_kinds[d.name].show()
        elif isinstance(d, (A.DefDecl, A.InvariantDecl, A.AliasDecl)) and d.name in c.defs:
            type_ = _def_type(c, d.name)
        elif isinstance(d, A.ConstraintDecl):
            type_ = "bool"
        self._add(Symbol(d.name, kind, rng, decl_range, None, self._signature(d), type_, doc), True)
        if isinstance(d, A.DefDecl) and d.params:
            info = c.defs.get(d.name)
            at = self._offset(rng.line + 1, rng.end_col + 1)
            own: dict[str, Symbol] = {}
            for i, p in enumerate(d.params):
                prng, at = self._name_after(at, p)
                k = info.param_kinds[i].show() if info and info.param_kinds else None
                psym = self._add(Symbol(p, "param", prng, prng, decl_range, f"{p} (parameter of {d.name})",
                                        k, ""), False)
                if info and info.param_names:
                    own[info.param_names[i]] = psym
            self.params[id(d)] = own

    def _declare_imported(self, d) -> None:
        """A declaration of an imported spec: its name is known here (uses, hover, go to
        definition into that file), but it has no place in this file's text or outline."""
        names = d.names if isinstance(d, A.ModelDecl) else [getattr(d, "name", None)]
        kind = _DECL_KINDS.get(type(d), "model" if isinstance(d, A.ModelDecl) else None)
        for name in names:
            if name is None or kind is None or name in self.globals:
                continue
            where = Range.of(d.span)
            self.globals[name] = Symbol(name, kind, where, where, None, f"{kind} {name} (from {d.span.file})",
                                        None, "", d.span.file)

    def _declare_model_values_of_consts(self) -> None:
        """Model values declared by naming them in a constant's set: `const S = {a, b}`."""
        for d in self.spec.of(A.ConstDecl):
            if isinstance(d.value, A.SetLit):
                for el in d.value.elems:
                    ref = self.checked.refs.get(id(el))
                    if isinstance(el, A.Name) and ref and ref.kind == "model" and el.id not in self.globals:
                        if d.span.file != self.path:  # a model value of an imported spec
                            where = Range.of(el.span)
                            self.globals[el.id] = Symbol(el.id, "model", where, where, None, f"model {el.id}",
                                                         "model value", "", d.span.file)
                            continue
                        rng = Range.of(el.span)
                        self._add(Symbol(el.id, "model", rng, rng, None, f"model value {el.id} (in {d.name})",
                                         "model value", ""), False)

    def _signature(self, d) -> str:
        if isinstance(d, A.ActionDecl):  # its head: `action Name(params)`, not its body
            head = self.text[self._start(d.span):self._offset(d.span.end_line, d.span.end_col)]
            return " ".join(head.split("{", 1)[0].split())
        return _one_line(self._source(d.span))

    def _doc(self, span: Span) -> str:
        above = []
        n = span.line - 2
        while n >= 0 and self.lines[n].lstrip().startswith("//"):
            above.append(self.lines[n].lstrip()[2:].strip())
            n -= 1
        doc = "\n".join(reversed(above))
        trailing = _trailing_comment(self.lines[span.line - 1][span.col - 1:])
        if trailing:
            doc = (doc + "\n\n" if doc else "") + trailing
        return doc

    # ------------------------------------------------------------ bound names
    def _bind_all(self, d) -> None:
        """Every binder inside a declaration becomes a symbol, known by the checker's name for it."""
        scope_of_rest = Range.of(d.span)  # pick/let statements: to the end of the declaration
        if isinstance(d, A.ActionDecl):
            for b in d.params:
                self._binder(b, b.name, b.domain, self._start(b.span), scope_of_rest)
        for node, scope in _binding_nodes(d, scope_of_rest):
            if isinstance(node, A.Binder):
                self._binder(node, node.name, node.domain, self._start(node.span), scope)
            elif isinstance(node, A.LetStmt):
                self._binder(node, node.name, node.value, self._start(node.span) + len("let"), scope)
            elif isinstance(node, A.Let):
                at = self._start(node.span) + len("let")
                for binding in node.bindings:
                    at = self._binder(binding, binding[0], binding[1], at, scope)

    def _binder(self, node, name: str, value: A.Expr, at: int, scope: Range) -> int:
        """A bound name: `name in value` (a binder) or `let name = value`."""
        rng, after = self._name_after(at, name)
        py = self.checked.binder_names.get(id(node))
        kind = self.checked.binder_kinds[py][1].show() if py in self.checked.binder_kinds else None
        relation = "in" if isinstance(node, A.Binder) else "="
        signature = f"{name} {relation} {_one_line(self._source(value.span))}"
        sym = self._add(Symbol(name, "bound", rng, rng, scope, signature, kind, ""), False)
        if py is not None:
            self.bound[py] = sym
        return after

    # ------------------------------------------------------------ uses
    def _uses(self, d) -> None:
        if isinstance(d, A.SymmetryDecl):
            self._use_name_after(self._start(d.span), d.name, "const")
            return
        if isinstance(d, A.ChartDecl):
            self._use_name_after(self._start(d.span), d.var, "var")
            return
        if isinstance(d, A.FairnessDecl):  # `fairness weak A, B`: uses of actions
            at = self._start(d.span)
            for name in d.actions or ():
                rng, at = self._name_after(at, name)
                sym = self.globals.get(name)
                if sym is not None and sym.kind == "action":
                    self.occurrences.append(Occurrence(rng, sym, False, sym.type))
            return
        params = self.params.get(id(d), {})
        for node in _expression_nodes(d):
            if isinstance(node, A.Name):
                self._use(Range.of(node.span), node.id, params, node)
            elif isinstance(node, A.Call) and node.func in self.globals:
                rng = Range.of(node.span)
                self._use(Range(rng.line, rng.col, rng.line, rng.col + len(node.func)), node.func, params, node)
            elif isinstance(node, A.Assign):
                rng = Range.of(node.span)
                self._use(Range(rng.line, rng.col, rng.line, rng.col + len(node.target)), node.target, params, None)

    def _use_name_after(self, at: int, name: str, kind: str) -> None:
        sym = self.globals.get(name)
        if sym is not None and sym.kind == kind:
            rng, _ = self._name_after(at, name, skip_first=True)
            self.occurrences.append(Occurrence(rng, sym, False, sym.type))

    def _use(self, rng: Range, name: str, params: dict[str, Symbol], node) -> None:
        ref = self.checked.refs.get(id(node)) if node is not None else None
        if ref is not None and ref.kind == "bound":
            sym = params.get(ref.name) or self.bound.get(ref.name)
        else:  # a bound name cannot shadow a declaration: a declared name is that declaration
            sym = self.globals.get(name)
        if sym is None or sym.name_range == rng:
            return
        kind = self.checked.kinds.get(id(node)) if isinstance(node, A.Name) else None
        self.occurrences.append(Occurrence(rng, sym, False, kind.show() if kind else sym.type))


_DECL_KINDS = {A.ConstDecl: "const", A.DefDecl: "def", A.TypeDecl: "type", A.VarDecl: "var",
               A.ActionDecl: "action", A.InvariantDecl: "invariant", A.ConstraintDecl: "constraint",
               A.AliasDecl: "alias", A.PropertyDecl: "property"}


def _def_type(c: CheckedSpec, name: str) -> str | None:
    info = c.defs[name]
    if info.result is None:
        return None
    if not info.decl.params:
        return info.result.show()
    args = ", ".join(k.show() for k in info.param_kinds or ())
    return f"({args}) -> {info.result.show()}"


def _trailing_comment(line: str) -> str:
    """The text of the `//` comment that ends a line of code ('' if none; a `//` inside a
    string is no comment)."""
    for m in re.finditer(r'"[^"\n]*"|//(.*)', line):
        if m.group(1) is not None:
            return m.group(1).strip()
    return ""


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(re.sub(r"//[^\n]*", "", text).split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


# ---------------------------------------------------------------- walking the AST

def _stmt_parts(s: A.Stmt):
    """The expressions and binders directly in a statement, and its nested statement lists."""
    exprs = [v for v in (getattr(s, slot) for slot in s.__slots__) if isinstance(v, (A.Expr, A.Binder))]
    if isinstance(s, A.Assign):
        exprs[:0] = list(s.path)
    blocks = (s.then, s.orelse) if isinstance(s, A.If) else s.branches if isinstance(s, A.Either) else ()
    return exprs, blocks


def _decl_roots(d) -> tuple[list, list]:
    """The expression trees and the statement lists of a declaration."""
    if isinstance(d, (A.ConstDecl, A.DefDecl)):
        return [d.value if isinstance(d, A.ConstDecl) else d.body], []
    if isinstance(d, (A.InvariantDecl, A.ConstraintDecl, A.AliasDecl)):
        return [d.expr], []
    if isinstance(d, A.PropertyDecl):
        return [e for e in (d.left, d.right) if e is not None], []
    if isinstance(d, (A.TypeDecl, A.VarDecl)):
        return [d.type], []
    if isinstance(d, A.ActionDecl):
        return [b.domain for b in d.params], [d.body]
    if isinstance(d, A.InitDecl):
        return [], [d.body]
    return [], []


def _expression_nodes(d):
    """Every expression node of a declaration (names, calls ...) and its assignments."""
    roots, blocks = _decl_roots(d)
    for r in roots:
        yield from A.walk(r)
    stack = list(blocks)
    while stack:
        for s in stack.pop():
            exprs, nested = _stmt_parts(s)
            if isinstance(s, A.Assign):
                yield s
            for e in exprs:
                yield from A.walk(e)
            stack.extend(nested)


def _binding_nodes(d, rest_scope: Range):
    """(node that binds a name, where the name is visible) for every binder in a declaration."""
    roots, blocks = _decl_roots(d)
    exprs = list(roots)
    stack = list(blocks)
    while stack:
        for s in stack.pop():
            parts, nested = _stmt_parts(s)
            if isinstance(s, A.LetStmt):
                yield s, rest_scope
            elif isinstance(s, A.Pick):
                yield s.binder, rest_scope
            exprs.extend(p.domain if isinstance(p, A.Binder) else p for p in parts)
            stack.extend(nested)
    for root in exprs:
        for node in A.walk(root):
            if isinstance(node, (A.Quant, A.SetMap)):
                yield from ((b, Range.of(node.span)) for b in node.binders)
            elif isinstance(node, (A.Choose, A.SetFilter, A.MapCtor)):
                yield node.binder, Range.of(node.span)
            elif isinstance(node, A.Let):
                yield node, Range.of(node.span)
