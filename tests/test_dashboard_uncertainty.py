"""The dashboard of a batch over parameter draws: its cards, charts and words against what
``tipsim compare --format json`` says about the same batch, without and with a browser.

The batch is conftest's ``uncertainty_results``: baseline, prevention and training, 12
parameter draws (the shipped ensemble and every lever effect) of 2 runs each.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from browser_support import assert_shown, dataset_key, open_report
from conftest import UNCERTAINTY_DRAWS, UNCERTAINTY_REPLICATIONS
from simulation.cli import main
from simulation.inference.conclusions import HEADLINE_OUTCOME
from simulation.reports.dashboard import prepare, render_report
from simulation.reports.dashboard.data import DashboardData
from simulation.reports.dashboard.figures import (FIGURES, UNCERTAINTY_FIGURES,
                                                  acceptability_figure, rank_outcomes, ranks_figure)
from simulation.reports.dashboard.headline import HEADLINE, fmt_chance
from simulation.reports.dashboard.page import shareable
from simulation.reports.dashboard.report import Section
from test_dashboard import HOSTILE_NAME, hostile

ROOT = Path(__file__).resolve().parent.parent
PER = {outcome: per for outcome, _, _, per in HEADLINE}
CARD_KEYS = ("mean", "ci_low", "ci_high", "difference", "difference_low", "difference_high",
             "relative_change", "randomness_low", "randomness_high", "parameter_share",
             "probability_better")


@pytest.fixture(scope="module")
def said(uncertainty_results) -> dict:
    """``tipsim compare RESULTS --format json``, run as a user would run it."""
    done = subprocess.run([sys.executable, "-m", "simulation.cli", "compare",
                           str(uncertainty_results), "--format", "json"], capture_output=True,
                          text=True, timeout=300, check=True, cwd=ROOT)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def data(uncertainty_results) -> DashboardData:
    return prepare(uncertainty_results)


@pytest.fixture(scope="module")
def report(uncertainty_results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uncertainty_report") / "dashboard.html"
    assert main(["dashboard", str(uncertainty_results), "-o", str(out)]) == 0
    return out


def _plain(value):
    """JSON's view of a value: NaN as None, numpy numbers as Python ones."""
    from simulation.commands.batch import json_ready

    return json.loads(json.dumps(json_ready(value)))


# -- what the report is drawn from -------------------------------------------------------------


def test_the_report_is_drawn_from_what_tipsim_compare_json_says(data, said):
    assert data.uncertainty is not None
    assert _plain(data.uncertainty) == said["uncertainty"]
    assert said["uncertainty"]["draws"] == UNCERTAINTY_DRAWS
    assert said["uncertainty"]["replications"] == UNCERTAINTY_REPLICATIONS


def test_jurisdictions_carry_the_parameters_uncertainty_too(data):
    # the parameter draw is recorded on the region's rows: without it each jurisdiction
    # would be compared as if every draw had the same parameters (a share of 0 everywhere)
    table = data.by_jurisdiction
    policies = table[table["scenario"] != data.baseline]
    assert (policies["parameter_share"] > 0.2).any()
    assert (policies["difference_high"] - policies["difference_low"]
            >= policies["randomness_high"] - policies["randomness_low"] - 1e-9).all()


def test_an_ordinary_batch_has_no_uncertainty_parts(tiny_results):
    data = prepare(tiny_results, n_resamples=200)
    assert data.uncertainty is None
    html = render_report(data)
    # (an ordinary batch's answer may say its intervals cover "the model's randomness only":
    # the card's two-interval explanation and column are what must be absent)
    for part in ("uncertainty-note", 'id="figure-ranks"', "figure-acceptability",
                 "<em>randomness only</em>", "Randomness only</th>", "depends-on",
                 "parameter draws"):
        assert part not in html, part


# -- the charts --------------------------------------------------------------------------------


