"""Jinja, Django, Twig and plain HTML templates, read by Pygments' HTML+template lexers.

Template comments (`{# … #}`, `{% comment %}`) and HTML comments are prose; expressions,
tags, attribute values and page text are scanned.
"""

from __future__ import annotations

from pygments.lexer import Lexer
from pygments.lexers.templates import HtmlDjangoLexer, TwigHtmlLexer

from .pygments_lexed import pygments_scanner


def _template_lexer(path: str) -> type[Lexer]:
    """Twig by its suffix; Jinja and Django share a syntax, and plain HTML is a template without tags."""
    return TwigHtmlLexer if path.lower().endswith(".twig") else HtmlDjangoLexer


scan_template = pygments_scanner(_template_lexer)
