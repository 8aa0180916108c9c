"""Version 1 of the marketing policy (news and offers by email), in English and German."""

from django.db import migrations
from django.utils import timezone

POLICIES = [
    (
        "en",
        "News and offers by email (optional)",
        "If you agree, we send you occasional emails about new figure styles, products and "
        "offers. We use only your email address and your language for this; we do not share "
        "them with anyone else.\n\n"
        "This is entirely optional. You can withdraw at any time in your privacy centre or "
        "with the link in every email.",
    ),
    (
        "de",
        "Neuigkeiten und Angebote per E-Mail (freiwillig)",
        "Wenn Sie zustimmen, schicken wir Ihnen gelegentlich E-Mails über neue Figurenstile, "
        "Produkte und Angebote. Dafür verwenden wir nur Ihre E-Mail-Adresse und Ihre Sprache; "
        "wir geben sie an niemanden weiter.\n\n"
        "Das ist völlig freiwillig. Sie können jederzeit in Ihrem Datenschutz-Center oder über "
        "den Link in jeder E-Mail widerrufen.",
    ),
]


def seed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    now = timezone.now()
    for language, title, body in POLICIES:
        PolicyDocument.objects.get_or_create(
            purpose="marketing",
            version=1,
            language=language,
            defaults={"title": title, "body": body, "effective_at": now, "material": True},
        )


def unseed(apps, schema_editor):
    apps.get_model("privacy", "PolicyDocument").objects.filter(
        purpose="marketing", version=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_privacy_centre")]
    operations = [migrations.RunPython(seed, unseed)]