def test_rank_chart_draws_the_rank_and_beat_probabilities(data):
    fig = ranks_figure(data)
    u = data.uncertainty
    outcomes = rank_outcomes(data)
    assert outcomes[0] == "victim_weeks_exploited" and len(outcomes) == 5
    assert len(fig.data) == len(outcomes) * 2  # the chance of being best and one heatmap
    for outcome in outcomes:
        ranks = {r["scenario"]: r["probabilities"] for r in u["ranks"][outcome]}
        bars = [t for t in fig.data if t.meta["outcome"] == outcome and t.type == "bar"]
        assert len(bars) == 1 and bars[0].meta["rank"] == 1  # one bar per scenario
        assert list(bars[0].x) == [ranks[s][0] for s in data.scenarios]
        # the full rank detail behind each bar
        for s, detail in zip(data.scenarios, bars[0].customdata):
            assert all(f"rank {k + 1} in {fmt_chance(p)}" in detail
                       for k, p in enumerate(ranks[s]) if p > 0)
        beats = {(b["scenario"], b["other"]): b["probability"] for b in u["beats"][outcome]}
        heat = next(t for t in fig.data if t.meta["outcome"] == outcome and t.type == "heatmap")
        for i, a in enumerate(data.scenarios):
            for j, b in enumerate(data.scenarios):
                assert heat.z[i][j] == (None if a == b else beats[(a, b)])
        # only the first outcome shows when the page opens, and each menu entry shows its own
        assert all(t.visible == (outcome == outcomes[0])
                   for t in fig.data if t.meta["outcome"] == outcome)
    menu = fig.layout.updatemenus[0]
    for outcome, button in zip(outcomes, menu.buttons):
        assert [t.meta["outcome"] == outcome for t in fig.data] == button.args[0]["visible"]


def _synthetic_acceptability(thresholds, curves) -> DashboardData:
    return DashboardData(results=None, baseline="baseline",
                         scenarios=["baseline"] + [c["scenario"] for c in curves],
                         comparison=None, extra=None, by_jurisdiction=None,
                         uncertainty={"acceptability": {"thresholds": thresholds,
                                                        "curves": curves}})


def test_acceptability_chart_draws_each_curve_on_a_log_axis_with_zero(data):
    fig = acceptability_figure(data)
    acc = data.uncertainty["acceptability"]
    assert [t.meta["scenario"] for t in fig.data[:-1]] == data.policies
    assert fig.layout.xaxis.type == "log"
    thresholds = acc["thresholds"]
    assert thresholds[0] == 0 and len(thresholds) > 10
    frontier = fig.data[-1]
    assert frontier.meta["kind"] == "frontier" and len(frontier.y) == len(acc["thresholds"])
    assert all(0 <= p <= 1 for p in frontier.y)
    assert set(frontier.meta["best"]) <= set(data.scenarios)
    for trace, curve in zip(fig.data, acc["curves"]):
        assert [c[0] for c in trace.customdata] == thresholds
        assert list(trace.y) == curve["probabilities"]
        assert list(trace.x[1:]) == thresholds[1:]  # positive thresholds where they are
        assert 0 < trace.x[0] < min(thresholds[1:])  # 0 drawn left of the smallest
        assert fmt_chance(curve["share_averting"]) in trace.name
    ticks = dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext))
    assert ticks[fig.data[0].x[0]] == "0"


def test_acceptability_chart_without_zero_or_without_curves():
    fig = acceptability_figure(_synthetic_acceptability(
        [10.0, 100.0, 1000.0], [{"scenario": "training", "probabilities": [0.0, 0.5, 1.0],
                                 "median_ratio": 100.0, "share_averting": 1.0}]))
    assert list(fig.data[0].x) == [10.0, 100.0, 1000.0]
    assert "0" not in fig.layout.xaxis.ticktext
    # no positive threshold (no draw averts exploitation at a cost): a note, not a chart
    note = acceptability_figure(_synthetic_acceptability(
        [0.0], [{"scenario": "training", "probabilities": [0.0], "median_ratio": math.nan,
                 "share_averting": 0.0}]))
    assert len(note.data) == 0 and "No acceptability curves" in note.layout.annotations[0].text


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_html(data) -> str:
    return render_report(data)


