"""The report a minister reads: the answer first, the same figures as ``tipsim compare``, no
folders of the machine that made it.

Batches: conftest's ``uncertainty_results`` (baseline, prevention and training over 12
parameter draws, as the shipped comparison but tiny) and ``tiny_results`` (no draws).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import pytest

from browser_support import open_report
from simulation.cli import main
from simulation.reports.dashboard import prepare, render_report
from simulation.reports.dashboard.answer import best, chances_of_being_best
from simulation.reports.dashboard.report import title_of
from simulation.model.display import MINUS, fmt_chance

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pages(request) -> dict:
    """Each batch's prepared data and report page, made once for the module."""
    cache = {}

    def get(batch: str):
        if batch not in cache:
            data = prepare(request.getfixturevalue(batch))
            cache[batch] = (data, render_report(data))
        return cache[batch]
    return get


def _cli(capsys, *args) -> str:
    capsys.readouterr()
    assert main([str(a) for a in args]) == 0
    return capsys.readouterr().out


def markdown_cells(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """``tipsim compare --format markdown`` as {(scenario, outcome): {column: cell}}."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    cells = {}
    for line in lines[2:]:
        row = dict(zip(header, (c.strip() for c in line.strip().strip("|").split(" | "))))
        cells[row["scenario"], row["outcome"]] = row
    return cells


SPAN = r'<span class="{}">([^<]*)</span>'


def card_cells(page: str) -> list[dict[str, str]]:
    """Every line of every card: its scenario, outcome and the text of each figure (true
    minus signs made ASCII, as the command line prints them)."""
    out = []
    for card in re.finditer(r'<article class="card[^"]*" data-scenario="([^"]*)">(.*?)</article>',
                            page, re.S):
        for tr in re.finditer(r'<tr class="verdict-[^"]*" data-outcome="([^"]*)"(.*?)</tr>',
                              card[2], re.S):
            line = {"scenario": html.unescape(card[1]), "outcome": tr[1]}
            for key, cls in (("number", "number"), ("relative", "relative"),
                             ("range", "range"), ("randomness", "range-randomness"),
                             ("share", "parameter-share"), ("chance", "probability")):
                hit = re.search(SPAN.format(cls), tr[2])
                line[key] = html.unescape(hit[1]).replace(MINUS, "-") if hit else ""
            out.append(line)
    return out


def _expected(line: dict, row: dict) -> dict[str, str]:
    """What the card line must show, from the command line's cells."""
    ratio = line["outcome"] == "cost_per_victim_year_averted"
    level = row["difference"] == "" or ratio
    value, low, high = (("mean", "ci_low", "ci_high") if level else
                        ("difference", "difference_low", "difference_high"))
    want = {"number": row[value] or "n/a",
            "range": f"{row[low]} to {row[high]}" if row[low] and row[high] else "no interval",
            "relative": row.get("relative_change", "")}
    if "randomness_low" in row and not level:
        want |= {"randomness": (f"{row['randomness_low']} to {row['randomness_high']}"
                                if row["randomness_low"] else ""),
                 "share": row["parameter_share"], "chance": row["probability_better"]}
    return want


@pytest.mark.parametrize("batch", ["uncertainty_results", "tiny_results"])
def test_every_figure_on_the_cards_is_what_tipsim_compare_prints(batch, request, capsys,
                                                                  pages):
    """One source of numbers: each card figure (level or change, interval, relative change,
    randomness interval, parameters' share, chance of being better, cost per victim-year
    averted) is the cell ``tipsim compare`` prints for that scenario and outcome, in
    victim-years for exploitation."""
    results = request.getfixturevalue(batch)
    cells = markdown_cells(_cli(capsys, "compare", results, "--format", "markdown"))
    lines = card_cells(pages(batch)[1])
    assert len(lines) >= 3 * 6 and {line["scenario"] for line in lines} == {
        s for s, _ in cells}
    read_as = {"victim_weeks_exploited": "victim_years_exploited"}
    for line in lines:
        row = cells[line["scenario"], read_as.get(line["outcome"], line["outcome"])]
        want = _expected(line, row)
        assert {k: line[k] for k in want} == want, (line, row)
    # the cost per victim-year averted is given wherever the command line gives one
    ratios = [line for line in lines if line["outcome"] == "cost_per_victim_year_averted"]
    assert ratios and all(line["number"] == cells[line["scenario"], line["outcome"]]["mean"]
                          or line["number"] == "n/a" for line in ratios)
    # no chance of being better for a cost, and exploitation in one unit
    for (scenario, outcome), row in cells.items():
        assert outcome != "victim_weeks_exploited"
        if outcome in ("policy_cost", "cost_per_victim_year_averted"):
            assert row.get("probability_better", "") == ""


def test_the_answer_names_the_policy_most_often_first_and_its_chance(uncertainty_results,
                                                                      capsys, pages):
    said = json.loads(_cli(capsys, "compare", uncertainty_results, "--format", "json"))
    ranks = {r["scenario"]: r["probabilities"][0]
             for r in said["uncertainty"]["ranks"]["victim_weeks_exploited"]}
    top = max(ranks, key=ranks.get)
    data, page = pages("uncertainty_results")
    assert list(chances_of_being_best(data).values()) == sorted(ranks.values(), reverse=True)
    assert best(data)["scenario"] == top and best(data)["chance"] == ranks[top]
    answer = page[page.index('<section id="answer"'):page.index('<section id="summary"')]
    assert f'data-best="{top}"' in answer and f"{fmt_chance(ranks[top])}</strong>" in answer
    # the answer comes before the cards and the charts; the methods are folded
    assert page.index('<section id="answer"') < page.index('<section id="summary"') < \
        page.index('<section id="ranks"')
    assert '<section id="methods"><details' in page


def test_an_ordinary_batch_answers_with_the_clearest_improvement_or_says_there_is_none(
        pages):
    data, page = pages("tiny_results")
    top = best(data)
    clear = [p for p in data.policies
             if data.row(p, "victim_weeks_exploited")["verdict"] == "better"]
    assert '<section id="answer"' in page and "Chance of being best" not in page
    if clear:
        assert top["scenario"] in clear and top["chance"] is None
    else:
        assert top is None and "No policy clearly reduces" in page


def test_title_is_the_descriptions_first_sentence():
    assert title_of("Which policy cuts exploitation most? Ten policies, 20 draws.", "x") == (
        "Which policy cuts exploitation most?", "Ten policies, 20 draws.")
    assert title_of("Baseline and two policies. Tiny.", "x") == (
        "Baseline and two policies", "Tiny.")
    assert title_of("", "policy_comparison") == ("Policy comparison: policy_comparison", "")


def test_report_does_not_carry_the_folders_of_the_machine_that_made_it(uncertainty_results,
                                                                        pages):
    page = pages("uncertainty_results")[1]
    # the experiment file's own text is shown as written (this test's file names its inputs
    # with absolute paths); everything the report says itself is relative
    page = re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)
    provenance = json.loads(re.search(r'id="provenance">(.*?)</script>', page, re.S)[1])
    provenance["experiment_file"].pop("text", None)
    page = re.sub(r'id="provenance">.*?</script>', "", page, flags=re.S)
    for folder in (str(ROOT), str(Path(uncertainty_results).parent)):
        absolute = re.compile(r"(?<!\.\.)" + re.escape(folder))  # ../../x/y is relative
        assert not absolute.search(page) and not absolute.search(json.dumps(provenance))
    sources = [s["source"] for s in provenance["scenarios"]]
    assert all(not Path(s).is_absolute() and s.endswith(".toml") for s in sources)


