"""Avatars: an uploaded picture is decoded, checked and re-encoded into two squares we own.

The stored files never hold the user's bytes. The upload is decoded with Pillow (JPEG, PNG or
WebP, judged by content, never by name or declared type), refused above 5 MB or 40 megapixels,
turned upright by its EXIF orientation, converted to sRGB with transparency flattened on white,
cropped to a centred square and written as new WebP files of 512 and 128 px that carry no
metadata at all (no EXIF, GPS, ICC or XMP). Their names are unguessable
(`avatars/<public_id>/<random>-512.webp`): avatars appear on public cards, so whoever was shown a
card may fetch its picture, and nobody can list or guess the others.

URLs come from the default storage: signed, expiring S3 URLs in production, `/media/avatars/...`
served by `avatar_file` when files are on local disk.
"""

import io
import logging
import re
import secrets
from functools import partial

from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from accounts.models import Profile, User
from fitai.erasure import storage_delete
from fitai.errors import DomainError

logger = logging.getLogger("accounts.avatars")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Decoding is bounded by pixels, not bytes: a few kilobytes of PNG can declare gigapixels.
MAX_PIXELS = 40_000_000
SIZES = (512, 128)
AVATAR_DIR = "avatars"
# The only decoders Pillow may try. (The JPEG decoder also opens the multi-picture JPEGs some
# cameras write, as format "MPO"; its first picture is used.)
DECODERS = ("JPEG", "PNG", "WEBP")
WEBP_QUALITY = 85
CONTENT_TYPE = "image/webp"
_SRGB = ImageCms.createProfile("sRGB")
# `<public_id>/<random>-<size>.webp`, relative to AVATAR_DIR; anything else is not an avatar.
_FILE_NAME = re.compile(r"[0-9a-f-]{36}/[A-Za-z0-9_-]{1,100}\.webp")


class AvatarTooLargeError(DomainError):
    status_code = 413
    default_code = "payload_too_large"
    default_message = f"The picture is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."


class ImageTooLargeError(DomainError):
    """A decompression bomb, or simply a picture with more pixels than we decode."""

    status_code = 413
    default_code = "image_too_large"
    default_message = f"The picture has more than {MAX_PIXELS // 1_000_000} million pixels."


class UnsupportedImageError(DomainError):
    status_code = 415
    default_code = "unsupported_media_type"
    default_message = "The file is not a JPEG, PNG or WebP picture."


class InvalidImageError(DomainError):
    default_code = "invalid_image"
    default_message = "The picture is damaged or incomplete and cannot be read."


# --- Decoding and re-encoding -------------------------------------------------------------------


def avatar_encode(*, upload: UploadedFile) -> dict[int, bytes]:
    """Decode the upload and return new WebP files by size in px; raise if it is not acceptable."""
    # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale for free; keep at least 512 px a side.
    image = image_decode(upload=upload, draft_size=(SIZES[0], SIZES[0]))
    try:
        square = ImageOps.fit(image, (SIZES[0], SIZES[0]), method=Image.Resampling.LANCZOS)
        return {
            size: webp_encode(
                square if size == SIZES[0] else square.resize((size, size), Image.Resampling.LANCZOS)
            )
            for size in SIZES
        }
    except (OSError, ValueError):  # A mode or layout decoded fine but beyond conversion.
        raise InvalidImageError() from None


