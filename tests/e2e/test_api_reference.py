"""The API reference (/api/docs) in a real chromium: rendered from the live OpenAPI document under the
server's Content-Security-Policy, with no violation, and reachable from every error's `type` URI."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_security import WATCH, assert_policy_enforced, violations, watched
from tests.servers import ServerProcess, migrate

pytestmark = pytest.mark.browser


@pytest.fixture
def api_server(chromium_path, tmp_path):
    """The real server on an empty, migrated database: the reference needs no data and no login."""
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    with ServerProcess({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None,
                        "EMBEDDED_WORKER": "0"}) as server:
        yield server


def test_the_reference_shows_every_endpoint_from_the_document_with_no_policy_violation(playwright_browser, api_server,
                                                                                       tmp_path):
    document = requests.get(f"{api_server.url}/api/v1/openapi.json", timeout=10).json()
    expected = [(method.upper(), path) for path, items in document["paths"].items() for method in items]
    context = playwright_browser.new_context(base_url=api_server.url, viewport={"width": 1100, "height": 900})
    context.add_init_script(WATCH)
    try:
        page, found = watched(context, "docs")
        response = page.goto("/api/docs")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        operations = page.get_by_test_id("operation")
        expect(operations).to_have_count(len(expected))
        shown = [tuple(text.split(maxsplit=1)) for text in operations.locator("h3").all_inner_texts()]
        assert sorted(shown) == sorted(expected)

        vroom = operations.filter(has=page.locator("code.path", has_text="/api/v1/vroom")).filter(
            has=page.locator(".method.post"))
        assert "Who may call it: admin, dispatcher" in vroom.inner_text()
        body = vroom.get_by_test_id("request-body")
        assert "vehicles" in body.locator("table").inner_text()
        body.get_by_text("Example").click()
        assert '"vehicles"' in body.locator("pre").inner_text()
        # Searching narrows the list as one types.
        page.get_by_label("Filter endpoints").fill("driver actions")
        expect(operations).to_have_count(1)
        page.screenshot(path=str(tmp_path / "api-docs-filtered.png"), full_page=True)
        page.get_by_label("Filter endpoints").fill("")
        expect(operations).to_have_count(len(expected))
        page.screenshot(path=str(tmp_path / "api-docs.png"))

        assert violations(page) == [] and found == []
        assert_policy_enforced(page)
    finally:
        context.close()


def test_an_errors_type_uri_opens_its_entry_in_the_reference(playwright_browser, api_server):
    problem = requests.get(f"{api_server.url}/api/v1/orders", timeout=10).json()
    assert problem["type"].startswith(f"{api_server.url}/api/docs#problem-")
    context = playwright_browser.new_context(viewport={"width": 800, "height": 700})
    context.add_init_script(WATCH)
    try:
        page, found = watched(context, "docs")
        page.goto(problem["type"])
        entry = page.locator(f"#problem-{problem['code']}")
        expect(entry).to_be_in_viewport()
        assert problem["code"] in entry.inner_text()
        assert violations(page) == [] and found == []
    finally:
        context.close()
