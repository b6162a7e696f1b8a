"""The check-ins page: login required, only your own check-ins, adding one with photos, and the
side-by-side comparison of two check-ins' photos of one pose."""

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, include, path
from django.utils import timezone
from PIL import Image

from accounts.models import BodyMetric
from fitai.urls import urlpatterns as project_urlpatterns
from progress import checkins
from progress.models import CheckIn, ProgressPhoto
from tests.factories import UserFactory

# The project's routes, plus the progress pages where fitai/urls.py does not mount them yet.
_mounted = any(
    isinstance(pattern, URLResolver) and pattern.app_name == "progress" for pattern in project_urlpatterns
)
urlpatterns = (
    project_urlpatterns
    if _mounted
    else [*project_urlpatterns, path("progress/", include("progress.page_urls"))]
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PAGE = "/progress/check-ins"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def member(client):
    member = UserFactory(username="me")
    client.force_login(member)
    return member


def jpeg(colour=(200, 30, 30), size=(120, 160)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def add_checkin(user, *, days_ago: int, weight=None, photos=None, note="") -> CheckIn:
    return checkins.checkin_create(
        user=user,
        measured_at=timezone.now() - timedelta(days=days_ago),
        weight_kg=Decimal(weight) if weight is not None else None,
        note=note,
        photos=photos,
    )


def image_sources(html: str) -> list[str]:
    """The pictures of the page other than its static assets (the logo)."""
    return [src for src in re.findall(r'<img src="([^"]+)"', html) if not src.startswith("/static/")]


def test_the_page_requires_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
    assert client.post(PAGE, {"note": "x"}).status_code == 302
    assert not CheckIn.objects.exists()


def test_the_page_lists_only_your_own_checkins_with_their_photos(client, member):
    mine = add_checkin(member, days_ago=1, weight=81.5, note="my own note", photos={"front": jpeg()})
    add_checkin(UserFactory(), days_ago=1, weight=99, note="someone else's note", photos={"front": jpeg()})

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "my own note" in html
    assert "81.50 kg" in html
    assert "someone else" not in html
    sources = image_sources(html)
    assert len(sources) == 1
    assert all(source.startswith("/media/private/") for source in sources)
    assert mine.photos.get().file not in html, "the storage name must never appear"
    assert client.get(sources[0]).status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_adding_a_checkin_with_a_photo(client, member):
    response = client.post(
        PAGE,
        {
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "unit": "metric",
            "weight_kg": "80.4",
            "waist": "84",
            "note": "after holidays",
            "front": jpeg(),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    checkin = CheckIn.objects.get(user=member)
    assert checkin.note == "after holidays"
    assert dict(BodyMetric.objects.filter(user=member).values_list("kind", "value")) == {
        "weight": Decimal("80.40"),
        "waist": Decimal("84.00"),
    }
    assert list(checkin.photos.values_list("pose", flat=True)) == ["front"]
    assert "after holidays" in client.get(PAGE).content.decode()


def test_a_refused_checkin_shows_its_errors_and_writes_nothing(client, member, media):
    response = client.post(
        PAGE,
        {
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "unit": "metric",
            "weight_kg": "5000",
            "waist": "3",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "A weight must be between" in html
    assert "A waist must be between" in html
    assert not CheckIn.objects.exists()
    assert not BodyMetric.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused_on_the_form(client, member, media):
    response = client.post(
        PAGE,
        {
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "unit": "metric",
            "weight_kg": "80",
            "side": SimpleUploadedFile("side.jpg", b"plain text " * 40, "image/jpeg"),
        },
    )

    assert response.status_code == 415
    assert "not a JPEG, PNG or WebP" in response.content.decode()
    assert not CheckIn.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_the_comparison_shows_both_photos_of_the_chosen_checkins(client, member, media):
    oldest = add_checkin(member, days_ago=30, weight=85, photos={"front": jpeg((250, 0, 0)), "side": jpeg()})
    middle = add_checkin(member, days_ago=15, weight=83, photos={"front": jpeg((0, 250, 0))})
    newest = add_checkin(member, days_ago=1, weight=80, photos={"front": jpeg((0, 0, 250), size=(90, 160))})

    default = client.get(PAGE).content.decode()
    chosen = client.get(PAGE, {"pose": "front", "before": oldest.public_id, "after": middle.public_id})

    compare = re.search(r'<section class="card checkin-compare".*?</section>', default, re.S).group(0)
    expected = [ProgressPhoto.objects.get(check_in=c, pose="front") for c in (oldest, newest)]
    assert len(image_sources(compare)) == 2
    assert [f"{p.width}" for p in expected] == re.findall(
        r'<img src="[^"]+" alt="[^"]+" width="(\d+)"', compare
    )
    assert "Before" in compare
    assert "After" in compare

    chosen_html = re.search(
        r'<section class="card checkin-compare".*?</section>', chosen.content.decode(), re.S
    ).group(0)
    sources = image_sources(chosen_html)
    assert len(sources) == 2
    served = [client.get(source) for source in sources]
    assert [response.status_code for response in served] == [200, 200]
    files = {
        photo.file for photo in ProgressPhoto.objects.filter(check_in__in=[oldest, middle], pose="front")
    }
    served_bytes = {b"".join(response.streaming_content) for response in served}
    assert len(files) == len(served_bytes) == 2
    assert f'value="{oldest.public_id}" selected' in chosen_html
    assert f'value="{middle.public_id}" selected' in chosen_html


def test_the_comparison_never_shows_another_members_photo(client, member):
    add_checkin(member, days_ago=5, weight=80, photos={"front": jpeg()})
    add_checkin(member, days_ago=1, weight=79, photos={"front": jpeg()})
    theirs = add_checkin(UserFactory(), days_ago=2, weight=90, photos={"front": jpeg()})

    response = client.get(PAGE, {"pose": "front", "before": theirs.public_id, "after": theirs.public_id})

    assert response.status_code == 200
    html = response.content.decode()
    compare = re.search(r'<section class="card checkin-compare".*?</section>', html, re.S).group(0)
    assert image_sources(compare) == []
    assert str(theirs.public_id) not in html


def test_deleting_a_checkin_from_the_page(client, member, media, django_capture_on_commit_callbacks):
    checkin = add_checkin(member, days_ago=1, weight=80, photos={"back": jpeg()})
    theirs = add_checkin(UserFactory(), days_ago=1, weight=90)

    assert client.post(f"/progress/check-ins/{theirs.public_id}/delete").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/progress/check-ins/{checkin.public_id}/delete")

    assert response.status_code == 302
    assert list(CheckIn.objects.all()) == [theirs]
    assert not [p for p in media.rglob("*") if p.is_file()]
