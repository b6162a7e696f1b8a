"""Progress photos: decoded, checked and re-encoded into private WebP files we own.

Decoding is the avatar pipeline's (`accounts.avatars.image_decode`): JPEG, PNG or WebP judged
by content (anything else 415), at most 10 MB (413) and 40 megapixels (413, which refuses
decompression bombs before a pixel is decoded), turned upright by the EXIF orientation and
converted to sRGB. The pixels are then scaled so the longest side is at most 2048 px and written
as a new WebP that carries no metadata at all (no EXIF, GPS, ICC or XMP).

Unlike avatars, photos are never public: the name `progress/<user public_id>/<random>.webp` is
unguessable, no route serves that folder, and the only way to the bytes is `private_url`
(an S3 presigned URL, or a signed link that expires on local disk).
"""

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from accounts.avatars import MAX_PIXELS, InvalidImageError, image_decode, webp_encode
from accounts.models import User
from fitai.erasure import storage_delete

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = MAX_PIXELS
MAX_SIDE = 2048
PHOTO_DIR = "progress"


@dataclass(frozen=True)
class EncodedPhoto:
    """A re-encoded photo, not yet stored."""

    content: bytes
    width: int
    height: int


def photo_encode(*, upload: UploadedFile) -> EncodedPhoto:
    """Decode the upload and return a metadata-free WebP; raise a 4xx domain error if unacceptable."""
    image = image_decode(
        upload=upload,
        max_bytes=MAX_UPLOAD_BYTES,
        max_pixels=PHOTO_MAX_PIXELS,
        draft_size=(MAX_SIDE, MAX_SIDE),
    )
    try:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # only ever shrinks
        return EncodedPhoto(content=webp_encode(image), width=image.width, height=image.height)
    except (OSError, ValueError):
        raise InvalidImageError() from None


def photo_store(*, user: User, photo: EncodedPhoto) -> str:
    """Save one encoded photo under a fresh random name; return its storage name."""
    name = f"{photo_folder(user=user)}/{secrets.token_hex(16)}.webp"
    return default_storage.save(name, io.BytesIO(photo.content))


def photos_store(*, user: User, photos: Iterable[tuple[str, EncodedPhoto]]) -> dict[str, str]:
    """Save several encoded photos by key; if one fails, the ones already saved are removed."""
    names: dict[str, str] = {}
    try:
        for key, photo in photos:
            names[key] = photo_store(user=user, photo=photo)
    except Exception:
        storage_delete(names.values())
        raise
    return names


def photo_folder(*, user: User) -> str:
    """The storage folder of the user's progress photos."""
    return f"{PHOTO_DIR}/{user.public_id}"
