"""The debrief's facts and the projector's charts, from hand-made game records."""

import pandas as pd

from classroom.game import charts, debrief


def history(boycott_b=(0.0, 0.3), units_b=(10, 10), price_b=(12.0, 12.0)):
    return pd.DataFrame(
        {
            "round": [0, 0, 1, 1],
            "seller_id": [0, 1, 0, 1],
            "name": ["Ann", "Bob", "Ann", "Bob"],
            "price": [13.0, price_b[0], 13.0, price_b[1]],
            "units_sold": [5, units_b[0], 6, units_b[1]],
            "profit": [10.0, 20.0, 12.0, 22.0],
            "market_share": [0.3, 0.7, 0.3, 0.7],
            "boycott_share": [0.0, boycott_b[0], 0.0, boycott_b[1]],
            "outrage": [0, 3, 0, 9],
        }
    )


def decisions(personalised_b=False):
    return pd.DataFrame(
        {
            "round": [0, 0, 1, 1],
            "seller_id": [0, 1, 0, 1],
            "personalised": [False, personalised_b, False, personalised_b],
        }
    )


def test_a_boycott_names_its_round_its_size_and_its_reasons():
    [b] = debrief.boycotts(history(), decisions(personalised_b=True), capacity=100)
    assert (b["name"], b["first_round"], b["peak_share"], b["outraged"]) == ("Bob", 2, 0.3, 12)
    assert any("personalised" in r and "1, 2" in r for r in b["reasons"])
    assert not any("selling out" in r for r in b["reasons"])


def test_selling_out_and_dear_prices_are_reasons_too():
    [b] = debrief.boycotts(
        history(units_b=(10, 10), price_b=(20.0, 20.0)), decisions(), capacity=10
    )
    assert any("selling out" in r for r in b["reasons"])
    assert any("above the market average" in r for r in b["reasons"])


def test_no_boycott_below_the_threshold():
    assert debrief.boycotts(history(boycott_b=(0.0, 0.1)), decisions(), capacity=100) == []


def test_coalition_effect_and_sentences():
    prices = pd.DataFrame({"round": [0, 1], "coalition": [9.0, 11.0], "solo": [12.0, 13.0]})
    effect = debrief.coalition_effect(prices)
    assert effect["coalition_price"] == 10.0 and effect["solo_price"] == 12.5
    assert abs(effect["saving"] - 0.2) < 1e-12
    board = [{"name": "Bob", "profit": 42.0, "market_share": 0.7}]
    lines = debrief.sentences(board, [], effect)
    assert lines[0].startswith("Bob earned the most: 42.00")
    assert "No seller was boycotted." in lines and "20% less" in lines[-1]
    none = debrief.coalition_effect(pd.DataFrame({"round": [0], "solo": [12.0]}))
    assert none["saving"] is None
    assert "No coalition bought" in debrief.sentences(board, [], none)[-1]


def test_charts_are_png_before_and_after_the_first_round():
    prices = pd.DataFrame({"round": [0, 1], "solo": [12.0, 13.0]})
    for draw in (charts.market_png, charts.debrief_png):
        for hist in (pd.DataFrame(), history()):
            png = draw(hist, prices if len(hist) else pd.DataFrame(), 5)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
