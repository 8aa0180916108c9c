"""The host-settings checks (core/checks.py): each reports its id when its setting is broken,
and the demo settings (what README's snippet sets) report nothing."""

from typing import Any

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings

LIVE_STRIPE = {
    "DEBUG": False,
    "MINIME_STRIPE_API_BASE": None,
    "MINIME_STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
    "MINIME_STRIPE_PUBLISHABLE_KEY": "pk_live_" + "b" * 24,
    "MINIME_STRIPE_WEBHOOK_SECRET": "whsec_" + "c" * 24,
}


def reported(*, deploy: bool = False) -> dict[str, checks.CheckMessage]:
    messages = checks.run_checks(tags=["minime"], include_deployment_checks=deploy)
    return {message.id: message for message in messages}


def without(name: str, values: list[str]) -> list[str]:
    return [value for value in values if value != name]


def test_the_demo_settings_pass_every_check():
    with override_settings(**LIVE_STRIPE):
        assert reported(deploy=True) == {}


def test_a_missing_private_storage_alias_is_e001_with_a_hint():
    storages = {k: v for k, v in settings.STORAGES.items() if k != "minime_private"}

    with override_settings(STORAGES=storages):
        found = reported()

    assert set(found) == {"minime.E001"}
    assert "'minime_private'" in found["minime.E001"].msg
    assert "STORAGES['minime_private']" in found["minime.E001"].hint


def test_private_storage_names_another_alias_is_e001():
    with override_settings(MINIME_PRIVATE_STORAGE="photos"):
        assert set(reported()) == {"minime.E001"}


def test_without_django_contrib_sites_is_e002():
    with override_settings(INSTALLED_APPS=without("django.contrib.sites", settings.INSTALLED_APPS)):
        found = reported()

    assert set(found) == {"minime.E002"}
    assert "SITE_ID" in found["minime.E002"].hint


def test_without_allauth_account_is_e003():
    with override_settings(INSTALLED_APPS=without("allauth.account", settings.INSTALLED_APPS)):
        found = reported()

    assert set(found) == {"minime.E003"}
    assert "allauth.account" in found["minime.E003"].msg


def test_without_allauths_middleware_is_e004():
    middleware = without("allauth.account.middleware.AccountMiddleware", settings.MIDDLEWARE)

    with override_settings(MIDDLEWARE=middleware):
        assert set(reported()) == {"minime.E004"}


def test_a_base_template_without_the_context_processor_is_e005():
    templates: list[dict[str, Any]] = [dict(settings.TEMPLATES[0])]
    options: dict[str, Any] = dict(templates[0]["OPTIONS"])
    options["context_processors"] = without(
        "core.context_processors.minime", options["context_processors"]
    )
    templates[0]["OPTIONS"] = options

    with override_settings(TEMPLATES=templates):
        assert reported() == {}  # the shipped frame needs no setting
        with override_settings(MINIME_BASE_TEMPLATE="host/frame.html"):
            assert set(reported()) == {"minime.E005"}
    with override_settings(MINIME_BASE_TEMPLATE="host/frame.html"):
        assert reported() == {}


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_unset_gpu_queue_is_e006(value):
    with override_settings(MINIME_GPU_QUEUE=value):
        found = reported()

    assert set(found) == {"minime.E006"}
    assert "-Q gpu" in found["minime.E006"].hint


def test_an_unset_gpu_queue_setting_is_e006():
    with override_settings():
        del settings.MINIME_GPU_QUEUE
        assert set(reported()) == {"minime.E006"}


def test_an_unset_default_queue_is_e007():
    with override_settings():
        del settings.CELERY_TASK_DEFAULT_QUEUE
        found = reported()

    assert set(found) == {"minime.E007"}
    assert 'CELERY_TASK_DEFAULT_QUEUE = "default"' in found["minime.E007"].hint


@pytest.mark.parametrize(
    ("name", "check_id"),
    [
        ("MINIME_STRIPE_SECRET_KEY", "minime.E010"),
        ("MINIME_STRIPE_PUBLISHABLE_KEY", "minime.E011"),
        ("MINIME_STRIPE_WEBHOOK_SECRET", "minime.E012"),
    ],
)
def test_a_missing_stripe_key_with_debug_off_is_a_deploy_error(name, check_id):
    with override_settings(**{**LIVE_STRIPE, name: ""}):
        assert reported() == {}  # a deployment check: `check --deploy`
        found = reported(deploy=True)

    assert set(found) == {check_id}
    assert found[check_id].level == checks.ERROR
    assert name in found[check_id].hint


def test_missing_stripe_keys_are_fine_with_debug_on_or_against_localstripe():
    blank = {"MINIME_STRIPE_SECRET_KEY": "", "MINIME_STRIPE_PUBLISHABLE_KEY": ""}

    with override_settings(**{**LIVE_STRIPE, **blank, "DEBUG": True}):
        assert reported(deploy=True) == {}
    with override_settings(**{**LIVE_STRIPE, **blank, "MINIME_STRIPE_API_BASE": "http://x"}):
        assert reported(deploy=True) == {}


def test_test_mode_stripe_keys_with_debug_off_are_w010():
    keys = {
        "MINIME_STRIPE_SECRET_KEY": "sk_test_" + "a" * 24,
        "MINIME_STRIPE_PUBLISHABLE_KEY": "pk_test_" + "b" * 24,
    }

    with override_settings(**{**LIVE_STRIPE, **keys}):
        found = reported(deploy=True)

    assert set(found) == {"minime.W010"}
    assert found["minime.W010"].level == checks.WARNING
    assert "sk_live_" in found["minime.W010"].hint
