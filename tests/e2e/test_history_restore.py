"""Back through htmx-pushed catalog URLs when htmx has no cached copy of the page."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def catalog():
    for slug, name, titles in (
        ("ganesh", "Ganesh", ["Ganesh Puja", "Sankashti Puja"]),
        ("havan", "Havan", ["Gayatri Havan"]),
    ):
        category = factories.make_category(name=name, slug=slug)
        for title in titles:
            factories.make_package(
                service=factories.make_service(category=category, title=title)
            )


def test_back_after_filtering_restores_the_whole_catalog_page(
    live_server, page, catalog, screenshot
):
    page.goto(live_server.url + "/")
    page.wait_for_function("window.htmx !== undefined")
    # No history cache: going back makes htmx ask the server for the page
    # (a request with HX-Request and HX-History-Restore-Request).
    page.evaluate("htmx.config.historyCacheSize = 0")
    restores = []
    page.on(
        "request",
        lambda request: (
            restores.append(request.url)
            if request.headers.get("hx-history-restore-request")
            else None
        ),
    )
    page.get_by_label("Category").select_option("ganesh")
    expect(page.locator("#results article")).to_have_count(2)
    page.get_by_label("Category").select_option("havan")
    expect(page.locator("#results article")).to_have_count(1)

    page.go_back()
    expect(page).to_have_url(live_server.url + "/?category=ganesh")
    expect(page.locator("#results article")).to_have_count(2)
    # The whole page came back once: filters, one header, one category strip.
    expect(page.locator("#catalog-filters")).to_be_visible()
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.locator("#category-strip")).to_have_count(1)
    assert restores == [live_server.url + "/?category=ganesh"]
    screenshot("catalog-history-restore")