@pytest.mark.browser
def test_report_summary_says_what_tipsim_compare_json_says(browser, uncertainty_results,
                                                           tmp_path, capsys):
    """In the browser, the shipped report's summary names the policy most often first on
    victim-years and its chance exactly as ``tipsim compare --format json`` gives them."""
    said = json.loads(_cli(capsys, "compare", uncertainty_results, "--format", "json"))
    ranks = {r["scenario"]: r["probabilities"][0]
             for r in said["uncertainty"]["ranks"]["victim_weeks_exploited"]}
    top = max(ranks, key=ranks.get)
    out = tmp_path / "dashboard.html"
    assert main(["dashboard", str(uncertainty_results), "-o", str(out)]) == 0
    page = open_report(browser, out, charts=8)
    try:
        shown = page.page.evaluate("""() => { const a = document.getElementById('answer');
            return {best: a.dataset.best, chance: Number(a.dataset.chance),
                    name: a.querySelector('.best-name').textContent,
                    text: a.querySelector('.best-chance').textContent,
                    first: document.querySelector('main > section').id,
                    methodsOpen: document.querySelector('#methods details').open}; }""")
        # printed (to PDF), every folded part is open and the page is as it was afterwards
        page.page.evaluate("""() => { window.__printed = [];
            ['beforeprint', 'afterprint'].forEach(e => window.addEventListener(e, () =>
              window.__printed.push([e, document.querySelectorAll('details[open]').length,
                                     document.querySelectorAll('details').length]))); }""")
        page.page.pdf(path=str(tmp_path / "report.pdf"), format="A4")
        printed = page.page.evaluate("() => window.__printed")
        assert page.errors == []
    finally:
        page.close()
    (before, opened, folded), (after, still_open, _) = printed
    assert (before, after) == ("beforeprint", "afterprint")
    assert opened == folded > 0 and still_open == 0
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert shown["best"] == top and shown["chance"] == ranks[top]
    assert shown["text"] == fmt_chance(ranks[top])
    assert shown["name"].lower().replace(" ", "_") == top
    assert shown["first"] == "answer" and shown["methodsOpen"] is False


