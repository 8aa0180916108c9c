from django.conf import settings

# The model exists only under tests.plugin.settings_custom_user (AUTH_USER_MODEL is fixed when
# Django starts): under any other settings these tests are not collected.
collect_ignore_glob = [] if settings.AUTH_USER_MODEL == "custom_user.Account" else ["test_*.py"]
