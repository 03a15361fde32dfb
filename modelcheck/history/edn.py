"""A reader for EDN (extensible data notation, https://github.com/edn-format/edn), the
notation Jepsen, Knossos and Elle write their histories in. It reads all of EDN and nothing
that only looks like it: anything else is an `EdnError` naming the line and column.

API (all of it):

    loads(text)       -> the one form in `text` (comments and discards around it allowed)
    loads_all(text)   -> every top-level form, in order
    records(text)     -> [Located(value, line, column)]: the top-level forms, or, when the
                         text is a single list or vector, its elements. A history file is
                         written either way (one map per line, or one vector of maps).
    EdnError          -> ValueError with `.line`, `.column` (from 1) and the message

What each EDN form becomes:

| EDN                          | Python                                                     |
|------------------------------|------------------------------------------------------------|
| `nil` `true` `false`         | None, True, False                                          |
| `42` `-7` `42N`              | int                                                        |
| `1.5` `1e3` `-0.5`           | float; `1.5M` is decimal.Decimal; `##Inf` `##-Inf` `##NaN` float |
| `1/3`                        | fractions.Fraction (Clojure prints ratios so)              |
| `"text"`                     | str (escapes `\\t \\r \\n \\b \\f \\\\ \\" \\uXXXX`)       |
| `\\c` `\\newline` `\\u00e9`  | Char (so a character is never mistaken for a string)       |
| `:name` `:ns/name`           | Keyword("name"), Keyword("ns/name")                        |
| `name` `ns/name`             | Symbol("name")                                             |
| `( … )` and `[ … ]`          | tuple (EDN counts a list and a vector with the same elements as equal) |
| `{ … }`                      | dict, in the order written; FrozenMap where it must be hashable (a map key, a set element) |
| `#{ … }`                     | frozenset                                                  |
| `#inst "…"` `#uuid "…"`      | datetime.datetime, uuid.UUID                               |
| `#tag form` (any other tag)  | Tagged("tag", form), e.g. Jepsen's `#jepsen.history.Op{…}` |

Whitespace includes commas; `;` starts a comment to the end of the line; `#_` discards the
next form. A map or set with the same key or element twice is an error, as EDN says, and so
is one whose keys Python cannot tell apart (`{1 :a, true :b}`, `{1 :a, 1.0 :b}`). Integers
with a leading zero (which Clojure reads as octal) are errors, not guesses.
"""
from __future__ import annotations

import bisect
import datetime
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterator, Mapping


