"""Build a CompiledSpec: generate the module, load it, and wrap it as an explore Model."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

from ..lang import ast as A
from ..lang.errors import Span, SpecError, attach_source
from ..lang.kinds import Kind
from ..lang.typecheck import CheckedSpec
from ..values import EvalError, explain, show, to_itf
from .analysis import source_text
from .emit_python import CompileOptions, GeneratedModule, generate, module_code
from .explain import GuardWatch
from .fingerprint import fingerprint_function
from .independence import Footprints, footprints
from .loader import TooComplex, failing_line, failing_locals, failing_module_line, load, spec_location
from .lower_expr import Ctx
from .optimise import ALL_PASSES
from .packing import StateCodec, state_codec
from .typeguard import TypeGuard, locate


@dataclass(frozen=True)
class CompiledSpec:
    checked: CheckedSpec
    generated: GeneratedModule
    model: "CompiledModel"
    # How to build this again elsewhere (a picklable callable returning a CompiledSpec),
    # for engines whose workers cannot inherit the generated code, such as Ray's.
    recipe: Callable[[], "CompiledSpec"] | None = None

    @property
    def source(self) -> str:
        return self.generated.source


def build(checked: CheckedSpec, probes: bool = False, passes: frozenset[str] = ALL_PASSES) -> CompiledSpec:
    """`probes`: generate the actions with probes (lower_stmt.ProbeSite), for coverage
    measurement. `passes`: the optimisations to apply (optimise.PASSES; none for --no-opt)."""
    no_hoist: set[str] = set()
    while True:
        try:
            gen = generate(checked, CompileOptions(passes, frozenset(no_hoist), probes))
            # A module with probes is another module: its lines must not be taken for the plain one's
            ns = load(gen.source, checked.spec.path + (" with probes" if probes else ""))
            break
        except RecursionError:
            raise _too_complex(checked, "the compiler recursed too deeply", None) from None
        except TooComplex as e:
            raise _too_complex(checked, e.reason, e.spec_line) from None
        except EVAL_ERRORS as e:
            line = failing_module_line(e)
            target, _, code = line.partition(" = ")
            # A constant subexpression (K_) or constant operator (G_) computed ahead of time
            # failed: it may sit under a guard that never lets it be evaluated. Compute it
            # where it is used instead; if it is reached, that is a runtime error with a trace.
            key = code if target.startswith("K_") else target if target.startswith("G_") else None
            if key is not None and key not in no_hoist:
                no_hoist.add(key)
                continue
            raise _constant_error(checked, target, e) from None
    return CompiledSpec(checked, gen, CompiledModel(checked, gen, ns))


EVAL_ERRORS = (EvalError, ArithmeticError, ValueError, TypeError, IndexError, RecursionError)


def _too_complex(checked: CheckedSpec, reason: str, line: int | None) -> SpecError:
    span = Span(checked.spec.path, line, 1, line, 1) if line else Span(checked.spec.path, 0, 0, 0, 0)
    err = SpecError(f"too deeply nested to compile ({reason})", span,
                    hint="Python, which runs the compiled spec, allows about 20 nested parameters, picks, "
                         "ifs and eithers in one action and 200 nested parentheses; split the action "
                         "into several, or give parts of an expression a name with def")
    return attach_source(err, checked.spec.sources)


def _constant_error(checked: CheckedSpec, target: str, e: Exception) -> SpecError:
    decl = next((d for d in checked.consts if f"C_{d.name}" == target), None)
    if decl is None:
        return SpecError(f"cannot evaluate the constants: {explain(e)}",
                         hint="check the constant definitions and --const values")
    err = SpecError(f"cannot evaluate constant {decl.name}: {explain(e)}", decl.value.span,
                    hint="check its definition" + (" and its --const value" if decl.name in checked.overridden else ""))
    return attach_source(err, checked.spec.sources)


class CompiledModel:
    """The generated functions of one spec, seen through the explore.Model protocol."""

    def __init__(self, checked: CheckedSpec, gen: GeneratedModule, ns: dict):
        self.checked = checked
        self.gen = gen
        self.ns = ns
        self.identity = hashlib.sha256(gen.source.encode()).hexdigest()  # spec and constants
        self.action_names = gen.action_names
        self.invariant_names = gen.invariant_names
        self.var_names = tuple(v.name for v in checked.vars)
        self.alias_names = tuple(d.name for d in checked.spec.of(A.AliasDecl))
        self._var_kinds = [checked.var_kinds[v] for v in self.var_names]
        self._arg_kinds = [_binder_kinds(checked, d) for d in checked.spec.of(A.ActionDecl)]
        self._invariants = dict(zip(gen.invariant_names, ns["INVARIANTS"]))
        # None, or a function of the state: None if it is in its declared types, else a message
        self.type_check = ns["type_check"]
        ns["TYPE_ERROR"] = self.type_error
        # Temporal properties as (name, shape, P, Q or None); fairness and parameter counts
        # per action, which say what an action instance is (explore/liveness.py).
        self.properties = ns["PROPERTIES"]
        self.property_names = gen.property_names
        actions = checked.spec.of(A.ActionDecl)
        self.fairness = tuple(checked.fairness.get(d.name) for d in actions)
        self.action_params = tuple(len(d.params) for d in actions)
        mixed = checked.mixes_ints_and_symbols
        self.fingerprint = fingerprint_function(
            self._var_kinds, gen.layouts, ns["INT_DOMAINS"],
            [sorted(ns[f"C_{name}"]) for name in checked.symmetry], len(gen.symbols), mixed)
        self.exact_fingerprint = self.fingerprint if not checked.symmetry else fingerprint_function(
            self._var_kinds, gen.layouts, ns["INT_DOMAINS"], [], len(gen.symbols), mixed)

    @cached_property
    def codec(self) -> StateCodec:
        """Compact bytes for states waiting in the search's queue (packing.py)."""
        return state_codec(self.checked, self.gen, self.ns)

    @cached_property
    def footprints(self) -> Footprints:
        """What each action reads and writes, and each check reads (partial-order reduction)."""
        return footprints(self.checked, self._type_checked())

    def _type_checked(self) -> frozenset[str]:
        """The variables type_check tests: none without it; one whose only doubtful values
        are constants only if the module found one outside its type when loaded."""
        if self.type_check is None:
            return frozenset()
        checks = TypeGuard(self.checked, module_code(self.checked, self.gen).an.constant).variable_checks()
        return frozenset(c.name for c in checks if c.always or self.ns[f"CHECK_{c.name}"])

    def init_states(self):
        return self.ns["init_states"]()

    def actions(self) -> tuple[Callable, ...]:
        return self.ns["ACTIONS"]

    def invariant(self, name: str) -> Callable[[Any], bool]:
        return self._invariants[name]

    def constraint(self):
        return self.ns["constraint"]

    def guard_watch(self, action: int) -> GuardWatch:
        """The action run so as to note which of its guards are ever true (explain.py)."""
        return GuardWatch(self.checked, self.gen.source, action, self.ns["ACTIONS"][action])

    def describe(self, s) -> dict[str, Any]:
        return {n: to_itf(v, k, self.gen.symbols, self.gen.layouts)
                for n, v, k in zip(self.var_names, s, self._var_kinds)}

    def describe_aliases(self, s) -> dict[str, Any]:
        """The spec's aliases in state s, as ITF values; one that fails to evaluate shows
        the error instead (a trace is still worth reading)."""
        out = {}
        for name in self.alias_names:
            try:
                out[name] = to_itf(self.ns[f"D_{name}"](s), self.checked.defs[name].result,
                                   self.gen.symbols, self.gen.layouts)
            except Exception as e:
                out[name] = {"#unserializable": f"(cannot be evaluated: {self.explain_error(e)})"}
        return out

    def describe_args(self, action: int, names: tuple[str, ...], values: tuple) -> dict[str, Any]:
        kinds = self._arg_kinds[action] if action >= 0 else {}
        return {n: to_itf(v, kinds.get(n), self.gen.symbols, self.gen.layouts) for n, v in zip(names, values)}

    def explain_error(self, e: Exception) -> str:
        """A runtime error of the generated code, in the spec's terms, at its location, with
        the values of the names bound where it happened (a = a3)."""
        where = spec_location(e)
        bound, records = [], []
        for py, value in failing_locals(e).items():
            if py in self.checked.binder_kinds:
                name, kind = self.checked.binder_kinds[py]
                itf = to_itf(value, kind, self.gen.symbols, self.gen.layouts)
                bound.append(f"{name} = {show(itf)}")
                if isinstance(itf, dict) and not any(k.startswith("#") for k in itf):
                    records.append(itf)
        context = ", ".join(([f"at {where}"] if where else []) + (["with " + ", ".join(bound)] if bound else []))
        message = explain(e)
        if message.startswith("record has no such field"):
            # name the field: one read on the failing line that a bound record lacks
            wanted = set(re.findall(r"FIELD_(\w+)", failing_line(e)))
            missing = sorted(f for f in wanted if any(f not in r for r in records))
            if len(missing) == 1:
                message = f"record has no field '{missing[0]}'" + message[len("record has no such field"):]
        return message + (f" ({context})" if context else "")

    def type_error(self, st, index: int) -> str:
        """What is outside its declared type in variable `index` of the state: the innermost
        part found, where it is, and the type it is not in."""
        decl = self.checked.vars[index]
        code = module_code(self.checked, self.gen)
        tests: dict[int, Callable[[Any], bool]] = {}

        def in_type(t: A.TypeExpr, value) -> bool:
            if id(t) not in tests:
                test = code.type_pred(t, "x", 0, Ctx(hoist=False), partial=True)
                tests[id(t)] = eval(f"lambda x: {test}", self.ns)
            return tests[id(t)](value)

        guard = TypeGuard(self.checked, code.an.constant)
        misfit = locate(guard, in_type, decl.type, st[index], self._var_kinds[index], layouts=self.gen.layouts)
        where = decl.name
        for step, part, kind in misfit.steps:
            if step == "element":
                where = f"element {self._show(part, kind)} of {where}"
            elif step == "key":
                where = f"{_parenthesized(where)}[{self._show(part, kind)}]"
            elif step == "index":
                where = f"{_parenthesized(where)}[{part}]"
            else:
                where = f"{_parenthesized(where)}.{part}"
        place = f"{decl.span.file.rsplit('/', 1)[-1]}:{decl.span.line}"
        declared = f"var {decl.name} : {source_text(self.checked.spec, decl.type)}, {place}" if misfit.steps else place
        reason = f": {misfit.reason}" if misfit.reason else ""
        if misfit.steps and misfit.steps[-1][0] == "key" and misfit.reason:
            return (f"{where}: {_parenthesized(where.rsplit('[', 1)[0])} has a key outside the domain "
                    f"{source_text(self.checked.spec, misfit.type)} ({declared})")
        return (f"{where} = {self._show(misfit.value, misfit.kind)} is outside "
                f"{'its declared type ' if not misfit.steps else ''}{source_text(self.checked.spec, misfit.type)}"
                f"{reason} ({declared})")

    def _show(self, value, kind: Kind) -> str:
        return show(to_itf(value, kind, self.gen.symbols, self.gen.layouts))

    def describe_constants(self) -> dict[str, Any]:
        return {d.name: to_itf(self.ns[f"C_{d.name}"], self.checked.const_kinds[d.name],
                               self.gen.symbols, self.gen.layouts) for d in self.checked.consts}


def _parenthesized(where: str) -> str:
    return f"({where})" if " " in where else where


def _binder_kinds(checked: CheckedSpec, action: A.ActionDecl) -> dict[str, Kind]:
    """Kinds of an action's parameters and picks, by name, for describing its arguments."""
    kinds = {}
    for n in A.walk_stmts(action):
        if isinstance(n, A.Binder):
            kinds[n.name] = checked.kinds[id(n.domain)].elem
    return kinds