def test_acceptability_frontier_follows_the_best_expected_net_benefit():
    """Fenwick, Claxton and Sculpher (2001): at each price the choice with the highest expected
    net benefit, and the share of draws in which it has the highest net benefit of all."""
    from types import SimpleNamespace

    import pandas as pd

    from simulation.reports.dashboard.figures import acceptability_frontier

    # per draw (one run each): baseline 0 CU, 10 victim-years; 'cheap' averts 1 victim-year
    # for 100 CU in every draw; 'dear' averts 3, 0 or 3 victim-years for 600 CU
    rows = []
    for point, dear_averts in enumerate((3, 0, 3)):
        rows += [("baseline", point, 0.0, 10.0), ("cheap", point, 100.0, 9.0),
                 ("dear", point, 600.0, 10.0 - dear_averts)]
    runs = pd.DataFrame([{"scenario": s, "point": p, "replication": 0, "policy_cost": c,
                          "victim_weeks_exploited": 52 * y} for s, p, c, y in rows])
    data = SimpleNamespace(results=SimpleNamespace(runs=runs), baseline="baseline",
                           scenarios=["baseline", "cheap", "dear"])
    best_at, chance = acceptability_frontier(data, [50.0, 200.0, 1000.0])
    # 50 CU: nothing is worth it; 200: cheap (NB +100) against dear (-600, -600, -600 + ...)
    assert best_at == ["baseline", "cheap", "dear"]
    # 1000: dear's expected NB (3000 - 600, -600, 2400 -> 1400) beats cheap's 900, but dear is
    # best in 2 of the 3 draws only
    assert chance[0] == 1.0 and chance[1] == 1.0 and chance[2] == pytest.approx(2 / 3)


