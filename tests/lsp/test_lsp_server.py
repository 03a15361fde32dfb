"""`modelcheck lsp` as an editor sees it: a real server process, spoken to in JSON-RPC over
stdio (tests/lsp/lsp_client.py): initialize, didOpen/didChange, the requests, shutdown/exit."""
from __future__ import annotations

import sys

import pytest

from cli.inprocess import modelcheck
from conftest import SPECS
from lsp_client import LspError, LspSession, position_of

PAXOS_TEXT = (SPECS / "paxos.spec").read_text()
RAFT_TEXT = (SPECS / "raft.spec").read_text()
PAXOS = (SPECS / "paxos.spec").as_uri()
RAFT = (SPECS / "raft.spec").as_uri()


@pytest.fixture(scope="module")
def lsp():
    session = LspSession()
    session.initialize()
    session.open(PAXOS, PAXOS_TEXT)
    session.open(RAFT, RAFT_TEXT)
    yield session
    if session.proc.poll() is None:
        session.proc.kill()
        session.proc.wait()


def at(text: str, needle: str, nth: int = 0, offset: int = 0) -> dict:
    line, col = position_of(text, needle, nth, offset)
    return {"line": line, "character": col}


def doc(uri: str, **more) -> dict:
    return {"textDocument": {"uri": uri}, **more}


def full_change(lsp: LspSession, uri: str, version: int, text: str) -> list[dict]:
    lsp.change(uri, version, [{"text": text}])
    return lsp.diagnostics(uri, version)


def test_capabilities():
    session = LspSession()
    try:
        caps = session.initialize()["capabilities"]
        for cap in ("hoverProvider", "definitionProvider", "referencesProvider", "renameProvider",
                    "completionProvider", "documentSymbolProvider", "codeActionProvider"):
            assert caps.get(cap), cap
        assert session.close() == 0
    finally:
        session.proc.kill()


def test_shipped_specs_have_no_diagnostics(lsp):
    assert lsp.diagnostics(PAXOS, 1) == []
    assert lsp.diagnostics(RAFT, 1) == []


def test_hover(lsp):
    hover = lsp.request("textDocument/hover", doc(PAXOS, position=at(PAXOS_TEXT, "Quorums", nth=1)))
    text = hover["contents"]["value"]
    assert "def Quorums = { Q in subsets(Acceptors) | 2 * size(Q) > size(Acceptors) }" in text
    assert "type: `set[set[model value]]`" in text and "Majorities of acceptors" in text
    start = at(PAXOS_TEXT, "Quorums", nth=1)
    assert hover["range"]["start"] == start
    const = lsp.request("textDocument/hover", doc(RAFT, position=at(RAFT_TEXT, "const MaxTerm", offset=6)))
    assert "const MaxTerm = 2" in const["contents"]["value"] and "type: `int`" in const["contents"]["value"]
    assert lsp.request("textDocument/hover", doc(RAFT, position=at(RAFT_TEXT, "spec Raft"))) is None


def test_definition_and_references(lsp):
    use = at(RAFT_TEXT, "currentTerm", nth=3)
    loc = lsp.request("textDocument/definition", doc(RAFT, position=use))
    assert loc["uri"] == RAFT
    assert loc["range"]["start"] == at(RAFT_TEXT, "var currentTerm", offset=4)
    refs = lsp.request("textDocument/references", doc(RAFT, position=use, context={"includeDeclaration": True}))
    lines = RAFT_TEXT.split("\n")
    assert len(refs) > 20
    for r in refs:
        s, e = r["range"]["start"], r["range"]["end"]
        assert lines[s["line"]][s["character"]:e["character"]] == "currentTerm"
    without = lsp.request("textDocument/references", doc(RAFT, position=use, context={"includeDeclaration": False}))
    assert len(without) == len(refs) - 1


def test_document_symbols(lsp):
    symbols = lsp.request("textDocument/documentSymbol", doc(PAXOS))
    names = [s["name"] for s in symbols]
    assert names[:5] == ["Acceptors", "Values", "Ballots", "None", "Quorums"]
    assert {"Phase1a", "Phase2b", "TypeOK", "Inv", "Agreement", "init", "msgs", "Message"} <= set(names)
    phase = next(s for s in symbols if s["name"] == "Phase1b")
    assert phase["selectionRange"]["start"] == at(PAXOS_TEXT, "action Phase1b", offset=7)
    assert phase["range"]["end"]["line"] > phase["range"]["start"]["line"]


def test_completion(lsp):
    result = lsp.request("textDocument/completion", doc(PAXOS, position=at(PAXOS_TEXT, "msgs := msgs + {{type: \"1a\"")))
    labels = {item["label"] for item in result["items"]}
    assert {"b", "msgs", "Quorums", "forall", "exists", "size", "a1"} <= labels


