"""The viewer in a real headless Chromium, served by uvicorn: sign in, filter, open runs, follow links, sign out.

Each step saves a screenshot under tests/artifacts/ (or $NOLEGACYRUNS_ARTIFACTS) for a reviewer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from browser import ARTIFACTS
from liveserver import serve
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from websupport import DEMO_NOW

from app import db, demo, migrate
from app.main import SESSION_COOKIE

OWNER = "owner@contoso.test"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Seed the demo into a SQLite file and serve it with uvicorn; yield the base URL."""
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'demo.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    demo.seed(engine, now=DEMO_NOW)
    engine.dispose()
    with serve(url, log=folder / "uvicorn.log") as base:
        yield base


def _shot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot of {name}"
    return path


def _follow(driver: Any, element: Any) -> None:
    """Click *element* and wait until the page it leads to has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_driver: Any) -> bool:
        # Chromium reports a replaced document's node as stale, or as belonging to no document.
        try:
            page.tag_name  # noqa: B018 - touching the old node is the check
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 30).until(replaced)


def _sign_in(driver: Any, site: str, email: str = OWNER) -> None:
    driver.delete_all_cookies()
    driver.get(f"{site}/admin/operations?type=inventory_sync")
    assert urlsplit(driver.current_url).path == "/login"
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(demo.DEMO_PASSWORD)
    _follow(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


@pytest.fixture
def owner(chromium: Any, site: str) -> Any:
    """Return the browser, signed in as the Contoso owner through the form."""
    _sign_in(chromium, site)
    return chromium


def test_signing_in_through_the_form_returns_where_the_visitor_was_heading(chromium: Any, site: str) -> None:
    chromium.delete_all_cookies()
    chromium.get(f"{site}/admin/operations?type=inventory_sync")
    _shot(chromium, "1-login")
    _sign_in(chromium, site)
    assert chromium.current_url == f"{site}/admin/operations?type=inventory_sync"
    assert chromium.find_element(By.TAG_NAME, "h1").text == "Operations"
    assert "Olivia Owner" in chromium.find_element(By.CSS_SELECTOR, "header .who").text
    _shot(chromium, "2-index")


def test_the_filter_form_narrows_the_index(owner: Any, site: str) -> None:
    owner.get(f"{site}/admin/operations")
    Select(owner.find_element(By.NAME, "outcome")).select_by_value("failed")
    Select(owner.find_element(By.NAME, "type")).select_by_value("inventory_sync")
    _follow(owner, owner.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))

    query = parse_qs(urlsplit(owner.current_url).query)
    assert (query["outcome"], query["type"]) == (["failed"], ["inventory_sync"])
    rows = owner.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows, "the demo has failed inventory syncs"
    for row in rows:
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[3].text == "Failed" and "inventory_sync" in cells[1].text
    badge = rows[0].find_element(By.CSS_SELECTOR, ".badge.outcome-failed")
    assert badge.value_of_css_property("background-color") == "rgba(180, 35, 24, 1)"
    _shot(owner, "3-filtered")


def test_a_failed_run_opens_with_its_error_first(owner: Any, site: str) -> None:
    owner.get(f"{site}/admin/operations?outcome=failed")
    link = owner.find_element(By.CSS_SELECTOR, "tbody tr a")
    name = link.text
    _follow(owner, link)
    assert owner.find_element(By.TAG_NAME, "h1").text == name
    summary = owner.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "Graph answered" in summary.text
    context = owner.find_element(By.XPATH, "//h2[text()='Context']")
    assert summary.location["y"] < context.location["y"]
    _shot(owner, "4-failed-run")


def test_a_findings_run_link_opens_that_run(owner: Any, site: str) -> None:
    owner.get(f"{site}/admin/findings")
    _shot(owner, "5-findings")
    _follow(owner, owner.find_element(By.CSS_SELECTOR, "tbody tr a[href^='/admin/findings/']"))
    current = owner.find_element(By.CSS_SELECTOR, "dd.current-run a")
    target = current.text
    _follow(owner, current)
    assert owner.find_element(By.TAG_NAME, "h1").text == target
    assert urlsplit(owner.current_url).path.startswith("/admin/operations/")
    _shot(owner, "6-run-of-finding")


def test_a_legacy_url_shows_the_not_found_page(owner: Any, site: str) -> None:
    owner.get(f"{site}/admin/inventory-sync-runs")
    assert owner.title.startswith("Not found")
    assert owner.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert urlsplit(owner.current_url).path == "/admin/inventory-sync-runs"
    status = httpx.get(f"{site}/admin/inventory-sync-runs", cookies={SESSION_COOKIE: _cookie(owner)})
    assert (status.status_code, status.headers.get("location")) == (404, None)
    _shot(owner, "7-legacy-url")


def _cookie(driver: Any) -> str:
    cookie = driver.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return str(cookie["value"])


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(owner: Any, site: str) -> None:
    owner.get(f"{site}/admin/operations")
    old = _cookie(owner)
    assert httpx.get(f"{site}/admin/operations", cookies={SESSION_COOKIE: old}).status_code == 200

    _follow(owner, owner.find_element(By.CSS_SELECTOR, "header form button[type=submit]"))
    assert urlsplit(owner.current_url).path == "/login"
    _shot(owner, "8-signed-out")

    replayed = httpx.get(f"{site}/admin/operations", cookies={SESSION_COOKIE: old})
    assert (replayed.status_code, urlsplit(replayed.headers["location"]).path) == (303, "/login")
    owner.delete_all_cookies()
    owner.add_cookie({"name": SESSION_COOKIE, "value": old, "path": "/"})
    owner.get(f"{site}/admin/operations")
    assert urlsplit(owner.current_url).path == "/login"
    assert owner.find_element(By.TAG_NAME, "h1").text == "Sign in"


def test_every_page_the_browser_loaded_kept_to_its_policy(owner: Any, site: str) -> None:
    """The Content-Security-Policy blocks nothing the pages need: the stylesheet applies."""
    owner.get(f"{site}/admin/operations")
    header = owner.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") == "rgba(29, 36, 51, 1)"
