"""The progress dashboard page: the same numbers as the analytics API, drawn as server-side SVG.

Only the signed-in member's own data; every chart reads the aggregates through
`progress.analytics`, so the page costs the same few queries as the API.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.charts import line_chart_svg
from accounts.profiles import user_today
from exercises.models import Muscle
from progress import analytics
from progress.aggregates import user_zone
from progress.charts import heatmap_svg, stacked_bars_svg

HEATMAP_WEEKS = 26
VOLUME_WEEKS = 12


@require_safe
@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    """Totals and streaks, strength per exercise, weekly volume by muscle group, body weight, a calendar."""
    user = request.user
    today = user_today(user=user)
    zone = user_zone(user)
    overview = analytics.progress_overview(user=user)
    frequency = analytics.analytics_frequency(user=user, weeks=VOLUME_WEEKS)
    strength = analytics.analytics_strength(user=user, limit=3)
    volume = analytics.analytics_volume(
        user=user,
        group_by="week",
        by="muscle",
        start=today - timedelta(weeks=VOLUME_WEEKS - 1, days=today.weekday()),
    )
    counts = analytics.daily_workout_counts(
        user=user, start=today - timedelta(weeks=HEATMAP_WEEKS), end=today
    )

    def moment(day) -> datetime:
        return datetime.combine(day, time(12), tzinfo=zone)

    strength_charts = [
        {
            "name": series["name"],
            "best": series["best_e1rm"],
            "trend": series["trend_kg_per_week"],
            "svg": line_chart_svg([(moment(p["date"]), p["e1rm"]) for p in series["points"]], unit="kg"),
        }
        for series in strength["exercises"]
    ]
    weights = [(point["measured_at"], point["weight_kg"]) for point in overview["body_weight"]["points"]]
    context = {
        "overview": overview,
        "frequency": frequency,
        "strength_charts": strength_charts,
        "volume_svg": stacked_bars_svg(volume["buckets"], groups=Muscle.Group.choices),
        "weight_svg": line_chart_svg(weights, unit="kg"),
        "heatmap_svg": heatmap_svg(counts, end=today, weeks=HEATMAP_WEEKS),
        "heatmap_weeks": HEATMAP_WEEKS,
        "volume_weeks": VOLUME_WEEKS,
    }
    return render(request, "progress/dashboard.html", context)
