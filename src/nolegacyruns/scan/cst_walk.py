"""Walk a libcst tree's code fast: its nodes in source order, layout (whitespace, comments, brackets) left out.

libcst's own `children` property re-visits a node each time it is read, and a visitor pass enters every
whitespace node. Here each node class's code fields are learnt once, from its first instance, and each
node's children are read from those fields directly and kept (by id) until `forget_walked()`: the
structural analyzers walk the same statements several times (bindings, shapes, sources).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

import libcst as cst


def walk(node: cst.CSTNode, *, skip_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Yield node and its descendants in source order, not entering nested functions and classes.

    Whitespace, comments and punctuation are not visited: nothing in them is code.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = _children(current)
        for child in reversed(children):
            if skip_scopes and type(child) in _SCOPES:
                continue
            stack.append(child)


_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
# Fields that hold only layout (whitespace, comments, brackets, separators), never code.
_LAYOUT_FIELDS = frozenset(
    {"lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header", "footer"}
)
_FIELD_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    """Record the fields a node's own traversal visits, in its (source) order, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False


def _code_fields(kind: type[cst.CSTNode], node: cst.CSTNode) -> tuple[str, ...]:
    """The fields of a node class that may hold code, in source order (learnt from its first instance)."""
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    order = dict.fromkeys(recorder.fields)  # every child field, None or not, is visited: all are here
    fields = tuple(name for name in order if name not in _LAYOUT_FIELDS and not name.startswith("whitespace"))
    _FIELD_ORDER[kind] = fields
    return fields


_NODE_TYPES: dict[type, bool] = {}


def _is_node(value: object) -> TypeGuard[cst.CSTNode]:
    """isinstance(value, CSTNode), cached per type: CSTNode is an ABC, and its check costs a Python call."""
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


# The children of each node of the module being analysed (walks revisit nodes: bindings, shapes, sources).
_CHILDREN: dict[int, list[cst.CSTNode]] = {}


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """node.children without layout nodes, read from the fields directly (libcst's property re-visits the node)."""
    found = _CHILDREN.get(id(node))
    if found is not None:
        return found
    kind = type(node)
    fields = _FIELD_ORDER.get(kind)
    if fields is None:
        fields = _code_fields(kind, node)
    found = []
    for name in fields:
        value = getattr(node, name)
        value_kind = type(value)
        if value_kind is tuple or value_kind is list:
            found.extend(value)  # libcst's sequences hold nodes only
        elif value is not None and _is_node(value):
            found.append(value)
    _CHILDREN[id(node)] = found
    return found


def forget_walked() -> None:
    """Drop the children kept for the tree walked: they are keyed by id(), valid only while that tree lives."""
    _CHILDREN.clear()
