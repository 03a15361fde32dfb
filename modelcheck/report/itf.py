"""Traces as ITF, the Informal Trace Format of Apalache and Quint (`.itf.json`).

    https://apalache-mc.org/docs/adr/015adr-trace.html

A trace is one JSON object: `#meta` (free-form; ours says where the trace comes from, the
constants and which strings are model values), `params` (always empty: our traces have no
parameters), `vars` and `states`. Each state maps every variable to its value and has a
`#meta` with its index. As Quint does for model-based testing, each state also records the
step that produced it: `mbt::actionTaken` (the action's name; "init" for the first state) and
`mbt::nondetPicks` (a record of every argument name used in the trace: {"tag": "Some",
"value": v} for the arguments of this step, {"tag": "None", "value": {"#tup": []}} for the
others), so that Quint-style test drivers can replay our traces against an implementation.

A lasso (a counterexample to a temporal property) has ITF's `loop`: the index of the state
that starts the loop, which ends in the last state (the last state's successor is
states[loop]; loop = the last index when the last state stutters for ever). Our `#meta`
also names the step that goes back, as `loopStep` {"action", "args"}.

Values are written canonically (itfvalue.canonical): ints always as #bigint, set elements and
map entries sorted. Both functions are pure: no file I/O.
"""
from __future__ import annotations

import json
from typing import Any

from ..explore.result import Trace, TraceStep
from ..itfvalue import canonical, mark_model_values, model_values_in
from ..values import ModelValue, angle_brackets

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
ACTION_TAKEN = "mbt::actionTaken"
NONDET_PICKS = "mbt::nondetPicks"
INIT_ACTION = "init"
NONE = {"tag": "None", "value": {"#tup": []}}


class ItfError(ValueError):
    """A JSON document that is not an ITF trace (or not one we can read)."""


