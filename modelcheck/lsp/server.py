"""The language server: LSP over stdio with pygls, answering from analysis.py.

Diagnostics are published after every change, once the edits stop arriving for
DEBOUNCE_SECONDS (typing fast re-checks once, not once per keystroke); requests (hover,
definition, references, rename, completion, outline, code actions) use the analysis of the
document as it is when they arrive. Positions are converted between the client's units
(UTF-16 by default) and the analysis' code points here.
"""
from __future__ import annotations

from pathlib import Path

import asyncio
from urllib.parse import unquote, urlparse

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from .analysis import Analysis, Diagnostic, ParseCache, Range, RenameError, Symbol, analyse

DEBOUNCE_SECONDS = 0.03
SOURCE = "modelcheck"

_SYMBOL_KINDS = {
    "const": T.SymbolKind.Constant, "var": T.SymbolKind.Variable, "def": T.SymbolKind.Function,
    "type": T.SymbolKind.Class, "action": T.SymbolKind.Method, "invariant": T.SymbolKind.Boolean,
    "constraint": T.SymbolKind.Boolean, "model": T.SymbolKind.EnumMember, "init": T.SymbolKind.Constructor,
    "param": T.SymbolKind.Variable, "bound": T.SymbolKind.Variable,
}
_COMPLETION_KINDS = {
    "const": T.CompletionItemKind.Constant, "var": T.CompletionItemKind.Variable,
    "def": T.CompletionItemKind.Function, "type": T.CompletionItemKind.Class,
    "action": T.CompletionItemKind.Method, "invariant": T.CompletionItemKind.Function,
    "constraint": T.CompletionItemKind.Function, "model": T.CompletionItemKind.EnumMember,
    "param": T.CompletionItemKind.Variable, "bound": T.CompletionItemKind.Variable,
    "builtin": T.CompletionItemKind.Function, "keyword": T.CompletionItemKind.Keyword,
}


class SpecServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("modelcheck", "0.1.0", text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, tuple[int | None, Analysis]] = {}  # uri -> (version, analysis)
        self.parse_caches: dict[str, ParseCache] = {}
        self.pending: dict[str, asyncio.Task] = {}

    def analysis(self, uri: str) -> tuple[TextDocument, Analysis]:
        """The document and its analysis, brought up to date if it changed since."""
        doc = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is None or cached[0] != doc.version or cached[1].text != doc.source:
            cache = self.parse_caches.setdefault(uri, ParseCache())
            cached = (doc.version, analyse(doc.source, _path_of(uri), cache))
            self.analyses[uri] = cached
        return doc, cached[1]

    def publish(self, uri: str) -> None:
        doc, an = self.analysis(uri)
        diagnostics = [_to_lsp_diagnostic(doc, d) for d in an.diagnostics]
        self.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version))

    def schedule(self, uri: str) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._publish_later(uri))

    async def _publish_later(self, uri: str) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        self.pending.pop(uri, None)
        try:
            self.publish(uri)
        except Exception as e:  # a bug: say so in the client's log rather than lose it in a task
            self.window_log_message(T.LogMessageParams(T.MessageType.Error, f"modelcheck: analysing {uri} failed: {e!r}"))
            raise


server = SpecServer()


# ---------------------------------------------------------------- documents

@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SpecServer, params: T.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SpecServer, params: T.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SpecServer, params: T.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.analyses.pop(uri, None)
    ls.parse_caches.pop(uri, None)
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---------------------------------------------------------------- requests

@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: SpecServer, params: T.HoverParams) -> T.Hover | None:
    doc, an = ls.analysis(params.text_document.uri)
    line, col = _from_client(doc, params.position)
    text = an.hover(line, col)
    if text is None:
        return None
    occ = an.occurrence_at(line, col)
    return T.Hover(T.MarkupContent(T.MarkupKind.Markdown, text), _to_client_range(doc, occ.range))


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: SpecServer, params: T.DefinitionParams) -> T.Location | None:
    doc, an = ls.analysis(params.text_document.uri)
    occ = an.occurrence_at(*_from_client(doc, params.position))
    if occ is None:
        return None
    sym = occ.symbol
    if sym.file is not None:  # declared in an imported spec: its declaration, in that file
        r = sym.name_range
        return T.Location(Path(sym.file).resolve().as_uri(),
                          T.Range(T.Position(r.line, r.col), T.Position(r.end_line, r.end_col)))
    return T.Location(params.text_document.uri, _to_client_range(doc, sym.name_range))


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
def references(ls: SpecServer, params: T.ReferenceParams) -> list[T.Location]:
    doc, an = ls.analysis(params.text_document.uri)
    occ = an.occurrence_at(*_from_client(doc, params.position))
    if occ is None:
        return []
    uses = an.references(occ.symbol, include_definition=params.context.include_declaration)
    return [T.Location(params.text_document.uri, _to_client_range(doc, o.range)) for o in uses]


