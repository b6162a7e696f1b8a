"""Query filters of the library lists (django-filter): bad values are a 400, never a 500."""

import django_filters
from django.db.models import Q, QuerySet

from exercises.models import Equipment, Exercise, Muscle
from exercises.selectors import ORDERINGS


class ExerciseFilter(django_filters.FilterSet):
    muscle = django_filters.ModelChoiceFilter(
        queryset=Muscle.objects.all(), to_field_name="slug", method="filter_muscle", help_text="Muscle slug."
    )
    equipment = django_filters.ModelChoiceFilter(
        queryset=Equipment.objects.all(),
        to_field_name="slug",
        method="filter_equipment",
        help_text="Equipment slug.",
    )
    category = django_filters.ChoiceFilter(choices=Exercise.Category.choices)
    difficulty = django_filters.ChoiceFilter(choices=Exercise.Difficulty.choices)
    mechanics = django_filters.ChoiceFilter(choices=Exercise.Mechanics.choices)
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS], method="filter_noop", help_text="Prefix - for descending."
    )

    class Meta:
        model = Exercise
        fields = ["muscle", "equipment", "category", "difficulty", "mechanics"]

    def filter_muscle(self, queryset: QuerySet[Exercise], name: str, muscle: Muscle) -> QuerySet[Exercise]:
        primary = Exercise.primary_muscles.through.objects.filter(muscle=muscle).values("exercise_id")
        secondary = Exercise.secondary_muscles.through.objects.filter(muscle=muscle).values("exercise_id")
        return queryset.filter(Q(pk__in=primary) | Q(pk__in=secondary))

    def filter_equipment(
        self, queryset: QuerySet[Exercise], name: str, item: Equipment
    ) -> QuerySet[Exercise]:
        return queryset.filter(
            pk__in=Exercise.equipment.through.objects.filter(equipment=item).values("exercise_id")
        )

    def filter_noop(self, queryset: QuerySet[Exercise], name: str, value: str) -> QuerySet[Exercise]:
        """Ordering is applied by the view after filtering and searching."""
        return queryset
