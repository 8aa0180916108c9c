import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from figures import services
from figures.models import FigureDesign, Photo
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Jürgen Ölmüller",
    "tagline": "Chief Coffee Officer",
    "accessory_1": "coffee mug",
    "accessory_2": "laptop",
    "style": "action_figure",
    "box_theme": "hero_red",
}


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _gif_animated() -> bytes:
    frames = [Image.new("P", (600, 600), i) for i in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


HOSTILE = {
    "empty": b"",
    "not_an_image": b"hello, this is not a picture",
    "truncated": factories.portrait_jpeg.__wrapped__()[:5000],
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"></svg>',
    "pdf_renamed": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "animated_gif": _gif_animated(),
    "too_small": _png((400, 400)),
    "no_face": _png((800, 800)),
}


@pytest.mark.parametrize("kind", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_upload_gets_a_clear_message_a_4xx_and_keeps_the_form(user_client, kind):
    existing = factories.photo_for(user_client.user)
    upload = SimpleUploadedFile("selfie.jpg", HOSTILE[kind], content_type="image/jpeg")

    response = user_client.post(reverse("figures:design_new"), {**FIELDS, "photo": upload})

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["photo"]
    html = response.content.decode()
    assert 'value="Jürgen Ölmüller"' in html  # the typed fields survive
    assert 'value="coffee mug"' in html
    assert Photo.objects.filter(owner=user_client.user).get() == existing
    assert existing.image.storage.exists(existing.image.name)
    assert not FigureDesign.objects.exists()


def test_oversize_upload_is_refused_with_the_limit(user_client, settings):
    settings.MINIME_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    upload = SimpleUploadedFile("big.jpg", b"\xff" * (3 * 1024 * 1024), content_type="image/jpeg")

    response = user_client.post(reverse("figures:design_new"), {**FIELDS, "photo": upload})

    assert response.status_code == 400
    assert "2 MB" in str(response.context["form"].errors["photo"])


def test_new_design_from_upload_queues_generation(user_client):
    response = user_client.post(
        reverse("figures:design_new"), {**FIELDS, "photo": factories.portrait_upload()}
    )

    design = FigureDesign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("figures:design", args=[design.pk])
    assert design.name == "Jürgen Ölmüller"
    assert design.accessories == ["coffee mug", "laptop"]
    assert design.jobs.get().status == "queued"


def test_name_is_kept_exactly_and_limited_to_24_characters(user_client):
    name = "Zoë Ångström-Łukasz ß"
    user_client.post(
        reverse("figures:design_new"),
        {**FIELDS, "name": name, "photo": factories.portrait_upload()},
    )
    assert FigureDesign.objects.get().name == name

    response = user_client.post(
        reverse("figures:design_new"),
        {**FIELDS, "name": "x" * 25, "photo": factories.portrait_upload()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"]


def test_another_accounts_photo_id_is_rejected(user_client):
    stranger_photo = factories.photo_for(factories.user_create())

    response = user_client.post(
        reverse("figures:design_new"), {**FIELDS, "existing_photo": str(stranger_photo.pk)}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["existing_photo"]
    assert not FigureDesign.objects.exists()


def test_reusing_an_own_photo_works(user_client):
    photo = factories.photo_for(user_client.user)

    response = user_client.post(
        reverse("figures:design_new"), {**FIELDS, "existing_photo": str(photo.pk)}
    )

    assert response.status_code == 302
    assert FigureDesign.objects.get().photo == photo


def test_studio_pages_need_login(client):
    response = client.get(reverse("figures:design_new"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_without_consent_the_upload_page_redirects_and_posting_is_forbidden(client, db):
    user = factories.user_create(consent=False)
    client.force_login(user)

    page = client.get(reverse("figures:design_new"))
    post = client.post(
        reverse("figures:design_new"), {**FIELDS, "photo": factories.portrait_upload()}
    )

    assert page.status_code == 302 and reverse("privacy:consent") in page["Location"]
    assert post.status_code == 403
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["figures:photo_image", "figures:render_image", "figures:design"]
)
def test_other_peoples_files_and_designs_are_404(user_client, settings, url_name):
    settings.MINIME_RENDER_SIZE = 128
    settings.MINIME_RENDERS_PER_JOB = 1
    owner = factories.user_create()
    design = factories.design_for(owner)
    job = services.generation_job_create(design=design, actor=owner)
    services.job_run(job_id=job.pk)
    target = {
        "figures:photo_image": design.photo.pk,
        "figures:render_image": job.renders.get().pk,
        "figures:design": design.pk,
    }[url_name]
    owner_client = type(user_client)()
    owner_client.force_login(owner)

    assert user_client.get(reverse(url_name, args=[target])).status_code == 404
    assert owner_client.get(reverse(url_name, args=[target])).status_code == 200


def test_photo_view_serves_private_no_store(user_client):
    photo = factories.photo_for(user_client.user)

    response = user_client.get(reverse("figures:photo_image", args=[photo.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_status_endpoint_reports_progress_and_renders(user_client, settings):
    settings.MINIME_RENDER_SIZE = 128
    settings.MINIME_RENDERS_PER_JOB = 2
    design = factories.design_for(user_client.user)
    job = services.generation_job_create(design=design, actor=user_client.user)
    url = reverse("figures:design_status", args=[design.pk])

    queued = user_client.get(url).json()
    services.job_run(job_id=job.pk)
    done = user_client.get(url).json()

    assert queued["status"] == "queued" and queued["renders"] == []
    assert done["status"] == "succeeded"
    assert done["step"] == done["total"] > 0
    assert len(done["renders"]) == 2


def test_failed_job_shows_message_and_retry_button(user_client):
    design = factories.design_for(user_client.user)
    job = services.generation_job_create(design=design, actor=user_client.user)
    services.job_fail(job_id=job.pk, message="The generator ran out of GPU memory.")

    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()
    retry = user_client.post(
        reverse("figures:design_generate", args=[design.pk]),
        {**FIELDS, "name": design.name},
    )

    assert "ran out of GPU memory" in page and "Try again" in page
    assert retry.status_code == 302
    assert design.jobs.count() == 2 and design.jobs.filter(status="queued").count() == 1


def test_approve_via_view_and_second_approval_is_409(user_client, settings):
    settings.MINIME_RENDER_SIZE = 128
    settings.MINIME_RENDERS_PER_JOB = 2
    design = factories.design_for(user_client.user)
    job = services.generation_job_create(design=design, actor=user_client.user)
    services.job_run(job_id=job.pk)
    first, second = job.renders.order_by("index")

    ok = user_client.post(reverse("figures:render_approve", args=[first.pk]))
    again = user_client.post(reverse("figures:render_approve", args=[second.pk]))

    design.refresh_from_db()
    assert ok.status_code == 302
    assert again.status_code == 409
    assert design.approved_render == first


def test_approving_someone_elses_render_is_404(user_client, settings):
    settings.MINIME_RENDER_SIZE = 128
    settings.MINIME_RENDERS_PER_JOB = 1
    owner = factories.user_create()
    design = factories.design_for(owner)
    job = services.generation_job_create(design=design, actor=owner)
    services.job_run(job_id=job.pk)

    response = user_client.post(reverse("figures:render_approve", args=[job.renders.get().pk]))

    design.refresh_from_db()
    assert response.status_code == 404
    assert design.status == "draft"
