"""core.sessions: a signed-in page reads its session and the catalog version in one cache round
trip; the version read so is used once, in its own request, and never goes stale."""

import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.urls import reverse

from core import sessions
from shop import render_memo
from shop.catalog import VERSION_KEY, catalog_changed, catalog_version
from shop.models import Product
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_reads(monkeypatch):
    """Counts the real default cache's reads (get and get_many, each one round trip; the
    database cache's get calls its get_many: counted once)."""
    reads: list[object] = []
    inside: list[bool] = []
    real_get, real_get_many = cache.get, cache.get_many

    def counted(keys, real, *args, **kwargs):
        if not inside:
            reads.append(keys)
        inside.append(True)
        try:
            return real(*args, **kwargs)
        finally:
            inside.pop()

    def get(key, *args, **kwargs):
        return counted(key, real_get, key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        return counted(tuple(keys), real_get_many, keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    return reads


def test_the_settings_use_it(settings):
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_storefront_page_reads_the_cache_once(user_client, cache_reads):
    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)
    for url in (sh.product_url(design), reverse("shop:cart")):
        assert user_client.get(url).status_code == 200  # the catalog loaded, the page kept

        cache_reads.clear()
        assert user_client.get(url).status_code == 200

        # one round trip: the session and the catalog version together
        assert len(cache_reads) == 1, cache_reads
        assert VERSION_KEY in cache_reads[0]


def test_a_version_read_with_the_session_is_taken_once_and_only_in_its_request(user_client):
    assert user_client.get(reverse("shop:cart")).status_code == 200
    store = sessions.SessionStore(user_client.session.session_key)
    store.load()

    assert sessions.take_fetched(VERSION_KEY) == cache.get(VERSION_KEY)
    assert sessions.take_fetched(VERSION_KEY) is sessions.NOT_FETCHED  # taken

    store.load()
    request_started.send(sender=None)  # the next request: nothing of the last one is left
    assert sessions.take_fetched(VERSION_KEY) is sessions.NOT_FETCHED


@pytest.fixture
def _new_catalog_version_after():
    yield
    catalog_changed()  # a cache outside the test's transaction (Redis) keeps no stale version


@pytest.mark.usefixtures("_new_catalog_version_after")
def test_a_catalog_change_by_another_process_shows_on_the_next_page(user_client):
    design = sh.approved_design_for(user_client.user)
    url = sh.product_url(design)
    assert "Blister-pack box" in user_client.get(url).content.decode()

    # another process changes the catalog: the rows and the shared version, not our copy
    Product.objects.filter(kind="box").update(name="Collector box")
    cache.set(VERSION_KEY, "changed-elsewhere", timeout=None)

    html = user_client.get(url).content.decode()
    assert "Collector box" in html and "Blister-pack box" not in html
    assert catalog_version() == "changed-elsewhere"


def test_a_session_the_cache_lost_is_read_from_the_database_and_cached_again(user_client):
    assert user_client.get(reverse("shop:cart")).status_code == 200
    key = user_client.session.session_key
    cache.clear()

    response = user_client.get(reverse("shop:cart"))

    assert response.status_code == 200 and user_client.user.email in response.content.decode()
    assert cache.get(sessions.SessionStore.cache_key_prefix + key) is not None
    catalog_changed()  # the cleared version is made again by the next reader
    assert catalog_version()


def test_without_registered_keys_it_is_plain_cached_db(user_client, monkeypatch, cache_reads):
    monkeypatch.setattr(sessions, "_keys", set())
    assert user_client.get(reverse("shop:cart")).status_code == 200
    render_memo.clear()
    cache_reads.clear()
    assert user_client.get(reverse("shop:cart")).status_code == 200

    # the session read alone, then the catalog reads its version itself
    assert VERSION_KEY in cache_reads and len(cache_reads) == 2, cache_reads