@server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: SpecServer, params: T.PrepareRenameParams) -> T.Range | None:
    doc, an = ls.analysis(params.text_document.uri)
    occ = an.occurrence_at(*_from_client(doc, params.position))
    return _to_client_range(doc, occ.range) if occ is not None else None


@server.feature(T.TEXT_DOCUMENT_RENAME)
def rename(ls: SpecServer, params: T.RenameParams) -> T.WorkspaceEdit:
    doc, an = ls.analysis(params.text_document.uri)
    line, col = _from_client(doc, params.position)
    try:
        ranges = an.rename(line, col, params.new_name)
    except RenameError as e:  # the client shows the message
        raise JsonRpcException(str(e), code=T.LSPErrorCodes.RequestFailed) from None
    edits = [T.TextEdit(_to_client_range(doc, r), params.new_name) for r in ranges]
    return T.WorkspaceEdit(changes={params.text_document.uri: edits})


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=[]))
def completion(ls: SpecServer, params: T.CompletionParams) -> T.CompletionList:
    doc, an = ls.analysis(params.text_document.uri)
    items = [T.CompletionItem(label, kind=_COMPLETION_KINDS.get(what, T.CompletionItemKind.Text), detail=detail)
             for label, what, detail in an.completions(*_from_client(doc, params.position))]
    return T.CompletionList(is_incomplete=False, items=items)


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: SpecServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    doc, an = ls.analysis(params.text_document.uri)
    return [_to_document_symbol(doc, s) for s in an.outline]


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix]))
def code_actions(ls: SpecServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    """A quick fix for each diagnostic in the range whose hint names the replacement."""
    doc, an = ls.analysis(params.text_document.uri)
    wanted = _from_client_range(doc, params.range)
    out = []
    for d in an.diagnostics:
        if d.fix is None or not _touches(d.range, wanted):
            continue
        edit = T.TextEdit(_to_client_range(doc, d.range), d.fix)
        out.append(T.CodeAction(
            title=f"Change to '{d.fix}'", kind=T.CodeActionKind.QuickFix,
            diagnostics=[_to_lsp_diagnostic(doc, d)], is_preferred=True,
            edit=T.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return out


# ---------------------------------------------------------------- conversions

def _path_of(uri: str) -> str:
    """The file path shown in messages: the path of a file: URI, else the URI itself."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _from_client(doc: TextDocument, pos: T.Position) -> tuple[int, int]:
    p = doc.position_codec.position_from_client_units(doc.lines, T.Position(pos.line, pos.character))
    return p.line, p.character


def _from_client_range(doc: TextDocument, r: T.Range) -> Range:
    (l1, c1), (l2, c2) = _from_client(doc, r.start), _from_client(doc, r.end)
    return Range(l1, c1, l2, c2)


def _to_client_range(doc: TextDocument, r: Range) -> T.Range:
    codec, lines = doc.position_codec, doc.lines
    return T.Range(codec.position_to_client_units(lines, T.Position(r.line, r.col)),
                   codec.position_to_client_units(lines, T.Position(r.end_line, r.end_col)))


def _touches(a: Range, b: Range) -> bool:
    return (a.line, a.col) <= (b.end_line, b.end_col) and (b.line, b.col) <= (a.end_line, a.end_col)


def _to_lsp_diagnostic(doc: TextDocument, d: Diagnostic) -> T.Diagnostic:
    return T.Diagnostic(range=_to_client_range(doc, d.range), message=d.text(), severity=T.DiagnosticSeverity.Error,
                        source=SOURCE, data={"fix": d.fix} if d.fix else None)


def _to_document_symbol(doc: TextDocument, s: Symbol) -> T.DocumentSymbol:
    return T.DocumentSymbol(name=s.name, kind=_SYMBOL_KINDS[s.kind], range=_to_client_range(doc, s.decl_range),
                            selection_range=_to_client_range(doc, s.name_range),
                            detail=s.type or None)


def main() -> int:
    server.start_io()
    return 0
