"""AST -> CheckedSpec: name resolution, kind inference and the static rules of the language.

The checker never changes the AST. What it learns goes into side tables keyed by node
identity: the kind of every expression, what every name refers to, and a unique Python
name for every bound variable. The compiler reads those tables; it never re-derives them.
Errors are collected per declaration and raised together as `SpecErrors`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import ast as A
from .errors import Span, SpecError, SpecErrors, attach_source
from .kinds import (SCALAR_MIX, AnyK, BoolK, FnK, IntK, Kind, KindMismatch, MixK, ModelK, RecK, SeqK, SetK,
                    StrK, TupleK, UnionK, contains, join, rec, record_field)

INFINITE_SETS = {"Nat": "the natural numbers", "Int": "the integers"}
BUILTIN_SETS = {"bool": SetK(BoolK()), "Nat": SetK(IntK()), "Int": SetK(IntK())}
TYPE_ONLY_NAMES = {"int": IntK(), "string": StrK()}


@dataclass(frozen=True, slots=True)
class Ref:
    """What a Name node denotes."""
    kind: str  # "var" | "const" | "model" | "def" | "bound" | "builtin"
    name: str  # the spec name, or the Python name for "bound"


class _Cascade(SpecError):
    """A use of a declaration whose own error is reported already: the check of the using
    declaration stops without a second error (one error per bad declaration, not per use)."""


@dataclass
class DefInfo:
    decl: A.DefDecl
    state_dependent: bool = False
    param_kinds: tuple[Kind, ...] | None = None  # set once the def has been used
    result: Kind | None = None
    param_names: tuple[str, ...] = ()  # Python names of the parameters
    failed: bool = False                # its body has an error (reported once)
    recursive: bool = False             # it calls itself, directly or through other operators


@dataclass(frozen=True)
class CheckedSpec:
    spec: A.Spec
    consts: tuple[A.ConstDecl, ...]          # after command-line overrides, in order
    const_kinds: dict[str, Kind]
    model_values: tuple[str, ...]            # every model value, in declaration order
    vars: tuple[A.VarDecl, ...]
    var_kinds: dict[str, Kind]
    types: dict[str, A.TypeExpr]             # `type` aliases
    defs: dict[str, DefInfo]
    kinds: dict[int, Kind]                   # id(expr) -> kind
    refs: dict[int, Ref]                     # id(Name) -> what it is
    binder_names: dict[int, str]             # id(Binder | LetStmt | Let) -> Python name
    symmetry: tuple[str, ...]                # names of symmetric constant sets
    binder_kinds: dict[str, tuple[str, Kind]]  # Python name -> (spec name, kind) of bound names
    overridden: tuple[str, ...] = field(default=())
    chart: A.ChartDecl | None = None         # `chart msgs from acc to dest`, if declared
    call_targets: dict[int, str] = field(default_factory=dict)  # id(Call) -> operator copy (see target)
    properties: tuple[A.PropertyDecl, ...] = ()  # temporal properties, in source order
    fairness: dict[str, str] = field(default_factory=dict)  # action -> "weak" | "strong"
    # Some value may be an int or a string or model value (a type such as `0..3 | None`, or
    # `x == None` for an int x): strings and model values are then floats at run time (values.symbol).
    mixes_ints_and_symbols: bool = False

    def kind(self, e: A.Expr) -> Kind:
        return self.kinds[id(e)]

    def target(self, call: A.Call) -> str:
        """The key in `defs` of the operator a call of a user operator runs: the operator, or
        its copy checked for the argument types of this call."""
        return self.call_targets.get(id(call), call.func)


def typecheck(spec: A.Spec, overrides: dict[str, A.Expr] | None = None) -> CheckedSpec:
    return _Checker(spec, overrides or {}).run()


def typecheck_tolerant(spec: A.Spec) -> tuple[CheckedSpec, tuple[SpecError, ...]]:
    """For tools that show a spec while it is being written (the language server): the
    errors `typecheck` would raise, and the side tables as far as the checker filled them
    (every declaration it checked, up to the first error inside each). The tables of a spec
    with errors are incomplete: such a result must never reach the compiler."""
    checker = _Checker(spec, {})
    try:
        return checker.run(), ()
    except SpecErrors as e:
        return checker.result(), tuple(e.errors)


class _Checker:
    def __init__(self, spec: A.Spec, overrides: dict[str, A.Expr]):
        self.spec = spec
        self.overrides = overrides
        self.errors: list[SpecError] = []
        self.infinite_ok: set[int] = set()  # ids of Nat/Int names where only membership is asked
        self.kinds: dict[int, Kind] = {}
        self.refs: dict[int, Ref] = {}
        self.binder_names: dict[int, str] = {}
        self.binder_kinds: dict[str, tuple[str, Kind]] = {}
        self.const_kinds: dict[str, Kind] = {}
        self.model_values: list[str] = []
        self.var_kinds: dict[str, Kind] = {}
        self.types: dict[str, A.TypeExpr] = {}
        self.type_kinds: dict[str, Kind] = {}
        self.defs: dict[str, DefInfo] = {}
        self.instances: dict[str, list[str]] = {}  # operator -> its copies checked for other types
        self.call_targets: dict[int, str] = {}     # id(Call) -> the copy it calls, where not the first
        self.callees: dict[str, set[str]] = {}     # operator (or copy) -> the operators its body calls
        self.failed: set[str] = set()  # variables and types whose declaration has an error
        # model values named only on the command line: the spec's author could not know them,
        # so a bound name of the spec may have the same name (it shadows them where bound)
        self.cli_models: set[str] = set()
        self.spec_models: set[str] = set()
        self.def_stack: list[str] = []
        self.counter = 0
        self.mixes_ints_and_symbols = False  # set by _kind_join
        self.in_const = False
        self.in_init = False
        self.state_read = False
        self.consts: list[A.ConstDecl] = []
        self.symmetry: tuple[str, ...] = ()
        self.chart: A.ChartDecl | None = None
        self.fairness: dict[str, str] = {}

    # ------------------------------------------------------------ driver
    def run(self) -> CheckedSpec:
        spec = self.spec
        for d in spec.of(A.ModelDecl):
            for n in d.names:
                self._declare_model(n, d.span)
        for d in spec.of(A.DefDecl):  # known before constants, which may use them
            self.defs[d.name] = DefInfo(d)
        for d in (*spec.of(A.InvariantDecl), *spec.of(A.AliasDecl)):  # usable by name, like a def
            self.defs[d.name] = DefInfo(A.DefDecl(d.span, d.name, None, d.expr))
        self.consts = self._consts()
        if self.errors:  # later errors would only be consequences of a wrong constant
            raise SpecErrors([attach_source(e, spec.sources) for e in self.errors])
        self._check_unique_names()
        for d in spec.of(A.TypeDecl):
            self._guard(lambda d=d: self._type_decl(d), d.name)
        for d in spec.of(A.VarDecl):
            self._guard(lambda d=d: self.var_kinds.__setitem__(d.name, self._type_kind(d.type)), d.name)
        inits = spec.of(A.InitDecl)
        if not inits:
            self.errors.append(SpecError("the spec has no 'init' block", Span(spec.path, 1, 1, 1, 2),
                                         "add init { x := ... } giving every variable its initial value"))
        for d in inits:
            self._guard(lambda d=d: self._init(d))
        for d in spec.of(A.ActionDecl):
            self._guard(lambda d=d: self._action(d))
        for d in spec.of(A.InvariantDecl):
            self._guard(lambda d=d: self._expect(A.Name(d.span, d.name), {}, BoolK(), "an invariant"))
        for d in spec.of(A.ConstraintDecl):
            self._guard(lambda d=d: self._expect(d.expr, {}, BoolK(), "a constraint"))
        for d in spec.of(A.AliasDecl):
            if self.defs[d.name].param_kinds is None:
                self._guard(lambda d=d: self._use_def(d.name, (), d.span))
        for d in spec.of(A.DefDecl):
            if self.defs[d.name].param_kinds is None:
                self._guard(lambda d=d: self._use_def(d.name, tuple(AnyK() for _ in d.params or ()), d.span))
        for d in spec.of(A.PropertyDecl):
            self._guard(lambda d=d: self._property(d))
        self.fairness = self._fairness()
        self._recheck_recursive()
        self.symmetry = self._symmetry()
        self.chart = self._chart()
        if self.errors:
            raise SpecErrors([attach_source(e, spec.sources) for e in self.errors])
        return self.result()

    def result(self) -> CheckedSpec:
        # a kind built without a join of the checker's (a field shared by records of a union)
        self.mixes_ints_and_symbols |= any(contains(k, MixK) for k in self.kinds.values())
        return CheckedSpec(self.spec, tuple(self.consts), self.const_kinds, tuple(self.model_values),
                           tuple(self.spec.of(A.VarDecl)), self.var_kinds, self.types, self.defs,
                           self.kinds, self.refs, self.binder_names, self.symmetry,
                           self.binder_kinds, tuple(self.overrides), chart=self.chart,
                           call_targets=self.call_targets, properties=tuple(self.spec.of(A.PropertyDecl)),
                           fairness=self.fairness, mixes_ints_and_symbols=self.mixes_ints_and_symbols)

    def _guard(self, fn, declares: str | None = None) -> None:
        """Run one declaration's check; its error is kept, and the name it declares marked
        failed, so that its uses are not reported again."""
        try:
            fn()
        except SpecError as e:
            if declares is not None:
                self.failed.add(declares)
            if not isinstance(e, _Cascade):
                self.errors.append(e)

    def _cascade(self, name: str, span: Span):
        raise _Cascade(f"'{name}' has an error reported at its declaration", span)

    def fail(self, msg: str, span: Span, hint: str | None = None):
        raise SpecError(msg, span, hint or "README.md's spec language tour shows what each construct accepts")

    # ------------------------------------------------------------ constants and model values
    def _consts(self) -> list[A.ConstDecl]:
        decls = self.spec.of(A.ConstDecl)
        known = {d.name for d in decls}
        for name, e in self.overrides.items():
            if name not in known:
                self.errors.append(SpecError(
                    f"the spec declares no constant '{name}'", e.span,
                    "constants of this spec: " + (", ".join(sorted(known)) or "none")))
        out = []
        for d in decls:
            default_kind = self._guarded_const_kind(d.value)
            if d.name in self.overrides:
                given = self.overrides[d.name]
                k = self._guarded_const_kind(given)
                if default_kind is not None and k is not None and not _compatible(default_kind, k):
                    braces = (f"; a set is written in braces, e.g. --const '{d.name}={{{given.id if isinstance(given, A.Name) else '...'}}}'"
                              if isinstance(default_kind, SetK) and not isinstance(k, SetK) else "")
                    self.errors.append(SpecError(
                        f"constant {d.name} expects {default_kind.show()} (like its default in the spec), "
                        f"got {k.show()}", given.span, f"the spec declares it at {d.span}{braces}"))
                elif default_kind is not None and k is not None:
                    k = self._kind_join(default_kind, k)  # {} for a set of model values is still one
                d = A.ConstDecl(d.span, d.name, given)
                default_kind = k
            if default_kind is not None:
                self.const_kinds[d.name] = default_kind
            out.append(d)
        return out

    def _guarded_const_kind(self, e: A.Expr) -> Kind | None:
        self.in_const = True
        try:
            self._collect_model_values(e)
            return self.expr(e, {})
        except _Cascade:
            return None
        except SpecError as err:
            self.errors.append(err)
            return None
        finally:
            self.in_const = False

    def _collect_model_values(self, e: A.Expr) -> None:
        """In a constant's value, bare unknown names listed in a set are model values."""
        if isinstance(e, A.SetLit):
            for el in e.elems:
                if isinstance(el, A.Name) and not self._is_known(el.id):
                    self._declare_model(el.id, el.span)

    def _is_known(self, n: str) -> bool:
        return (n in self.const_kinds or n in self.model_values or n in BUILTIN_SETS
                or n in self.defs)

    def _declare_model(self, n: str, span: Span) -> None:
        if n not in self.model_values:
            self.model_values.append(n)
        if span.file.startswith("--const"):
            if n not in self.spec_models:
                self.cli_models.add(n)
        else:
            self.spec_models.add(n)
            self.cli_models.discard(n)

    def _check_unique_names(self) -> None:
        seen: dict[str, Span] = {}
        named = [(d.name, d.span) for d in self.spec.decls if hasattr(d, "name")
                 and not isinstance(d, (A.SymmetryDecl,))]
        for n, sp in named:
            if n in seen:
                self.errors.append(SpecError(f"'{n}' is declared twice", sp,
                                             f"the first declaration is at {seen[n]}"))
            seen[n] = sp
        for n in self.model_values:
            if n in seen and n not in self.const_kinds:
                self.errors.append(SpecError(f"model value '{n}' has the name of a declaration", seen[n],
                                             "rename one of them"))

    def _chart(self) -> A.ChartDecl | None:
        """At most one `chart` declaration, naming a variable that holds records (a set, bag
        or sequence of them) and fields that some of those records have."""
        decls = self.spec.of(A.ChartDecl)
        for d in decls[1:]:
            self.errors.append(SpecError("a spec has at most one 'chart' declaration", d.span,
                                         f"the first one is at {decls[0].span}"))
        if not decls:
            return None
        d = decls[0]
        example = "e.g. chart msgs from acc, or chart messages from msource to mdest"
        if d.var not in self.var_kinds:
            if not any(v.name == d.var for v in self.spec.of(A.VarDecl)):
                self.errors.append(SpecError(f"chart {d.var}: the spec has no variable '{d.var}'", d.span,
                                             "name the variable that holds the messages; " + example))
            return None
        k = self.var_kinds[d.var]
        elem = k.elem if isinstance(k, (SetK, SeqK)) else k.dom if isinstance(k, FnK) and k.cod == IntK() else None
        if not isinstance(elem, (RecK, UnionK)):
            self.errors.append(SpecError(
                f"chart {d.var}: expected a set, bag or sequence of records (messages), got {k.show()}", d.span,
                "declare the messages as e.g. var msgs : set[Message] with type Message = {...} | {...}"))
            return None
        for f in (d.sender, d.receiver):
            if f is not None and record_field(elem, f) is None:
                fields = sorted({n for v in (elem.variants if isinstance(elem, UnionK) else (elem,)) for n in v.names})
                self.errors.append(SpecError(f"chart {d.var}: no message has a field '{f}'", d.span,
                                             "the messages' fields are " + ", ".join(fields)))
                return None
        return d

    def _property(self, d: A.PropertyDecl) -> None:
        target = d.right if d.shape == "leadsto" else d.left if d.shape in ("eventually", "always eventually") else None
        for e in (d.left, d.right):
            if isinstance(e, A.Call) and e.func == "taken":
                self._taken(d, e, e is target)
            elif e is not None:
                self._expect(e, {}, BoolK(), f"a state predicate of property {d.name}")

    def _taken(self, d: A.PropertyDecl, e: A.Call, is_target: bool) -> None:
        """`taken(A)`: A names an action, and the step is what eventually happens."""
        name = A.taken_action(e)
        if name is None:
            self.fail(f"taken(...) in property {d.name}: expected the name of an action", e.span,
                      "write e.g. taken(Send): some step of the action Send")
        actions = [a.name for a in self.spec.of(A.ActionDecl)]
        if name not in actions:
            self.fail(f"taken({name}): the spec has no action '{name}'", e.span,
                      "actions of this spec: " + (", ".join(actions) or "none"))
        if not is_target:
            self.fail(f"taken({name}) in property {d.name}: a step can only be what eventually happens", e.span,
                      "write eventually taken(A), always eventually taken(A) or P leadsto taken(A)")

    def _fairness(self) -> dict[str, str]:
        """Action -> "weak" or "strong"; strong fairness implies weak, so it wins."""
        actions = [d.name for d in self.spec.of(A.ActionDecl)]
        out: dict[str, str] = {}
        for d in self.spec.of(A.FairnessDecl):
            for name in actions if d.actions is None else d.actions:
                if name not in actions:
                    self.errors.append(SpecError(
                        f"fairness {d.kind} {name}: the spec has no action '{name}'", d.span,
                        "actions of this spec: " + (", ".join(actions) or "none")))
                elif out.get(name) != "strong":
                    out[name] = d.kind
        return out

    def _symmetry(self) -> tuple[str, ...]:
        out = []
        for d in self.spec.of(A.SymmetryDecl):
            if self.const_kinds.get(d.name) != SetK(ModelK()):
                self.errors.append(SpecError(
                    f"symmetry {d.name}: expected a constant set of model values", d.span,
                    "declare e.g. const Acceptors = {a1, a2, a3} and then symmetry Acceptors"))
            else:
                out.append(d.name)
        return tuple(out)

    # ------------------------------------------------------------ types
    def _type_decl(self, d: A.TypeDecl) -> None:
        self.types[d.name] = d.type
        self.type_kinds[d.name] = self._type_kind(d.type)

    def _type_kind(self, t: A.TypeExpr) -> Kind:
        if isinstance(t, A.SetOfValues):
            e = t.expr
            if isinstance(e, A.Name) and e.id in self.type_kinds:
                return self.type_kinds[e.id]
            if isinstance(e, A.Name) and e.id in self.failed:
                self._cascade(e.id, e.span)
            if isinstance(e, A.Name) and e.id in TYPE_ONLY_NAMES:
                return TYPE_ONLY_NAMES[e.id]
            if isinstance(e, A.Name):
                self.infinite_ok.add(id(e))  # var x : Nat, x is Int: membership only
            k = self.expr(e, {})
            if self.state_read_in(e):
                self.fail("a type cannot depend on the state", e.span, "use constants in types")
            return k.elem if isinstance(k, SetK) else k  # a single value is a one-element type
        if isinstance(t, A.SetType):
            return SetK(self._type_kind(t.elem))
        if isinstance(t, A.SeqType):
            if t.max_len is not None:
                self._expect(t.max_len, {}, IntK(), "a sequence bound")
            return SeqK(self._type_kind(t.elem))
        if isinstance(t, A.BagType):
            return FnK(self._type_kind(t.elem), IntK())
        if isinstance(t, A.RecordType):
            return rec({f: self._type_kind(ft) for f, ft in t.fields})
        if isinstance(t, A.TupleType):
            return TupleK(tuple(self._type_kind(e) for e in t.elems))
        if isinstance(t, A.UnionType):
            out: Kind = AnyK()
            for alt in t.alts:
                out = self._join(out, self._type_kind(alt), alt.span, "the alternatives of a union type")
            return out
        if isinstance(t, A.FnType):
            return FnK(self._type_kind(t.domain), self._type_kind(t.codomain))
        self.fail("not a type", t.span)

    def state_read_in(self, e: A.Expr) -> bool:
        return any(self.refs.get(id(n)) and self.refs[id(n)].kind == "var" for n in _names(e))

    # ------------------------------------------------------------ init and actions
    def _init(self, d: A.InitDecl) -> None:
        self.in_init = True
        try:
            for assigned in self._stmts(d.body, {}, frozenset(), d.span):
                names = {v for v, _ in assigned}
                missing = [v for v in self.var_kinds if v not in names]
                if missing:
                    self.fail(f"variable '{missing[0]}' has no initial value", d.span,
                              f"assign it in init, e.g. {missing[0]} := ...; every path through init "
                              "must give every variable a value")
        finally:
            self.in_init = False

    def _action(self, d: A.ActionDecl) -> None:
        env: dict[str, tuple[str, Kind]] = {}
        for b in d.params:
            env = self._bind(b, env)
        list(self._stmts(d.body, env, frozenset(), d.span))

    def _stmts(self, stmts: tuple[A.Stmt, ...], env, assigned: frozenset, span: Span):
        """Check a statement list; yield the set of assigned variables at the end of each path
        (each distinct set once). Statements are taken in a loop, and the statements after an
        `if` or `either` are checked once per distinct set its branches end with, not once
        per path: long lists and long runs of ifs stay linear."""
        for i, s in enumerate(stmts):
            if isinstance(s, A.Require):
                self._expect(s.cond, env, BoolK(), "'require'")
            elif isinstance(s, A.Assign):
                assigned = self._assign(s, env, assigned)
            elif isinstance(s, A.Pick):
                env = self._bind(s.binder, env)
                if s.cond is not None:
                    self._expect(s.cond, env, BoolK(), "'where'")
            elif isinstance(s, A.LetStmt):
                k = self.expr(s.value, env)
                env = self._bind_name(s, s.name, k, env, s.span)
            elif isinstance(s, (A.If, A.Either)):
                if isinstance(s, A.If):
                    self._expect(s.cond, env, BoolK(), "'if'")
                branches = (s.then, s.orelse) if isinstance(s, A.If) else s.branches
                ends = dict.fromkeys(a for branch in branches for a in self._stmts(branch, env, assigned, span))
                for a in ends:
                    yield from self._stmts(stmts[i + 1:], env, a, span)
                return
            else:
                self.fail("unknown statement", s.span)
        yield assigned

    def _assign(self, s: A.Assign, env, assigned: frozenset) -> frozenset:
        if s.target in self.failed:
            self._cascade(s.target, s.span)
        if s.target not in self.var_kinds:
            what = "a constant" if s.target in self.const_kinds else "not a state variable"
            self.fail(f"cannot assign '{s.target}': {what}", s.span,
                      "only variables declared with 'var' can be assigned")
        whole = (s.target, ())
        if whole in assigned or (not s.path and any(v == s.target for v, _ in assigned)):
            self.fail(f"variable '{s.target}' is assigned twice in one step", s.span,
                      "an action gives each variable at most one new value; combine the updates, "
                      "e.g. x := x with [a] = 1, [b] = 2")
        if s.path and self.in_init:
            self.fail("init must give each variable a whole value", s.span, f"write {s.target} := ...")
        self._field_written_as_key(self.var_kinds[s.target], s.path)
        k = self._path_kind(self.var_kinds[s.target], s.path, env, s.span)
        got = self.expr(s.value, env)
        if self._join(k, got, s.value.span, f"the value assigned to '{s.target}'") != k:
            # e.g. a record of a shape the variable's union type lacks: it would be explored,
            # but no report could describe it by the declared type
            self.fail(f"the value assigned to '{s.target}' does not fit its declared type: "
                      f"{got.show()} is not within {k.show()}", s.value.span,
                      "add the missing alternative to the type (a message type, say), or fix the value")
        key = (s.target, () if not s.path else ("part", id(s)))
        return assigned | {key} if s.path else assigned | {whole}

    def _field_written_as_key(self, k: Kind, path) -> None:
        """`r with [f] = v` on a record: TLA+'s EXCEPT ![f] names a field; ours is `.f`."""
        first = path[0] if path else None
        if (isinstance(k, (RecK, UnionK)) and isinstance(first, A.IndexSel) and isinstance(first.key, A.Name)
                and record_field(k, first.key.id) is not None):
            f = first.key.id
            self.fail(f"'[{f}]' indexes a map or a sequence; a record's field is updated with '.{f}'", first.span,
                      f"write r with .{f} = v (several: r with .{f} = v, .g = w); in an action, r.{f} := v")

    def _path_kind(self, k: Kind, path, env, span: Span) -> Kind:
        for sel in path:
            if isinstance(sel, A.IndexSel):
                keyk = self.expr(sel.key, env)
                if isinstance(k, FnK):
                    self._join(k.dom, keyk, sel.key.span, "the key")
                    k = k.cod
                elif isinstance(k, SeqK):
                    self._join(IntK(), keyk, sel.key.span, "a sequence index")
                    k = k.elem
                else:
                    self.fail(f"cannot index a value of type {k.show()}", sel.span, "only maps and sequences are indexed with [...]")
            else:
                if not isinstance(k, (RecK, UnionK)) or record_field(k, sel.name) is None:
                    self.fail(f"no field '{sel.name}' in {k.show()}", sel.span, "check the field name against the variable's type")
                k = record_field(k, sel.name)
        return k

    # ------------------------------------------------------------ binding
    def _bind(self, b: A.Binder, env) -> dict:
        self._finite_domain(b.domain)
        dk = self.expr(b.domain, env)
        if not isinstance(dk, SetK):
            self.fail(f"'{b.name} in ...' needs a set, got {dk.show()}", b.domain.span,
                      "bind names to the elements of a set, e.g. x in 0..N or m in msgs")
        return self._bind_name(b, b.name, dk.elem, env, b.span)

    def _bind_name(self, node, name: str, k: Kind, env, span: Span) -> dict:
        if self._declared(name):
            self.fail(f"'{name}' is already declared in the spec; a bound name cannot shadow it", span,
                      "choose another name for the bound variable")
        self.counter += 1
        py = f"b_{name}_{self.counter}"
        self.binder_names[id(node)] = py
        self.binder_kinds[py] = (name, k)
        return {**env, name: (py, k)}

    def _declared(self, name: str) -> bool:
        """Whether the spec declares the name (a bound name may not shadow it, as in TLA+)."""
        return (name in self.var_kinds or name in self.const_kinds or name in self.defs
                or (name in self.model_values and name not in self.cli_models))

    def _finite_domain(self, dom: A.Expr) -> None:
        if isinstance(dom, A.Name) and dom.id in INFINITE_SETS:
            self.fail(f"cannot enumerate {dom.id} ({INFINITE_SETS[dom.id]}): the domain is unbounded",
                      dom.span, "quantify over a finite set such as 0..N")

    # ------------------------------------------------------------ expressions
    def _expect(self, e: A.Expr, env, want: Kind, what: str, int_operand: bool = False) -> Kind:
        """The kind of e, which must be usable as `want` (with int_operand, also an operand of
        arithmetic: see _int_operand)."""
        got = self.expr(e, env)
        if not (_int_operand(got) if int_operand else _compatible(want, got)):
            self.fail(f"{what} must be {want.show()}, got {got.show()}", e.span,
                      f"write an expression of type {want.show()} here")
        return got

    def _kind_join(self, a: Kind, b: Kind) -> Kind:
        """join(a, b), noting whether ints and strings or model values met (CheckedSpec)."""
        k = join(a, b)
        if contains(k, MixK):
            self.mixes_ints_and_symbols = True
        return k

    def _join(self, a: Kind, b: Kind, span: Span, what: str) -> Kind:
        try:
            return self._kind_join(a, b)
        except KindMismatch:
            scalars = {type(a), type(b)}
            if BoolK in scalars and scalars & set(SCALAR_MIX):
                hint = ("ints, strings and model values mix in one type, bools do not: write the other "
                        "alternatives as model values, e.g. model Unknown, or tag them in records: "
                        "{kind: \"b\", b: bool} | {kind: \"none\"}")
            else:
                hint = ("both must have the same type; sets join with sets, records with records, "
                        "and '+', '-', '&' take two ints or two sets")
            self.fail(f"type mismatch in {what}: {a.show()} vs {b.show()}", span, hint)

    def expr(self, e: A.Expr, env) -> Kind:
        k = self._expr(e, env)
        self.kinds[id(e)] = k
        return k

    def _expr(self, e: A.Expr, env) -> Kind:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, env)

    def _e_IntLit(self, e, env):
        return IntK()

    def _e_BoolLit(self, e, env):
        return BoolK()

    def _e_StrLit(self, e, env):
        return StrK()

    def _e_TypeOnly(self, e, env):
        self.fail("a type is written where a value is expected", e.span,
                  "'|' and '->' build types; they can appear in var, type and 'is' declarations only")

    def _e_Name(self, e: A.Name, env):
        n = e.id
        if n in env:
            py, k = env[n]
            self.refs[id(e)] = Ref("bound", py)
            return k
        if n in self.var_kinds:
            if self.in_const:
                self.fail(f"constant depends on variable '{n}'", e.span, "constants are fixed before exploration; use a def")
            if self.in_init:
                self.fail(f"init cannot read variable '{n}': it has no value yet", e.span,
                          "compute the value from constants")
            self.refs[id(e)] = Ref("var", n)
            self.state_read = True
            return self.var_kinds[n]
        if n in self.const_kinds:
            self.refs[id(e)] = Ref("const", n)
            return self.const_kinds[n]
        if n in self.model_values:
            self.refs[id(e)] = Ref("model", n)
            return ModelK()
        if n in self.defs:
            info = self.defs[n]
            if info.decl.params:
                self.fail(f"operator '{n}' takes {len(info.decl.params)} argument(s)", e.span,
                          f"call it as {n}({', '.join(info.decl.params)})")
            self.refs[id(e)] = Ref("def", n)
            return self._use_def(n, (), e.span)
        if n in self.type_kinds:
            self.fail(f"'{n}' is a type, not a value", e.span, f"use 'x is {n}' to test membership")
        if n in BUILTIN_SETS:
            if n in INFINITE_SETS and id(e) not in self.infinite_ok:
                self.fail(f"{n} ({INFINITE_SETS[n]}) is infinite: it has no value to compute", e.span,
                          f"use it after 'in' (x in {n}), as a type (var x : {n}) or with 'is' (x is {n}); "
                          "for a set to compute with, write a finite one such as 0..N")
            self.refs[id(e)] = Ref("builtin", n)
            return BUILTIN_SETS[n]
        if self.in_const and any(d.name == n for d in self.spec.of(A.VarDecl)):  # variables come later
            self.fail(f"constant depends on variable '{n}'", e.span, "constants are fixed before exploration; use a def")
        if n in self.failed:
            self._cascade(n, e.span)
        hint = None
        close = [c for c in list(env) + list(self.var_kinds) + list(self.const_kinds) + list(self.defs)
                 if c.lower() == n.lower()]
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif self.in_const:
            hint = "model values are declared by listing them in a constant set, e.g. const S = {a, b}"
        else:
            hint = "declare it with const, var, def or model, or bind it with 'in'"
        self.fail(f"unknown name '{n}'", e.span, hint)

    def _instance(self, name: str, arg_kinds: tuple[Kind, ...], call: A.Call) -> str:
        """The operator checked for these argument types: the one first used, or a copy of it
        checked for other types (an operator used at several types, as TLA+'s are untyped)."""
        copies = [name] + self.instances.get(name, [])
        recursive = [key for key in copies if key in self.def_stack]
        for key in copies:
            info = self.defs[key]
            if info.param_kinds is None or all(_compatible(w, g) for w, g in zip(info.param_kinds, arg_kinds)):
                break
        else:
            if recursive:  # a recursive call at other types would need copies without end
                return recursive[-1]
            base = self.defs[name].decl
            key = f"{len(self.instances.get(name, [])) + 2}_{name}"  # no spec name starts with a digit
            self.instances.setdefault(name, []).append(key)
            self.defs[key] = DefInfo(A.DefDecl(base.span, base.name, base.params, A.clone(base.body)))
        if key != name:
            self.call_targets[id(call)] = key
        return key

    def _use_def(self, name: str, arg_kinds: tuple[Kind, ...], span: Span, call: A.Call | None = None) -> Kind:
        if call is not None:
            name = self._instance(name, arg_kinds, call)
        info = self.defs[name]
        if self.def_stack:
            self.callees.setdefault(self.def_stack[-1], set()).add(name)
        if name in self.def_stack:
            return self._recursive_use(name, arg_kinds, span)
        if info.failed:
            return AnyK()  # its error is reported already; do not cascade
        if info.param_kinds is not None:  # checked already for these argument types
            if info.state_dependent:
                self.state_read = True
            return info.result
        params = info.decl.params or ()
        info.param_kinds = arg_kinds
        env = {}
        names = []
        instance = name.split("_", 1)[0] + "_" if name[0].isdigit() else ""
        for p, k in zip(params, arg_kinds):
            if p in self.var_kinds or p in self.const_kinds or (p in self.model_values and p not in self.cli_models):
                raise SpecError(f"parameter '{p}' of '{info.decl.name}' shadows a declaration", info.decl.span,
                                "rename the parameter")
            py = f"p_{instance}{p}"
            names.append(py)
            env[p] = (py, k)
            self.binder_kinds[py] = (p, k)
        info.param_names = tuple(names)
        outer_state, outer_init, outer_const = self.state_read, self.in_init, self.in_const
        self.state_read = False
        self.in_init = False
        self.def_stack.append(name)
        try:
            info.result = self.expr(info.decl.body, env)
        except SpecError as err:
            info.failed = True
            if name != info.decl.name and not isinstance(err, _Cascade):  # a copy for other types
                err.hint = (f"'{info.decl.name}' is checked for the argument types of the call at {span}: "
                            f"{', '.join(k.show() for k in arg_kinds)}; " + (err.hint or ""))
            raise
        finally:
            self.def_stack.pop()
        info.state_dependent = self.state_read
        if info.state_dependent and (outer_init or outer_const):
            self.fail(f"'{info.decl.name}' reads the state, so it cannot be used here", span)
        self.state_read = outer_state or info.state_dependent
        self.in_init, self.in_const = outer_init, outer_const
        return info.result

    def _recursive_use(self, name: str, arg_kinds: tuple[Kind, ...], span: Span) -> Kind:
        """A call of an operator from within its own body (or of one it calls): allowed, as
        TLA+'s RECURSIVE, with its evaluation bounded at run time. Its result is not known
        yet: AnyK, refined once the body is known (_recheck_recursive)."""
        info = self.defs[name]
        cycle = [self.defs[n].decl.name for n in self.def_stack[self.def_stack.index(name):]]
        if info.decl.params is None:
            self.fail(f"operator '{name}' is defined in terms of itself ({' -> '.join(cycle + [cycle[0]])})", span,
                      "an operator without parameters has one value, which cannot depend on itself; "
                      "give it a parameter that shrinks with each call, e.g. def Sum(s) = if s == <<>> then 0 "
                      "else head(s) + Sum(tail(s))")
        for want, got in zip(info.param_kinds or (), arg_kinds):
            if not _compatible(want, got):
                self.fail(f"argument of '{info.decl.name}': expected {want.show()}, got {got.show()}", span,
                          "a recursive call passes arguments of the types of the call it is in")
        for n in self.def_stack[self.def_stack.index(name):]:
            self.defs[n].recursive = True
        return info.result if info.result is not None else AnyK()

    def _recheck_recursive(self) -> None:
        """Check recursive operators' bodies again now that their results are known, so that
        each recursive call has its kind; a cycle reading the state reads it as a whole."""
        self._close_state_dependence()
        cyclic = [info for info in self.defs.values() if info.recursive and not info.failed
                  and info.param_kinds is not None]
        for info in cyclic:
            env = {p: (py, k) for p, py, k in zip(info.decl.params or (), info.param_names, info.param_kinds)}
            self.def_stack.append(info.decl.name)
            try:
                self._guard(lambda info=info, env=env: self._refine(info, env))
            finally:
                self.def_stack.pop()

    def _close_state_dependence(self) -> None:
        """An operator reads the state if any operator it calls does. Checked one body at a
        time, a call into a recursive cycle sees a member before the cycle's state read is
        known (and an operator checked in between keeps that answer), so the flags are closed
        over the call graph once every body is checked."""
        changed = True
        while changed:
            changed = False
            for name, info in self.defs.items():
                if not info.state_dependent and any(self.defs[c].state_dependent
                                                    for c in self.callees.get(name, ())):
                    info.state_dependent = changed = True

    def _refine(self, info: DefInfo, env) -> None:
        result = self.expr(info.decl.body, env)
        info.result = self._join(info.result, result, info.decl.body.span, f"the results of '{info.decl.name}'")

    def _e_Call(self, e: A.Call, env):
        if e.func in self.defs:
            info = self.defs[e.func]
            params = info.decl.params or ()
            if info.decl.params is None or len(params) != len(e.args):
                self.fail(f"'{e.func}' takes {len(params)} argument(s), got {len(e.args)}", e.span,
                          f"declared at {info.decl.span}")
            arg_kinds = tuple(self.expr(a, env) for a in e.args)
            return self._use_def(e.func, arg_kinds, e.span, e)
        builtin = getattr(self, "_b_" + e.func, None)
        if builtin is None:
            self.fail(f"unknown operator '{e.func}'", e.span,
                      f"builtins: {', '.join(BUILTIN_OPERATORS)}; or declare it with def")
        ks = [self.expr(a, env) for a in e.args]
        return builtin(e, ks)

    def _arity(self, e: A.Call, ks, *n: int):
        if len(ks) not in n:
            self.fail(f"'{e.func}' takes {' or '.join(map(str, n))} argument(s), got {len(ks)}", e.span)

    def _want(self, e: A.Call, i: int, k: Kind, cls, what: str):
        if not isinstance(k, cls) and not isinstance(k, AnyK):
            self.fail(f"argument {i + 1} of '{e.func}' must be {what}, got {k.show()}", e.args[i].span,
                      f"pass {what} to '{e.func}'")

    def _b_size(self, e, ks):
        self._arity(e, ks, 1)
        self._want(e, 0, ks[0], SetK, "a set")
        self._finite_domain(e.args[0])
        return IntK()

    def _b_subsets(self, e, ks):
        self._arity(e, ks, 1)
        self._want(e, 0, ks[0], SetK, "a set")
        self._finite_domain(e.args[0])
        return SetK(ks[0])

    def _b_union(self, e, ks):
        self._arity(e, ks, 1)
        if not (isinstance(ks[0], SetK) and isinstance(ks[0].elem, (SetK, AnyK))):
            self.fail(f"'union' takes a set of sets, got {ks[0].show()}", e.span)
        return ks[0].elem if isinstance(ks[0].elem, SetK) else SetK(AnyK())

    def _b_min(self, e, ks):
        self._arity(e, ks, 1, 2)
        if len(ks) == 1:
            if not (isinstance(ks[0], SetK) and _compatible(IntK(), ks[0].elem)):  # {} is fine: set[?]
                self.fail(f"'{e.func}' of one argument takes a set of integers, got {ks[0].show()}", e.span)
            self._finite_domain(e.args[0])
        else:
            for i, k in enumerate(ks):
                self._want(e, i, k, IntK, "an integer")
        return IntK()

    _b_max = _b_min

    def _b_domain(self, e, ks):
        self._arity(e, ks, 1)
        if isinstance(ks[0], SeqK):
            return SetK(IntK())
        self._want(e, 0, ks[0], FnK, "a map")
        return SetK(_as_map(ks[0]).dom)

    def _b_range(self, e, ks):
        self._arity(e, ks, 1)
        if isinstance(ks[0], SeqK):
            return SetK(ks[0].elem)
        self._want(e, 0, ks[0], FnK, "a map")
        return SetK(_as_map(ks[0]).cod)

    def _seq_arg(self, e, ks, i=0) -> SeqK:
        k = ks[i]
        if isinstance(k, AnyK):  # not known yet (a recursive call's result)
            return SeqK(AnyK())
        if isinstance(k, TupleK):
            k = self._join(SeqK(AnyK()), k, e.args[i].span, "a sequence")
        self._want(e, i, k, SeqK, "a sequence")
        return k

    def _b_len(self, e, ks):
        self._arity(e, ks, 1)
        self._seq_arg(e, ks)
        return IntK()

    def _b_append(self, e, ks):
        self._arity(e, ks, 2)
        s = self._seq_arg(e, ks)
        return SeqK(self._join(s.elem, ks[1], e.args[1].span, "the appended element"))

    def _b_head(self, e, ks):
        self._arity(e, ks, 1)
        return self._seq_arg(e, ks).elem

    def _b_tail(self, e, ks):
        self._arity(e, ks, 1)
        return self._seq_arg(e, ks)

    def _b_subseq(self, e, ks):
        self._arity(e, ks, 3)
        s = self._seq_arg(e, ks)
        for i in (1, 2):
            self._want(e, i, ks[i], IntK, "an integer")
        return s

    def _b_put(self, e, ks):
        """put(f, k, v): f with k mapped to v, adding k to the domain if it is not there."""
        self._arity(e, ks, 3)
        self._want(e, 0, ks[0], FnK, "a map")
        return self._join(ks[0], FnK(ks[1], ks[2]), e.span, "put")

    def _bag_arg(self, e, ks) -> FnK:
        self._want(e, 0, ks[0], FnK, "a bag (a map to counts)")
        b = _as_map(ks[0])
        if not _compatible(IntK(), b.cod):
            self.fail(f"'{e.func}' needs a bag, i.e. a map to integers, got {ks[0].show()}", e.span)
        return b

    def _b_bag_add(self, e, ks):
        self._arity(e, ks, 2)
        b = self._bag_arg(e, ks)
        return FnK(self._join(b.dom, ks[1], e.args[1].span, "the element added to the bag"), IntK())

    _b_bag_remove = _b_bag_add

    def _b_bag_count(self, e, ks):
        self._arity(e, ks, 2)
        b = self._bag_arg(e, ks)
        self._join(b.dom, ks[1], e.args[1].span, "the element counted")
        return IntK()

    def _b_bag_sum(self, e, ks):
        self._arity(e, ks, 1)
        self._bag_arg(e, ks)
        return IntK()

    def _e_Unary(self, e: A.Unary, env):
        if e.op == "not":
            return self._expect(e.operand, env, BoolK(), "the operand of 'not'")
        self._expect(e.operand, env, IntK(), "the operand of unary '-'", int_operand=True)
        return IntK()

    def _e_Binary(self, e: A.Binary, env):
        op = e.op
        if op in ("and", "or", "=>", "<=>"):
            self._expect(e.left, env, BoolK(), f"the left side of '{op}'")
            self._expect(e.right, env, BoolK(), f"the right side of '{op}'")
            return BoolK()
        if op in ("in", "not in") and isinstance(e.right, A.Name):
            self.infinite_ok.add(id(e.right))  # x in Nat: a test, not a set to compute
        lk, rk = self.expr(e.left, env), self.expr(e.right, env)
        if op in ("==", "!="):
            self._join(lk, rk, e.span, f"'{op}'")
            return BoolK()
        if op in ("in", "not in"):
            if not isinstance(rk, SetK) and not isinstance(rk, AnyK):
                self.fail(f"the right side of '{op}' must be a set, got {rk.show()}", e.right.span,
                          "use '==' to compare single values")
            if isinstance(rk, SetK):
                self._join(rk.elem, lk, e.span, f"'{op}'")
            return BoolK()
        if op == "subseteq" or (op in ("<=", "<") and (isinstance(lk, SetK) or isinstance(rk, SetK))):
            self._join(lk, rk, e.span, f"'{op}'")
            if not isinstance(self._kind_join(lk, rk), SetK):
                self.fail(f"'{op}' compares two sets, got {lk.show()}", e.span)
            return BoolK()
        if op == "..":
            self._int_operands(e, lk, rk)
            return SetK(IntK())
        if op in ("+", "-", "&") and (isinstance(lk, SetK) or isinstance(rk, SetK)):
            k = self._join(lk, rk, e.span, f"'{op}'")
            if not isinstance(k, SetK):
                self.fail(f"'{op}' on sets needs two sets", e.span)
            return k
        if op == "++":
            k = self._join(lk, rk, e.span, "'++'")
            if isinstance(k, TupleK):
                k = self._kind_join(SeqK(AnyK()), k)
            if not isinstance(k, SeqK):
                self.fail(f"'++' concatenates sequences, got {k.show()}", e.span)
            return k
        if op == "&":
            self.fail(f"'&' intersects sets, got {lk.show()}", e.span)
        self._int_operands(e, lk, rk)
        return BoolK() if op in ("<", "<=", ">", ">=") else IntK()

    def _int_operands(self, e: A.Binary, lk: Kind, rk: Kind) -> None:
        for side, k in (("left", lk), ("right", rk)):
            if not _int_operand(k):
                node = e.left if side == "left" else e.right
                hint = "use '+', '-' and '&' on two sets, '++' on sequences" if isinstance(k, SetK) else None
                self.fail(f"the {side} side of '{e.op}' must be int, got {k.show()}", node.span, hint)

    def _e_Is(self, e: A.Is, env):
        k = self.expr(e.value, env)
        t = self._type_kind(e.type)
        self._join(t, k, e.span, "'is'")
        return BoolK()

    def _e_Index(self, e: A.Index, env):
        bk = self.expr(e.base, env)
        kk = self.expr(e.key, env)
        if isinstance(bk, AnyK):  # a recursive call's result, known when the body is checked again
            return AnyK()
        if isinstance(bk, FnK):
            self._join(bk.dom, kk, e.key.span, "the key")
            return bk.cod
        if isinstance(bk, SeqK):
            self._join(IntK(), kk, e.key.span, "a sequence index")
            return bk.elem
        if isinstance(bk, TupleK):
            if isinstance(e.key, A.IntLit) and 1 <= e.key.value <= len(bk.elems):
                return bk.elems[e.key.value - 1]
            if not isinstance(e.key, A.IntLit) and _compatible(SeqK(AnyK()), bk):
                # <<a, b>>[i]: a tuple whose elements have one type is a sequence
                self._join(IntK(), kk, e.key.span, "a sequence index")
                return self._kind_join(SeqK(AnyK()), bk).elem
            self.fail(f"a tuple of {len(bk.elems)} elements is indexed by a literal 1..{len(bk.elems)}",
                      e.key.span, "a tuple whose elements are all of one type is also a sequence, indexed by "
                      "any int; this one mixes " + ", ".join(dict.fromkeys(k.show() for k in bk.elems))
                      if not isinstance(e.key, A.IntLit) else f"index it with 1..{len(bk.elems)}")
        self.fail(f"cannot index a value of type {bk.show()}", e.base.span)

    def _e_Field(self, e: A.Field, env):
        bk = self.expr(e.base, env)
        if isinstance(bk, AnyK):  # a recursive call's result, known when the body is checked again
            return AnyK()
        if not isinstance(bk, (RecK, UnionK)):
            self.fail(f"'.{e.name}' needs a record, got {bk.show()}", e.span)
        k = record_field(bk, e.name)
        if k is None:
            fields = sorted({f for v in (bk.variants if isinstance(bk, UnionK) else (bk,)) for f in v.names})
            self.fail(f"no field '{e.name}' in {bk.show()}", e.span,
                      "its fields are " + ", ".join(fields) if fields else "the record has no fields")
        return k

    def _e_Except(self, e: A.Except, env):
        bk = self.expr(e.base, env)
        for u in e.updates:
            self._field_written_as_key(bk, u.path)
            k = self._path_kind(bk, u.path, env, u.span)
            self._join(k, self.expr(u.value, env), u.value.span, "the updated value")
        return bk

    def _e_SetLit(self, e: A.SetLit, env):
        k: Kind = AnyK()
        for el in e.elems:
            k = self._join(k, self.expr(el, env), el.span, "the elements of a set")
        return SetK(k)

    def _e_SetFilter(self, e: A.SetFilter, env):
        env2 = self._bind(e.binder, env)
        self._expect(e.cond, env2, BoolK(), "a set filter's condition")
        return self.kinds[id(e.binder.domain)]

    def _binders(self, bs, env):
        for b in bs:
            env = self._bind(b, env)
        return env

    def _e_SetMap(self, e: A.SetMap, env):
        env2 = self._binders(e.binders, env)
        if e.cond is not None:
            self._expect(e.cond, env2, BoolK(), "the condition")
        return SetK(self.expr(e.body, env2))

    def _e_RecordLit(self, e: A.RecordLit, env):
        return rec({f: self.expr(v, env) for f, v in e.fields})

    def _e_MapCtor(self, e: A.MapCtor, env):
        env2 = self._bind(e.binder, env)
        return FnK(self.kinds[id(e.binder.domain)].elem, self.expr(e.body, env2))

    def _e_FnSet(self, e: A.FnSet, env):
        kinds = []
        for part, what in ((e.domain, "domain"), (e.codomain, "values")):
            self._finite_domain(part)
            k = self.expr(part, env)
            if not isinstance(k, SetK):
                self.fail(f"the {what} of '[S -> T]' must be a set, got {k.show()}", part.span,
                          "[S -> T] is the set of the maps from the set S to values of the set T, "
                          "e.g. [Servers -> bool]; one map is written [x in S -> e]")
            kinds.append(k.elem)
        return SetK(FnK(*kinds))

    def _e_SeqFilter(self, e: A.SeqFilter, env):
        b = e.binder
        k = self.expr(b.domain, env)
        if isinstance(k, TupleK) and _compatible(SeqK(AnyK()), k):
            k = self._kind_join(SeqK(AnyK()), k)
        if not isinstance(k, (SeqK, AnyK)):
            hint = f"a set is filtered with {{{b.name} in S | p}}" if isinstance(k, SetK) else \
                "filter a sequence, e.g. [m in queue | m.kind == \"req\"]"
            self.fail(f"'[{b.name} in ... | ...]' filters a sequence, got {k.show()}", b.domain.span, hint)
        elem = k.elem if isinstance(k, SeqK) else AnyK()
        env2 = self._bind_name(b, b.name, elem, env, b.span)
        self._expect(e.cond, env2, BoolK(), "a sequence filter's condition")
        return SeqK(elem)

    def _e_TupleLit(self, e: A.TupleLit, env):
        return TupleK(tuple(self.expr(x, env) for x in e.elems))

    def _e_Quant(self, e: A.Quant, env):
        env2 = self._binders(e.binders, env)
        self._expect(e.body, env2, BoolK(), f"the body of '{e.kind}'")
        return BoolK()

    def _e_Choose(self, e: A.Choose, env):
        env2 = self._bind(e.binder, env)
        self._expect(e.cond, env2, BoolK(), "the condition of 'choose'")
        return self.kinds[id(e.binder.domain)].elem

    def _e_Ite(self, e: A.Ite, env):
        self._expect(e.cond, env, BoolK(), "the condition of 'if'")
        return self._join(self.expr(e.then, env), self.expr(e.orelse, env), e.span,
                          "the branches of 'if'")

    def _e_Let(self, e: A.Let, env):
        for i, (n, v) in enumerate(e.bindings):
            k = self.expr(v, env)
            env = self._bind_name(e.bindings[i], n, k, env, e.span)
        return self.expr(e.body, env)


# the builtin operators, in the order they are defined above (size, subsets, union, ...)
BUILTIN_OPERATORS = tuple(n[len("_b_"):] for n in vars(_Checker) if n.startswith("_b_"))


def _as_map(k: Kind) -> FnK:
    return FnK(AnyK(), AnyK()) if isinstance(k, AnyK) else k


def _compatible(want: Kind, got: Kind) -> bool:
    """Whether a value of kind `got` may be used where `want` is expected: their kinds join,
    and not only by mixing ints with strings or model values where want has just one of them
    (an int | None is no operand of '+')."""
    try:
        joined = join(want, got)
    except KindMismatch:
        return False
    return not (contains(joined, MixK) and not contains(want, MixK) and contains(want, SCALAR_MIX))


def _int_operand(k: Kind) -> bool:
    """Whether a value of kind k may be an operand of arithmetic or order: an int, or a value of
    a type mixing ints with strings or model values, tested at run time (TLC: `None + 1` is an
    error), so that `x != None and x < 3` reads as in TLA+."""
    return _compatible(IntK(), k) or isinstance(k, MixK)


def _names(e) -> list[A.Name]:
    return [n for n in A.walk(e) if isinstance(n, A.Name)]
