"""Version 1 of the policy texts, in English and German. A later version is a new row
(through the admin or another migration); consents given to v1 then no longer count."""

from django.db import migrations
from django.utils import timezone

POLICIES = [
    (
        "generation",
        "en",
        "Creating your figure from your photo",
        "We use the photo you upload only to create your figure: a computer program finds your "
        "face and turns the photo into toy-figure pictures (\"renders\"). This happens on our own "
        "servers; the photo is not shared with anyone else and not used for anything else.\n\n"
        "We remove all hidden information (location, camera, date) from your photo when you "
        "upload it. Only you can see your photo; our fulfilment staff only see the render you "
        "approve.\n\n"
        "You can withdraw this consent, export your data or erase it at any time. Without this "
        "consent we cannot create a figure for you.",
    ),
    (
        "generation",
        "de",
        "Ihre Figur aus Ihrem Foto erstellen",
        "Wir verwenden das hochgeladene Foto ausschließlich, um Ihre Figur zu erstellen: Ein "
        "Computerprogramm erkennt Ihr Gesicht und macht aus dem Foto Bilder einer Spielfigur "
        "(\"Renderings\"). Das geschieht auf unseren eigenen Servern; das Foto wird an niemanden "
        "weitergegeben und für nichts anderes verwendet.\n\n"
        "Beim Hochladen entfernen wir alle versteckten Angaben (Ort, Kamera, Datum) aus dem Foto. "
        "Nur Sie sehen Ihr Foto; unser Versandteam sieht nur das Rendering, das Sie freigeben.\n\n"
        "Sie können diese Einwilligung jederzeit widerrufen und Ihre Daten exportieren oder "
        "löschen. Ohne diese Einwilligung können wir keine Figur für Sie erstellen.",
    ),
    (
        "training",
        "en",
        "Helping us improve the models (optional)",
        "If you agree, we may use your photos and the renders you approve to train and test the "
        "models that create figures, so future figures look better. This is entirely optional "
        "and does not change anything about your order.\n\n"
        "You can withdraw at any time in your privacy settings; your data is then left out of "
        "every later training set.",
    ),
    (
        "training",
        "de",
        "Hilfe bei der Verbesserung der Modelle (freiwillig)",
        "Wenn Sie zustimmen, dürfen wir Ihre Fotos und die freigegebenen Renderings verwenden, um "
        "die Modelle zu trainieren und zu testen, die Figuren erstellen, damit künftige Figuren "
        "besser aussehen. Das ist völlig freiwillig und ändert nichts an Ihrer Bestellung.\n\n"
        "Sie können jederzeit in Ihren Datenschutzeinstellungen widerrufen; Ihre Daten werden "
        "dann bei jedem späteren Trainingsdatensatz ausgelassen.",
    ),
]


def seed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    now = timezone.now()
    for purpose, language, title, body in POLICIES:
        PolicyDocument.objects.get_or_create(
            purpose=purpose,
            version=1,
            language=language,
            defaults={"title": title, "body": body, "effective_at": now},
        )


def unseed(apps, schema_editor):
    apps.get_model("privacy", "PolicyDocument").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
