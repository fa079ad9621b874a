"""Jinja, Django, Twig and HTML templates: comments are prose, everything else is scanned."""

from __future__ import annotations

import pytest

from nolegacyruns.findings import Suppression, SuppressionKind
from scanner_support import check, found


def directive(reason: str) -> Suppression:
    return Suppression(SuppressionKind.DIRECTIVE, reason)


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        pytest.param("t/a.html", "{# inventory_sync_runs #}\n<p>ok</p>\n", [], id="jinja-comment"),
        pytest.param("t/a.html", "<!-- /admin/inventory-sync-runs -->\n", [], id="html-comment"),
        pytest.param("t/a.html", "{% comment %}InventorySyncRun{% endcomment %}\n", [], id="django-comment-block"),
        pytest.param(
            "t/a.html",
            "<a href=\"{{ url_for('inventory_sync_runs.index') }}\">Runs</a>\n",
            [(1, 22, "NLR001")],
            id="jinja-url-for",
        ),
        pytest.param(
            "t/a.html", "<p>See /admin/inventory-sync-runs for details</p>\n", [(1, 15, "NLR005")], id="url-in-text"
        ),
        pytest.param(
            "t/a.html", '<a href="/admin/backup-schedule-runs">x</a>\n', [(1, 17, "NLR005")], id="url-in-attribute"
        ),
        pytest.param("t/a.html", '<tr data-type="inventory.sync">\n', [(1, 16, "NLR004")], id="run-type-in-attribute"),
        pytest.param(
            "t/a.j2",
            '{% if run.type == "entra_group.sync" %}{{ run.InventorySyncRun }}{% endif %}\n',
            [(1, 20, "NLR004"), (1, 47, "NLR002")],
            id="tag-and-expression",
        ),
        pytest.param("t/a.j2", "{{ inventory.sync }}\n", [], id="attribute-access-is-no-run-type"),
        pytest.param(
            "t/a.html.twig",
            "{# backup_schedule_runs #}{{ path('backup_schedule_runs_index') }}\n",
            [(1, 36, "NLR001")],
            id="twig",
        ),
        pytest.param(
            "t/a.html",
            '<script>\n// inventory_sync_runs\nfetch("/admin/inventory-sync-runs");\n</script>\n',
            [(3, 15, "NLR005")],
            id="script-in-html",
        ),
        pytest.param(
            "t/a.vue",
            '<template><a :href="`/admin/entra-group-sync-runs`">x</a></template>\n',
            [(1, 29, "NLR005")],
            id="vue",
        ),
    ],
)
def test_template(path: str, code: str, expected: list[tuple[int, int, str]]) -> None:
    assert found(path, code) == expected


def test_template_comments_are_reported_with_scan_comments() -> None:
    code = "{# inventory_sync_runs #}\n<!-- InventorySyncRun -->\n"
    assert found("t/a.html", code, scan_comments=True) == [(1, 4, "NLR001"), (2, 6, "NLR002")]


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param("{# nolegacyruns: ignore[NLR005] the redirect test needs it #}", id="jinja"),
        pytest.param("<!-- nolegacyruns: ignore[NLR005] the redirect test needs it -->", id="html"),
    ],
)
def test_directive_in_template_comment(comment: str) -> None:
    result = check("t/a.html", f'<a href="/admin/inventory-sync-runs">x</a>{comment}\n')
    assert [(f.rule, f.suppressed_by) for f in result.findings] == [("NLR005", directive("the redirect test needs it"))]


def test_directive_text_outside_a_comment_is_not_a_directive() -> None:
    code = "<p>nolegacyruns: ignore[NLR005] no /admin/inventory-sync-runs</p>\n"
    assert found("t/a.html", code) == [(1, 43, "NLR005")]
