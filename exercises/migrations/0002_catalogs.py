"""The muscle and equipment catalogs every exercise refers to."""

from django.db import migrations

MUSCLES = [
    # slug, name, region, analytics group
    ("chest", "Chest", "upper", "chest"),
    ("front-delts", "Front deltoids", "upper", "shoulders"),
    ("side-delts", "Side deltoids", "upper", "shoulders"),
    ("rear-delts", "Rear deltoids", "upper", "shoulders"),
    ("traps", "Trapezius", "upper", "back"),
    ("lats", "Latissimus dorsi", "upper", "back"),
    ("middle-back", "Middle back", "upper", "back"),
    ("lower-back", "Lower back", "core", "back"),
    ("neck", "Neck", "upper", "back"),
    ("biceps", "Biceps", "upper", "arms"),
    ("triceps", "Triceps", "upper", "arms"),
    ("forearms", "Forearms", "upper", "arms"),
    ("abdominals", "Abdominals", "core", "core"),
    ("obliques", "Obliques", "core", "core"),
    ("hip-flexors", "Hip flexors", "lower", "legs"),
    ("glutes", "Glutes", "lower", "legs"),
    ("quadriceps", "Quadriceps", "lower", "legs"),
    ("hamstrings", "Hamstrings", "lower", "legs"),
    ("adductors", "Adductors", "lower", "legs"),
    ("abductors", "Abductors", "lower", "legs"),
    ("calves", "Calves", "lower", "legs"),
]

EQUIPMENT = [
    ("barbell", "Barbell", "free_weight"),
    ("dumbbell", "Dumbbell", "free_weight"),
    ("kettlebell", "Kettlebell", "free_weight"),
    ("ez-bar", "EZ curl bar", "free_weight"),
    ("trap-bar", "Trap bar", "free_weight"),
    ("weight-plate", "Weight plate", "free_weight"),
    ("medicine-ball", "Medicine ball", "free_weight"),
    ("cable", "Cable machine", "machine"),
    ("machine", "Weight machine", "machine"),
    ("smith-machine", "Smith machine", "machine"),
    ("bodyweight", "Bodyweight", "bodyweight"),
    ("pull-up-bar", "Pull-up bar", "bodyweight"),
    ("dip-station", "Dip station", "bodyweight"),
    ("suspension-trainer", "Suspension trainer", "bodyweight"),
    ("resistance-band", "Resistance band", "accessory"),
    ("bench", "Bench", "accessory"),
    ("plyo-box", "Plyo box", "accessory"),
    ("stability-ball", "Stability ball", "accessory"),
    ("foam-roller", "Foam roller", "accessory"),
    ("jump-rope", "Jump rope", "accessory"),
    ("battle-ropes", "Battle ropes", "accessory"),
    ("sled", "Sled", "accessory"),
    ("treadmill", "Treadmill", "cardio"),
    ("stationary-bike", "Stationary bike", "cardio"),
    ("rowing-machine", "Rowing machine", "cardio"),
    ("elliptical", "Elliptical trainer", "cardio"),
    ("stair-climber", "Stair climber", "cardio"),
]


def create_catalogs(apps, schema_editor):
    Muscle = apps.get_model("exercises", "Muscle")
    Equipment = apps.get_model("exercises", "Equipment")
    for slug, name, region, group in MUSCLES:
        Muscle.objects.update_or_create(slug=slug, defaults={"name": name, "region": region, "group": group})
    for slug, name, kind in EQUIPMENT:
        Equipment.objects.update_or_create(slug=slug, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_initial")]

    operations = [migrations.RunPython(create_catalogs, migrations.RunPython.noop)]