class EdnError(ValueError):
    """The text is not EDN: what is wrong and where (line and column, from 1)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.reason, self.line, self.column = message, line, column


@dataclass(frozen=True, slots=True, eq=False)
class Keyword:
    """`:name` (or `:ns/name`): `name` is written without the colon."""
    name: str

    def __str__(self) -> str:
        return ":" + self.name

    # written out: the generated ones build a tuple per call, and every map key is a keyword
    def __eq__(self, other: object) -> bool:
        return type(other) is Keyword and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Char:
    """A character literal (`\\a`); `char` is the one-character string."""
    char: str


@dataclass(frozen=True, slots=True)
class Tagged:
    """A tagged element whose tag this reader does not interpret: `#tag value`."""
    tag: str
    value: Any


class FrozenMap(Mapping):
    """An immutable, hashable map: what `{ … }` becomes where Python needs a hashable value."""

    __slots__ = ("_items", "_hash")

    def __init__(self, items: dict) -> None:
        self._items = dict(items)
        self._hash = hash(frozenset(self._items.items()))

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


@dataclass(frozen=True, slots=True)
class Located:
    """A record of a file and where it starts."""
    value: Any
    line: int
    column: int


def loads(text: str) -> Any:
    """The single form in `text`."""
    reader = _Reader(text)
    forms = reader.all()
    if len(forms) != 1:
        where = forms[1][1] if len(forms) > 1 else len(text)
        found = "nothing" if not forms else f"{len(forms)} forms"
        raise reader.error(f"expected exactly one EDN form, found {found}", where)
    return forms[0][0]


def loads_all(text: str) -> list:
    """Every top-level form in `text`, in order."""
    return [form for form, _ in _Reader(text).all()]


def records(text: str) -> list[Located]:
    """The records of a file: its top-level forms, or the elements of its only form when
    that is a list or vector (a file holding one vector of maps)."""
    reader = _Reader(text)
    forms = reader.all()
    if len(forms) == 1 and isinstance(forms[0][0], tuple):
        return [reader.located(value, at) for value, at in reader.elements_of_first]
    return [reader.located(value, at) for value, at in forms]


# ---------------------------------------------------------------- the reader

_SPACE = re.compile(r"(?:[\s,]+|;[^\n]*)*")
_DELIMITERS = set(" \t\n\r\f\v,;()[]{}\"\\")
_TOKEN_END = re.compile(r"[\s,;()\[\]{}\"\\]")
_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)N?")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?M?")
_RATIO = re.compile(r"[+-]?(?:0|[1-9][0-9]*)/(?:[1-9][0-9]*)")
_SYMBOL_PART = r"(?:[A-Za-z*!_?$%&=<>.][A-Za-z0-9*!_?$%&=<>.'#:+-]*|[+-](?:[A-Za-z*!_?$%&=<>.'#:+-][A-Za-z0-9*!_?$%&=<>.'#:+-]*)?)"
_SYMBOL = re.compile(rf"{_SYMBOL_PART}(?:/{_SYMBOL_PART})?|/")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|.)", re.DOTALL)
_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "b": "\b", "f": "\f", "\\": "\\", '"': '"'}
_CHAR = re.compile(r"\\(newline|return|space|tab|formfeed|backspace|u[0-9A-Fa-f]{4}|.)", re.DOTALL)
_NAMED_CHARS = {"newline": "\n", "return": "\r", "space": " ", "tab": "\t", "formfeed": "\f", "backspace": "\b"}
_CLOSE = {"(": ")", "[": "]", "{": "}", "#{": "}"}
_SYMBOLIC = {"Inf": float("inf"), "-Inf": float("-inf"), "NaN": float("nan")}
_DIGITS = "0123456789"
_HASHABLE = (Keyword, str, int)  # what map keys mostly are, already hashable
_INSTANT = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?)?)?"
                      r"(Z|[+-]\d\d:\d\d)?", re.IGNORECASE)
_END = object()  # what _form returns at a closing bracket or the end of the text


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.started = 0
        self.line_starts: list[int] | None = None
        self.atoms: dict[str, Any] = {}
        self.elements_of_first: list[tuple[Any, int]] = []  # (element, offset) of the first top-level list

    def error(self, message: str, offset: int) -> EdnError:
        return EdnError(message, *self.position(offset))

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), from 1, of an offset into the text."""
        if self.line_starts is None:
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def located(self, value: Any, offset: int) -> Located:
        return Located(value, *self.position(offset))

    def all(self) -> list[tuple[Any, int]]:
        forms = []
        try:
            while True:
                form = self._form(top=not forms)
                if form is _END:
                    if self.at < len(self.text):
                        raise self.error(f"unexpected '{self.text[self.at]}' with nothing open", self.at)
                    return forms
                forms.append((form, self.started))
        except RecursionError:
            raise self.error("forms nested too deeply", self.at) from None

    def _skip(self) -> int:
        self.at = _SPACE.match(self.text, self.at).end()
        return self.at

    def _form(self, top: bool = False) -> Any:
        """The next form, or _END at a closing bracket (not consumed) or the end. `started`
        is then the offset where the form began (after any discarded ones)."""
        text = self.text
        while True:
            start = self._skip()
            if start >= len(text) or text[start] in ")]}":
                return _END
            if text.startswith("#_", start):
                self.at += 2
                self._required(start, "#_ must be followed by the form it discards")
                continue
            form = self._form_at(start, top)
            self.started = start
            return form

    def _form_at(self, start: int, top: bool) -> Any:
        c = self.text[start]
        if c in "([{":
            self.at += 1
            return self._collection(c, start, top)
        if c == '"':
            return self._string(start)
        if c == "\\":
            return self._char(start)
        if c == "#":
            nxt = self.text[start + 1:start + 2]
            if nxt == "{":
                self.at += 2
                return self._collection("#{", start, False)
            if nxt == "#":
                return self._symbolic(start)
            return self._tagged(start)
        if c in "^@~`'":
            raise self.error(f"'{c}' is Clojure reader syntax, not EDN", start)
        return self._atom(start)

    def _required(self, start: int, message: str) -> Any:
        form = self._form()
        if form is _END:
            raise self.error(message, start)
        return form

    def _collection(self, opening: str, start: int, top: bool) -> Any:
        items: list[tuple[Any, int]] = []
        while True:
            form = self._form()
            if form is _END:
                break
            items.append((form, self.started))
        if self.at >= len(self.text):
            raise self.error(f"'{opening}' opened here is never closed", start)
        closing = self.text[self.at]
        if closing != _CLOSE[opening]:
            raise self.error(f"'{closing}' closes the '{opening}' opened at {self._where(start)}", self.at)
        self.at += 1
        if opening in "([":
            if top:
                self.elements_of_first = items
            return tuple(form for form, _ in items)
        if opening == "#{":
            elements: dict = {}
            for form, offset in items:
                self._put(elements, _hashable(form), True, offset, "set element")
            return frozenset(elements)
        if len(items) % 2:
            raise self.error(f"the map opened here has an odd number of forms ({len(items)}): "
                             "a key without its value", start)
        entries: dict = {}
        for (key, offset), (value, _) in zip(items[::2], items[1::2]):
            self._put(entries, key if type(key) in _HASHABLE else _hashable(key), value, offset, "key")
        return entries

    def _put(self, into: dict, key: Any, value: Any, offset: int, what: str) -> None:
        if key in into:
            existing = next(k for k in into if k == key)
            raise self.error(f"duplicate {what} {_show(key)}" if type(existing) is type(key) else
                             f"{what}s {_show(existing)} and {_show(key)} are equal in Python, which "
                             "cannot keep them apart", offset)
        into[key] = value

    def _where(self, offset: int) -> str:
        line, column = self.position(offset)
        return f"line {line}, column {column}"

    def _string(self, start: int) -> str:
        m = _STRING.match(self.text, start)
        if m is None:
            raise self.error("a string opened here is never closed", start)
        self.at = m.end()
        body = m.group(1)

        def unescape(e: re.Match) -> str:
            code = e.group(1)
            if code in _ESCAPES:
                return _ESCAPES[code]
            if code.startswith("u") and len(code) == 5:
                return chr(int(code[1:], 16))
            raise self.error(f"unknown escape '\\{code}' in a string", start + 1 + e.start())
        return _ESCAPE.sub(unescape, body) if "\\" in body else body

    def _char(self, start: int) -> Char:
        m = _CHAR.match(self.text, start)
        if m is None:
            raise self.error("a '\\' must be followed by a character", start)
        self.at = m.end()
        if self.at < len(self.text) and self.text[self.at] not in _DELIMITERS:
            raise self.error(f"not a character literal: {self._token(start)!r}", start)
        name = m.group(1)
        if name in _NAMED_CHARS:
            return Char(_NAMED_CHARS[name])
        return Char(chr(int(name[1:], 16)) if len(name) == 5 else name)

    def _token(self, start: int) -> str:
        m = _TOKEN_END.search(self.text, start + 1)
        return self.text[start:m.start() if m else len(self.text)]

    def _symbolic(self, start: int) -> float:
        token = self._token(start)
        if token[2:] not in _SYMBOLIC:
            raise self.error(f"unknown symbolic value {token!r} (EDN has ##Inf, ##-Inf, ##NaN)", start)
        self.at = start + len(token)
        return _SYMBOLIC[token[2:]]

    def _tagged(self, start: int) -> Any:
        token = self._token(start)
        tag = token[1:]
        if not tag or not tag[0].isalpha() or _SYMBOL.fullmatch(tag) is None:
            raise self.error(f"'#' must begin a tag, a set '#{{', a discard '#_' or '##Inf'; got {token!r}", start)
        self.at = start + len(token)
        value_at = self._skip()
        value = self._required(start, f"the tag #{tag} is not followed by a form")
        if tag == "inst":
            return self._instant(value, value_at)
        if tag == "uuid":
            try:
                return uuid.UUID(value) if isinstance(value, str) else uuid.UUID("")
            except ValueError:
                raise self.error(f"#uuid needs a string like \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\", "
                                 f"got {_show(value)}", value_at) from None
        return Tagged(tag, value)

    def _instant(self, value: Any, offset: int) -> datetime.datetime:
        """An RFC 3339 time (missing parts as Clojure fills them in: month and day 1, time 0,
        UTC); digits past microseconds are dropped (Clojure keeps only milliseconds)."""
        m = _INSTANT.fullmatch(value) if isinstance(value, str) else None
        try:
            if m is None:
                raise ValueError
            year, month, day, hour, minute, second, fraction, zone = m.groups()
            offset_minutes = 0 if zone in (None, "Z", "z") else \
                (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
            return datetime.datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                                     int(second or 0), int((fraction or "0")[:6].ljust(6, "0")),
                                     datetime.timezone(datetime.timedelta(minutes=offset_minutes)))
        except ValueError:
            raise self.error(f"#inst needs an RFC 3339 time string like \"1985-04-12T23:20:50.52Z\", "
                             f"got {_show(value)}", offset) from None

    def _atom(self, start: int) -> Any:
        token = self._token(start)
        self.at = start + len(token)
        value = self.atoms.get(token, _END)  # histories repeat their keywords and numbers
        if value is _END:
            value = self.atoms[token] = self._atom_value(token, start)
        return value

    def _atom_value(self, token: str, start: int) -> Any:
        if token in ("nil", "true", "false"):
            return {"nil": None, "true": True, "false": False}[token]
        if token[0] in _DIGITS or token[0] in "+-" and token[1:2] and token[1] in _DIGITS:
            return self._number(token, start)
        if token[0] == ":":
            if _SYMBOL.fullmatch(token[1:]) is None or token[1:] == "/":
                raise self.error(f"not a keyword: {token!r}", start)
            return Keyword(token[1:])
        if _SYMBOL.fullmatch(token) is None:
            raise self.error(f"not EDN: {token!r}", start)
        return Symbol(token)

    def _number(self, token: str, start: int) -> Any:
        if _INT.fullmatch(token):
            return int(token.rstrip("N"))
        if _FLOAT.fullmatch(token):
            return Decimal(token[:-1]) if token.endswith("M") else float(token)
        if _RATIO.fullmatch(token):
            return Fraction(token)
        if re.fullmatch(r"[+-]?0[0-9]+N?", token):
            raise self.error(f"{token!r}: an integer with a leading zero (Clojure would read it as octal; "
                             "EDN does not allow it)", start)
        raise self.error(f"not a number: {token!r}", start)


