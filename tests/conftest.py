"""Fixtures shared by the test modules: one Chromium per module for the browser tests, and the
module's practice.html (its `page_file` fixture) opened in it."""

import pytest
from browser import chromium, practice_page


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, page_file):
    """The module's page, ready; afterwards no page or console error, and no submit navigated."""
    with practice_page(browser, page_file) as page:
        yield page
        assert page.errors == []
        assert page.url == page_file.as_uri()
