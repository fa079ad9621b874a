"""Who sees what in the viewer: sign-in, 404 versus 403, and legacy run URLs that are simply gone."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.engine import Engine
from websupport import MISSING, Clients, DemoRecords, demo_records, form_token, log_in, new_client

from app import migrate
from app.main import create_app, from_environment
from app.web.passwords import hash_password, verify_password

PAGES = [
    pytest.param("/admin/operations/{run}", 200, id="operation"),
    pytest.param("/admin/findings/{finding}", 200, id="finding"),
    pytest.param("/admin/inventory-items/{item}", 200, id="inventory-item"),
    pytest.param("/admin/t/{tenant}/operations", 302, id="tenant-operations"),
    pytest.param("/admin/operations?tenant={tenant}", 200, id="operations-of-tenant"),
]
LEGACY_URLS = [
    pytest.param("/admin/inventory-sync-runs", id="inventory-sync-runs"),
    pytest.param("/admin/inventory-sync-runs/{run}", id="inventory-sync-run"),
    pytest.param("/admin/entra-group-sync-runs", id="entra-group-sync-runs"),
    pytest.param("/admin/entra-group-sync-runs/{run}", id="entra-group-sync-run"),
    pytest.param("/admin/backup-schedule-runs", id="backup-schedule-runs"),
    pytest.param("/admin/backup-schedule-runs/{run}", id="backup-schedule-run"),
    pytest.param("/admin/backup-schedules/{schedule}/runs", id="backup-schedule-history"),
]
EVERYONE = [
    pytest.param(None, id="anonymous"),
    pytest.param("owner@contoso.test", id="owner"),
    pytest.param("manager@contoso.test", id="manager"),
    pytest.param("operator@contoso.test", id="operator"),
    pytest.param("billing@contoso.test", id="billing"),
    pytest.param("owner@fabrikam.test", id="other-owner"),
    pytest.param("consultant@example.test", id="consultant"),
]
SIGNED_IN = EVERYONE[1:]

Visit = Callable[[str | None, str, str], httpx.Response]


@pytest.fixture(scope="module")
def records(demo_engine: Engine) -> dict[str, DemoRecords]:
    return {workspace: demo_records(demo_engine, workspace) for workspace in ("Contoso", "Fabrikam")}


@pytest.fixture
def visit(demo_clients: Clients, records: dict[str, DemoRecords]) -> Visit:
    """Return a function that GETs a page about *workspace*'s records as *email*."""

    def get(email: str | None, workspace: str, template: str) -> httpx.Response:
        response: httpx.Response = demo_clients(email).get(records[workspace].path(template))
        return response

    return get


@pytest.mark.parametrize(("template", "status"), PAGES)
@pytest.mark.parametrize(
    ("email", "workspace"),
    [
        pytest.param("owner@contoso.test", "Contoso", id="owner"),
        pytest.param("manager@contoso.test", "Contoso", id="manager"),
        pytest.param("operator@contoso.test", "Contoso", id="operator"),
        pytest.param("consultant@example.test", "Contoso", id="consultant-as-operator"),
        pytest.param("owner@fabrikam.test", "Fabrikam", id="other-owner"),
    ],
)
def test_members_with_operations_view_see_the_page(
    visit: Visit, template: str, status: int, email: str, workspace: str
) -> None:
    assert visit(email, workspace, template).status_code == status


@pytest.mark.parametrize(("template", "status"), PAGES)
@pytest.mark.parametrize(
    ("email", "workspace"),
    [
        pytest.param("billing@contoso.test", "Contoso", id="billing"),
        pytest.param("consultant@example.test", "Fabrikam", id="consultant-as-billing"),
    ],
)
def test_members_without_operations_view_get_403(
    visit: Visit, template: str, status: int, email: str, workspace: str
) -> None:
    response = visit(email, workspace, template)
    assert response.status_code == 403
    assert "does not allow viewing operations" in response.text


@pytest.mark.parametrize(("template", "status"), PAGES)
@pytest.mark.parametrize(
    ("email", "workspace"),
    [
        pytest.param("owner@fabrikam.test", "Contoso", id="other-owner"),
        pytest.param("owner@contoso.test", "Fabrikam", id="owner"),
        pytest.param("billing@contoso.test", "Fabrikam", id="billing"),
    ],
)
def test_non_members_get_the_404_of_a_record_that_does_not_exist(
    demo_clients: Clients, visit: Visit, template: str, status: int, email: str, workspace: str
) -> None:
    hidden = visit(email, workspace, template)
    missing = demo_clients(email).get(MISSING.path(template))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.text == missing.text
    assert "location" not in hidden.headers


@pytest.mark.parametrize(("template", "status"), PAGES)
@pytest.mark.parametrize("email", SIGNED_IN)
def test_a_record_that_does_not_exist_is_404_for_every_user(
    demo_clients: Clients, template: str, status: int, email: str
) -> None:
    assert demo_clients(email).get(MISSING.path(template)).status_code == 404


