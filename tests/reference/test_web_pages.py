"""What the viewer's pages show: the operations index and detail, findings and inventory items."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from refsupport import World, counting_statements
from sqlalchemy.engine import Engine
from websupport import Clients, log_in, new_client, run_ids, set_passwords

from app import db
from app.main import create_app
from app.run_types import RunType
from app.runs import RunStore

OWNER = "owner@contoso.test"
CONSULTANT = "consultant@example.test"
r = db.operation_runs.c


def _ids(engine: Engine, *where: sa.ColumnElement[bool]) -> list[int]:
    """Return the ids of the runs matching *where*, newest first, as the index orders them."""
    statement = sa.select(r.id).where(*where).order_by(r.created_at.desc(), r.id.desc())
    with engine.connect() as connection:
        return list(connection.execute(statement).scalars())


def _named(engine: Engine, table: sa.Table, name: str) -> int:
    """Return the id of the row of *table* (workspaces, tenants) called *name*."""
    with engine.connect() as connection:
        return int(connection.execute(sa.select(table.c.id).where(table.c.name == name)).scalar_one())


def _first_in_contoso(engine: Engine, table: sa.Table) -> sa.Row[Any]:
    """Return the row of *table* with the lowest id among Contoso's tenants."""
    contoso = sa.select(db.tenants.c.id).join(db.workspaces).where(db.workspaces.c.name == "Contoso")
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.tenant_id.in_(contoso)).order_by(table.c.id)).first()
    assert row is not None
    return row


@pytest.mark.parametrize(
    ("email", "workspaces"),
    [
        pytest.param(OWNER, ["Contoso"], id="owner"),
        pytest.param("owner@fabrikam.test", ["Fabrikam"], id="other-owner"),
        pytest.param(CONSULTANT, ["Contoso"], id="consultant-billing-in-fabrikam"),
    ],
)
def test_the_index_lists_the_runs_of_the_workspaces_the_user_may_view(
    demo_clients: Clients, demo_engine: Engine, email: str, workspaces: list[str]
) -> None:
    viewable = [_named(demo_engine, db.workspaces, name) for name in workspaces]
    page = demo_clients(email).get("/admin/operations?per_page=100")
    assert run_ids(page.text) == _ids(demo_engine, r.workspace_id.in_(viewable))


def test_the_index_pages_newest_first(demo_clients: Clients, demo_engine: Engine) -> None:
    every = _ids(demo_engine, r.workspace_id == _named(demo_engine, db.workspaces, "Contoso"))
    client = demo_clients(OWNER)
    first, second = (client.get(f"/admin/operations?per_page=10&page={n}") for n in (1, 2))
    assert run_ids(first.text) + run_ids(second.text) == every[:20]
    assert 'rel="next" href="?page=3&amp;per_page=10"' in second.text
    assert 'rel="prev" href="?per_page=10"' in second.text
    assert 'rel="prev"' not in first.text
    assert f"{len(every)} runs, page 2 of {-(-len(every) // 10)}." in second.text


@pytest.mark.parametrize(
    ("query", "where"),
    [
        pytest.param("type=inventory_sync", r.type == "inventory_sync", id="type"),
        pytest.param("status=queued", r.status == "queued", id="status"),
        pytest.param("type=backup_schedule_run&status=running", r.status == "running", id="type-and-status"),
        pytest.param("type=backup_schedule_purge", r.type == "backup_schedule_purge", id="nothing-in-contoso"),
    ],
)
def test_the_index_filters_by_type_and_status(
    demo_clients: Clients, demo_engine: Engine, query: str, where: sa.ColumnElement[bool]
) -> None:
    contoso = r.workspace_id == _named(demo_engine, db.workspaces, "Contoso")
    page = demo_clients(OWNER).get(f"/admin/operations?per_page=100&{query}")
    assert run_ids(page.text) == _ids(demo_engine, contoso, where)


def test_the_index_filters_by_tenant(demo_clients: Clients, demo_engine: Engine) -> None:
    tenant_id = _named(demo_engine, db.tenants, "Contoso US")
    page = demo_clients(OWNER).get(f"/admin/operations?per_page=100&tenant={tenant_id}")
    assert run_ids(page.text) == _ids(demo_engine, r.tenant_id == tenant_id) != []
    assert f'<option value="{tenant_id}" selected>Contoso / Contoso US</option>' in page.text


def test_the_tenant_route_redirects_to_the_filtered_index(demo_clients: Clients, demo_engine: Engine) -> None:
    tenant_id = _named(demo_engine, db.tenants, "Contoso EU")
    response = demo_clients(OWNER).get(f"/admin/t/{tenant_id}/operations")
    assert (response.status_code, response.headers["location"]) == (302, f"/admin/operations?tenant={tenant_id}")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param("type=inventory.sync", "type must be one of: inventory_sync, entra_group_sync", id="dotted-type"),
        pytest.param("status=finished", "status must be one of: queued, running, completed", id="status"),
        pytest.param("page=0", "page must be a whole number from 1 to", id="page-0"),
        pytest.param("per_page=101", "per_page must be a whole number from 1 to 100", id="per-page-too-big"),
        pytest.param("tenant=two", "tenant must be a tenant id, a whole number from 1", id="tenant-not-a-number"),
    ],
)
def test_the_index_refuses_a_query_it_cannot_honour(demo_clients: Clients, query: str, message: str) -> None:
    response = demo_clients(OWNER).get(f"/admin/operations?{query}")
    assert response.status_code == 400
    assert message in response.text


