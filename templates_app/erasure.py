"""What erasing a person means for programs: their programs, favourites and ratings go. Copies
others made stay (they are the copier's), with the link to the original cleared."""

from accounts.models import User
from fitai.erasure import ErasureResult
from templates_app.models import TemplateFavorite, TemplateRating, WorkoutTemplate

ERASED_MODELS = [WorkoutTemplate, TemplateFavorite, TemplateRating]


def templates_erase(user: User) -> ErasureResult:
    from django.db.models import F

    from templates_app.services import template_ratings_refresh

    result = ErasureResult()
    rated = list(TemplateRating.objects.filter(user=user).values_list("template_id", flat=True))
    favorited = list(TemplateFavorite.objects.filter(user=user).values_list("template_id", flat=True))
    result.add_deleted(TemplateRating.objects.filter(user=user).delete())
    result.add_deleted(TemplateFavorite.objects.filter(user=user).delete())
    WorkoutTemplate.objects.filter(pk__in=favorited).update(favorite_count=F("favorite_count") - 1)
    result.add(WorkoutTemplate, WorkoutTemplate.objects.filter(featured_by=user).update(featured_by=None))
    result.add_deleted(WorkoutTemplate.objects.filter(owner=user).delete())
    template_ratings_refresh(template_ids=rated)
    return result
