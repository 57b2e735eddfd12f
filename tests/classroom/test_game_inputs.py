"""What students and teachers type: every bad value is one clear message, never a crash."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom.game import inputs
from classroom.game.inputs import InputError
from classroom.game.room import OFFER_FIELDS
from classroom.game.rules import GameRules

RULES = GameRules()


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({}, "price", "missing"),
        ({"price": ""}, "price", "missing"),
        ({"price": "abc"}, "price", "not a number"),
        ({"price": "-3"}, "price", "allowed: 10.5 to 100"),
        ({"price": "1e308"}, "price", "out of range"),
        ({"price": "nan"}, "price", "out of range"),
        ({"price": True}, "price", "not a number"),
        ({"price": 12, "tier_quantity": "2.5"}, "tier_quantity", "whole number"),
        (
            {"price": 12, "tier_quantity": 3, "tier_discount": "lots"},
            "tier_discount",
            "not a number",
        ),
        ({"price": 12, "tier_quantity": 3, "tier_discount": "95%"}, "tier_discount", "0 to 90%"),
        ({"price": 12, "deal_min_quantity": -1}, "deal_min_quantity", "out of range"),
        ({"price": 12, "personalised": "maybe"}, "personalised", "on or off"),
    ],
)
def test_bad_offers_name_the_field_and_what_is_allowed(form, field, says):
    with pytest.raises(InputError, match=says) as err:
        inputs.offer(form, RULES)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":") and "\n" not in str(err.value)


def test_offers_accept_what_people_type():
    o = inputs.offer(
        {
            "price": " 12,5 ",
            "tier_quantity": "3",
            "tier_discount": "10%",
            "deal_min_quantity": 20,
            "deal_discount": "25",
            "personalised": "on",
        },
        RULES,
    )
    assert (o.price, o.tier_quantity, o.tier_discount) == (12.5, 3, 0.1)
    assert (o.deal_min_quantity, o.deal_discount, o.personalised) == (20, 0.25, True)
    # A discount without its minimum quantity is no deal at all.
    assert inputs.offer({"price": 12, "tier_discount": "50%"}, RULES).tier_discount == 0


def test_personalised_pricing_can_be_off_for_a_lesson():
    with pytest.raises(InputError, match="not allowed in this lesson"):
        inputs.offer({"price": 12, "personalised": True}, GameRules(allow_personalised=False))


@given(
    st.dictionaries(
        st.sampled_from(OFFER_FIELDS),
        st.one_of(
            st.text(max_size=12), st.floats(allow_nan=True), st.integers(), st.booleans(), st.none()
        ),
    )
)
def test_any_form_is_an_offer_within_the_rules_or_one_input_error(form):
    try:
        o = inputs.offer(form, RULES)
    except InputError as err:
        assert err.field in form or err.field == "price"
    else:
        assert RULES.floor <= o.price <= RULES.ceiling
        assert 0 <= o.tier_discount <= 0.9 and 0 <= o.deal_discount <= 0.9


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "please type a name"),
        ("   ", "please type a name"),
        ("x" * 25, "too long"),
        ("a\x00b", "printable"),
        ("ANN", "taken"),
    ],
)
def test_bad_names(raw, says):
    with pytest.raises(InputError, match=says):
        inputs.display_name(raw, {"ann"})


def test_names_are_tidied():
    assert inputs.display_name("  Zoë   Li ", set()) == "Zoë Li"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"rounds": 0}, "rounds"),
        ({"stand_in": "cheat"}, "stand_in"),
        ({"hack": 1}, "hack"),
        ({"customers": "many"}, "customers"),
        ({"price_visibility": 2}, "price_visibility"),
    ],
)
def test_bad_rules(form, field):
    with pytest.raises(InputError) as err:
        inputs.rules(form)
    assert err.value.field == field


def test_rules_from_a_form():
    r = inputs.rules(
        {"rounds": "3", "round_seconds": "30", "allow_personalised": False, "stand_in": "undercut"}
    )
    assert (r.rounds, r.round_seconds, r.allow_personalised, r.stand_in) == (
        3,
        30.0,
        False,
        "undercut",
    )