def test_page_explains_the_two_intervals_and_what_was_drawn(data, page_html):
    ens = data.uncertainty["ensemble"]
    note = " ".join(re.search(r'<div class="uncertainty-note".*?</div>', page_html, re.S)[0]
                    .split())
    for fact in (f"{UNCERTAINTY_DRAWS} parameter draws, {UNCERTAINTY_REPLICATIONS} runs each "
                 f"({UNCERTAINTY_DRAWS * UNCERTAINTY_REPLICATIONS} runs per scenario)",
                 "randomness and parameters", "randomness only",
                 "includes what is not known about the model's parameters",
                 f"one of the {ens['members']} parameter sets",
                 # the ensemble's folder as the page shows it, relative to the experiment file's
                 # (the absolute path matched only by accident, inside "../../../work/main/...",
                 # and not in a checkout under /tmp)
                 f"<code>{shareable(data, ens['path'])}</code>",
                 f"effective sample size {ens['effective_sample_size']:.3g}",
                 f"sets {len(ens['parameters'])} parameters",
                 f"{len(data.uncertainty['sampled'])} parameters drawn evenly",
                 "lever_effects.*"):
        assert fact in note, fact
    methods = page_html[page_html.index('<section id="methods">'):]
    assert "random-effects analysis of variance" in methods
    assert "do not cover uncertainty in the model's behavioural" not in methods


def test_uncertainty_charts_come_first_and_sections_can_be_added(data, page_html):
    keys = [k for k, _, _ in UNCERTAINTY_FIGURES + FIGURES]
    places = [page_html.index(f'<section id="{k}"') for k in keys]
    assert places == sorted(places) and page_html.index('id="summary"') < places[0]
    # a further section (the model-credibility page, say) is one more Section
    extra = Section("credibility", lambda d: f'<section id="credibility">{len(d.scenarios)} '
                                             'scenarios</section>')
    html = render_report(data, extra_sections=[extra])
    at = html.index('<section id="credibility">3 scenarios</section>')
    assert html.index('<section id="forms"') < at < html.index('<section id="methods">')


def test_uncertainty_page_escapes_names(uncertainty_results):
    html = render_report(prepare(hostile(uncertainty_results)))
    assert HOSTILE_NAME not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert html.count("<script") == (2 + len(FIGURES) + len(UNCERTAINTY_FIGURES) + 1
                                     + 1  # the value-of-information chart
                                     + 1 + 1)  # the credibility chart; the print script


# -- in the browser ----------------------------------------------------------------------------

CHARTS = len(FIGURES) + len(UNCERTAINTY_FIGURES) + 1  # and the value of information


@pytest.mark.browser
def test_report_opens_offline_with_the_uncertainty_charts_and_no_errors(browser, report):
    page = open_report(browser, report, charts=CHARTS)
    try:
        charts = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => "
            "[g.id, g.data.length, g.querySelectorAll('path, rect').length])")
        assert [c[0] for c in charts] == ["figure-ranks", "figure-acceptability",
                                          "figure-timeseries", "figure-jurisdictions",
                                          "figure-pathway", "figure-disruption", "figure-forms",
                                          "figure-value_of_information", "figure-credibility"]
        # 5 outcomes x (chance of being best + heatmap); 2 curves and the frontier
        assert charts[0][1] == 5 * 2 and charts[1][1] == 3
        assert all(traces > 0 and shapes > 10 for _, traces, shapes in charts), charts
        curves = page.page.evaluate("() => document.querySelectorAll("
                                    "'#figure-acceptability g.scatterlayer path.js-line').length")
        assert curves == 3
        assert page.errors == [] and page.requests == []
        page.page.screenshot(path=str(report.with_suffix(".png")), full_page=True)
    finally:
        page.close()


