"""Differential checking of a spec compiled to C against the Python backend, state by
state, through the native library's mc_model.h functions (no search engine needed)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from modelcheck.compile.build import CompiledSpec
from modelcheck.compile.native import NativeSpec

MC_OK, MC_ERROR, MC_STOPPED = 0, -1, -2


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


def compare(compiled: CompiledSpec, native: NativeSpec, max_states: int = 3000) -> Report:
    """BFS over the Python backend's model; at every state reached (up to max_states), the
    native library must agree on everything. Raises AssertionError naming what differs."""
    model, codec, c = compiled.model, native.codec, Native(native)
    py_inits = [s for _, _, s in model.init_states()]
    c_inits = [codec.decode(b) for b in c.init()]
    assert Counter(c_inits) == Counter(py_inits), "initial states differ"
    report = Report()
    seen = set(py_inits)
    queue = list(dict.fromkeys(py_inits))
    constraint = model.constraint()
    type_check = getattr(model, "type_check", None)
    while queue and report.states < max_states:
        s = queue.pop(0)
        report.states += 1
        data = codec.encode(s)
        assert codec.decode(data) == s, f"decode(encode(s)) != s for {s}"
        _agree_on_checks(compiled, c, s, data, constraint, type_check)
        if constraint is not None and not constraint(s):
            continue
        py = python_successors(compiled, s)
        native_found = c.successors(data)
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


def _agree_on_checks(compiled, c: Native, s, data: bytes, constraint, type_check) -> None:
    model = compiled.model
    for k, name in enumerate(model.invariant_names):
        assert c.invariant(k, data) == bool(model.invariant(name)(s)), f"invariant {name} differs in {s}"
    if constraint is not None:
        assert c.constraint(data) == bool(constraint(s)), f"the constraint differs in {s}"
    if type_check is not None:
        assert (c.type_check(data) == -1) == (type_check(s) is None), f"the type check differs in {s}"
    else:
        assert c.type_check(data) == -1, f"the native type check fails in {s}"