@pytest.mark.parametrize(("template", "status"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(
    demo_clients: Clients, visit: Visit, template: str, status: int
) -> None:
    response = visit(None, "Contoso", template)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fadmin%2F")
    assert demo_clients(None).get(MISSING.path(template)).headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("template", LEGACY_URLS)
@pytest.mark.parametrize("email", EVERYONE)
def test_legacy_run_urls_are_404_without_a_redirect(
    demo_clients: Clients, visit: Visit, template: str, email: str | None
) -> None:
    response = visit(email, "Contoso", template)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.text == demo_clients(email).get("/admin/no-such-page").text


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/admin/operations/0", id="zero"),
        pytest.param("/admin/operations/12345678901234567890123", id="too-long"),
        pytest.param("/admin/operations/abc", id="not-a-number"),
    ],
)
def test_ids_that_name_nothing_find_no_route(demo_clients: Clients, path: str) -> None:
    response = demo_clients(None).get(path)
    assert (response.status_code, response.headers.get("location")) == (404, None)


def test_the_index_is_403_for_a_user_who_may_view_no_workspace(demo_clients: Clients) -> None:
    assert demo_clients("billing@contoso.test").get("/admin/operations").status_code == 403


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("owner@contoso.test", "wrong", id="wrong-password"),
        pytest.param("nobody@contoso.test", "demo", id="unknown-email"),
        pytest.param("owner@contoso.test", "", id="empty-password"),
    ],
)
def test_a_failed_login_says_so_and_signs_nobody_in(demo_clients: Clients, email: str, password: str) -> None:
    client = new_client(demo_clients.app)
    response = log_in(client, email, password)
    assert response.status_code == 400
    assert "Unknown email or wrong password." in response.text
    assert client.get("/admin/operations").status_code == 303


def test_a_login_without_the_form_token_is_refused(demo_clients: Clients) -> None:
    client = new_client(demo_clients.app)
    response = client.post("/login", data={"email": "owner@contoso.test", "password": "demo"})
    assert response.status_code == 400
    assert "session expired" in response.text
    assert client.get("/admin/operations").status_code == 303


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        pytest.param("/admin/operations?status=queued", "/admin/operations?status=queued", id="local-path"),
        pytest.param("", "/admin/operations", id="none"),
        pytest.param("//evil.example/steal", "/admin/operations", id="protocol-relative"),
        pytest.param("https://evil.example/", "/admin/operations", id="absolute"),
    ],
)
def test_login_returns_only_to_local_paths(demo_clients: Clients, target: str, landing: str) -> None:
    response = log_in(new_client(demo_clients.app), "owner@contoso.test", next=target)
    assert (response.status_code, response.headers["location"]) == (303, landing)


def test_the_login_form_carries_where_the_visitor_was_heading(demo_clients: Clients) -> None:
    client = new_client(demo_clients.app)
    to_login = client.get("/admin/operations?type=inventory_sync")
    form = client.get(to_login.headers["location"])
    assert 'name="next" value="/admin/operations?type=inventory_sync"' in form.text


def test_logout_needs_the_form_token_and_ends_the_session(demo_clients: Clients) -> None:
    client = new_client(demo_clients.app)
    log_in(client, "owner@contoso.test")
    page = client.get("/admin/operations")

    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/admin/operations").status_code == 200
    response = client.post("/logout", data={"csrf_token": form_token(page.text)})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/admin/operations").status_code == 303


def test_a_cookie_signed_with_another_secret_signs_nobody_in(demo_url: str) -> None:
    signed = create_app(demo_url, session_secret="first secret")
    other = create_app(demo_url, session_secret="second secret")
    client = new_client(signed)
    log_in(client, "owner@contoso.test")
    assert client.get("/admin/operations").status_code == 200

    stranger = new_client(other)
    stranger.cookies = client.cookies
    assert stranger.get("/admin/operations").status_code == 303
    for app in (signed, other):
        app.state.viewer.engine.dispose()


@pytest.mark.parametrize(
    ("stored", "password", "matches"),
    [
        pytest.param(hash_password("s3cret"), "s3cret", True, id="same"),
        pytest.param(hash_password("s3cret"), "S3cret", False, id="different"),
        pytest.param(None, "s3cret", False, id="no-hash"),
        pytest.param("scrypt$16384$8$1$bad", "s3cret", False, id="malformed"),
        pytest.param("md5$abc$def$1$2$3", "s3cret", False, id="other-scheme"),
    ],
)
def test_verify_password(stored: str | None, password: str, matches: bool) -> None:
    assert verify_password(password, stored) is matches


def test_hashes_are_salted() -> None:
    assert hash_password("same") != hash_password("same")


def test_the_factory_reads_database_url(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_url)
    app = from_environment()
    response = log_in(new_client(app), "owner@contoso.test")
    app.state.viewer.engine.dispose()
    assert (response.status_code, response.headers["location"]) == (303, "/admin/operations")


def test_the_viewer_refuses_a_database_below_head(empty_url: str) -> None:
    migrate.upgrade(empty_url, "2026_02_19_000001")
    with pytest.raises(
        RuntimeError, match=f"the database is at revision 2026_02_19_000001, not {migrate.head_revision()}"
    ):
        create_app(empty_url)
