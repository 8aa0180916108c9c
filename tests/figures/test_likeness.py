"""The likeness check (figures.likeness, issue #15): real dlib descriptors of scikit-image's
astronaut, a real generation storing each render's distance, what the customer and staff see,
the setting that turns it off, and the web process that never loads dlib."""

import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image, ImageOps

from figures import services
from figures.models import Render
from tests import factories


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


@pytest.fixture(scope="session")
def photo_check(astronaut):
    from figures.likeness import PhotoLikeness

    return PhotoLikeness(astronaut)


def test_the_same_face_mirrored_or_rescaled_is_the_same_person(photo_check, astronaut):
    mirrored = photo_check.distance(ImageOps.mirror(astronaut))
    smaller = photo_check.distance(astronaut.resize((384, 384), Image.Resampling.LANCZOS))

    assert mirrored is not None and 0.0 < mirrored < 0.6
    assert smaller is not None and 0.0 < smaller < 0.6


def test_an_image_without_a_face_has_no_likeness(photo_check, astronaut):
    from skimage import data

    from figures.likeness import likeness_distance

    coffee = Image.fromarray(data.coffee())
    assert photo_check.distance(coffee) is None
    assert likeness_distance(coffee, astronaut) is None  # no face in the "photo" either


def test_a_changed_face_moves_away(photo_check, astronaut):
    """The other direction without another person's photo: the face region scrambled into
    coarse blocks is still found as a face by nobody, or lands far from the astronaut."""
    pixels = np.asarray(astronaut).copy()
    pixels[40:220, 160:330] = pixels[40:220, 160:330][::-1, ::-1]  # face upside down in place
    distance = photo_check.distance(Image.fromarray(pixels))

    assert distance is None or distance > photo_check.distance(ImageOps.mirror(astronaut))


def test_the_descriptor_is_not_in_the_checks_repr(photo_check):
    assert repr(photo_check) == (
        "<PhotoLikeness dlib_face_recognition_resnet_model_v1 usable=True>"
    )


def _generate(user, settings, renders=2):
    settings.MINIME_RENDER_SIZE = 384
    settings.MINIME_RENDERS_PER_JOB = renders
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    return design, job


@pytest.mark.django_db
def test_each_render_stores_its_distance_and_the_model(settings):
    from figures.likeness import MODEL_NAME, face_descriptor

    user = factories.user_create()
    _, job = _generate(user, settings)

    renders = list(Render.objects.filter(job=job).order_by("index"))
    assert len(renders) == 2
    photo = Image.open(job.design.photo.image.open("rb"))
    reference = face_descriptor(photo)
    for render in renders:
        assert render.likeness_model == MODEL_NAME
        with render.image.open("rb") as fh:
            expected = face_descriptor(Image.open(io.BytesIO(fh.read())))
        if expected is None:
            assert render.likeness_distance is None
        else:  # the stored number is the real distance, recomputed here
            assert render.likeness_distance == pytest.approx(
                float(np.linalg.norm(reference - expected)), abs=1e-6
            )
    assert any(r.likeness_distance is not None for r in renders)


@pytest.mark.django_db
def test_setting_off_measures_nothing(settings):
    settings.MINIME_LIKENESS_CHECK = False
    user = factories.user_create()
    _, job = _generate(user, settings, renders=1)

    render = Render.objects.get(job=job)
    assert render.likeness_distance is None and render.likeness_model == ""
    assert render.likeness_level == ""


def _set(render, distance, model="dlib_face_recognition_resnet_model_v1"):
    Render.objects.filter(pk=render.pk).update(likeness_distance=distance, likeness_model=model)


@pytest.mark.django_db
def test_the_page_labels_and_orders_renders_by_likeness(client, settings):
    settings.MINIME_LIKENESS_CHECK = False  # the numbers are set below
    user = factories.user_create()
    client.force_login(user)
    design, job = _generate(user, settings, renders=4)
    renders = list(Render.objects.filter(job=job).order_by("index"))
    _set(renders[0], 0.58)  # medium
    _set(renders[1], None)  # face not found
    _set(renders[2], 0.42)  # high
    _set(renders[3], 0.71)  # low

    page = client.get(reverse("figures:design", args=[design.pk])).content.decode()

    order = [page.index(reverse("figures:render_image", args=[renders[i].pk])) for i in range(4)]
    assert order[2] < order[0] < order[3] < order[1]  # best first, no face last
    assert "Looks like you: high" in page and "Looks like you: medium" in page
    assert "Looks like you: low" in page and "Try Tweak and regenerate." in page
    assert "Face not found: try Tweak and regenerate." in page

    settings.MINIME_LIKENESS_HIGH = 0.6  # the thresholds are settings
    page = client.get(reverse("figures:design", args=[design.pk])).content.decode()
    assert page.count("Looks like you: high") == 2


@pytest.mark.django_db
def test_staff_see_the_distance_in_the_render_admin(admin_client, settings):
    settings.MINIME_LIKENESS_CHECK = False
    user = factories.user_create()
    _, job = _generate(user, settings, renders=1)
    render = Render.objects.get(job=job)
    _set(render, 0.4567)

    page = admin_client.get(reverse("admin:figures_render_changelist")).content.decode()

    assert "0.4567" in page
