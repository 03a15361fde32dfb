"""Sequential consistency as a satisfiability problem for Z3, for histories the search
cannot finish (sequential.py calls it when its search stalls).

The encoding, over the operations that matter (model.effective_ops):

* a position `pos[o]` (an integer) for every operation, and `done[o]` (a Boolean) for one
  with an unknown outcome: whether it took effect;
* program order: each operation of a process after the one before it;
* the writes of a key at distinct positions, all positions from 0;
* reads-from: every read (a get that succeeded, a cas that succeeded or took effect) has a
  `source[r]`: the position of a write of its value on its key that took effect, or -1
  (the start) for the initial value. The source comes before the read, and every write of
  the key that took effect is at or before the source or after the read.

On a key that is appended to (strings), a value depends on the order. A value read is then
the text of a put or cas (or the initial value) followed by the texts of the appends after
it, in order: a *chain* of writes, each the source of the next and the last the read's
source. `_chains` lists the ways the value can be cut into such a chain (Porcupine's
appends, "x 3 16 y", give one); the read must follow one of them: each append in it has
its predecessor as source (an append has a source too, with no write of the key between).
A value with more than PARSES ways is left to Z3's strings for the whole key: each write w
has `value[w]`, what it leaves (for an append, its source's value followed by its text),
and each operation the value before it, which a get must have read and a cas expected.

Positions may tie where nothing orders two operations; an order sorted by position is a
sequentially consistent order, and it is replayed (witness.legal) before it is believed.
`unsat` proves that no order exists.

Size: two variables per operation and a constraint per (read, write of its key):
quadratic in one key's operations.
"""
from __future__ import annotations

import time

from .format import Op
from .model import effective_ops, read_value, written
from .result import Deadline, OutOfTime
from .witness import legal

PARSES = 64


def sequential_order(ops: list[Op], deadline: Deadline, parses: int = PARSES) -> list[Op] | None:
    """A sequentially consistent order of the operations (left-out unknown outcomes not in
    it), or None if there is none. Raises OutOfTime if Z3 does not decide within the
    deadline. `parses`: the most chains a value read from an appended key may have before
    the key is encoded with strings (0: always strings)."""
    import z3  # only here: it takes a while to import

    ops = effective_ops(ops)
    solver = z3.Solver()
    pos = {op.id: z3.Int(f"pos{op.id}") for op in ops}
    done = {op.id: z3.BoolVal(True) if op.status == "ok" else z3.Bool(f"done{op.id}") for op in ops}
    lanes: dict[int, list[Op]] = {}
    for op in sorted(ops, key=lambda op: op.invoke):
        lanes.setdefault(op.process, []).append(op)
    for lane in lanes.values():
        for a, b in zip(lane, lane[1:]):
            solver.add(pos[a.id] < pos[b.id])
    writes: dict[str, list[Op]] = {}
    for op in ops:
        if op.writes:
            writes.setdefault(op.key, []).append(op)
    for key_writes in writes.values():
        if len(key_writes) > 1:
            solver.add(z3.Distinct([pos[w.id] for w in key_writes]))
    for op in ops:
        solver.add(pos[op.id] >= 0)
    chains = {r.id: _chains(r, [w for w in writes.get(r.key, []) if w.id != r.id], parses)
              for r in ops if r.f in ("get", "cas")}
    as_strings = {r.key for r in ops if chains.get(r.id, ()) is None}
    in_chains = {w.id for found in chains.values() for chain in found or () for w in chain if w is not None}
    for r in ops:
        if r.f == "put":
            continue
        rivals = [w for w in writes.get(r.key, []) if w.id != r.id]
        source = z3.Int(f"source{r.id}")  # the position of the write r read from; -1: the start
        if r.key in as_strings:
            choices = _string_sources(z3, r, rivals, pos, done, source)
        elif r.f == "append":
            if r.id not in in_chains:
                continue  # no read saw it: where it goes matters only as a write between others
            choices = [z3.BoolVal(True)]  # its source is set by the chains it is in
        else:
            choices = [_follows(z3, chain, r, pos, done) for chain in chains[r.id]]
            # a write in every chain comes before r's source whichever holds: no constraint needed
            every = set.intersection(*({w.id for w in chain if w is not None} for chain in chains[r.id] or [()]))
            rivals = [w for w in rivals if w.id not in every]
        if not choices:
            solver.add(z3.Not(done[r.id]))
            continue
        solver.add(_when(z3, [r], done, z3.And(choices[0] if len(choices) == 1 else z3.Or(choices),
                                                source < pos[r.id])))
        for other in rivals:  # no write of the key between the source and the read
            solver.add(_when(z3, [r, other], done, z3.Or(pos[other.id] <= source, pos[other.id] > pos[r.id])))
    if deadline.at is not None:
        remaining = deadline.at - time.perf_counter()
        if remaining <= 0:
            raise OutOfTime()
        solver.set("timeout", max(1, int(remaining * 1000)))
    answer = solver.check()
    if answer == z3.unsat:
        return None
    if answer != z3.sat:
        raise OutOfTime()
    model = solver.model()
    placed = [op for op in ops if z3.is_true(model.eval(done[op.id], model_completion=True))]
    order = sorted(placed, key=lambda op: (model.eval(pos[op.id], model_completion=True).as_long(), op.invoke))
    if not legal(order):
        raise AssertionError("Z3's order of the history is not legal: the encoding is wrong")
    return order


