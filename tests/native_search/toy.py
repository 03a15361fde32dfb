"""The Python twin of toy.c: the same model behind the explorer's Model protocol, so that
the native search can be compared with the Python explorer before any spec compiles to C."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

State = tuple[int, int, int]


@dataclass
class ToyCodec:
    @staticmethod
    def encode(s: State) -> bytes:
        return bytes(s)

    @staticmethod
    def decode(data: bytes) -> State:
        return tuple(data)


toy_codec = ToyCodec()


class ToyModel:
    action_names = ("IncA", "IncB", "IncC", "Swap", "Div")
    invariant_names = ("SumBelow", "BNotErr")
    property_names = ()

    def __init__(self, k: int = 12, inv_sum: int = 0, cmax: int = 255, err_c: int = 255, type_max: int = 255,
                 inv_err_b: int = 255, sym: int = 0):
        self.k, self.inv_sum, self.cmax, self.err_c = k, inv_sum, cmax, err_c
        self.type_max, self.inv_err_b, self.sym = type_max, inv_err_b, sym
        self.codec = toy_codec

    def init_states(self):
        for a in (0, 1):
            yield ("a",), (a,), (a, 0, 0)

    def actions(self):
        return [self._inc_a, self._inc_b, self._inc_c, self._swap, self._div]

    def _inc_a(self, s):
        if s[0] < self.k:
            yield (), (), (s[0] + 1, s[1], s[2])

    def _inc_b(self, s):
        for d in (1, 2):
            if s[1] + d <= self.k:
                yield ("d",), (d,), (s[0], s[1] + d, s[2])

    def _inc_c(self, s):
        if s[2] < self.k:
            yield (), (), (s[0], s[1], s[2] + 1)

    def _swap(self, s):
        if s[0] < s[1]:
            yield (), (), (s[1], s[0], s[2])

    def _div(self, s):
        a, b, c = s
        if c == self.err_c:
            raise ZeroDivisionError("division by zero")
        if c > a > 0:
            yield (), (), (a, b, c // a)

    def invariant(self, name: str):
        if name == "SumBelow":
            return lambda s: self.inv_sum == 0 or sum(s) < self.inv_sum
        return self._b_not_err

    def _b_not_err(self, s) -> bool:
        if s[1] == self.inv_err_b:
            raise KeyError("map outside its domain")
        return True

    def constraint(self):
        return None if self.cmax == 255 else (lambda s: s[0] <= self.cmax)

    def type_check(self, s) -> str | None:
        return None if s[1] <= self.type_max else f"b = {s[1]} is outside its type 0..{self.type_max}"

    def fingerprint(self, s) -> int:
        a, b, c = s
        return hash((min(a, b), max(a, b), c) if self.sym else s)

    def describe(self, s) -> dict[str, Any]:
        return {"a": s[0], "b": s[1], "c": s[2]}

    def describe_args(self, action: int, names, values) -> dict[str, Any]:
        return dict(zip(names, values))

    def explain_error(self, e: Exception) -> str:
        return str(e) if not isinstance(e, KeyError) else e.args[0]
