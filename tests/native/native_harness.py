"""Differential checking of a spec compiled to C against the Python backend, state by
state, through the native library's mc_model.h functions (no search engine needed)."""
from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelcheck.compile.build import CompiledSpec
from modelcheck.compile.native import NativeSpec, native_problem
from modelcheck.values import EvalError

PROBLEM = native_problem()
needs_native = pytest.mark.skipif(PROBLEM is not None, reason=f"no native builds here: {PROBLEM}")
# One build cache for the session's tests, removed at exit (a fixture imported into each
# test module would do, but reads as an unused import).
CACHE = Path(tempfile.mkdtemp(prefix="modelcheck-native-tests-"))
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)

MC_ERROR = -1  # mc_model.h


class NativeError(Exception):
    """The C code returned MC_ERROR; str(e) is mc_error's message."""


class Native:
    """Calls into one native library with one context."""

    def __init__(self, native: NativeSpec):
        self.n = native
        self.ffi, self.lib = native.ffi, native.lib
        self.ctx = self.ffi.gc(self.lib.mc_ctx_new(), self.lib.mc_ctx_free)
        self._found: list[tuple[int, bytes]] = []

        @self.ffi.callback("int(void *, int, const uint8_t *, size_t)")
        def collect(user, action, state, length):
            self._found.append((action, bytes(self.ffi.buffer(state, length))))
            return 0
        self._collect = collect

    def _check(self, rc: int) -> int:
        if rc == MC_ERROR:
            raise NativeError(self.ffi.string(self.lib.mc_error(self.ctx)).decode())
        return rc

    def init(self) -> list[bytes]:
        self._found = []
        self._check(self.lib.mc_init(self.ctx, self._collect, self.ffi.NULL))
        return [s for _, s in self._found]

    def successors(self, state: bytes) -> list[tuple[int, bytes]]:
        self._found = []
        self._check(self.lib.mc_successors(self.ctx, state, len(state), self._collect, self.ffi.NULL))
        return self._found

    def invariant(self, k: int, state: bytes) -> bool:
        return bool(self._check(self.lib.mc_invariant(self.ctx, k, state, len(state))))

    def constraint(self, state: bytes) -> bool:
        return bool(self._check(self.lib.mc_constraint(self.ctx, state, len(state))))

    def type_check(self, state: bytes) -> int:
        return self.lib.mc_type_check(self.ctx, state, len(state))

    def canonical(self, state: bytes) -> bytes:
        out = self.ffi.new("const uint8_t **")
        n = self.ffi.new("size_t *")
        self._check(self.lib.mc_canonical(self.ctx, state, len(state), out, n))
        return bytes(self.ffi.buffer(out[0], n[0]))


@dataclass
class Report:
    states: int = 0
    transitions: int = 0


def python_successors(compiled: CompiledSpec, state) -> list[tuple[int, tuple]]:
    return [(k, succ) for k, action in enumerate(compiled.model.actions()) for _, _, succ in action(state)]


EVAL_ERRORS = (EvalError, ArithmeticError, ValueError, TypeError, IndexError, RecursionError)


def _both_fail(python, native) -> tuple[bool, object, object]:
    """(failed, Python's answer, C's answer): a runtime error must be one in both."""
    try:
        py = python()
    except EVAL_ERRORS as e:
        with pytest.raises(NativeError):
            native()
        return True, e, None
    return False, py, native()


def compare(compiled: CompiledSpec, native: NativeSpec, max_states: int = 3000) -> Report:
    """BFS over the Python backend's model; at every state reached (up to max_states), the
    native library must agree on everything, runtime errors included (the search stops at
    one, so does this comparison). Raises AssertionError naming what differs."""
    model, codec, c = compiled.model, native.codec, Native(native)
    failed, py_inits, c_inits = _both_fail(lambda: [s for _, _, s in model.init_states()], c.init)
    report = Report()
    if failed:
        return report
    c_inits = [codec.decode(b) for b in c_inits]
    assert Counter(c_inits) == Counter(py_inits), "initial states differ"
    seen = set(py_inits)
    queue = list(dict.fromkeys(py_inits))
    constraint = model.constraint()
    type_check = getattr(model, "type_check", None)
    while queue and report.states < max_states:
        s = queue.pop(0)
        report.states += 1
        data = codec.encode(s)
        assert codec.decode(data) == s, f"decode(encode(s)) != s for {s}"
        if _agree_on_checks(compiled, c, s, data, constraint, type_check):
            break
        if constraint is not None and not constraint(s):
            continue
        failed, py, native_found = _both_fail(lambda: python_successors(compiled, s), lambda: c.successors(data))
        if failed:
            break
        for k in range(len(model.action_names)):
            want = Counter(codec.encode(t) for a, t in py if a == k)
            got = Counter(b for a, b in native_found if a == k)
            assert got == want, f"action {model.action_names[k]} differs in {s}"
        report.transitions += len(py)
        for _, t in py:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return report


def _agree_on_checks(compiled, c: Native, s, data: bytes, constraint, type_check) -> bool:
    """Whether a check failed with a runtime error (in both backends: else AssertionError)."""
    model = compiled.model
    if type_check is not None:
        outside, message = c.type_check(data), type_check(s)
        assert (outside == -1) == (message is None), f"the type check differs in {s}"
        if message is not None:  # the same variable: Python's message names it before "is outside"
            name = model.var_names[outside]
            assert re.search(rf"(^|\W){re.escape(name)}(\W|$)", message.split(" is outside")[0]), (name, message)
    else:
        assert c.type_check(data) == -1, f"the native type check fails in {s}"
    for k, name in enumerate(model.invariant_names):
        failed, py, native = _both_fail(lambda: model.invariant(name)(s), lambda: c.invariant(k, data))
        if failed:
            return True
        assert native == bool(py), f"invariant {name} differs in {s}"
    if constraint is not None:
        failed, py, native = _both_fail(lambda: constraint(s), lambda: c.constraint(data))
        if failed:
            return True
        assert native == bool(py), f"the constraint differs in {s}"
    return False


@dataclass
class Counts:
    distinct: int
    generated: int
    depth: int
    action_counts: dict[str, int]


def native_bfs(native: NativeSpec) -> Counts:
    """A breadth-first search driven from Python over the C code alone (its bytes, its
    constraint), counting as explore/bfs.py does: a successor outside the constraint is
    generated but not distinct, a step that changes nothing is no new state."""
    c = Native(native)
    names = [native.ffi.string(native.lib.mc_action_name(a)).decode() for a in range(native.lib.mc_action_count())]
    counts = dict.fromkeys(names, 0)
    inits = c.init()
    generated = len(inits)
    level = [s for s in dict.fromkeys(inits) if c.constraint(s)]
    seen, depth = set(level), 0
    while level:
        depth += 1
        following = []
        for s in level:
            for a, t in c.successors(s):
                generated += 1
                counts[names[a]] += 1
                if t != s and t not in seen and c.constraint(t):
                    seen.add(t)
                    following.append(t)
        level = following
    return Counts(len(seen), generated, depth, counts)
