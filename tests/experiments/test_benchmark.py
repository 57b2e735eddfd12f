"""The benchmark script and its Mesa yardstick: known answers, the table, the phases, bad input.

No test here asserts a time: the figures are whatever the machine gives; the tests check
what is printed and that the yardstick does what it claims.
"""

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import connected_components

from experiments.benchmark import (
    MESA,
    MESA_IDIOMATIC,
    MODEL,
    OUTSIDE,
    main,
    parse_sizes,
    phase_name,
    summarise,
    time_phases,
    uneven_steps,
)
from experiments.mesa_yardstick import STYLES, market_graph
from sim import MarketModel
from sim.config import resolve
from sim.network import from_edges
from tests.one_line import one_line_refusal

COLUMNS = [
    "n",
    "community",
    "impl",
    "steps",
    "build_s",
    "run_s",
    "cust-steps/s",
    "build_MB",
    "run_MB",
    "peak_MB",
    "× Mesa",
]
NET = {"kind": "scale_free", "avg_degree": 8.0}


def path_graph(n):
    return from_edges(n, np.arange(n - 1), np.arange(1, n))


# ---------------------------------------------------------------------------- the yardstick


@pytest.mark.parametrize("style", STYLES)
def test_best_group_spreads_one_hop_per_step_against_the_order(style):
    # Agents step in node order 0..7; the best group starts at the far end (node 7), so
    # each step only the node next to the front sees it: exactly one hop per step.
    n = 8
    scores = [0.1] * (n - 1) + [1.0]
    model = STYLES[style](path_graph(n), rng=0, scores=scores, shuffle=False)
    for k in range(1, n):
        model.step()
        expected = list(range(n - 1 - k)) + [n - 1] * (k + 1)
        assert model.groups() == expected, f"after step {k}"
        assert model.sizes[n - 1] == k + 1
        assert sum(model.sizes) == n
    model.step()
    assert model.groups() == [n - 1] * n


@pytest.mark.parametrize("style", STYLES)
def test_best_group_sweeps_the_path_in_one_step_along_the_order(style):
    # Sequential updates: an agent sees what the agents before it did in the same step.
    n = 8
    scores = [1.0] + [0.1] * (n - 1)
    model = STYLES[style](path_graph(n), rng=0, scores=scores, shuffle=False)
    model.step()
    assert model.groups() == [0] * n
    assert model.sizes == [n] + [0] * (n - 1)


@pytest.mark.parametrize("style", STYLES)
def test_ties_keep_the_own_group(style):
    model = STYLES[style](path_graph(5), rng=0, scores=[0.5] * 5, shuffle=False)
    model.step()
    assert model.groups() == list(range(5))


@pytest.mark.parametrize("style", STYLES)
def test_shuffled_steps_reach_the_best_group_of_each_component(style):
    n = 400
    cfg = resolve(0, 1, customers={"n": n}, network=NET)
    graph = market_graph(cfg.network, n, seed=1)
    model = STYLES[style](graph, rng=7)
    initial = list(model.scores)
    previous = model.groups()
    for _ in range(40):
        model.step()
        groups = model.groups()
        # No agent ever moves to a worse group.
        assert all(initial[g] >= initial[p] for g, p in zip(groups, previous, strict=True))
        previous = groups
    _, label = connected_components(graph.to_scipy(), directed=False)
    best = {}
    for node, comp in enumerate(label):
        if comp not in best or initial[node] > initial[best[comp]]:
            best[comp] = node
    assert model.groups() == [best[c] for c in label]
    counts = Counter(model.groups())
    assert model.sizes == [counts.get(g, 0) for g in range(n)]


@pytest.mark.parametrize("style", STYLES)
def test_yardstick_is_reproducible_and_uses_mesa_agents(style):
    cfg = resolve(0, 1, customers={"n": 200}, network=NET)
    graph = market_graph(cfg.network, 200, seed=0)
    runs = []
    for _ in range(2):
        model = STYLES[style](graph, rng=3)
        model.step()
        runs.append(model.groups())
    assert runs[0] == runs[1]
    assert len(model.agents) == 200
    agent = model.agent_list[5]
    assert [a.unique_id - 1 for a in agent.neighbours] == graph.neighbours(5).tolist()


