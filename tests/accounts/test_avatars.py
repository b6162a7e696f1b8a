"""Avatar upload: content sniffing, limits, re-encoding without metadata, storage and serving."""

import io
import warnings
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import path, reverse
from PIL import ExifTags, Image, ImageCms
from rest_framework.parsers import MultiPartParser

from accounts import avatars
from accounts.models import Profile
from fitai.urls import urlpatterns as project_urlpatterns
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The project's routes plus the local avatar route proposed for fitai/urls.py.
urlpatterns = [
    *project_urlpatterns,
    path("media/avatars/<path:name>", avatars.avatar_file, name="avatar-file"),
]

URL = "/api/v1/users/upload-avatar"
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Each test stores its files in a folder of its own, so it can see exactly what was written."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def image_bytes(fmt: str, size=(600, 400), colour=RED, mode="RGB", **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def halves_jpeg(*, orientation: int, gps: bool = False) -> bytes:
    """800x400 JPEG, left half red and right half blue, with an EXIF orientation (and GPS)."""
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 400, 400))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return client.post(URL, {"avatar": SimpleUploadedFile(name, content, content_type)}, format="multipart")


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def close_to(pixel, colour, tolerance=60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# --- accepted pictures --------------------------------------------------------------------------


def test_jpeg_with_gps_is_stored_upright_as_two_squares_without_metadata(auth_client, media):
    client = auth_client()
    original = halves_jpeg(orientation=6, gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "fixture has GPS"

    response = upload(client, original)

    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=client.user)
    assert profile.avatar.startswith(f"avatars/{client.user.public_id}/")
    assert profile.avatar.endswith("-512.webp")
    assert profile.avatar_thumb.endswith("-128.webp")
    assert len(profile.avatar.rsplit("/", 1)[1]) >= 32 + len("-512.webp"), "names must be unguessable"
    body = response.json()
    assert body == {
        "avatar_url": f"http://testserver/media/{profile.avatar}",
        "avatar_thumb_url": f"http://testserver/media/{profile.avatar_thumb}",
    }
    for name, size in ((profile.avatar, 512), (profile.avatar_thumb, 128)):
        stored = open_stored(name)
        assert (stored.format, stored.size, stored.mode) == ("WEBP", (size, size), "RGB")
        assert len(stored.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp"} & set(stored.info)
        with default_storage.open(name, "rb") as file:
            raw = file.read()
        assert b"SecretCam" not in raw
        assert b"Exif" not in raw
    # Orientation 6 means "rotate 90° clockwise to display": the red half ends up on top.
    large = open_stored(profile.avatar)
    assert close_to(large.getpixel((384, 30)), RED), "the EXIF orientation was not applied"
    assert close_to(large.getpixel((128, 480)), BLUE)
    assert len(stored_files(media)) == 2


def test_png_with_transparency_is_flattened_on_white(auth_client):
    client = auth_client()
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (100, 100, 200, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    response = upload(client, buffer.getvalue(), name="avatar.png", content_type="image/png")

    assert response.status_code == 200, response.json()
    stored = open_stored(Profile.objects.get(user=client.user).avatar)
    assert stored.size == (512, 512)
    assert close_to(stored.getpixel((10, 10)), (255, 255, 255))
    assert close_to(stored.getpixel((256, 256)), BLUE)


def test_webp_is_accepted_and_small_pictures_are_scaled_up(auth_client):
    client = auth_client()
    response = upload(client, image_bytes("WEBP", size=(90, 60)), name="x.webp", content_type="image/webp")
    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=client.user)
    assert open_stored(profile.avatar).size == (512, 512)
    assert open_stored(profile.avatar_thumb).size == (128, 128)


def test_the_content_decides_not_the_name(auth_client):
    client = auth_client()
    response = upload(client, image_bytes("PNG"), name="holiday.gif", content_type="image/gif")
    assert response.status_code == 200


def test_colour_profile_is_applied_then_dropped(auth_client):
    client = auth_client()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    response = upload(client, image_bytes("JPEG", icc_profile=icc))
    assert response.status_code == 200
    stored = open_stored(Profile.objects.get(user=client.user).avatar)
    assert "icc_profile" not in stored.info
    assert close_to(stored.getpixel((256, 256)), RED)


def test_a_new_upload_deletes_the_old_files_after_commit(
    auth_client, media, django_capture_on_commit_callbacks
):
    client = auth_client()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, image_bytes("JPEG")).status_code == 200
    first = Profile.objects.get(user=client.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, image_bytes("PNG", colour=BLUE), name="b.png").status_code == 200
    second = Profile.objects.get(user=client.user)

    assert {first.avatar, first.avatar_thumb}.isdisjoint({second.avatar, second.avatar_thumb})
    assert not default_storage.exists(first.avatar)
    assert not default_storage.exists(first.avatar_thumb)
    assert [p.relative_to(media).as_posix() for p in stored_files(media)] == sorted(
        [second.avatar, second.avatar_thumb]
    )


def test_each_user_changes_only_their_own_avatar(auth_client):
    mine, theirs = auth_client(), auth_client()
    assert upload(theirs, image_bytes("JPEG")).status_code == 200
    before = Profile.objects.get(user=theirs.user).avatar
    assert upload(mine, image_bytes("JPEG")).status_code == 200
    assert Profile.objects.get(user=theirs.user).avatar == before
    assert Profile.objects.get(user=mine.user).avatar != before


# --- refused uploads: nothing is stored ---------------------------------------------------------


def assert_refused(response, status: int, code: str, media: Path, user) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert stored_files(media) == []
    profile = Profile.objects.filter(user=user).first()
    assert profile is None or (profile.avatar, profile.avatar_thumb) == ("", "")


def test_over_5_mb_is_refused_with_413(auth_client, media):
    client = auth_client()
    just_over = image_bytes("PNG")[:64] + b"\0" * (avatars.MAX_UPLOAD_BYTES + 1 - 64)
    assert_refused(upload(client, just_over, name="a.png"), 413, "payload_too_large", media, client.user)


def test_a_body_far_over_the_limit_is_refused_before_it_is_parsed(auth_client, media, monkeypatch):
    client = auth_client()

    def parse(*args, **kwargs):
        pytest.fail("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    response = upload(client, b"\xff" * (6 * 1024 * 1024))
    assert_refused(response, 413, "payload_too_large", media, client.user)


def test_a_text_file_named_jpg_is_refused_with_415(auth_client, media):
    client = auth_client()
    response = upload(client, b"just some text, honestly\n" * 20, name="me.jpg", content_type="image/jpeg")
    assert_refused(response, 415, "unsupported_media_type", media, client.user)


def test_a_gif_is_refused_with_415(auth_client, media):
    client = auth_client()
    response = upload(client, image_bytes("GIF"), name="me.gif", content_type="image/gif")
    assert_refused(response, 415, "unsupported_media_type", media, client.user)


def test_a_truncated_jpeg_is_refused_with_400(auth_client, media):
    client = auth_client()
    whole = Image.effect_noise((400, 400), 80).convert("RGB")
    buffer = io.BytesIO()
    whole.save(buffer, "JPEG")
    response = upload(client, buffer.getvalue()[: len(buffer.getvalue()) // 2])
    assert_refused(response, 400, "invalid_image", media, client.user)


def test_a_decompression_bomb_is_refused(auth_client, media):
    """10000x10000 px (100 megapixels) in a PNG of a few kilobytes."""
    client = auth_client()
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        response = upload(client, buffer.getvalue(), name="bomb.png", content_type="image/png")
    assert_refused(response, 413, "image_too_large", media, client.user)


@pytest.mark.parametrize("warning_filter", ["error", "ignore"])
def test_pillows_own_bomb_errors_and_warnings_are_refused(auth_client, media, monkeypatch, warning_filter):
    client = auth_client()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    with warnings.catch_warnings():
        warnings.simplefilter(warning_filter, Image.DecompressionBombWarning)
        error = upload(client, image_bytes("PNG", size=(100, 100)), name="b.png")  # over 2x: an error
        assert_refused(error, 413, "image_too_large", media, client.user)
        warning = upload(client, image_bytes("PNG", size=(40, 40)), name="w.png")  # over 1x: a warning
    if warning_filter == "error":
        assert_refused(warning, 413, "image_too_large", media, client.user)
    else:
        assert warning.status_code == 200


def test_a_missing_file_is_a_400(auth_client, media):
    client = auth_client()
    response = client.post(
        URL, {"picture": SimpleUploadedFile("a.jpg", image_bytes("JPEG"))}, format="multipart"
    )
    assert_refused(response, 400, "validation_error", media, client.user)
    assert "avatar" in response.json()["error"]["fields"]


def test_a_json_body_is_a_415(auth_client, media):
    client = auth_client()
    response = client.post(URL, {"avatar": "aGVsbG8="}, format="json")
    assert_refused(response, 415, "unsupported_media_type", media, client.user)


def test_anonymous_uploads_get_401(api_client, media):
    response = api_client.post(
        URL, {"avatar": SimpleUploadedFile("a.jpg", image_bytes("JPEG"))}, format="multipart"
    )
    assert response.status_code == 401
    assert stored_files(media) == []


def test_files_are_removed_when_the_profile_cannot_be_saved(user, media, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Profile, "save", broken_save)
    upload_file = SimpleUploadedFile("a.jpg", image_bytes("JPEG"), "image/jpeg")
    with pytest.raises(RuntimeError, match="database went away"):
        avatars.avatar_set(user=user, upload=upload_file)
    assert stored_files(media) == []


# --- services, selector, serving ----------------------------------------------------------------


def test_avatar_remove_clears_the_profile_and_deletes_after_commit(
    user, media, django_capture_on_commit_callbacks
):
    avatars.avatar_set(user=user, upload=SimpleUploadedFile("a.jpg", image_bytes("JPEG"), "image/jpeg"))
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        avatars.avatar_remove(user=user)
    assert stored_files(media) == []
    assert avatars.avatar_urls(Profile.objects.get(user=user)) == (None, None)


def test_avatar_urls_of_a_profile(user):
    assert avatars.avatar_urls(None) == (None, None)
    profile = avatars.avatar_set(
        user=user, upload=SimpleUploadedFile("a.jpg", image_bytes("JPEG"), "image/jpeg")
    )
    assert avatars.avatar_urls(profile) == (f"/media/{profile.avatar}", f"/media/{profile.avatar_thumb}")


@pytest.mark.urls(__name__)
def test_the_returned_url_serves_the_picture_to_anyone(auth_client, api_client):
    response = upload(auth_client(), image_bytes("JPEG"))
    assert response.status_code == 200
    picture = api_client.get(response.json()["avatar_thumb_url"])
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(picture.streaming_content))).size == (128, 128)
    assert api_client.get("/media/avatars/../../secrets.webp").status_code == 404


def test_local_files_are_served_with_type_and_cache_headers(user):
    profile = avatars.avatar_set(
        user=user, upload=SimpleUploadedFile("a.jpg", image_bytes("JPEG"), "image/jpeg")
    )
    name = profile.avatar.removeprefix("avatars/")
    response = avatars.avatar_file(RequestFactory().get(f"/media/avatars/{name}"), name)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (512, 512)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "00000000-0000-0000-0000-000000000000/missing-512.webp",
        "00000000-0000-0000-0000-000000000000/../../secret.webp",
        "00000000-0000-0000-0000-000000000000/x-512.png",
    ],
)
def test_only_existing_avatar_files_are_served(name):
    from django.http import Http404

    with pytest.raises(Http404, match="No such avatar"):
        avatars.avatar_file(RequestFactory().get("/media/avatars/x"), name)


def test_nothing_is_served_from_other_storages(user, settings):
    profile = avatars.avatar_set(
        user=user, upload=SimpleUploadedFile("a.jpg", image_bytes("JPEG"), "image/jpeg")
    )
    from django.http import Http404

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with pytest.raises(Http404, match="No such avatar"):
        avatars.avatar_file(RequestFactory().get("/"), profile.avatar.removeprefix("avatars/"))


def test_the_schema_documents_the_upload_errors():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["post"]
    assert {"200", "400", "401", "413", "415", "429"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert reverse("users-upload-avatar") == URL


def test_factory_users_start_without_an_avatar():
    assert avatars.avatar_urls(Profile.objects.get_or_create(user=UserFactory())[0]) == (None, None)
