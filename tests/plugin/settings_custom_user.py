"""The test settings with a host's own user model (tests/plugin/custom_user): proves the plugin
needs nothing of django.contrib.auth's User.

    pytest tests/plugin --ds=tests.plugin.settings_custom_user
"""

from config.settings_test import *  # noqa: F403
from config.settings_test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.plugin.custom_user"]
AUTH_USER_MODEL = "custom_user.Account"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None  # allauth: the model has no username
