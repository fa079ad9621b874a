"""What a person needs from the pages: badges, errors first, durations, times, outcome filter, lists, accessibility."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from refsupport import World, counting_statements
from sqlalchemy.engine import Engine
from websupport import Clients, log_in, new_client, run_ids, set_passwords

from app import db
from app.main import create_app
from app.web.templates import STATIC

OWNER = "owner@contoso.test"
r = db.operation_runs.c


def _contoso_ids(engine: Engine, table: sa.Table) -> list[int]:
    contoso = sa.select(db.tenants.c.id).join(db.workspaces).where(db.workspaces.c.name == "Contoso")
    with engine.connect() as connection:
        return list(connection.execute(sa.select(table.c.id).where(table.c.tenant_id.in_(contoso))).scalars())


def _failed_run(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.max(r.id)).where(r.outcome == "failed", r.workspace_id == 1)
            ).scalar_one()
        )


def test_status_and_outcome_are_coloured_badges_with_text(demo_clients: Clients, demo_engine: Engine) -> None:
    failed = _failed_run(demo_engine)
    index = demo_clients(OWNER).get("/admin/operations?per_page=100").text
    row = re.search(rf'<tr data-run-id="{failed}">(.*?)</tr>', index, re.S)
    assert row is not None
    assert '<span class="badge status-completed">Completed</span>' in row.group(1)
    assert '<span class="badge outcome-failed">Failed</span>' in row.group(1)
    assert '<span class="badge outcome-succeeded">Succeeded</span>' in index
    css = (STATIC / "viewer.css").read_text()
    colours = {
        name: re.search(rf"\.{name} {{[^}}]*background: (#[0-9a-f]{{6}})", css)
        for name in ("outcome-failed", "outcome-succeeded")
    }
    assert all(colours.values()) and colours["outcome-failed"].group(1) != colours["outcome-succeeded"].group(1)


def test_a_failed_runs_error_is_shown_above_its_context(demo_clients: Clients, demo_engine: Engine) -> None:
    page = demo_clients(OWNER).get(f"/admin/operations/{_failed_run(demo_engine)}").text
    summary = page.index('<div class="error-summary" role="alert">')
    assert "Graph answered" in page[summary : page.index("</div>", summary)]
    assert summary < page.index("<h2>Context</h2>")


def test_runs_show_durations_and_machine_readable_times(demo_clients: Clients, demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        run = connection.execute(
            sa.select(db.operation_runs).where(r.completed_at.is_not(None), r.workspace_id == 1).order_by(r.id)
        ).first()
    assert run is not None
    page = demo_clients(OWNER).get(f"/admin/operations/{run.id}").text
    seconds = int((db.utc(run.completed_at) - db.utc(run.started_at)).total_seconds())
    assert (
        f"<dt>Duration</dt><dd>{seconds // 60} min {seconds % 60} s</dd>" in page
        or f"<dt>Duration</dt><dd>{seconds} s</dd>" in page
    )
    created = db.utc(run.created_at)
    assert f'<time datetime="{created.isoformat()}">{created:%Y-%m-%d %H:%M:%S} UTC</time>' in page
    index = demo_clients(OWNER).get("/admin/operations").text
    assert '<th scope="col">Duration</th>' in index and "<time datetime=" in index


@pytest.mark.parametrize("outcome", ["failed", "succeeded", "partially_succeeded", "cancelled"])
def test_the_index_filters_by_outcome(demo_clients: Clients, demo_engine: Engine, outcome: str) -> None:
    page = demo_clients(OWNER).get(f"/admin/operations?per_page=100&outcome={outcome}")
    statement = (
        sa.select(r.id).where(r.workspace_id == 1, r.outcome == outcome).order_by(r.created_at.desc(), r.id.desc())
    )
    with demo_engine.connect() as connection:
        expected = list(connection.execute(statement).scalars())
    assert run_ids(page.text) == expected
    assert f'<option value="{outcome}" selected>' in page.text


def test_an_unknown_outcome_is_a_400_naming_the_allowed_ones(demo_clients: Clients) -> None:
    response = demo_clients(OWNER).get("/admin/operations?outcome=won")
    assert response.status_code == 400
    assert "outcome must be one of: succeeded, partially_succeeded, failed, cancelled" in response.text


@pytest.mark.parametrize(
    ("path", "table", "link"),
    [
        pytest.param("/admin/findings", db.findings, "/admin/findings/", id="findings"),
        pytest.param("/admin/inventory-items", db.inventory_items, "/admin/inventory-items/", id="inventory-items"),
    ],
)
def test_list_pages_show_the_records_of_the_viewers_workspaces(
    demo_clients: Clients, demo_engine: Engine, path: str, table: sa.Table, link: str
) -> None:
    expected = sorted(_contoso_ids(demo_engine, table))
    shown: list[int] = []
    page, pages = 1, 1
    while page <= pages:
        response = demo_clients(OWNER).get(f"{path}?per_page=2&page={page}")
        assert response.status_code == 200
        shown += [int(found) for found in re.findall(rf'href="{link}(\d+)"', response.text)]
        pages = int(re.search(r"page \d+ of (\d+)\.", response.text).group(1))
        page += 1
    assert sorted(shown) == expected and len(expected) > 2
    assert demo_clients(OWNER).get(f"{path}?per_page=2&page={pages + 1}").status_code == 404
    assert demo_clients("billing@contoso.test").get(path).status_code == 403
    assert demo_clients(None).get(path).status_code == 303


def test_list_pages_take_as_many_queries_for_many_records_as_for_one(
    head_url: str, engine: Engine, world: World
) -> None:
    set_passwords(engine)
    app = create_app(head_url)
    client = new_client(app)
    log_in(client, "user1@example.test")

    def add(first: int, how_many: int) -> None:
        with engine.begin() as connection:
            for n in range(first, first + how_many):
                connection.execute(
                    db.findings.insert().values(
                        tenant_id=world.tenant,
                        finding_type="drift",
                        subject_external_id=f"p{n}",
                        status="new",
                        created_at=db.utcnow(),
                    )
                )
                connection.execute(
                    db.inventory_items.insert().values(
                        tenant_id=(world.tenant, world.second_tenant)[n % 2],
                        external_id=f"p{n}",
                        policy_type="compliance",
                        display_name=f"Item {n}",
                    )
                )

    counts = {}
    add(0, 1)
    for path in ("/admin/findings?per_page=50", "/admin/inventory-items?per_page=50"):
        client.get(path)
        with counting_statements(app.state.viewer.engine) as one:
            client.get(path)
        counts[path] = len(one)
    add(1, 49)
    for path, before in counts.items():
        with counting_statements(app.state.viewer.engine) as fifty:
            response = client.get(path)
        assert response.text.count("<tr data-record-id=") == 50
        assert len(fifty) == before, "\n".join(fifty)
    app.state.viewer.engine.dispose()


def test_tables_have_captions_and_header_scopes(demo_clients: Clients, demo_engine: Engine) -> None:
    client = demo_clients(OWNER)
    with demo_engine.connect() as connection:
        counted = connection.execute(sa.select(sa.func.min(r.id)).where(r.outcome == "succeeded")).scalar_one()
    pages = ["/admin/operations", "/admin/findings", "/admin/inventory-items", f"/admin/operations/{counted}"]
    for path in pages:
        html = client.get(path).text
        tables = html.count("<table")
        assert tables >= 1 and html.count("<caption") == tables, path
        assert re.search(r"<th(?=[\s>])(?![^>]*scope=)[^>]*>", html) is None, path


def test_pagination_is_a_labelled_nav(demo_clients: Clients) -> None:
    html = demo_clients(OWNER).get("/admin/operations?per_page=10&page=2").text
    assert '<nav class="pages" aria-label="Pagination">' in html
    assert 'rel="next" href="?page=3&amp;per_page=10">Next page</a>' in html


def test_links_say_where_they_go(demo_clients: Clients) -> None:
    html = demo_clients(OWNER).get("/admin/operations").text
    texts = re.findall(r'<a href="/admin/operations/\d+">([^<]*)</a>', html)
    assert texts and all(re.fullmatch(r"Operation run #\d+", text) for text in texts)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_muted_text_and_badges_meet_aa_contrast() -> None:
    css = (STATIC / "viewer.css").read_text()
    page_background = re.search(r"body {[^}]*background: (#[0-9a-f]{6})", css).group(1)
    muted = re.search(r"\.muted {[^}]*color: (#[0-9a-f]{6})", css).group(1)
    assert _contrast(muted, page_background) >= 4.5
    assert _contrast(muted, "#ffffff") >= 4.5
    for rule in re.finditer(r"\.badge\.[\w-]+ {[^}]*}", css):
        colour = re.search(r"color: (#[0-9a-f]{6})", rule.group(0)).group(1)
        background = re.search(r"background: (#[0-9a-f]{6})", rule.group(0)).group(1)
        assert _contrast(colour, background) >= 4.5, rule.group(0)
