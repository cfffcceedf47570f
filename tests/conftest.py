"""Fixtures shared by the test modules: one Chromium per module for the browser tests."""

import pytest
from browser import chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b