def test_both_styles_step_alike():
    # The idiomatic style is the tuned one written another way: same groups, step by step,
    # in the same shuffled orders.
    n = 300
    cfg = resolve(0, 1, customers={"n": n}, network=NET)
    graph = market_graph(cfg.network, n, seed=2)
    tuned, idiomatic = (STYLES[style](graph, rng=11) for style in ("tuned", "idiomatic"))
    assert idiomatic.scores == tuned.scores
    for step in range(6):
        tuned.step()
        idiomatic.step()
        assert idiomatic.groups() == tuned.groups(), f"after step {step + 1}"
        assert idiomatic.sizes == tuned.sizes
    assert len(set(tuned.groups())) < n  # groups did merge


@pytest.mark.parametrize("kind", ["scale_free", "small_world"])
def test_market_graph_is_the_graph_the_model_builds(kind):
    net = {"kind": kind, "avg_degree": 6.0}
    model = MarketModel(seed=5, steps=1, customers={"n": 300}, network=net)
    cfg = resolve(5, 1, customers={"n": 300}, network=net)
    graph = market_graph(cfg.network, 300, seed=5)
    assert np.array_equal(graph.indptr, model.graph.indptr)
    assert np.array_equal(graph.indices, model.graph.indices)


# ---------------------------------------------------------------------------- phases


def test_timed_phases_keep_the_order_and_change_no_result():
    kwargs = {"seed": 2, "steps": 4, "customers": {"n": 150}, "network": NET}
    plain = MarketModel(**kwargs)
    names = [phase_name(p) for p in plain.phases]
    plain.run()
    timed_model = MarketModel(**kwargs)
    timed = time_phases(timed_model)
    timed_model.run()
    assert [t.name for t in timed] == names
    assert {"discover", "form", "Trade", "collect"} <= set(names)
    assert all(t.seconds > 0 for t in timed)
    pd.testing.assert_frame_equal(plain.deals_frame(), timed_model.deals_frame())
    pd.testing.assert_frame_equal(plain.timeseries_frame(), timed_model.timeseries_frame())


def test_summarise_takes_medians_and_shares_add_to_one():
    runs = [
        {
            "impl": MODEL,
            "n": 10,
            "steps": 2,
            "community": False,
            "build_s": b,
            "run_s": r,
            "build_peak_mb": 100.0,
            "run_peak_mb": None,
            "peak_rss_mb": 101.0,
            "deals": 4,
            "phase_s": {"a": a, OUTSIDE: r - a},
        }
        for b, r, a in [(1.0, 2.0, 1.5), (3.0, 4.0, 1.0), (2.0, 10.0, 9.0)]
    ]
    row = summarise(runs)
    assert row["build_s"] == 2.0 and row["run_s"] == 4.0
    assert row["customer_steps_per_s"] == pytest.approx(10 * 2 / 4.0)
    assert row["run_peak_mb"] is None and row["peak_rss_mb"] == 101.0
    assert row["phase_s"] == {"a": 1.5, OUTSIDE: 1.0}
    assert sum(row["phase_share"].values()) == pytest.approx(1.0, abs=1e-3)
    assert row["repeat"] == 3 and len(row["runs"]) == 3


# ---------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    args = ["--sizes", "60", "--steps", "3", "--repeat", "1", "--vs-mesa", "--phases"]
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.benchmark", *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=repo_root,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads(out.read_text())


def test_cli_prints_the_columns_and_both_rows(tiny_run):
    out, rows = tiny_run
    lines = out.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["n"])
    assert header.replace("× Mesa", "×Mesa").split() == [c.replace(" ", "") for c in COLUMNS]
    body = [line.split() for line in lines if line.split()[:1] == ["60"]]
    assert [r[2] for r in body] == [MODEL, MESA]
    assert all(len(r) == len(COLUMNS) for r in body)
    assert "median of 1 fresh processes" in out
    model, mesa = rows
    assert model["impl"] == MODEL and mesa["impl"] == MESA
    assert model["n"] == mesa["n"] == 60 and model["steps"] == 3
    assert model["x_mesa"] == pytest.approx(
        model["customer_steps_per_s"] / mesa["customer_steps_per_s"], rel=1e-2
    )
    assert float(body[0][-1]) == pytest.approx(model["x_mesa"], rel=0.01)
    for row in rows:
        assert row["build_s"] > 0 and row["run_s"] > 0
        assert row["peak_rss_mb"] >= row["build_peak_mb"] > 0


