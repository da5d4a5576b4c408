"""The effect a pair of backtests predicts: a policy against its counterfactual, run by run.

Two backtests of the same scenario, ensemble and settings
(:func:`simulation.reports.dashboard.backtest. groups`) run the same parameter draws with the same
seeds, so run (draw d, replication r) of the one and run (d, r) of the other differ only by the
lever files. Their difference, run by run, is the predicted effect of the policy with the model's
randomness paired away as far as the seeds allow; its median and the central 95% of the differences
(every draw, every replication: randomness and parameters) are what the section's table gives. Read
from each folder's ``prediction.parquet``, whose digest must still be the one ``prediction.json``
recorded.
"""

from __future__ import annotations

import hashlib
from html import escape as _e

import numpy as np
import pandas as pd

from simulation.model.display import fmt_number
from simulation.model.errors import UserError

TABLE = "prediction.parquet"


def prediction_table(o) -> pd.DataFrame | None:
    """The output's runs (series, year, draw, replication, value), or None when its folder
    has no ``prediction.parquet``; refused when the table changed since the prediction."""
    path = o.folder / TABLE
    if not path.is_file():
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    if digest != o.prediction["prediction_digest"]:
        raise UserError(f"{path}: changed since the prediction was written (its digest is "
                        f"{digest}, prediction.json recorded {o.prediction['prediction_digest']}"
                        "); allowed: the frozen prediction as written (restore it from version "
                        "control)")
    try:
        return pd.read_parquet(path, columns=["series", "year", "draw", "replication", "value"])
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot be read ({exc}); allowed: the prediction.parquet "
                        "tipsim backtest writes") from None


def paired_effects(policy, other) -> pd.DataFrame | None:
    """Per series and year after the cut: the median, 2.5% and 97.5% quantiles of ``policy``'s
    runs minus ``other``'s, paired by draw and replication, and the number of pairs. None when
    either folder lacks its ``prediction.parquet``."""
    a, b = prediction_table(policy), prediction_table(other)
    if a is None or b is None:
        return None
    keys = ["series", "year", "draw", "replication"]
    pairs = a.merge(b, on=keys, suffixes=("_policy", "_other"))
    pairs = pairs[pairs["year"] > int(policy.prediction["cut_year"])]
    pairs["difference"] = pairs["value_policy"] - pairs["value_other"]
    rows = [{"series": s, "year": int(y), "pairs": len(g),
             "median": float(np.median(g["difference"])),
             "low95": float(np.quantile(g["difference"], 0.025)),
             "high95": float(np.quantile(g["difference"], 0.975))}
            for (s, y), g in pairs.groupby(["series", "year"], sort=True)]
    return pd.DataFrame(rows, columns=["series", "year", "pairs", "median", "low95", "high95"])


def effects_html(group, labels) -> str:
    """The section's table of the effect the first backtest predicts against each other one of
    its group ("" for a group of one)."""
    out = []
    for other, label in zip(group[1:], labels[1:]):
        effects = paired_effects(group[0], other)
        what = f"{labels[0]} minus {label}"
        if effects is None:
            out.append(f'<p class="effects-missing">The predicted effect ({_e(what)}, run by '
                       "run) needs both folders' prediction.parquet, which one of them "
                       "lacks.</p>")
            continue
        years = sorted(effects["year"].unique())
        cells = effects.set_index(["series", "year"])
        rows = []
        present = set(effects["series"])  # in the backtest files' order
        for series in dict.fromkeys(k for o in group for k in o.series() if k in present):
            tds = []
            for y in years:
                if (series, y) not in cells.index:
                    tds.append("<td>–</td>")
                    continue
                c = cells.loc[(series, y)]
                tds.append(f'<td data-year="{y}" data-median="{float(c["median"])!r}" '
                           f'data-low95="{float(c["low95"])!r}" '
                           f'data-high95="{float(c["high95"])!r}">'
                           f'{_e(fmt_number(c["median"], signed=True))}<br><span class="range">'
                           f'{_e(fmt_number(c["low95"], signed=True))} to '
                           f'{_e(fmt_number(c["high95"], signed=True))}</span></td>')
            rows.append(f'<tr data-series="{_e(series)}"><th scope="row">{_e(series)}</th>'
                        + "".join(tds) + "</tr>")
        pairs = int(effects["pairs"].min()) if len(effects) else 0
        out.append(
            f'<h3>The predicted effect: {_e(what)}</h3><p class="explain">Run by run: each of '
            f"the {pairs} pairs of runs shares its parameter draw and its seed, so the "
            "difference is what the lever files change. Each cell: the median difference, and "
            "under it the central 95% of the differences (randomness and parameters).</p>"
            f'<table class="backtest-scores backtest-effects" data-policy="'
            f'{_e(group[0].name)}" data-other="{_e(other.name)}"><thead><tr>'
            '<th scope="col">series</th>'
            + "".join(f'<th scope="col">{y}</th>' for y in years)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return "".join(out)
