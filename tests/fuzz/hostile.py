"""Hypothesis strategies for hostile input: everything a user, a script or a broken disk can
hand the tool. Each strategy draws a `Case`; `run_case` runs it through the command line's
entry point (harness.py) and returns (outcome, detail).

  generated   a well-formed spec from specgen.py, checked against its reference model
  const_expr  `const R = e` for a closed expression e, checked against its reference value
  mutated     a valid spec (generated or shipped in specs/) with tokens deleted, duplicated,
              swapped, inserted or replaced, lines dropped or doubled, or the text truncated
  nested      one construct nested hundreds or thousands of times (parentheses, not, unary
              minus, sets, tuples, if/then/else, let, quantifiers, a + a + ..., blocks of if,
              either and pick in an action, [k] and .f chains, with-updates)
  huge        huge integer literals, ranges, strings, names, lines, many declarations
  unicode     non-ASCII letters, BOM, NUL, CR/LF, zero-width and right-to-left marks,
              surrogates that make the file invalid UTF-8
  bytes       arbitrary bytes as the spec file
  consts      --const overrides: unknown names, wrong types, syntax errors, huge values
  options     odd values of --max-states, --max-depth, --timeout, --memory, --inv, --workers
  itf         `modelcheck replay SPEC TRACE`: malformed, mistyped and truncated ITF/JSON
  checkpoint  `check --resume DIR` with a damaged checkpoint (fields replaced by junk, bytes
              inserted, truncated), most keeping the right identity so as to get past the
              first check
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import harness
import specgen

REPO = Path(__file__).resolve().parents[2]
SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "specs").glob("*.spec"))}

SMALL = """spec Small
const N = 2
const Procs = {p1, p2}
model None
type Msg = {kind: "req", from: Procs} | {kind: "ack", to: Procs, n: 0..N}
var x : 0..N
var owner : Procs | None
var msgs : set[Msg]
var log : seq[0..N, 3]
var votes : Procs -> 0..N
init {
  x := 0
  owner := None
  msgs := {}
  log := <<>>
  votes := [p in Procs -> 0]
}
action Req(p in Procs) {
  require owner == None and x < N
  msgs := msgs + {{kind: "req", from: p}}
}
action Grant(p in Procs) {
  pick m in msgs where m.kind == "req" and m.from == p
  owner := p
  votes[p] := votes[p] + 1
  msgs := msgs + {{kind: "ack", to: p, n: x}}
}
action Release {
  require owner != None
  either { x := x + 1 } or { x := x }
  if len(log) < 3 { log := append(log, x) } else { log := tail(log) }
  owner := None
}
def Acks(p) = {m in msgs | m.kind == "ack" and m.to == p}
invariant Bounded: x <= N and size(msgs) <= 10
invariant OneOwner: forall p in Procs: size(Acks(p)) <= N + 1
constraint Small: size(msgs) <= 4
"""

KEYWORDS = ["spec", "const", "model", "symmetry", "def", "type", "var", "init", "action", "invariant",
            "constraint", "require", "pick", "where", "let", "if", "else", "either", "or", "and", "not",
            "forall", "exists", "choose", "then", "in", "is", "with", "for", "true", "false", "subseteq",
            "set", "seq", "bag", "Nat", "Int", "bool", "int", "string", "size", "subsets", "union", "min",
            "max", "domain", "range", "put", "len", "append", "head", "tail", "subseq", "bag_add",
            "bag_remove", "bag_count", "bag_sum"]
OPERATORS = ["{", "}", "(", ")", "[", "]", "<<", ">>", ",", ":", ":=", "=", "==", "!=", "<", "<=", ">",
             ">=", "+", "-", "*", "/", "%", "&", "++", "..", ".", "|", "->", "=>", "<=>", "'", "\"", "//",
             "/*", "*/", "\n", ";", "@", "#", "\\", "`", "$", "?", "!", "~", "^"]
LITERALS = ["0", "1", "-1", "3", "99999999999999999999", "\"a\"", "\"\"", "x", "N", "Procs", "p1", "None",
            "msgs", "m", "{}", "<<>>", "0..3"]
TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|\d+|:=|\.\.|<=>|=>|==|!=|'
                   r'<=|>=|<<|>>|\+\+|->|.', re.S)
UNICODE_BITS = ["é", "ñ", "Ω", "λ", "中", "😀", "\ufeff", "\u200b", "\u200f", "\u202e", "\x00", "\r", "\r\n",
                "\t", "\x0b", "\x0c", "\u2028", "\u00a0", "ﬁ", "Ａ", "\ud800", "\udfff", "\x1b[31m"]


@dataclass
class Case:
    kind: str
    payload: Any

    def describe(self) -> str:
        p = self.payload
        if self.kind == "generated":
            return p.text
        return repr(p)


# ---------------------------------------------------------------- spec texts

def valid_texts():
    return st.one_of(st.sampled_from(list(SHIPPED.values()) + [SMALL]),
                     specgen.specs().map(lambda g: g.text))


@st.composite
def mutated(draw) -> str:
    text = draw(valid_texts())
    tokens = TOKEN.findall(text)
    vocabulary = st.sampled_from(KEYWORDS + OPERATORS + LITERALS)
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "line", "truncate",
                                   "drop_line", "unicode"]))
        i = draw(st.integers(0, len(tokens) - 1))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == "insert":
            tokens.insert(i, " " + draw(vocabulary) + " ")
        elif op == "replace":
            tokens[i] = draw(vocabulary)
        elif op == "unicode":
            tokens.insert(i, draw(st.sampled_from(UNICODE_BITS)))
        elif op == "truncate":
            tokens = tokens[:i]
        else:
            lines = "".join(tokens).split("\n")
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            if op == "line":
                lines.insert(k, lines[k])
            elif len(lines) > 1:
                del lines[k]
            tokens = TOKEN.findall("\n".join(lines))
    return "".join(tokens)


NEST_EXPR = {  # (prefix, seed, suffix) of one level, in an expression position
    "parens": ("(", "1", ")"),
    "not": ("not ", "true", ""),
    "minus": ("-", "1", ""),
    "minus_parens": ("-(", "1", ")"),
    "set": ("{", "1", "}"),
    "tuple": ("<<", "1", ">>"),
    "ite": ("if true then ", "1", " else 1"),
    "let": ("let a = 1 in ", "a", ""),
    "forall": ("forall v in {1}: ", "true", ""),
    "exists_nat": ("exists v in 0..1: ", "true", ""),
    "sum": ("1 + ", "1", ""),
    "product": ("", "1", " * 1"),
    "and": ("true and ", "true", ""),
    "implies": ("true => ", "true", ""),
    "size": ("size({", "1", "})"),
    "call": ("F(", "1", ")"),
    "choose": ("(choose v in {", "1", "}: true)"),
    "record": ("{a: ", "1", "}"),
    "field": ("", "{a: 1}", ".a"),
    "index": ("", "<<1>>", "[1]"),
    "with": ("", "[k in 1..1 -> 1]", " with [1] = 1"),
    "range": ("(", "1", ")..1"),
    "union": ("union({", "{1}", "})"),
    "brackets": ("[", "1", "]"),
    "lt": ("", "1", " < 1"),
}
NEST_STMT = {  # statements in an action body
    "if": ("if x < 5 { ", "x := 1", " }"),
    "either": ("either { ", "x := 1", " } or { x := 2 }"),
    "pick": ("pick v in 0..1 ", "x := 1", ""),
    "require": ("require x < 5 ", "x := 1", ""),
    "let": ("let l = 1 ", "x := 1", ""),
    "else_if": ("if x == 9 { x := 1 } else ", "{ x := 1 }", ""),
}


@st.composite
def nested(draw) -> str:
    depth = draw(st.one_of(st.integers(1, 60), st.integers(60, 400), st.integers(400, 3000)))
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(NEST_STMT)))
        pre, seed, post = NEST_STMT[name]
        if name == "pick":
            body = "".join(f"pick v{i} in 0..1 " for i in range(depth)) + seed
        elif name == "let":
            body = "".join(f"let l{i} = {i} " for i in range(depth)) + seed
        else:
            body = pre * depth + seed + post * depth
        return f"spec Deep\nvar x : 0..9\ninit {{ x := 0 }}\naction Go {{ {body} }}\ninvariant Ok: x < 9\n"
    name = draw(st.sampled_from(sorted(NEST_EXPR)))
    pre, seed, post = NEST_EXPR[name]
    expr = pre * depth + seed + post * depth
    where = draw(st.sampled_from(["const", "invariant", "action", "def", "type"]))
    head = "spec Deep\ndef F(a) = a\n"
    if where == "const":
        return head + f"const C = {expr}\nvar x : 0..3\ninit {{ x := 0 }}\n"
    if where == "invariant":
        return head + f"var x : 0..3\ninit {{ x := 0 }}\ninvariant I: {expr}\n"
    if where == "action":
        return head + f"var x : 0..3\ninit {{ x := 0 }}\naction Go {{ require {expr} \n x := 1 }}\n"
    if where == "type":
        return head + f"var x : {expr}\ninit {{ x := 1 }}\n"
    return head + f"def D = {expr}\nvar x : 0..3\ninit {{ x := 0 }}\ninvariant I: D == D\n"


@st.composite
def huge(draw) -> str:
    n = draw(st.one_of(st.integers(1, 100), st.integers(100, 5000), st.integers(5000, 60000)))
    choice = draw(st.integers(0, 11))
    base = "spec Huge\nvar x : 0..3\ninit {{ x := 0 }}\n{}\n"
    if choice == 0:
        return base.format(f"const C = {'9' * n}\ninvariant I: C > 0")
    if choice == 1:
        return base.format(f"invariant I: x < {'1' + '0' * n}")
    if choice == 2:
        return base.format(f"const S = 0..{10 ** min(n, 30)}\ninvariant I: x in S")
    if choice == 3:
        return base.format(f"invariant I: size(0..{10 ** min(n, 30)}) > 0")
    if choice == 4:
        return base.format(f"invariant I: forall v in 0..{10 ** min(n, 30)}: v >= 0")
    if choice == 5:
        return base.format(f'const C = "{"a" * n}"\ninvariant I: C == C')
    if choice == 6:
        return base.format(f"const {'N' * n} = 1")
    if choice == 7:
        return base.format("\n".join(f"const C{i} = {i}" for i in range(min(n, 3000))))
    if choice == 8:
        return "spec Many\n" + "\n".join(f"var v{i} : 0..1" for i in range(min(n, 500))) + \
            "\ninit {\n" + "\n".join(f"v{i} := 0" for i in range(min(n, 500))) + "\n}\n" + \
            "\n".join(f"action A{i} {{ v{i} := 1 - v{i} }}" for i in range(min(n, 500))) + "\n"
    if choice == 9:
        return base.format(f"invariant I: size(subsets(0..{min(n, 64)})) > 0")
    if choice == 10:
        return base.format("// " + "x" * n * 10)
    k = min(n, 12)
    return base.format(f"invariant I: size({{<<a, b>> for a in 0..{10 ** k}, b in 0..{10 ** k}}}) > 0")


@st.composite
def unicode_spec(draw) -> str:
    text = draw(st.sampled_from([SMALL, "spec U\nvar x : 0..3\ninit { x := 0 }\ninvariant I: x >= 0\n"]))
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(text)))
        bit = draw(st.one_of(st.sampled_from(UNICODE_BITS), st.text(min_size=1, max_size=3)))
        text = text[:i] + bit + text[i:]
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\n", "\u2028"])))
    return text


# ---------------------------------------------------------------- options and constants

CONST_SPEC = """spec K
const N = 3
const Vals = {v1, v2}
const B = 0..2
const R = {a: 1, b: "x"}
const F = [v in Vals -> 0]
var x : 0..9
init { x := 0 }
action Inc { require x < N
  x := x + 1 }
