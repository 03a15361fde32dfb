"""CheckedSpec -> C source implementing mc_model.h for one spec (the native backend).

The generated file defines its tables, includes mc_runtime.h (values and their operations),
then one C function per action, operator, invariant, the constraint and the type check, and
includes mc_entry.h, which implements mc_model.h over them. Semantics follow the Python
backend's generated code (lower_expr.py, lower_stmt.py) construct by construct: variables read the state
before the step, `let`s are computed just before the first statement that reads them, if and
either run the rest of the action after each branch, iteration is in canonical order.

Expressions are written in one of two modes: a `V *` (any value) or a raw int64_t (ints,
bools, model values and strings: their value or id), converted where needed. What this
emitter does not compile raises NativeUnsupported with the reason; `native_subset_problem`
reports it, so that nothing outside the subset is ever compiled wrongly.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ...lang import ast as A
from ...lang.kinds import (AnyK, BoolK, FnK, IntK, Kind, MixK, ModelK, RecK, SeqK, SetK, StrK, SymK, TupleK,
                           UnionK, contains, record_field)
from ...lang.typecheck import CheckedSpec, Ref
from ..analysis import MemoPlan, analyse
from ..independence import footprints
from ..lower_stmt import read_by
from ..optimise import hoisted_guards

SCALAR = (IntK, BoolK, ModelK, StrK, SymK)
BUILTINS = ("size", "subsets", "union", "min", "max", "domain", "range", "put", "len", "append", "head",
            "tail", "subseq", "bag_add", "bag_remove", "bag_count", "bag_sum")


# builtins that are one call of the runtime (mc_runtime.h) on their evaluated arguments:
# the C function, whether it takes the context (it allocates), whether it gives a raw C value
RUNTIME_CALLS: dict[str, tuple[str, bool, bool]] = {
    "subsets": ("powerset", True, False),
    "union": ("big_union", True, False),
    "put": ("map_put", True, False),
    "append": ("seq_append", True, False),
    "head": ("seq_head", True, False),
    "tail": ("seq_tail", True, False),
    "bag_add": ("bag_add", True, False),
    "bag_remove": ("bag_remove", True, False),
    "bag_count": ("bag_count", False, True),
    "bag_sum": ("bag_sum", True, True),
}


class NativeUnsupported(Exception):
    """A construct the native backend does not compile; str(e) says which, and where."""


@dataclass(frozen=True)
class Tables:
    """The ids the Python backend gives strings and record layouts (emit_python's GeneratedModule),
    which the C code and the codec share, and the constants' runtime values."""
    symbols: tuple[str, ...]
    layouts: tuple[tuple[str, ...], ...]
    const_bytes: bytes
    permutations: tuple[tuple[int, ...], ...]   # symbol id maps under `symmetry`; () without
    type_checked: frozenset[int]   # the variables the Python backend's type check tests


def generate_c(checked: CheckedSpec, tables: Tables) -> str:
    return _Emitter(checked, tables).module()


def check_subset(checked: CheckedSpec) -> None:
    """Raise NativeUnsupported if the spec is outside the native subset (ids are not needed
    to decide that: every layout and string gets 0)."""
    _Emitter(checked, None).module()


def _where(span) -> str:
    return f"{span.file.rsplit('/', 1)[-1]}:{span.line}:{span.col}" if span and span.line else "the spec"


def check_scalars(checked: CheckedSpec) -> None:
    """Raise NativeUnsupported if the spec mixes ints with strings or model values: its
    strings and model values are then floats in the Python backend (values.symbol), which
    neither the C values nor the state codec represent."""
    if checked.mixes_ints_and_symbols:
        raise NativeUnsupported(f"values that may be an int or a string or model value: {_mixed_at(checked)}")


def _mixed_at(checked: CheckedSpec) -> str:
    """Where a spec mixes ints with strings or model values: its first variable or constant
    of such a type, else its first expression of one, else the comparison that mixed them."""
    for what, k, span in ([(f"variable {v.name}", checked.var_kinds[v.name], v.span) for v in checked.vars]
                          + [(f"constant {d.name}", checked.const_kinds[d.name], d.span) for d in checked.consts]):
        if contains(k, MixK):
            return f"{what} ({_where(span)}) is of type {k.show()}"
    for node in _nodes(checked.spec.decls):
        k = checked.kinds.get(id(node))
        if k is not None and contains(k, MixK):
            return f"the expression at {_where(node.span)} is of type {k.show()}"
    return "an int is compared with a string or model value"


def _nodes(value):
    """Every AST node in value (a node or a tuple of them), statements included, depth first."""
    if isinstance(value, tuple):
        for x in value:
            yield from _nodes(x)
    elif hasattr(value, "__slots__") and hasattr(value, "span"):
        yield value
        for slot in value.__slots__:
            yield from _nodes(getattr(value, slot))


def _cname(py: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", py)


class _Emitter:
    def __init__(self, checked: CheckedSpec, tables: Tables | None):
        self.c = checked
        self.t = tables
        self.var_index = {v.name: i for i, v in enumerate(checked.vars)}
        self.const_index = {d.name: i for i, d in enumerate(checked.consts)}
        n_models = len(checked.model_values)
        self.model_ids = {name: i for i, name in enumerate(checked.model_values)}
        self.string_ids = {s: i for i, s in enumerate(tables.symbols[n_models:], n_models)} if tables else {}
        self.layout_ids = {names: i for i, names in enumerate(tables.layouts)} if tables else {}
        self.counter = itertools.count()
        self.functions: list[str] = []        # generated C functions, in dependency-free order
        self.prototypes: list[str] = []
        self.def_functions: dict[str, str] = {}  # defs key -> C function name
        self.cache_slots = 0
        self.analysis = analyse(checked)
        self.memo_plans = self.analysis.memo_plans
        self.named_defs = {checked.refs[id(n)].name for n in _nodes(checked.spec.decls)
                           if isinstance(n, A.Name) and id(n) in checked.refs and checked.refs[id(n)].kind == "def"}
        self.op_memos = 0                      # boolean operators remembered (_op_memo)
        self.depth_slots = 0                   # recursive operators' call depths
        self.field_tables: set[str] = set()
        self.in_init = False
        self.codec_ids: dict[Kind, int] = {}   # kinds of variables, constants and fair actions' parameters
        self.codec_fns: list[str] = []

    # ------------------------------------------------------------ module
    def module(self) -> str:
        check_scalars(self.c)
        spec = self.c.spec
        inits = spec.of(A.InitDecl)
        if len(inits) != 1:
            raise NativeUnsupported(f"the spec has {len(inits)} init blocks; the native backend compiles one")
        actions = spec.of(A.ActionDecl)
        invariants = spec.of(A.InvariantDecl)
        self.in_init = True
        init_body = self._action_body(inits[0].body, (), -1)
        self.in_init = False
        action_fns = []
        for k, d in enumerate(actions):
            body = self._action_body(d.body, d.params, k, fair=d.name in self.c.fairness)
            action_fns.append(f"static void A_{k}(mc_ctx *X) {{ /* {d.name} */\n{body}}}\n")
        inv_cases = "".join(f"    case {k}: return {self._invariant(d)}; /* {d.name} */\n"
                            for k, d in enumerate(invariants))
        constraint = " && ".join(f"({self.raw(d.expr)})" for d in spec.of(A.ConstraintDecl)) or "1"
        predicates = self._predicates()
        pred_cases = "".join(f"    case {k}: return {self.raw(e)}; /* {name} */\n"
                             for k, (name, e) in enumerate(predicates))
        # the variables the Python backend tests (the others cannot leave their types), in order
        self.type_checked = [k for k in range(len(self.c.vars)) if self.t is None or k in self.t.type_checked]
        type_checks = "".join(
            f"    case {k}: return {self.type_pred(v.type, f'ST(X, {k})', partial=True)}; /* {v.name} */\n"
            for k, v in enumerate(self.c.vars) if k in self.type_checked)
        out = [self._header(actions, invariants, [name for name, _ in predicates])]
        out += self._codecs()
        out += [p + ";\n" for p in self.prototypes]
        out += self.functions
        out.append(f"static void gen_init(mc_ctx *X) {{\n{init_body}}}\n")
        out += action_fns
        out.append("static void (*const GEN_ACTIONS[])(mc_ctx *) = {"
                   + "".join(f"A_{k}, " for k in range(len(actions))) + "NULL};\n")
        out.append(f"static int gen_invariant(mc_ctx *X, int k) {{\n    switch (k) {{\n{inv_cases}    }}\n"
                   "    return 1;\n}\n")
        out.append(f"static int gen_constraint(mc_ctx *X) {{\n    return {constraint};\n}}\n")
        out.append(f"static int gen_predicate(mc_ctx *X, int k) {{\n    switch (k) {{\n{pred_cases}    }}\n"
                   "    return 0;\n}\n")
        out.append(f"static int gen_type_var(mc_ctx *X, int k) {{\n    switch (k) {{\n{type_checks}    }}\n"
                   "    return 1;\n}\n")
        out.append('#include "mc_entry.h"\n')
        fields = "".join(self._field_table(f) for f in sorted(self.field_tables))
        # the field tables are used by functions above them: put them before the functions
        text = "".join(out)
        marker = "/* field tables */\n"
        return text.replace(marker, marker + fields, 1)

    def _predicates(self) -> list[tuple[str, A.Expr]]:
        """The temporal properties' state predicates, as mc_model.h names them."""
        return [(f"{d.name}.{side}", e) for d in self.c.properties
                for side, e in (("left", d.left), ("right", d.right))
                if e is not None and A.taken_action(e) is None]

    def _header(self, actions, invariants, predicates: list[str]) -> str:
        t = self.t
        layouts = t.layouts if t else ()
        symbols = len(t.symbols) if t else 0
        const_bytes = t.const_bytes if t else b""
        perms = t.permutations if t else ()
        lines = [f"/* Generated by modelcheck from {self.c.spec.path}: spec {self.c.spec.name}; do not edit. */",
                 f"#define MC_NVARS {len(self.c.vars)}",
                 f"#define MC_NCONSTS {len(self.c.consts)}",
                 f"#define MC_NCACHE {max(self.cache_slots, 1)}",
                 f"#define MC_NDEPTH {max(self.depth_slots, 1)}",
                 f"#define MC_NSYMS {symbols}",
                 f"#define MC_NLAYOUTS {len(layouts)}",
                 f"#define MC_NACTIONS {len(actions)}",
                 f"#define MC_MAXPARAMS {max([len(d.params) for d in actions] + [1])}",
                 f"#define MC_NINVARIANTS {len(invariants)}",
                 f"#define MC_NPREDICATES {len(predicates)}",
                 f"#define MC_NPERMS {len(perms)}",
                 f"#define MC_NOPMEMO {self.op_memos}",
                 f"#define MC_NTYPECHECKED {len(self.type_checked)}",
                 "static const int TYPE_CHECKED[] = {" + "".join(f"{k}, " for k in self.type_checked) + "0};",
                 f"#define MC_HAS_CONSTRAINT {int(bool(self.c.spec.of(A.ConstraintDecl)))}",
                 "#include <stdint.h>",
                 "static const uint8_t LAYOUT_SIZES[] = {" + "".join(f"{len(n)}, " for n in layouts) + "0};",
                 '#include "mc_runtime.h"',
                 "static const char *const ACTION_NAMES[] = {" + "".join(f'"{d.name}", ' for d in actions) + "NULL};",
                 "static const char *const INVARIANT_NAMES[] = {"
                 + "".join(f'"{d.name}", ' for d in invariants) + "NULL};",
                 "static const char *const PREDICATE_NAMES[] = {" + "".join(f'"{n}", ' for n in predicates) + "NULL};",
                 "static const uint8_t CONST_BYTES[] = {" + ",".join(str(b) for b in const_bytes) + ("," if const_bytes else "0,") + "};",
                 f"static const int32_t PERMS[{max(len(perms), 1)}][{max(symbols, 1)}] = {{"
                 + ",".join("{" + ",".join(map(str, p)) + "}" for p in perms) + ("" if perms else "{0}") + "};",
                 self._reads_table(invariants),
                 "/* field tables */", ""]
        return "\n".join(lines)

    def _invariant(self, d: A.InvariantDecl) -> str:
        """An invariant remembered as an operator (by its views too) is computed by its
        operator's function; so is one that other expressions name and that is not
        remembered as an operator, so that a state computes it once (its cache) for both (as
        TypeOK for Paxos's Inv); any other by its expression. Those not remembered as
        operators are remembered by mc_entry.h by the variables they read (INVARIANT_READS)."""
        plan = self._memo_plan(d.name)
        named = d.name in self.named_defs and plan.by_variables is None and plan.by_views is None
        if self._op_memo_views(d.name) or named:
            return f"{self._def_function(d.name, d.expr)}(X)->i"
        return self.raw(d.expr)

    def _memo_plan(self, name: str) -> MemoPlan:
        """How the Python backend remembers a parameterless operator over the state (not at
        all for any other operator)."""
        return self.memo_plans.get(name) or MemoPlan(None, frozenset(), None)

    def _op_memo_views(self, name: str) -> bool:
        return self._memo_plan(name).by_views is not None and isinstance(self.kind(self.c.defs[name].decl.body), BoolK) \
            and len(self.c.vars) <= 64

    def _reads_table(self, invariants) -> str:
        """The variables each invariant and the constraint read, as bit masks (bit k: variable
        k), by which mc_entry.h remembers their values; 0 for one that reads every variable
        (its key would be the whole state, new each time) or when there are over 64."""
        reads = footprints(self.c, ())
        every = frozenset(range(len(self.c.vars)))

        def mask(variables: frozenset[int]) -> str:
            if variables == every or len(every) > 64:
                return "0"
            return f"UINT64_C({sum(1 << k for k in variables)})"
        return ("static const uint64_t INVARIANT_READS[] = {"
                + "".join("0, " if self._op_memo_views(d.name) else f"{mask(reads.invariant_reads[d.name])}, "
                          for d in invariants) + "0};\n"
                f"#define CONSTRAINT_READS {mask(reads.constraint_reads)}")

    # ------------------------------------------------------------ state bytes
    def _codecs(self) -> list[str]:
        """Encoder, decoder and skipper of every kind a variable or constant has (codec.py
        describes the bytes), and var_encode / var_decode / var_skip / consts_decode. Called
        after the actions: their instances' encoders are among the codecs already."""
        var_ids = [self._codec(self.c.var_kinds[v.name]) for v in self.c.vars]
        const_ids = [self._codec(self.c.const_kinds[d.name]) for d in self.c.consts]
        protos = []
        for n in range(len(self.codec_ids)):
            protos += [f"static void enc_{n}(Buf *b, const V *v);", f"static V *dec_{n}(mc_ctx *X, Reader *r);",
                       f"static void skip_{n}(mc_ctx *X, Reader *r);"]
        cases = "".join(f"    case {k}: enc_{n}(b, v); return;\n" for k, n in enumerate(var_ids))
        decs = "".join(f"    case {k}: return dec_{n}(X, r);\n" for k, n in enumerate(var_ids))
        skips = "".join(f"    case {k}: skip_{n}(X, r); return;\n" for k, n in enumerate(var_ids))
        consts = "".join(f"    X->consts[{k}] = dec_{n}(X, r);\n" for k, n in enumerate(const_ids))
        return ["\n".join(protos) + "\n", *self.codec_fns,
                f"static void var_encode(Buf *b, int k, const V *v) {{\n    switch (k) {{\n{cases}    }}\n}}\n",
                f"static V *var_decode(mc_ctx *X, Reader *r, int k) {{\n    switch (k) {{\n{decs}    }}\n"
                "    mc_fail(X, \"no variable %d\", k);\n}\n",
                f"static void var_skip(mc_ctx *X, Reader *r, int k) {{\n    switch (k) {{\n{skips}    }}\n}}\n",
                f"static void consts_decode(mc_ctx *X, Reader *r) {{\n    (void)X; (void)r;\n{consts}}}\n"]

    def _codec(self, k: Kind) -> int:
        if k in self.codec_ids:
            return self.codec_ids[k]
        n = self.codec_ids[k] = len(self.codec_ids)
        enc, dec, skip = self._codec_bodies(k, n)
        self.codec_fns.append(f"static void enc_{n}(Buf *b, const V *v) {{ /* {k.show()} */\n{enc}}}\n"
                              f"static V *dec_{n}(mc_ctx *X, Reader *r) {{\n{dec}}}\n"
                              f"static void skip_{n}(mc_ctx *X, Reader *r) {{\n{skip}}}\n")
        return n

    def _codec_bodies(self, k: Kind, n: int) -> tuple[str, str, str]:
        if isinstance(k, IntK):
            return ("    put_varint(b, zigzag(v->i));\n", "    return mk_int(X, unzigzag(get_varint(X, r)));\n",
                    "    get_varint(X, r);\n")
        if isinstance(k, BoolK):
            return ("    buf_reserve(b, 1);\n    b->p[b->len++] = (uint8_t)(v->i != 0);\n",
                    "    uint8_t c = get_byte(X, r);\n"
                    "    if (c > 1) mc_fail(X, \"malformed state: %u is no bool\", c);\n    return mk_bool(c);\n",
                    "    get_byte(X, r);\n")
        if isinstance(k, SCALAR):
            return ("    put_varint(b, (uint64_t)v->i);\n", "    return mk_sym(X, (int64_t)get_varint(X, r));\n",
                    "    get_varint(X, r);\n")
        copy = f"    if (v->src && v->srckind == {n}) {{ copy_src(b, v); return; }}\n"
        start = "    const uint8_t *start = r->p;\n"
        done = f"    v->src = start;\n    v->srclen = (uint32_t)(r->p - start);\n    v->srckind = {n};\n    return v;\n"
        if isinstance(k, (SetK, SeqK)):
            e = self._codec(k.elem)
            tag = "T_SET" if isinstance(k, SetK) else "T_TUP"
            # elements that keep the bytes they were read from (not scalars) are copied by runs
            elems = (f"    enc_runs(b, v->a, v->n, {e}, enc_{e});\n" if _keeps_bytes(k.elem)
                     else f"    for (uint32_t k = 0; k < v->n; k++) enc_{e}(b, v->a[k]);\n")
            return (copy + "    put_varint(b, v->n);\n" + elems,
                    start + f"    uint32_t n = (uint32_t)get_count(X, r);\n    V *v = mk_node(X, {tag}, n, n);\n"
                    f"    for (uint32_t k = 0; k < n; k++) v->a[k] = dec_{e}(X, r);\n" + done,
                    f"    uint64_t n = get_count(X, r);\n    for (uint64_t k = 0; k < n; k++) skip_{e}(X, r);\n")
        if isinstance(k, FnK):
            d, c = self._codec(k.dom), self._codec(k.cod)
            return (copy + f"    put_varint(b, v->n);\n    for (uint32_t k = 0; k < v->n; k++) "
                    f"{{ enc_{d}(b, v->a[k]); enc_{c}(b, v->a[v->n + k]); }}\n",
                    start + "    uint32_t n = (uint32_t)get_count(X, r);\n    V *v = mk_node(X, T_MAP, n, 2 * n);\n"
                    f"    for (uint32_t k = 0; k < n; k++) {{ v->a[k] = dec_{d}(X, r); v->a[n + k] = dec_{c}(X, r); }}\n"
                    + done,
                    f"    uint64_t n = get_count(X, r);\n    for (uint64_t k = 0; k < n; k++) "
                    f"{{ skip_{d}(X, r); skip_{c}(X, r); }}\n")
        if isinstance(k, TupleK):
            ids = [self._codec(e) for e in k.elems]
            return (copy + "".join(f"    enc_{e}(b, v->a[{i}]);\n" for i, e in enumerate(ids)),
                    start + f"    V *v = mk_tup(X, {len(ids)});\n"
                    + "".join(f"    v->a[{i}] = dec_{e}(X, r);\n" for i, e in enumerate(ids)) + done,
                    "".join(f"    skip_{e}(X, r);\n" for e in ids) or "    (void)X; (void)r;\n")
        if isinstance(k, RecK):
            enc, dec, skip = self._record_codec(k)
            return copy + enc, start + dec + done, skip or "    (void)X; (void)r;\n"
        if isinstance(k, UnionK):
            encs, decs, skips = [], [], []
            for variant in k.variants:
                layout = self.layout(variant.names, None)
                enc, dec, skip = self._record_codec(variant)
                encs.append(f"    case {layout}:\n{enc}        return;\n")
                decs.append(f"    case {layout}: {{\n{dec}{done}    }}\n")
                skips.append(f"    case {layout}:\n{skip}        return;\n")
            bad = "    mc_fail(X, \"malformed state: record layout %llu is not in its union\", (unsigned long long)layout);\n"
            return (copy + "    put_varint(b, v->layout);\n    switch (v->layout) {\n" + "".join(encs) + "    }\n",
                    start + "    uint64_t layout = get_varint(X, r);\n    switch (layout) {\n" + "".join(decs)
                    + "    }\n" + bad,
                    "    uint64_t layout = get_varint(X, r);\n    switch (layout) {\n" + "".join(skips) + "    }\n" + bad)
        # the element of an empty collection whose kind is never known: never encoded
        return ("    (void)b; (void)v;\n    abort();\n",
                "    (void)r;\n    mc_fail(X, \"malformed state: a value of unknown kind\");\n",
                "    (void)r;\n    mc_fail(X, \"malformed state: a value of unknown kind\");\n")

    def _record_codec(self, k: RecK) -> tuple[str, str, str]:
        ids = [self._codec(f) for _, f in k.fields]
        layout = self.layout(k.names, None)
        return ("".join(f"        enc_{e}(b, v->a[{i}]);\n" for i, e in enumerate(ids)),
                f"        V *v = mk_rec(X, {layout}, {len(ids)});\n"
                + "".join(f"        v->a[{i}] = dec_{e}(X, r);\n" for i, e in enumerate(ids)),
                "".join(f"        skip_{e}(X, r);\n" for e in ids))

    def _field_table(self, name: str) -> str:
        layouts = self.t.layouts if self.t else ()
        positions = [(names.index(name) + 1) if name in names else 0 for names in layouts]
        return f"static const int8_t FIELD_{_cname(name)}[] = {{{''.join(f'{p}, ' for p in positions)}0}};\n"

    def _tmp(self) -> str:
        return f"_t{next(self.counter)}"

    def layout(self, names: tuple[str, ...], span) -> int:
        if self.t is None:
            return 0
        if names not in self.layout_ids:
            raise NativeUnsupported(f"record layout {names} at {_where(span)} is unknown to the Python backend")
        return self.layout_ids[names]

    def string_id(self, s: str, span) -> int:
        if self.t is None:
            return 0
        if s not in self.string_ids:
            raise NativeUnsupported(f'string "{s}" at {_where(span)} is unknown to the Python backend')
        return self.string_ids[s]

    def kind(self, e: A.Expr) -> Kind:
        return self.c.kinds[id(e)]

    # ------------------------------------------------------------ statements
    def _action_body(self, body, params, index: int, fair: bool = False) -> str:
        """Each step of an action is of the instance its parameters' values make, which
        mc_instance gives (in canonical bytes, with mc_instance_ends): always for a `fair`
        action (declared so), for every action after mc_instances_of_all (an init: never).
        Leading requires are tested in the outermost parameter loop that binds what they
        read, as the Python backend does (optimise.hoisted_guards)."""
        lines: list[str] = []
        opens = []
        names = [self.c.binder_names[id(b)] for b in params]
        guards, body = hoisted_guards(self.analysis, params, body, names)
        for level, b in enumerate(params):
            if guards[level]:  # only if the loops below have something to loop over, as written
                skip = "continue" if level else "return"
                nonempty = " && ".join(self._nonempty(p.domain) for p in params[level:])
                lines.append(f"if (!({nonempty})) {skip};")
                lines += [f"if (!({self.raw(r.cond)})) {skip}; /* {_where(r.span)} */" for r in guards[level]]
            head, tail = self._loop(b, names[level])
            lines.append(head)
            opens.append(tail)
        body = guards[len(params)] + list(body)
        if index >= 0:
            encode = ["X->inst.len = 0;"]
            for k, b in enumerate(params):
                encode += [f"enc_{self._codec(self.kind(b.domain).elem)}(&X->inst, "
                           f"{_cname(names[k])});",
                           f"X->inst_ends[{k}] = (uint32_t)X->inst.len;"]
            lines += encode if fair else ["if (X->all_instances) {", *encode, "}"]
        lines.append("do {")
        lines += self._stmts(list(body), {}, (), index)
        lines.append("} while (0);")
        lines += reversed(opens)
        return "".join("    " + line + "\n" for line in lines)

    def _stmts(self, stmts: list, assigned: dict[str, str], lets: tuple, index: int) -> list[str]:
        """Statements in a C block where `continue` abandons the path (a failed require).
        `assigned`: variable -> the C name of its new value; `lets`: those not computed yet."""
        lines: list[str] = []
        while stmts and isinstance(stmts[0], (A.Require, A.LetStmt, A.Assign)):
            s, stmts = stmts[0], stmts[1:]
            if isinstance(s, A.LetStmt):
                lines.append(f"V *{_cname(self.c.binder_names[id(s)])} = NULL;")
                lets += (s,)
                continue
            due, lets = self._due_lets(lets, read_by(s))
            lines += due
            if isinstance(s, A.Require):
                lines.append(f"if (!({self.raw(s.cond)})) continue; /* {_where(s.span)} */")
            else:
                if self.in_init and s.path:
                    raise NativeUnsupported(f"an assignment to part of a variable in init ({_where(s.span)})")
                current = assigned.get(s.target, f"ST(X, {self.var_index[s.target]})")
                name = self._tmp()
                value = self._update(current, self.c.var_kinds[s.target], s.path, self.val(s.value))
                lines.append(f"V *{name} = {value}; /* {_where(s.span)} */")
                assigned = {**assigned, s.target: name}
        if not stmts:
            if self.in_init and len(assigned) != len(self.c.vars):
                missing = [v.name for v in self.c.vars if v.name not in assigned]
                raise NativeUnsupported(f"init leaves {', '.join(missing)} unassigned on some path")
            state = ", ".join(assigned.get(v.name, "NULL") for v in self.c.vars)
            return lines + [f"{{ V *nv[] = {{{state}, NULL}}; mc_out(X, {index}, nv); }}"]
        s, rest = stmts[0], stmts[1:]
        due, lets = self._due_lets(lets, read_by(s))
        lines += due
        if isinstance(s, A.Pick):
            head, tail = self._loop(s.binder, self.c.binder_names[id(s.binder)])
            lines.append(head + f" /* {_where(s.span)} pick */")
            if s.cond is not None:
                lines.append(f"if (!({self.raw(s.cond)})) continue;")
            lines += self._stmts(rest, assigned, lets, index)
            lines.append(tail)
            return lines
        if isinstance(s, A.If):
            c = self._tmp()
            lines.append(f"int {c} = {self.raw(s.cond)}; /* {_where(s.span)} if */")
            for block, test in ((s.then, c), (s.orelse, f"!{c}")):
                lines.append(f"if ({test}) do {{")
                lines += self._stmts(list(block) + rest, assigned, lets, index)
                lines.append("} while (0);")
            return lines
        if isinstance(s, A.Either):
            for k, branch in enumerate(s.branches):
                lines.append(f"do {{ /* {_where(s.span)} either, branch {k + 1} */")
                lines += self._stmts(list(branch) + rest, assigned, lets, index)
                lines.append("} while (0);")
            return lines
        raise NativeUnsupported(f"statement {type(s).__name__} at {_where(s.span)}")

    def _due_lets(self, lets: tuple, exprs: list[A.Expr]) -> tuple[list[str], tuple]:
        """Code computing the lets that `exprs` read (and the earlier lets those read), in
        their written order, as lower_stmt._due_lets does; and the lets still not computed."""
        due: list[A.LetStmt] = []
        for let in reversed(lets):
            py = {self.c.binder_names[id(let)]}
            if any(_uses(self.c, x, py) for x in exprs) or any(_uses(self.c, d.value, py) for d in due):
                due.insert(0, let)
        lines = []
        for d in due:
            name = _cname(self.c.binder_names[id(d)])
            lines.append(f"if (!{name}) {name} = {self.val(d.value)}; /* {_where(d.span)} let */")
        return lines, tuple(let for let in lets if not any(let is d for d in due))

    def _update(self, base: str, k: Kind, path, value: str) -> str:
        """C for `base` with the part at `path` replaced by `value`."""
        if not path:
            return value
        sel, more = path[0], path[1:]
        b = self._tmp()
        if isinstance(sel, A.IndexSel):
            key = self._tmp()
            if isinstance(k, (SeqK, TupleK)):
                elem = k.elem if isinstance(k, SeqK) else AnyK()
                if isinstance(k, TupleK):
                    raise NativeUnsupported(f"an update of a tuple by index at {_where(sel.span)}")
                inner = self._update(f"seq_at(X, {b}, {key})", elem, more, value)
                return f"({{ V *{b} = {base}; int64_t {key} = {self.raw(sel.key)}; seq_set(X, {b}, {key}, {inner}); }})"
            inner = self._update(f"map_get(X, {b}, {key})", k.cod, more, value)
            return f"({{ V *{b} = {base}; V *{key} = {self.val(sel.key)}; map_except(X, {b}, {key}, {inner}); }})"
        fk = record_field(k, sel.name)
        if isinstance(k, RecK):
            pos = k.names.index(sel.name)
            inner = self._update(f"{b}->a[{pos}]", fk, more, value)
            return f"({{ V *{b} = {base}; rec_set(X, {b}, {pos}, {inner}); }})"
        self.field_tables.add(sel.name)
        pos = self._tmp()
        inner = self._update(f"{b}->a[{pos}]", fk, more, value)
        return (f"({{ V *{b} = {base}; int {pos} = field_pos(X, {b}, FIELD_{_cname(sel.name)}); "
                f"rec_set(X, {b}, {pos}, {inner}); }})")

    def _loop(self, b: A.Binder, py: str) -> tuple[str, str]:
        """(head, tail) of a C loop binding `py` to each element of b's domain, in order."""
        name = _cname(py)
        dom = b.domain
        if isinstance(dom, A.Binary) and dom.op == "..":
            i, hi = self._tmp(), self._tmp()
            return (f"for (int64_t {i} = {self.raw(dom.left)}, {hi} = {self.raw(dom.right)}; {i} <= {hi}; {i}++) "
                    f"{{ V *{name} = mk_int(X, {i});", "}")
        d, k = self._tmp(), self._tmp()
        return (f"{{ V *{d} = {self.set_val(dom)}; for (uint32_t {k} = 0; {k} < {d}->n; {k}++) "
                f"{{ V *{name} = {d}->a[{k}];", "} }")

    def _nonempty(self, dom: A.Expr) -> str:
        """C testing that a loop over dom (as _loop writes it) has something to loop over."""
        if isinstance(dom, A.Binary) and dom.op == "..":
            return f"({self.raw(dom.left)} <= {self.raw(dom.right)})"
        return f"(({self.set_val(dom)})->n > 0)"

    def set_val(self, e: A.Expr) -> str:
        """A set-valued expression to iterate over (domain(m) shares m's keys)."""
        if isinstance(e, A.Name) and self.c.refs[id(e)].kind == "builtin":
            if e.id == "bool":
                return "({ V *s = mk_node(X, T_SET, 2, 2); s->a[0] = mk_bool(0); s->a[1] = mk_bool(1); s; })"
            raise NativeUnsupported(f"iteration over the infinite set {e.id} at {_where(e.span)}")
        return self.val(e)

    # ------------------------------------------------------------ expressions
    def val(self, e: A.Expr) -> str:
        code, raw = self._ex(e)
        return self._box(code, self.kind(e), e) if raw else code

    def raw(self, e: A.Expr) -> str:
        code, raw = self._ex(e)
        return code if raw else f"({code})->i"

    def _box(self, code: str, k: Kind, e) -> str:
        if isinstance(k, IntK):
            return f"mk_int(X, {code})"
        if isinstance(k, BoolK):
            return f"mk_bool({code})"
        if isinstance(k, (ModelK, StrK, SymK)):
            return f"mk_sym(X, {code})"
        raise NativeUnsupported(f"a value of kind {k.show()} at {_where(e.span)}")

    def _ex(self, e: A.Expr) -> tuple[str, bool]:
        handler = getattr(self, "_x_" + type(e).__name__, None)
        if handler is None:
            raise NativeUnsupported(f"expression {type(e).__name__} at {_where(e.span)}")
        return handler(e)

    def _x_IntLit(self, e):
        if not -2 ** 63 < e.value < 2 ** 63:
            raise NativeUnsupported(f"the integer {e.value} at {_where(e.span)} (64 bits at most)")
        return f"INT64_C({e.value})", True

    def _x_BoolLit(self, e):
        return ("1" if e.value else "0"), True

    def _x_StrLit(self, e):
        return str(self.string_id(e.value, e.span)), True

    def _x_Name(self, e: A.Name):
        ref: Ref = self.c.refs[id(e)]
        if ref.kind == "bound":
            return _cname(ref.name), False
        if ref.kind == "var":
            if self.in_init:
                raise NativeUnsupported(f"init reads variable {ref.name} ({_where(e.span)})")
            return f"ST(X, {self.var_index[ref.name]})", False
        if ref.kind == "const":
            return f"X->consts[{self.const_index[ref.name]}]", False
        if ref.kind == "model":
            return str(self.model_ids[ref.name]), True
        if ref.kind == "def":
            return f"{self._def_function(ref.name, e)}(X)", False
        if ref.kind == "builtin":
            return self.set_val(e), False
        raise NativeUnsupported(f"name {ref.name} at {_where(e.span)}")

    def _def_function(self, key: str, at) -> str:
        """The C function computing operator `key` (a def or an invariant used by name)."""
        if key in self.def_functions:
            return self.def_functions[key]
        info = self.c.defs[key]
        if info.recursive and info.decl.params is None:
            raise NativeUnsupported(f"recursive operator {info.decl.name} without parameters "
                                    f"({_where(info.decl.span)})")
        name = f"D_{len(self.def_functions)}_{_cname(info.decl.name)}"
        self.def_functions[key] = name
        if info.decl.params is None:
            slot = self.cache_slots
            self.cache_slots += 1
            # an operator of the constants alone is computed once per context, in its memory
            lasting = not info.state_dependent
            proto = f"static V *{name}(mc_ctx *X)"
            self.prototypes.append(proto)
            saved, self.in_init = self.in_init, False
            body = self.val(info.decl.body)
            self.in_init = saved
            memo = None if lasting else self._op_memo(key, info.decl.body)
            if lasting:
                compute = (f"        Arena *a = X->ar; X->ar = &X->perm; X->cache[{slot}] = {body}; X->ar = a;\n"
                           f"        X->cache_gen[{slot}] = UINT64_MAX;\n")
            elif memo is not None:
                eval_fn = f"M_{name}"
                self.functions.append(f"static int {eval_fn}(mc_ctx *X, int unused) {{\n"
                                      f"    (void)unused;\n    return ({body})->i ? 1 : 0;\n}}\n")
                op, vars_mask, view_mask, views = memo
                compute = (f"        static V *(*const views[])(mc_ctx *) = {{{''.join(v + ', ' for v in views)}NULL}};\n"
                           f"        X->cache[{slot}] = mk_bool(remembered_op(X, {op}, {vars_mask}, {view_mask}, views, "
                           f"{len(views)}, {eval_fn}));\n"
                           f"        X->cache_gen[{slot}] = X->gen;\n")
            else:
                compute = f"        X->cache[{slot}] = {body};\n        X->cache_gen[{slot}] = X->gen;\n"
            self.functions.append(
                f"{proto} {{ /* {info.decl.name}, {_where(info.decl.span)} */\n"
                f"    if (X->cache_gen[{slot}] != X->gen && X->cache_gen[{slot}] != UINT64_MAX) {{\n"
                f"{compute}    }}\n    return X->cache[{slot}];\n}}\n")
            return name
        params = "".join(f", V *{_cname(p)}" for p in info.param_names)
        proto = f"static V *{name}(mc_ctx *X{params})"
        self.prototypes.append(proto)
        saved, self.in_init = self.in_init, False
        body = self.val(info.decl.body)
        self.in_init = saved
        if info.recursive:
            # evaluated as written, its depth bounded as in the Python backend (MAX_RECURSION)
            slot = self.depth_slots
            self.depth_slots += 1
            body = (f"({{ if (X->depth[{slot}] >= MAX_RECURSION) recursion_too_deep(X, \"{info.decl.name}\"); "
                    f"X->depth[{slot}]++; V *r = {body}; X->depth[{slot}]--; r; }})")
        self.functions.append(f"{proto} {{ /* {info.decl.name}, {_where(info.decl.span)} */\n"
                              f"    return {body};\n}}\n")
        return name

    def _op_memo(self, key: str, body: A.Expr) -> tuple[int, str, str, list[str]] | None:
        """A boolean operator over part of the state is remembered as the Python backend
        remembers it (analysis.memo_plan): its memo number, the mask of the variables its
        values are remembered by ("0": not so), the mask of the variables and the C functions
        of the views they are remembered by otherwise. None: not remembered."""
        plan = self._memo_plan(key)
        if not isinstance(self.kind(body), BoolK) or len(self.c.vars) > 64 or (
                plan.by_variables is None and plan.by_views is None):
            return None

        def mask(names) -> str:
            return f"UINT64_C({sum(1 << self.var_index[n] for n in names)})"
        variables = "0" if plan.by_variables is None else mask(plan.by_variables)
        view_vars, views = (frozenset(), ()) if plan.by_views is None else (plan.key_variables, plan.by_views)
        functions = [self._def_function(v, body) for v in views]
        op = self.op_memos
        self.op_memos += 1
        return op, variables, mask(view_vars), functions

    def _x_Call(self, e: A.Call):
        if e.func in self.c.defs:
            fn = self._def_function(self.c.target(e), e)
            return f"{fn}(X{''.join(', ' + self.val(a) for a in e.args)})", False
        if e.func not in BUILTINS:
            raise NativeUnsupported(f"operator {e.func} at {_where(e.span)}")
        if e.func in RUNTIME_CALLS:
            function, allocates, raw = RUNTIME_CALLS[e.func]
            args = ["X"] * allocates + [self.val(x) for x in e.args]
            return f"{function}({', '.join(args)})", raw
        return getattr(self, "_call_" + e.func)(e, e.args)

    def _call_size(self, e, a):
        k = self.kind(a[0])
        if not isinstance(k, (SetK, AnyK)):
            raise NativeUnsupported(f"size of a {k.show()} at {_where(e.span)}")
        return f"(int64_t)({self.val(a[0])})->n", True

    def _call_min(self, e, a):
        if len(a) == 1:
            return f"set_min_i(X, {self.val(a[0])})", True
        return f"min_i({self.raw(a[0])}, {self.raw(a[1])})", True

    def _call_max(self, e, a):
        if len(a) == 1:
            return f"set_max_i(X, {self.val(a[0])})", True
        return f"max_i({self.raw(a[0])}, {self.raw(a[1])})", True

    def _call_domain(self, e, a):
        if isinstance(self.kind(a[0]), (SeqK, TupleK)):
            return f"seq_domain(X, {self.val(a[0])})", False
        return f"map_domain(X, {self.val(a[0])})", False

    def _call_range(self, e, a):
        if isinstance(self.kind(a[0]), (SeqK, TupleK)):
            return f"seq_range(X, {self.val(a[0])})", False
        return f"map_range(X, {self.val(a[0])})", False

    def _call_len(self, e, a):
        return f"(int64_t)({self.val(a[0])})->n", True

    def _call_subseq(self, e, a):
        return f"seq_sub(X, {self.val(a[0])}, {self.raw(a[1])}, {self.raw(a[2])})", False

    def _x_Unary(self, e: A.Unary):
        if e.op == "not":
            return f"(!{self.raw(e.operand)})", True
        return f"neg_i(X, {self.raw(e.operand)})", True

    _INT_OPS = {"+": "add_i", "-": "sub_i", "*": "mul_i", "/": "div_i", "%": "mod_i"}

    def _x_Binary(self, e: A.Binary):
        op = e.op
        if op in ("and", "or", "=>", "<=>"):
            left, right = self.raw(e.left), self.raw(e.right)
            return {"and": f"({left} && {right})", "or": f"({left} || {right})",
                    "=>": f"(!{left} || {right})", "<=>": f"(!{left} == !{right})"}[op], True
        if op in ("in", "not in"):
            code = self._member(e.left, e.right)
            return (code if op == "in" else f"(!{code})"), True
        lk, rk = self.kind(e.left), self.kind(e.right)
        if op in ("==", "!="):
            if isinstance(lk, SCALAR) and isinstance(rk, SCALAR):
                return f"({self.raw(e.left)} {op} {self.raw(e.right)})", True
            eq = f"veq({self.val(e.left)}, {self.val(e.right)})"
            return (eq if op == "==" else f"(!{eq})"), True
        if op == "subseteq" or (op in ("<=", "<") and (isinstance(lk, SetK) or isinstance(rk, SetK))):
            a, b = self._tmp(), self._tmp()
            strict = f" && {a}->n < {b}->n" if op == "<" else ""
            return f"({{ V *{a} = {self.val(e.left)}, *{b} = {self.val(e.right)}; subseteq({a}, {b}){strict}; }})", True
        if op in ("<", "<=", ">", ">="):
            return f"({self.raw(e.left)} {op} {self.raw(e.right)})", True
        if op == "..":
            return f"int_range(X, {self.raw(e.left)}, {self.raw(e.right)})", False
        if isinstance(self.kind(e), SetK):
            if op == "+" and isinstance(e.right, A.SetLit) and len(e.right.elems) == 1:
                return f"set_add(X, {self.val(e.left)}, {self.val(e.right.elems[0])})", False
            fn = {"+": "set_union", "-": "set_diff", "&": "set_inter"}[op]
            return f"{fn}(X, {self.val(e.left)}, {self.val(e.right)})", False
        if op == "++":
            return f"seq_concat(X, {self.val(e.left)}, {self.val(e.right)})", False
        if op in self._INT_OPS:
            return f"{self._INT_OPS[op]}(X, {self.raw(e.left)}, {self.raw(e.right)})", True
        raise NativeUnsupported(f"operator '{op}' at {_where(e.span)}")

    def _member(self, x: A.Expr, s: A.Expr) -> str:
        if isinstance(s, A.Binary) and s.op == "..":
            v = self._tmp()
            return f"({{ int64_t {v} = {self.raw(x)}; {self.raw(s.left)} <= {v} && {v} <= {self.raw(s.right)}; }})"
        if isinstance(s, A.Name) and self.c.refs[id(s)].kind == "builtin":
            if s.id == "Nat":
                return f"({self.raw(x)} >= 0)"
            return f"({{ (void){self.val(x)}; 1; }})"
        if isinstance(s, A.Call) and s.func == "subsets" and s.func not in self.c.defs:
            return f"subseteq({self.val(x)}, {self.val(s.args[0])})"
        if isinstance(s, A.FnSet):
            f, d, c, k = self._tmp(), self._tmp(), self._tmp(), self._tmp()
            return (f"({{ V *{f} = {self.val(x)}, *{d} = {self.set_val(s.domain)}, *{c} = {self.set_val(s.codomain)}; "
                    f"int ok = {f}->n == {d}->n; for (uint32_t {k} = 0; ok && {k} < {f}->n; {k}++) "
                    f"ok = veq({f}->a[{k}], {d}->a[{k}]) && set_has({c}, {f}->a[{f}->n + {k}]); ok; }})")
        return f"set_has({self.set_val(s)}, {self.val(x)})"

    def _x_Is(self, e: A.Is):
        return self.type_pred(e.type, self.val(e.value), partial=False), True

    def type_pred(self, t: A.TypeExpr, x: str, partial: bool) -> str:
        """C testing whether the value x belongs to type t, as lower_expr.type_pred does."""
        y = self._tmp()
        bind = f"V *{y} = {x};"
        if isinstance(t, A.SetOfValues):
            e = t.expr
            if isinstance(e, A.Name) and e.id in self.c.types:
                return self.type_pred(self.c.types[e.id], x, partial)
            if isinstance(e, A.Name) and e.id in ("int", "Int", "string"):
                return f"({{ (void){x}; 1; }})"
            if isinstance(e, A.Name) and e.id == "Nat":
                return f"(({x})->i >= 0)"
            if isinstance(e, A.Name) and e.id == "bool":
                return f"({{ (void){x}; 1; }})"
            if isinstance(self.c.kinds.get(id(e)), SetK):
                if isinstance(e, A.Binary) and e.op == "..":
                    return f"({{ {bind} {self.raw(e.left)} <= {y}->i && {y}->i <= {self.raw(e.right)}; }})"
                return f"({{ {bind} set_has({self.set_val(e)}, {y}); }})"
            return f"({{ {bind} veq({y}, {self.val(e)}); }})"
        k = self._tmp()
        if isinstance(t, (A.SetType, A.SeqType)):
            bound = f"{y}->n <= {self.raw(t.max_len)} && " if isinstance(t, A.SeqType) and t.max_len is not None else ""
            elem = self.type_pred(t.elem, f"{y}->a[{k}]", partial)
            return (f"({{ {bind} int ok = {bound}1; for (uint32_t {k} = 0; ok && {k} < {y}->n; {k}++) "
                    f"ok = {elem}; ok; }})")
        if isinstance(t, A.BagType):
            elem = self.type_pred(t.elem, f"{y}->a[{k}]", partial)
            return (f"({{ {bind} int ok = 1; for (uint32_t {k} = 0; ok && {k} < {y}->n; {k}++) "
                    f"ok = {elem} && {y}->a[{y}->n + {k}]->i > 0; ok; }})")
        if isinstance(t, A.TupleType):
            parts = [f"{y}->n == {len(t.elems)}"] + [
                self.type_pred(et, f"{y}->a[{i}]", partial) for i, et in enumerate(t.elems)]
            return f"({{ {bind} {' && '.join(parts)}; }})"
        if isinstance(t, A.RecordType):
            names = tuple(sorted(f for f, _ in t.fields))
            types = dict(t.fields)
            parts = [f"{y}->tag == T_REC && {y}->layout == {self.layout(names, t.span)}"] + [
                self.type_pred(types[f], f"{y}->a[{i}]", partial) for i, f in enumerate(names)]
            return f"({{ {bind} {' && '.join(parts)}; }})"
        if isinstance(t, A.UnionType):
            return f"({{ {bind} {' || '.join(self.type_pred(a, y, partial) for a in t.alts)}; }})"
        if isinstance(t, A.FnType):
            dom = t.domain
            cod = self.type_pred(t.codomain, f"{y}->a[{y}->n + {k}]", partial)
            values = f"int ok = 1; for (uint32_t {k} = 0; ok && {k} < {y}->n; {k}++) ok = {cod};"
            infinite = isinstance(dom, A.SetOfValues) and isinstance(dom.expr, A.Name) and dom.expr.id in ("Nat", "Int")
            if isinstance(dom, A.SetOfValues) and isinstance(self.c.kinds.get(id(dom.expr)), SetK) and not infinite:
                d = self._tmp()
                keys = (f"subseteq(map_domain(X, {y}), {d})" if partial else f"veq(map_domain(X, {y}), {d})")
                return f"({{ {bind} V *{d} = {self.set_val(dom.expr)}; int keys = {keys}; {values} keys && ok; }})"
            j = self._tmp()
            key = self.type_pred(dom, f"{y}->a[{j}]", partial)
            return (f"({{ {bind} {values} for (uint32_t {j} = 0; ok && {j} < {y}->n; {j}++) ok = {key}; ok; }})")
        raise NativeUnsupported(f"type {type(t).__name__} at {_where(t.span)}")

    def _x_Index(self, e: A.Index):
        bk = self.kind(e.base)
        if isinstance(bk, TupleK) and isinstance(e.key, A.IntLit):
            return f"({self.val(e.base)})->a[{e.key.value - 1}]", False
        if isinstance(bk, (SeqK, TupleK)):
            return f"seq_at(X, {self.val(e.base)}, {self.raw(e.key)})", False
        return f"map_get(X, {self.val(e.base)}, {self.val(e.key)})", False

    def _x_Field(self, e: A.Field):
        bk = self.kind(e.base)
        if isinstance(bk, RecK):
            return f"({self.val(e.base)})->a[{bk.names.index(e.name)}]", False
        self.field_tables.add(e.name)
        return f"get_field(X, {self.val(e.base)}, FIELD_{_cname(e.name)})", False

    def _x_Except(self, e: A.Except):
        code = self.val(e.base)
        k = self.kind(e.base)
        for u in e.updates:
            code = self._update(code, k, u.path, self.val(u.value))
        return code, False

    def _x_SetLit(self, e: A.SetLit):
        if not e.elems:
            return "mk_node(X, T_SET, 0, 0)", False
        v = self._tmp()
        pushes = "".join(f"vec_push(X, &{v}, {self.val(x)}); " for x in e.elems)
        return f"({{ Vec {v} = {{0}}; {pushes}vec_set(X, &{v}); }})", False

    def _x_SetFilter(self, e: A.SetFilter):
        v = self._tmp()
        py = _cname(self.c.binder_names[id(e.binder)])
        head, tail = self._loop(e.binder, py)
        dom = e.binder.domain
        # the elements a set or a range gives, in order, are sorted already: so is a filter of them
        ordered = isinstance(self.kind(dom), SetK) or (isinstance(dom, A.Binary) and dom.op == "..")
        return (f"({{ Vec {v} = {{0}}; {head} if ({self.raw(e.cond)}) vec_push(X, &{v}, {py}); {tail} "
                f"{'vec_sorted_set' if ordered else 'vec_set'}(X, &{v}); }})"), False

    def _x_SetMap(self, e: A.SetMap):
        v = self._tmp()
        heads, tails = self._loops(e.binders)
        body = f"vec_push(X, &{v}, {self.val(e.body)});"
        if e.cond is not None:
            body = f"if ({self.raw(e.cond)}) {body}"
        return f"({{ Vec {v} = {{0}}; {heads} {body} {tails} vec_set(X, &{v}); }})", False

    def _loops(self, binders) -> tuple[str, str]:
        heads, tails = [], []
        for b in binders:
            head, tail = self._loop(b, self.c.binder_names[id(b)])
            heads.append(head)
            tails.insert(0, tail)
        return " ".join(heads), " ".join(tails)

    def _x_RecordLit(self, e: A.RecordLit):
        fields = dict(e.fields)
        names = tuple(sorted(fields))
        r = self._tmp()
        sets = "".join(f"{r}->a[{i}] = {self.val(fields[n])}; " for i, n in enumerate(names))
        return f"({{ V *{r} = mk_rec(X, {self.layout(names, e.span)}, {len(names)}); {sets}{r}; }})", False

    def _x_MapCtor(self, e: A.MapCtor):
        d, m, k = self._tmp(), self._tmp(), self._tmp()
        py = _cname(self.c.binder_names[id(e.binder)])
        return (f"({{ V *{d} = {self.set_val(e.binder.domain)}; V *{m} = mk_map(X, {d}); "
                f"for (uint32_t {k} = 0; {k} < {d}->n; {k}++) {{ V *{py} = {d}->a[{k}]; "
                f"{m}->a[{m}->n + {k}] = {self.val(e.body)}; }} {m}; }})"), False

    def _x_FnSet(self, e: A.FnSet):
        return f"fn_set(X, {self.set_val(e.domain)}, {self.set_val(e.codomain)})", False

    def _x_SeqFilter(self, e: A.SeqFilter):
        s, v, k = self._tmp(), self._tmp(), self._tmp()
        py = _cname(self.c.binder_names[id(e.binder)])
        return (f"({{ V *{s} = {self.val(e.binder.domain)}; Vec {v} = {{0}}; "
                f"for (uint32_t {k} = 0; {k} < {s}->n; {k}++) {{ V *{py} = {s}->a[{k}]; "
                f"if ({self.raw(e.cond)}) vec_push(X, &{v}, {py}); }} vec_tup(X, &{v}); }})"), False

    def _x_TupleLit(self, e: A.TupleLit):
        t = self._tmp()
        sets = "".join(f"{t}->a[{i}] = {self.val(x)}; " for i, x in enumerate(e.elems))
        return f"({{ V *{t} = mk_tup(X, {len(e.elems)}); {sets}{t}; }})", False

    def _x_Quant(self, e: A.Quant):
        r = self._tmp()
        forall = e.kind == "forall"
        loops = [self._loop(b, self.c.binder_names[id(b)]) for b in e.binders]
        # each loop stops as soon as the answer is known, and so does each enclosing one
        test = (f"if (!({self.raw(e.body)})) {{ {r} = 0; break; }}" if forall
                else f"if ({self.raw(e.body)}) {{ {r} = 1; break; }}")
        done = f"if ({'!' if forall else ''}{r}) break;"
        code = " ".join(head for head, _ in loops) + f" {test} {loops[-1][1]}"
        for _, tail in reversed(loops[:-1]):
            code += f" {done} {tail}"
        return f"({{ int {r} = {1 if forall else 0}; {code} {r}; }})", True

    def _x_Choose(self, e: A.Choose):
        found = self._tmp()
        py = _cname(self.c.binder_names[id(e.binder)])
        head, tail = self._loop(e.binder, py)
        # every element is tested, as the Python backend does (a failing test is an error)
        return (f"({{ V *{found} = NULL; {head} if ({self.raw(e.cond)} && !{found}) {found} = {py}; {tail} "
                f"if (!{found}) choose_none(X); {found}; }})"), False

    def _x_Ite(self, e: A.Ite):
        if isinstance(self.kind(e), SCALAR):
            return f"({self.raw(e.cond)} ? {self.raw(e.then)} : {self.raw(e.orelse)})", True
        return f"({self.raw(e.cond)} ? {self.val(e.then)} : {self.val(e.orelse)})", False

    def _x_Let(self, e: A.Let):
        return self._let(list(e.bindings), e.body)

    def _let(self, bindings: list, body: A.Expr) -> tuple[str, bool]:
        """As lower_expr._let: bindings in order, each computed only past the operands of an
        and/or/=> chain that do not read it."""
        if not bindings:
            return self._ex(body)
        names = {self.c.binder_names[id(b)] for b in bindings}
        if isinstance(body, A.Binary) and body.op in ("and", "or", "=>") and not _uses(self.c, body.left, names):
            left = self.raw(body.left)
            right = self._let_raw(bindings, body.right)
            return {"and": f"({left} && {right})", "or": f"({left} || {right})",
                    "=>": f"(!{left} || {right})"}[body.op], True
        first, rest = bindings[0], bindings[1:]
        name = _cname(self.c.binder_names[id(first)])
        code, raw = self._let(rest, body)
        kind = "int64_t" if raw else "V *"
        r = self._tmp()
        return f"({{ V *{name} = {self.val(first[1])}; {kind} {r} = {code}; {r}; }})", raw

    def _let_raw(self, bindings: list, body: A.Expr) -> str:
        code, raw = self._let(bindings, body)
        return code if raw else f"({code})->i"


def _keeps_bytes(k: Kind) -> bool:
    """Whether values of kind k decoded from a state keep where their bytes are (V.src)."""
    return isinstance(k, (SetK, SeqK, FnK, TupleK, RecK, UnionK))


def _uses(checked: CheckedSpec, e: A.Expr, names: set[str]) -> bool:
    return any(isinstance(n, A.Name) and checked.refs.get(id(n)) is not None
               and checked.refs[id(n)].name in names for n in A.walk(e))
