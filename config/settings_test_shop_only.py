"""The test settings without the printing app: proves the shop runs and passes its tests on
its own (printing only listens to shop.signals and registers hooks; shop never imports it).

    pytest tests/shop --ds=config.settings_test_shop_only

Tests that need printing carry the `printing` marker and are skipped here (tests/conftest.py)."""

from config.settings_test import *  # noqa: F403
from config.settings_test import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "printing"]