def trace_to_itf(trace: Trace, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The trace as an ITF object; `meta` (e.g. source, description, constants) goes into
    `#meta` next to the format fields and the list of model values."""
    variables = list(trace.steps[0].state) if trace.steps else []
    arg_names = sorted({name for step in trace.steps for name in step.args})
    found: set[str] = set()
    for step in trace.steps:
        for v in (*step.state.values(), *step.args.values()):
            model_values_in(v, found)
    for v in (meta or {}).get("constants", {}).values():
        model_values_in(v, found)
    head = {"format": "ITF", "format-description": FORMAT_DESCRIPTION, **(meta or {}),
            "modelValues": sorted(found)}
    if "constants" in head:
        head["constants"] = {k: canonical(v) for k, v in head["constants"].items()}
    states = []
    for i, step in enumerate(trace.steps):
        state: dict[str, Any] = {"#meta": {"index": i}}
        if step.aliases:  # computed columns for readers (not variables: replay ignores them)
            state["#meta"]["aliases"] = {name: canonical(v) for name, v in step.aliases.items()}
        state.update((name, canonical(step.state[name])) for name in variables)
        state[ACTION_TAKEN] = INIT_ACTION if step.action is None else step.action
        picks = {name: {"tag": "Some", "value": canonical(v)} for name, v in step.args.items()}
        picks.update((name, NONE) for name in arg_names if name not in picks)
        state[NONDET_PICKS] = picks
        states.append(state)
    if trace.loop is not None and trace.back is not None:
        head["loopStep"] = {"action": trace.back.action,
                            "args": {k: canonical(v) for k, v in trace.back.args.items()}}
    out = {"#meta": head, "params": [], "vars": variables + [ACTION_TAKEN, NONDET_PICKS], "states": states}
    if trace.loop is not None:
        out["loop"] = trace.loop
    return out


def itf_text(itf: dict[str, Any]) -> str:
    """ITF as JSON text with one state per line: compact, yet readable and diffable."""
    lines = ["{"]
    for key in [k for k in itf if k != "states"]:
        lines.append(f" {json.dumps(key)}: {json.dumps(itf[key], ensure_ascii=False)},")
    states = itf.get("states", [])
    lines.append(' "states": [')
    lines += [f"  {json.dumps(st, ensure_ascii=False)}" + ("," if i < len(states) - 1 else "")
              for i, st in enumerate(states)]
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def itf_to_trace(itf: Any) -> Trace:
    """An ITF object (ours, Quint's or Apalache's) as a Trace with canonical values.
    Without `mbt::actionTaken` a step's action is "" (unknown: replay tries every action)
    and its arguments are empty. Raises ItfError for what is not an ITF trace."""
    if not isinstance(itf, dict) or not isinstance(itf.get("states"), list):
        raise ItfError("not an ITF trace: expected a JSON object with a list 'states'")
    meta = itf.get("#meta") if isinstance(itf.get("#meta"), dict) else {}
    names = meta.get("modelValues", ())
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)) and names != ():
        raise ItfError("not an ITF trace: '#meta'.'modelValues' must be a list of names")
    names = frozenset(names)
    declared = itf.get("vars")
    if declared is not None and not (isinstance(declared, list) and all(isinstance(v, str) for v in declared)):
        raise ItfError("not an ITF trace: 'vars' must be a list of variable names")
    params = itf.get("params") or []
    if not (isinstance(params, list) and all(isinstance(n, str) for n in params)):
        raise ItfError("not an ITF trace: 'params' must be a list of names")
    params = set(params)
    steps = []
    for i, state in enumerate(itf["states"]):
        if not isinstance(state, dict):
            raise ItfError(f"state {i}: expected a JSON object")
        variables = [v for v in (declared if declared is not None else state)
                     if v != "#meta" and not v.startswith("mbt::") and v not in params]
        missing = [v for v in variables if v not in state]
        if missing:
            raise ItfError(f"state {i}: no value for variable {', '.join(missing)}")
        values = {v: mark_model_values(canonical(_checked(state[v], f"state {i}, {v}")), names)
                  for v in variables}
        action, args = _step_of(state, i, names)
        steps.append(TraceStep(action, args, values, _aliases_of(state, i, names)))
    return Trace(tuple(steps), loop=itf_loop(itf), back=_back_of(meta, names))


def _back_of(meta: dict, names: frozenset[str]) -> TraceStep | None:
    """Our `#meta`.`loopStep`: the action and arguments of the step back to the loop."""
    step = meta.get("loopStep")
    if step is None:
        return None
    if not (isinstance(step, dict) and isinstance(step.get("action"), str) and isinstance(step.get("args", {}), dict)):
        raise ItfError("'#meta'.'loopStep' must be a record with a string 'action' and a record 'args'")
    args = {k: mark_model_values(canonical(_checked(v, f"loopStep, {k}")), names) for k, v in step.get("args", {}).items()}
    return TraceStep(step["action"], args, {})


def _aliases_of(state: dict, i: int, names: frozenset[str]) -> dict[str, Any]:
    """The aliases our writer keeps in a state's #meta; other writers' #meta is free-form."""
    meta = state.get("#meta")
    aliases = meta.get("aliases") if isinstance(meta, dict) else None
    if not isinstance(aliases, dict):
        return {}
    return {name: mark_model_values(canonical(_checked(v, f"state {i}, alias {name}")), names)
            for name, v in aliases.items()}


def itf_loop(itf: dict) -> int | None:
    """The lasso of an ITF trace: the index of the state its last state returns to (the
    `loop` field, as Apalache writes it), or None for a finite trace."""
    loop = itf.get("loop")
    if loop is None:
        return None
    states = itf.get("states") or []
    if not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(states):
        raise ItfError(f"'loop' must be the index of one of the {len(states)} states (0 to {len(states) - 1}), "
                       f"got {json.dumps(loop)}")
    return loop


def _step_of(state: dict, i: int, names: frozenset[str]) -> tuple[str | None, dict[str, Any]]:
    taken = state.get(ACTION_TAKEN, "")
    if not isinstance(taken, str):
        raise ItfError(f"state {i}: {ACTION_TAKEN} must be a string")
    action = None if i == 0 else taken  # the first state is the initial one, whatever its name
    picks = state.get(NONDET_PICKS) or {}
    if not isinstance(picks, dict):
        raise ItfError(f"state {i}: {NONDET_PICKS} must be a record")
    args = {}
    for name, pick in picks.items():
        if isinstance(pick, dict) and pick.get("tag") == "Some" and "value" in pick:
            args[name] = mark_model_values(canonical(_checked(pick["value"], f"state {i}, {name}")), names)
        elif not (isinstance(pick, dict) and pick.get("tag") == "None"):
            raise ItfError(f"state {i}: {NONDET_PICKS}.{name} must be {{\"tag\": \"Some\" | \"None\", \"value\": ...}}")
    return action, args


def _checked(v: Any, where: str) -> Any:
    """v, if it is an ITF value; else an ItfError naming where it is."""
    if isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        raise ItfError(f"{where}: {v} is not an integer (ITF writes numbers as {{\"#bigint\": \"...\"}})")
    if isinstance(v, list):
        for x in v:
            _checked(x, where)
        return v
    if isinstance(v, dict):
        if "#bigint" in v:
            try:
                int(v["#bigint"])
            except (TypeError, ValueError):
                raise ItfError(f"{where}: bad #bigint {v['#bigint']!r}") from None
            return v
        for key in ("#set", "#tup"):
            if key in v:
                if not isinstance(v[key], list):
                    raise ItfError(f"{where}: {key} must hold a list")
                for x in v[key]:
                    _checked(x, where)
                return v
        if "#map" in v:
            if not isinstance(v["#map"], list) or not all(isinstance(e, list) and len(e) == 2 for e in v["#map"]):
                raise ItfError(f"{where}: #map must hold a list of [key, value] pairs")
            for k, x in v["#map"]:
                _checked(k, where)
                _checked(x, where)
            return v
        for x in v.values():
            _checked(x, where)
        return v
    raise ItfError(f"{where}: {v!r} is not an ITF value")


def itf_to_expression(v: Any) -> str:
    """A spec-language expression with the value v (for --const NAME=VALUE), e.g. {a1, a2}.
    Model values are written bare; maps are built with put()."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, ModelValue):
        return str(v)
    if isinstance(v, str):
        if '"' in v or "\n" in v:
            raise ItfError(f"the string {v!r} cannot be written in the spec language")
        return f'"{v}"'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return angle_brackets([itf_to_expression(x) for x in v])
    if isinstance(v, dict):
        if "#bigint" in v:
            return str(int(v["#bigint"]))
        if "#set" in v:
            return "{" + ", ".join(itf_to_expression(x) for x in v["#set"]) + "}"
        if "#tup" in v:
            return angle_brackets([itf_to_expression(x) for x in v["#tup"]])
        if "#map" in v:
            out = "[x in {} -> 0]"
            for k, x in v["#map"]:
                out = f"put({out}, {itf_to_expression(k)}, {itf_to_expression(x)})"
            return out
        if "#unserializable" in v:
            raise ItfError(f"an unserializable value ({v['#unserializable']}) cannot be a constant")
        return "{" + ", ".join(f"{k}: {itf_to_expression(x)}" for k, x in v.items()) + "}"
    raise ItfError(f"{v!r} is not an ITF value")
