"""Body check-ins: one source of truth with /users/metrics, partial updates, ownership, and
private photos (re-encoded, without EXIF, behind expiring URLs, deleted with their check-in)."""

import io
import time
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import ExifTags, Image

from accounts.models import BodyMetric
from progress import checkins, photos
from progress.models import CheckIn, ProgressPhoto
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/progress/body"
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Each test stores its files in a folder of its own, so it can see exactly what was written."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def image_bytes(fmt: str = "JPEG", size=(300, 200), colour=RED) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def jpeg_with_gps(*, orientation: int = 1) -> bytes:
    """800x400 JPEG, left half red and right half blue, carrying a camera make and GPS position."""
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 400, 400))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def upload_file(content: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type)


def moment(days_ago: float = 0) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


def create(client, **body):
    body.setdefault("measured_at", moment())
    return client.post(URL, body, format="json")


def create_with_photos(client, files: dict[str, bytes], **fields):
    fields.setdefault("measured_at", moment())
    data = {**fields, **{pose: upload_file(content) for pose, content in files.items()}}
    return client.post(URL, data, format="multipart")


def metric_values(user) -> dict[str, Decimal]:
    return dict(BodyMetric.objects.filter(user=user).values_list("kind", "value"))


def close_to(pixel, colour, tolerance=60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def fetch(client, url: str):
    """GET a URL the API returned (absolute) through the test client."""
    return client.get(url.removeprefix("http://testserver"))


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- create, list, metrics --------------------------------------------------------------------


def test_create_writes_metrics_and_answers_with_the_document(auth_client):
    client = auth_client()
    response = create(
        client,
        weight_kg=81.5,
        body_fat_pct=18,
        measurements={"waist": 84, "arm": 36.5},
        note="Morning, fasted",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    checkin = CheckIn.objects.get(user=client.user)
    assert body["id"] == str(checkin.public_id)
    assert (body["weight_kg"], body["body_fat_pct"]) == (81.5, 18.0)
    assert body["measurements"] == {"waist": 84.0, "arm": 36.5}
    assert (body["note"], body["photos"]) == ("Morning, fasted", [])
    assert set(body) == {
        "id",
        "measured_at",
        "weight_kg",
        "body_fat_pct",
        "measurements",
        "note",
        "photos",
        "created_at",
    }
    assert set(checkin.metrics.values_list("kind", flat=True)) == {"weight", "body_fat", "waist", "arm"}
    assert all(metric.measured_at == checkin.measured_at for metric in checkin.metrics.all())


def test_checkin_values_are_the_users_body_metrics(auth_client):
    client = auth_client()
    assert create(client, weight_kg=80, measurements={"waist": 82}).status_code == 201

    listed = client.get("/api/v1/users/metrics").json()["results"]

    assert sorted((row["kind"], row["value"]) for row in listed) == [("waist", 82.0), ("weight", 80.0)]
    profile = client.get("/api/v1/users/profile").json()
    assert profile["weight_kg"] == 80.0


def test_imperial_values_are_stored_metric(auth_client):
    client = auth_client()
    response = create(client, weight_kg=180, unit="imperial", measurements={"waist": 33})

    assert response.status_code == 201, response.json()
    assert response.json()["weight_kg"] == 81.65  # 180 lb
    assert response.json()["measurements"] == {"waist": 83.82}  # 33 in
    assert metric_values(client.user) == {"weight": Decimal("81.65"), "waist": Decimal("83.82")}


def test_weight_unit_applies_to_the_weight_only(auth_client):
    client = auth_client()
    response = create(client, weight_kg=200, weight_unit="lb", measurements={"waist": 90})

    assert response.status_code == 201, response.json()
    assert (response.json()["weight_kg"], response.json()["measurements"]) == (90.72, {"waist": 90.0})


def test_list_is_newest_first_and_filters_by_date(auth_client):
    client = auth_client()
    for days_ago, weight in ((10, 82), (5, 81), (1, 80)):
        assert create(client, measured_at=moment(days_ago), weight_kg=weight).status_code == 201
    create(auth_client(), weight_kg=99)  # someone else's

    everything = client.get(URL).json()
    recent = client.get(URL, {"from": moment(7)}).json()
    older = client.get(URL, {"to": moment(3)}).json()

    assert [row["weight_kg"] for row in everything["results"]] == [80.0, 81.0, 82.0]
    assert [row["weight_kg"] for row in recent["results"]] == [80.0, 81.0]
    assert [row["weight_kg"] for row in older["results"]] == [81.0, 82.0]
    assert set(everything) >= {"next", "previous", "results"}


def test_list_pages_with_a_cursor(auth_client):
    client = auth_client()
    for days_ago in range(3):
        create(client, measured_at=moment(days_ago), weight_kg=80 + days_ago)

    first = client.get(URL, {"page_size": 2}).json()
    second = fetch(client, first["next"]).json()

    assert [row["weight_kg"] for row in first["results"] + second["results"]] == [80.0, 81.0, 82.0]
    assert second["next"] is None


def test_a_bad_list_filter_is_a_400(auth_client):
    response = auth_client().get(URL, {"from": "yesterday"})
    assert response.status_code == 400
    assert "from" in response.json()["error"]["fields"]


def test_list_costs_the_same_queries_for_1_and_10_checkins_with_photos(
    auth_client, django_assert_max_num_queries
):
    client = auth_client()

    def add_checkin(days_ago: int) -> None:
        checkins.checkin_create(
            user=client.user,
            measured_at=timezone.now() - timedelta(days=days_ago),
            weight_kg=Decimal(80),
            measurements={"waist": Decimal(84)},
            photos={
                "front": upload_file(image_bytes(size=(40, 40))),
                "back": upload_file(image_bytes(size=(40, 40))),
            },
        )

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len(queries)

    add_checkin(0)
    one = count_queries()
    for days_ago in range(1, 10):
        add_checkin(days_ago)
    ten = count_queries()

    assert one == ten
    with django_assert_max_num_queries(4):  # user, page, metrics, photos
        response = client.get(URL)
    assert len(response.json()["results"]) == 10
    assert all(len(row["photos"]) == 2 for row in response.json()["results"])


# --- update and delete ------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(auth_client):
    client = auth_client()
    created = create(client, weight_kg=80, body_fat_pct=20, measurements={"waist": 84, "hips": 95}, note="a")
    checkin_id = created.json()["id"]

    response = client.patch(
        f"{URL}/{checkin_id}", {"weight_kg": 79.5, "measurements": {"waist": 83}}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["weight_kg"], body["body_fat_pct"], body["note"]) == (79.5, 20.0, "a")
    assert body["measurements"] == {"waist": 83.0, "hips": 95.0}
    assert body["measured_at"] == created.json()["measured_at"]
    assert metric_values(client.user) == {
        "weight": Decimal("79.50"),
        "body_fat": Decimal("20.00"),
        "waist": Decimal("83.00"),
        "hips": Decimal("95.00"),
    }


def test_put_adds_and_removes_metrics(auth_client):
    client = auth_client()
    checkin_id = create(client, weight_kg=80, measurements={"waist": 84}).json()["id"]

    response = client.put(
        f"{URL}/{checkin_id}",
        {"weight_kg": None, "body_fat_pct": 15, "measurements": {"waist": None, "neck": 38}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["weight_kg"], body["body_fat_pct"], body["measurements"]) == (None, 15.0, {"neck": 38.0})
    assert metric_values(client.user) == {"body_fat": Decimal("15.00"), "neck": Decimal("38.00")}
    checkin = CheckIn.objects.get(public_id=checkin_id)
    assert set(checkin.metrics.values_list("kind", flat=True)) == {"body_fat", "neck"}


def test_moving_a_checkin_moves_its_metrics(auth_client):
    client = auth_client()
    checkin_id = create(client, weight_kg=80, measurements={"waist": 84}).json()["id"]
    earlier = timezone.now() - timedelta(days=3)

    response = client.patch(f"{URL}/{checkin_id}", {"measured_at": earlier.isoformat()}, format="json")

    assert response.status_code == 200, response.json()
    assert set(BodyMetric.objects.filter(user=client.user).values_list("measured_at", flat=True)) == {earlier}


def test_an_update_in_imperial_units_is_stored_metric(auth_client):
    client = auth_client()
    checkin_id = create(client, weight_kg=80).json()["id"]
    response = client.patch(f"{URL}/{checkin_id}", {"weight_kg": 176, "unit": "lb"}, format="json")
    assert response.json()["weight_kg"] == 79.83


def test_an_update_that_leaves_nothing_is_refused(auth_client):
    client = auth_client()
    checkin_id = create(client, weight_kg=80).json()["id"]

    response = client.patch(f"{URL}/{checkin_id}", {"weight_kg": None}, format="json")

    assert response.status_code == 400
    assert metric_values(client.user) == {"weight": Decimal("80.00")}


def test_delete_removes_the_checkin_its_metrics_and_its_files(
    auth_client, media, django_capture_on_commit_callbacks
):
    client = auth_client()
    kept = create(client, weight_kg=70, measured_at=moment(3)).json()["id"]
    created = create_with_photos(client, {"front": image_bytes(), "side": image_bytes()}, weight_kg="80")
    assert created.status_code == 201, created.json()
    assert len(stored_files(media)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{URL}/{created.json()['id']}")

    assert response.status_code == 204
    assert stored_files(media) == []
    assert [str(public_id) for public_id in CheckIn.objects.values_list("public_id", flat=True)] == [kept]
    assert metric_values(client.user) == {"weight": Decimal("70.00")}
    assert not ProgressPhoto.objects.exists()
    assert client.get(f"{URL}/{created.json()['id']}").status_code == 404


# --- refused input: 400 with paths, nothing written ---------------------------------------------


def test_bad_values_are_a_400_naming_each_path_and_nothing_is_written(auth_client, media):
    client = auth_client()
    response = create(
        client,
        weight_kg=5000,
        body_fat_pct=90,
        measurements={"waist": 5, "chest": "wide", "ankle": 20},
        photos=[],
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"measurements.chest", "measurements.ankle"} <= set(error["fields"])
    assert not CheckIn.objects.exists()
    assert not BodyMetric.objects.exists()


def test_values_out_of_range_name_their_paths(auth_client):
    client = auth_client()
    response = create(client, weight_kg=5000, body_fat_pct=90, measurements={"waist": 5, "neck": 38})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"weight_kg", "body_fat_pct", "measurements.waist"}
    assert not CheckIn.objects.exists()
    assert not BodyMetric.objects.exists()


def test_a_future_checkin_is_refused(auth_client):
    response = create(auth_client(), measured_at=moment(-1), weight_kg=80)
    assert response.status_code == 400
    assert "measured_at" in response.json()["error"]["fields"]
    assert not CheckIn.objects.exists()


def test_an_empty_checkin_is_refused(auth_client):
    response = create(auth_client(), note="   ", measurements={})
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_a_note_alone_is_a_checkin(auth_client):
    response = create(auth_client(), note="Felt bloated")
    assert response.status_code == 201
    assert response.json()["weight_kg"] is None


def test_measurements_in_a_form_must_be_a_json_object(auth_client):
    client = auth_client()
    response = create_with_photos(client, {"front": image_bytes()}, measurements="[1, 2")
    assert response.status_code == 400
    assert "measurements" in response.json()["error"]["fields"]
    assert not CheckIn.objects.exists()


def test_anonymous_requests_get_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {"weight_kg": 80, "measured_at": moment()}, format="json").status_code == 401


# --- other people's check-ins --------------------------------------------------------------------


def test_another_users_checkin_is_not_found_and_stays_unchanged(auth_client, media):
    owner, intruder = auth_client(), auth_client()
    created = create_with_photos(owner, {"front": image_bytes()}, weight_kg="80", note="mine")
    checkin_id = created.json()["id"]
    files_before = stored_files(media)
    path = f"{URL}/{checkin_id}"

    answers = [
        intruder.get(path),
        intruder.put(path, {"weight_kg": 50}, format="json"),
        intruder.patch(path, {"note": "hacked"}, format="json"),
        intruder.delete(path),
        intruder.post(
            f"{path}/photos", {"pose": "side", "photo": upload_file(image_bytes())}, format="multipart"
        ),
        intruder.delete(f"{path}/photos/front"),
    ]

    assert [answer.status_code for answer in answers] == [404] * 6
    assert all(answer.json()["error"]["code"] == "not_found" for answer in answers)
    after = owner.get(path).json()
    assert {key: value for key, value in after.items() if key != "photos"} == {
        key: value for key, value in created.json().items() if key != "photos"
    }
    checkin = CheckIn.objects.get(public_id=checkin_id)
    assert checkin.note == "mine"
    assert metric_values(owner.user) == {"weight": Decimal("80.00")}
    assert list(checkin.photos.values_list("pose", flat=True)) == ["front"]
    assert stored_files(media) == files_before
    assert intruder.get(URL).json()["results"] == []


@pytest.mark.parametrize("checkin_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_ids_are_not_found(auth_client, checkin_id):
    client = auth_client()
    assert client.get(f"{URL}/{checkin_id}").status_code == 404
    assert client.patch(f"{URL}/{checkin_id}", {"note": "x"}, format="json").status_code == 404


# --- photos ---------------------------------------------------------------------------------------


def test_a_jpeg_with_gps_is_stored_upright_as_webp_without_metadata(auth_client, media):
    client = auth_client()
    original = jpeg_with_gps(orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "fixture has GPS"

    response = create_with_photos(client, {"front": original}, measurements='{"waist": 84}')

    assert response.status_code == 201, response.json()
    assert response.json()["measurements"] == {"waist": 84.0}
    photo = ProgressPhoto.objects.get()
    assert photo.file.startswith(f"progress/{client.user.public_id}/")
    assert len(photo.file.rsplit("/", 1)[1]) >= 32 + len(".webp"), "names must be unguessable"
    with default_storage.open(photo.file, "rb") as file:
        raw = file.read()
    assert b"SecretCam" not in raw
    assert b"Exif" not in raw
    stored = Image.open(io.BytesIO(raw))
    assert stored.format == "WEBP"
    assert len(stored.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp"} & set(stored.info)
    # Orientation 6: rotate 90° clockwise to display, so 800x400 becomes 400x800, red on top.
    assert stored.size == (400, 800) == (photo.width, photo.height)
    assert close_to(stored.convert("RGB").getpixel((200, 100)), RED)
    assert close_to(stored.convert("RGB").getpixel((200, 700)), BLUE)
    [listed] = response.json()["photos"]
    assert (listed["pose"], listed["width"], listed["height"]) == ("front", 400, 800)
    assert listed["id"] == str(photo.public_id)


def test_large_photos_are_scaled_to_2048_px_on_the_longest_side(auth_client):
    client = auth_client()
    response = create_with_photos(client, {"back": image_bytes("PNG", size=(3000, 1500))})
    assert response.status_code == 201, response.json()
    assert (response.json()["photos"][0]["width"], response.json()["photos"][0]["height"]) == (2048, 1024)


def assert_nothing_written(media: Path) -> None:
    assert stored_files(media) == []
    assert not CheckIn.objects.exists()
    assert not BodyMetric.objects.exists()
    assert not ProgressPhoto.objects.exists()


def test_a_text_file_is_refused_with_415(auth_client, media):
    client = auth_client()
    response = client.post(
        URL,
        {
            "measured_at": moment(),
            "weight_kg": "80",
            "front": upload_file(b"not a picture\n" * 50, "front.jpg"),
        },
        format="multipart",
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "front" in response.json()["error"]["fields"]
    assert_nothing_written(media)


def test_a_photo_over_10_mb_is_refused_with_413(auth_client, media):
    client = auth_client()
    too_big = image_bytes("PNG")[:64] + b"\0" * (photos.MAX_UPLOAD_BYTES + 1 - 64)
    response = create_with_photos(client, {"side": too_big}, weight_kg="80")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert_nothing_written(media)


def test_a_decompression_bomb_is_refused(auth_client, media):
    """10000x10000 px (100 megapixels) in a PNG of a few kilobytes."""
    client = auth_client()
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        response = create_with_photos(client, {"front": buffer.getvalue()}, weight_kg="80")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"
    assert_nothing_written(media)


def test_one_bad_photo_stores_none_of_them(auth_client, media):
    client = auth_client()
    response = create_with_photos(
        client, {"front": image_bytes(), "back": b"GIF89a nonsense"}, weight_kg="80"
    )
    assert response.status_code == 415
    assert_nothing_written(media)


def test_files_are_removed_when_the_rows_cannot_be_written(user, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ProgressPhoto.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        checkins.checkin_create(
            user=user, measured_at=timezone.now(), photos={"front": upload_file(image_bytes())}
        )
    assert stored_files(media) == []


def test_uploading_a_pose_replaces_its_photo_and_deletes_the_old_file(
    auth_client, media, django_capture_on_commit_callbacks
):
    client = auth_client()
    checkin_id = create_with_photos(client, {"front": image_bytes(colour=RED)}).json()["id"]
    [old_file] = stored_files(media)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{URL}/{checkin_id}/photos",
            {"pose": "front", "photo": upload_file(image_bytes("WEBP", colour=BLUE), "new.webp")},
            format="multipart",
        )

    assert response.status_code == 201, response.json()
    assert set(response.json()) == {"id", "pose", "url", "width", "height"}
    assert response.json()["pose"] == "front"
    [new_file] = stored_files(media)
    assert new_file != old_file
    photo = ProgressPhoto.objects.get()
    assert str(photo.public_id) == response.json()["id"]
    served = Image.open(io.BytesIO(body_of(fetch(client, response.json()["url"]))))
    assert close_to(served.convert("RGB").getpixel((10, 10)), BLUE)


def test_adding_a_pose_keeps_the_others(auth_client):
    client = auth_client()
    checkin_id = create_with_photos(client, {"front": image_bytes()}).json()["id"]
    response = client.post(
        f"{URL}/{checkin_id}/photos",
        {"pose": "side", "photo": upload_file(image_bytes())},
        format="multipart",
    )
    assert response.status_code == 201
    assert [photo["pose"] for photo in client.get(f"{URL}/{checkin_id}").json()["photos"]] == [
        "front",
        "side",
    ]


def test_a_photo_upload_is_checked_like_any_other(auth_client, media):
    client = auth_client()
    checkin_id = create(client, weight_kg=80).json()["id"]
    text = client.post(
        f"{URL}/{checkin_id}/photos",
        {"pose": "front", "photo": upload_file(b"hello" * 100)},
        format="multipart",
    )
    bad_pose = client.post(
        f"{URL}/{checkin_id}/photos", {"pose": "top", "photo": upload_file(image_bytes())}, format="multipart"
    )
    assert text.status_code == 415
    assert bad_pose.status_code == 400
    assert "pose" in bad_pose.json()["error"]["fields"]
    assert stored_files(media) == []


def test_deleting_a_photo_removes_its_file(auth_client, media, django_capture_on_commit_callbacks):
    client = auth_client()
    checkin_id = create_with_photos(client, {"front": image_bytes()}, weight_kg="80").json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{URL}/{checkin_id}/photos/front")

    assert response.status_code == 204
    assert stored_files(media) == []
    assert client.get(f"{URL}/{checkin_id}").json()["photos"] == []
    assert client.delete(f"{URL}/{checkin_id}/photos/front").status_code == 404
    assert client.delete(f"{URL}/{checkin_id}/photos/top").status_code == 404


def test_the_only_photo_of_a_checkin_cannot_be_deleted_alone(auth_client, media):
    client = auth_client()
    checkin_id = create_with_photos(client, {"front": image_bytes()}).json()["id"]
    response = client.delete(f"{URL}/{checkin_id}/photos/front")
    assert response.status_code == 400
    assert len(stored_files(media)) == 1
    assert ProgressPhoto.objects.count() == 1


# --- private URLs ---------------------------------------------------------------------------------


def test_the_photo_url_serves_the_bytes_while_fresh(auth_client, api_client):
    client = auth_client()
    url = create_with_photos(client, {"front": image_bytes()}).json()["photos"][0]["url"]
    photo = ProgressPhoto.objects.get()

    response = fetch(api_client, url)  # the link is the credential, as a presigned S3 URL is

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, no-store"
    with default_storage.open(photo.file, "rb") as file:
        assert body_of(response) == file.read()


def test_a_tampered_photo_url_is_not_found(auth_client, api_client):
    client = auth_client()
    url = create_with_photos(client, {"front": image_bytes()}).json()["photos"][0]["url"]
    token = url.rsplit("/", 1)[1]
    other_name = signing.TimestampSigner(salt="another-salt").sign_object(
        {"n": ProgressPhoto.objects.get().file}
    )

    tampered = [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x" + token, other_name]

    for bad in tampered:
        assert fetch(api_client, f"/media/private/{bad}").status_code == 404


def test_an_expired_photo_url_is_not_found(auth_client, api_client, monkeypatch, settings):
    settings.FITAI_PRIVATE_URL_TTL = 60
    client = auth_client()
    url = create_with_photos(client, {"front": image_bytes()}).json()["photos"][0]["url"]
    assert fetch(api_client, url).status_code == 200

    later = time.time() + 61
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))

    assert fetch(api_client, url).status_code == 404


def test_a_photo_has_no_route_but_its_signed_url(auth_client, api_client):
    client = auth_client()
    create_with_photos(client, {"front": image_bytes()})
    name = ProgressPhoto.objects.get().file
    file_name = name.rsplit("/", 1)[1]

    attempts = [
        f"/media/{name}",
        f"/media/avatars/../{name}",
        f"/media/avatars/{name.removeprefix('progress/')}",
        f"/media/private/{name}",
        f"/media/private/{file_name}",
    ]
    for path in attempts:
        assert client.get(path).status_code == 404, path
        assert api_client.get(path).status_code == 404, path


def test_the_schema_documents_the_photo_errors():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    create_op = schema["paths"]["/api/v1/progress/body"]["post"]
    upload_op = schema["paths"]["/api/v1/progress/body/{checkin_id}/photos"]["post"]
    for operation in (create_op, upload_op):
        assert {"400", "401", "404", "413", "415"} <= set(operation["responses"])
    assert {"application/json", "multipart/form-data"} <= set(create_op["requestBody"]["content"])


def test_factory_users_start_with_no_checkins():
    assert not checkins.checkins_for_user(user=UserFactory()).exists()


def test_erasing_the_account_removes_checkins_metrics_and_photo_files(
    auth_client, media, django_capture_on_commit_callbacks
):
    from fitai.erasure import erase_user

    client = auth_client()
    create_with_photos(client, {"front": image_bytes(), "back": image_bytes()}, weight_kg="80")
    other = auth_client()
    create_with_photos(other, {"front": image_bytes()}, weight_kg="70")

    with django_capture_on_commit_callbacks(execute=True):
        erase_user(client.user)

    assert list(CheckIn.objects.values_list("user", flat=True)) == [other.user.pk]
    assert list(BodyMetric.objects.values_list("user", flat=True)) == [other.user.pk]
    assert [path.relative_to(media).as_posix() for path in stored_files(media)] == [
        ProgressPhoto.objects.get().file
    ]
