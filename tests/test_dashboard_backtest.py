"""The dashboard's backtest section (``tipsim dashboard [RESULTS] --backtest DIR``): read from a
backtest's own files, its scores and misses as report.json has them, a figure per series with
the prediction's bands and the observed points (misses marked), a policy beside its
counterfactual in one figure, and one clear error for a folder that is not a backtest's output.

Two small backtests of test_backtest.py's kind (scale 0.1, three years, 2 draws x 2 runs) are
made once for the module: officer training raised from 2011 (compared with a held-out run of
itself) and the same scenario without the raise (its counterfactual: same ensemble, settings
and seeds)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulation.studies.backtest import load_backtest, observed_example
from simulation.cli import main
from simulation.reports.dashboard.backtest import (BacktestOutput, build_backtest_page, groups,
                                                   misses_sentence, read_output, read_outputs,
                                                   sections_for, series_figure)
from test_backtest import BACKTEST, BASELINE, make_folder

SMALL = BACKTEST.replace("draws = 3", "draws = 2")
COUNTERFACTUAL = f'extends = "{BASELINE}"\nname = "test_no_training"\n'


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """The policy (predicted, then compared with a held-out run), its counterfactual (compared
    with the same observations), and the policy's prediction alone (not compared)."""
    base = tmp_path_factory.mktemp("dashboard_backtest")
    policy = make_folder(base / "policy", SMALL)
    assert main(["backtest", str(policy), "--predict-only", "--out", str(base / "policy_out"),
                 "--workers", "2", "--quiet"]) == 0
    observed = observed_example(load_backtest(policy))
    observed.to_csv(base / "policy" / "observed.csv", index=False)
    assert main(["backtest", str(policy), "--compare", "--out", str(base / "policy_out")]) == 0

    counter = make_folder(base / "counter", SMALL.replace('"test_backtest"',
                                                          '"test_no_training"'))
    (base / "counter" / "levers.toml").write_text(COUNTERFACTUAL)
    observed.to_csv(base / "counter" / "observed.csv", index=False)
    assert main(["backtest", str(counter), "--out", str(base / "counter_out"), "--workers", "2",
                 "--quiet"]) == 0

    alone = base / "alone_out"
    alone.mkdir()
    for name in ("prediction.json", "prediction.parquet"):
        shutil.copy(base / "policy_out" / name, alone / name)
    return {"policy": base / "policy_out", "counter": base / "counter_out", "alone": alone,
            "base": base}


def section(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}"')
    return page[start:page.index("</section>", start)]


def figures(html: str) -> dict[str, list[dict]]:
    """Every plotly figure in ``html``: its div id and its traces."""
    out = {}
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        out[m[1]] = json.JSONDecoder().raw_decode(html, m.end())[0]
    return out


