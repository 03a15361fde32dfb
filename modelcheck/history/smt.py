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

Positions may tie where nothing orders two operations; an order sorted by position is a
sequentially consistent order, and it is replayed (witness.legal) before it is believed.
`unsat` proves that no order exists. Keys with appends are not encoded (an append's value
depends on the order; the search handles them): `encodable` says so.

Size: two variables per operation and a constraint per (read, write of its key):
quadratic in one key's operations.
"""
from __future__ import annotations

import time

from .format import Op
from .model import appended_keys, effective_ops, read_value, written
from .result import Deadline, OutOfTime
from .witness import legal


def encodable(ops: list[Op]) -> bool:
    return not appended_keys(ops)


def sequential_order(ops: list[Op], deadline: Deadline) -> list[Op] | None:
    """A sequentially consistent order of the operations (left-out unknown outcomes not in
    it), or None if there is none. Raises OutOfTime if Z3 does not decide within the
    deadline."""
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
    for r in ops:
        if r.f == "put":
            continue
        value, rivals = read_value(r), [w for w in writes.get(r.key, []) if w.id != r.id]
        source = z3.Int(f"source{r.id}")  # the position of the write r read from; -1: the start
        choices = [z3.And(done[w.id], source == pos[w.id]) for w in rivals if written(w) == value]
        if value == r.initial:
            choices.append(source == -1)
        if not choices:
            solver.add(z3.Not(done[r.id]))
            continue
        solver.add(z3.Implies(done[r.id], z3.And(z3.Or(choices), source < pos[r.id])))
        for other in rivals:  # no write of the key between the source and the read
            solver.add(z3.Implies(z3.And(done[r.id], done[other.id]),
                                  z3.Or(pos[other.id] <= source, pos[other.id] > pos[r.id])))
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