invariant I: x <= N and size(Vals) >= 0 and x in 0..9
"""


@st.composite
def const_overrides(draw) -> dict[str, str]:
    names = st.one_of(st.sampled_from(["N", "Vals", "B", "R", "F", "x", "Nope", "I", "Inc"]),
                      st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
                      st.sampled_from(["é", "ñame", "Ω"]))
    values = st.one_of(
        st.sampled_from(["0", "-1", "10", "{v1}", "{}", "{v1, v2, v3}", "0..5", "5..0", "{a: 2, b: \"y\"}",
                         "[v in Vals -> 1]", "true", "\"s\"", "<<1>>", "x", "x + 1", "N", "Vals", "1 / 0",
                         "choose v in {}: true", "{1", "", " ", "--json", "-5", "9" * 5000, "0..99999999999",
                         "subsets(0..40)", "Nat", "{Nat}", "x'", "(((((1)))))", "=", "N=1"]),
        specgen.const_exprs(huge=True).map(lambda t: t[1]),
        st.text(max_size=12))
    return draw(st.dictionaries(names, values, max_size=3))


@st.composite
def options(draw) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        opt = draw(st.sampled_from(["--max-states", "--max-depth", "--timeout", "--memory", "--inv", "--workers"]))
        value = draw(st.one_of(
            st.sampled_from(["0", "1", "2", "-1", "1e9", "nan", "inf", "0.0001", "1KB", "1GB", "0B", "2X",
                             "99999999999999999999", "I", "Nope", "", "1.5"]),
            st.text(max_size=6)))
        if opt == "--workers" and value not in ("1", "2"):
            value = "1" if value.isdigit() else value  # no hundreds of processes
        out += [f"{opt}={value}"]
    return out


# ---------------------------------------------------------------- ITF traces

REPLAY_SPEC = """spec R
const Procs = {p1, p2}
var x : 0..3
var s : set[Procs]
var f : Procs -> 0..3
var q : seq[0..3, 3]
init { x := 0
  s := {}
  f := [p in Procs -> 0]
  q := <<>> }
