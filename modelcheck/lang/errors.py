"""Spec errors: one exception type carrying a code, a source span and a hint.

Every stage that finds a problem in the user's input raises `SpecError` (or `SpecErrors`
for several). Only the CLI turns them into text and exit code 2; `render` produces the
`file:line:col: message`, the source line with a caret under the span, and the hint.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node sits in its file; lines and columns are 1-based, as lark gives them."""
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


@dataclass
class SpecError(Exception):
    """A problem in the user's input. Not frozen: raising sets __traceback__."""
    message: str
    span: Span = NO_SPAN
    hint: str | None = None
    source: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        head = f"{self.span}: error: {self.message}" if self.span.line else f"error: {self.message}"
        lines = [head]
        if self.source is not None and self.span.line:
            src_lines = self.source.splitlines()
            if 0 < self.span.line <= len(src_lines):
                text = src_lines[self.span.line - 1].expandtabs(1)
                width = 1
                if self.span.end_line == self.span.line and self.span.end_col > self.span.col:
                    width = self.span.end_col - self.span.col
                lines.append(f"  {self.span.line:4d} | {text}")
                lines.append(f"       | {' ' * (self.span.col - 1)}{'^' * width}")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


@dataclass
class SpecErrors(Exception):
    """Several errors found by one stage; rendered one after the other."""
    errors: list[SpecError]

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        return "\n\n".join(e.render() for e in self.errors)


def attach_source(err: SpecError, sources: dict[str, str]) -> SpecError:
    """Give an error the text of its file so that it can show the offending line."""
    if err.source is None:
        err.source = sources.get(err.span.file)
    return err