def test_the_operation_page_shows_the_run(demo_clients: Clients, demo_engine: Engine) -> None:
    failed = _ids(demo_engine, r.type == "inventory_sync", r.outcome == "failed")[-1]
    page = html.unescape(demo_clients(OWNER).get(f"/admin/operations/{failed}").text)
    for expected in (
        f"Operation run #{failed}",
        "<dd>Inventory sync <code>inventory_sync</code></dd>",
        '<dd><span class="badge status-completed">Completed</span></dd>',
        '<dd><span class="badge outcome-failed">Failed</span></dd>',
        ">Contoso US</a>",
        '"error": "Graph answered 503 Service Unavailable"',
        '<span class="muted">system</span>',
    ):
        assert expected in page


def test_the_operation_page_shows_counts_and_initiator(demo_clients: Clients, demo_engine: Engine) -> None:
    first_sync = _ids(demo_engine, r.type == "inventory_sync")[-1]
    page = html.unescape(demo_clients(OWNER).get(f"/admin/operations/{first_sync}").text)
    assert '<tr><th scope="row">Items observed</th><td>4</td></tr>' in page
    assert "Oskar Operator <operator@contoso.test>" in page


def test_the_operation_page_links_the_findings_that_compare_it(demo_clients: Clients, demo_engine: Engine) -> None:
    finding = _first_in_contoso(demo_engine, db.findings)
    f = db.findings.c
    for run_id in (finding.baseline_operation_run_id, finding.current_operation_run_id):
        comparing = sa.select(f.id).where(
            sa.or_(f.baseline_operation_run_id == run_id, f.current_operation_run_id == run_id)
        )
        with demo_engine.connect() as connection:
            expected = sorted(connection.execute(comparing).scalars())
        page = demo_clients(OWNER).get(f"/admin/operations/{run_id}").text
        assert sorted(int(found) for found in re.findall(r'href="/admin/findings/(\d+)"', page)) == expected


def test_the_operation_page_links_the_items_it_saw_last(demo_clients: Clients, demo_engine: Engine) -> None:
    item = _first_in_contoso(demo_engine, db.inventory_items)
    page = demo_clients(OWNER).get(f"/admin/operations/{item.last_seen_operation_run_id}").text
    assert f'<a href="/admin/inventory-items/{item.id}">{item.display_name}</a>' in page


def test_the_finding_page_links_both_runs(demo_clients: Clients, demo_engine: Engine) -> None:
    finding = _first_in_contoso(demo_engine, db.findings)
    page = demo_clients(OWNER).get(f"/admin/findings/{finding.id}").text
    assert f'<a href="/admin/operations/{finding.baseline_operation_run_id}">' in page
    assert f'<a href="/admin/operations/{finding.current_operation_run_id}">' in page
    assert "no recorded run" not in page


def test_the_inventory_page_links_the_run_that_saw_the_item_last(demo_clients: Clients, demo_engine: Engine) -> None:
    item = _first_in_contoso(demo_engine, db.inventory_items)
    page = demo_clients(OWNER).get(f"/admin/inventory-items/{item.id}").text
    assert f"<h1>{item.display_name}</h1>" in page
    assert f'<a href="/admin/operations/{item.last_seen_operation_run_id}">' in page


def test_the_home_page_leads_to_the_index(demo_clients: Clients) -> None:
    response = demo_clients(None).get("/")
    assert (response.status_code, response.headers["location"]) == (302, "/admin/operations")


def test_references_to_no_run_render_as_no_recorded_run(head_url: str, engine: Engine, world: World) -> None:
    set_passwords(engine)
    with engine.begin() as connection:
        finding_id = connection.execute(
            db.findings.insert()
            .values(tenant_id=world.tenant, finding_type="drift", subject_external_id="p1", status="new")
            .values(created_at=sa.func.now())
            .returning(db.findings.c.id)
        ).scalar_one()
        item_id = connection.execute(
            db.inventory_items.insert()
            .values(tenant_id=world.tenant, external_id="p1", policy_type="compliance", display_name="Legacy item")
            .returning(db.inventory_items.c.id)
        ).scalar_one()
    app = create_app(head_url)
    client = new_client(app)
    log_in(client, "user1@example.test")
    finding = client.get(f"/admin/findings/{finding_id}").text
    item = client.get(f"/admin/inventory-items/{item_id}").text
    app.state.viewer.engine.dispose()

    assert '<dd class="baseline-run"><span class="muted">no recorded run</span></dd>' in finding
    assert '<dd class="current-run"><span class="muted">no recorded run</span></dd>' in finding
    assert '<dd class="last-seen-run"><span class="muted">no recorded run</span></dd>' in item


def test_the_index_takes_as_many_queries_for_50_runs_as_for_1(head_url: str, engine: Engine, world: World) -> None:
    set_passwords(engine)
    store = RunStore(engine)
    initiators = (world.operator, world.manager, None)
    tenants = (world.tenant, world.second_tenant)

    def add_runs(count: int, start: int) -> None:
        for n in range(start, start + count):
            store.create(
                world.workspace,
                list(RunType)[n % len(RunType)],
                tenant_id=tenants[n % 2],
                initiator_user_id=initiators[n % 3],
            )

    app = create_app(head_url)
    client = new_client(app)
    log_in(client, "user1@example.test")
    add_runs(1, 0)
    client.get("/admin/operations?per_page=50")  # the engine's first connection runs setup queries
    with counting_statements(app.state.viewer.engine) as one:
        one_run = client.get("/admin/operations?per_page=50")
    add_runs(49, 1)
    with counting_statements(app.state.viewer.engine) as fifty:
        fifty_runs = client.get("/admin/operations?per_page=50")
    app.state.viewer.engine.dispose()

    assert (len(run_ids(one_run.text)), len(run_ids(fifty_runs.text))) == (1, 50)
    assert len(fifty) == len(one), "\n".join(fifty)
