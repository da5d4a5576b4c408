"""The command examples of the README and the getting-started guide match the tool: every one
parses with tipsim's own parser (no option the tool does not have), the quick ones run, and the
guide's scenario and experiment files load as the guide says."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest

from simulation.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", ROOT / "docs" / "getting-started.md")
FAST = ("validate", "levers", "show", "schema")
"""Commands quick enough to run for real here (the others are parsed only)."""


def examples(page: Path) -> list[list[str]]:
    """Every ``tipsim ...`` line of the page's shell blocks, as arguments (comments dropped)."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
        block = re.sub(r"\\\n\s*", " ", block)  # a line continued with a backslash
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "tipsim":
                out.append(words[1:])
    return out


ALL = [(page.name, words) for page in PAGES for words in examples(page)]


def test_the_pages_have_examples():
    assert {name for name, _ in ALL} == {p.name for p in PAGES} and len(ALL) > 15


@pytest.mark.parametrize("page, words", ALL, ids=[" ".join(w)[:50] for _, w in ALL])
def test_every_example_parses(page, words):
    args = build_parser().parse_args(words)
    assert callable(args.handler)


@pytest.mark.parametrize("words", [w for _, w in ALL if w[0] in FAST and "my_support" not in
                                   " ".join(w)], ids=lambda w: " ".join(w)[:50])
def test_quick_examples_run(words, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    expanded = [x for w in words for x in (sorted(glob.glob(w)) if "*" in w else [w])]
    assert main(expanded) == 0
    out = capsys.readouterr().out
    assert out.strip()
    if words[0] == "validate":  # prints "FILE: ok" for each valid file, as the guide says
        assert all(line.endswith(": ok") for line in out.splitlines())


def _toml_blocks(page: Path) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def test_the_guides_own_scenario_and_experiments_work_as_it_says(tmp_path, capsys,
                                                                   monkeypatch):
    """Saved where the guide says, its scenario validates (printing 'ok'), shows and loads, and
    its experiment loads, with and without the [uncertainty] table it adds."""
    from simulation.studies.experiment import Experiment
    from simulation.model.scenario import load_scenario

    scenario, experiment, uncertainty = _toml_blocks(PAGES[1])[:3]
    folder = tmp_path / "scenarios"
    (folder / "experiments").mkdir(parents=True)
    shutil.copy(ROOT / "scenarios" / "baseline.toml", folder / "baseline.toml")
    shutil.copytree(ROOT / "scenarios" / "calibration" / "baseline_ensemble",
                    folder / "calibration" / "baseline_ensemble")
    (folder / "my_support.toml").write_text(scenario)
    monkeypatch.chdir(tmp_path)
    for words in (w for _, w in ALL if "scenarios/my_support.toml" in w and w[0] in FAST):
        capsys.readouterr()
        assert main(words) == 0, words
        if words[0] == "validate":
            assert capsys.readouterr().out == "scenarios/my_support.toml: ok\n"
    mine = load_scenario(folder / "my_support.toml")
    base = load_scenario(folder / "baseline.toml")
    # the comment beside the shelter places says what the baseline has
    said = re.search(r"the baseline has (\d+)", scenario)
    place = next(j for j in base.jurisdictions if j.name == "destination_a")
    assert place.levers["shelter_places"] == int(said[1])
    assert len(mine.policies) == 2
    path = folder / "experiments" / "my_comparison.toml"
    path.write_text(experiment)
    assert Experiment.load(path).n_runs == 2 * 10
    path.write_text(uncertainty)
    exp = Experiment.load(path)
    assert exp.uncertainty is not None and exp.n_runs == 2 * 20 * 2
