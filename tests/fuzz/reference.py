"""A second, naive explorer for the specs of specgen.py, and the comparison with ours.

It runs the reference meaning of a generated spec (Python closures written from the README,
not from our compiler) breadth-first, one state at a time, and records per BFS level which
kinds of event happen there. Our explorer may meet the events of one level in another order
(it deduplicates in batches and admits what it found before an error or a deadlock), so the
comparison is per level: our outcome must be one of the kinds of the first level that has an
event, with a trace of the matching length, and every step of our trace must be a step of the
reference model. A search that ends without event must agree on the number of distinct
states and on the depth.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from specgen import GenSpec, Undefined, Unknown


class NoOracle(Exception):
    """The reference cannot judge this spec (order-dependent meaning, too big)."""


@dataclass
class RefResult:
    complete: bool                  # explored everything, no event
    distinct: int
    depth: int
    # the first level with an event: {(kind, trace length)}; kind: violation, deadlock, error
    events: set[tuple[str, int]] = field(default_factory=set)


def _env(gs: GenSpec, state: tuple) -> dict:
    return {**gs.consts_env, **{v.name: x for v, x in zip(gs.vars, state)}}


def successors(gs: GenSpec, state: tuple) -> list[tuple[str, tuple]]:
    """(action name, successor) for every successor, stuttering ones included; raises
    Undefined when an action cannot be evaluated in this state."""
    env = _env(gs, state)
    out = []
    for a in gs.actions:
        domains = [list(dom(env)) for _, _, dom in a.params]
        for values in product(*domains):
            e2 = {**env, **{p: x for (p, _, _), x in zip(a.params, values)}}
            for _e, assigned in a.body(e2, {}):
                out.append((a.name, tuple(assigned.get(v.name, x) for v, x in zip(gs.vars, state))))
    return out


def _in_type(kind: str, x: Any, env: dict) -> bool:
    """Whether a value is in its variable's declared type (specgen.VARS: `x : 0..N`, ...):
    the reference's own reading of the types, to compare with our type violations."""
    small = range(0, 4)
    if kind == "int":  # x : 0..N and y : -3..3: by name, in _out_of_type
        return True
    if kind == "iset":
        return all(e in small for e in x)
    if kind == "seq":
        return len(x) <= 3 and all(e in small for e in x)
    if kind == "map":
        return all(k in env["Procs"] and v in small for k, v in x)
    if kind == "rec":
        return x[0] in small
    if kind == "proc":
        return x in env["Procs"]
    if kind == "msgset":
        return all(all(e in small for e in m[1:]) for m in x)
    return True


def _out_of_type(gs: GenSpec, state: tuple) -> bool:
    env = _env(gs, state)
    for v, x in zip(gs.vars, state):
        if v.name == "x" and not 0 <= x <= env["N"]:
            return True
        if v.name == "y" and not -3 <= x <= 3:
            return True
        if not _in_type(v.kind, x, env):
            return True
    return False


def _broken(gs: GenSpec, state: tuple) -> str | None:
    if _out_of_type(gs, state):
        return "type"
    env = _env(gs, state)
    for name, holds in gs.invariants:
        if not holds(env):
            return name
    return None


def _inside(gs: GenSpec, state: tuple) -> bool:
    return gs.constraint is None or bool(gs.constraint(_env(gs, state)))


def explore(gs: GenSpec, max_states: int) -> RefResult:
    """Raises NoOracle when the meaning is order-dependent or the space reaches max_states."""
    try:
        return _explore(gs, max_states)
    except Unknown as e:
        raise NoOracle(str(e)) from None
    except RecursionError:
        raise NoOracle("too deep for the reference") from None
    except MemoryError:
        raise NoOracle("too big for the reference") from None


def _explore(gs: GenSpec, max_states: int) -> RefResult:
    seen: set[tuple] = set()
    events: set[tuple[str, int]] = set()
    level: list[tuple] = []
    try:
        inits = [tuple(a[v.name] for v in gs.vars) for a in gs.init()]
    except Undefined:
        return RefResult(False, 0, 0, {("error", 0)})
    for s in inits:
        try:
            inside = _inside(gs, s)
            broken = _broken(gs, s)
        except Undefined:
            events.add(("error", 1))
            continue
        if broken is not None:
            events.add(("violation", 1))
        if inside and s not in seen:
            seen.add(s)
            level.append(s)
    if events:
        return RefResult(False, len(seen), 1 if seen else 0, events)
    depth = 1 if level else 0
    k = 1
    while level:
        if len(seen) >= max_states:
            raise NoOracle("too many states")
        nxt = []
        for s in level:
            try:
                succ = successors(gs, s)
            except Undefined:
                events.add(("error", k))
                continue
            if not succ and gs.check_deadlock:
                events.add(("deadlock", k))
            for _name, t in succ:
                if t == s:
                    continue
                try:
                    inside = _inside(gs, t)
                except Undefined:
                    events.add(("error", k))
                    continue
                if not inside or t not in seen:
                    try:
                        broken = _broken(gs, t)
                    except Undefined:
                        events.add(("error", k + 1))
                        continue
                    if broken is not None:
                        events.add(("violation", k + 1))
                if inside and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        if events:
            return RefResult(False, len(seen), depth, events)
        if nxt:
            depth += 1
        level = nxt
        k += 1
    return RefResult(True, len(seen), depth)


