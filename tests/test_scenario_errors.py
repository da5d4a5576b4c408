"""Bad scenario input: every mistake gives one clear line naming file, field and what is allowed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulation.model.scenario import ScenarioError, load_scenario, validate_file

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REGION = """
[jurisdictions.a]
role = "origin"
population = 1000
vulnerability = 0.5

[jurisdictions.b]
role = "transit"
population = 1000
vulnerability = 0.5

[jurisdictions.c]
role = "destination"
population = 1000
vulnerability = 0.5
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    return tmp_path


def problems(folder: Path, text: str | bytes, name: str = "bad.toml") -> list[str]:
    """The problem lines for a file holding ``text``."""
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = str(err.value).splitlines()
    assert lines == [str(p) for p in err.value.problems] == [str(p) for p in validate_file(path)]
    return lines


def policy(folder: Path, body: str) -> list[str]:
    return problems(folder, f'extends = "baseline.toml"\n[[policy]]\n{body}\n')


def only(lines: list[str]) -> str:
    assert len(lines) == 1, lines
    return lines[0]


# --- unknown keys ---------------------------------------------------------------------------------

def test_misspelt_lever_in_a_jurisdiction(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.destination_a]\n'
                                 "trainig = 0.8\n"))
    assert line.startswith(f"{folder / 'bad.toml'}: jurisdictions.destination_a.trainig: "
                           "unknown key (did you mean 'training'?); allowed: role, population")


def test_misspelt_table_and_parameter(folder):
    lines = problems(folder, 'extends = "baseline.toml"\n[lever]\ntraining = 0.5\n'
                             "[parameters]\ndiscount = 0.5\n")
    assert any(": lever: unknown key (did you mean 'levers'?)" in x for x in lines)
    assert any(": parameters.discount: unknown key (did you mean 'discount_rate'?)" in x
               for x in lines)


def test_pair_lever_in_a_jurisdiction_table_is_unknown_there(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.transit]\n'
                                 "extradition = 0.5\n"))
    assert "jurisdictions.transit.extradition: unknown key" in line


# --- wrong types and ranges ---------------------------------------------------------------------

@pytest.mark.parametrize("table, key, value, allowed", [
    ("levers", "training", '"high"', "a number from 0 to 1"),
    ("levers", "training", "1.5", "a number from 0 to 1"),
    ("levers", "training", "true", "a number from 0 to 1"),
    ("levers", "officers", "60.5", "a whole number from 0 to 20_000"),
    ("levers", "officers", "-1", "a whole number from 0 to 20_000"),
    ("levers", "sentence_years", "[5]", "a number from 0 to 40"),
    ("levers", "criminalisation", '"sexual"', 'a list of distinct forms from "sexual"'),
    ("levers", "criminalisation", '["sexual", "sexual"]', "a list of distinct forms"),
    ("run", "weeks", "0", "a whole number from 1 to 5200"),
    ("run", "scale", "0", "a number above 0 and at most 64"),
    ("run", "seed", "-3", "a whole number from 0 to"),
    ("parameters", "discount_rate", "50.0", "a number from 0.001 to 10"),
    ("costs", "officers", "-10", "a number from 0 to 1_000_000_000_000"),
    ("cooperation", "extradition", "1.01", "a number from 0 to 1"),
])
def test_wrong_value_names_field_value_and_range(folder, table, key, value, allowed):
    line = only(problems(folder, f'extends = "baseline.toml"\n[{table}]\n{key} = {value}\n'))
    assert line.startswith(f"{folder / 'bad.toml'}: {table}.{key}: got ")
    assert f"; allowed: {allowed}" in line


@pytest.mark.parametrize("value", ["1e308", "inf", "-inf", "nan",
                                   "9223372036854775807", "1" + "0" * 400])
def test_absurd_numbers_are_out_of_range(folder, value):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.origin_a]\n'
                                 f"population = {value}\n"))
    assert ": jurisdictions.origin_a.population: got " in line
    assert "allowed: a number above 0 and at most 10_000_000_000" in line
    assert len(line.split(": got ")[1]) < 120  # a 400-digit number is shortened, not printed whole


def test_unknown_form_suggests_the_right_one(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.origin_a]\n'
                                 'criminalisation = ["sexual", "labor"]\n'))
    assert ('jurisdictions.origin_a.criminalisation[1]: got "labor"; allowed: one of "sexual", '
            '"labour", "criminal" (did you mean \'labour\'?)') in line


def test_wrong_role(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.transit]\n'
                                 'role = "transport"\n'))
    assert 'jurisdictions.transit.role: got "transport"; allowed: one of "origin", "transit", ' \
           '"destination"' in line


def test_every_problem_is_reported_not_just_the_first(folder):
    lines = problems(folder, 'extends = "baseline.toml"\n[levers]\ntraining = 2\nawareness = -1\n'
                             "[run]\nweeks = 0\n")
    assert len(lines) == 3


