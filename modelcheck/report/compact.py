"""ITF values as short text for pictures: one line per change, messages by their tag.

Pictures have less room than the text report, so a record with a string field (a message's
type) is written as a constructor, `1b(acc: a1, bal: 0, mbal: -1, mval: None)`, or, when the
spec declares which fields name a message's sender and receiver (`chart msgs from acc to
dest`), as `RequestVoteRequest s1→s2 (mterm: 2, ...)`. Changes are listed per map key, per
record field and per set element, so a step that touches one entry of a big map shows one
short line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..explore.result import TraceStep
from ..values import ModelValue, show


@dataclass(frozen=True)
class MessageFields:
    """Which variable holds the messages and which record fields name their sender and
    receiver: what a spec's `chart VAR from FIELD to FIELD` declaration says."""
    var: str
    sender: str | None = None
    receiver: str | None = None


def compact(v: Any, fields: MessageFields | None = None) -> str:
    return show(v, lambda r: record(r, fields))


def tag_key(r: dict) -> str | None:
    """The first string-valued field of a record: the message type, by convention."""
    return next((k for k, x in r.items() if isinstance(x, str) and not isinstance(x, ModelValue)), None)


def record(r: dict, fields: MessageFields | None = None, endpoints: bool = True) -> str:
    key = tag_key(r)
    tag = r[key] if key is not None else None
    rest = {k: x for k, x in r.items() if k != key}
    head = tag or ""
    if fields and fields.sender in r and fields.receiver in r:
        if endpoints:
            head += f" {compact(r[fields.sender])}→{compact(r[fields.receiver])}"
        rest = {k: x for k, x in rest.items() if k not in (fields.sender, fields.receiver)}
        body = ", ".join(f"{k}: {compact(x, fields)}" for k, x in rest.items())
        return f"{head} ({body})" if body else head
    body = ", ".join(f"{k}: {compact(x, fields)}" for k, x in rest.items())
    return f"{head}({body})" if tag is not None else "{" + body + "}"


def call(action: str, args: dict[str, Any], fields: MessageFields | None = None,
         text: Callable[[Any], str] | None = None) -> str:
    """An action and its arguments; `text` writes the values (default: compact, for pictures)."""
    text = text or (lambda x: compact(x, fields))
    return f"{action}(" + ", ".join(f"{k} = {text(x)}" for k, x in args.items()) + ")"


def state_lines(step: TraceStep, previous: TraceStep | None, fields: MessageFields | None = None,
                text: Callable[[Any], str] | None = None) -> list[str]:
    """What a trace shows of one state: every variable of the first state, what the step
    changed in the others; then the spec's aliases (computed columns) the same way. `text`
    writes the values, as for changes."""
    write = text or (lambda x: compact(x, fields))
    if previous is None:
        return ([f"{name} = {write(value)}" for name, value in step.state.items()]
                + [f"alias {name} = {write(value)}" for name, value in step.aliases.items()])
    return ([line for name, value in step.state.items()
             for line in changes(name, previous.state[name], value, fields, text)]
            + [line for name, value in step.aliases.items()
               for line in changes(f"alias {name}", previous.aliases.get(name), value, fields, text)])


def changes(name: str, old: Any, new: Any, fields: MessageFields | None = None,
            text: Callable[[Any], str] | None = None) -> list[str]:
    """How a variable changed: one short line per changed entry. `text` writes the values:
    show for text reports (the spec's notation, as everywhere else), compact (the default)
    for pictures, which have less room."""
    if old == new:
        return []
    text = text or (lambda x: compact(x, fields))
    bag = fields is not None and name == fields.var
    if isinstance(old, dict) and isinstance(new, dict):
        if "#set" in old and "#set" in new:
            added = [x for x in new["#set"] if x not in old["#set"]]
            removed = [x for x in old["#set"] if x not in new["#set"]]
            return [f"{name} + {text(x)}" for x in added] + [f"{name} − {text(x)}" for x in removed]
        if "#map" in old and "#map" in new:
            return _map_changes(name, old["#map"], new["#map"], fields, bag, text)
        if not any(k.startswith("#") for k in (*old, *new)) and old.keys() == new.keys():
            return [line for k in new for line in changes(f"{name}.{k}", old[k], new[k], fields, text)]
    if isinstance(old, list) and isinstance(new, list) and len(new) > len(old) and new[:len(old)] == old:
        return [f"{name} ++ {text(new[len(old):])}"]
    return [f"{name}: {text(old)} → {text(new)}"]


def _map_changes(name: str, old: list, new: list, fields, bag: bool, text: Callable[[Any], str]) -> list[str]:
    before = [(k, x) for k, x in old]
    after = [(k, x) for k, x in new]
    keys_before = [k for k, _ in before]
    keys_after = [k for k, _ in after]
    lines = []
    for k, x in after:
        if k in keys_before:
            y = before[keys_before.index(k)][1]
            if bag and y != x:
                lines.append(f"{name}: {text(k)} ×{text(y)} → ×{text(x)}")
            else:
                lines += changes(f"{name}[{text(k)}]", y, x, fields, text)
        elif bag:
            count = text(x)
            lines.append(f"{name} + {text(k)}" + ("" if count == "1" else f" ×{count}"))
        else:
            lines.append(f"{name}[{text(k)}] = {text(x)}  (new key)")
    for k, x in before:
        if k not in keys_after:
            lines.append(f"{name} − {text(k)}" if bag else f"{name}[{text(k)}] removed")
    return lines


def wrap(text: str, width: int = 60, max_lines: int = 4) -> list[str]:
    """Break a line after ", " (or anywhere, if it must) so that no piece is wider than width."""
    if len(text) <= width:
        return [text]
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines:
        if len(rest) <= width:
            lines.append(rest)
            rest = ""
            break
        cut = rest.rfind(", ", 0, width - 1)
        if cut > width // 3:
            cut += 2
        else:
            cut = rest.rfind(" ", 0, width)
            cut = cut + 1 if cut > width // 3 else width
        lines.append(rest[:cut].rstrip())
        rest = "    " + rest[cut:].lstrip()
    if rest:
        lines[-1] = lines[-1][:max(0, width - 1)] + "…"
    return lines