def test_reading_rows_use_victim_years_and_give_percentages_only_of_a_large_enough_base():
    import pandas as pd

    from simulation.reports.shown import MIN_BASE_FOR_PERCENT, reading_rows

    table = pd.DataFrame([
        {"scenario": "baseline", "outcome": "victim_weeks_exploited", "mean": 5200.0,
         "difference": float("nan"), "relative_change": float("nan"), "excludes_zero": False,
         "paired": True, "verdict": "", "probability_better": float("nan")},
        {"scenario": "baseline", "outcome": "networks_dismantled", "mean": 0.7,
         "difference": float("nan"), "relative_change": float("nan"), "excludes_zero": False,
         "paired": True, "verdict": "", "probability_better": float("nan")},
        {"scenario": "p", "outcome": "victim_weeks_exploited", "mean": 4680.0,
         "difference": -520.0, "relative_change": -0.1, "excludes_zero": True, "paired": True,
         "verdict": "better", "probability_better": 0.9},
        {"scenario": "p", "outcome": "networks_dismantled", "mean": 5.0, "difference": 4.3,
         "relative_change": 6.18, "excludes_zero": True, "paired": True, "verdict": "better",
         "probability_better": 0.8},
        {"scenario": "p", "outcome": "policy_cost", "mean": 1e6, "difference": 1e6,
         "relative_change": float("nan"), "excludes_zero": True, "paired": True,
         "verdict": "worse", "probability_better": 0.0}])
    read = reading_rows(table).set_index(["scenario", "outcome"])
    years = read.loc[("p", "victim_years_exploited")]
    assert years["mean"] == 90.0 and years["difference"] == -10.0
    assert years["relative_change"] == -0.1  # a base of 100 victim-years is large enough
    assert 0.7 < MIN_BASE_FOR_PERCENT and math.isnan(
        read.loc[("p", "networks_dismantled"), "relative_change"])  # not '+618%'
    assert math.isnan(read.loc[("p", "policy_cost"), "probability_better"])
    assert read.loc[("baseline", "networks_dismantled"), "excludes_zero"] == ""


def test_small_percentages_keep_their_sign():
    from simulation.model.display import fmt_percent

    # prevention's interval "0% to 21%" had a lower end of -0.4%
    assert fmt_percent(-0.004, scale=0.21) == f"{MINUS}0.4%"
    assert fmt_percent(-0.00004, scale=0.21) == f"{MINUS}0.004%"
    assert fmt_percent(0.0, scale=0.21) == "0%"


def test_event_counts_over_time_are_drawn_as_means_not_medians_stuck_at_zero(pages):
    from simulation.reports.dashboard.figures import SERIES, series_bands, timeseries_figure

    data = pages("tiny_results")[0]
    bands = series_bands(data.results.weekly)
    fig = timeseries_figure(data)
    lines = [t for t in fig.data if t.meta and "centre" in t.meta]
    flows = {c for c, kind in SERIES if kind == "flow"}
    assert {t.meta["centre"] for t in lines} == {"mean", "median"}
    convictions = bands[(bands["outcome"] == "convictions") & (bands["scenario"] == "baseline")]
    drawn = [t for t in lines if t.name == "Baseline" and t.meta["centre"] == "mean"
             and list(t.y) == list(convictions["mean"])]
    assert drawn and "convictions" in flows


def test_jurisdiction_cells_give_no_percentage_of_a_small_base(pages):
    from simulation.reports.dashboard.figures import jurisdiction_figure
    from simulation.model.display import fmt_number
    from simulation.reports.shown import MIN_BASE_FOR_PERCENT

    data = pages("tiny_results")[0]
    fig = jurisdiction_figure(data)
    table = data.by_jurisdiction
    seen = set()
    for trace, outcome in zip(fig.data, ("victim_weeks_exploited", "victims_identified")):
        per = 52.0 if outcome == "victim_weeks_exploited" else 1.0
        rows = table[table["outcome"] == outcome]
        base = rows[rows["scenario"] == data.baseline].set_index("jurisdiction")["mean"] / per
        places = list(dict.fromkeys(table["jurisdiction"]))
        for i, name in enumerate(reversed(data.policies)):
            for j, place in enumerate(places):
                cell = trace.text[i][j].split("<br>")[0]
                if abs(base[place]) < MIN_BASE_FOR_PERCENT:
                    row = rows[(rows["scenario"] == name) & (rows["jurisdiction"] == place)]
                    assert cell == fmt_number(row["difference"].item() / per, True)
                    assert trace.z[i][j] == 0.0
                    seen.add("change")
                else:
                    assert cell.endswith("%")
                    seen.add("percent")
    assert seen == {"change", "percent"}  # this tiny batch has both kinds of base
