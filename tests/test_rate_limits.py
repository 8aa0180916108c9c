"""Rate limits on the shared cache (the real database cache, or Redis where REDIS_URL is set):
logins per IP and per IP + account, sign-ups and password resets per IP, uploads per account
per hour, and the 429 page that says when to retry.

config.settings_test turns allauth's limits off for the rest of the suite; the `limits`
fixture puts the demo project's limits back and empties the cache around each test."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from config import settings as demo_settings
from core import ratelimit
from core.ratelimit import Rate, RateLimited, limit_hit
from figures import services
from figures.models import FigureDesign, Photo
from tests import factories
from tests.figures.test_views import FIELDS
from tests.privacy.test_erasure import private_storage_in
from tests.threads import in_threads

OWNER_IP = "198.51.100.10"
STRANGER_IP = "203.0.113.66"


@pytest.fixture
def limits(db, settings) -> Iterator[None]:
    settings.ACCOUNT_RATE_LIMITS = demo_settings.ACCOUNT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_root(db, tmp_path) -> Iterator[Path]:
    with private_storage_in(tmp_path) as root:
        yield root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")  # timeuntil's "5\xa0minutes"


def login(client, *, email: str, password: str, ip: str):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


# --- the service ----------------------------------------------------------------------------


class FakeClock:
    """Stands in for the time module inside core.ratelimit only."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_sliding_window_refuses_with_the_wait_and_counts_no_refused_hit(db, limits, monkeypatch):
    # Given a limit of 2 hits an hour, used at t=0 and t=600
    clock = FakeClock(1_000_000.0)
    monkeypatch.setattr(ratelimit, "time", clock)
    rate = Rate(amount=2, seconds=3600)
    limit_hit(scope="test", key="a", rate=rate)
    clock.now += 600
    limit_hit(scope="test", key="a", rate=rate)

    # When a third hit comes at t=900
    clock.now += 300
    with pytest.raises(RateLimited) as refused:
        limit_hit(scope="test", key="a", rate=rate, message="Slow down.")

    # Then it waits until the first hit leaves the hour, and says so
    assert refused.value.retry_after == 2700
    assert (
        refused.value.message.replace("\xa0", " ") == "Slow down. Please try again in 45 minutes."
    )
    # ...another key is not affected, and the refused hit was not counted: at t=3600 one fits
    limit_hit(scope="test", key="b", rate=rate)
    clock.now += 2700
    limit_hit(scope="test", key="a", rate=rate)
    with pytest.raises(RateLimited) as again:
        limit_hit(scope="test", key="a", rate=rate)
    assert again.value.retry_after == 600


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_parallel_hits_never_pass_more_than_the_limit(limits):
    # When ten threads (ten web workers) hit a limit of three at the same moment
    results = in_threads(10, lambda _i: limit_hit(scope="test", key="x", rate=Rate(3, 3600)))

    # Then exactly three pass, counted once in the shared cache
    assert sum(result is None for result in results) == 3
    assert sum(isinstance(result, RateLimited) for result in results) == 7


# --- logins ---------------------------------------------------------------------------------


def test_a_stranger_locks_only_their_own_address_out_of_the_owners_account(client, limits):
    # Given the owner's account, and a stranger who guessed its password 5 times
    owner = factories.user_create()
    for _ in range(5):
        assert (
            login(client, email=owner.email, password="guess", ip=STRANGER_IP).status_code == 400
        )  # refused: wrong password

    # When the stranger tries once more, even with the right password
    locked = login(client, email=owner.email, password=factories.PASSWORD, ip=STRANGER_IP)

    # Then the stranger gets a 429 page saying when to retry, and is not signed in
    assert locked.status_code == 429
    assert 290 <= int(locked["Retry-After"]) <= 300
    html = text(locked)
    assert "Too many failed sign-in attempts" in html
    assert "Please try again in 5 minutes." in html
    assert "_auth_user_id" not in client.session
    # ...while the owner, from their own address, signs in at once
    owners_browser = Client()
    welcome = login(owners_browser, email=owner.email, password=factories.PASSWORD, ip=OWNER_IP)
    assert welcome.status_code == 302
    assert owners_browser.session["_auth_user_id"] == str(owner.pk)


def test_one_address_guessing_many_accounts_is_stopped_per_address(client, limits):
    # Given ten failed logins from one address, on ten different accounts
    for i in range(10):
        login(client, email=f"victim{i}@example.com", password="guess", ip=STRANGER_IP)
    user = factories.user_create()

    # When it tries an eleventh account, then that account's owner signs in elsewhere
    locked = login(client, email=user.email, password=factories.PASSWORD, ip=STRANGER_IP)
    fine = login(Client(), email=user.email, password=factories.PASSWORD, ip=OWNER_IP)

    # Then the address waits out the minute; the owner is not affected
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 60
    assert fine.status_code == 302


