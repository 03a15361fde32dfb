"""Imports and overrides: one spec built from the declarations of others.

`import "base.spec"` (right after `spec Name`) brings in every declaration of base.spec, as
TLA+'s EXTENDS does; the path is relative to the importing file. `override <declaration>`
replaces the imported declaration of the same name and kind where it stands, so that a
variant keeps its base's order of actions, hence its exploration order, state counts and
traces; the file's other declarations follow the imported ones. Each file is read once (two
imports of one library are fine). An import cycle, a missing file, an override of nothing
and a name declared both here and in an imported file are errors at the import or the
declaration that causes them, in the file where it is written; errors found later in an
imported declaration name that file's line and column, as every span carries its file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from . import ast as A
from .errors import SpecError

# (text, file name) -> (spec name, declarations as written, imports and overrides included)
ParseDeclarations = Callable[[str, str], tuple[str, list]]

OVERRIDABLE = {A.ConstDecl: "const", A.DefDecl: "def", A.TypeDecl: "type", A.VarDecl: "var",
               A.InitDecl: "init", A.ActionDecl: "action", A.InvariantDecl: "invariant",
               A.ConstraintDecl: "constraint", A.AliasDecl: "alias"}


def resolve(name: str, path: str, text: str, decls: list, parse: ParseDeclarations) -> A.Spec:
    """The spec of one file with its imports resolved: what the later stages read."""
    sources = {path: text}
    resolved = _Resolver(parse, sources).declarations(path, decls, ())
    return A.Spec(name=name, path=path, source=text, decls=tuple(resolved), sources=sources)


def _key(d) -> tuple[str, str] | None:
    """(kind word, name) of a declaration that can be overridden; init has no name."""
    word = OVERRIDABLE.get(type(d))
    if word is None:
        return None
    return word, "" if isinstance(d, A.InitDecl) else d.name


def _describe(key: tuple[str, str]) -> str:
    return "init" if key[0] == "init" else f"{key[0]} {key[1]}"


class _Resolver:
    def __init__(self, parse: ParseDeclarations, sources: dict[str, str]):
        self.parse = parse
        self.sources = sources
        self.done: dict[str, list] = {}  # resolved path -> that file's declarations, resolved

    def declarations(self, path: str, decls: list, importers: tuple[str, ...]) -> list:
        here = _identity(path)
        imported: list = []
        for imp in (d for d in decls if isinstance(d, A.ImportDecl)):
            for d in self._import(imp, path, importers + (here,)):
                if not any(d is e for e in imported):  # the same library through two imports
                    imported.append(d)
        own: list = []
        overridden: dict[tuple[str, str], A.Override] = {}
        for d in decls:
            if isinstance(d, A.ImportDecl):
                continue
            if isinstance(d, A.Override):
                self._override(d, imported, overridden)
            else:
                self._check_not_imported(d, imported)
                own.append(d)
        return imported + own

    def _import(self, imp: A.ImportDecl, path: str, importers: tuple[str, ...]) -> list:
        target = os.path.normpath(Path(path).parent / imp.path)
        key = _identity(target)
        if key in importers:
            chain = " -> ".join(_shown(p) for p in importers[importers.index(key):] + (key,))
            raise self._error(f"import cycle: {chain}", imp.span,
                              "a spec cannot import itself, directly or through others; move what both "
                              "need into a third file that both import")
        if key in self.done:
            return self.done[key]
        try:
            text = Path(target).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self._error(f"imported file '{target}' does not exist", imp.span,
                              "the path is relative to the importing file's directory") from None
        except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
            raise self._error(f"cannot read imported file '{target}': {e.__class__.__name__}", imp.span,
                              "import a UTF-8 text file holding a spec") from None
        self.sources[target] = text
        _, decls = self.parse(text, target)
        self.done[key] = self.declarations(target, decls, importers)
        return self.done[key]

    def _override(self, o: A.Override, imported: list, overridden: dict) -> None:
        key = _key(o.decl)
        if key in overridden:
            raise self._error(f"{_describe(key)} is overridden twice", o.span,
                              f"the first override is at {overridden[key].span}; keep one")
        at = next((i for i, d in enumerate(imported) if _key(d) == key), None)
        if at is None:
            same_name = next((d for d in imported if _key(d) is not None and _key(d)[1] == key[1] and key[1]), None)
            if same_name is not None:
                theirs = _key(same_name)[0]
                raise self._error(f"override {_describe(key)}: the imported '{key[1]}' is {_a(theirs)}, "
                                  f"not {_a(key[0])}", o.span,
                                  f"it is declared at {same_name.span}; override it with {_a(theirs)}")
            names = sorted(_describe(_key(d)) for d in imported if _key(d) is not None and _key(d)[0] == key[0])
            raise self._error(f"override {_describe(key)}: no imported declaration to replace", o.span,
                              ("imported " + key[0] + " declarations: " + ", ".join(names)) if names else
                              "override replaces a declaration of an imported file; for a new one drop 'override'")
        overridden[key] = o
        imported[at] = o.decl

    def _check_not_imported(self, d, imported: list) -> None:
        key = _key(d)
        if key is None:
            return
        clash = next((e for e in imported if _key(e) is not None and _key(e)[1] == key[1]
                      and (key[1] or _key(e)[0] == key[0])), None)
        if clash is not None:
            what = "an init" if key[0] == "init" else f"'{key[1]}'"
            raise self._error(f"{_describe(key)}: an imported file already declares {what}", d.span,
                              f"it is declared at {clash.span}; to replace it write 'override {_describe(key)} ...'")

    def _error(self, message: str, span, hint: str) -> SpecError:
        return SpecError(message, span, hint, source=self.sources.get(span.file))


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _identity(path: str) -> str:
    return str(Path(path).resolve())


def _shown(identity: str) -> str:
    return os.path.relpath(identity)
