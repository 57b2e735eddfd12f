"""Load: thirty students and a projector against a real server on 127.0.0.1.

Every request must succeed and every submitted decision must be in the game's record exactly
once. Time is bounded by the HTTP client's timeouts, not by timers in the assertions.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd

STUDENTS = 30
ROUNDS = 3
TIMEOUT = httpx.Timeout(60.0)


def price(student: int, rnd: int) -> float:
    return round(11 + student * 0.25 + rnd * 0.05, 2)


def test_thirty_students_and_a_projector(live_server):
    base = live_server.url
    with httpx.Client(base_url=base, timeout=TIMEOUT) as teacher:
        opened = teacher.post("/api/rooms", json={"rounds": ROUNDS, "customers": 600}).json()
        code, tt = opened["code"], {"X-Teacher-Token": opened["teacher_token"]}

        def join(i: int) -> tuple[int, str]:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as c:
                r = c.post(f"/api/rooms/{code}/join", json={"name": f"Student {i}"})
                assert r.status_code == 200, r.text
                return r.json()["seller_id"], r.json()["token"]

        with ThreadPoolExecutor(STUDENTS) as pool:
            tokens = dict(pool.map(join, range(STUDENTS)))  # seller id -> token
        assert sorted(tokens) == list(range(STUDENTS)) and len(set(tokens.values())) == STUDENTS
        assert teacher.post(f"/api/rooms/{code}/start", headers=tt).status_code == 200

        stop = threading.Event()
        projector_errors: list[int] = []

        def projector() -> None:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as c:
                while not stop.is_set():
                    r = c.get(f"/api/rooms/{code}")
                    if r.status_code != 200:
                        projector_errors.append(r.status_code)
                    stop.wait(0.2)

        watcher = threading.Thread(target=projector)
        watcher.start()

        def play(i: int, rnd: int) -> None:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as c:
                head = {"X-Player-Token": tokens[i]}
                assert c.get(f"/api/rooms/{code}/me", headers=head).status_code == 200
                # A first, wrong submission is refused and must not count.
                bad = c.post(f"/api/rooms/{code}/offer", headers=head, json={"price": "lots"})
                assert bad.status_code == 400 and bad.json()["field"] == "price"
                ok = c.post(f"/api/rooms/{code}/offer", headers=head, json={"price": price(i, rnd)})
                assert ok.status_code == 200, ok.text
                assert ok.json()["round"] == rnd

        try:
            for rnd in range(ROUNDS):
                with ThreadPoolExecutor(STUDENTS) as pool:
                    list(pool.map(play, range(STUDENTS), [rnd] * STUDENTS))
                view = teacher.get(f"/api/rooms/{code}").json()
                assert view["waiting"] == []
                assert teacher.post(f"/api/rooms/{code}/advance", headers=tt).status_code == 200
        finally:
            stop.set()
            watcher.join()
        assert projector_errors == []

        final = teacher.get(f"/api/rooms/{code}").json()
        assert final["phase"] == "over" and len(final["leaderboard"]) == STUDENTS

    log = pd.read_csv(Path(opened["folder"]) / "decisions.csv")
    assert len(log) == STUDENTS * ROUNDS
    assert (log["source"] == "student").all()
    assert not log.duplicated(["round", "seller_id"]).any()
    for row in log.itertuples():
        assert row.price == price(row.seller_id, row.round)
