"""Coverage criteria computed from the spec, and a minimal trace suite that meets them.

A suite that takes every (action, changed variables) class can still miss the values that
decide a guard: a release carrying a stale epoch changes the same variables as a fresh one
is refused with. These criteria look inside the actions. Each is a set of *goals* found in
the compiled spec (the actions generated with probes, compile/lower_stmt.py ProbeSite), never
written per spec:

  classes     each transition class (tracegen.py)
  guards      each decision -- a `require`, a `pick ... where`, an `if` condition or a
              boolean `let` in an action -- seen true and seen false; for an and/or chain,
              each operand deciding the outcome (MC/DC with short-circuit evaluation: in
              `a and b and c`, each operand false while the ones before it are true, and all
              true; dually for `or`)
  boundaries  each integer comparison in a decision (m.bal >= maxBal[a], epoch == maxSeen)
              with its left side less than, equal to and greater than its right side
  branches    each branch of an `if` (then, else) and of an `either` taking a step
  messages    each message variant received in each process state class. A *receive* is a
              `pick m in ... where ...` over a variable of records (a pick without a
              condition, like DropMessage's, is the network's doing). The *variant* is the
              value of the field every record type of the variable has as a string literal
              (Raft's mtype, Paxos's type). The *receiver* is the field the `chart`
              declaration names with `to` (Raft's mdest); its *state class* is the value, at
              the receiver, of every *role variable*: a map whose values are only model
              values declared with `model` (Raft's state: Follower, Candidate, Leader). A
              spec without either (Paxos) has one class.

Guard and boundary goals are met in a state, while an action is evaluated with some
parameters and picks (its *binding*); branch, message and class goals by a step. A state
goal is only worth something as a test if the implementation is then given that input, so
a trace meets it in a state s when its next step is the same action with that binding, or
(for a pick) a step of any action taking the same picked value -- preferably a receive (a
stale response dropped by DropStaleResponse meets HandleRequestVoteResponse's guard seen
false) -- or, if no step from s does either, by reaching s.

The suite: one breadth-first exploration of every state within the constraint records the
first (so shallowest) place each goal is met; a candidate trace per goal is a shortest path
there plus the step that meets it; a greedy set cover picks candidates (most new goals first,
then the shortest) until every reachable goal is met. A goal never met by the exhaustive
exploration is unreachable at these bounds.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ..compile import CompiledSpec, build
from ..compile.analysis import operands
from ..compile.explain import all_statements, file_line, source_line
from ..compile.lower_stmt import ProbeSite
from ..explore.trace import trace_of
from ..lang import ast as A
from ..lang.errors import SpecError
from ..lang.kinds import RecK, StrK, UnionK
from ..values import to_itf
from .tracegen import SuiteTrace, _changed, _Graph, _path, beyond_constraint, class_name

CRITERIA = ("classes", "guards", "boundaries", "branches", "messages")
SIGNS = {-1: "less", 0: "equal", 1: "greater"}


@dataclass(frozen=True, order=True)
class Goal:
    criterion: str
    text: str          # what must happen, in the spec's words; unique within the criterion


@dataclass
class CriteriaCoverage:
    goals: dict[str, list[Goal]]                          # criterion -> every goal, in spec order
    reached: set[Goal] = field(default_factory=set)       # met somewhere within the constraint
    covered: set[Goal] = field(default_factory=set)       # met by the suite
    states: int = 0
    complete: bool = True
    beyond: dict[str, int] = field(default_factory=dict)  # action never enabled within -> states searched beyond

    def unreachable(self, criterion: str) -> list[Goal]:
        return [g for g in self.goals[criterion] if g not in self.reached and g not in self.covered]

    def summary(self) -> dict[str, Any]:
        return {c: {"goals": len(gs), "reachable": sum(g in self.reached for g in gs),
                    "covered": sum(g in self.covered and g in self.reached for g in gs),
                    **({"beyond_constraint": [g.text for g in gs if g in self.covered and g not in self.reached]}
                       if any(g in self.covered and g not in self.reached for g in gs) else {}),
                    "unreachable" if self.complete else "not_reached": [g.text for g in self.unreachable(c)],
                    "missing": [g.text for g in gs if g in self.reached and g not in self.covered]}
                for c, gs in self.goals.items()}

    def lines(self) -> list[str]:
        out = []
        what = {"classes": "transition classes (action, changed variables)",
                "guards": "guards (each decision true and false, each and/or operand deciding)",
                "boundaries": "boundaries (each integer comparison less, equal, greater)",
                "branches": "branches (each if/either branch taking a step)",
                "messages": "messages (each variant received in each receiver state class)"}
        for c, gs in self.goals.items():
            if not gs:
                out.append(f"{what[c]}: none in this spec")
                continue
            reached = [g for g in gs if g in self.reached]
            covered = sum(g in self.covered for g in reached)
            line = f"{what[c]}: {covered}/{len(reached)} reachable covered"
            gone = len(self.unreachable(c))
            if gone:
                line += (f"; {gone} unreachable at these bounds (exhaustive search of {self.states:,} states)"
                         if self.complete else f"; {gone} not reached (exploration cut short at {self.states:,} states)")
            out.append(line)
        for a, n in sorted(self.beyond.items()):
            out.append(f"{a}: never enabled within the constraint; covered by a trace beyond it "
                       f"(found after {n:,} states)")
        for c, gs in self.goals.items():
            missing = [g for g in gs if g in self.reached and g not in self.covered]
            for g in missing:
                out.append(f"  not covered ({c}): {g.text}")
            if c != "classes":
                for g in self.unreachable(c):
                    out.append(f"  {'unreachable' if self.complete else 'not reached'} ({c}): {g.text}")
        return out


# ---------------------------------------------------------------- goals from the spec

@dataclass(frozen=True)
class _Receive:
    """A pick that receives a message: which binder, its variable's variants, the receiver."""
    action: str
    binder: str
    tag: Optional[str]                 # the variant field (mtype), if the records have one
    variants: tuple[str, ...]          # its values, from the declared type ("" if unknown)
    receiver: Optional[str]            # the receiver field (chart ... to FIELD)
    types: tuple = ()                  # the declared record type of each variant (None: unknown)