def _hashable(value: Any) -> Any:
    """`value` made hashable to be a map key or set element: maps inside become FrozenMaps."""
    if isinstance(value, dict):
        return FrozenMap({k: _hashable(v) for k, v in value.items()})
    if isinstance(value, tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, Tagged):
        return Tagged(value.tag, _hashable(value.value))
    return value


def _show(value: Any) -> str:
    text = dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def dumps(value: Any) -> str:
    """EDN text for a value this reader produces (lists and vectors are written as vectors)."""
    if value is None:
        return "nil"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (Keyword, Symbol)):
        return str(value)
    if isinstance(value, str):
        return '"' + "".join(_WRITE_ESCAPES.get(c, c) for c in value) + '"'
    if isinstance(value, Char):
        named = {v: k for k, v in _NAMED_CHARS.items()}
        c = value.char
        return "\\" + named.get(c, c if c.isprintable() or ord(c) > 0xFFFF else f"u{ord(c):04x}")
    if isinstance(value, float):
        if value != value:
            return "##NaN"
        if value in (float("inf"), float("-inf")):
            return "##Inf" if value > 0 else "##-Inf"
        return repr(value)
    if isinstance(value, Decimal):
        return f"{value}M"
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + " ".join(map(dumps, value)) + "]"
    if isinstance(value, (frozenset, set)):
        return "#{" + " ".join(map(dumps, value)) + "}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{dumps(k)} {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Tagged):
        return f"#{value.tag} {dumps(value.value)}"
    if isinstance(value, datetime.datetime):
        return f'#inst "{value.isoformat()}"'
    if isinstance(value, uuid.UUID):
        return f'#uuid "{value}"'
    raise TypeError(f"no EDN for {type(value).__name__}")


_WRITE_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\b": "\\b", "\f": "\\f", "\\": "\\\\", '"': '\\"'}