def test_a_scored_backtest_shows_its_scores_misses_and_a_figure_per_series(folders, tmp_path,
                                                                             capsys):
    out = tmp_path / "page.html"
    code, said, err = cli(capsys, "dashboard", "--backtest", folders["policy"], "-o", out)
    assert code == 0 and err == "" and str(out) in said
    page = out.read_text()
    assert page.count("<script>") >= 1 and page.count("plotly.js v") == 1  # inlined once
    html = section(page, "backtest-test_backtest")
    report = json.loads((folders["policy"] / "report.json").read_text())
    prediction = json.loads((folders["policy"] / "prediction.json").read_text())
    assert 'data-scored="true"' in html and 'data-scored="false"' not in html
    points = sum(s["points_scored"] for s in report["series"])
    with_points = sum(1 for s in report["series"] if s["points_scored"])
    assert (f"against {points} observed points after 2010, in {with_points} of "
            f"{len(report['series'])} series.") in html
    # the score table is report.json's, series by series
    for s in report["series"]:
        row = re.search(rf'<tr data-backtest="test_backtest" data-series="{s["series"]}"'
                        r'[^>]*>', html)[0]
        for key in ("coverage95", "coverage50", "crps_mean"):
            shown = re.search(rf'data-{key.replace("_", "-")}="([^"]+)"', row)[1]
            assert float(shown) == pytest.approx(s[key]), (s["series"], key)
    # misses: the series with a point after the cut outside the 95% interval, and only those
    outside = {p["series"] for p in report["points"]
               if p["after_cut"] and p["predicted"] and not p["inside95"]}
    assert "identified_wrong/total/all" in outside  # three times the held-out run
    shown = re.search(r'class="misses[^"]*" data-backtest="test_backtest" data-missed="([^"]*)"',
                      html)[1]
    assert set(shown.split()) == outside
    sentence = misses_sentence(read_output(folders["policy"]))
    assert f"in {len(outside)} of 3 series" in sentence
    assert all(s in sentence for s in outside)
    # one figure per series: the bands of prediction.json, the observed points of report.json
    drawn = figures(html)
    assert len(drawn) == 3
    for s in report["series"]:
        traces = drawn["figure-backtest-test_backtest-" + s["series"].replace("/", "-")]
        mine = [b for b in prediction["intervals"] if b["series"] == s["series"]]
        median = next(t for t in traces if t.get("name") == "median")
        assert median["y"] == [b["median"] for b in sorted(mine, key=lambda b: b["year"])]
        names = {t.get("name") for t in traces}
        assert {"95%, randomness and parameters", "50%, randomness and parameters",
                "95%, randomness alone"} <= names
        points = [p for p in report["points"] if p["series"] == s["series"]]
        missed = next((t for t in traces if "outside" in (t.get("name") or "")), None)
        want = sorted(p["year"] for p in points if p["predicted"] and not p["inside95"])
        assert (missed["x"] if missed else []) == want
        marked = sum(len(t["x"]) for t in traces if (t.get("name") or "").startswith("observed"))
        assert marked == len(points)  # every observed point is drawn, once


def test_a_prediction_alone_is_shown_as_not_scored(folders, tmp_path, capsys):
    out = tmp_path / "alone.html"
    assert cli(capsys, "dashboard", "--backtest", folders["alone"], "-o", out)[0] == 0
    html = section(out.read_text(), "backtest-test_backtest")
    # from Python, the same page
    assert build_backtest_page([folders["alone"]], tmp_path / "api.html").read_bytes() == \
        out.read_bytes()
    assert 'data-scored="false"' in html and "not scored yet" in html
    assert '<table class="backtest-scores"' not in html and '<p class="misses' not in html
    drawn = figures(html)
    assert len(drawn) == 3
    for traces in drawn.values():
        assert any(t.get("name") == "median" for t in traces)
        assert not any((t.get("name") or "").startswith("observed") for t in traces)


