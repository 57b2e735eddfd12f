"""A room's life: joining, rounds, stand-ins, timing, access, records and exact replay."""

import filecmp
import threading

import pandas as pd
import pytest

from classroom.game.benchmark import main as bench_main
from classroom.game.benchmark import resolve_times
from classroom.game.hub import GameHub
from classroom.game.inputs import InputError
from classroom.game.record import DECISIONS_FILE, GAME_FILE, ROUNDS_FILE
from classroom.game.replay import main as replay_main
from classroom.game.replay import replay
from classroom.game.room import MAX_SEATS, AccessError, Phase, Room
from classroom.game.rules import GameRules

FAST = dict(customers=150, steps_per_round=3)


def room(tmp_path, **rules):
    return Room("TESTA", GameRules(**(FAST | rules)), tmp_path / "game")


def test_a_whole_game_records_every_decision_once_and_replays_byte_for_byte(tmp_path):
    r = room(tmp_path, rounds=3, bot_sellers=1, stand_in="undercut")
    ann, bob, cy = r.join("Ann"), r.join("Bob"), r.join("Cy")
    r.start()
    for rnd in range(3):
        r.submit(ann.token, {"price": 12 + rnd})
        r.submit(bob.token, {"price": "14", "deal_min_quantity": 6, "deal_discount": "20%"})
        if rnd != 1:  # Cy misses round 2: the stand-in plays for her
            r.submit(cy.token, {"price": 15, "personalised": True})
        r.advance()
    assert r.phase is Phase.OVER
    log = pd.read_csv(r.folder / DECISIONS_FILE)
    assert len(log) == 3 * 4 and not log.duplicated(["round", "seller_id"]).any()
    assert log.query("seller_id == 0")["price"].tolist() == [12, 13, 14]
    assert log.query("seller_id == 2")["source"].tolist() == ["student", "bot", "student"]
    assert (log.query("seller_id == 3")["source"] == "bot").all()
    rounds = pd.read_csv(r.folder / ROUNDS_FILE)
    assert len(rounds) == 12 and set(rounds["name"]) == {"Ann", "Bob", "Cy", "Bot 1"}

    replay(r.folder, tmp_path / "replayed")
    for name in sorted(p.name for p in r.folder.iterdir()):
        assert filecmp.cmp(r.folder / name, tmp_path / "replayed" / name, shallow=False), name


def test_units_and_money_add_up_between_rounds_and_the_run_log(tmp_path):
    r = room(tmp_path, rounds=2)
    a, b = r.join("A"), r.join("B")
    r.start()
    for _ in range(2):
        r.submit(a.token, {"price": 12})
        r.submit(b.token, {"price": 13, "tier_quantity": 2, "tier_discount": 0.1})
        r.advance()
    hist = r.history()
    deals = r.model.deals_frame()
    assert hist["units_sold"].sum() == deals["quantity"].sum()
    assert hist["revenue"].sum() == pytest.approx(
        (deals["seller_unit_price"] * deals["quantity"]).sum()
    )
    # Nobody paid above their willingness to pay, no seller sold below its floor.
    assert (deals["unit_price"] <= deals["willingness_to_pay"] + 1e-9).all()
    assert (deals["seller_unit_price"] >= r.rules.floor - 1e-9).all()
    board = r.leaderboard()
    assert [row["rank"] for row in board] == [1, 2]
    assert board[0]["profit"] >= board[1]["profit"]


def test_absent_students_get_the_teachers_stand_in(tmp_path):
    r = room(tmp_path, rounds=2, stand_in="cost_plus")
    r.join("A"), r.join("B")
    r.start()
    r.advance()
    log = r.decision_log()
    assert (log["source"] == "bot").all() and (log["price"] == 14.0).all()


def test_bad_offers_change_nothing(tmp_path):
    r = room(tmp_path, rounds=2)
    a, _ = r.join("A"), r.join("B")
    r.start()
    r.submit(a.token, {"price": 12})
    with pytest.raises(InputError):
        r.submit(a.token, {"price": "-1"})
    assert r.pending[0].price == 12
    assert r.player_view(a.token)["submitted"]["price"] == 12


def test_tokens_are_personal_and_the_teacher_token_is_checked(tmp_path):
    r = room(tmp_path)
    a = r.join("A")
    with pytest.raises(AccessError):
        r.seat("not-a-token")
    with pytest.raises(AccessError):
        r.check_teacher(a.token)
    r.check_teacher(r.teacher_token)
    assert r.seat(a.token).name == "A"  # a reconnecting student gets their seller back
    assert len(a.token) >= 20 and a.token != r.teacher_token


def test_lobby_rules(tmp_path):
    r = room(tmp_path)
    r.join("Solo")
    with pytest.raises(InputError, match="at least 2 sellers"):
        r.start()
    assert r.phase is Phase.LOBBY and len(r.seats) == 1
    r.join("Duo")
    r.start()
    with pytest.raises(InputError, match="has started"):
        r.join("Late")


def test_a_full_room_says_so(tmp_path):
    r = room(tmp_path)
    for i in range(MAX_SEATS):
        r.join(f"S{i}")
    with pytest.raises(InputError, match=f"up to {MAX_SEATS}"):
        r.join("One more")


def test_timed_rounds_end_on_time_or_when_everyone_has_submitted(tmp_path):
    r = room(tmp_path, rounds=3, round_seconds=30)
    a, b = r.join("A"), r.join("B")
    r.start(now=100.0)
    assert not r.tick(120.0) and r.round == 0
    assert r.tick(130.0) and r.round == 1  # time is up: stand-ins play for both
    r.submit(a.token, {"price": 12})
    assert not r.tick(131.0)
    r.submit(b.token, {"price": 12})
    assert r.tick(131.0) and r.round == 2  # everyone is in: no need to wait


def test_concurrent_submissions_are_all_kept(tmp_path):
    r = room(tmp_path, rounds=1)
    seats = [r.join(f"S{i}") for i in range(30)]
    r.start()
    threads = [
        threading.Thread(target=r.submit, args=(s.token, {"price": 11 + s.seller / 10}))
        for s in seats
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r.advance()
    log = r.decision_log()
    assert (log["source"] == "student").all() and len(log) == 30
    assert log["price"].tolist() == [round(11 + i / 10, 2) for i in range(30)]


def test_hub_codes_rooms_and_finds_them_in_any_case(tmp_path):
    hub = GameHub(tmp_path)
    a, b = hub.open_room(GameRules(**FAST)), hub.open_room(GameRules(**FAST))
    assert a.code != b.code and len(a.code) == 5
    assert hub.room(f" {a.code.lower()} ") is a
    with pytest.raises(InputError, match="no room"):
        hub.room("NOPE")


def test_replay_command_rejects_a_folder_that_is_not_a_game(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        replay_main([str(tmp_path), str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert f"allowed: a game run folder (with {GAME_FILE})" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_benchmark_resolves_every_round(tmp_path, capsys):
    times = resolve_times(students=3, customers=60, rounds=2, folder=tmp_path / "b")
    assert len(times) == 2 and all(t > 0 for t in times)
    assert (tmp_path / "b" / "decisions.csv").is_file()
    bench_main(["--students", "2", "--customers", "50", "--rounds", "1"])
    assert "2 sellers, 50 customers, 1 rounds: round resolves in" in capsys.readouterr().out
