"""The live dashboard without a browser: lesson model, presets, network, charts, export."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from mesa.visualization.solara_viz import _build_model_init_kwargs
from omegaconf import OmegaConf

from agents.coalition import CoalitionStatus
from agents.customer import NO_COALITION, Status
from classroom.dashboard.chart_data import ChartData
from classroom.dashboard.chart_panels import grown_limits, nice_ceil
from classroom.dashboard.charts import ChartsView
from classroom.dashboard.export import export_model, new_folder, results_folder
from classroom.dashboard.lesson import (
    LESSON_DEFAULTS,
    LessonModel,
    pending_changes,
    swap_market,
)
from classroom.dashboard.mixes import MIXES, read_option
from classroom.dashboard.network import (
    LayoutCache,
    NodeState,
    induced_edges,
    model_states,
    node_states,
    open_coalitions,
    sample_nodes,
    state_counts,
)
from classroom.dashboard.network_view import NetworkView
from classroom.dashboard.painter import Frame, Painter, draw_frame
from classroom.dashboard.presets import PRESETS, scenario_preset
from sim.network import from_edges

PNG = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- the lesson model


def test_lesson_parameters_land_in_the_model_config():
    m = LessonModel(
        customers=300,
        forward_p=0.35,
        max_size=12,
        mix="threshold deals",
        price_visibility=0.4,
        community=True,
        seed=3,
        steps=50,
        overrides={"customers": {"repeat_rate": 0.05}},
    )
    cfg = m.cfg
    assert cfg.customers.n == 300 and m.customers.n == 300
    assert cfg.coalition.forward_p == 0.35
    assert cfg.coalition.max_size == 12
    assert list(cfg.pricing.mix) == ["threshold:1"]
    assert cfg.coalition.algorithm == "threshold_pledge"  # what the threshold option selects
    assert cfg.community.price_visibility == 0.4 and cfg.community.enabled
    assert m.community is not None
    assert (cfg.seed, m.seed, cfg.steps, m.n_steps) == (3, 3, 50, 50)
    assert cfg.customers.repeat_rate == 0.05
    assert m.lesson["forward_p"] == 0.35 and m.lesson["mix"] == "threshold deals"


def test_controls_win_over_preset_overrides_which_win_over_the_mix():
    m = LessonModel(
        forward_p=0.9,
        mix="threshold deals",
        overrides={"coalition": {"forward_p": 0.1, "algorithm": "greedy_merge"}},
    )
    assert m.cfg.coalition.forward_p == 0.9
    assert m.cfg.coalition.algorithm == "greedy_merge"


def test_mesa_reset_rebuilds_the_model_from_the_parameters():
    """What ModelController's Reset does: no scenario slips into the keywords."""
    m = LessonModel(customers=200, steps=20)
    params = {**LESSON_DEFAULTS, "customers": 300, "max_size": 7}
    kwargs = _build_model_init_kwargs(
        m, params, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    assert kwargs == params
    rebuilt = type(m)(**kwargs)
    assert rebuilt.cfg.customers.n == 300 and rebuilt.cfg.coalition.max_size == 7
    assert rebuilt.build != m.build


def test_a_market_being_replaced_cannot_step_until_the_new_one_is_in_place():
    """A preset swaps markets under the play thread: the old one must not finish meanwhile."""
    current = LessonModel(customers=200, steps=20)
    holder: list[LessonModel] = [current]
    could_step: list[bool] = []

    def install(market: LessonModel) -> None:
        # Another thread (the controller's play loop) tries to step the old market now.
        probe = threading.Thread(target=lambda: could_step.append(current.lock.acquire(False)))
        probe.start()
        probe.join()
        holder[0] = market

    market, finished = swap_market(current, {**LESSON_DEFAULTS, "customers": 300}, install)
    assert could_step == [False]
    assert holder[0] is market and market.cfg.customers.n == 300 and not finished
    assert current.lock.acquire(False)  # released afterwards
    current.lock.release()


def test_swapping_a_finished_market_says_so():
    current = LessonModel(customers=200, steps=3)
    current.run()
    market, finished = swap_market(current, dict(LESSON_DEFAULTS), lambda m: None)
    assert finished and market.running and market.steps == 0


def test_pending_changes_name_the_controls_that_differ():
    running = dict(LESSON_DEFAULTS)
    assert pending_changes(running, dict(running)) == []
    changed = {**running, "customers": 500, "community": True, "title": "other"}
    assert pending_changes(running, changed) == ["customers", "community"]


# ---------------------------------------------------------------- mixes and presets


def test_pricing_options_are_read_with_what_they_select():
    assert read_option("mixed") == ({"posted": 0.5, "volume_discount": 0.5}, {})
    shares, overrides = read_option("reverse_auction_first")
    assert shares == {"reverse_auction": 1.0}
    assert overrides == {"pricing": {"reverse_auction": {"format": "first"}}}
    assert MIXES["crowdfunding"].overrides == {"coalition": {"algorithm": "threshold_pledge"}}
    assert MIXES["customer-first vs short-term"].mix == ("customer_first:0.5", "short_term:0.5")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_a_model_that_steps(name):
    preset = PRESETS[name]
    m = LessonModel(**preset.parameters)
    m.run(3)
    assert m.steps == 3 and len(m.timeseries_frame()) == 3
    assert list(m.cfg.pricing.mix) == list(MIXES[preset.parameters["mix"]].mix)
    if preset.varied_key:
        value = OmegaConf.select(m.cfg, preset.varied_key)
        assert value == preset.varied_values[len(preset.varied_values) // 2]


def test_presets_cover_every_scenario_and_carry_its_settings():
    assert set(PRESETS) >= {"default", "archetypes", "threshold_deals", "viral_coalitions"}
    arch = PRESETS["archetypes"].parameters
    assert arch["steps"] == 300 and arch["community"] is True and arch["price_visibility"] == 0.5
    assert arch["overrides"]["customers"] == {"arrival_rate": 0.02, "repeat_rate": 0.05}
    assert arch["overrides"]["community"] == {"review_prob": 0.3}
    assert PRESETS["viral_coalitions"].parameters["forward_p"] == 0.5
    assert PRESETS["threshold_deals"].parameters["mix"] == "threshold deals"
    # Both auction formats in one market make one format: the named first-price mix.
    assert PRESETS["auctions"].parameters["mix"] == "reverse auction, first price"
    assert PRESETS["auctions"].parameters["overrides"]["sellers"] == {
        "products_per_seller": 4,
        "n": 8,
    }


def test_a_scenario_file_becomes_a_preset(tmp_path):
    path = tmp_path / "my_lesson.yaml"
    path.write_text(
        "# @package _global_\n"
        "policies: [posted, negotiated]\n"
        "vary: {key: sellers.n, values: [2, 4, 8]}\n"
        "seeds: 5\n"
        "steps: 120\n"
        "coalition: {max_size: 15, leader_prob: 0.05}\n"
        "report: {title: My lesson}\n"
    )
    preset = scenario_preset(path)
    p = preset.parameters
    assert (preset.name, preset.title, p["title"]) == ("my_lesson", "My lesson", "My lesson")
    assert p["steps"] == 120 and p["max_size"] == 15
    assert p["overrides"] == {"sellers": {"n": 4}, "coalition": {"leader_prob": 0.05}}
    assert MIXES[p["mix"]].mix == ("posted:0.5", "negotiated:0.5")
    assert preset.varied == "sellers.n = 4 (of 2, 4, 8)"
    m = LessonModel(**{**p, "customers": 200})
    assert m.sellers.n == 4 and m.cfg.coalition.leader_prob == 0.05


# ---------------------------------------------------------------- the network


def test_the_layout_is_computed_once_per_graph():
    cache = LayoutCache()
    m = LessonModel(customers=300)
    first = cache.get(m.graph, 0)
    assert cache.get(m.graph, 0) is first
    assert (cache.misses, cache.hits) == (1, 1)
    # A Reset with the same parameters builds an equal graph: same layout, no new work.
    assert cache.get(LessonModel(customers=300).graph, 0) is first
    assert (cache.misses, cache.hits) == (1, 2)
    cache.get(LessonModel(customers=300, seed=1).graph, 0)
    assert cache.misses == 2
    assert first.pos.shape == (300, 2)
    assert first.pos.min() >= 0 and first.pos.max() <= 1
    assert not first.sampled and len(first.edges) == m.graph.n_edges


def test_node_states_follow_the_priority_rules():
    status = np.array(
        [Status.WAITING, Status.ACTIVE, Status.ACTIVE, Status.SERVED, Status.LEFT]
        + [Status.ACTIVE, Status.SERVED, Status.ACTIVE],
        dtype=np.int8,
    )
    coalition = np.array([-1, -1, 0, -1, -1, 1, -1, -1])
    coalition_status = np.array([CoalitionStatus.OPEN, CoalitionStatus.BOUGHT], dtype=np.int8)
    invite = np.array([-1, 0, 0, -1, -1, -1, -1, -1])
    boycotting = np.array([False] * 6 + [True, False])
    got = node_states(status, coalition, coalition_status, invite, boycotting)
    assert got.tolist() == [
        NodeState.NOT_ARRIVED,
        NodeState.INVITED,
        NodeState.IN_COALITION,  # membership beats the invitation
        NodeState.SERVED,
        NodeState.LEFT,
        NodeState.SHOPPING,  # its coalition has bought: no longer a recruiting group
        NodeState.BOYCOTTING,
        NodeState.SHOPPING,
    ]
    assert node_states(status, coalition, coalition_status, invite)[6] == NodeState.SERVED
    # Repeat demand: a customer back to waiting after a purchase shows as served.
    bought = np.array([2, 0, 0, 1, 0, 0, 1, 0])
    again = node_states(status, coalition, coalition_status, invite, None, bought)
    assert again[0] == NodeState.SERVED and again[1] == NodeState.INVITED


def test_repeat_customers_count_as_served_while_they_wait():
    m = LessonModel(customers=500, overrides={"customers": {"repeat_rate": 0.05}})
    m.run(15)
    states, _ = model_states(m)
    returned = (m.customers.status == Status.WAITING) & (m.customers.bought > 0)
    assert returned.any() and (states[returned] == NodeState.SERVED).all()


def test_node_states_of_a_running_market():
    m = LessonModel(customers=1000, seed=0)
    m.run(8)
    states, coalition = model_states(m)
    cu, co = m.customers, m.coalitions
    open_ids = np.flatnonzero(co.status == CoalitionStatus.OPEN)
    assert len(open_ids) > 0 and open_coalitions(m) == len(open_ids)
    for cid in open_ids:
        members = cu.coalition == cid
        assert (states[members] == NodeState.IN_COALITION).all()
        assert (coalition[members] == cid).all()
    assert (coalition[states != NodeState.IN_COALITION] == NO_COALITION).all()
    assert (states[cu.status == Status.SERVED] == NodeState.SERVED).all()
    assert (states[cu.status == Status.LEFT] == NodeState.LEFT).all()
    counts = state_counts(states)
    assert sum(counts.values()) == 1000
    assert counts[NodeState.IN_COALITION] == int(co.size[open_ids].sum())
    assert counts[NodeState.SERVED] == int((cu.status == Status.SERVED).sum()) > 0


def test_a_large_market_is_drawn_from_a_fixed_sample():
    m = LessonModel(customers=20_000, seed=2)
    g = m.graph
    nodes = sample_nodes(g.indptr, g.indices, 1500, seed=2)
    assert len(nodes) == 1500 and len(np.unique(nodes)) == 1500
    assert nodes.min() >= 0 and nodes.max() < 20_000
    assert np.array_equal(nodes, sample_nodes(g.indptr, g.indices, 1500, seed=2))
    assert not np.array_equal(nodes, sample_nodes(g.indptr, g.indices, 1500, seed=3))
    # A snowball keeps neighbourhoods whole: far more ties than a uniform sample's ~450.
    assert len(induced_edges(g.indptr, g.indices, nodes)) > 2 * len(nodes)
    layout = LayoutCache().get(g, m.seed)
    assert layout.sampled and np.array_equal(layout.nodes, nodes)
    view = NetworkView(layout, community=False)
    m.run(2)
    states, coalition = model_states(m)
    view.update(states, coalition, m.steps, open_coalitions(m))
    assert "showing 1,500 of 20,000 customers" in view.title.get_text()
    counts = [t.get_text() for t in view.legend.get_texts()]
    assert sum(int(t.rsplit(": ", 1)[1].replace(",", "")) for t in counts) == 20_000


def test_a_graph_of_many_small_parts_is_sampled_too():
    g = from_edges(3000, np.array([0, 2]), np.array([1, 3]))
    nodes = sample_nodes(g.indptr, g.indices, 1500, seed=0)
    assert len(nodes) == len(np.unique(nodes)) == 1500


# ---------------------------------------------------------------- charts and frames


def test_axis_limits_grow_rarely_and_nicely():
    assert nice_ceil(13.75) == 15 and nice_ceil(2.4) == 2.5 and nice_ceil(0.13) == 0.15
    assert nice_ceil(7) == 8 and nice_ceil(800) == 800
    assert grown_limits(None, np.array([0.0, 10.0]), floor=0.0) == (0.0, 15.0)
    assert grown_limits((0.0, 15.0), np.array([3.0, 14.0, np.nan]), floor=0.0) is None
    # Grows by half the data's span at least: rarely, not every step.
    assert grown_limits((0.0, 15.0), np.array([16.0]), floor=0.0) == (0.0, 25.0)
    lo, hi = grown_limits(None, np.array([10.0, 12.0]), floor=None)
    assert lo < 10 and hi > 12
    assert grown_limits(None, np.array([np.nan]), floor=0.0) is None


def test_the_background_is_drawn_once_until_invalidated(monkeypatch):
    m = LessonModel(customers=300, steps=30)
    view = ChartsView(m.sellers.n, m.n_steps, community=False)
    live = view.live
    draws = []
    real_draw = live.canvas.draw
    monkeypatch.setattr(live.canvas, "draw", lambda: draws.append(1) or real_draw())
    live.png()
    live.png()
    assert len(draws) == 1
    live.invalidate()
    live.png()
    assert len(draws) == 2


@pytest.mark.parametrize("community", [False, True])
def test_frames_change_as_the_market_runs(community):
    m = LessonModel(customers=500, community=community, price_visibility=0.5, steps=40)
    network = NetworkView(LayoutCache().get(m.graph, m.seed), community)
    charts = ChartsView(m.sellers.n, m.n_steps, community)
    first = draw_frame(m, network, charts)
    m.run(10)
    later = draw_frame(m, network, charts)
    assert (first.build, first.step, later.step) == (m.build, 0, 10)
    assert first.network.startswith(PNG) and later.charts.startswith(PNG)
    assert later.network != first.network and later.charts != first.charts
    assert len(charts.panels) == (8 if community else 6)
    assert not charts.waiting.get_visible()
    labels = [t.get_text() for t in charts.legend.get_texts()]
    assert labels[0].startswith("seller 1 (") and len(labels) == m.sellers.n


def test_the_painter_draws_the_latest_state_of_the_latest_market():
    frames: list[Frame] = []
    arrived = threading.Event()

    def show(frame: Frame) -> None:
        frames.append(frame)
        arrived.set()

    painter = Painter(show)
    painter.start()
    try:
        m = LessonModel(customers=300, steps=30)
        painter.request(m)
        assert arrived.wait(30)
        assert (frames[-1].build, frames[-1].step) == (m.build, 0)
        arrived.clear()
        m.run(3)
        painter.request(m)
        assert arrived.wait(30)
        assert frames[-1].step == 3 and frames[-1].network.startswith(PNG)
        arrived.clear()
        other = LessonModel(customers=200, steps=10)
        painter.request(other)
        assert arrived.wait(30)
        assert frames[-1].build == other.build
    finally:
        painter.stop()
        painter.join(10)
    assert not painter._thread.is_alive()


def test_chart_data_comes_from_the_model_tables():
    m = LessonModel(customers=300, steps=30)
    assert not ChartData.of(m).started
    m.run(4)
    data = ChartData.of(m)
    assert data.started and data.x.tolist() == [1, 2, 3, 4]
    assert isinstance(data.sellers, pd.DataFrame) and len(data.sellers) == 4 * m.sellers.n


# ---------------------------------------------------------------- export


def test_export_writes_the_run_folder_and_the_figures(tmp_path):
    m = LessonModel(customers=300, steps=20)
    with pytest.raises(ValueError):
        export_model(m, root=tmp_path)
    m.run(5)
    out = export_model(m, root=tmp_path, title="Default market")
    assert out.parent == tmp_path / "dashboard" and out.name.endswith("default-market")
    for name in (
        "config.yaml",
        "timeseries.parquet",
        "deals.parquet",
        "coalitions.parquet",
        "sellers.parquet",
        "cascades.parquet",
        "summary.json",
        "manifest.json",
        "price_surplus.png",
        "charts.png",
        "network.png",
    ):
        assert (out / name).is_file(), name
    assert (out / "charts.png").read_bytes().startswith(PNG)
    assert (out / "network.png").read_bytes().startswith(PNG)
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 5
    assert OmegaConf.load(out / "config.yaml").customers.n == 300
    assert json.loads((out / "summary.json").read_text())["n_customers"] == 300


def test_an_export_never_overwrites_an_earlier_one(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    first = new_folder(tmp_path, "Viral coalitions!", now)
    assert first == tmp_path / "dashboard" / "20260102-030405-viral-coalitions"
    first.mkdir(parents=True)
    second = new_folder(tmp_path, "Viral coalitions!", now)
    assert second.name == "20260102-030405-viral-coalitions-2" and not second.exists()


def test_export_goes_to_the_servers_results_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASSROOM_RESULTS", str(tmp_path / "room"))
    assert results_folder() == tmp_path / "room"
    m = LessonModel(customers=200, steps=10)
    m.run(2)
    out = export_model(m)
    assert out.parent == tmp_path / "room" / "dashboard"
