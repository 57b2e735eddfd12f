"""The dashboard in a real browser: one page load, driven like a teacher would.

The tests share one page (module scope) and run in file order: load, play, preset, a
control applied on Reset, then the screenshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

#: Generous: the server may share a small machine with other tests.
TIMEOUT = 60_000


def step_of(page: Page) -> int:
    """The step the page shows."""
    text = page.locator(".cb-step").inner_text()
    return int(re.match(r"Step (\d+)", text).group(1))


def build_of(page: Page) -> str:
    """The id of the market on the page (a class of the Run card, new for each model)."""
    classes = page.locator(".cb-run").get_attribute("class") or ""
    return re.search(r"cb-build-(\d+)", classes).group(1)


def wait_for_step(page: Page, n: int) -> None:
    """Wait until the market in place shows step ``n`` or later.

    The step counter carries its market's build: a counter still showing the last market's
    step (the page updates its parts one by one) does not count.
    """
    page.wait_for_function(
        "n => { const run = document.querySelector('.cb-run');"
        " const b = run && run.className.match(/cb-build-(\\d+)/);"
        " const s = document.querySelector('.cb-step');"
        " return b !== null && s !== null && s.classList.contains('cb-step-of-' + b[1])"
        " && parseInt(s.textContent.slice(5)) >= n; }",
        arg=n,
    )


def load_preset(page: Page, name: str) -> None:
    """Click a preset and wait until its market is in place."""
    before = build_of(page)
    page.locator(f".cb-preset-{name}").click()
    page.wait_for_function(
        "b => { const run = document.querySelector('.cb-run');"
        " return run !== null && !run.classList.contains('cb-build-' + b); }",
        arg=before,
    )


def image_src(page: Page, cls: str) -> str:
    """The ``src`` of a live image (a new blob URL for every new frame)."""
    return page.locator(f"img.{cls}").get_attribute("src") or ""


@pytest.fixture(scope="module")
def dashboard(live_server, browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """The dashboard loaded once, with every URL the page requested."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/")
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step 0 of 200"))
    expect(page.locator("img.cb-network")).to_be_visible()
    expect(page.locator("img.cb-charts")).to_be_visible()
    yield page, requests
    expect.set_options(timeout=5_000)  # Playwright's default, for other modules
    page.close()


def test_the_page_loads_from_the_server_alone(dashboard, live_server):
    page, requests = dashboard
    expect(page.locator(".cb-title")).to_have_text("crowdbargain · Default market")
    expect(page.locator(".cb-model-info")).to_contain_text("1,000 customers")
    expect(page.get_by_role("button", name="Reset")).to_be_visible()
    elsewhere = [u for u in requests if not u.startswith((live_server.url, "blob:", "data:"))]
    assert requests and elsewhere == []


def test_play_advances_the_market_and_redraws(dashboard):
    page, _ = dashboard
    net0, charts0 = image_src(page, "cb-network"), image_src(page, "cb-charts")
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step 1 of"))
    page.wait_for_function("src => document.querySelector('img.cb-network').src !== src", arg=net0)
    page.get_by_role("button", name="▶").click()
    wait_for_step(page, 5)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    assert step_of(page) >= 5
    assert image_src(page, "cb-network") != net0
    assert image_src(page, "cb-charts") != charts0


def test_a_preset_loads_in_one_click(dashboard):
    page, _ = dashboard
    load_preset(page, "viral_coalitions")
    expect(page.locator(".cb-title")).to_contain_text("Viral coalitions")
    expect(page.locator(".cb-varied")).to_contain_text("coalition.forward_p = 0.5")
    expect(page.locator(".cb-slider-forward_p")).to_contain_text("forwarding probability: 0.50")
    expect(page.locator(".cb-model-info")).to_contain_text("volume discount only")
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step 0 of 200"))


def test_a_control_change_applies_on_reset(dashboard):
    page, _ = dashboard
    page.locator(".cb-customers").click()
    page.get_by_role("option", name="500", exact=True).click()
    slider = page.locator(".cb-slider-max_size [role=slider]")
    slider.focus()
    slider.press("ArrowRight")
    expect(page.locator(".cb-slider-max_size")).to_contain_text("maximum coalition size: 41")
    pending = page.locator(".cb-pending")
    expect(pending).to_contain_text("customers")
    expect(pending).to_contain_text("maximum coalition size")
    expect(page.locator(".cb-model-info")).to_contain_text("1,000 customers")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".cb-model-info")).to_contain_text("500 customers")
    expect(pending).to_have_count(0)
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step 0 of"))
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step 1 of"))


def test_export_writes_the_run_folder_into_the_results_folder(dashboard, live_server):
    page, _ = dashboard
    page.locator(".cb-export").click()
    shown = page.locator(".cb-export-path")
    expect(shown).to_contain_text(str(live_server.results))
    folder = Path(shown.inner_text().removeprefix("Written to ").strip())
    assert folder.is_dir() and folder.is_relative_to(live_server.results)
    for name in ("config.yaml", "timeseries.parquet", "deals.parquet", "summary.json"):
        assert (folder / name).is_file(), name
    assert any(p.suffix == ".png" for p in folder.iterdir())


def test_screenshot_of_a_running_market(dashboard, screenshots):
    page, _ = dashboard
    load_preset(page, "default")
    expect(page.locator(".cb-title")).to_have_text("crowdbargain · Default market")
    page.locator(".cb-speed").get_by_role("button", name="faster").click()
    page.get_by_role("button", name="▶").click()
    wait_for_step(page, 12)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    # The frame of the step shown has arrived and decoded: the screenshot is consistent.
    page.wait_for_function(
        """() => {
            const step = document.querySelector('.cb-step').textContent.split(' ')[1];
            const imgs = [...document.querySelectorAll('img.cb-network, img.cb-charts')];
            return imgs.length === 2 && imgs.every(
                i => i.classList.contains('cb-frame-' + step) && i.complete && i.naturalWidth > 0);
        }"""
    )
    shown = step_of(page)
    path = screenshots / "dashboard.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 50_000 and shown >= 12


def test_a_preset_loaded_while_playing_plays_on(dashboard):
    page, _ = dashboard
    # At a normal pace the market cannot finish while the preset loads (that case asks for
    # Reset: the next test).
    page.locator(".cb-speed").get_by_role("button", name="normal").click()
    page.get_by_role("button", name="▶").click()
    expect(page.get_by_role("button", name="❚❚")).to_be_visible()
    load_preset(page, "threshold_deals")
    expect(page.locator(".cb-title")).to_contain_text("Threshold deals")
    wait_for_step(page, 3)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="▶")).to_be_enabled()
    assert step_of(page) >= 3
    expect(page.locator(".cb-press-reset")).to_have_count(0)


def test_after_a_finished_run_a_preset_asks_for_reset(dashboard):
    page, _ = dashboard
    page.locator(".cb-speed").get_by_role("button", name="faster").click()
    page.get_by_role("button", name="▶").click()
    expect(page.locator(".cb-finished")).to_be_visible()
    expect(page.get_by_role("button", name="Step")).to_be_disabled()
    load_preset(page, "viral_coalitions")
    expect(page.locator(".cb-press-reset")).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".cb-press-reset")).to_have_count(0)
    expect(page.locator(".cb-title")).to_contain_text("Viral coalitions")
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".cb-step")).to_have_text(re.compile(r"Step [1-5] of"))
