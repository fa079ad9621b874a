"""Sessions that end, Secure cookies, security headers, and what the sign-in and the index accept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient
from websupport import Clients, form_token, log_in, new_client

from app import db, demo
from app.main import SESSION_COOKIE, create_app
from app.runs import RunStore
from app.web.accounts import change_password

OWNER = "owner@contoso.test"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.fixture
def viewer_app(demo_url: str) -> Iterator[Starlette]:
    app = create_app(demo_url)
    yield app
    app.state.viewer.engine.dispose()


def _copy(app: Starlette, client: TestClient) -> TestClient:
    """Return a second client carrying a copy of *client*'s cookie, as a stolen or second-tab cookie would."""
    copy = new_client(app)
    copy.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return copy


def test_signing_out_ends_every_copy_of_the_session_cookie(viewer_app: Starlette) -> None:
    client = new_client(viewer_app)
    log_in(client, OWNER)
    copy = _copy(viewer_app, client)
    page = client.get("/admin/operations")
    assert copy.get("/admin/operations").status_code == 200

    client.post("/logout", data={"csrf_token": form_token(page.text)})

    replayed = copy.get("/admin/operations")
    assert (replayed.status_code, replayed.headers["location"]) == (303, "/login?next=%2Fadmin%2Foperations")


def test_signing_out_leaves_the_users_other_sessions(viewer_app: Starlette) -> None:
    laptop, phone = new_client(viewer_app), new_client(viewer_app)
    log_in(laptop, OWNER)
    log_in(phone, OWNER)
    laptop.post("/logout", data={"csrf_token": form_token(laptop.get("/admin/operations").text)})
    assert phone.get("/admin/operations").status_code == 200


def test_a_password_change_ends_every_session_of_the_user(demo_url: str, viewer_app: Starlette) -> None:
    laptop, phone, other = new_client(viewer_app), new_client(viewer_app), new_client(viewer_app)
    log_in(laptop, OWNER)
    log_in(phone, OWNER)
    log_in(other, "manager@contoso.test")
    engine = db.create_engine(demo_url)
    try:
        with engine.connect() as connection:
            owner_id = connection.execute(db.users.select().where(db.users.c.email == OWNER)).one().id
        change_password(engine, owner_id, demo.DEMO_PASSWORD)  # the same password: sessions still end
    finally:
        engine.dispose()
    assert laptop.get("/admin/operations").status_code == 303
    assert phone.get("/admin/operations").status_code == 303
    assert other.get("/admin/operations").status_code == 200
    assert log_in(new_client(viewer_app), OWNER).status_code == 303


@pytest.mark.parametrize(
    ("secure", "flag"),
    [pytest.param(True, True, id="secure"), pytest.param(False, False, id="plain-http")],
)
def test_the_session_cookie_is_secure_when_asked(demo_url: str, secure: bool, flag: bool) -> None:
    app = create_app(demo_url, secure_cookies=secure)
    response = log_in(TestClient(app, base_url="https://testserver", follow_redirects=False), OWNER)
    app.state.viewer.engine.dispose()
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert ("; secure" in cookie) is flag
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_the_demo_serves_secure_cookies_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []

    def fake_create_app(url: str, **options: Any) -> str:
        served.append(options)
        return "app"

    monkeypatch.setattr(demo, "create_app", fake_create_app)
    monkeypatch.setattr(demo.uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr(demo, "is_seeded", lambda engine: True)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert demo.main(["--database-url", url, "--secure-cookies"]) == 0
    assert demo.main(["--database-url", url]) == 0
    assert served == [{"secure_cookies": True}, {"secure_cookies": False}]


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        pytest.param(None, "/login", 200, id="login"),
        pytest.param(None, "/admin/operations", 303, id="redirect-to-login"),
        pytest.param(OWNER, "/admin/operations", 200, id="index"),
        pytest.param(OWNER, "/admin/operations?status=nope", 400, id="bad-request"),
        pytest.param(OWNER, "/admin/operations/987654", 404, id="not-found"),
        pytest.param(OWNER, "/admin/inventory-sync-runs", 404, id="legacy-url"),
        pytest.param("billing@contoso.test", "/admin/operations", 403, id="forbidden"),
        pytest.param(None, "/static/viewer.css", 200, id="stylesheet"),
    ],
)
def test_every_response_carries_the_security_headers(
    demo_clients: Clients, who: str | None, path: str, status: int
) -> None:
    response = demo_clients(who).get(path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy


def test_a_server_error_carries_the_security_headers_and_shows_nothing_of_the_failure(
    viewer_app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starlette answers a 500 outside every middleware: the page must still carry the headers."""
    client = new_client(viewer_app)
    log_in(client, OWNER)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(RunStore, "list", broken)
    with TestClient(viewer_app, raise_server_exceptions=False, follow_redirects=False) as failing:
        failing.cookies.update(client.cookies)
        response = failing.get("/admin/operations")
    assert response.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "secret detail" not in response.text and "Traceback" not in response.text


def test_pages_use_no_inline_styles_or_scripts(demo_clients: Clients) -> None:
    page = demo_clients(OWNER).get("/admin/operations").text
    assert "<style" not in page and "<script" not in page and " style=" not in page
    assert '<link rel="stylesheet" href="/static/viewer.css">' in page


@pytest.mark.parametrize(
    "email", [pytest.param("OWNER@Contoso.TEST", id="upper"), pytest.param("  Owner@contoso.test ", id="spaces")]
)
def test_the_email_matches_whatever_its_case(demo_clients: Clients, email: str) -> None:
    response = log_in(new_client(demo_clients.app), email)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/operations")


def test_a_page_beyond_the_last_answers_404(demo_clients: Clients, demo_engine: Engine) -> None:
    client = demo_clients(OWNER)
    last = client.get("/admin/operations?per_page=100")
    pages = int(last.text.split("page 1 of ")[1].split(".")[0])
    assert client.get(f"/admin/operations?per_page=100&page={pages}").status_code == 200
    assert client.get(f"/admin/operations?per_page=100&page={pages + 1}").status_code == 404
    assert client.get("/admin/operations?page=999").status_code == 404


def test_an_empty_listing_has_its_one_page(demo_clients: Clients) -> None:
    response = demo_clients(OWNER).get("/admin/operations?type=backup_schedule_purge")
    assert response.status_code == 200 and "page 1 of 1." in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(
            "status=queued'--",
            "status must be one of: queued, running, completed",
            id="status",
        ),
        pytest.param(
            "type=inventory.sync",
            "type must be one of: inventory_sync, entra_group_sync, backup_schedule_run, "
            "backup_schedule_retention, backup_schedule_purge",
            id="type",
        ),
        pytest.param("page=0", "page must be a whole number from 1 to 1000000", id="page"),
        pytest.param("per_page=x<b>", "per_page must be a whole number from 1 to 100", id="per-page"),
        pytest.param("tenant=two", "tenant must be a tenant id, a whole number from 1", id="tenant"),
    ],
)
def test_a_400_names_the_parameter_and_its_allowed_values_only(demo_clients: Clients, query: str, message: str) -> None:
    response = demo_clients(OWNER).get(f"/admin/operations?{query}")
    assert response.status_code == 400
    said = response.text.split("<h1>Error 400</h1>")[1].split("</p>")[0]
    assert said.strip() == f"<p>{message}"