def test_a_policy_and_its_counterfactual_share_one_figure_per_series(folders, tmp_path,
                                                                      capsys):
    out = tmp_path / "both.html"
    code, _, err = cli(capsys, "dashboard", "--backtest", folders["policy"], "--backtest",
                       folders["counter"], "-o", out)
    assert code == 0, err
    page = out.read_text()
    assert page.count('<section id="backtest') == 1  # one section, not two
    html = section(page, "backtest-test_backtest-test_no_training")
    assert "Backtest: test_backtest beside test_no_training" in html
    assert "gap between their bands is the effect the model predicts" in html
    policy = json.loads((folders["policy"] / "prediction.json").read_text())
    counter = json.loads((folders["counter"] / "prediction.json").read_text())
    assert policy["frozen"]["lever_file"] != counter["frozen"]["lever_file"]
    drawn = figures(html)
    assert len(drawn) == 3
    for div_id, traces in drawn.items():
        series = next(c["key"] for c in policy["compare"]
                      if div_id.endswith(c["key"].replace("/", "-")))
        for name, meta in (("test_backtest", policy), ("test_no_training", counter)):
            median = next(t for t in traces if t.get("name") == f"{name}: median")
            rows = sorted((b for b in meta["intervals"] if b["series"] == series),
                          key=lambda b: b["year"])
            assert median["y"] == [b["median"] for b in rows], (div_id, name)
            band = [t for t in traces if t.get("name") == f"{name}: 95%, randomness and "
                                                          "parameters"]
            assert len(band) == 1
        # the observed points are judged against the first backtest given, the policy
        assert all("test_backtest's" in t["name"] for t in traces
                   if "outside" in (t.get("name") or ""))
    # both scored: both score tables and both misses sentences
    assert html.count('<p class="misses') == 2
    assert len(re.findall(r'<tr data-backtest="test_no_training"', html)) == 3
    # the predicted effect, run by run: each pair of runs shares its draw and its seed
    runs = [pd.read_parquet(folders[k] / "prediction.parquet") for k in ("policy", "counter")]
    pairs = runs[0].merge(runs[1], on=["series", "year", "draw", "replication"])
    effects = re.search(r'<table class="[^"]*backtest-effects" data-policy="test_backtest" '
                        r'data-other="test_no_training">(.*?)</table>', html)[1]
    cells = re.findall(r'<tr data-series="([^"]+)">|<td data-year="(\d+)" data-median="([^"]+)" '
                       r'data-low95="([^"]+)" data-high95="([^"]+)"', effects)
    assert [c[0] for c in cells if c[0]] == [c["key"] for c in policy["compare"]]
    series, checked = None, 0
    for name, year, median, low, high in cells:
        if name:
            series = name
            continue
        mine = pairs[(pairs["series"] == series) & (pairs["year"] == int(year))]
        difference = mine["value_x"] - mine["value_y"]
        assert len(mine) == 2 * 2 and int(year) > 2010  # draws x replications, after the cut
        assert float(median) == pytest.approx(difference.median())
        assert (float(low), float(high)) == pytest.approx(tuple(difference.quantile([.025,
                                                                                      .975])))
        checked += 1
    assert checked == 3 * 2  # three series, 2011 and 2012
    # the same draws and seeds: before the policy's first week (2011) the two predictions are
    # the same runs, after it they differ
    by = {(b["series"], b["year"]): b["median"] for b in counter["intervals"]}
    same = [b["median"] == by[(b["series"], b["year"])] for b in policy["intervals"]
            if b["year"] == 2010]
    assert all(same) and len(same) == 3
    assert any(b["median"] != by[(b["series"], b["year"])] for b in policy["intervals"]
               if b["year"] > 2010)


def test_the_effect_needs_both_tables_and_refuses_an_edited_one(folders, tmp_path, capsys):
    counter = tmp_path / "counter"
    shutil.copytree(folders["counter"], counter, ignore=shutil.ignore_patterns("runs"))
    (counter / "prediction.parquet").unlink()  # the scores and bands need only the json files
    out = tmp_path / "page.html"
    assert cli(capsys, "dashboard", "--backtest", folders["policy"], "--backtest", counter,
               "-o", out)[0] == 0
    page = out.read_text()
    assert "backtest-effects" not in page and "lacks" in page
    table = pd.read_parquet(folders["counter"] / "prediction.parquet")
    table.loc[0, "value"] += 10
    table.to_parquet(counter / "prediction.parquet", index=False)
    code, _, err = cli(capsys, "dashboard", "--backtest", folders["policy"], "--backtest",
                       counter, "-o", tmp_path / "edited.html")
    assert code == 1 and "prediction.parquet: changed since the prediction was written" in err
    assert "Traceback" not in err and not (tmp_path / "edited.html").exists()


