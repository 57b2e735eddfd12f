"""The report's first screen in a real Chromium: the decision table is there, whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from experiments.report import write_report
from tests.experiments.report_fixture import MARKET, synthetic

pytestmark = pytest.mark.browser

POLICIES = ["personalised", "posted", "volume_discount"]
VARY = {"community.price_visibility": [0.0, 0.25, 0.5, 0.75, 1.0]}


def test_decision_table_is_on_the_first_screen(browser, tmp_path):
    runs, ts = synthetic(POLICIES, seeds=5, vary=VARY, community=True)
    write_report(
        tmp_path,
        runs,
        ts,
        title="Personalised pricing as price visibility rises",
        question="At what price visibility does personalised pricing stop paying?",
        policies=POLICIES,
        seeds=range(5),
        vary=VARY,
        mechanism="backlash",
        market_config=MARKET,
    )
    target = os.environ.get("REPORT_SCREENSHOTS")
    shots = Path(target) if target else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto((tmp_path / "report.html").as_uri())
        page.screenshot(path=str(shots / "report_first_screen.png"))
        table = page.locator("#decision-table")
        box = table.bounding_box()
        assert box is not None and box["y"] < 800
        text = table.inner_text()
        assert all(p in text for p in POLICIES)
    finally:
        page.close()
