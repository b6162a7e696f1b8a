"""Who may see which program, and the querysets behind lists and the full nested detail.

Every read of a program goes through `templates_visible_to`: yours, public ones, friends-visible
ones of your friends — never anything of someone who blocked you or whom you blocked.
"""

from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.friendships import accepted_between, blocked_between
from accounts.models import Friendship, User
from exercises.models import Equipment
from fitai.api.permissions import MODERATOR, user_has_role
from fitai.errors import NotFoundError
from templates_app.models import (
    TemplateDay,
    TemplateExercise,
    TemplateFavorite,
    TemplateRating,
    Visibility,
    WorkoutTemplate,
)

ORDERINGS = {
    "rating": ("rating_score", "-created_at"),
    "-rating": ("-rating_score", "-created_at"),
    "favorites": ("favorite_count", "-created_at"),
    "-favorites": ("-favorite_count", "-created_at"),
    "uses": ("use_count", "-created_at"),
    "-uses": ("-use_count", "-created_at"),
    "created": ("created_at",),
    "-created": ("-created_at",),
    "name": ("name", "-created_at"),
    "-name": ("-name", "-created_at"),
}


def templates_visible_to(*, user: User) -> QuerySet[WorkoutTemplate]:
    """The programs `user` may see, as one SQL query with the friendship tests as subqueries."""
    friends = Exists(Friendship.objects.filter(accepted_between(user, OuterRef("owner_id"))))
    blocked = Exists(Friendship.objects.filter(blocked_between(user, OuterRef("owner_id"))))
    shared = Q(visibility=Visibility.PUBLIC) | (Q(visibility=Visibility.FRIENDS) & friends)
    return WorkoutTemplate.objects.alive().filter(Q(owner=user) | (~blocked & shared))


def template_get_visible(*, user: User, template_id: UUID | str) -> WorkoutTemplate:
    """One program the user may see, with its owner; anything else is simply not found."""
    try:
        public_id = UUID(str(template_id))
    except ValueError:
        raise NotFoundError("No such program.") from None
    template = templates_visible_to(user=user).select_related("owner").filter(public_id=public_id).first()
    if template is None:
        raise NotFoundError("No such program.")
    return template


def template_get_deletable(*, user: User, template_id: UUID | str) -> WorkoutTemplate:
    """What DELETE may act on: moderators reach every live program whatever its visibility (API.md:
    owner or moderator), so abuse in a private or friends-only program can be removed; anyone else
    only what they may see, the rest is not found."""
    if not user_has_role(user, MODERATOR):
        return template_get_visible(user=user, template_id=template_id)
    try:
        public_id = UUID(str(template_id))
    except ValueError:
        raise NotFoundError("No such program.") from None
    template = WorkoutTemplate.objects.alive().select_related("owner").filter(public_id=public_id).first()
    if template is None:
        raise NotFoundError("No such program.")
    return template


def with_program(templates: QuerySet[WorkoutTemplate]) -> QuerySet[WorkoutTemplate]:
    """The whole nested program in four queries, however many days, exercises and sets it has."""
    exercises = TemplateExercise.objects.select_related("exercise").prefetch_related("sets").order_by("order")
    return templates.select_related("owner", "forked_from").prefetch_related(
        Prefetch(
            "days",
            queryset=TemplateDay.objects.order_by("index").prefetch_related(
                Prefetch("exercises", queryset=exercises)
            ),
        ),
        Prefetch("required_equipment", queryset=Equipment.objects.order_by("name")),
    )


def with_summary(templates: QuerySet[WorkoutTemplate]) -> QuerySet[WorkoutTemplate]:
    """What a list row shows: the owner and the equipment needed, no nesting."""
    return templates.select_related("owner").prefetch_related(
        Prefetch("required_equipment", queryset=Equipment.objects.order_by("name"))
    )


def templates_filtered(
    templates: QuerySet[WorkoutTemplate],
    *,
    goal: str | None = None,
    difficulty: str | None = None,
    days_per_week: int | None = None,
    equipment: list[str] | None = None,
    q: str | None = None,
) -> QuerySet[WorkoutTemplate]:
    """`equipment` is what the user owns: keep programs that need nothing else."""
    if goal:
        templates = templates.filter(goal=goal)
    if difficulty:
        templates = templates.filter(difficulty=difficulty)
    if days_per_week:
        templates = templates.filter(days_per_week=days_per_week)
    if equipment is not None:
        missing = Equipment.objects.exclude(slug__in=equipment)
        templates = templates.exclude(required_equipment__in=missing)
    if q:
        templates = templates.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return templates


def templates_ordered(
    templates: QuerySet[WorkoutTemplate], ordering: str | None
) -> QuerySet[WorkoutTemplate]:
    return templates.order_by(*ORDERINGS.get(ordering or "-created", ORDERINGS["-created"]), "pk")


def viewer_marks(*, user: User, template: WorkoutTemplate) -> tuple[bool, TemplateRating | None]:
    """Whether the user favourited the program, and their rating of it."""
    is_favorite = TemplateFavorite.objects.filter(template=template, user=user).exists()
    rating = TemplateRating.objects.filter(template=template, user=user).first()
    return is_favorite, rating
