"""An analyst's own lists: tipsim estimate FILE and simulation.inference.mse.estimate on a table of
lists.

Every malformed table gets one clear line naming the file, the row or column and what is
allowed, never a traceback; the defects of issue 27 (a list named count, duplicate patterns,
all-zero rows, 0/2/5 indicators, text counts, too many lists, a missing list name) are pinned.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulation.inference.mse as mse
from simulation.cli import main
from simulation.model.errors import UserError
from simulation.inference.mse.tables import MAX_LISTS, TableError, read_table, tidy

LP = pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": [60, 40, 20]})  # 80 * 60 / 20 = 240


def write(tmp_path, text: str, name: str = "lists.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(capsys, args) -> str:
    assert main(["estimate", *map(str, args)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tipsim: error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    return err


@pytest.mark.parametrize("text, message", [
    ("a,b,count\n1,0,60\n0,2,40\n1,1,20\n", "row 2, column 'b': '2'; allowed in a list's "
                                             "column: 0 (not on the list) or 1 (on it)"),
    ("a,b,count\n1,0,60\n0,yes,40\n1,1,20\n", "row 2, column 'b': 'yes'"),
    ("a,b,count\n1,0,60\n0,,40\n1,1,20\n", "row 2, column 'b': an empty entry"),
    ("a,b,count\n1,0,-60\n0,1,40\n1,1,20\n", "row 1, column 'count': '-60' is negative"),
    ("a,b,count\n1,0,60\n0,1,40.5\n1,1,20\n", "row 2, column 'count': '40.5' is not a whole "
                                               "number"),
    ("a,b,count\n1,0,60\n0,1,\n1,1,20\n", "row 2, column 'count': an empty entry is missing"),
    ("a,b,count\n1,0,60\n0,1,forty\n1,1,20\n", "'forty' is not a number; allowed: a whole "
                                                "number of persons, 0 or more"),
    ("a,b,count\n1,0,60\n0,1,inf\n1,1,20\n", "is not a finite number"),
    ("a,b,count\n1,0,60\n0,0,5\n1,1,20\n", "row 2: the all-zero pattern (on no list)"),
    ("a,b,count\n1,0,60\n1,0,40\n1,1,20\n", "rows 1 and 2 are the same pattern (a); allowed: "
                                            "each pattern once (add their counts)"),
    ("a,count\n1,60\n", "1 list with anyone on it (a); MSE needs at least two"),
    ("a,b,c,count\n1,0,0,60\n0,1,0,40\n", "no person is on more than one list (a, b)"),
    ("a,b,count,n\n1,0,60,1\n0,1,40,1\n1,1,20,1\n", "columns count, n could each be the counts"),
    ("a,b\n1,0\n0,0\n1,1\n", "row 2: the all-zero person (on no list)"),
    ("id,a,b\n7,1,0\n7,0,1\n8,1,1\n", "column 'id': '7' on rows 1 and 2; allowed: one row per "
                                      "person"),
    ("a,a,count\n1,0,60\n", "column 'a' appears more than once"),
    ("a,b,count\n", "the table has no rows"),
    ("a,b,n\n1,0,1\n1,0,0\n1,1,1\n", "if 'n' is a list and not the counts, each row is a "
                                        "person"),
    ("a,,count\n1,0,60\n", "column 2 has no name"),
    ("person,list,week\n1,police,3\n", "this is a contacts table"),
    ("a,b,count\n1,0,60\n0,1,40,7\n", "cannot read it as CSV"),
])
def test_each_malformed_table_gets_one_clear_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    err = refused(capsys, [path])
    assert str(path) in err and message in err


def test_unreadable_missing_and_unknown_files_are_named(tmp_path, capsys):
    assert "no such file or folder" in refused(capsys, [tmp_path / "nothing.csv"])
    assert "unknown kind of file '.xlsx'" in refused(capsys, [write(tmp_path, "x", "l.xlsx")])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    assert "cannot read it as PARQUET" in refused(capsys, [bad])
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert str(binary) in refused(capsys, [binary])


def test_options_of_a_run_folder_are_refused_for_a_table(tmp_path, capsys):
    path = write(tmp_path, "a,b,count\n1,0,60\n0,1,40\n1,1,20\n")
    assert "--year: not for a table of lists" in refused(capsys, [path, "--year", "1"])
    assert "--count and --lists are for a table" in refused(capsys, [tmp_path, "--count", "n"])


def test_a_table_gives_the_lincoln_petersen_estimate_from_csv_and_parquet(tmp_path, capsys):
    write(tmp_path, "a,b,frequency\n1,0,60\n0,1,40\n1,1,20\n")
    LP.rename(columns={"count": "n"}).to_parquet(tmp_path / "lists.parquet")
    for name in ("lists.csv", "lists.parquet"):
        assert main(["estimate", str(tmp_path / name), "--format", "json"]) == 0
        row = json.loads(capsys.readouterr().out)
        assert round(row["estimate"]) == 240 and row["observed"] == 120
        assert row["model"] == "independence" and row["low"] < 240 < row["high"]


def test_one_row_per_person_is_the_same_as_its_capture_histories(tmp_path, capsys):
    people = pd.DataFrame({"a": [1] * 60 + [0] * 40 + [1] * 20, "b": [0] * 60 + [1] * 60})
    people.to_csv(tmp_path / "people.csv", index=False)
    assert main(["estimate", str(tmp_path / "people.csv"), "--format", "json"]) == 0
    assert round(json.loads(capsys.readouterr().out)["estimate"]) == 240


def test_lists_chooses_and_merges_lists_and_notes_what_it_did(tmp_path, capsys):
    path = write(tmp_path, "A,B,C,D,n\n1,0,0,0,30\n0,1,0,0,20\n0,0,1,0,10\n0,0,0,1,5\n"
                           "1,1,0,0,10\n1,0,1,0,4\n0,0,1,1,2\n")
    assert main(["estimate", str(path), "--lists", "A, B+C", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    # A: 30 + 10 + 4 = 44; B+C: 20 + 10 + 10 + 4 + 2 = 46 minus overlaps; both: 10 + 4 = 14
    assert row["lists"] == "A+B+C" and row["observed"] == 76  # 5 seen on D alone join the unseen
    assert round(row["estimate"]) == round(44 * 46 / 14)
    assert "lists B, C merged into B+C" in row["notes"]
    assert any("seen only on lists left out" in n for n in row["notes"])
    assert "no list 'E' in" in refused(capsys, [path, "--lists", "A,E"])
    assert "list 'A' is used twice" in refused(capsys, [path, "--lists", "A,A+B"])
    assert "empty list name" in refused(capsys, [path, "--lists", "A,,B"])
    err = refused(capsys, [path, "--interval", "bootstrap", "--resamples", "3"])
    assert err.startswith(f"tipsim: error: {path}: resamples: got 3; allowed: 20 to")
    err = refused(capsys, [path, "--method", "dga", "--interval", "profile"])
    assert "method dga gives its own 95% credible interval" in err


def test_a_list_that_saw_nobody_is_dropped_with_a_note():
    table = LP.assign(c=0)
    est = mse.estimate(table)
    assert est.lists == ("a", "b") and round(est.total) == 240
    assert est.notes == ("list 'c' saw nobody and is left out",)


def test_the_python_api_recognises_the_count_names_of_published_tables():
    # before: KeyError 'week' (the table was taken for a contacts table)
    for name in ("frequency", "n", "Freq", "COUNT"):
        assert round(mse.estimate(LP.rename(columns={"count": name})).total) == 240
    assert round(mse.estimate(LP.rename(columns={"count": "seen"}), count="seen").total) == 240


@pytest.mark.parametrize("table, message", [
    # before: 180 instead of refusing a pattern given twice
    (pd.DataFrame({"a": [1, 0, 1, 1], "b": [0, 1, 1, 1], "count": [60, 40, 10, 10]}),
     "rows 3 and 4 are the same pattern"),
    (pd.DataFrame({"a": [1, 0, 1, 0], "b": [0, 1, 1, 0], "count": [60, 40, 20, 99]}),
     "the all-zero pattern"),
    (pd.DataFrame({"a": [1, 0, 5], "b": [0, 2, 1], "count": [60, 40, 20]}),
     "row 3, column 'a': 5; allowed in a list's column: 0"),
    (pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": ["60", "40", "2x"]}),
     "'2x' is not a number"),
])
def test_the_python_api_refuses_what_used_to_give_wrong_totals(table, message):
    with pytest.raises(TableError, match=None) as err:
        mse.estimate(table)
    assert message in str(err.value)


def test_patterns_left_out_of_a_table_count_zero():
    # the same table with its empty pattern written out or left out: the same estimate
    three = pd.DataFrame({"a": [1, 0, 1, 0, 1], "b": [0, 1, 1, 0, 0], "c": [0, 0, 0, 1, 1],
                          "count": [50, 40, 10, 30, 5]})
    full = pd.concat([three, pd.DataFrame({"a": [0, 1], "b": [1, 1], "c": [1, 1],
                                           "count": [0, 0]})], ignore_index=True)
    assert mse.estimate(three).total == pytest.approx(mse.estimate(full).total, rel=1e-9)


def test_a_list_named_count_is_kept(tmp_path, capsys):
    # before: a list named count was overwritten by the counts (702 instead of 959)
    contacts = pd.DataFrame({"person": [1, 1, 2, 3, 4, 4, 5], "week": 3,
                             "list": ["police", "count", "count", "police", "police", "count",
                                      "count"]})
    cells = mse.capture_histories(contacts, year=0)
    assert list(cells.columns) == ["police", "count", "count_"]
    assert cells["count_"].tolist() == [1, 2, 2]  # police only, count only, both
    assert mse.estimate(contacts, 0).lists == ("police", "count")
    assert mse.estimate(cells).lists == ("police", "count")
    path = write(tmp_path, "count,b,frequency\n1,0,60\n0,1,40\n1,1,20\n")
    assert main(["estimate", str(path), "--count", "frequency", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["lists"] == "count+b" and round(row["estimate"]) == 240


def test_a_contact_without_a_list_name_is_named_not_a_traceback():
    contacts = pd.DataFrame({"person": [1, 1, 2], "list": ["a", None, "b"], "week": [1, 2, 3]})
    with pytest.raises(mse.EstimationError, match=r"contacts: row 1 has no list name"):
        mse.estimate(contacts, 0)


def test_too_many_lists_are_refused_before_anything_is_built(tmp_path, capsys):
    k = 20  # before: 5.8 GB, then MemoryError
    rng = np.random.default_rng(1)
    people = pd.DataFrame(rng.random((50, k)) < 0.3, columns=[f"L{i}" for i in range(k)])
    people = people[people.any(axis=1)].astype(int)
    people.to_csv(tmp_path / "wide.csv", index=False)
    err = refused(capsys, [tmp_path / "wide.csv"])
    assert "20 lists make 1,048,575 patterns" in err and f"the limit is {MAX_LISTS} lists" in err
    assert "--allow-large" in err
    contacts = pd.DataFrame({"person": np.arange(40) % 25, "week": 1,
                             "list": [f"L{i % 20}" for i in range(40)]})
    with pytest.raises(UserError, match="20 lists make"):
        mse.estimate(contacts, 0)


def test_tidy_orders_patterns_with_the_first_list_as_the_lowest_bit():
    h = tidy(pd.DataFrame({"x": [0, 1], "y": [1, 1], "n": [3, 4]}))
    assert h.cells.to_dict("list") == {"x": [1, 0, 1], "y": [0, 1, 1], "count": [0, 3, 4]}

ENTRY = st.one_of(st.sampled_from(["0", "1", "1", "1.0", "", "2", "-1", "x", "0.5", "nan",
                                   "1e3", " 1", "inf", "True"]),
                  st.text(max_size=4))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(ENTRY, min_size=4, max_size=4), min_size=1, max_size=8),
       header=st.sampled_from([["a", "b", "c", "count"], ["a", "b", "c", "d"],
                               ["id", "a", "b", "c"], ["a", "b", "n", "freq"]]))
def test_no_table_gives_a_traceback(tmp_path, rows, header):
    """Whatever a CSV holds, the answer is an estimate or one line that names the file."""
    import csv
    import io

    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    path = tmp_path / "fuzz.csv"
    path.write_text(text.getvalue())
    try:
        histories = read_table(path)
    except mse.EstimationError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    assert set(np.unique(histories.X)) <= {0.0, 1.0} and (histories.y >= 0).all()
    try:
        est = mse.estimate(histories.cells)
    except mse.EstimationError as exc:
        assert "\n" not in str(exc)
        return
    assert est.observed == int(histories.y.sum()) and est.total >= est.observed


def test_a_run_folder_takes_the_new_methods_too(tmp_path, capsys):
    # a run's contacts (three lists seeing 30%, 25%, 20% of 600 people in year 0), as tipsim run
    # --out writes them; the new interval and method work on them as on a table
    rng = np.random.default_rng(7)
    seen = rng.random((600, 3)) < [0.3, 0.25, 0.2]
    person, which = np.nonzero(seen)
    pd.DataFrame({"person": person, "list": np.array(["police", "ngo", "hotline"])[which],
                  "week": 10}).to_parquet(tmp_path / "contacts.parquet")
    rows = {}
    for name, args in (("averaged", []), ("bootstrap", ["--interval", "bootstrap",
                                                        "--resamples", "99"]),
                       ("dga", ["--method", "dga"])):
        assert main(["estimate", str(tmp_path), "--format", "json", *args]) == 0
        (rows[name],) = json.loads(capsys.readouterr().out)
    assert rows["averaged"]["estimate"] == rows["bootstrap"]["estimate"]
    assert rows["averaged"]["high"] != rows["bootstrap"]["high"] != rows["dga"]["high"]
    for row in rows.values():
        assert row["low"] <= 600 <= row["high"] and abs(row["estimate"] - 600) < 120


def test_the_output_says_which_models_were_left_out_and_why(tmp_path, capsys):
    # SparseMSE's Artificial_3 (Chan, Silverman & Vincent 2021, Table 2): A:B's estimate does not
    # exist; A:C and B:C never overlap
    path = write(tmp_path, "A,B,C,n\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n")
    assert main(["estimate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "models left out before fitting (3):" in out
    assert "  A:B: estimate does not exist (linear-programming check)" in out
    assert "  A:C: the two lists never overlap: left out of every model" in out
    assert main(["estimate", str(path), "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["model"] == "independence" and len(row["excluded"]) == 3
