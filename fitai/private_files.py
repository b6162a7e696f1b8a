"""Private files (progress photos, data exports): reachable only through URLs that expire.

With S3 the storage signs its own URLs (`querystring_auth`, `AWS_QUERYSTRING_EXPIRE`). On local disk
`private_url` signs the storage name with a timestamp and `private_file` serves it while the
signature is fresh; a tampered, expired or unknown link is a plain 404. The link itself is the
credential, as an S3 presigned URL is: hand it only to the owner.
"""

import mimetypes
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_safe

SALT = "fitai.private-file"
DEFAULT_TTL = timedelta(minutes=15)


def url_ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "FITAI_PRIVATE_URL_TTL", DEFAULT_TTL.total_seconds()))


def private_url(name: str, *, request: HttpRequest | None = None, download_name: str = "") -> str:
    """An expiring URL for the stored file `name` (absolute when `request` is given)."""
    if not isinstance(default_storage, FileSystemStorage):
        return default_storage.url(name)
    token = signing.TimestampSigner(salt=SALT).sign_object({"n": name, "d": download_name})
    url = reverse("private-file", kwargs={"token": token})
    return request.build_absolute_uri(url) if request is not None else url


def _unsign(token: str) -> dict[str, str]:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=url_ttl())
    except signing.BadSignature:  # SignatureExpired is a BadSignature too.
        raise Http404("No such file.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise Http404("No such file.")
    return payload


@require_safe
def private_file(request: HttpRequest, token: str) -> FileResponse:
    """Serve a private file from local storage while its signed link is fresh."""
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404("No such file.")
    payload = _unsign(token)
    try:
        file = default_storage.open(payload["n"], "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("No such file.") from None
    content_type = mimetypes.guess_type(payload["n"])[0] or "application/octet-stream"
    response = FileResponse(
        file,
        content_type=content_type,
        as_attachment=bool(payload.get("d")),
        filename=payload.get("d") or None,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response