class _Goals:
    """Every goal of the chosen criteria, and how a probe's report maps to one."""

    def __init__(self, compiled: CompiledSpec, probed: CompiledSpec, criteria: tuple[str, ...]):
        self.checked = compiled.checked
        self.spec = self.checked.spec
        self.criteria = criteria
        self.sites = probed.generated.probes
        self.by_probe: dict[tuple[int, Any], Goal] = {}   # (pid, value or sign) -> goal
        self.branch: dict[int, Goal] = {}
        self.goals: dict[str, list[Goal]] = {c: [] for c in criteria}
        for site in self.sites:
            self._add_site(site)
        self.roles = self._role_variables()
        self.receives = self._receives() if "messages" in criteria else {}
        for r in self.receives.values():
            for v, record in zip(r.variants, r.types):
                for cls in self._classes_of(record, r.receiver):
                    self._add("messages", self._message_text(r.action, v, cls))

    def _add(self, criterion: str, text: str) -> Goal:
        g = Goal(criterion, text)
        if criterion in self.goals and g not in self.goals[criterion]:
            self.goals[criterion].append(g)
        return g

    def _add_site(self, s: ProbeSite) -> None:
        node = s.node
        if s.kind == "decision" and "guards" in self.criteria:
            if not (isinstance(node, A.Binary) and node.op in ("and", "or")):
                for value in (True, False):
                    self.by_probe[(s.pid, value)] = self._add(
                        "guards", f"{s.action}: `{source_line(self.spec, node)}` ({file_line(node)}) {str(value).lower()}")
        elif s.kind == "operand" and "guards" in self.criteria:
            whole = source_line(self.spec, self.sites[s.decision].node)
            at = f"{s.action}: in `{whole}` ({file_line(node)}), "
            deciding = s.chain == "or"     # `or`: the first true operand decides; `and`: the first false
            self.by_probe[(s.pid, deciding)] = self._add(
                "guards", at + f"operand {s.index + 1} `{source_line(self.spec, node)}` decides "
                f"({'true, the ones before it false' if deciding else 'false, the ones before it true'})")
            if s.last:
                self.by_probe[(s.pid, not deciding)] = self._add(
                    "guards", at + f"every operand of the {s.chain} chain {'false' if deciding else 'true'}")
        elif s.kind == "compare" and "boundaries" in self.criteria:
            for sign, word in SIGNS.items():
                self.by_probe[(s.pid, sign)] = self._add(
                    "boundaries", f"{s.action}: `{source_line(self.spec, node)}` ({file_line(node)}) with left {word}"
                    + ("" if sign == 0 else " than") + (" right" if sign else " to right"))
        elif s.kind == "branch" and "branches" in self.criteria:
            if isinstance(node, A.If):
                which = f"`if {source_line(self.spec, node.cond)}` ({file_line(node)}) {'then' if s.index == 0 else 'else'} branch"
            else:
                which = f"either ({file_line(node)}) branch {s.index + 1} of {len(node.branches)}"
            self.branch[s.pid] = self._add("branches", f"{s.action}: {which}")

    # ---- messages
    def _receives(self) -> dict[tuple[str, str], _Receive]:
        out = {}
        chart = self.checked.chart
        for d in self.spec.of(A.ActionDecl):
            for s in all_statements(d.body):
                if not isinstance(s, A.Pick) or s.cond is None:
                    continue
                kind = self.checked.binder_kinds.get(self.checked.binder_names[id(s.binder)], ("", None))[1]
                if not isinstance(kind, (RecK, UnionK)):
                    continue
                variants = kind.variants if isinstance(kind, UnionK) else (kind,)
                tags = [f for f, k in variants[0].fields if isinstance(k, StrK)
                        and all(isinstance(v.field(f), StrK) for v in variants)]
                tag = tags[0] if tags else None
                var = next((self.checked.refs[id(n)].name for n in A.walk(s.binder.domain) if isinstance(n, A.Name)
                            and self.checked.refs.get(id(n)) is not None and self.checked.refs[id(n)].kind == "var"),
                           None)
                types = self._variant_types(var, tag) if var and tag else {}
                required = _required_tags(s.cond, s.binder.name, tag) if tag else None
                if required is not None:   # the condition itself admits only these variants
                    types = {v: t for v, t in types.items() if v in required}
                receiver = chart.receiver if chart is not None and chart.var == var else None
                out[(d.name, s.binder.name)] = _Receive(d.name, s.binder.name, tag, tuple(types) or ("",),
                                                        receiver, tuple(types.values()) or (None,))
        return out

    def _variant_types(self, var: str, tag: str) -> dict[str, A.RecordType]:
        """The record types the declared type of `var`'s elements has, by their `tag` literal."""
        decl = next(v for v in self.checked.vars if v.name == var)
        out: dict[str, A.RecordType] = {}

        def visit(t, depth: int = 0) -> None:
            if depth > 20:
                return
            if isinstance(t, (A.SetType, A.BagType)):
                visit(t.elem, depth + 1)
            elif isinstance(t, A.UnionType):
                for alt in t.alts:
                    visit(alt, depth + 1)
            elif isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name) and t.expr.id in self.checked.types:
                visit(self.checked.types[t.expr.id], depth + 1)
            elif isinstance(t, A.RecordType):
                ft = dict(t.fields).get(tag)
                if isinstance(ft, A.SetOfValues) and isinstance(ft.expr, A.StrLit):
                    out.setdefault(ft.expr.value, t)
        visit(decl.type)
        return out

    def _classes_of(self, record: Optional[A.RecordType], receiver: Optional[str]) -> list[tuple[str, ...]]:
        """The state classes a variant's receiver can be in: none if its receiver field names
        only model values (a server outside the role variables' domain), the role classes if
        it names their domain (or cannot be told apart)."""
        if receiver is None or not self.roles:
            return [()]
        ft = dict(record.fields).get(receiver) if record is not None else None
        names = _value_names(ft, self.checked.types) if ft is not None else []
        model_values = set(self.checked.model_values)
        if names and all(n in model_values for n in names):
            return [()]
        return self._role_classes()

    def _role_variables(self) -> list[tuple[str, tuple[str, ...]]]:
        """(variable, its model values) of every map to model values declared with `model`."""
        model_values = set(self.checked.model_values)
        consts = {d.name for d in self.checked.consts}
        out = []
        for v in self.checked.vars:
            if not isinstance(v.type, A.FnType):
                continue
            names = _value_names(v.type.codomain, self.checked.types)
            if names and all(n in model_values and n not in consts for n in names):
                out.append((v.name, tuple(names)))
        return out

    def _role_classes(self) -> list[tuple[str, ...]]:
        classes: list[tuple[str, ...]] = [()]
        for _, values in self.roles:
            classes = [c + (v,) for c in classes for v in values]
        return classes

    def _message_text(self, action: str, variant: str, cls: tuple[str, ...]) -> str:
        what = f"a {variant} message" if variant else "a message"
        if not self.roles or not cls:
            return f"{action} receives {what}"
        state = ", ".join(f"{var} = {value}" for (var, _), value in zip(self.roles, cls))
        return f"{action} receives {what} at a receiver with {state}"