def test_rename_then_the_spec_still_checks(lsp):
    pos = at(RAFT_TEXT, "votedFor", nth=2)
    edit = lsp.request("textDocument/rename", doc(RAFT, position=pos, newName="vote"))
    edits = edit["changes"][RAFT]
    assert len(edits) >= 5 and all(e["newText"] == "vote" for e in edits)
    lines = RAFT_TEXT.split("\n")
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        s, end = e["range"]["start"], e["range"]["end"]
        lines[s["line"]] = lines[s["line"]][:s["character"]] + "vote" + lines[s["line"]][end["character"]:]
    assert full_change(lsp, RAFT, 2, "\n".join(lines)) == []
    assert "votedFor" not in "\n".join(lines).replace("// its vote in currentTerm", "")
    with pytest.raises(LspError, match="already declared"):
        lsp.request("textDocument/rename", doc(RAFT, position=pos, newName="state"))
    assert full_change(lsp, RAFT, 3, RAFT_TEXT) == []


def test_broken_file_gives_the_clis_error_and_keeps_the_outline(lsp, tmp_path):
    broken = PAXOS_TEXT.replace("maxBal[a]  := m.bal", "maxBal[a]  = m.bal")
    (d,) = full_change(lsp, PAXOS, 2, broken)
    path = tmp_path / "broken.spec"
    path.write_text(broken)
    cli = modelcheck("check", str(path))
    assert cli.returncode == 2
    head, _, rest = cli.stderr.partition(": error: ")
    line, col = map(int, head.rsplit(":", 2)[1:])
    assert d["range"]["start"] == {"line": line - 1, "character": col - 1}
    message = rest.split("\n")[0]
    hint = next(ln for ln in cli.stderr.split("\n") if ln.startswith("hint: "))
    assert d["message"] == f"{message}\n{hint}"
    assert d["severity"] == 1 and d["source"] == "modelcheck"
    names = [s["name"] for s in lsp.request("textDocument/documentSymbol", doc(PAXOS))]
    assert "Phase2a" in names and "Agreement" in names and "Phase2b" not in names
    loc = lsp.request("textDocument/definition", doc(PAXOS, position=at(broken, "msgs", nth=5)))
    assert loc["range"]["start"] == at(broken, "var msgs", offset=4)
    assert full_change(lsp, PAXOS, 3, PAXOS_TEXT) == []


def test_incremental_edits_and_the_quick_fix(lsp):
    pos = at(PAXOS_TEXT, "maxBal[a] := m.bal")  # in Phase1b
    lsp.change(PAXOS, 4, [{"range": {"start": pos, "end": {**pos, "character": pos["character"] + 6}},
                           "text": "maxbal"}])
    (d,) = lsp.diagnostics(PAXOS, 4)
    assert d["message"] == "cannot assign 'maxbal': not a state variable\nhint: only variables declared with 'var' can be assigned"
    lsp.change(PAXOS, 5, [{"range": {"start": pos, "end": {**pos, "character": pos["character"] + 6}},
                           "text": "maxBal"}])
    assert lsp.diagnostics(PAXOS, 5) == []
    use = at(PAXOS_TEXT, "m.bal > maxBal[a]", offset=8)
    lsp.change(PAXOS, 6, [{"range": {"start": use, "end": {**use, "character": use["character"] + 6}},
                           "text": "MaxBal"}])
    (d,) = lsp.diagnostics(PAXOS, 6)
    assert d["message"] == "unknown name 'MaxBal'\nhint: did you mean 'maxBal'?"
    actions = lsp.request("textDocument/codeAction",
                          doc(PAXOS, range=d["range"], context={"diagnostics": [d]}))
    (fix,) = actions
    assert fix["title"] == "Change to 'maxBal'" and fix["kind"] == "quickfix"
    (edit,) = fix["edit"]["changes"][PAXOS]
    assert edit["newText"] == "maxBal" and edit["range"] == d["range"]
    lsp.change(PAXOS, 7, [{"range": edit["range"], "text": edit["newText"]}])
    assert lsp.diagnostics(PAXOS, 7) == []


def test_positions_count_utf16_units(lsp):
    """A character outside the Basic Multilingual Plane is two units for the client."""
    uri = "file:///tmp/emoji.spec"
    text = 'spec E\nconst S = {"😀", "b"} const N = 1\nvar x : 0..N\ninit { x := Nn }\n'
    lsp.open(uri, text)
    (d,) = lsp.diagnostics(uri, 1)
    assert d["message"].startswith("unknown name 'Nn'")
    hover = lsp.request("textDocument/hover", doc(uri, position={"line": 1, "character": 28}))
    assert "const N = 1" in hover["contents"]["value"]
    assert hover["range"] == {"start": {"line": 1, "character": 28}, "end": {"line": 1, "character": 29}}


def test_shutdown_and_exit(lsp):
    assert lsp.close() == 0


def test_without_pygls_the_command_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygls", None)
    monkeypatch.delitem(sys.modules, "modelcheck.lsp.server", raising=False)
    run = modelcheck("lsp")
    assert run.returncode == 2
    assert "needs the Python package pygls" in run.stderr and "pip install 'modelcheck[lsp]'" in run.stderr
