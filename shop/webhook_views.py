"""Stripe's endpoint: no session, no CSRF token, no language prefix; the signature is the
authentication (shop.services.payments.webhooks.webhook_receive verifies it)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.models import WebhookEvent
from shop.services.payments.webhooks import WebhookRejected, webhook_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected as exc:
        logger.warning("Stripe webhook rejected: %s", exc)
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    if event.result == WebhookEvent.Result.FAILED:
        # Stored with its error; a 5xx makes Stripe deliver it again later.
        return HttpResponse("processing failed", status=500, content_type="text/plain")
    # Processed, ignored, or rejected (a signed event we cannot apply: recorded for staff,
    # answered 200 so Stripe stops retrying).
    return HttpResponse(event.result, content_type="text/plain")