def _when(z3, ops: list[Op], done: dict, fact):
    """`fact`, if the operations took effect (those that completed ok did: no condition, so
    that the thousands of constraints of a long history stay small to build)."""
    unknown = [done[op.id] for op in ops if op.status != "ok"]
    return z3.Implies(z3.And(unknown), fact) if unknown else fact


def _chains(r: Op, writes: list[Op], limit: int) -> list[tuple[Op | None, ...]] | None:
    """The chains of writes that can have left the value r saw (a get's result, a cas's
    expected value): a put or cas of a prefix of it (None: the initial value), then distinct
    appends whose texts make up the rest. None if there are more than `limit`."""
    value = read_value(r)
    bases = [(None, r.initial)] + [(w, written(w)) for w in writes if w.f != "append"]
    if not isinstance(value, str):  # no appends on this key: the value itself was written
        return [(w,) for w, text in bases if text == value]
    appends: dict[str, list[Op]] = {}
    for w in writes:
        if w.f == "append":
            appends.setdefault(w.arg, []).append(w)
    lengths = sorted({len(text) for text in appends})
    found: list[tuple[Op | None, ...]] = []

    def extend(chain: list, at: int) -> None:
        if at == len(value):
            found.append(tuple(chain))  # and more appends of "" may follow
        for length in lengths:
            for a in appends.get(value[at:at + length], ()) if at + length <= len(value) else ():
                if len(found) <= limit and all(a is not c for c in chain):
                    chain.append(a)
                    extend(chain, at + length)
                    chain.pop()

    for base, text in bases:
        if isinstance(text, str) and value.startswith(text) and len(found) <= limit:
            extend([base], len(text))
    return found if len(found) <= limit else None


def _follows(z3, chain: tuple[Op | None, ...], r: Op, pos: dict, done: dict):
    """r read the value `chain` left: every write in it took effect and is the source of
    the next (the last of r)."""
    links = [z3.Int(f"source{b.id}") == (pos[a.id] if a is not None else -1)
             for a, b in zip(chain, chain[1:] + (r,))]
    unknown = [done[w.id] for w in chain if w is not None and w.status != "ok"]
    return z3.And(unknown + links) if len(unknown) + len(links) > 1 else links[0]


def _string_sources(z3, r: Op, rivals: list[Op], pos: dict, done: dict, source) -> list:
    """On an appended key: the ways r can have seen the value before it (each a source and
    the value it left), with r's own effect on its string variables."""
    before = z3.String(f"before{r.id}")
    if r.f == "get":
        seen = r.result
    elif r.f == "cas":
        seen = r.arg[0]
    else:
        seen = None  # an append looks at any value
    choices = [z3.And(done[w.id], source == pos[w.id], before == _value(z3, w))
               for w in rivals if seen is None or _can_leave(w, seen)]
    if seen is None or seen == r.initial:
        choices.append(z3.And(source == -1, before == z3.StringVal(r.initial)))
    if seen is not None:
        choices = [z3.And(c, before == z3.StringVal(seen)) for c in choices]
    if r.f == "append":
        choices = [z3.And(c, _value(z3, r) == z3.Concat(before, z3.StringVal(r.arg))) for c in choices]
    return choices


def _value(z3, w: Op):
    """The value w leaves in its register: known for a put or cas, a variable for an append."""
    return z3.String(f"value{w.id}") if w.f == "append" else z3.StringVal(written(w))


def _can_leave(w: Op, value: str) -> bool:
    return value.endswith(w.arg) if w.f == "append" else written(w) == value
