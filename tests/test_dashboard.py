"""The policymaker dashboard without a browser: card numbers, sentences, escaping, figures, the
command line and the explorer's logic. The browser checks are in test_dashboard_browser.py."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.reports.dashboard import build_report, prepare, render_report
from simulation.reports.dashboard import whatif
from simulation.reports.dashboard.data import DashboardData
from simulation.reports.dashboard.figures import FIGURES, all_figures, pathway_flows, pathway_values
from simulation.reports.dashboard.headline import HEADLINE, card_lines, sentence
from simulation.model.display import fmt_number, fmt_percent

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_NAME = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
HOSTILE_DESCRIPTION = '</script><script>window.__pwned=3</script> & "quotes" <b>bold</b>'

def hostile(results, name: str = "training"):
    """``results`` with one scenario renamed and described in HTML that would run if it were
    not escaped (the experiment loader refuses such names; a hand-edited store need not)."""
    from simulation.studies.store import load_results

    results = load_results(results) if isinstance(results, (str, Path)) else results
    rename = {name: HOSTILE_NAME}
    manifest = dict(results.manifest)
    manifest["scenarios"] = [
        e | ({"name": HOSTILE_NAME, "description": HOSTILE_DESCRIPTION, "source": None}
             if e["name"] == name else {}) for e in manifest["scenarios"]]
    out = dataclasses.replace(results, manifest=manifest,
                              runs=results.runs.replace({"scenario": rename}),
                              _order={rename.get(k, k): v for k, v in results._order.items()})
    out.jurisdictions = results.jurisdictions.replace({"scenario": rename})
    out.weekly = results.weekly.replace({"scenario": rename})
    return out


@pytest.fixture(scope="module")
def tiny_data(tiny_results) -> DashboardData:
    return prepare(tiny_results)


def _synthetic(victim_weeks: tuple[float, float, float], cost: float = 1e6,
               ce: tuple[float, float, float] = (8000.0, 6000.0, 12000.0)) -> DashboardData:
    """A comparison table written by hand: baseline 52,000 victim-weeks (1,000 victim-years)."""
    diff, low, high = victim_weeks
    rows = [
        {"scenario": "baseline", "outcome": "victim_weeks_exploited", "mean": 52000.0,
         "ci_low": 50000.0, "ci_high": 54000.0, "difference": np.nan, "difference_low": np.nan,
         "difference_high": np.nan, "relative_change": np.nan, "excludes_zero": False,
         "verdict": ""},
        {"scenario": "training", "outcome": "victim_weeks_exploited", "mean": 52000.0 + diff,
         "ci_low": np.nan, "ci_high": np.nan, "difference": diff, "difference_low": low,
         "difference_high": high, "relative_change": diff / 52000.0,
         "excludes_zero": bool(low > 0 or high < 0), "verdict": ""},
        {"scenario": "training", "outcome": "policy_cost", "mean": 5e6, "ci_low": 5e6,
         "ci_high": 5e6, "difference": cost, "difference_low": cost, "difference_high": cost,
         "relative_change": cost / 4e6, "excludes_zero": True, "verdict": "worse"},
        {"scenario": "training", "outcome": "cost_per_victim_year_averted", "mean": ce[0],
         "ci_low": ce[1], "ci_high": ce[2], "difference": np.nan, "difference_low": np.nan,
         "difference_high": np.nan, "relative_change": np.nan, "excludes_zero": False,
         "verdict": ""},
    ]
    table = pd.DataFrame(rows)
    return DashboardData(results=None, baseline="baseline", scenarios=["baseline", "training"],
                         comparison=table, extra=table[:0], by_jurisdiction=table[:0],
                         policy_weeks=520)


# -- words -------------------------------------------------------------------------------------


def test_sentence_reports_a_clear_cut_with_its_interval_and_cost():
    data = _synthetic((-6240.0, -8320.0, -4160.0))  # -12% (-16% to -8%)
    assert sentence(data, "training") == (
        "Training cut victim-years of exploitation by 12% (95% interval 8% to 16%) at an extra "
        "cost of 1M CU over the 10-year policy period, about 8,000 CU per victim-year averted "
        "(95% interval 6,000 to 12,000).")


def test_sentence_says_not_distinguishable_when_the_interval_includes_zero():
    data = _synthetic((-1040.0, -3120.0, 1040.0), ce=(50000.0, np.nan, np.nan))
    text = sentence(data, "training")
    assert "not distinguishable from no change" in text
    assert "\u22122.0%; 95% interval \u22126.0% to +2.0%" in text
    assert " cut " not in text and "per victim-year averted" not in text


def test_sentence_reports_a_rise_as_a_rise():
    text = sentence(_synthetic((2080.0, 1040.0, 3120.0)), "training")
    assert text.startswith("Training raised victim-years of exploitation by 4.0% "
                           "(95% interval 2.0% to 6.0%)")
    text = sentence(_synthetic((4160.0, 1040.0, 7280.0)), "training")  # 8% (2% to 14%)
    assert "by 8% (95% interval 2% to 14%)" in text


def test_numbers_are_shown_to_three_significant_figures():
    assert [fmt_number(x) for x in (0, 0.6667, 12.34, 999.6, 12345, -2.5e6, 3.21e9)] == \
        ["0", "0.667", "12.3", "1,000", "12,300", "\u22122.5M", "3.21bn"]
    assert fmt_number(5, signed=True) == "+5" and fmt_number(float("nan")) == "n/a"
    assert [fmt_percent(x) for x in (-0.1234, 0.016, 0.0)] == ["\u221212%", "+1.6%", "0%"]


# -- numbers -----------------------------------------------------------------------------------


def test_card_numbers_are_compare_numbers(tiny_results, tiny_data):
    from simulation.inference.analysis import compare

    table = compare(tiny_results).set_index(["scenario", "outcome"])
    per = {outcome: divisor for outcome, _, _, divisor in HEADLINE}
    for scenario in tiny_data.scenarios:
        lines = card_lines(tiny_data, scenario)
        assert [line.outcome for line in lines][:len(HEADLINE)] == list(per)
        for line in lines:
            row = table.loc[(scenario, line.outcome)]
            if scenario == "baseline":
                expected = row["mean"] / per[line.outcome]
            elif line.outcome in per:
                expected = row["difference"] / per[line.outcome]
            else:  # cost per victim-year averted: as compare prints it, interval or not
                expected = row["mean"]
            assert line.value == pytest.approx(expected, nan_ok=True), (scenario, line.outcome)


def test_jurisdiction_view_compares_each_jurisdiction_with_its_baseline(tiny_results,
                                                                         tiny_data):
    from simulation.studies.store import load_results

    places = load_results(tiny_results).jurisdictions
    table = tiny_data.by_jurisdiction
    assert set(table["jurisdiction"]) == set(places["jurisdiction"])
    for (scenario, place), rows in places.groupby(["scenario", "jurisdiction"]):
        row = table[(table["scenario"] == scenario) & (table["jurisdiction"] == place)
                    & (table["outcome"] == "victim_weeks_exploited")].iloc[0]
        assert row["mean"] == pytest.approx(rows["victim_weeks_exploited"].mean())


def test_pathway_links_never_give_out_more_than_they_take_in():
    means = {"new_victims": 100.0, "victims_retrafficked": 30.0, "victims_misidentified": 5.0,
             "victims_supported": 25.0, "victims_reintegrated": 40.0,  # more than supported
             "identified_police": 10.0, "identified_ngo": 5.0, "identified_inspection": 3.0,
             "identified_self": 2.0,
             # exits in the period can outnumber people trafficked in it (earlier recruits)
             "victims_self_rescued": 40.0, "victims_released": 60.0}
    for links in pathway_flows(pathway_values(means)):
        into, out = {}, {}
        for source, target, people in links:
            assert people > 0
            out[source] = out.get(source, 0) + people
            into[target] = into.get(target, 0) + people
        for node in set(into) & set(out):
            assert out[node] <= into[node] + 1e-9, node


# -- the report --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_html(tiny_data) -> str:
    return render_report(tiny_data)


def test_report_has_every_chart_and_plotly_inline_once(tiny_data, report_html):
    from plotly.offline import get_plotlyjs

    figures = all_figures(tiny_data)
    assert all(len(fig.data) > 0 for fig in figures.values())
    for key, _, _ in FIGURES:
        assert f'id="figure-{key}"' in report_html
    assert report_html.count(get_plotlyjs()[:200]) == 1
    assert not re.search(r"<script[^>]+src=", report_html)  # nothing fetched from anywhere
    assert len(re.findall(r'<article class="card', report_html)) == 3


def test_report_states_its_provenance_and_that_it_is_not_a_forecast(tiny_data, report_html):
    m = tiny_data.results.manifest
    for fact in ("not a forecast", "master seed 11", "Replications: 3", m["experiment_hash"],
                 f"tipsim {m['tipsim_version']}", "common random numbers on"):
        assert fact in report_html, fact


def test_report_escapes_names_and_descriptions(tiny_results):
    html = render_report(prepare(hostile(tiny_results)))
    assert HOSTILE_NAME not in html and "window.__pwned=3</script>" not in html
    assert "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown, as text
    # Only our own script elements: plotly config, plotly.js, one per chart, provenance.
    assert html.count("<script") == 2 + len(FIGURES) + 1 + 1 + 1  # + credibility chart, print


def test_dashboard_command_writes_the_report(tiny_results, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["dashboard", str(tiny_results), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert str(out) in capsys.readouterr().out
    assert main(["dashboard", str(tmp_path / "missing")]) == 1
    assert "no such results folder" in capsys.readouterr().err


def test_build_report_defaults_to_the_results_directory(tiny_results):
    path = build_report(tiny_results)
    assert path == Path(tiny_results) / "dashboard.html" and path.stat().st_size > 1_000_000


# -- the explorer's logic ----------------------------------------------------------------------

TINY = whatif.Settings(replications=2, scale=0.05, weeks=26, burn_in_weeks=13, workers=1)


def test_what_if_changes_a_lever_from_the_chosen_week():
    base = whatif.load_base(ROOT / "scenarios" / "baseline.toml", TINY)
    scenario = whatif.what_if(base, {("training", "destination_a"): 0.9}, start_week=8)
    added = [p for p in scenario.policies if p not in base.policies]
    assert [(p.lever, p.where, p.value, p.start_week) for p in added] == \
        [("training", "destination_a", 0.9, 8)]
    assert scenario.scale == 0.05 and scenario.weeks == 26


def test_explorer_renders_as_in_jupyter_and_answers_a_slider():
    import ipyvuetify as v
    import plotly.graph_objs as go
    import solara

    from simulation.reports.dashboard.explorer import Explorer

    box, rc = solara.render(Explorer(settings=TINY), handle_error=False)
    try:
        def traces() -> int:
            return sum(len(f.data) for f in rc.find(go.FigureWidget).widgets)

        _wait(lambda: len(rc.find(go.FigureWidget).widgets) == len(FIGURES) and traces() > 0)
        before = traces()
        training = rc.find(v.Slider).widgets[whatif.MAIN_LEVERS.index("training")]
        training.v_model = 1.0
        _wait(lambda: traces() > before)  # the what-if's lines join the baseline's
        cards = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        assert 'data-scenario="your_change"' in cards
    finally:
        rc.close()


def _wait(condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_explore_command_refuses_a_bad_scenario(tmp_path, capsys):
    assert main(["explore", str(tmp_path / "none.toml"), "--no-open"]) == 1
    assert "no such scenario file" in capsys.readouterr().err




def test_forms_chart_shows_each_policy_form_by_form(tiny_results):
    from simulation.reports.dashboard.data import prepare

    data = prepare(tiny_results, n_resamples=200)
    figure = dict(all_figures(data))["forms"]
    names = {t.name for t in figure.data}
    assert names == {"sexual", "labour", "criminal"}
    # one trace per form and outcome, charts in FORM_CHART_OUTCOMES order; the last policy is
    # drawn first; a form the baseline has too little of gets no percentage (shown.py)
    from simulation.reports.dashboard.data import FORM_CHART_OUTCOMES
    from simulation.reports.shown import MIN_BASE_FOR_PERCENT

    policy = data.policies[-1]
    drawn = 0
    for k, outcome in enumerate(FORM_CHART_OUTCOMES):
        per = 52 if outcome == "victim_weeks_exploited" else 1
        rows = data.by_form[data.by_form.outcome == outcome]
        for form in ("sexual", "labour", "criminal"):
            bars = [t for t in figure.data if t.name == form][k]
            assert len(bars.y) == len(data.policies)  # one bar per policy
            row = rows[rows.form == form].set_index("scenario")
            base = row.loc[data.baseline, "mean"]
            if base / per >= MIN_BASE_FOR_PERCENT:
                expected = 100 * row.loc[policy, "difference"] / base
                assert list(bars.x)[0] == pytest.approx(expected)
                drawn += 1
            else:
                assert np.isnan(list(bars.x)[0])
    assert drawn >= 3
