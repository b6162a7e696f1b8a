"""The check-ins page: your check-ins with their photos, a form to add one, and two check-ins'
photos of one pose side by side.

Like the API (`progress.checkin_views`) it only parses forms and calls `progress.checkins`;
another member's check-in is not found (404). Photos are shown through the same expiring private
URLs the API hands out, so the page never links to a file by its storage name.
"""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.forms import form_add_service_errors
from accounts.profile_pages import GET_OR_POST, member_page
from fitai.errors import DomainError, NotFoundError
from fitai.private_files import private_url
from progress import checkins
from progress.models import CheckIn, ProgressPhoto
from progress.photos import MAX_UPLOAD_BYTES

CHECKINS_PER_PAGE = 20
# The comparison's selects offer the newest check-ins with a photo of the pose.
COMPARE_CHOICES = 100
POSE_CHOICES = ProgressPhoto.Pose.choices


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def _value_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=8,
        decimal_places=3,
        min_value=0,
        max_value=10000,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _photo_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=f"JPEG, PNG or WebP, up to {MAX_UPLOAD_BYTES // 2**20} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class CheckInForm(forms.Form):
    """A new check-in; values are converted and their bounds checked by `checkin_create`."""

    measured_at = forms.DateTimeField(
        label="Measured at",
        initial=_now_to_the_minute,
        help_text="In your time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    unit = forms.ChoiceField(
        label="Units",
        choices=[("metric", "kg and cm"), ("imperial", "lb and in")],
        initial="metric",
    )
    weight_kg = _value_field("Weight")
    body_fat_pct = _value_field("Body fat (%)")
    waist = _value_field("Waist")
    chest = _value_field("Chest")
    hips = _value_field("Hips")
    arm = _value_field("Arm")
    thigh = _value_field("Thigh")
    calf = _value_field("Calf")
    neck = _value_field("Neck")
    shoulders = _value_field("Shoulders")
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    front = _photo_field("Front photo")
    side = _photo_field("Side photo")
    back = _photo_field("Back photo")

    def measurement_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in checkins.MEASUREMENT_KINDS]

    def photo_fields(self) -> list[forms.BoundField]:
        return [self[pose] for pose in checkins.POSES]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        measurements: dict[str, Decimal] = {
            kind: data[kind] for kind in checkins.MEASUREMENT_KINDS if data.get(kind) is not None
        }
        return {
            "measured_at": data["measured_at"],
            "unit": data["unit"],
            "weight_kg": data.get("weight_kg"),
            "body_fat_pct": data.get("body_fat_pct"),
            "measurements": measurements,
            "note": data.get("note", ""),
            "photos": {pose: data[pose] for pose in checkins.POSES if data.get(pose)},
        }


class CompareForm(forms.Form):
    """Two of your check-ins and a pose; the choices are check-ins with a photo of that pose."""

    pose = forms.ChoiceField(choices=POSE_CHOICES, initial=ProgressPhoto.Pose.FRONT, required=False)
    before = forms.UUIDField(required=False, widget=forms.Select)
    after = forms.UUIDField(required=False, widget=forms.Select)

    def set_choices(self, options: list[CheckIn]) -> None:
        choices = [(str(checkin.public_id), _label(checkin)) for checkin in options]
        self.fields["before"].widget.choices = choices
        self.fields["after"].widget.choices = choices


def _label(checkin: CheckIn) -> str:
    return f"{timezone.localtime(checkin.measured_at):%d %b %Y, %H:%M}"


def _compare(request: HttpRequest) -> dict[str, Any]:
    """The comparison section: by default the oldest and newest check-ins with a photo of the pose."""
    form = CompareForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    pose = chosen.get("pose") or ProgressPhoto.Pose.FRONT
    options = list(checkins.checkins_with_photo(user=request.user, pose=pose)[:COMPARE_CHOICES])
    before, after = chosen.get("before"), chosen.get("after")
    if before is None and after is None and len(options) >= 2:
        before, after = options[-1].public_id, options[0].public_id
    wanted = [checkin_id for checkin_id in (before, after) if checkin_id is not None]
    photos = checkins.photos_of_pose(user=request.user, checkin_ids=wanted, pose=pose)
    sides = []
    for heading, checkin_id in (("Before", before), ("After", after)):
        photo = photos.get(checkin_id) if checkin_id else None
        sides.append(
            {
                "heading": heading,
                "photo": photo,
                "url": private_url(photo.file) if photo else None,
                "label": _label(photo.check_in) if photo else "",
            }
        )
    bound = CompareForm(
        initial={"pose": pose, "before": str(before or ""), "after": str(after or "")},
    )
    bound.set_choices(options)
    return {
        "compare_form": bound,
        "compare_sides": sides,
        "compare_pose": pose,
        "compare_options": len(options),
    }


def _rows(page_checkins: list[CheckIn]) -> list[dict[str, Any]]:
    """What the list shows of each check-in, from the prefetched metrics and photos."""
    rows = []
    for checkin in page_checkins:
        values = checkins.checkin_values(checkin)
        rows.append(
            {
                "checkin": checkin,
                "weight": values.get("weight"),
                "body_fat": values.get("body_fat"),
                "measurements": [
                    (kind.capitalize(), values[kind]) for kind in checkins.MEASUREMENT_KINDS if kind in values
                ],
                "photos": [
                    {"photo": photo, "url": private_url(photo.file)}
                    for photo in checkins.checkin_photos(checkin)
                ],
            }
        )
    return rows


def _render(request: HttpRequest, form: CheckInForm, *, status: int = 200) -> HttpResponse:
    page = Paginator(checkins.checkins_for_user(user=request.user), CHECKINS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "rows": _rows(list(page.object_list)), **_compare(request)}
    return render(request, "progress/checkins.html", context, status=status)


@GET_OR_POST
@member_page
def checkin_list(request: HttpRequest) -> HttpResponse:
    """Your check-ins, newest first, 20 a page; POST (multipart) records a new one with its photos."""
    if request.method != "POST":
        return _render(request, CheckInForm())
    form = CheckInForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        checkins.checkin_create(user=request.user, **form.service_arguments())
    except ValidationError as error:
        renamed = {f"measurements.{kind}": kind for kind in checkins.MEASUREMENT_KINDS}
        renamed.update({f"photos.{pose}": pose for pose in checkins.POSES})
        form_add_service_errors(form, error, renamed=renamed)
        return _render(request, form, status=400)
    except DomainError as error:  # a photo refused: 413 or 415 (or a damaged one, 400)
        fields = error.extra.get("fields") or {}
        for pose, problems in fields.items():
            if pose in form.fields:
                form.add_error(pose, problems)
        if not fields:
            form.add_error(None, error.message)
        return _render(request, form, status=error.status_code)
    messages.success(request, "Check-in recorded.")
    return redirect(reverse("progress:check-ins"))


@require_POST
@member_page
def checkin_remove(request: HttpRequest, checkin_id: uuid.UUID) -> HttpResponse:
    """Delete one of your check-ins, its measurements and its photos."""
    try:
        checkin = checkins.checkin_get_for_user(user=request.user, checkin_id=checkin_id)
    except NotFoundError:
        raise Http404("No such check-in.") from None
    checkins.checkin_delete(checkin=checkin)
    messages.success(request, f"Deleted the check-in of {_label(checkin)}.")
    return redirect(reverse("progress:check-ins"))