action Add(p in Procs) { require x < 3
  x := x + 1
  s := s + {p}
  f[p] := f[p] + 1
  q := append(q, x) }
invariant Small: x < 3
"""


def _good_itf() -> dict:
    def state(i, x, s, f, q, action, p):
        return {"#meta": {"index": i}, "x": {"#bigint": str(x)}, "s": {"#set": s},
                "f": {"#map": [["p1", {"#bigint": str(f[0])}], ["p2", {"#bigint": str(f[1])}]]},
                "q": [{"#bigint": str(v)} for v in q], "mbt::actionTaken": action,
                "mbt::nondetPicks": {"p": {"tag": "Some", "value": p} if p else {"tag": "None", "value": {"#tup": []}}}}
    return {"#meta": {"format": "ITF", "modelValues": ["p1", "p2"]}, "params": [],
            "vars": ["x", "s", "f", "q", "mbt::actionTaken", "mbt::nondetPicks"],
            "states": [state(0, 0, [], (0, 0), [], "init", None),
                       state(1, 1, ["p1"], (1, 0), [1], "Add", "p1"),
                       state(2, 2, ["p1", "p2"], (1, 1), [1, 2], "Add", "p2")]}


JUNK = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                              st.just({"#bigint": "x"}), st.just({"#set": 1}), st.just({"#map": [[1]]}),
                              st.just({"#tup": None}), st.just({"#unserializable": "?"})),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.sampled_from(["#set", "#map", "#tup", "#bigint",
                                                                             "x", "tag", "value"]), inner,
                                                            max_size=3)),
                    max_leaves=8)


def _paths(v, prefix=()):
    yield prefix
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _paths(x, prefix + (i,))


@st.composite
def itf_documents(draw) -> bytes:
    doc = _good_itf()
    for _ in range(draw(st.integers(0, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["junk", "delete", "duplicate"]))
        if op == "junk":
            parent[path[-1]] = copy.deepcopy(draw(JUNK))  # st.just() objects are shared: never mutate them
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.insert(path[-1], parent[path[-1]])
    text = json.dumps(doc, allow_nan=True).encode()
    how = draw(st.integers(0, 9))
    if how == 0:
        text = text[:draw(st.integers(0, len(text)))]
    elif how == 1:
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.binary(min_size=1, max_size=4)) + text[i:]
    elif how == 2:
        text = draw(st.sampled_from([b"", b"null", b"[]", b"{}", b"{\"states\": 1}", b"\xff\xfe",
                                     b"{\"states\": [" * 3000, b"[" * 100000]))
    return text


# ---------------------------------------------------------------- checkpoints (--resume DIR)

_CHECKPOINTS: list[tuple] = []


def real_checkpoint() -> tuple:
    """The payload of a checkpoint of SMALL, as `check --checkpoint` writes it (made once)."""
    if not _CHECKPOINTS:
        import marshal
        import tempfile
        from modelcheck import pipeline
        from modelcheck.explore.checkpoint import FILE, Checkpointer

        class Always(Checkpointer):
            def due(self) -> bool:
                return True
        where = tempfile.mkdtemp(prefix="mcfuzz-cp-")
        spec = harness.workdir().write("small.spec", SMALL)  # the identity depends on the path
        compiled = pipeline.load(spec)
        pipeline.check(compiled, None, harness_limits(), checkpoint=Always(where, 1))
        with open(Path(where) / FILE, "rb") as f:
            _CHECKPOINTS.append(marshal.load(f))
    return _CHECKPOINTS[0]


def harness_limits():
    from modelcheck.explore.bfs import Limits
    return Limits(max_depth=4)


CHECKPOINT_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(),
                            st.text(max_size=5), st.binary(max_size=20), st.lists(st.integers(), max_size=3),
                            st.tuples(st.integers(), st.integers()), st.just(()), st.just(((),)))


@st.composite
def checkpoints(draw) -> bytes:
    import marshal
    payload = list(real_checkpoint())
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(payload) - 1))
        if i == 1 and draw(st.integers(0, 9)):
            continue  # keep the identity most of the time: damage that passes the first check
        v = payload[i]
        how = draw(st.integers(0, 3))
        if isinstance(v, bytes) and how < 2:
            cut = draw(st.integers(0, len(v)))
            payload[i] = v[:cut] + draw(st.binary(max_size=9)) + v[cut:]
        elif isinstance(v, tuple) and v and how < 2:
            items = list(v)
            items[draw(st.integers(0, len(items) - 1))] = draw(st.one_of(CHECKPOINT_JUNK, st.sampled_from(items)))
            payload[i] = tuple(items)
        else:
            payload[i] = draw(CHECKPOINT_JUNK)
    data = marshal.dumps(tuple(payload))
    if draw(st.integers(0, 5)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return data


# ---------------------------------------------------------------- the mix

def cases(weights: dict[str, int] | None = None):
    """One strategy drawing any kind of case; `weights` sets the mix."""
    w = weights or WEIGHTS
    options_ = {
        "generated": specgen.specs(huge=False).map(lambda g: Case("generated", g)),
        "generated_huge": specgen.specs(huge=True).map(lambda g: Case("generated", g)),
        "const_expr": specgen.const_exprs().map(lambda t: Case("const_expr", t)),
        "mutated": mutated().map(lambda t: Case("mutated", t)),
        "nested": nested().map(lambda t: Case("nested", t)),
        "huge": huge().map(lambda t: Case("huge", t)),
        "unicode": unicode_spec().map(lambda t: Case("unicode", t)),
        "bytes": st.binary(max_size=300).map(lambda b: Case("bytes", b"spec B\n" + b if len(b) % 2 else b)),
        "text": st.text(max_size=200).map(lambda t: Case("text", t)),
        "consts": const_overrides().map(lambda c: Case("consts", c)),
        "options": options().map(lambda o: Case("options", o)),
        "itf": itf_documents().map(lambda d: Case("itf", d)),
        "checkpoint": checkpoints().map(lambda d: Case("checkpoint", d)),
    }
    return st.one_of(*[options_[k] for k, n in w.items() for _ in range(n)])


WEIGHTS = {"generated": 6, "generated_huge": 1, "const_expr": 4, "mutated": 5, "nested": 2, "huge": 1,
           "unicode": 1, "bytes": 1, "text": 1, "consts": 2, "options": 1, "itf": 2, "checkpoint": 1}


def run_case(case: Case) -> tuple[str, str]:
    k, p = case.kind, case.payload
    if k == "generated":
        return harness.run_generated(p)
    if k == "const_expr":
        return harness.run_const_expr(*p)
    if k in ("mutated", "nested", "huge", "unicode", "bytes", "text"):
        return harness.run_spec_text(p, json_out=len(p) % 3 == 0)
    if k == "consts":
        return harness.run_spec_text(CONST_SPEC, consts=p, json_out=bool(len(p) % 2))
    if k == "options":
        return harness.run_spec_text(SMALL, extra=tuple(p))
    if k == "itf":
        return harness.run_replay(REPLAY_SPEC, p)
    if k == "checkpoint":
        where = harness.workdir().path / "cp"
        where.mkdir(exist_ok=True)
        (where / "checkpoint.bin").write_bytes(p)
        return harness.run_spec_text(SMALL, extra=("--resume", str(where)), name="small.spec")
    raise AssertionError(k)
