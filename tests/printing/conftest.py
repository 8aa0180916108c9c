"""Staff clients for the production queue admin tests."""

import pytest
from django.contrib.auth.models import Group

from tests import factories
from tests.printing.admin_helpers import logged_in


@pytest.fixture
def staff_client(db):
    """Staff without any permission."""
    user = factories.user_create(consent=False)
    user.is_staff = True
    user.save()
    return logged_in(user)


@pytest.fixture
def fulfilment_client(db):
    """Staff in the "Fulfilment" group (created by printing's data migration)."""
    user = factories.user_create(consent=False)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Fulfilment"))
    return logged_in(user)


@pytest.fixture(params=["superuser", "fulfilment"])
def production_client(request, admin_client):
    """The same admin work, done by a superuser and by a fulfilment group member."""
    if request.param == "superuser":
        return admin_client
    return request.getfixturevalue("fulfilment_client")
