"""PHP as the token-level analyzers read it: the lexer's tokens as atoms (one bracket per atom, comments
and blanks left out) and each bracket's partner, from which function, closure and loop structure follows."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pygments.token import Comment, Keyword, Name, Operator, Punctuation, String, _TokenType

from .scanners.pygments_lexed import Token, is_a

OPENING = {"(": ")", "[": "]", "{": "}"}
CLOSING = frozenset(OPENING.values())


class AtomKind(enum.Enum):
    NAME = "name"
    VARIABLE = "variable"
    STRING = "string"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    BRACKET = "bracket"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Atom:
    """A PHP token as the analyzer reads it: one bracket per atom; comments and blanks are left out."""

    kind: AtomKind
    start: int
    end: int
    text: str


def atoms_of(tokens: list[Token], text: str) -> list[Atom]:
    """Turn lexer tokens into atoms; brackets the lexer merges (`]);`) are split one per character."""
    result = []
    for token in tokens:
        value = text[token.start : token.end]
        kind = token.kind
        if not value.strip() or is_a(kind, Comment) or is_a(kind, String.Doc) or is_a(kind, String.Interpol):
            continue
        if is_a(kind, Punctuation):
            for index, char in enumerate(value):
                if not char.isspace():
                    atom_kind = AtomKind.BRACKET if char in OPENING or char in CLOSING else AtomKind.OPERATOR
                    result.append(Atom(atom_kind, token.start + index, token.start + index + 1, char))
            continue
        result.append(Atom(_kind_of(kind, value), token.start, token.end, value))
    return result


def _kind_of(kind: _TokenType, value: str) -> AtomKind:
    if is_a(kind, Name.Variable):
        return AtomKind.VARIABLE
    if is_a(kind, Name):
        return AtomKind.KEYWORD if value == "fn" else AtomKind.NAME  # Pygments reads `fn` as a name
    if is_a(kind, String):
        return AtomKind.STRING
    if is_a(kind, Keyword):
        return AtomKind.KEYWORD
    if is_a(kind, Operator):
        return AtomKind.OPERATOR
    return AtomKind.OTHER


def bracket_partners(items: list[Atom]) -> dict[int, int]:
    """Index of each bracket's partner; an unclosed bracket closes at the end."""
    partner: dict[int, int] = {}
    stack: list[int] = []
    for index, atom in enumerate(items):
        if atom.kind is not AtomKind.BRACKET:
            continue
        if atom.text in OPENING:
            stack.append(index)
        elif stack and OPENING[items[stack[-1]].text] == atom.text:
            opening = stack.pop()
            partner[opening], partner[index] = index, opening
    for opening in stack:
        partner[opening] = len(items)
    return partner
