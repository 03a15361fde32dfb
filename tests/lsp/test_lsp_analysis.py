"""The language server's analysis of a spec (modelcheck/lsp/analysis.py), without a client:
symbols, uses, hover, rename, completion, diagnostics and recovery from syntax errors."""
from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO, SPECS
from modelcheck.lang.parser import parse_text
from modelcheck.lang.typecheck import typecheck
from lsp_client import position_of
from modelcheck.lsp.analysis import ParseCache, Range, RenameError, analyse

sys.path.insert(0, str(REPO / "tests" / "fuzz"))  # the fuzzer's strategies, for hostile texts
import hostile  # noqa: E402

SHIPPED = sorted(SPECS.glob("*.spec"))


def apply(text: str, ranges: list[Range], new: str) -> str:
    lines = text.split("\n")
    for r in sorted(ranges, reverse=True):
        assert r.line == r.end_line
        lines[r.line] = lines[r.line][:r.col] + new + lines[r.line][r.end_col:]
    return "\n".join(lines)


def text_at(text: str, r: Range) -> str:
    return text.split("\n")[r.line][r.col:r.end_col]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_occurrence_is_its_symbols_name(path):
    text = path.read_text()
    an = analyse(text, str(path))
    assert an.diagnostics == ()
    assert an.occurrences
    for occ in an.occurrences:
        assert text_at(text, occ.range) == occ.symbol.name
    declared = [d.name for d in parse_text(text, str(path)).decls if hasattr(d, "name") and d.span.file == str(path)]
    outlined = [s.name for s in an.outline if s.kind not in ("model", "init")]
    assert outlined == declared


def renamed_specs(path, every: int):
    text = path.read_text()
    an = analyse(text, str(path))
    for sym in an.symbols[::every]:
        pos = (sym.name_range.line, sym.name_range.col)
        yield sym, text, an.rename(*pos, "zz_renamed")


@pytest.mark.parametrize("path, every", [(SPECS / "paxos.spec", 2), (SPECS / "two_phase.spec", 1),
                                         (SPECS / "raft.spec", 7)], ids=["paxos", "two_phase", "raft"])
def test_rename_finds_every_use(path, every):
    """Renaming any symbol everywhere the analysis says it is used leaves a spec that checks
    and has exactly as many uses of the new name: a use left out would be an unknown name
    (or, for a bound name, a use of another binder)."""
    for sym, text, ranges in renamed_specs(path, every):
        new_text = apply(text, ranges, "zz_renamed")
        typecheck(parse_text(new_text, str(path)))
        assert len(re.findall(r"\bzz_renamed\b", new_text)) == len(ranges), sym


def test_bound_names_with_the_same_name_are_different_symbols():
    text = (SPECS / "paxos.spec").read_text()
    an = analyse(text, "paxos.spec")
    # Phase2a: `exists m in msgs` and then `{m in msgs | ...}` and `exists m in Q1b`
    first = an.occurrence_at(*position_of(text, "m.type == \"2a\" and m.bal == b"))
    second = an.occurrence_at(*position_of(text, "m.type == \"1b\" and m.acc in Q"))
    assert first.symbol is not second.symbol
    assert first.symbol.kind == second.symbol.kind == "bound"
    assert [text_at(text, o.range) for o in an.references(first.symbol)] == ["m"] * 3
    assert first.type == "{bal: int, type: string, val: model value}" or "|" in first.type


def test_def_parameters_resolve_to_their_def():
    text = (SPECS / "paxos.spec").read_text()
    an = analyse(text, "paxos.spec")
    use = an.occurrence_at(*position_of(text, "<<b, v>> in votes[a]", offset=2))
    assert use.symbol.kind == "param"
    assert use.symbol.signature == "b (parameter of VotedFor)"
    assert use.symbol.name_range.line == position_of(text, "def VotedFor(a, b, v)")[0]
    assert len(an.references(use.symbol)) == 2


def test_hover_shows_value_type_and_doc_comment():
    text = (SPECS / "paxos.spec").read_text()
    an = analyse(text, "paxos.spec")
    const = an.hover(*position_of(text, "Acceptors", nth=3))  # a use, in Quorums
    assert "const Acceptors = {a1, a2, a3}" in const and "type: `set[model value]`" in const
    quorums = an.hover(*position_of(text, "Quorums", nth=1))
    assert "Majorities of acceptors; any two of them intersect." in quorums
    assert "type: `set[set[model value]]`" in quorums
    action = an.hover(*position_of(text, "Phase1b"))
    assert "action Phase1b(a in Acceptors)" in action
    assert "Acceptor a joins a ballot higher than any it has joined" in action
    trailing = an.hover(*position_of(text, "None", nth=0))
    assert "\"no value\": what an acceptor that has not voted reports" in trailing
    bound = an.hover(*position_of(text, "b in Ballots) {", nth=0))
    assert "b in Ballots" in bound and "type: `int`" in bound
    assert an.hover(*position_of(text, "spec Paxos")) is None  # a keyword


def test_doc_comment_is_the_comment_lines_directly_above():
    text = "spec S\n// not mine: a blank line follows\n\n// first line\n// second line\nconst N = 3  // trailing\ninit { }\n"
    an = analyse(text, "s.spec")
    (n,) = [s for s in an.outline if s.name == "N"]
    assert n.doc == "first line\nsecond line\n\ntrailing"