def test_backtests_of_other_settings_get_sections_of_their_own(folders, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(folders["counter"], other, ignore=shutil.ignore_patterns("runs"))
    meta = json.loads((other / "prediction.json").read_text())
    meta["frozen"]["settings"] = "0123456789abcdef"  # say, another seed
    (other / "prediction.json").write_text(json.dumps(meta))
    outputs = read_outputs([folders["policy"], other, folders["counter"], folders["policy"]])
    assert [[o.folder for o in g] for g in groups(outputs)] == \
        [[folders["policy"], folders["counter"]], [other]]  # the policy given twice counts once


def test_the_backtest_section_joins_the_dashboard_of_a_results_store(folders, tiny_results,
                                                                      tmp_path, capsys):
    out = tmp_path / "dashboard.html"
    code, _, err = cli(capsys, "dashboard", tiny_results, "--backtest", folders["policy"],
                       "-o", out)
    assert code == 0, err
    page = out.read_text()
    ids = re.findall(r'<section id="([^"]+)"', page)
    assert ids.index("backtest-test_backtest") == ids.index("methods") - 1  # before methods
    assert "summary" in ids and page.count("plotly.js v") == 1
    assert len(figures(section(page, "backtest-test_backtest"))) == 3


def test_a_description_is_escaped(folders, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folders["policy"], copy, ignore=shutil.ignore_patterns("runs"))
    meta = json.loads((copy / "prediction.json").read_text())
    meta["description"] = "<script>alert(1)</script> & more"
    (copy / "prediction.json").write_text(json.dumps(meta))
    assert main(["dashboard", "--backtest", str(copy), "-o", str(tmp_path / "p.html")]) == 0
    page = (tmp_path / "p.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" \
        in page


def test_a_prediction_the_model_has_moved_on_from_says_so(folders, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folders["policy"], copy, ignore=shutil.ignore_patterns("runs"))
    assert 'class="changed"' not in sections_for(read_outputs([copy]))[0].render(None)
    report = json.loads((copy / "report.json").read_text())
    report["model_changed"] = True  # as tipsim backtest --compare writes it then
    (copy / "report.json").write_text(json.dumps(report))
    html = sections_for(read_outputs([copy]))[0].render(None)
    assert "the model's code had changed since the prediction was made" in html
    # a report with no point after the cut is compared, not scored
    for s in report["series"]:
        s["points_scored"] = 0
    (copy / "report.json").write_text(json.dumps(report))
    html = sections_for(read_outputs([copy]))[0].render(None)
    assert "compared, with no observed point after 2010" in html
    assert "No observed point after the cut to score." in html and "lies inside" not in html


def _bad(folder: Path, kind: str, policy: Path) -> tuple[Path, str]:
    """A folder that is not a backtest's output, and what its error says."""
    if kind == "missing":
        return folder / "nowhere", "no such folder"
    folder.mkdir()
    if kind == "file":
        (folder / "x.txt").write_text("x")
        return folder / "x.txt", "a file, not a folder"
    if kind == "empty":
        return folder, "not a backtest's output (it holds no prediction.json)"
    if kind == "source":  # the backtest file's folder, not the output's
        make_folder(folder, SMALL)
        return folder, (f"it holds backtest.toml: tipsim backtest {folder / 'backtest.toml'} "
                        "--out DIR writes a folder to give here")
    if kind == "store":
        (folder / "manifest.json").write_text("{}")
        return folder, "a results store (give it as RESULTS)"
    if kind == "not_json":
        (folder / "prediction.json").write_text("{not json")
        return folder, "prediction.json: not valid JSON"
    if kind == "no_intervals":
        meta = json.loads((policy / "prediction.json").read_text())
        del meta["intervals"]
        (folder / "prediction.json").write_text(json.dumps(meta))
        return folder, "prediction.json: intervals: "
    shutil.copy(policy / "prediction.json", folder / "prediction.json")
    report = json.loads((policy / "report.json").read_text())
    report["prediction_digest"] = "0000000000000000"
    (folder / "report.json").write_text(json.dumps(report))
    return folder, "report.json: scores the prediction 0000000000000000"


@pytest.mark.parametrize("kind", ["missing", "file", "empty", "source", "store", "not_json",
                                  "no_intervals", "other_report"])
def test_a_folder_that_is_not_a_backtest_output_is_one_clear_error(folders, tmp_path, capsys,
                                                                   kind):
    bad, says = _bad(tmp_path / "bad", kind, folders["policy"])
    out = tmp_path / "page.html"
    code, _, err = cli(capsys, "dashboard", "--backtest", folders["policy"], "--backtest", bad,
                       "-o", out)
    assert code == 1 and str(bad) in err and says in err, err
    assert "allowed: " in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()  # refused before anything is written


def test_the_command_says_what_it_needs(folders, tmp_path, capsys):
    code, _, err = cli(capsys, "dashboard")
    assert code == 1 and "RESULTS" in err and "--backtest DIR" in err
    code, _, err = cli(capsys, "dashboard", folders["policy"])
    assert code == 1 and f"tipsim dashboard --backtest {folders['policy']}" in err
    # without -o the page goes beside the first backtest's files, which stay as they were
    before = {p.name: p.read_bytes() for p in folders["alone"].iterdir()}
    assert cli(capsys, "dashboard", "--backtest", folders["alone"])[0] == 0
    assert (folders["alone"] / "dashboard.html").is_file()
    assert all((folders["alone"] / n).read_bytes() == b for n, b in before.items())
    (folders["alone"] / "dashboard.html").unlink()


def test_a_series_figure_marks_only_the_points_outside_the_interval():
    bands = [{"series": "s", "year": y, "median": 10.0, "combined_low95": 5.0,
              "combined_low50": 8.0, "combined_high50": 12.0, "combined_high95": 15.0}
             for y in (2000, 2001, 2002, 2003)]
    points = [{"series": "s", "year": 2000, "observed": 30.0, "after_cut": False,
               "predicted": True, "inside95": False, "miss": 15.0, "source_id": "a"},
              {"series": "s", "year": 2001, "observed": 14.0, "after_cut": True,
               "predicted": True, "inside95": True, "miss": 0.0, "source_id": "a"},
              {"series": "s", "year": 2002, "observed": 2.0, "after_cut": True,
               "predicted": True, "inside95": False, "miss": -3.0, "source_id": "a"},
              {"series": "s", "year": 2005, "observed": 9.0, "after_cut": True,
               "predicted": False, "source_id": "a"}]
    o = BacktestOutput(Path("x"), {"backtest": "t", "cut_year": 2000, "intervals": bands,
                                   "compare": [{"key": "s", "statistic": "arrests"}]},
                       {"series": [{"series": "s", "points_scored": 2}], "points": points})
    fig = series_figure("s", [o], ["t"], o)
    by = {t.name: list(t.x) for t in fig.data if t.name and t.name.startswith("observed")}
    assert by == {"observed": [2001], "observed, outside the 95% interval": [2000, 2002],
                  "observed, not predicted": [2005]}
    assert [s.x0 for s in fig.layout.shapes] == [2000.5]  # the cut
    assert "95%, randomness alone" not in {t.name for t in fig.data}  # not in these bands
    assert o.misses() == {"s": (1, 2)}  # 2000 is a calibration year: shown, not scored


@pytest.mark.browser
def test_the_backtest_figures_render_in_a_browser_with_no_errors(browser, folders, tiny_results,
                                                                 tmp_path):
    from browser_support import open_report

    pages = {"alone": (["--backtest", folders["policy"], "--backtest", folders["counter"]], 3),
             "with_results": ([tiny_results, "--backtest", folders["policy"]], 9)}
    for name, (args, charts) in pages.items():
        out = tmp_path / f"{name}.html"
        assert main(["dashboard", *map(str, args), "-o", str(out)]) == 0
        page = open_report(browser, out, charts=charts)
        try:
            drawn = page.page.evaluate(
                "() => Array.from(document.querySelectorAll('section.backtest .js-plotly-plot'))"
                ".map(g => ({id: g.id, names: g.data.map(t => t.name || ''),"
                " points: g.querySelectorAll('.scatterlayer .point').length,"
                " fills: g.querySelectorAll('.scatterlayer .js-fill').length}))")
            assert len(drawn) == 3, (name, drawn)
            bands = 2 if name == "alone" else 1  # the policy beside its counterfactual
            for fig in drawn:
                assert sum("median" in n for n in fig["names"]) == bands, fig
                assert fig["fills"] >= 2 * bands and fig["points"] > 0, fig
            wrong = next(f for f in drawn if f["id"].endswith("identified_wrong-total-all"))
            assert any("outside" in n for n in wrong["names"])  # its misses are marked
            assert page.errors == [] and page.requests == [], (name, page.errors)
            page.page.screenshot(path=str(out.with_suffix(".png")), full_page=True)
        finally:
            page.close()
