"""The init block and actions lowered to Python generator functions.

`StmtLowering.init(d)` and `.action(d)` return the lines of `init_states()` and `A_<name>(st)`,
generators yielding (arg names, arg values, state) per step. Statements become nested
blocks: a require a `continue`/`return`, a pick a loop, an if or either one-shot loops per
branch; the context of each statement (variables assigned so far, names bound, indentation,
lets not yet computed, branches taken) is the explicit `Block` passed down. With probes the
actions report their decisions, comparisons and branches (ProbeSite) for coverage measurement.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from ..lang import ast as A
from ..lang.kinds import BoolK, IntK
from . import optimise
from .analysis import operands
from .lower_expr import Ctx, ExprLowering


@dataclass(frozen=True)
class ProbeSite:
    """A place in an action where a module generated with probes reports what it computed
    (conform/criteria.py turns these into coverage goals). The generated code calls
      PR(pid, value, binds)        a decision (a require, pick or if condition, or a boolean
                                   let) or an operand of an and/or chain in one: its value
      CMP(pid, left, right, binds) an integer comparison: the sign of left - right (the
                                   comparison is then done on the sign)
      BR(pids)                     just before yielding a step: the if/either branches it took
    `binds` are the values of the parameters and picks in scope, in the order of `binders`."""
    pid: int
    kind: str                      # "decision", "operand", "compare", "branch"
    action: str
    node: object                   # the A.Expr (decision, operand, comparison) or A.If / A.Either
    binders: tuple[str, ...] = ()  # spec names of the parameters and picks in scope
    chain: str = ""                # operand: "and" / "or"
    index: int = 0                 # operand: its position in the chain; branch: which branch (0: then)
    last: bool = False             # operand: the chain's last one
    decision: int = -1             # operand, comparison: the pid of the decision it is part of


Binders = tuple[tuple[str, str], ...]   # (spec name, Python name) of the parameters and picks in scope


@dataclass(frozen=True)
class Block:
    """Where a statement is being lowered."""
    ctx: Ctx                                   # for its expressions (an action's prologue)
    action: str | None                         # the action (None: the init block)
    binders: Binders = ()
    indent: int = 1
    loops: int = 0                             # enclosing loops: a failed require continues the innermost
    assigned: Mapping[str, str] = field(default_factory=dict)   # variable -> name of its new value
    lets: tuple[A.LetStmt, ...] = ()           # lets not computed yet
    branch_path: tuple[int, ...] = ()          # probe ids of the branches enclosing the statement

    @property
    def pad(self) -> str:
        return "    " * self.indent

    @property
    def skip(self) -> str:
        return "continue" if self.loops else "return"

    def nested(self, **changes) -> Block:
        return replace(self, indent=self.indent + 1, loops=self.loops + 1, **changes)


class StmtLowering:
    def __init__(self, lowering: ExprLowering, probes: bool):
        self.x = lowering
        self.c = lowering.c
        self.probing = probes
        self.probe_sites: list[ProbeSite] = []
        self.deferred_lets: set[int] = set()  # ids of lets computed, if at all, inside later blocks

    def init(self, d: A.InitDecl) -> list[str]:
        lines = [f"def init_states():  # {where(d.span)} init",
                 "    st = None  # init reads no state; operators it calls take st all the same"]
        return lines + self._stmts(list(d.body), Block(Ctx(), None)) + [""]

    def action(self, d: A.ActionDecl) -> list[str]:
        ctx = Ctx(prologue={})
        head = [f"def A_{d.name}(st):  # {where(d.span)} action {d.name}", f"    {unpack(self.x.an.var_names)}"]
        lines = []
        params = [self.c.binder_names[id(b)] for b in d.params]
        if "guard-hoist" in self.x.passes:
            guards, body = optimise.hoisted_guards(self.x.an, d.params, d.body, params)
        else:
            guards, body = [[] for _ in range(len(params) + 1)], list(d.body)
        binders: Binders = ()
        for level, b in enumerate(d.params):
            if guards[level]:  # only if the loops below have something to loop over, as written
                rest = " and ".join(self.x.domain(p.domain, ctx) for p in d.params[level:])
                lines.append("    " * (level + 1) + f"if not ({rest}): {'continue' if level else 'return'}")
            lines += self._guard_lines(guards[level], Block(ctx, d.name, binders, level + 1, level))
            lines.append("    " * (level + 1) + f"for {params[level]} in {self.x.domain(b.domain, ctx)}:")
            binders += ((b.name, params[level]),)
        depth = len(d.params)
        block = Block(ctx, d.name, binders, depth + 1, depth)
        lines += self._guard_lines(guards[depth], block)
        lines += self._stmts(body, block)
        head += [f"    {name} = {code}" for code, name in ctx.prologue.items()]
        return head + lines + [""]

    def _guard_lines(self, requires: list[A.Require], block: Block) -> list[str]:
        return [block.pad + f"if not ({self._decision(r.cond, block)}): {block.skip}  # {where(r.span)}"
                for r in requires]

    # ------------------------------------------------------------ statements
    def _stmts(self, stmts: list, block: Block) -> list[str]:
        """Statements as nested Python blocks. A `let` is computed just before the first
        statement on the path that reads it, and not at all on a path that never does
        (TLA+'s LET)."""
        lines: list[str] = []
        while stmts and isinstance(stmts[0], (A.Require, A.LetStmt, A.Assign)):  # one line each, in a
            s, stmts = stmts[0], stmts[1:]                                          # loop: inits can be long
            if isinstance(s, A.LetStmt):
                block = replace(block, lets=block.lets + (s,))
                continue
            due, block = self._due_lets(read_by(s), block)
            lines += [block.pad + line for line in due]
            if isinstance(s, A.Require):
                lines.append(block.pad + f"if not ({self._decision(s.cond, block)}): {block.skip}  # {where(s.span)}")
            else:
                line, block = self._assign(s, block)
                lines.append(line)
        if not stmts:
            if self.probing and block.action:
                lines.append(block.pad + f"BR({block.branch_path!r})")
            return lines + [block.pad + self._yield(block)]
        due, block = self._due_lets(read_by(stmts[0]), block)
        # The lets left are computed inside the block, on the paths that read them, at most
        # once (either's branches and a pick's iterations would otherwise repeat them).
        lines += [block.pad + line for line in due]
        lines += [block.pad + f"{self.c.binder_names[id(let)]} = MISSING" for let in block.lets]
        self.deferred_lets.update(id(let) for let in block.lets)
        return lines + self._block_stmt(stmts[0], stmts[1:], block)

    def _due_lets(self, exprs: list[A.Expr], block: Block) -> tuple[list[str], Block]:
        """The lines computing the lets that `exprs` read (with the earlier lets those read),
        in their written order, and the block with the lets still not computed."""
        an = self.x.an
        due: list[A.LetStmt] = []
        for let in reversed(block.lets):
            py = {self.c.binder_names[id(let)]}
            if any(an.uses(x, py) for x in exprs) or any(an.uses(d.value, py) for d in due):
                due.insert(0, let)
        lines = []
        for d in due:
            py = self.c.binder_names[id(d)]
            first = f"if {py} is MISSING: " if id(d) in self.deferred_lets else ""
            boolean = self.probing and block.action and isinstance(self.x.kind(d.value), BoolK)
            value = self._decision(d.value, block) if boolean else self.x.ex(d.value, block.ctx)
            lines.append(f"{first}{py} = {value}  # {where(d.span)}")
        return lines, replace(block, lets=tuple(let for let in block.lets if not any(let is d for d in due)))

    def _block_stmt(self, s, rest: list, block: Block) -> list[str]:
        """A pick, if or either: a Python block holding the statements after it."""
        pad = block.pad
        if isinstance(s, A.Pick):
            py = self.c.binder_names[id(s.binder)]
            inner = block.nested(binders=block.binders + ((s.binder.name, py),))
            if self.probing and s.cond is not None:   # the whole condition, for every element
                domain = self.x.domain(s.binder.domain, block.ctx)
                residual = self._decision(s.cond, inner)
            else:
                domain, residual = self.x.selective(s.binder, s.cond, block.ctx)
            lines = [pad + f"for {py} in {domain}:  # {where(s.span)} pick"]
            if residual:
                lines.append(pad + f"    if not ({residual}): continue")
            return lines + self._stmts(rest, inner)
        probing = self.probing and block.action
        if isinstance(s, A.If):
            lines = []
            cond = self.x.ex(s.cond, block.ctx)
            if probing:   # evaluated once, so that it is reported once
                name = f"c_{len(self.probe_sites)}"
                lines.append(pad + f"{name} = {self._decision(s.cond, block)}")
                cond = name
            for index, branch, test in ((0, s.then, cond), (1, s.orelse, f"not ({cond})")):
                path = self._branch_path(s, index, block) if probing else block.branch_path
                lines += [pad + f"if {test}:", pad + "    for _ in ONCE:"]
                inner = replace(block, indent=block.indent + 2, loops=block.loops + 1, branch_path=path)
                lines += self._stmts(list(branch) + rest, inner)
            return lines
        if isinstance(s, A.Either):
            lines = []
            for i, branch in enumerate(s.branches):
                path = self._branch_path(s, i, block) if probing else block.branch_path
                lines.append(pad + f"for _ in ONCE:  # {where(s.span)} either, branch {i + 1}")
                lines += self._stmts(list(branch) + rest, block.nested(branch_path=path))
            return lines
        raise AssertionError(f"unknown statement {s!r}")

    def _branch_path(self, s: A.If | A.Either, index: int, block: Block) -> tuple[int, ...]:
        """The branches taken inside branch `index` of s: a new probe site for it."""
        return block.branch_path + (self._site("branch", s, block, index=index),)

    def _assign(self, s: A.Assign, block: Block) -> tuple[str, Block]:
        current = block.assigned.get(s.target, f"V_{s.target}")
        value = self.x.update(current, self.c.var_kinds[s.target], s.path, self.x.ex(s.value, block.ctx), block.ctx)
        py = f"n_{s.target}_{block.indent}_{len(block.assigned)}"
        line = block.pad + f"{py} = {value}  # {where(s.span)}"
        return line, replace(block, assigned={**block.assigned, s.target: py})

    def _yield(self, block: Block) -> str:
        assigned = block.assigned
        values = "".join(f"{py}, " for _, py in block.binders)
        state = "(" + "".join(assigned.get(v, f"V_{v}") + ", " for v in self.x.an.var_names) + ")"
        if assigned and block.action:
            # A step that changes nothing yields st itself, which the explorer skips cheaply.
            same = " and ".join(f"{py} is V_{v}" for v, py in assigned.items())
            state = f"(st if {same} else {state})"
        names = self.x.tables.yield_name(tuple(n for n, _ in block.binders))
        return f"yield {names}, ({values}), {state}"

    # ------------------------------------------------------------ probes
    def _decision(self, cond: A.Expr, block: Block) -> str:
        """The code of a condition that decides what an action does; with probes, it reports
        its value, the value of each operand of its and/or chains, and the sign of each
        integer comparison in them."""
        if not (self.probing and block.action):
            return self.x.ex(cond, block.ctx)
        pid = self._site("decision", cond, block)
        return f"PR({pid}, {self._probed(cond, block, pid)}, {_binds(block.binders)})"

    def _site(self, kind: str, node, block: Block, **extra) -> int:
        pid = len(self.probe_sites)
        self.probe_sites.append(ProbeSite(pid, kind, block.action, node, tuple(n for n, _ in block.binders), **extra))
        return pid

    def _probed(self, e: A.Expr, block: Block, decision: int) -> str:
        """e's code with probes on the operands of its and/or chains and on its integer
        comparisons; other subexpressions (quantifiers, operators, lets) are single values."""
        binds = _binds(block.binders)
        if isinstance(e, A.Binary) and e.op in ("and", "or"):
            chain = operands(e, e.op)
            parts = []
            for i, x in enumerate(chain):
                pid = self._site("operand", x, block, chain=e.op, index=i, last=i == len(chain) - 1,
                                 decision=decision)
                parts.append(f"PR({pid}, {self._probed(x, block, decision)}, {binds})")
            return "(" + f" {e.op} ".join(parts) + ")"
        if isinstance(e, A.Unary) and e.op == "not":
            return f"(not {self._probed(e.operand, block, decision)})"
        if (isinstance(e, A.Binary) and e.op in ("==", "!=", "<", "<=", ">", ">=")
                and isinstance(self.x.kind(e.left), IntK) and isinstance(self.x.kind(e.right), IntK)):
            pid = self._site("compare", e, block, decision=decision)
            return f"(CMP({pid}, {self.x.ex(e.left, block.ctx)}, {self.x.ex(e.right, block.ctx)}, {binds}) {e.op} 0)"
        return self.x.ex(e, block.ctx)


def _binds(binders: Binders) -> str:
    return "(" + "".join(f"{py}, " for _, py in binders) + ")"


def read_by(s: A.Stmt) -> list[A.Expr]:
    """The expressions a statement evaluates where it stands (not those of nested blocks)."""
    if isinstance(s, A.Require):
        return [s.cond]
    if isinstance(s, A.Assign):
        return [s.value] + [sel.key for sel in s.path if isinstance(sel, A.IndexSel)]
    if isinstance(s, A.Pick):
        return [s.binder.domain] + ([s.cond] if s.cond is not None else [])
    if isinstance(s, A.If):
        return [s.cond]
    return []


def unpack(var_names: tuple[str, ...]) -> str:
    """The line binding each variable of the state st to its V_ name."""
    if not var_names:
        return "pass"
    return ", ".join(f"V_{v}" for v in var_names) + ("," if len(var_names) == 1 else "") + " = st"


def where(span) -> str:
    return f"{span.file.rsplit('/', 1)[-1]}:{span.line}"