def _required_tags(cond: A.Expr, binder: str, tag: str) -> Optional[set[str]]:
    """The variants a pick's condition admits when one of its top-level conjuncts is
    `m.tag == "X"` or an `or` of such; None if it does not say."""
    def literals(e) -> Optional[set[str]]:
        if isinstance(e, A.Binary) and e.op == "or":
            left, right = literals(e.left), literals(e.right)
            return None if left is None or right is None else left | right
        if (isinstance(e, A.Binary) and e.op == "==" and isinstance(e.left, A.Field) and e.left.name == tag
                and isinstance(e.left.base, A.Name) and e.left.base.id == binder and isinstance(e.right, A.StrLit)):
            return {e.right.value}
        return None

    for c in operands(cond, "and"):
        found = literals(c)
        if found is not None:
            return found
    return None


def _value_names(t, types: dict, depth: int = 0) -> list[str]:
    """The names a type made of `A | B | C` (model values, or aliases of them) lists."""
    if depth > 20:
        return []
    if isinstance(t, A.UnionType):
        out = []
        for alt in t.alts:
            names = _value_names(alt, types, depth + 1)
            if not names:
                return []
            out += names
        return out
    if isinstance(t, A.SetOfValues) and isinstance(t.expr, A.Name):
        if t.expr.id in types:
            return _value_names(types[t.expr.id], types, depth + 1)
        return [t.expr.id]
    return []