def test_phases_name_every_phase_and_shares_add_to_one(tiny_run):
    out, rows = tiny_run
    model = rows[0]
    expected = [phase_name(p) for p in MarketModel(customers={"n": 60}, network=NET).phases]
    assert list(model["phase_share"]) == [*expected, OUTSIDE]
    assert sum(model["phase_share"].values()) == pytest.approx(1.0, abs=0.01)
    assert all(0 <= s <= 1 for s in model["phase_share"].values())
    assert "phase_share" not in rows[1]  # the yardstick has no phases
    table = out[out.index("share of run time by phase") :].splitlines()
    printed = {line.split()[0]: line.split()[-1] for line in table[2:-1]}
    assert set(printed) == {*expected, "(outside"}
    assert sum(float(v.rstrip("%")) for v in printed.values()) == pytest.approx(100, abs=1)


def test_both_yardstick_styles_give_a_ratio_each(capsys):
    rows = main(
        ["--sizes", "40", "--steps", "2", "--repeat", "1", "--vs-mesa", "--mesa-style", "both"]
    )
    assert [r["impl"] for r in rows] == [MODEL, MESA, MESA_IDIOMATIC]
    model, tuned, idiomatic = rows
    for key, yardstick in (("x_mesa", tuned), ("x_mesa_idiomatic", idiomatic)):
        ratio = model["customer_steps_per_s"] / yardstick["customer_steps_per_s"]
        assert model[key] == pytest.approx(ratio, rel=1e-2)
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["n"])
    assert header.rstrip().endswith("× Mesa × idiom.")
    body = [line.split() for line in lines if line.split()[:1] == ["40"]]
    assert [r[2] for r in body] == [MODEL, MESA, MESA_IDIOMATIC]
    assert float(body[0][-1]) == pytest.approx(model["x_mesa_idiomatic"], rel=0.01)
    assert body[1][-2:] == ["-", "-"]


def test_community_both_measures_off_and_on(capsys, tmp_path):
    out = tmp_path / "b.json"
    rows = main(
        ["--sizes", "50", "--steps", "2", "--repeat", "1", "--community", "both", "--phases"]
        + ["--json", str(out)]
    )
    assert [(r["impl"], r["community"]) for r in rows] == [(MODEL, False), (MODEL, True)]
    assert "CommunityPhase" in rows[1]["phase_share"]
    assert "CommunityPhase" not in rows[0]["phase_share"]
    assert json.loads(out.read_text())[1]["community"] is True
    printed = capsys.readouterr().out
    assert "n=50/off" in printed and "n=50/on" in printed


def test_parse_sizes_accepts_exponents():
    assert parse_sizes("1000,1e5, 20") == [1000, 100000, 20]


@pytest.mark.parametrize(
    "args",
    [
        ["--sizes", "1000,abc"],
        ["--sizes", "0"],
        ["--sizes", "1.5e0"],
        ["--sizes", ""],
        ["--sizes", "100", "--steps", "0"],
        ["--sizes", "100", "--repeat", "0"],
    ],
)
def test_bad_values_give_one_line_and_exit_2(capsys, args):
    assert one_line_refusal(capsys, main, args).startswith("error: --")


@pytest.mark.parametrize(
    ("args", "flag", "allowed"),
    [
        (["--mesa-style", "bogus"], "--mesa-style", "'tuned', 'idiomatic', 'both'"),
        (["--community", "maybe"], "--community", "'off', 'on', 'both'"),
        (["--steps", "ten"], "--steps", "int value"),
    ],
)
def test_bad_choices_give_one_line_naming_the_flag(capsys, args, flag, allowed):
    line = one_line_refusal(capsys, main, args)
    assert line.startswith(f"error: argument {flag}") and allowed in line


def test_bad_sizes_from_the_command_line(repo_root):
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.benchmark", "--sizes", "10,x"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo_root,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "error: --sizes='10,x' is invalid; allowed: comma-separated positive integers "
        "(e.g. 1000,100000 or 1e3,1e5)"
    ]


def test_runs_of_different_lengths_are_flagged():
    assert uneven_steps(100, 100) is None
    assert uneven_steps(20, 5) == (
        "note: × Mesa compares 20 model steps with 5 yardstick steps; the shorter run reads "
        "slower per step, which flatters the model"
    )
    assert uneven_steps(5, 20).endswith("which flatters the yardstick")
