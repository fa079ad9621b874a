"""JavaScript/TypeScript, YAML and JSON: languages whose Pygments lexer is all a scan needs."""

from __future__ import annotations

from pathlib import PurePath

from pygments.lexer import Lexer
from pygments.lexers.data import JsonLexer, YamlLexer
from pygments.lexers.javascript import JavascriptLexer, TypeScriptLexer
from pygments.lexers.jsx import JsxLexer, TsxLexer  # type: ignore[attr-defined]  # the stubs lack TsxLexer
from pygments.token import Name, _TokenType

from ...rules.roles import Role
from .pygments_lexed import default_role, is_a, pygments_scanner

_SCRIPT_LEXERS: dict[str, type[Lexer]] = {
    ".ts": TypeScriptLexer,
    ".mts": TypeScriptLexer,
    ".cts": TypeScriptLexer,
    ".tsx": TsxLexer,
    ".jsx": JsxLexer,
}


def _script_lexer(path: str) -> type[Lexer]:
    return _SCRIPT_LEXERS.get(PurePath(path).suffix.lower(), JavascriptLexer)


def _data_role(kind: _TokenType) -> tuple[Role, bool] | None:
    """YAML and JSON hold no names: keys and scalars, quoted or plain, are all strings."""
    if is_a(kind, Name):
        return Role.STRING, False
    return default_role(kind)


scan_javascript = pygments_scanner(_script_lexer)
scan_yaml = pygments_scanner(lambda path: YamlLexer, _data_role)
scan_json = pygments_scanner(lambda path: JsonLexer, _data_role)
