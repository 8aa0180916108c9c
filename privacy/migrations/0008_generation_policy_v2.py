"""Version 2 of the generation policy (material: everyone is asked again before their next
figure): each render is compared with the photo to check the likeness (issue #15); only the
person is kept of a photo, and what the web server logs (issue #16)."""

from django.db import migrations
from django.utils import timezone

POLICIES = [
    (
        "en",
        "Creating your figure from your photo",
        "We use the photo you upload only to create your figure: a computer program finds your "
        'face and turns the photo into toy-figure pictures ("renders"). This happens on our own '
        "servers; the photo is not shared with anyone else and not used for anything else.\n\n"
        "To check the likeness, the program compares each figure with your photo: it measures "
        "how much the face in the figure looks like the face in your photo, and shows you the "
        "result next to each render. We keep only that one number per render, never the "
        "measurements of your face.\n\n"
        "We remove all hidden information (location, camera, date) from your photo when you "
        "upload it. Only you can see your photo; our fulfilment staff only see the render you "
        "approve.\n\n"
        "We keep only you: when you upload a photo we keep just your head and shoulders, remove "
        "the background and blur any other face, so that people or papers behind you are never "
        "stored. The original upload is only held in memory while we do this. Our web server "
        "logs the time, page address (without search terms), answer code and duration of each "
        "request; it does not log your IP address, browser or device, or the page you came "
        "from. To slow down attacks we count login attempts and uploads for a short time using "
        "only a hashed form of your network address, never written to a log.\n\n"
        "You can withdraw this consent, export your data or erase it at any time. Without this "
        "consent we cannot create a figure for you.",
    ),
    (
        "de",
        "Ihre Figur aus Ihrem Foto erstellen",
        "Wir verwenden das hochgeladene Foto ausschließlich, um Ihre Figur zu erstellen: Ein "
        "Computerprogramm erkennt Ihr Gesicht und macht aus dem Foto Bilder einer Spielfigur "
        '("Renderings"). Das geschieht auf unseren eigenen Servern; das Foto wird an niemanden '
        "weitergegeben und für nichts anderes verwendet.\n\n"
        "Um die Ähnlichkeit zu prüfen, vergleicht das Programm jede Figur mit Ihrem Foto: Es "
        "misst, wie sehr das Gesicht der Figur dem Gesicht auf Ihrem Foto ähnelt, und zeigt "
        "Ihnen das Ergebnis neben jedem Rendering. Wir speichern nur diese eine Zahl pro "
        "Rendering, nie die Messwerte Ihres Gesichts.\n\n"
        "Beim Hochladen entfernen wir alle versteckten Angaben (Ort, Kamera, Datum) aus dem Foto. "
        "Nur Sie sehen Ihr Foto; unser Versandteam sieht nur das Rendering, das Sie freigeben.\n\n"
        "Wir speichern nur Sie: Beim Hochladen behalten wir nur Kopf und Schultern, entfernen den "
        "Hintergrund und machen jedes andere Gesicht unkenntlich, damit Menschen oder Papiere "
        "hinter Ihnen nie gespeichert werden. Das Original liegt dabei nur im Arbeitsspeicher. "
        "Unser Webserver protokolliert Uhrzeit, Seitenadresse (ohne Suchbegriffe), Antwortcode "
        "und Dauer jedes Aufrufs, aber weder Ihre IP-Adresse noch Ihren Browser oder Ihr Gerät "
        "oder die Seite, von der Sie kamen. Zum Schutz vor Angriffen zählen wir Anmeldeversuche "
        "und Uploads kurzzeitig nur mit einer gehashten Form Ihrer Netzwerkadresse, die nie in "
        "ein Protokoll geschrieben wird.\n\n"
        "Sie können diese Einwilligung jederzeit widerrufen und Ihre Daten exportieren oder "
        "löschen. Ohne diese Einwilligung können wir keine Figur für Sie erstellen.",
    ),
]


def seed(apps, schema_editor):
    PolicyDocument = apps.get_model("privacy", "PolicyDocument")
    now = timezone.now()
    for language, title, body in POLICIES:
        PolicyDocument.objects.get_or_create(
            purpose="generation",
            version=2,
            language=language,
            defaults={"title": title, "body": body, "effective_at": now, "material": True},
        )


def unseed(apps, schema_editor):
    apps.get_model("privacy", "PolicyDocument").objects.filter(
        purpose="generation", version=2
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0007_dataexport_token_unique")]
    operations = [migrations.RunPython(seed, unseed)]
