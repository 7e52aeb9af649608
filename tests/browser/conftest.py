"""Fixtures shared by the browser test modules: one Chromium per module, a fresh tab per test that
fails the test on a page error or a Streamlit exception."""

import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_support import open_browser  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright, open_browser(playwright) as context:
        yield context


@pytest.fixture
def page(browser, server):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)) if "ResizeObserver" not in str(exc) else None)
    yield page
    assert not errors, errors
    if not page.is_closed():   # a test may close it to open a link in a fresh tab
        assert page.locator("[data-testid=stException]").count() == 0
        page.close()
