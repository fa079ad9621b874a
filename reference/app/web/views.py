"""The viewer's endpoints: sign-in, the operations index and detail, findings and inventory items.

Every page that shows a record checks access the same way: a record that does not exist, or
belongs to a workspace the viewer is not a member of, is 404; a member whose role lacks
operations.view gets 403. Pages read the database only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.records import RecordPage, get_finding, get_inventory_item, list_findings, list_inventory_items
from app.run_types import RunOutcome, RunStatus, RunType
from app.web.listing import Listing, ListingError, Paging
from app.web.reads import linked_to_run, tenant, tenants_in, user_labels
from app.web.session import (
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    current_viewer,
    safe_next,
    sign_in,
    sign_out,
)
from app.web.state import state
from app.web.templates import render
from app.web.viewer import Viewer, authenticate

__all__ = [
    "finding_show",
    "findings_index",
    "home",
    "inventory_item_show",
    "inventory_items_index",
    "login",
    "login_form",
    "logout",
    "operation_show",
    "operations_index",
    "tenant_operations",
]

T = TypeVar("T")


def home(request: Request) -> Response:
    """Send visitors to the operations index."""
    return RedirectResponse(request.app.url_path_for("operations.index"), status_code=302)


def login_form(request: Request) -> Response:
    """Show the login form."""
    return _login_page(request, request.query_params.get("next"))


async def login(request: Request) -> Response:
    """Sign a user in with email and password, then go where they were heading."""
    form = await request.form()
    target = form.get("next")
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return _login_page(request, target, "Your session expired. Please sign in again.", status_code=400)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    # scrypt is deliberately slow; keep it off the event loop.
    user_id = await run_in_threadpool(authenticate, state(request).engine, email, password)
    if user_id is None:
        return _login_page(request, target, "Unknown email or wrong password.", status_code=400, email=email)
    await run_in_threadpool(sign_in, request, user_id)
    return RedirectResponse(safe_next(target, request.app.url_path_for("operations.index")), status_code=303)


async def logout(request: Request) -> Response:
    """Sign the user out."""
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        raise HTTPException(400, "The sign-out form expired; reload the page and try again.")
    await run_in_threadpool(sign_out, request)
    return RedirectResponse(request.app.url_path_for("login"), status_code=303)


def operations_index(request: Request) -> Response:
    """List the runs of the viewer's workspaces, newest first, filtered and paginated."""
    viewer = current_viewer(request)
    try:
        listing = Listing.parse(request.query_params)
    except ListingError as error:
        raise HTTPException(400, str(error)) from None
    shared = state(request)
    with shared.engine.connect() as connection:
        tenants = tenants_in(connection, viewer.viewable)
        if listing.tenant_id is not None and listing.tenant_id not in tenants:
            # The same rule as the tenant's own pages: 404 outside the viewer's workspaces, else 403.
            viewer.require(_found(tenant(connection, listing.tenant_id)).workspace_id)
        if not viewer.viewable:
            raise HTTPException(403)
        page = shared.runs.list(listing.filter(viewer.viewable), page=listing.page, per_page=listing.per_page)
        if page.page > page.pages:
            raise HTTPException(404)
        initiators = user_labels(connection, (run.initiator_user_id for run in page.runs))
    return _page(
        request,
        viewer,
        "operations/index.html",
        listing=listing,
        page=page,
        tenants=tenants,
        initiators=initiators,
        run_types=list(RunType),
        run_statuses=list(RunStatus),
        run_outcomes=list(RunOutcome),
    )


def findings_index(request: Request) -> Response:
    """List the findings of the viewer's workspaces, newest first, paginated."""
    return _record_list(request, list_findings, "findings/index.html")


def inventory_items_index(request: Request) -> Response:
    """List the inventory items of the viewer's workspaces, newest first, paginated."""
    return _record_list(request, list_inventory_items, "inventory/index.html")


def _record_list(request: Request, lister: Callable[..., RecordPage], template: str) -> Response:
    viewer = current_viewer(request)
    try:
        paging = Paging.parse(request.query_params)
    except ListingError as error:
        raise HTTPException(400, str(error)) from None
    if not viewer.viewable:
        raise HTTPException(403)
    shared = state(request)
    page = lister(shared.engine, viewer.viewable, page=paging.page, per_page=paging.per_page)
    if page.page > page.pages:
        raise HTTPException(404)
    with shared.engine.connect() as connection:
        tenants = tenants_in(connection, viewer.viewable)
    return _page(request, viewer, template, page=page, paging=paging, tenants=tenants)


def operation_show(request: Request) -> Response:
    """Show one run: type, status, outcome, tenant, initiator, timestamps, summary counts and context."""
    viewer = current_viewer(request)
    shared = state(request)
    run = _found(shared.runs.get(request.path_params["id"]))
    viewer.require(run.workspace_id)
    with shared.engine.connect() as connection:
        run_tenant = tenant(connection, run.tenant_id)
        initiators = user_labels(connection, [run.initiator_user_id])
        findings, items = linked_to_run(connection, run.id)
    return _page(
        request,
        viewer,
        "operations/show.html",
        run=run,
        tenant=run_tenant,
        initiators=initiators,
        findings=findings,
        items=items,
    )


def tenant_operations(request: Request) -> Response:
    """Redirect a tenant's operations to the index filtered to that tenant."""
    viewer = current_viewer(request)
    with state(request).engine.connect() as connection:
        found = _found(tenant(connection, request.path_params["tenant"]))
    viewer.require(found.workspace_id)
    index = request.app.url_path_for("operations.index")
    return RedirectResponse(f"{index}?{Listing(tenant_id=found.id).query()}", status_code=302)


def finding_show(request: Request) -> Response:
    """Show a finding with links to the runs it compares."""
    viewer = current_viewer(request)
    finding = _found(get_finding(state(request).engine, request.path_params["id"]))
    viewer.require(finding.workspace_id)
    return _record_page(request, viewer, "findings/show.html", finding=finding, tenant_id=finding.tenant_id)


def inventory_item_show(request: Request) -> Response:
    """Show an inventory item with a link to the run that saw it last."""
    viewer = current_viewer(request)
    item = _found(get_inventory_item(state(request).engine, request.path_params["id"]))
    viewer.require(item.workspace_id)
    return _record_page(request, viewer, "inventory/show.html", item=item, tenant_id=item.tenant_id)


def _record_page(request: Request, viewer: Viewer, template: str, *, tenant_id: int, **context: Any) -> Response:
    with state(request).engine.connect() as connection:
        record_tenant = tenant(connection, tenant_id)
    return _page(request, viewer, template, tenant=record_tenant, **context)


def _page(request: Request, viewer: Viewer, template: str, **context: Any) -> Response:
    return render(request, template, {**context, "viewer": viewer, "csrf_token": csrf_token(request)})


def _login_page(
    request: Request, target: object, error: str | None = None, *, status_code: int = 200, email: str = ""
) -> Response:
    context: Mapping[str, Any] = {
        "csrf_token": csrf_token(request),
        "next": safe_next(target, ""),
        "error": error,
        "email": email,
    }
    return render(request, "login.html", context, status_code=status_code)


def _found(record: T | None) -> T:
    """Return *record*, or answer 404 when there is none."""
    if record is None:
        raise HTTPException(404)
    return record
