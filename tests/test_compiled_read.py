"""core.db.compiled.CompiledRead: the QuerySet's own rows, its SQL compiled once per connection;
anything it cannot reuse is run through the ORM as usual."""

from uuid import UUID, uuid4

import pytest
from django.db import connection, connections

from core.db.compiled import CompiledRead
from shop import selectors
from shop.models import CartLine
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db

FIELDS = ("pk", "quantity", "design_id", "design__name", "variant__sku")


def _lines_of(owner_id):
    return CartLine.objects.filter(cart__owner_id=owner_id).order_by("pk").values_list(*FIELDS)


class Counting:
    """A build function that counts how often the QuerySet is asked for."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, *args):
        self.calls += 1
        return self.build(*args)


@pytest.fixture
def two_carts(user):
    other = factories.user_create()
    sh.cart_with(user, (sh.PRINT_A4, 2), (sh.BOX_S, 1))
    sh.cart_with(other, (sh.DIGITAL, 3))
    return user, other


def test_rows_are_the_querysets_own_and_the_sql_is_compiled_once(two_carts):
    user, other = two_carts
    build = Counting(_lines_of)
    read = CompiledRead(build, int)

    for owner in (user, other, user, factories.user_create()):
        assert read(owner.pk) == list(_lines_of(owner.pk))
    # compiled at the first call (with two sets of stand-ins), then reused for each owner
    assert build.calls == 2
    rows = read(user.pk)
    assert len(rows) == 2 and isinstance(rows[0][2], UUID)  # the UUID converter applied


def test_an_argument_of_another_type_is_run_through_the_orm(two_carts):
    user, _other = two_carts
    build = Counting(_lines_of)
    read = CompiledRead(build, int)

    assert read(str(user.pk)) == list(_lines_of(user.pk))  # "7", not 7
    assert read(str(user.pk)) == list(_lines_of(user.pk))
    assert build.calls == 2


def test_a_query_whose_arguments_are_not_found_as_parameters_is_not_reused(two_carts):
    user, other = two_carts
    # None changes the SQL (IS NULL), so the stand-in is never a parameter of it
    build = Counting(lambda owner_id: _lines_of(owner_id if owner_id > 0 else None))
    read = CompiledRead(build, int)

    assert read(user.pk) == list(_lines_of(user.pk))
    assert read(other.pk) == list(_lines_of(other.pk))
    assert build.calls == 4  # the stand-ins' try (two sets), then the ORM for each call


def test_a_constant_that_looks_like_the_argument_is_not_taken_for_it(two_carts, monkeypatch):
    user, _other = two_carts
    # the argument is ignored; a constant happens to be the first stand-in's value
    read = CompiledRead(lambda owner_id: _lines_of(-4242), int)
    stand_ins = iter([-4242, -4343])
    monkeypatch.setattr("core.db.compiled._stand_in", lambda kind: next(stand_ins))

    assert read(user.pk) == []
    assert read._compiled[connections["default"]] is None  # not reused: the ORM each time


def test_an_unsupported_kind_fails_at_once():
    with pytest.raises(TypeError):
        CompiledRead(_lines_of, float)


def test_the_design_card_is_the_owners_only(user):
    design = sh.approved_design_for(user)
    other = factories.user_create()

    card = selectors.design_card_of(owner=user, design_id=design.pk)
    assert card == selectors.DesignCard(
        design.pk, design.name, design.tagline, design.version, "approved",
        design.approved_render_id,
    )  # fmt: skip
    assert selectors.design_card_of(owner=other, design_id=design.pk) is None
    assert selectors.design_card_of(owner=user, design_id=uuid4()) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="UUID parameters pass through")
def test_on_postgresql_the_design_card_query_is_compiled_once(user):
    design = sh.approved_design_for(user)
    build = Counting(selectors._design_cards._build)
    read = CompiledRead(build, int, UUID)

    assert read(user.pk, design.pk) == [
        (design.pk, design.name, design.tagline, design.version, "approved",
         design.approved_render_id),
    ]  # fmt: skip
    assert read(user.pk, uuid4()) == []
    assert read(factories.user_create().pk, design.pk) == []
    assert build.calls == 2  # both sets of stand-ins at the first call