def image_decode(
    *,
    upload: UploadedFile,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
    draft_size: tuple[int, int] | None = None,
) -> Image.Image:
    """Decode an uploaded JPEG, PNG or WebP into an upright sRGB RGB image that carries nothing else.

    Shared by every upload of pictures (avatars, progress photos), so the checks live in one
    place: judged by content only (415 otherwise), `max_bytes` (413), `max_pixels` checked from
    the header before any pixel is decoded (413), damaged files 400. `draft_size` lets a JPEG be
    decoded at a reduced scale that still covers that size.
    """
    if upload.size is None or upload.size > max_bytes:
        raise AvatarTooLargeError(f"The picture is larger than {max_bytes // (1024 * 1024)} MB.")
    too_many_pixels = f"The picture has more than {max_pixels // 1_000_000} million pixels."
    upload.seek(0)
    try:
        image = Image.open(upload, formats=DECODERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(too_many_pixels) from None
    except UnidentifiedImageError:
        raise UnsupportedImageError() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImageError() from None
    with image:
        width, height = image.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise ImageTooLargeError(too_many_pixels)
        if draft_size is not None:
            image.draft("RGB", draft_size)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLargeError(too_many_pixels) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError):
            raise InvalidImageError() from None
        try:
            # Both steps return new images, so the result outlives the closed file.
            return _to_srgb(_upright(image), image.info.get("icc_profile"))
        except (OSError, ValueError):  # A mode or layout decoded fine but beyond conversion.
            raise InvalidImageError() from None


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a picture whose EXIF cannot be read is taken as it is."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # Broken EXIF comes in every shape; orientation is a nicety, not a must.
        logger.info("Ignoring unreadable EXIF orientation of an uploaded picture")
        return image


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return an RGB image in sRGB: the embedded colour profile is applied, then dropped."""
    if icc_profile and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    if image.mode.startswith("I"):  # 16- or 32-bit grey: scale to 8 bits instead of clipping.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def webp_encode(image: Image.Image) -> bytes:
    """Encode pixels only: a fresh image has no `info`, so no metadata can travel with it."""
    clean = Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())
    buffer = io.BytesIO()
    clean.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


# --- Services -----------------------------------------------------------------------------------


def avatar_set(*, user: User, upload: UploadedFile) -> Profile:
    """Replace the user's avatar with the re-encoded upload; the previous files go after commit.

    Call outside a transaction: the new files are stored before the profile row changes, and
    are removed again if that change fails.
    """
    encoded = avatar_encode(upload=upload)
    names = _avatar_store(user=user, encoded=encoded)
    try:
        with transaction.atomic():
            Profile.objects.get_or_create(user=user)
            profile = Profile.objects.select_for_update().get(user=user)
            previous = [profile.avatar, profile.avatar_thumb]
            profile.avatar, profile.avatar_thumb = names[SIZES[0]], names[SIZES[1]]
            profile.save(update_fields=["avatar", "avatar_thumb", "updated_at"])
            transaction.on_commit(partial(storage_delete, [name for name in previous if name]))
    except Exception:
        storage_delete(names.values())
        raise
    return profile


@transaction.atomic
def avatar_remove(*, user: User) -> None:
    """Go back to no avatar; the files are deleted after commit."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None or not (profile.avatar or profile.avatar_thumb):
        return
    previous = [name for name in (profile.avatar, profile.avatar_thumb) if name]
    profile.avatar = profile.avatar_thumb = ""
    profile.save(update_fields=["avatar", "avatar_thumb", "updated_at"])
    transaction.on_commit(partial(storage_delete, previous))


def _avatar_store(*, user: User, encoded: dict[int, bytes]) -> dict[int, str]:
    """Save the encoded files under one fresh random stem; return their storage names by size."""
    stem = f"{avatar_folder(user=user)}/{secrets.token_hex(16)}"
    names: dict[int, str] = {}
    try:
        for size, content in encoded.items():
            names[size] = default_storage.save(f"{stem}-{size}.webp", io.BytesIO(content))
    except Exception:
        storage_delete(names.values())
        raise
    return names


def avatar_folder(*, user: User) -> str:
    """The storage folder of the user's avatar files (the eraser empties it)."""
    return f"{AVATAR_DIR}/{user.public_id}"


# --- Selectors ----------------------------------------------------------------------------------


def avatar_urls(
    profile: Profile | None, *, request: HttpRequest | None = None
) -> tuple[str | None, str | None]:
    """(512 px URL, 128 px URL) of the profile's avatar, None where there is none.

    With S3 they are signed and expire (`AWS_QUERYSTRING_EXPIRE`); on local disk they are paths
    under MEDIA_URL, made absolute when `request` is given.
    """
    if profile is None:
        return None, None
    return _url(profile.avatar, request), _url(profile.avatar_thumb, request)


def _url(name: str, request: HttpRequest | None) -> str | None:
    if not name:
        return None
    url = default_storage.url(name)
    if request is not None and url.startswith("/"):
        url = request.build_absolute_uri(url)
    return url


# --- Serving from local disk --------------------------------------------------------------------


@require_safe
def avatar_file(request: HttpRequest, name: str) -> FileResponse:
    """Serve an avatar from local storage at `/media/avatars/<name>`; 404 with any other storage.

    Anyone may fetch one: avatars are on public cards, and their names cannot be guessed. A name
    is never reused, so the response may be cached for a year.
    """
    if not isinstance(default_storage, FileSystemStorage) or not _FILE_NAME.fullmatch(name):
        raise Http404("No such avatar.")
    storage_name = f"{AVATAR_DIR}/{name}"
    try:
        file = default_storage.open(storage_name, "rb")
    except FileNotFoundError:
        raise Http404("No such avatar.") from None
    response = FileResponse(file, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
