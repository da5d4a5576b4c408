"""Helpers for the browser tests: a page that records what went wrong, and the report opened
from disk with the network refused. The ``browser`` fixture (conftest.py) launches Debian's
Chromium once per test module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


class Page:
    """A page that records console errors, uncaught exceptions and network requests."""

    def __init__(self, browser, offline: bool):
        self.page = browser.new_page(viewport={"width": 1366, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        if offline:
            def route(r):
                if not r.request.url.startswith(("file:", "data:", "blob:", "about:")):
                    self.requests.append(r.request.url)
                    return r.abort()
                return r.continue_()
            self.page.route("**/*", route)

    def close(self):
        self.page.close()


def open_report(browser, path: Path, charts: int = 4) -> Page:
    """The report at ``path`` from file://, offline, once at least ``charts`` charts are drawn."""
    page = Page(browser, offline=True)
    page.page.goto(path.as_uri())
    page.page.wait_for_function(
        "n => { const g = document.querySelectorAll('.js-plotly-plot');"
        " return g.length >= n && Array.from(g).every(d => d.querySelector('.main-svg')); }",
        arg=charts, timeout=60_000)
    return page


def dataset_key(key: str) -> str:
    """data-difference-low is dataset.differenceLow."""
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def assert_shown(text: str, value: float) -> None:
    """The shown text is ``value`` to three significant figures."""
    m = re.fullmatch(r"([+\u2212]?)([\d,.]+)(M|bn)?", text.strip())
    assert m, text
    number = float(m[2].replace(",", "")) * {"M": 1e6, "bn": 1e9, None: 1}[m[3]]
    number = -number if m[1] == "\u2212" else number
    assert number == pytest.approx(value, rel=5e-3, abs=5e-4), (text, value)