def test_syntax_error_is_the_clis_and_the_rest_still_has_symbols():
    text = (SPECS / "paxos.spec").read_text()
    broken = text.replace("require not (exists m in msgs:", "require not (exists m in msgs::")
    an = analyse(broken, "paxos.spec")
    (d,) = an.diagnostics
    line, col = position_of(broken, "::", offset=1)
    assert (d.range.line, d.range.col) == (line, col)
    assert d.message == "syntax error: unexpected ':'"
    names = {s.name for s in an.outline}
    assert {"Phase1a", "Phase1b", "Phase2b", "Agreement", "msgs"} <= names
    assert "Phase2a" not in names  # the declaration with the error is left out
    use = an.occurrence_at(*position_of(broken, "msgs", nth=4))
    assert use.symbol.kind == "var"


def test_unclosed_block_blames_the_declaration_before_the_next_one():
    text = "spec S\nvar x : 0..3\ninit { x := 0 }\naction A {\n  x := 1\n\naction B { x := 2 }\n"
    an = analyse(text, "s.spec")
    (d,) = an.diagnostics
    assert d.message == "syntax error: unexpected 'action'"
    assert [s.name for s in an.outline] == ["x", "init", "B"]


def test_type_errors_keep_the_symbols_of_the_rest():
    text = (SPECS / "paxos.spec").read_text().replace("maxBal[a] := m.bal\n  msgs", "maxBal[a] := mm.bal\n  msgs")
    an = analyse(text, "paxos.spec")
    (d,) = an.diagnostics
    assert d.message == "unknown name 'mm'"
    use = an.occurrence_at(*position_of(text, "Quorums", nth=2))
    assert use.symbol.kind == "def" and len(an.references(use.symbol)) == 5
    # in the action with the error: what the checker got to before it
    before = an.occurrence_at(*position_of(text, "m.type == \"1a\""))
    assert before.symbol.kind == "bound" and before.type.startswith("{")


def test_did_you_mean_hint_carries_the_fix():
    text = "spec S\nvar count : 0..3\ninit { count := 0 }\naction A { require Count < 3\n count := count + 1 }\n"
    (d,) = analyse(text, "s.spec").diagnostics
    assert d.hint == "did you mean 'count'?" and d.fix == "count"
    assert text_at(text, d.range) == "Count"


def test_rename_refuses_names_that_would_break_the_spec():
    text = (SPECS / "paxos.spec").read_text()
    an = analyse(text, "paxos.spec")
    at = position_of(text, "Quorums")
    for bad, why in [("msgs", "already declared"), ("forall", "keyword"), ("size", "builtin"),
                     ("2x", "not a name"), ("Q", "already declared")]:
        with pytest.raises(RenameError, match=why):
            an.rename(*at, bad)
    with pytest.raises(RenameError, match="no declared or bound name"):
        an.rename(*position_of(text, "require"), "x")
    # a bound name may take a name bound elsewhere, in another scope
    b = position_of(text, "b in Ballots) {")
    assert len(an.rename(*b, "v")) == 2


def test_completion_offers_names_in_scope_and_keywords():
    text = (SPECS / "paxos.spec").read_text()
    an = analyse(text, "paxos.spec")
    inside = {label: what for label, what, _ in an.completions(*position_of(text, "msgs := msgs + {{type: \"1a\""))}
    assert inside["b"] == "bound" and inside["msgs"] == "var" and inside["Quorums"] == "def"
    assert inside["forall"] == "keyword" and inside["size"] == "builtin" and inside["a1"] == "model"
    outside = {label for label, _, _ in an.completions(*position_of(text, "init {"))}
    assert "b" not in outside and "Acceptors" in outside


def test_empty_and_headless_texts():
    assert analyse("", "e.spec").diagnostics[0].hint == "a spec starts with 'spec Name'"
    an = analyse("spec S\nconst N = \n", "s.spec")
    assert an.diagnostics[0].message == "syntax error: unexpected end of file"


def summary(an):
    """What a client sees of an analysis, comparable across analyses."""
    return (an.diagnostics,
            [(s.name, s.kind, s.name_range, s.decl_range, s.signature, s.type, s.doc) for s in an.outline],
            [(o.range, o.symbol.name, o.symbol.name_range, o.is_definition, o.type) for o in an.occurrences])


EDITS = ["x", " ", "\n", ")", "{", "}", "// ", "/*", "*/", "action A { x := 1 }\n", "init", "type", '"']


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 4), st.sampled_from(EDITS)), min_size=1, max_size=3))
# a "/*" inside a declaration closed by the "*/" of a later "/*//": blanking the broken
# declaration out ends that comment, and the names after it are seen again
@example([(1.0, 0, "/*"), (1.0, 0, "// "), (0.5625, 0, "/*")])
def test_reusing_unchanged_declarations_gives_the_same_analysis(edits):
    """An analysis that reuses the declarations of the previous version of the text (the
    server's ParseCache) is the analysis of the text from scratch, whatever the edit."""
    text = (SPECS / "two_phase.spec").read_text()
    cache = ParseCache()
    analyse(text, "t.spec", cache)
    for where, delete, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + delete:]
        assert summary(analyse(text, "t.spec", cache)) == summary(analyse(text, "t.spec"))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(hostile.mutated(), hostile.nested(), hostile.unicode_spec(), hostile.huge()))
def test_hostile_texts_are_analysed_without_crashing(text):
    """The fuzzer's hostile specs (tests/fuzz/hostile.py): the server answers, whatever the text."""
    if isinstance(text, bytes):  # an editor hands the server text, never undecodable bytes
        return
    an = analyse(text, "h.spec")
    assert summary(an) == summary(analyse(text, "h.spec", ParseCache()))
    for occ in an.occurrences[:50]:
        assert an.hover(occ.range.line, occ.range.col)
    assert an.completions(0, 0)