# ---------------------------------------------------------------- measuring

class _Probe:
    """The probe functions of the generated module: they note, per goal, the first context
    (state, action, binding) or step in which it is met."""

    def __init__(self, goals: _Goals, probed: CompiledSpec):
        self.goals = goals
        self.model = probed.model
        self.sites = goals.sites
        self.context: tuple = (None, -1)          # (state fingerprint or index, action)
        self.first: dict[Goal, tuple] = {}        # goal -> (context..., binding)
        self.branches: tuple[int, ...] = ()       # the branches of the step being yielded
        self.ns = probed.model.ns
        self.explore_mode()
        self._variant_cache: dict = {}
        self._role_cache: dict = {}
        self.var_index = {n: i for i, n in enumerate(self.model.var_names)}
        self.receives_by_action = {}
        for (action, binder), r in goals.receives.items():
            self.receives_by_action.setdefault(self.model.action_names.index(action), []).append(r)

    def explore_mode(self) -> None:
        """Probes note only the first context of each goal (the exploration: fast)."""
        by, first = self.goals.by_probe, self.first

        def PR(pid, value, binds):
            g = by.get((pid, value))
            if g is not None and g not in first:
                first[g] = (*self.context, pid, binds)
            return value

        def CMP(pid, left, right, binds):
            sign = (left > right) - (left < right)
            g = by.get((pid, sign))
            if g is not None and g not in first:
                first[g] = (*self.context, pid, binds)
            return sign

        self._install(PR, CMP)

    def collect_mode(self, met: dict) -> None:
        """Probes note every (action, pid, binding) each goal is met with, into `met`."""
        by = self.goals.by_probe

        def PR(pid, value, binds):
            g = by.get((pid, value))
            if g is not None:
                met.setdefault(g, []).append((self.context[1], pid, binds))
            return value

        def CMP(pid, left, right, binds):
            sign = (left > right) - (left < right)
            g = by.get((pid, sign))
            if g is not None:
                met.setdefault(g, []).append((self.context[1], pid, binds))
            return sign

        self._install(PR, CMP)

    def _install(self, PR, CMP) -> None:
        def BR(pids):
            self.branches = pids

        self.ns["PR"], self.ns["CMP"], self.ns["BR"] = PR, CMP, BR

    def step_goals(self, s, a: int, names, args, t) -> list[Goal]:
        """The goals a step meets: its branches, its transition class, what it receives."""
        out = [self.goals.branch[p] for p in self.branches if p in self.goals.branch]
        name = self.model.action_names[a]
        if "classes" in self.goals.criteria:
            changed = _changed(s, t, self.model.var_names)
            if changed:
                out.append(self.goals._add("classes", class_name((name, changed))))
        for r in self.receives_by_action.get(a, ()):
            if r.binder in names:
                out.append(self._message_goal(a, r, s, args[names.index(r.binder)]))
        return out

    def _message_goal(self, a: int, r: _Receive, s, value) -> Goal:
        key = (a, r.binder, value)
        m = self._variant_cache.get(key)
        if m is None:
            m = self._variant_cache[key] = self.model.describe_args(a, (r.binder,), (value,))[r.binder]
        variant = str(m.get(r.tag, "")) if r.tag and isinstance(m, dict) else ""
        cls: tuple[str, ...] = ()
        if r.receiver and isinstance(m, dict) and r.receiver in m:
            receiver = str(m[r.receiver])
            for var, _ in self.goals.roles:   # a receiver outside the role variables' domain has no class
                raw = s[self.var_index[var]]
                roles = self._role_cache.get((var, raw))
                if roles is None:
                    itf = to_itf(raw, self.model.checked.var_kinds[var], self.model.gen.symbols, self.model.gen.layouts)
                    roles = self._role_cache[(var, raw)] = {str(k): str(v) for k, v in itf.get("#map", [])}
                if receiver not in roles:
                    cls = ()
                    break
                cls += (roles[receiver],)
        return self.goals._add("messages", self.goals._message_text(r.action, variant, cls))