@pytest.mark.browser
def test_cards_show_the_numbers_tipsim_compare_json_gives(browser, report, said):
    rows = {(r["scenario"], r["outcome"]): r for r in said["comparison"]}
    effects = {(e["scenario"], e["outcome"]): e for e in said["uncertainty"]["effects"]}
    page = open_report(browser, report, charts=CHARTS)
    try:
        lines = page.page.evaluate("""() => Array.from(document.querySelectorAll(
            'article.card tr[data-outcome]')).map(tr => ({
              scenario: tr.closest('article').dataset.scenario, outcome: tr.dataset.outcome,
              data: Object.assign({}, tr.dataset),
              randomness: (tr.querySelector('.range-randomness') || {}).textContent,
              share: (tr.querySelector('.parameter-share') || {}).textContent,
              chance: (tr.querySelector('.probability') || {}).textContent}))""")
        depends = page.page.evaluate("""() => Array.from(document.querySelectorAll(
            'article.card .depends-on')).map(d => ({
              scenario: d.closest('article').dataset.scenario, outcome: d.dataset.outcome,
              text: d.querySelector('.text').textContent,
              parameters: Array.from(d.querySelectorAll('tr[data-parameter]')).map(
                tr => tr.dataset.parameter)}))""")
        note = page.page.evaluate("() => Object.assign({}, "
                                  "document.querySelector('.uncertainty-note').dataset)")
        assert page.errors == []
    finally:
        page.close()
    assert int(note["draws"]) == said["uncertainty"]["draws"]
    assert int(note["replications"]) == said["uncertainty"]["replications"]
    assert len(lines) == 6 + 2 * 7  # baseline levels; two policies' changes and cost ratio
    for line in lines:
        row = rows[(line["scenario"], line["outcome"])]
        for key in CARD_KEYS:  # the exact floats the JSON has, 'nan' where it has null
            shown, want = float(line["data"][dataset_key(key)]), row[key]
            assert (math.isnan(shown) and want is None) or shown == want, (line, key)
        if line["scenario"] == "baseline" or line["outcome"] == "cost_per_victim_year_averted":
            assert line["chance"] is None
            continue
        effect = effects[(line["scenario"], line["outcome"])]
        assert effect["probability_better"] == row["probability_better"]
        per = PER[line["outcome"]]
        low, high = line["randomness"].split(" to ")
        assert_shown(low, effect["randomness_low"] / per)
        assert_shown(high, effect["randomness_high"] / per)
        assert line["share"] == fmt_chance(effect["parameter_share"])
        if line["outcome"] == "policy_cost":  # a dearer policy is not 'worse': no chance shown
            assert line["chance"] is None
        else:
            assert line["chance"] == fmt_chance(effect["probability_better"])
    assert [d["scenario"] for d in depends] == ["prevention", "training"]
    for d in depends:
        effect = effects[(d["scenario"], HEADLINE_OUTCOME)]
        assert d["outcome"] == HEADLINE_OUTCOME
        assert d["text"] == effect["sentence"] == rows[(d["scenario"], HEADLINE_OUTCOME)][
            "depends_on"]
        assert d["parameters"] == [p["parameter"] for p in effect["depends_on"]]


@pytest.mark.browser
def test_menu_switches_the_rank_chart_to_another_outcome(browser, report, said):
    ranks = {o: {r["scenario"]: r["probabilities"] for r in rows}
             for o, rows in said["uncertainty"]["ranks"].items()}
    shown = ("() => [document.getElementById('figure-ranks').data.filter(t => t.visible !== "
             "false).map(t => t.meta.outcome), Array.from(document.querySelectorAll("
             "'#figure-ranks g.trace.bars .bartext')).map(t => t.textContent)]")
    page = open_report(browser, report, charts=CHARTS)
    try:
        before = page.page.evaluate(shown)
        page.page.locator("#figure-ranks .updatemenu-header-group").click()
        page.page.locator("#figure-ranks .updatemenu-dropdown-button",
                          has_text="Victims identified").click()
        page.page.wait_for_function(f"() => ({shown})()[0][0] === 'victims_identified'",
                                    timeout=10_000)
        after = page.page.evaluate(shown)
        assert page.errors == []
    finally:
        page.close()
    assert set(before[0]) == {"victim_weeks_exploited"} and len(before[0]) == 2
    assert set(after[0]) == {"victims_identified"} and len(after[0]) == 2
    assert before[1] == _bar_texts(ranks["victim_weeks_exploited"])
    assert after[1] == _bar_texts(ranks["victims_identified"])


