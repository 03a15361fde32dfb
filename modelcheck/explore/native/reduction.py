"""Partial-order reduction on the native backend: explore/por.py's tables (StubbornTables)
handed to the C search (por.c, por.h), and what it did read back as the Python search
reports it, so that `check --por` explores and reports the same on both backends.

The C search tells instances apart by their parameters' canonical bytes, and a pattern of
one action keyed by a parameter of another covers the instances whose parameter has the
same bytes. Bytes are equal exactly when values are for values of one kind; a spec whose
key relates parameters of different kinds (a parameter over records of one shape keying a
map that another action reads by a parameter over a union of record shapes, whose bytes
start with the shape) is left to the Python search (`native_problem`).
"""
from __future__ import annotations

from typing import Any

from ..por import EVERY_STEP, LEAVES, PROVISO, Related, StubbornTables, stubborn_tables


def native_problem(footprints) -> str | None:
    """Why the C search cannot reduce this spec as the Python search does, if it cannot."""
    params = [fp.param_kinds for fp in footprints.actions]
    tables = stubborn_tables(footprints, [])
    for a, relations in enumerate(tables.conflicting):  # the enablers are among them
        for r in relations:
            if r.source >= 0 and params[a][r.source] != params[r.other][r.target]:
                return (f"the native explorer does not do partial-order reduction (--por) where a parameter of "
                        f"{tables.names[a]} ({params[a][r.source].show()}) keys a parameter of another type in "
                        f"{tables.names[r.other]} ({params[r.other][r.target].show()})")
    return None


def use_reduction(ffi, lib, search, tables: StubbornTables) -> list[Any]:
    """Gives the tables to a search before it runs; returns the C arrays, which must live as
    long as the call (mcs_use_por copies them)."""
    n, checks = len(tables.arity), len(tables.repairers)
    breakers_start, enablers_start, conflicting_start = _starts(tables.breakers), _starts(tables.enablers), \
        _starts(tables.conflicting)
    arrays = [
        ffi.new("int[]", list(tables.arity) or [0]),
        ffi.new("uint8_t[]", [int(x) for x in tables.leaves] or [0]),
        ffi.new("uint8_t[]", [int(a in r) for r in tables.repairers for a in range(n)] or [0]),
        ffi.new("int[]", [b for found in tables.breakers for b in found] or [0]),
        ffi.new("int[]", breakers_start),
        ffi.new("int[]", _flat(tables.enablers) or [0]),
        ffi.new("int[]", enablers_start),
        ffi.new("int[]", _flat(tables.conflicting) or [0]),
        ffi.new("int[]", conflicting_start),
    ]
    c = ffi.new("mcs_por_tables *", {
        "action_count": n, "arity": arrays[0], "leaves": arrays[1], "check_count": checks, "repairs": arrays[2],
        "breakers": arrays[3], "breakers_start": arrays[4], "enablers": arrays[5], "enablers_start": arrays[6],
        "conflicting": arrays[7], "conflicting_start": arrays[8]})
    if lib.mcs_use_por(search, c) != 0:
        raise MemoryError("cannot start partial-order reduction in the native search")
    return [c, *arrays]


def reduction_counts(ffi, lib, search, tables: StubbornTables) -> tuple[int, dict[str, int]]:
    """(states expanded by an ample set, states expanded fully per reason) as por.py's
    Reduction counts them: reasons by count, then in the order they were first met."""
    n = len(tables.names)
    counts, first = ffi.new("uint64_t[]", n + 2), ffi.new("uint64_t[]", n + 2)
    lib.mcs_por_expanded_fully(search, counts, first)
    reasons = [LEAVES.format(name) for name in tables.names] + [EVERY_STEP, PROVISO]
    met = sorted((r for r in range(n + 2) if counts[r]), key=lambda r: (-counts[r], first[r]))
    return lib.mcs_por_reduced(search), {reasons[r]: counts[r] for r in met}


def _starts(lists) -> list[int]:
    starts = [0]
    for items in lists:
        starts.append(starts[-1] + len(items))
    return starts


def _flat(relations: tuple[tuple[Related, ...], ...]) -> list[int]:
    return [x for found in relations for r in found for x in (r.other, r.source, r.target)]