def _explore(probe: _Probe, max_states: int) -> tuple[_Graph, dict[Goal, tuple]]:
    """Breadth-first over every state within the constraint, noting where each goal is first
    met: state goals as (fp, action, pid, binding), step goals as (fp, action, names, args, t)."""
    model = probe.model
    g = _Graph()
    constraint = model.constraint()
    queue: deque[int] = deque()
    g.seed(model, constraint, queue)
    steps: dict[Goal, tuple] = {}
    actions = list(enumerate(model.actions()))
    while queue:
        fp = queue.popleft()
        s = g.states[fp]
        for a, successors in actions:
            probe.context = (fp, a)
            for names, args, t in successors(s):
                if constraint is not None and t is not s and not constraint(t):
                    continue
                for goal in probe.step_goals(s, a, names, args, t):
                    if goal not in steps:
                        steps[goal] = (fp, a, names, args, t)
                if t is s or t == s:
                    continue
                ft = model.fingerprint(t)
                if ft not in g.states:
                    if len(g.states) >= max_states:
                        g.complete = False
                        return g, steps
                    g.states[ft], g.parent[ft], g.depth[ft] = t, (fp, a, names, args), g.depth[fp] + 1
                    queue.append(ft)
    return g, steps


# ---------------------------------------------------------------- which step meets a state goal

def _rank(probe: _Probe, site: ProbeSite, binds: tuple, a: int, step: tuple) -> Optional[int]:
    """How well a step (action, names, args) gives the implementation the input of a state
    goal met while evaluating action `a` with `binds`: 0 the same action and binding (another
    branch of it), 1 a receive taking every value of the binding (the same message), 2 any
    step taking them; None: it does not."""
    b, names, args = step
    pairs = dict(zip(site.binders, binds))
    if b == a and all(n in names and args[names.index(n)] == v for n, v in pairs.items()):
        return 0
    if not pairs or not all(any(v == x for x in args) for v in pairs.values()):
        return None
    return 1 if b in probe.receives_by_action else 2


def _refusable(probe: _Probe, site: ProbeSite, a: int) -> bool:
    """Whether a state goal's input is a message its action receives: then, if no step takes
    it, the trace ends by presenting it anyway (a refused step, see _witness_steps)."""
    return any(r.binder in site.binders for r in probe.receives_by_action.get(a, ()))


def _successors(probe: _Probe, s) -> tuple[list[tuple], dict[Goal, list]]:
    """Every step from s within the constraint, (action, names, args, t, the goals it
    meets), and the state goals met in s: goal -> [(action, pid, binding)]."""
    model = probe.model
    constraint = model.constraint()
    out = []
    met: dict[Goal, list] = {}
    probe.collect_mode(met)
    try:
        for a, successors in enumerate(model.actions()):
            probe.context = (None, a)
            for names, args, t in successors(s):
                if constraint is not None and t is not s and not constraint(t):
                    continue
                out.append((a, names, args, t, probe.step_goals(s, a, names, args, t)))
    finally:
        probe.explore_mode()
    return out, met


def _goals_of_path(probe: _Probe, steps: list[tuple], refused: bool = False) -> set[Goal]:
    """The goals a trace (runtime steps, the first its initial state; with `refused`, the
    last is a refused step) meets."""
    covered: set[Goal] = set()
    for i, (_, _, _, s) in enumerate(steps[:-1] if refused else steps):
        successors, met = _successors(probe, s)
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if nxt is not None:
            for a, names, args, t, goals in successors:
                if a == nxt[0] and args == nxt[2] and t == nxt[3]:
                    covered.update(goals)
                    break
        for goal, where in met.items():
            for act, pid, binds in where:
                site = probe.sites[pid]
                if nxt is not None and _rank(probe, site, binds, act, (nxt[0], nxt[1], nxt[2])) is not None:
                    covered.add(goal)
                    break
                if not _refusable(probe, site, act) and not any(
                        _rank(probe, site, binds, act, (b, n, x)) is not None for b, n, x, _, _ in successors):
                    covered.add(goal)   # no step from here takes this input: reaching it is all there is
                    break
    return covered


