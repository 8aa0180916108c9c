"""A host's own user model (AUTH_USER_MODEL = "custom_user.Account"): email is the login, no
username, no first/last name, no date_joined. Only tests/plugin/settings_custom_user.py
installs it; its tests are skipped under any other settings."""
