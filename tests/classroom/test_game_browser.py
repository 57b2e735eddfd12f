"""The seller game in a real browser: a teacher, three students, a bad price, a reconnect."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
WAIT = 30_000  # ms: generous for a busy 2-core CI machine; pages poll every 1–1.5 s


def wait_for_image(page, element_id: str) -> None:
    """Until the chart image has loaded (a PNG drawn by the server)."""
    page.wait_for_function(
        "id => { const i = document.getElementById(id);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=element_id,
    )


def test_three_students_play_a_round(live_server, browser, screenshots):
    teacher = browser.new_context(viewport={"width": 1400, "height": 1000})
    fetched: list[str] = []
    teacher.on("request", lambda request: fetched.append(request.url))
    projector = teacher.new_page()
    projector.set_default_timeout(WAIT)
    projector.goto(live_server.url + "/game")
    projector.fill("#rounds", "3")
    projector.fill("#customers", "300")
    projector.click("#open")
    projector.wait_for_url("**/game/room/*")
    code = projector.locator("#code").inner_text().strip()
    assert len(code) == 5
    expect(projector.locator("#qr svg")).to_be_visible()

    students = []
    for name in ("Ada", "Ben", "Cleo"):
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = ctx.new_page()
        page.set_default_timeout(WAIT)
        page.goto(f"{live_server.url}/join/{code}")
        page.fill("#name", name)
        page.click("#go")
        page.wait_for_url(f"**/game/play/{code}#*")
        expect(page.locator("#title")).to_have_text(name)
        students.append((name, ctx, page))

    # A taken name is refused in the page.
    late = browser.new_page()
    late.goto(f"{live_server.url}/join/{code}")
    late.fill("#name", "ada")
    late.click("#go")
    expect(late.locator("#error")).to_contain_text("taken", timeout=WAIT)
    late.close()

    expect(projector.locator("#sellers .pill")).to_have_count(3)
    projector.click("#start")
    expect(projector.locator("#status")).to_contain_text("Round 1 of 3")

    ada = students[0][2]
    expect(ada.locator("#offer")).to_be_visible()
    ada.fill("#price", "cheap")
    ada.click("#submit")
    expect(ada.locator("#error")).to_contain_text("price: 'cheap' is not a number")
    expect(ada.locator("#submitted")).to_have_text("")
    assert "Ada" in projector.locator("#waiting").inner_text()  # the bad price changed nothing

    for i, (_, _, page) in enumerate(students):
        expect(page.locator("#offer")).to_be_visible()
        page.fill("#price", f"{12 + i}")
        page.click("#submit")
        expect(page.locator("#submitted")).to_contain_text("received")

    expect(projector.locator("#waiting")).to_have_text("")
    projector.click("#advance")
    expect(projector.locator("#status")).to_contain_text("Round 2 of 3")
    rows = projector.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(3)
    board = projector.locator("#leaderboard").inner_text()
    assert all(name in board for name in ("Ada", "Ben", "Cleo"))
    wait_for_image(projector, "market")
    projector.screenshot(path=str(screenshots / "game-projector.png"), full_page=True)

    # Ben reloads, and then opens his link on another device: he keeps his seller.
    ben = students[1][2]
    link = ben.url
    ben.reload()
    expect(ben.locator("#title")).to_have_text("Ben")
    expect(ben.locator("#history tbody tr")).to_have_count(1)
    ben.screenshot(path=str(screenshots / "game-student.png"), full_page=True)
    other = browser.new_context().new_page()
    other.goto(link)
    expect(other.locator("#title")).to_have_text("Ben", timeout=WAIT)
    # Back at the join page on his phone, he is offered his seller again.
    ben.goto(f"{live_server.url}/join/{code}")
    expect(ben.locator("#again")).to_be_visible(timeout=WAIT)
    ben.click("#again-link")
    expect(ben.locator("#title")).to_have_text("Ben", timeout=WAIT)

    projector.click("#advance")
    expect(projector.locator("#status")).to_contain_text("Round 3 of 3")
    projector.click("#advance")
    expect(projector.locator("#status")).to_have_text("Game over")
    expect(projector.locator("#debrief")).to_be_visible()
    expect(projector.locator("#sentences li").first).to_contain_text("earned the most")
    wait_for_image(projector, "debrief-chart")
    projector.screenshot(path=str(screenshots / "game-debrief.png"), full_page=True)
    # Offline: every page, script, style and image came from this server.
    assert fetched and all(url.startswith(live_server.url + "/") for url in fetched), fetched
    for _, ctx, _ in students:
        ctx.close()
    teacher.close()
