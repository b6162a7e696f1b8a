"""The challenge pages: the list (filters, join buttons, a form to open a challenge) and one
challenge with its leaderboard.

Like the API (`community.challenge_views`) they only parse forms and call `community.challenges`
and `community.leaderboards`; a challenge you may not see is not found (404).
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import form_add_service_errors
from accounts.profile_pages import GET_OR_POST, member_page
from community import challenges, leaderboards
from community.models import Challenge
from fitai.errors import DomainError, NotFoundError

STATUS_FILTERS = [("", "All"), ("active", "Active"), ("upcoming", "Upcoming"), ("finished", "Finished")]
BOARD_SIZE = 25


class ChallengeForm(forms.Form):
    """A new challenge; the window, exercise and target rules are checked by `challenge_create`."""

    title = forms.CharField(max_length=120)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    type = forms.ChoiceField(label="Type", choices=Challenge.Type.choices)
    exercise = forms.CharField(
        max_length=120, required=False, help_text="For the one-exercise volume type: the exercise's slug."
    )
    start_date = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Ends", widget=forms.DateInput(attrs={"type": "date"}))
    target_value = forms.DecimalField(
        label="Target",
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text="Optional: workouts, kg, sets or days to reach.",
    )
    visibility = forms.ChoiceField(choices=Challenge.Visibility.choices, initial=Challenge.Visibility.PUBLIC)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "type": data["type"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "exercise_id": data.get("exercise") or None,
            "target_value": data.get("target_value"),
            "visibility": data["visibility"],
        }


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in challenges.Status.ALL else ""


def _list_url(status: str = "") -> str:
    return reverse("community:challenges") + (f"?status={status}" if status else "")


def _render_list(request: HttpRequest, form: ChallengeForm, *, status: int = 200) -> HttpResponse:
    chosen = _status_filter(request)
    today = challenges.today_of(request.user)
    listed = list(challenges.challenges_for_user(user=request.user, status=chosen or None, today=today)[:100])
    for challenge in listed:
        challenge.status = challenges.challenge_status(challenge, today)
    context = {
        "form": form,
        "challenges": listed,
        "status_filter": chosen,
        "status_filters": [(value, label, _list_url(value)) for value, label in STATUS_FILTERS],
    }
    return render(request, "community/challenges.html", context, status=status)


@GET_OR_POST
@member_page
def challenge_list(request: HttpRequest) -> HttpResponse:
    """The challenges you may see; POST opens a new one (verified e-mail) and enters you."""
    if request.method != "POST":
        return _render_list(request, ChallengeForm())
    form = ChallengeForm(request.POST)
    if not request.user.email_verified:
        form.add_error(None, "Confirm your e-mail address first: we sent you a link.")
        return _render_list(request, form, status=403)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    try:
        challenge = challenges.challenge_create(user=request.user, **form.service_arguments())
    except ValidationError as error:
        form_add_service_errors(form, error, renamed={"exercise_id": "exercise"})
        return _render_list(request, form, status=400)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_list(request, form, status=error.status_code)
    messages.success(request, f"Challenge opened: {challenge.title}. You are in.")
    return redirect("community:challenge", challenge_id=challenge.public_id)


def _visible(request: HttpRequest, challenge_id: uuid.UUID) -> Challenge:
    try:
        return challenges.challenge_get_visible(user=request.user, challenge_id=challenge_id)
    except NotFoundError:
        raise Http404("No such challenge.") from None


@member_page
def challenge_detail(request: HttpRequest, challenge_id: uuid.UUID) -> HttpResponse:
    """One challenge, its leaderboard (top 25 and your place) and a join button while it runs."""
    challenge = _visible(request, challenge_id)
    today = challenges.today_of(request.user)
    board = leaderboards.leaderboard_for_challenge(viewer=request.user, challenge=challenge, limit=BOARD_SIZE)
    entries = [{"standing": s, "user": board.users[s.user_id]} for s in board.entries]
    context = {
        "challenge": challenge,
        "status": challenges.challenge_status(challenge, today),
        "board": board,
        "entries": entries,
    }
    return render(request, "community/challenge_detail.html", context)


@require_POST
@member_page
def challenge_join(request: HttpRequest, challenge_id: uuid.UUID) -> HttpResponse:
    """Join from a button; back to where the button was."""
    try:
        challenge = challenges.challenge_get_joinable(user=request.user, challenge_id=challenge_id)
    except NotFoundError:
        raise Http404("No such challenge.") from None
    except DomainError as error:  # a moderator who sees the challenge but may not join it
        messages.error(request, error.message)
        return redirect("community:challenge", challenge_id=challenge_id)
    try:
        _, created = challenges.challenge_join(user=request.user, challenge=challenge)
    except DomainError as error:  # it has ended
        messages.error(request, error.message)
    else:
        if created:
            messages.success(request, f"You joined {challenge.title}.")
    target = request.POST.get("next", "")
    if target == "list":
        return redirect(_list_url())
    return redirect("community:challenge", challenge_id=challenge.public_id)