def test_missing_required_attribute_of_a_new_jurisdiction(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[jurisdictions.new_place]\n'
                                 'role = "origin"\npopulation = 5\n'))
    assert "jurisdictions.new_place.vulnerability: missing; required: a number from 0 to 1" in line


# --- the region -----------------------------------------------------------------------------------

def test_duplicate_jurisdiction_names_point_at_line_and_column(folder):
    line = only(problems(folder, REGION + '\n[jurisdictions.a]\nrole = "origin"\n'))
    assert line == (f"{folder / 'bad.toml'}:17:17: [jurisdictions.a] is declared twice; allowed: "
                    "each table once (so each jurisdiction name once)")


def test_duplicate_key_points_at_line(folder):
    line = only(problems(folder, "[run]\nweeks = 10\nweeks = 20\n"))
    assert line.startswith(f"{folder / 'bad.toml'}:3:")
    assert "a key is set twice" in line


def test_names_that_differ_only_in_case(folder):
    line = only(problems(folder, REGION + '\n[jurisdictions.A]\nrole = "origin"\n'
                                          "population = 1\nvulnerability = 0\n"))
    assert "jurisdictions: got " in line and "differ by more than case ('a' and 'A')" in line


@pytest.mark.parametrize("name", ['"a:b"', '"*"', '"two words"', '"1st"'])
def test_bad_jurisdiction_name(folder, name):
    text = REGION + (f'\n[jurisdictions.{name}]\nrole = "origin"\npopulation = 1\n'
                     'vulnerability = 0\n')
    line = only(problems(folder, text))
    assert "allowed: a name of letters, digits, '_' or '-' starting with a letter" in line


def test_too_few_jurisdictions(folder):
    line = only(problems(folder, REGION.split("[jurisdictions.c]")[0]))
    assert ": jurisdictions: got 2 (a, b); allowed: 3 to 50 tables [jurisdictions.NAME]" in line


def test_region_needs_an_origin_and_a_destination(folder):
    line = only(problems(folder, REGION.replace('"destination"', '"transit"')))
    assert ": jurisdictions: got " in line
    assert "at least one origin and one destination (no destination here)" in line


def test_pair_of_unknown_jurisdiction(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n'
                                 '[cooperation.pairs."origin_a:destination_c"]\nextradition = 1\n'))
    assert 'cooperation.pairs."origin_a:destination_c": got "origin_a:destination_c"' in line
    assert "'destination_c' is not a jurisdiction" in line
    assert "(did you mean 'destination_" in line


def test_pair_given_twice_in_both_orders(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n'
                                 '[cooperation.pairs."transit:origin_a"]\nextradition = 1\n'
                                 '[cooperation.pairs."origin_a:transit"]\nextradition = 0\n'))
    assert "cooperation.pairs: got " in line and "each pair once" in line


# --- policies -------------------------------------------------------------------------------------

def test_policy_with_unknown_lever(folder):
    line = only(policy(folder, 'lever = "trainning"\nvalue = 0.5'))
    assert line.startswith(f"{folder / 'bad.toml'}: policy[0].lever: got \"trainning\"; "
                           "allowed: a lever name, one of officers, training")
    assert line.endswith("(did you mean 'training'?)")


def test_policy_in_unknown_jurisdiction(folder):
    line = only(policy(folder, 'lever = "training"\nwhere = "destination_c"\nvalue = 0.5'))
    assert 'policy[0].where: got "destination_c"; allowed: "*" (every jurisdiction) or one ' \
           "jurisdiction: origin_a, origin_b, transit, destination_a, destination_b" in line
    assert "(did you mean 'destination_" in line


def test_pair_lever_needs_a_pair_and_jurisdiction_lever_a_jurisdiction(folder):
    line = only(policy(folder, 'lever = "extradition"\nwhere = "origin_a"\nvalue = 0.5'))
    assert 'policy[0].where: got "origin_a"; allowed: "*" (every pair) or a pair "a:b"' in line
    line = only(policy(folder, 'lever = "training"\nwhere = "origin_a:transit"\nvalue = 0.5'))
    assert "policy[0].where: got \"origin_a:transit\"; allowed: \"*\" (every jurisdiction)" in line
    line = only(policy(folder, 'lever = "extradition"\nwhere = "origin_a:nowhere"\nvalue = 0.5'))
    assert "policy[0].where: got \"origin_a:nowhere\"" in line


def test_policy_value_checked_against_its_lever(folder):
    line = only(policy(folder, 'lever = "shelter_places"\nwhere = "transit"\nvalue = 12.5'))
    assert "policy[0].value: got 12.5; allowed: a whole number from 0 to 100_000" in line
    line = only(policy(folder, 'lever = "training"\nvalue = 80'))
    assert "policy[0].value: got 80; allowed: a number from 0 to 1" in line


def test_policy_that_ends_before_it_starts(folder):
    line = only(policy(folder, 'lever = "training"\nvalue = 0.5\nstart_week = 52\nend_week = 10'))
    assert line == (f"{folder / 'bad.toml'}: policy[0].end_week: got 10; allowed: a week after "
                    "start_week (52), or leave it out to keep the policy")


