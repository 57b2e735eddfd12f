"""The campaign benchmark: a tiny campaign's figures, and bad input in one line.

No test here asserts a time: the figures are whatever the machine gives.
"""

import pytest

from experiments.campaign.benchmark import EXECUTORS, main
from tests.one_line import one_line_refusal


def test_a_tiny_campaign_prints_where_the_time_went(capsys):
    main(["--runs", "6", "--customers", "40", "--steps", "3", "--jobs", "1"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("6 runs of 40 customers x 3 steps, executor=local jobs=1: total ")
    labels = [line.split()[0] for line in out[1:]]
    assert labels == ["planning", "running", "simulation", "summarising", "writing", "overhead"]
    assert out[-1].strip().endswith("ms per run beyond the simulation")


def test_executors_are_the_config_options():
    assert {"local", "ray", "submitit_local"} <= set(EXECUTORS)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--runs", "0"], "error: argument --runs: '0' is invalid; allowed: an integer >= 1"),
        (["--jobs", "x"], "error: argument --jobs: 'x' is invalid; allowed: an integer >= 1"),
        (
            ["--plan-only", "-1"],
            "error: argument --plan-only: '-1' is invalid; allowed: an integer >= 0",
        ),
        (["--executor", "bogus"], "error: argument --executor: invalid choice: 'bogus'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(capsys, args, expected):
    assert one_line_refusal(capsys, main, args).startswith(expected)
