"""The public "check an image" page (figures.provenance_views): real files signed with the
development credentials (core.provenance), read back by c2pa's Reader behind the page; hostile
uploads get photo intake's checks and a 400; nothing is stored; CSRF, CSP and rate limits."""

import http.server
import io
import struct
import threading
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from core.conf import core_settings
from core.provenance import composite_sign, render_png_sign
from core.provenance.credentials import ensure_development_credentials
from core.provenance.xmp import png_with_xmp
from figures.forms import ProvenanceCheckForm
from figures.models import Photo
from tests.factories.figures import portrait_jpeg
from tests.printing.test_pdfs import _figure_png
from tests.test_csp import directives, inline_code

pytestmark = pytest.mark.django_db

URL = reverse("figures:provenance_check")
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


@pytest.fixture(scope="module", autouse=True)
def _credentials() -> None:
    ensure_development_credentials(core_settings.C2PA_DIR)


@pytest.fixture(scope="module")
def signed_render(_credentials) -> bytes:
    return render_png_sign(_figure_png(256, False), backend="stylize", model="toy-v1", created=None)


def _png(size: tuple[int, int], colour=(90, 140, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "image.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def check(client: Client, data: bytes, name: str = "image.png"):
    return client.post(URL, {"image": upload(data, name)})


def png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, data start, data end) of each PNG chunk."""
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], pos + 8, pos + 8 + length))
        pos += 12 + length
    return chunks


def decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception:
        return False
    return True


def one_byte_changed(signed: bytes) -> bytes:
    """The signed PNG with one pixel-data byte changed, still a decodable image (the page
    must get to the manifest, not stop at a damaged file)."""
    [(start, end)] = [(s, e) for kind, s, e in png_chunks(signed) if kind == b"IDAT"][:1]
    for offset in range((start + end) // 2, end):
        changed = bytearray(signed)
        changed[offset] ^= 0x01
        if decodes(bytes(changed)):
            return bytes(changed)
    raise AssertionError("no byte of the pixel data can change and still decode")


def private_files() -> int:
    root = Path(storages[core_settings.PRIVATE_STORAGE].location)  # type: ignore[attr-defined]
    return sum(1 for path in root.rglob("*") if path.is_file())


# --- What the page reports --------------------------------------------------------------------


def test_a_signed_render_is_reported_valid_with_what_it_says(client, signed_render):
    response = check(client, signed_render, "render.png")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.state == "trusted" and report.has_manifest and report.says_ai
    assert report.claim_generator.startswith("Mini-Me Merch/")
    assert "development" in report.issuer and report.signer
    [action] = report.actions
    assert (action.action, action.source_type) == ("c2pa.created", TRAINED)
    assert action.software_agent == "stylize toy-v1" and action.when
    assert report.iptc_source_type == TRAINED
    assert report.ingredients == 0  # never the customer's photo
    html = response.content.decode()
    assert 'data-state="trusted"' in html
    assert "Created by generative AI" in html and "stylize toy-v1" in html
    assert "signed by a signer this shop trusts" in html


def test_a_composite_says_composite_with_ai(client, _credentials):
    jpeg = composite_sign(
        portrait_jpeg(),
        "image/jpeg",
        software_agent="Mini-Me Merch packaging",
        description="AI-generated figure render placed in a layout",
        title="box.jpg",
    )

    report = check(client, jpeg, "box.jpg").context["report"]

    assert report.state == "trusted"
    assert COMPOSITE in [a.source_type for a in report.actions]
    assert report.iptc_source_type == COMPOSITE
    assert report.iptc_source_type_label == "A composite that includes AI-generated content"


def test_the_same_file_with_one_changed_byte_is_reported_invalid(client, signed_render):
    response = check(client, one_byte_changed(signed_render), "render.png")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.state == "invalid" and report.has_manifest
    assert any("mismatch" in problem for problem in report.problems)
    assert "was changed after it was signed" in response.content.decode()


def test_a_signer_outside_our_trust_anchors_is_intact_but_untrusted(
    client, signed_render, settings, tmp_path
):
    settings.MINIME_C2PA_TRUST_ANCHORS = str(ensure_development_credentials(tmp_path).ca)

    report = check(client, signed_render, "render.png").context["report"]

    assert report.state == "untrusted"
    assert any("untrusted" in problem for problem in report.problems)


def test_a_plain_photo_has_no_content_credentials(client):
    response = check(client, portrait_jpeg(), "holiday.jpg")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.state == "none" and not report.has_manifest and not report.says_ai
    assert report.iptc_source_type == ""
    assert "No Content Credentials" in response.content.decode()


def test_xmp_alone_is_reported_without_a_manifest(client):
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
        b'rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/'
        b'Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="' + TRAINED.encode() + b'"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )

    report = check(client, png_with_xmp(_png((64, 64)), packet)).context["report"]

    assert report.state == "none"
    assert report.iptc_source_type == TRAINED and report.says_ai


def test_reading_never_fetches_a_remote_manifest(client):
    """A file may point at its manifest by URL (XMP dcterms:provenance): a public page that
    fetched it would let anyone make the server request any address."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa"
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
        b'rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dcterms="http://purl.org/dc/terms/"'
        b' dcterms:provenance="' + url.encode() + b'"/></rdf:RDF></x:xmpmeta>'
    )
    try:
        response = check(client, png_with_xmp(_png((64, 64)), packet))
    finally:
        server.shutdown()

    assert response.status_code == 200
    assert hits == []
    assert not response.context["report"].has_manifest