def _bar_texts(ranks: dict) -> list[str]:
    """The percentages the bars print: each scenario's chance of being best."""
    return [fmt_chance(p[0]) for p in ranks.values()]


# -- the model-credibility section --------------------------------------------------------------


def _credibility(uncertainty_results) -> dict:
    from simulation.inference.credibility import credibility

    return json.loads(json.dumps(credibility(uncertainty_results)))


def test_credibility_section_carries_every_check_and_fact(data, uncertainty_results):
    from simulation.reports.dashboard.credibility import credibility_figure, credibility_section

    cred = _credibility(uncertainty_results)
    html = credibility_section(data)
    assert 'id="credibility"' in html and cred["provenance"]["parameters"] == "ensemble"
    assert f"{cred['provenance']['baseline_runs']} baseline runs" in html
    assert "drawing its parameters from the calibrated ensemble" in html
    for part in ("targets", "held_out", "out_of_sample"):
        for t in cred[part]:
            row = re.search(rf'<tr class="check [^"]*" data-name="{t["name"]}"[^>]*>', html)
            assert row, t["name"]
            median = re.search(r'data-median="([^"]+)"', row.group(0)).group(1)
            assert (median == "nan") if t["median"] is None else float(median) == t["median"]
            verdict = re.search(r'data-inside="([^"]+)"', row.group(0)).group(1)
            assert verdict == {True: "inside", False: "outside", None: "not assessed"}[
                t["inside"]]
    for fact in cred["stylised_facts"]:
        assert f'data-name="{fact["name"]}"' in html
    # each held-out check, out-of-sample check and fact shows what it rests on (issue 23)
    for part in ("held_out", "out_of_sample", "stylised_facts"):
        for t in cred[part]:
            start = html.index(f'data-name="{t["name"]}"')
            row = html[start:html.index("</tr>", start)]
            assert f'data-basis="{t["basis"]}"' in row, t["name"]
            assert ("not a check of the model" in row) is (t["basis"] != "emergent")
    assert "These counts take only emergent checks and facts" in html
    # the chart: one simulated point per assessed target, each on its band's scale
    fig = credibility_figure(cred)
    assessed = [t for part in ("targets", "held_out", "out_of_sample") for t in cred[part]
                if t["median"] is not None]
    points = [x for trace in fig.data[:-1] for x in trace.x]
    assert len(points) == len(assessed)
    t = assessed[0]
    low, high = t["interval"]
    assert fig.data[0].x[0] == pytest.approx((t["median"] - low) / (high - low))


def test_credibility_section_is_left_out_when_the_batch_has_no_baseline_runs(data):
    from dataclasses import replace

    from simulation.reports.dashboard.credibility import credibility_section

    other = replace(data, baseline="no_such_scenario", credibility=None)
    assert credibility_section(other) == ""


@pytest.mark.browser
def test_credibility_page_in_the_browser_shows_what_credibility_computes(browser, report,
                                                                         uncertainty_results):
    cred = _credibility(uncertainty_results)
    page = open_report(browser, report, charts=CHARTS + 1)
    try:
        shown = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('#credibility tr.check')).map(r => "
            "[r.dataset.name, r.dataset.inside, r.querySelector('.verdict').textContent])")
        expected = [[t["name"], {True: "inside", False: "outside", None: "not assessed"}[
            t["inside"]]] for part in ("targets", "held_out", "out_of_sample")
            for t in cred[part]]
        assert [s[:2] for s in shown] == expected
        assert all(s[1] == s[2] for s in shown)
        facts = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('#credibility tr.fact')).map(r => "
            "r.dataset.reproduced)")
        assert facts == [{True: "reproduced", False: "not reproduced", None: "not assessed"}[
            f["reproduced"]] for f in cred["stylised_facts"]]
        summary = page.page.locator("#credibility .summary").inner_text()
        s = cred["summary"]
        assert (f"{s['targets']['inside']} of {s['targets']['total']} calibration targets"
                in summary)
        assert page.page.evaluate("() => document.getElementById('figure-credibility')"
                                  ".data.length") >= 2
        assert page.errors == []
    finally:
        page.close()
