"""The live what-if explorer: move a lever, see what it does against the baseline.

A Solara app (the layer Mesa's own visualisation is built on). Sliders set the main levers of
each jurisdiction and the week the change starts; each change reruns a handful of small
replications off the UI thread (:mod:`simulation.reports.dashboard.whatif`) and redraws the report's
charts (:mod:`simulation.reports.dashboard.figures`) while a busy bar shows. Run it with
``tipsim explore [SCENARIO]``, or in Jupyter::

    from simulation.reports.dashboard.explorer import Explorer
    Explorer(scenario="scenarios/baseline.toml")
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any
from pathlib import Path

import solara
from solara.lab import use_task

from simulation.reports.dashboard import whatif
from simulation.reports.dashboard.data import prepare
from simulation.reports.dashboard.figures import FIGURES, all_figures
from simulation.reports.dashboard.cards import card_html
from simulation.reports.dashboard.page import CARD_CSS
from simulation.reports.dashboard.report import CAPTIONS
from simulation.model.trafficking_model import BASELINE
from simulation.model.registry import LEVERS

DEFAULT_SCENARIO = BASELINE
FIGURE_WIDTH = 960  # pixels: plotly widgets do not follow their container's width
DEBOUNCE_SECONDS = 0.3  # a slider dragged across its range asks for one run, not twenty
ENV = "TIPSIM_EXPLORE_"


def settings_from_env() -> tuple[str, whatif.Settings]:
    """The scenario and run settings ``tipsim explore`` passes to the server."""
    defaults = whatif.Settings()
    get = os.environ.get
    return (get(ENV + "SCENARIO", str(DEFAULT_SCENARIO)), whatif.Settings(
        replications=int(get(ENV + "REPLICATIONS", defaults.replications)),
        scale=float(get(ENV + "SCALE", defaults.scale)),
        weeks=int(get(ENV + "WEEKS", defaults.weeks)),
        burn_in_weeks=int(get(ENV + "BURN_IN_WEEKS", defaults.burn_in_weeks)),
        seed=int(get(ENV + "SEED", defaults.seed)),
        workers=int(get(ENV + "WORKERS", defaults.workers))))


def _compute(base, settings, changes: tuple, start: int, keep_going):
    """Runs, comparison and figures for one state of the sliders (None when superseded)."""
    time.sleep(DEBOUNCE_SECONDS)
    if not keep_going():
        return None
    scenario = (whatif.what_if(base, dict(changes), start, name=whatif.WHAT_IF)
                if changes else None)
    results = whatif.compare_runs(base, scenario, settings, keep_going, start_week=start)
    if results is None or not keep_going():
        return None
    data = prepare(results, baseline=base.name, n_resamples=1000)
    figures = all_figures(data)
    for fig in figures.values():
        fig.update_layout(width=FIGURE_WIDTH)
    shown = data.policies or [data.baseline]
    return {"figures": figures, "cards": "".join(card_html(data, s) for s in shown),
            "changed": bool(data.policies)}


@solara.component
def LeverSlider(lever: str, place: str, current, changes: solara.Reactive):
    spec = LEVERS[lever]
    value = changes.value.get((lever, place), current)
    low, high, step = whatif.slider_range(lever, current)

    def set_value(new):
        updated = dict(changes.value)
        if abs(float(new) - float(current)) < 1e-9:
            updated.pop((lever, place), None)
        else:
            updated[(lever, place)] = new
        changes.set(updated)

    with solara.Column(gap="0px", classes=[f"lever-{lever}"]):
        solara.Text(f"{spec.label}: {value:g}" + ("" if value == current else
                                                  f" (now {current:g})"),
                    style={"font-size": "0.85em", "color": "#333"})
        if spec.kind == "int":
            solara.SliderInt("", value=int(value), min=int(low), max=int(high),
                             step=int(step), on_value=set_value, thumb_label=False)
        else:
            solara.SliderFloat("", value=float(value), min=low, max=high, step=step,
                               on_value=set_value, thumb_label=False)


@solara.component
def Explorer(scenario: str | Path | None = None, settings: whatif.Settings | None = None):
    """The explorer for one scenario (default: the baseline), runnable in Jupyter too."""
    settings = settings or whatif.Settings()
    source = str(scenario or DEFAULT_SCENARIO)
    base = solara.use_memo(lambda: whatif.load_base(source, settings), [source, settings])
    values = whatif.lever_values(base)
    roles = {j.name: j.role for j in base.jurisdictions}
    places = list(values)
    place = solara.use_reactive(next((p for p in places if roles[p] == "destination"),
                                     places[0]))
    changes: Any = solara.use_reactive({})  # lever -> value chosen
    start = solara.use_reactive(0)
    key = (tuple(sorted(changes.value.items())), start.value)
    holder: Any = solara.use_ref(None)  # the current task

    def compute():
        task = holder.current
        return _compute(base, settings, key[0], key[1],
                        lambda: task is None or task.is_current())

    task = use_task(compute, dependencies=[key])
    holder.current = task

    with solara.Column(style={"padding": "12px 18px", "max-width": "1500px"}):
        solara.Text(f"What-if explorer: {base.name}", style={"font-size": "1.5em",
                                                              "font-weight": "600"})
        solara.Text(f"Each change reruns {settings.replications} replications at scale "
                    f"{settings.scale:g} for {settings.weeks} weeks (after a "
                    f"{settings.burn_in_weeks}-week burn-in) and compares them with the "
                    "unchanged scenario on the same seeds. A tool for comparing policies, "
                    "not a forecast.", style={"color": "#555"})
        with solara.Columns([1, 3]):
            with solara.Column(classes=["tipsim-controls"]):
                solara.Select("Jurisdiction", values=places, value=place)
                for lever in whatif.MAIN_LEVERS:
                    LeverSlider(lever, place.value, values[place.value][lever], changes)
                with solara.Column(gap="0px", classes=["policy-start"]):
                    solara.Text(f"Change starts at week {start.value}",
                                style={"font-size": "0.85em", "color": "#333"})
                    solara.SliderInt("", value=start, min=0, max=max(0, settings.weeks - 4),
                                     step=4, thumb_label=False)
                solara.Button("Reset all changes", on_click=lambda: (changes.set({}),
                                                                     start.set(0)),
                              outlined=True, disabled=not changes.value)
                for (lever, where), value in sorted(changes.value.items()):
                    solara.Text(f"{LEVERS[lever].label} in {where}: {value:g}",
                                style={"font-size": "0.9em"})
            with solara.Column(classes=["tipsim-results"]):
                _Results(task, settings)


@solara.component
def _Results(task, settings: whatif.Settings):
    # The same elements in the same places whatever the state, so the charts' widgets are
    # updated in place rather than rebuilt on every change.
    busy = bool(task.pending)
    solara.ProgressLinear(busy)
    shown = task.value if task.finished and task.value is not None else task.latest
    idle = ("Your change against the baseline." if shown and shown["changed"] else
            "Move a slider to compare a change with the baseline.")
    solara.Text(f"Running {settings.replications} replications of your change..." if busy
                else idle,
                classes=["tipsim-busy"] if busy else ["tipsim-idle"],
                style={"color": "#0a5c96" if busy else "#555", "font-weight": "600"})
    solara.Text(f"The run failed: {task.exception}" if task.error else "",
                style={"color": "#b34700"})
    if not shown:
        return
    style = {"opacity": "0.55" if busy else "1"}
    with solara.Column(style=style, classes=["tipsim-figures"]):
        solara.HTML(tag="div", unsafe_innerHTML=(f"<style>{CARD_CSS}</style>"
                                                 f'<div class="cards">{shown["cards"]}</div>'))
        for key, title, _ in FIGURES:
            solara.Text(title, style={"font-size": "1.2em", "font-weight": "600",
                                      "margin-top": "12px"})
            solara.Text(CAPTIONS.get(key, ""), style={"color": "#555"})
            solara.FigurePlotly(shown["figures"][key])


@solara.component
def Page():
    """The page ``tipsim explore`` serves."""
    scenario, settings = settings_from_env()
    Explorer(scenario=scenario, settings=settings)


def _warm_up() -> None:
    """Start the baseline runs as soon as the server imports this page."""
    scenario, settings = settings_from_env()
    try:
        whatif.baseline_runs(whatif.load_base(scenario, settings), settings)
    except Exception:  # noqa: BLE001 - the page shows the error when it asks again
        pass


if os.environ.get(ENV + "SCENARIO"):
    threading.Thread(target=_warm_up, daemon=True, name="tipsim-warm-up").start()
