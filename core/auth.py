"""Authentication backends of the demo settings: Django's ModelBackend and allauth's, each reading
the signed-in account of a request with a compiled read (core.db.compiled).

Every signed-in request reads its account by id (`get_user`); the ORM builds and compiles that
query again each time, which cost about as much as the storefront page's own query. These
backends read the same row through the default manager's QuerySet, compiled once per
connection. Authenticating (the password check) is the parent class's, unchanged.

Sessions store the backend's dotted path: switching AUTHENTICATION_BACKENDS to these signs in
again, once, whoever was signed in with the old paths."""

import uuid
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import DEFAULT_DB_ALIAS, models

from core.db.compiled import CompiledRead

_reads: dict[type[models.Model], tuple[CompiledRead, list[str]] | None] = {}


def _read_for(user_model: type[models.Model]) -> tuple[CompiledRead, list[str]] | None:
    """The compiled read of `user_model` by pk and its columns, or None for a pk type it cannot
    compile (the parent's ORM read is used then)."""
    if user_model not in _reads:
        pk = user_model._meta.pk
        kind: type | None = None
        if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            kind = int
        elif isinstance(pk, models.UUIDField):
            kind = uuid.UUID
        names = [field.attname for field in user_model._meta.concrete_fields]
        manager = user_model._default_manager
        _reads[user_model] = (
            None
            if kind is None
            else (CompiledRead(lambda pk: manager.filter(pk=pk).values_list(*names), kind), names)
        )
    return _reads[user_model]


class _CompiledUserRead:
    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        found = _read_for(user_model)
        if found is None:
            return super().get_user(user_id)  # type: ignore[misc]
        read, names = found
        rows = read(user_id)
        if not rows:
            return None
        user = user_model.from_db(DEFAULT_DB_ALIAS, names, rows[0])
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_CompiledUserRead, DjangoModelBackend):
    """django.contrib.auth.backends.ModelBackend (the admin's username sign-in)."""


class AuthenticationBackend(_CompiledUserRead, AllauthBackend):
    """allauth.account.auth_backends.AuthenticationBackend (the customers' email sign-in)."""