# --- Anonymous access, CSRF, CSP, nothing stored ----------------------------------------------


def test_anyone_may_check_without_an_account_and_csrf_still_applies(signed_render):
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(URL)
    refused = browser.post(URL, {"image": upload(signed_render)})
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(URL, {"image": upload(signed_render), "csrfmiddlewaretoken": token})

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.context["report"].state == "trusted"


def test_the_page_and_its_report_work_under_the_csp(client, signed_render):
    for response in (client.get(URL), check(client, signed_render), check(client, b"nope")):
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert inline_code(response.text) == []


def test_the_upload_is_held_in_memory_and_nothing_is_stored(client, monkeypatch, settings):
    """Larger than Django's in-memory limit: still never a temporary file, never a row."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    temporary: list[str] = []
    original = TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs) -> None:
        temporary.append(args[0] if args else "")
        original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spy)
    noise = Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875)
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert len(buffer.getvalue()) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    before = private_files()

    response = check(client, buffer.getvalue())

    assert response.status_code == 200 and response.context["report"].state == "none"
    assert temporary == []
    assert private_files() == before
    assert not Photo.objects.exists()


def test_the_footer_links_to_the_page(client):
    assert f'href="{URL}"' in client.get(reverse("shop:home")).text


def test_the_page_is_in_german_with_formal_address(client, signed_render):
    response = client.post("/de" + URL, {"image": upload(signed_render)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bild prüfen" in html
    assert "Sie" in html and " du " not in html


# --- Hostile uploads --------------------------------------------------------------------------


def _bomb_png() -> bytes:
    """A tiny PNG whose header claims 30000 x 30000 pixels (900 MP)."""
    data = bytearray(_png((8, 8)))
    ihdr = data[16:29]
    ihdr[0:8] = struct.pack(">II", 30000, 30000)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(data)


HOSTILE = {
    "empty": (b"", "image.png"),
    "not_an_image": (b"hello, this is not a picture", "image.png"),
    "truncated": (portrait_jpeg.__wrapped__()[:5000], "image.jpg"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"></svg>', "a.svg"),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "image.pdf"),
    "bomb": (_bomb_png(), "image.png"),
}
NAMES = {
    "control_character": "evil\x07name.png",
    "rtl_override": "gnp.\u202eevil.png",
    "line_break": "two\nlines.png",
    "nul": "a\x00b.png",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_uploads_get_a_clear_400_and_nothing_is_stored(client, kind):
    data, name = HOSTILE[kind]
    before = private_files()

    response = check(client, data, name)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["image"]
    assert response.context["report"] is None
    assert str(form.errors["image"][0]) in response.content.decode().replace("&#x27;", "'")
    assert private_files() == before


@pytest.mark.parametrize("kind", list(NAMES))
def test_a_file_name_with_control_characters_is_refused(kind):
    """The form refuses such a name; over HTTP Django's multipart parser already drops
    non-printable characters from file names, so none reaches the page (next test)."""
    form = ProvenanceCheckForm(files={"image": upload(_png((16, 16)), NAMES[kind])})

    assert not form.is_valid()
    assert "not allowed" in form.errors["image"][0]


@pytest.mark.parametrize("kind", list(NAMES))
def test_control_characters_in_an_uploaded_name_never_reach_the_page(client, kind):
    response = check(client, _png((16, 16)), NAMES[kind])

    assert response.status_code == 200
    assert response.context["report"].state == "none"
    assert "\x07" not in response.text and "\u202e" not in response.text


def test_a_missing_file_is_a_400_with_a_message(client):
    response = client.post(URL, {})

    assert response.status_code == 400
    assert response.context["form"].errors["image"] == ["Please choose an image to check."]


def test_an_upload_over_the_size_limit_is_refused_before_it_is_held(client, settings):
    settings.MINIME_MAX_UPLOAD_BYTES = 2 * 1024 * 1024

    response = check(client, b"\x89PNG" + b"\x00" * (3 * 1024 * 1024))

    assert response.status_code == 400
    assert "2 MB" in str(response.context["form"].errors["image"])


def test_checks_are_rate_limited_per_client_address(client, settings):
    settings.MINIME_UPLOADS_PER_HOUR = 2
    image = _png((32, 32))

    answers = [check(client, image).status_code for _ in range(3)]
    elsewhere = Client(REMOTE_ADDR="198.51.100.7").post(URL, {"image": upload(image)})

    assert answers == [200, 200, 429]
    assert elsewhere.status_code == 200
    limited = check(client, image)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "checked many images" in limited.text and "try again in" in limited.text
    assert 'data-testid="provenance-form"' in limited.content.decode()