# ---------------------------------------------------------------- our results, read back

def _model_value(v: Any) -> str:
    """A model value's name: --json writes {"#model": name}, ITF files a string."""
    return v["#model"] if isinstance(v, dict) else str(v)


def from_itf(v: Any, kind: str) -> Any:
    if kind == "int":
        return int(v["#bigint"])
    if kind == "bool":
        return bool(v)
    if kind == "iset":
        return frozenset(int(x["#bigint"]) for x in v["#set"])
    if kind == "seq":
        return tuple(int(x["#bigint"]) for x in v)
    if kind == "map":
        return tuple(sorted((_model_value(k), int(x["#bigint"])) for k, x in v["#map"]))
    if kind == "rec":
        return (int(v["a"]["#bigint"]), bool(v["b"]))
    if kind == "proc":
        return _model_value(v)
    if kind == "msg":
        if v["kind"] == "a":
            return ("a", int(v["x"]["#bigint"]))
        return ("b", int(v["x"]["#bigint"]), int(v["y"]["#bigint"]))
    if kind == "msgset":
        return frozenset(from_itf(m, "msg") for m in v["#set"])
    raise AssertionError(kind)


def compare(gs: GenSpec, ref: RefResult, ours: dict) -> str | None:
    """None when our JSON result agrees with the reference, else what differs."""
    result = ours["result"]
    if result == "incomplete":
        return None  # a limit (time) stopped us first; nothing to compare
    if ref.complete:
        if result != "ok":
            return f"reference: ok with {ref.distinct} states; ours: {result} {ours.get('violation')}"
        if (ours["distinct_states"], ours["depth"]) != (ref.distinct, ref.depth):
            return (f"reference: {ref.distinct} states, depth {ref.depth}; "
                    f"ours: {ours['distinct_states']} states, depth {ours['depth']}")
        return None
    if result == "ok":
        return f"reference: {sorted(ref.events)}; ours: ok"
    v = ours["violation"]
    kind = {"invariant": "violation", "type": "violation", "deadlock": "deadlock", "error": "error"}[v["kind"]]
    length = len(v["trace"])
    allowed = {(k, n) for k, n in ref.events}
    if kind == "error":
        ok = any(k == "error" and length in (n, n + 1, 0) for k, n in allowed)
    else:
        ok = (kind, length) in allowed
    if not ok:
        return f"reference: {sorted(ref.events)}; ours: {kind} with a trace of {length} states ({v['name']})"
    return check_trace(gs, v)


def check_trace(gs: GenSpec, v: dict) -> str | None:
    """Every step of our trace must be a step of the reference model; a violated invariant
    must be false in the last state; a deadlocked state must have no successor."""
    steps = v["trace"]
    if not steps:
        return None
    try:
        states = [tuple(from_itf(step["state"][var.name], var.kind) for var in gs.vars) for step in steps]
    except (KeyError, TypeError, ValueError) as e:
        return f"trace not readable: {e!r}"
    try:
        inits = {tuple(a[var.name] for var in gs.vars) for a in gs.init()}
        if states[0] not in inits:
            return f"trace starts in {states[0]}, not an initial state of the reference"
        for i in range(1, len(states)):
            succ = successors(gs, states[i - 1])
            if (steps[i]["action"], states[i]) not in succ:
                return f"step {i} ({steps[i]['action']}) is not a step of the reference model"
        last = _env(gs, states[-1])
        if v["kind"] == "invariant":
            holds = dict(gs.invariants)[v["name"]]
            if holds(last):
                return f"invariant {v['name']} holds in the last state of our trace"
        if v["kind"] == "type" and not _out_of_type(gs, states[-1]):
            return "the last state of our type violation trace is within the types in the reference"
        if v["kind"] == "deadlock" and successors(gs, states[-1]):
            return "the last state of our deadlock trace has successors in the reference"
    except (Undefined, Unknown):
        return None  # an error on the way: the error outcome was checked above
    return None