def test_policy_ramp_longer_than_the_policy(folder):
    line = only(policy(folder, 'lever = "training"\nvalue = 0.5\nend_week = 10\nramp_weeks = 52'))
    assert "policy[0].ramp_weeks: got 52; allowed: at most end_week - start_week (10)" in line


def test_policy_without_value_or_lever(folder):
    assert "policy[0].value: missing; required: a number from 0 to 1" in only(
        policy(folder, 'lever = "training"'))
    assert "policy[0].lever: missing; required: a lever name" in only(
        policy(folder, "value = 0.5"))


def test_policy_that_is_not_a_table(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\npolicy = [1]\n'))
    assert "policy[0]: got 1; allowed: a table with keys lever, where, value" in line


# --- files and inheritance -----------------------------------------------------------------------

def test_empty_file(folder):
    line = only(problems(folder, "# nothing but a comment\n"))
    assert line == (f"{folder / 'bad.toml'}: is empty; allowed: a scenario with extends = "
                    '"baseline.toml" or [jurisdictions.NAME] tables')


def test_binary_file(folder):
    line = only(problems(folder, bytes(range(256))))
    assert line == f"{folder / 'bad.toml'}: is a binary file; allowed: a TOML text file"


def test_non_utf8_file(folder):
    line = only(problems(folder, 'name = "Zürich"\n'.encode("latin-1")))
    assert line == (f"{folder / 'bad.toml'}: is not UTF-8 text (byte 0xfc at offset 9); "
                    "allowed: a TOML text file in UTF-8")


def test_utf8_byte_order_mark_is_accepted(folder):
    path = folder / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'extends = "baseline.toml"\n')
    assert load_scenario(path).name == "baseline"


def test_syntax_error_has_line_and_column(folder):
    line = only(problems(folder, 'extends = "baseline.toml"\n[levers]\ntraining = \n'))
    assert line == f"{folder / 'bad.toml'}:3:12: TOML syntax error: Invalid value"


def test_missing_file():
    with pytest.raises(ScenarioError, match=r"^nowhere/none.toml: no such file$"):
        load_scenario("nowhere/none.toml")


def test_directory_is_not_a_scenario(folder):
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(folder)


def test_missing_extends_names_both_files(folder):
    line = only(problems(folder, 'extends = "basline.toml"\n'))
    assert line == (f"{folder / 'bad.toml'}: extends: got \"basline.toml\": no such file "
                    f"{folder / 'basline.toml'}; allowed: a path to an existing .toml file, "
                    "relative to this file (did you mean 'baseline.toml'?)")


@pytest.mark.parametrize("target", ['"/etc/passwd"', '"baseline.py"', "3", '["a.toml"]'])
def test_extends_reads_nothing_but_toml_files(folder, target):
    line = only(problems(folder, f"extends = {target}\n"))
    assert line.startswith(f"{folder / 'bad.toml'}: extends: got ")
    assert "allowed: a path to an existing .toml file" in line


def test_cyclic_extends_shows_the_chain(folder):
    (folder / "one.toml").write_text('extends = "two.toml"\n', encoding="utf-8")
    (folder / "two.toml").write_text('extends = "one.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder / "one.toml")
    one, two = folder / "one.toml", folder / "two.toml"
    assert str(err.value) == (f"{two}: extends: cycle {one} -> {two} -> {one}; allowed: a chain "
                              "that ends in a file without extends")


def test_file_extending_itself(folder):
    line = only(problems(folder, 'extends = "bad.toml"\n'))
    assert "extends: cycle" in line


def test_problem_in_an_inherited_file_names_that_file(folder):
    (folder / "parent.toml").write_text('extends = "baseline.toml"\n[levers]\nawareness = 7\n',
                                        encoding="utf-8")
    line = only(problems(folder, 'extends = "parent.toml"\n', name="child.toml"))
    assert line.startswith(f"{folder / 'parent.toml'}: levers.awareness: got 7;")
    assert line.endswith(f"(inherited by {folder / 'child.toml'})")


def test_syntax_error_in_an_inherited_file(folder):
    (folder / "parent.toml").write_text("x = = 1\n", encoding="utf-8")
    line = only(problems(folder, 'extends = "parent.toml"\n'))
    assert line.startswith(f"{folder / 'parent.toml'}:1:5: TOML syntax error")


def test_dict_input_is_named_in_messages():
    with pytest.raises(ScenarioError, match=r"^<scenario>: jurisdictions: missing; required"):
        load_scenario({"run": {"weeks": 10}})


def test_other_input_types_are_refused():
    with pytest.raises(ScenarioError,
                       match="allowed: a path to a .toml file, a dict or a Scenario"):
        load_scenario(42)


def test_document_that_contains_itself():
    doc: dict = {"run": {}}
    doc["run"]["weeks"] = doc
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(doc)
