"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

The report is opened from file:// with every network request refused; the explorer is started
as ``tipsim explore`` on a free local port. Missing Playwright or Chromium is a failure with
the command that fixes it, never a skip (``make test`` installs both): the ``browser`` fixture
is in conftest.py, the page helpers in browser_support.py.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser_support import Page, assert_shown, dataset_key
from browser_support import open_report as _open_report
from test_dashboard import HOSTILE_DESCRIPTION, HOSTILE_NAME, hostile

pytestmark = pytest.mark.browser

DIVISOR = {"victim_weeks_exploited": 52.0}  # the card shows victim-years


@pytest.fixture(scope="module")
def report(tiny_results, tmp_path_factory) -> Path:
    from simulation.cli import main

    out = tmp_path_factory.mktemp("report") / "dashboard.html"
    assert main(["dashboard", str(tiny_results), "-o", str(out)]) == 0
    return out


def test_report_opens_from_disk_with_every_chart_and_no_errors(browser, report):
    page = _open_report(browser, report)
    try:
        charts = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => "
            "[g.id, g.data.length, g.querySelectorAll('path, rect').length])")
        assert [c[0] for c in charts] == ["figure-timeseries", "figure-jurisdictions",
                                          "figure-pathway", "figure-disruption",
                                          "figure-forms", "figure-credibility"]
        assert all(traces > 0 and shapes > 10 for _, traces, shapes in charts), charts
        assert page.errors == [] and page.requests == []
        page.page.screenshot(path=str(report.with_suffix(".png")), full_page=True)
    finally:
        page.close()


def test_report_cards_show_the_numbers_tipsim_compare_gives(browser, report, tiny_results):
    done = subprocess.run([sys.executable, "-m", "simulation.cli", "compare", str(tiny_results),
                           "--format", "json"], capture_output=True, text=True, timeout=300,
                          check=True)
    expected = {(r["scenario"], r["outcome"]): r for r in json.loads(done.stdout)}
    page = _open_report(browser, report)
    try:
        lines = page.page.evaluate("""() => Array.from(document.querySelectorAll(
            'article.card tr[data-outcome]')).map(tr => ({
              scenario: tr.closest('article').dataset.scenario, outcome: tr.dataset.outcome,
              data: Object.assign({}, tr.dataset),
              number: tr.querySelector('.number').textContent,
              range: tr.querySelector('.range').textContent}))""")
    finally:
        page.close()
    assert len(lines) == 6 + 2 * 7  # baseline levels; two policies' changes and cost-effectiveness
    for line in lines:
        row = expected[(line["scenario"], line["outcome"])]
        for key in ("mean", "ci_low", "ci_high", "difference", "difference_low",
                    "difference_high", "relative_change"):
            shown, want = float(line["data"][dataset_key(key)]), row[key]
            assert (math.isnan(shown) and want is None) or shown == want, (line, key)
        per = DIVISOR.get(line["outcome"], 1.0)
        if line["scenario"] == "baseline":
            value, low, high = row["mean"], row["ci_low"], row["ci_high"]
        elif line["outcome"] == "cost_per_victim_year_averted":
            value, low, high = row["mean"], row["ci_low"], row["ci_high"]
            if low is None:  # no interval: the ratio as compare prints it, and no range
                if value is None:
                    assert line["number"] == "n/a"
                else:
                    assert_shown(line["number"], value)
                assert line["range"] == "no interval"
                continue
        else:
            value, low, high = row["difference"], row["difference_low"], row["difference_high"]
        assert_shown(line["number"], value / per)
        shown_low, shown_high = line["range"].split(" to ")
        assert_shown(shown_low, low / per)
        assert_shown(shown_high, high / per)


def test_html_in_scenario_names_and_descriptions_is_shown_as_text(browser, tiny_results,
                                                                   tmp_path):
    from simulation.reports.dashboard import build_report

    path = build_report(hostile(tiny_results), tmp_path / "hostile.html")
    page = _open_report(browser, path)
    try:
        card = page.page.locator("article.card").nth(1)
        assert card.locator(".scenario-name").text_content() == HOSTILE_NAME
        assert card.locator(".description").text_content() == HOSTILE_DESCRIPTION
        assert page.page.evaluate("() => window.__pwned") is None
        assert page.page.locator("article.card img, article.card b").count() == 0
        assert page.errors == [] and page.requests == []
    finally:
        page.close()


# -- the explorer ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture
def explorer(tmp_path):
    try:
        import solara_assets  # noqa: F401 - the UI's scripts and fonts, served locally
    except ImportError:
        pytest.fail("solara-assets is not installed, so the explorer's page would need the "
                    "internet: pip install -e '.[explore]'")
    port = _free_port()
    log = open(tmp_path / "explore.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "explore", "--no-open", "--port", str(port),
         "--replications", "2", "--scale", "0.05", "--weeks", "52", "--burn-in", "26",
         "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        end = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("localhost", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "explore.log").read_text()
                assert time.monotonic() < end, "tipsim explore did not start in 90 s"
                time.sleep(0.3)
        yield f"http://localhost:{port}/", tmp_path / "explore.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


CHARTS = ("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => "
          "JSON.stringify((g.data || []).map(t => [t.name, t.y ? Array.from(t.y) : null])))"
          ".join('|')")


def test_explorer_redraws_the_charts_when_a_slider_moves(browser, explorer):
    url, log = explorer
    page = Page(browser, offline=False)
    try:
        page.page.goto(url)
        page.page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot').length === 5"
            " && document.querySelector('.tipsim-idle')", timeout=90_000)
        before = page.page.evaluate(CHARTS)
        assert page.page.locator('[data-scenario="your_change"]').count() == 0
        page.page.locator(".lever-training [role=slider]").focus()
        page.page.keyboard.press("End")
        page.page.wait_for_selector(".tipsim-busy", timeout=15_000)  # the busy state shows
        page.page.wait_for_selector('[data-scenario="your_change"]', timeout=60_000)
        page.page.wait_for_selector(".tipsim-idle", timeout=60_000)
        # plotly may finish redrawing just after the idle mark: wait for it (fails if it never
        # redraws), rather than reading the charts at once
        page.page.wait_for_function("before => (" + CHARTS + ")() !== before", arg=before,
                                    timeout=30_000)
        assert page.page.evaluate(CHARTS) != before
        assert "Your change" in page.page.evaluate(CHARTS)
        page.page.set_viewport_size({"width": 1400, "height": 3400})
        page.page.screenshot(path=str(log.with_suffix(".png")))
        assert page.errors == [], page.errors
    finally:
        page.close()
    assert "Traceback" not in log.read_text()