# --- sign-up and password reset --------------------------------------------------------------


def signup(client, *, email: str, ip: str):
    password = "a-long-enough-passphrase-9"
    data = {"email": email, "password1": password, "password2": password}
    return client.post(reverse("account_signup"), data, REMOTE_ADDR=ip)


def test_sign_ups_are_limited_per_address_with_a_page_saying_when(client, limits):
    # Given ten sign-ups from one address within the hour
    for i in range(10):
        assert signup(client, email=f"new{i}@example.com", ip=STRANGER_IP).status_code == 302
        client.logout()

    # When an eleventh comes from there, and one from another address
    refused = signup(client, email="new10@example.com", ip=STRANGER_IP)
    other = signup(Client(), email="new11@example.com", ip=OWNER_IP)

    # Then only the busy address waits an hour, told so by the 429 page and Retry-After
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert "Please try again in 1 hour." in text(refused)
    assert other.status_code == 302


def test_password_resets_are_limited_per_address_and_per_mailbox(client, limits):
    # Given five reset requests from one address
    reset = reverse("account_reset_password")
    for i in range(5):
        response = client.post(reset, {"email": f"who{i}@example.com"}, REMOTE_ADDR=STRANGER_IP)
        assert response.status_code == 302

    # When a sixth comes from there
    refused = client.post(reset, {"email": "who5@example.com"}, REMOTE_ADDR=STRANGER_IP)

    # Then it is refused with the wait; another address may still ask
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    owner = factories.user_create()
    mail.outbox.clear()
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert client.post(reset, {"email": owner.email}, REMOTE_ADDR=ip).status_code == 302
    # ...but one mailbox gets at most three reset emails an hour, from any addresses
    bombed = client.post(reset, {"email": owner.email}, REMOTE_ADDR="192.0.2.4")
    assert bombed.status_code == 429
    assert len(mail.outbox) == 3


# --- uploads --------------------------------------------------------------------------------


def test_uploads_over_the_hourly_limit_answer_429_and_store_nothing(
    user_client, limits, private_root, settings
):
    # Given a limit of two uploads an hour, both used
    settings.MINIME_UPLOADS_PER_HOUR = 2
    url = reverse("figures:design_new")
    for _ in range(2):
        response = user_client.post(url, {**FIELDS, "photo": factories.portrait_upload()})
        assert response.status_code == 302
    files = stored_files(private_root)

    # When a third selfie is uploaded
    refused = user_client.post(url, {**FIELDS, "photo": factories.portrait_upload()})

    # Then it is refused with the wait, the form keeps the typed fields, nothing is stored
    assert refused.status_code == 429
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    html = text(refused)
    assert "You have uploaded many photos in the last hour." in html
    assert 'value="Jürgen Ölmüller"' in html
    assert Photo.objects.filter(owner=user_client.user).count() == 1  # the same selfie twice
    assert FigureDesign.objects.filter(owner=user_client.user).count() == 2
    assert stored_files(private_root) == files


def test_with_no_generations_left_a_new_design_stores_no_selfie(
    user_client, limits, private_root, settings
):
    # Given a customer who has used today's only generation an hour ago
    settings.MINIME_DAILY_GENERATION_QUOTA = 1
    design = factories.design_for(user_client.user)
    services.generation_job_create(design=design, actor=user_client.user)
    files = stored_files(private_root)

    # When they upload a selfie for a new figure
    url = reverse("figures:design_new")
    refused = user_client.post(url, {**FIELDS, "photo": factories.portrait_upload()})

    # Then it is refused before anything is stored, saying when a generation frees up
    assert refused.status_code == 429
    assert 86300 <= int(refused["Retry-After"]) <= 86400
    assert "You have used all of today&#x27;s figure generations." in text(refused)
    assert Photo.objects.filter(owner=user_client.user).count() == 1
    assert FigureDesign.objects.filter(owner=user_client.user).count() == 1
    assert stored_files(private_root) == files


def test_with_a_quota_of_zero_eight_uploads_store_no_selfie(
    user_client, limits, private_root, settings
):
    settings.MINIME_DAILY_GENERATION_QUOTA = 0
    url = reverse("figures:design_new")

    answers = [
        user_client.post(url, {**FIELDS, "photo": factories.portrait_upload()}).status_code
        for _ in range(8)
    ]

    assert answers == [429] * 8
    assert not Photo.objects.exists() and not FigureDesign.objects.exists()
    assert stored_files(private_root) == []
