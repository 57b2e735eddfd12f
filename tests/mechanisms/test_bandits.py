"""Tests for mechanisms.bandits: bandit choice rules, incremental means and the seeded learner."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mechanisms.bandits import BanditLearner, epsilon_greedy, ucb1, update_means

# --------------------------------------------------------------------------------------------
# pure rules
# --------------------------------------------------------------------------------------------


def test_update_means_matches_sample_means():
    rng = np.random.default_rng(3)
    s, k, rounds = 4, 3, 60
    means = np.zeros((s, k))
    counts = np.zeros((s, k), dtype=np.int64)
    history_arms = rng.integers(0, k, size=(rounds, s))
    history_rewards = rng.normal(size=(rounds, s))
    for a, r in zip(history_arms, history_rewards, strict=True):
        before_m, before_n = means.copy(), counts.copy()
        new_m, new_n = update_means(means, counts, a, r)
        assert np.array_equal(means, before_m) and np.array_equal(counts, before_n)  # pure
        means, counts = new_m, new_n
    for i in range(s):
        for j in range(k):
            played = history_arms[:, i] == j
            assert counts[i, j] == played.sum()
            expected = history_rewards[played, i].mean() if played.any() else 0.0
            assert means[i, j] == pytest.approx(expected, abs=1e-12)


def test_update_means_single_step_exact():
    m, n = update_means(np.array([[1.0, 2.0]]), np.array([[3, 1]]), np.array([0]), np.array([5.0]))
    assert n.tolist() == [[4, 1]]
    assert m.tolist() == [[(1.0 * 3 + 5.0) / 4, 2.0]]


def test_untried_arms_first():
    means = np.array([[9.0, 0.0, 9.0], [0.0, 0.0, 0.0], [0.1, 0.9, 0.5]])
    counts = np.array([[1, 0, 2], [0, 0, 0], [3, 3, 3]])
    assert ucb1(means, counts, counts.sum(axis=1)).tolist()[:2] == [1, 0]
    no_explore = np.ones(3)
    greedy = epsilon_greedy(means, counts, 0.1, no_explore, np.zeros(3))
    assert greedy.tolist() == [1, 0, 1]


def test_ucb1_index_formula():
    means = np.array([[0.5, 0.4], [0.5, 0.45], [0.2, 0.2]])
    counts = np.array([[10, 1], [100, 100], [5, 4]])
    t = counts.sum(axis=1)
    for c in (0.0, 0.5, 2.0):
        index = means + np.sqrt(c * np.log(t)[:, None] / counts)
        expected = [int(np.argmax(row)) for row in index]
        assert ucb1(means, counts, t, c).tolist() == expected
    # with a large bonus the rarely played arm wins; with c = 0 the greedy arm does
    assert ucb1(means[:1], counts[:1], 11, 2.0).tolist() == [1]
    assert ucb1(means[:1], counts[:1], 11, 0.0).tolist() == [0]
    # scalar t broadcasts over sellers
    assert ucb1(means, counts, 200).shape == (3,)


def test_epsilon_greedy_exploration_mapping():
    means = np.array([[0.0, 1.0, 0.0, 0.0]] * 4)
    counts = np.ones((4, 4), dtype=int)
    u_arm = np.array([0.0, 0.26, 0.74, 0.999999])
    explore_all = epsilon_greedy(means, counts, 1.0, np.zeros(4), u_arm)
    assert explore_all.tolist() == [0, 1, 2, 3]  # floor(u * K)
    exploit_all = epsilon_greedy(means, counts, 0.0, np.zeros(4), u_arm)
    assert exploit_all.tolist() == [1, 1, 1, 1]
    mixed = epsilon_greedy(means, counts, 0.5, np.array([0.1, 0.9, 0.4, 0.6]), u_arm)
    assert mixed.tolist() == [0, 1, 2, 1]
    with pytest.raises(ValueError):
        epsilon_greedy(means, counts, 1.5, np.zeros(4), u_arm)


# --------------------------------------------------------------------------------------------
# learner
# --------------------------------------------------------------------------------------------

BEST = 2
P_SUCCESS = np.array([0.2, 0.5, 0.8])  # Bernoulli arms, arm 2 clearly best


def run_bandit(
    learner: BanditLearner, seed: int, rounds: int, p_success: np.ndarray = P_SUCCESS
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chosen = np.empty((rounds, learner.n_sellers), dtype=np.intp)
    for t in range(rounds):
        arms = learner.choose(rng)
        rewards = (rng.random(learner.n_sellers) < p_success[arms]).astype(float)
        learner.update(arms, rewards)
        chosen[t] = arms
    return chosen


@pytest.mark.parametrize(("rule", "floor"), [("ucb1", 0.7), ("epsilon_greedy", 0.8)])
def test_learns_the_best_arm(rule, floor):
    learner = BanditLearner(40, [0.9, 1.0, 1.1], rule=rule, epsilon=0.1)
    chosen = run_bandit(learner, seed=5, rounds=400)
    late = chosen[-100:]
    assert (late == BEST).mean() > floor
    # the best arm has the highest estimated mean for most sellers
    assert (np.argmax(learner.means, axis=1) == BEST).mean() > 0.9
    assert learner.t == 400
    assert (learner.counts.sum(axis=1) == 400).all()


@pytest.mark.parametrize("rule", ["ucb1", "epsilon_greedy"])
def test_first_rounds_try_every_arm(rule):
    learner = BanditLearner(5, [0.8, 0.9, 1.0, 1.1], rule=rule, epsilon=0.0)
    chosen = run_bandit(learner, seed=1, rounds=4, p_success=np.array([0.9, 0.1, 0.5, 0.3]))
    assert (np.sort(chosen, axis=0) == np.arange(4)[:, None]).all()


@pytest.mark.parametrize("rule", ["ucb1", "epsilon_greedy"])
def test_deterministic_under_seed_and_picklable(rule):
    a = BanditLearner(6, [0.9, 1.0, 1.1], rule=rule, epsilon=0.3)
    b = BanditLearner(6, [0.9, 1.0, 1.1], rule=rule, epsilon=0.3)
    assert np.array_equal(run_bandit(a, 9, 50), run_bandit(b, 9, 50))
    assert a == b
    clone = pickle.loads(pickle.dumps(a))
    assert clone == a
    assert np.array_equal(run_bandit(clone, 10, 20), run_bandit(a, 10, 20))
    assert clone == a


def test_epsilon_greedy_seed_changes_choices():
    a = BanditLearner(30, [0.9, 1.0, 1.1], rule="epsilon_greedy", epsilon=0.5)
    b = BanditLearner(30, [0.9, 1.0, 1.1], rule="epsilon_greedy", epsilon=0.5)
    assert not np.array_equal(run_bandit(a, 1, 30), run_bandit(b, 2, 30))


def test_multiplier_and_validation():
    learner = BanditLearner(3, [0.9, 1.0, 1.2])
    assert learner.multiplier(np.array([2, 0, 1])).tolist() == [1.2, 0.9, 1.0]
    with pytest.raises(ValueError, match="allowed"):
        BanditLearner(3, [1.0], rule="thompson")
    with pytest.raises(ValueError):
        BanditLearner(3, [])
    with pytest.raises(ValueError):
        BanditLearner(3, [1.0], epsilon=2.0)
