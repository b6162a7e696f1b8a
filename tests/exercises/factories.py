"""Factories for the exercise library tests."""

import factory

from exercises.models import Equipment, Exercise, Muscle
from exercises.text import name_key, slug_for


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Movement {n}")
    slug = factory.LazyAttribute(lambda o: slug_for(o.name))
    name_key = factory.LazyAttribute(lambda o: name_key(o.name))
    instructions = factory.LazyFunction(lambda: ["Brace.", "Move.", "Return."])
    status = Exercise.Status.APPROVED
    source = Exercise.Source.SEED
    category = Exercise.Category.STRENGTH
    difficulty = Exercise.Difficulty.BEGINNER

    @factory.post_generation
    def muscles(self, create, extracted, **kwargs):
        """`ExerciseFactory(muscles=["chest"])`: primary muscles by slug (chest by default)."""
        if create:
            self.primary_muscles.set(Muscle.objects.filter(slug__in=extracted or ["chest"]))

    @factory.post_generation
    def gear(self, create, extracted, **kwargs):
        """`ExerciseFactory(gear=["barbell"])`: equipment by slug."""
        if create and extracted:
            self.equipment.set(Equipment.objects.filter(slug__in=extracted))