# ---------------------------------------------------------------- the suite

def criteria_suite(compiled: CompiledSpec, criteria: Iterable[str], max_states: int = 1_000_000,
                   limit: Optional[int] = None) -> tuple[list[SuiteTrace], CriteriaCoverage]:
    criteria = tuple(dict.fromkeys(criteria))
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown or not criteria:
        raise SpecError(f"--criteria {','.join(criteria)}: " + (f"no criterion {', '.join(unknown)}" if unknown
                        else "no criterion given"), hint="choose from " + ", ".join(CRITERIA))
    probed = build(compiled.checked, probes=True, passes=compiled.generated.options.passes)
    goals = _Goals(compiled, probed, criteria)
    probe = _Probe(goals, probed)
    g, step_first = _explore(probe, max_states)
    first: dict[Goal, tuple] = {}
    for goal, ctx in probe.first.items():
        first[goal] = ("state", *ctx)
    for goal, edge in step_first.items():
        first.setdefault(goal, ("step", *edge))
    cov = CriteriaCoverage({c: list(gs) for c, gs in goals.goals.items()}, set(first), states=len(g.states),
                           complete=g.complete)
    # Candidates: one trace per goal, a shortest path to where it is first met, plus its step.
    candidates: dict[tuple, tuple[list[tuple], bool]] = {}
    for goal, witness in sorted(first.items(), key=lambda e: e[0]):
        steps, refused = _witness_steps(probe, g, witness)
        key = tuple((a, args) for a, _, args, _ in steps) + (refused,)
        candidates.setdefault(key, (steps, refused))
    met = {key: _goals_of_path(probe, *candidates[key]) & cov.reached for key in candidates}
    uncovered = set(cov.reached)
    suite: list[SuiteTrace] = []
    while uncovered and (limit is None or len(suite) < limit):
        best = max(met, key=lambda k: (len(met[k] & uncovered), -len(k)), default=None)
        if best is None or not met[best] & uncovered:
            break
        new = met.pop(best) & uncovered
        uncovered -= new
        cov.covered |= new
        steps, refused = candidates[best]
        suite.append(SuiteTrace(trace_of(probe.model, steps), sorted(x.text for x in new)[:3]
                                + ([f"... and {len(new) - 3} more goals"] if len(new) > 3 else []),
                                refused=(len(steps) - 1,) if refused else ()))
    if "classes" in criteria and (limit is None or len(suite) < limit):
        # As the default suite does: an action never enabled within the constraint gets a
        # trace beyond it (its step is what an implementation must be tested on).
        taken = {g.text.split(" ", 1)[0] for g in cov.reached if g.criterion == "classes"}
        missing = set(compiled.model.action_names) - taken
        for trace, cls, states in beyond_constraint(compiled.model, missing) if missing else ():
            suite.append(trace)
            cov.covered.add(goals._add("classes", class_name(cls)))
            cov.goals["classes"] = list(goals.goals["classes"])
            cov.beyond[cls[0]] = states
    return suite, cov


def _witness_steps(probe: _Probe, g: _Graph, witness: tuple) -> tuple[list[tuple], bool]:
    """The runtime steps of a goal's candidate trace, and whether its last step is refused."""
    if witness[0] == "step":
        _, fp, a, names, args, t = witness
        return _path(g, fp) + [(a, names, args, t)], False
    _, fp, a, pid, binds = witness
    path = _path(g, fp)
    s = g.states[fp]
    successors, _ = _successors(probe, s)
    site = probe.sites[pid]
    ranked = [(r, i) for i, (b, n, x, _, _) in enumerate(successors)
              if (r := _rank(probe, site, binds, a, (b, n, x))) is not None]
    if ranked:
        b, n, x, t, _ = successors[min(ranked)[1]]
        return path + [(b, n, x, t)], False
    if _refusable(probe, site, a):
        # No step of the spec takes this message: an implementation given it must leave
        # everything the spec sees as it is (a stale Prepare is rejected, not promised).
        return path + [(a, site.binders, binds, s)], True
    return path, False
