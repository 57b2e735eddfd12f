"""Stand-in bot sellers: one contract every registered stand-in passes, plus each rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.pricing.offer import OfferParams
from agents.stand_ins import STAND_INS, SellerView, make_stand_in


def view(**kw):
    base = dict(
        round=0,
        unit_cost=10.0,
        floor=10.5,
        ceiling=100.0,
        last_offer=None,
        prices=(),
        profits=(),
        rival_prices=(),
    )
    return SellerView(**(base | kw))


views = st.builds(
    lambda r, last, prices, profits, rivals: view(
        round=r,
        last_offer=None if last is None else OfferParams(price=last),
        prices=tuple(prices),
        profits=tuple(profits),
        rival_prices=tuple(rivals),
    ),
    st.integers(0, 50),
    st.none() | st.floats(10.5, 100),
    st.lists(st.floats(10.5, 100), max_size=5),
    st.lists(st.floats(-100, 1000), max_size=5),
    st.lists(st.floats(0.01, 500), max_size=8),
)


@pytest.fixture(params=sorted(STAND_INS), scope="module")
def stand_in(request):
    return make_stand_in(request.param)


class TestStandInContract:
    def test_name_and_traits(self, stand_in):
        assert STAND_INS[stand_in.name] is type(stand_in)
        assert {"reacts_to_rivals", "reacts_to_profit"} <= set(stand_in.traits)

    @given(v=views)
    def test_offers_stay_within_the_allowed_prices_and_are_deterministic(self, stand_in, v):
        offer = stand_in.decide(v)
        assert isinstance(offer, OfferParams)
        assert v.floor <= offer.price <= v.ceiling
        assert offer == stand_in.decide(v)

    def test_first_round_is_a_cost_plus_opening(self, stand_in):
        assert stand_in.decide(view()).price == 14.0


def test_unknown_stand_in_names_the_allowed_ones():
    with pytest.raises(ValueError, match="allowed: repeat_last"):
        make_stand_in("cheater")


def test_repeat_last_keeps_the_whole_offer():
    last = OfferParams(price=17.0, deal_min_quantity=10, deal_discount=0.2)
    assert make_stand_in("repeat_last").decide(view(round=3, last_offer=last)) == last


def test_undercut_goes_two_percent_under_the_cheapest_rival_but_not_below_the_floor():
    bot = make_stand_in("undercut")
    assert bot.decide(view(round=1, rival_prices=(15.0, 12.0))).price == 11.76
    assert bot.decide(view(round=1, rival_prices=(10.6,))).price == 10.5


def test_match_average_follows_the_rivals():
    assert (
        make_stand_in("match_average").decide(view(round=1, rival_prices=(12.0, 16.0))).price
        == 14.0
    )


def test_hill_climb_keeps_a_direction_that_pays_and_turns_when_profit_falls():
    bot = make_stand_in("hill_climb")
    up_paid = view(
        round=2, last_offer=OfferParams(price=15.0), prices=(14.0, 15.0), profits=(10.0, 20.0)
    )
    up_hurt = view(
        round=2, last_offer=OfferParams(price=15.0), prices=(14.0, 15.0), profits=(20.0, 10.0)
    )
    assert bot.decide(up_paid).price == 15.75
    assert bot.decide(up_hurt).price == 14.25
