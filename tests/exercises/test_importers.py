"""Exercise imports: parsing and validating free-exercise-db and wger rows, and the idempotent command."""

import json
import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from exercises.importers import (
    FREE_EXERCISE_DB,
    WGER,
    ImportFormatError,
    exercises_import,
    html_to_blocks,
    parse,
    parse_wger_row,
)
from exercises.models import Equipment, Exercise
from tests.exercises.factories import ExerciseFactory

DATA = Path(__file__).parent / "data"
FREE_SAMPLE = DATA / "free_exercise_db_sample.json"
WGER_SAMPLE = DATA / "wger_sample.json"


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def by_id(result):
    return {record.source_id: record for record in result.records}


def run(path: Path, source: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_exercises", str(path), "--format", source, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts(output: str) -> dict[str, int]:
    totals = dict(re.findall(r"(created|updated|unchanged|skipped) (\d+)", output))
    assert len(totals) == 4, f"No totals line in the report:\n{output}"
    return {key: int(value) for key, value in totals.items()}


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- Parsing free-exercise-db --------------------------------------------------------------------


def test_free_exercise_db_row_becomes_a_normalised_record():
    record = by_id(parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB))["Barbell_Curl"]

    assert record.name == "Barbell Curl"
    assert record.name_key == "barbell curl"
    assert record.category == Exercise.Category.STRENGTH
    assert (record.difficulty, record.mechanics, record.force) == ("beginner", "isolation", "pull")
    assert record.primary_muscles == ("biceps",)
    assert record.secondary_muscles == ("forearms",)
    assert record.equipment == ("barbell",)
    assert record.instructions == ("Stand up with your torso upright.", "Curl the weights forward.")
    assert record.license == "Unlicense (public domain)"
    assert record.license_author == "free-exercise-db"
    assert [item["url"] for item in record.media] == [
        "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/Barbell_Curl/0.jpg",
        "https://raw.githubusercontent.com/yuhonas/free-exercise-db/main/exercises/Barbell_Curl/1.jpg",
    ]
    assert {item["type"] for item in record.media} == {"image"}


def test_free_exercise_db_vocabulary_maps_to_ours():
    records = by_id(parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB))

    clean = records["Clean_and_Jerk"]
    assert clean.category == Exercise.Category.OLYMPIC_WEIGHTLIFTING
    assert clean.difficulty == Exercise.Difficulty.ADVANCED  # "expert"
    assert clean.primary_muscles == ("front-delts",)  # "shoulders"
    # A muscle listed as primary is not repeated as secondary.
    assert clean.secondary_muscles == ("quadriceps", "lower-back", "middle-back")
    stretch = records["Adductor_Stretch"]
    assert (stretch.category, stretch.mechanics, stretch.force) == ("stretching", "", "")
    assert stretch.equipment == ()  # "other" is no equipment of ours.
    assert records["One-Arm_Kettlebell_Swings"].equipment == ("kettlebell",)
    assert records["Pushups"].equipment == ("bodyweight",)


def test_free_exercise_db_bad_rows_are_skipped_with_reasons():
    result = parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB)

    assert result.rows == 10
    assert len(result.records) == 5
    reasons = {(skip.row, skip.code): skip.reason for skip in result.skipped}
    assert reasons == {
        (6, "bad_name"): "missing name",
        (7, "bad_name"): "name longer than 120 characters",
        (8, "no_muscles"): "no primary muscle we can map (got 'wings')",
        (9, "bad_type"): "primaryMuscles is not a list",
        (10, "not_an_object"): "the entry is a str, not an object",
    }
    assert [skip.source_id for skip in result.skipped] == [
        "No_Name",
        "Too_Long",
        "Wing_Flap",
        "Typed_Wrong",
        "",
    ]


def test_unknown_muscle_is_left_out_and_counted():
    result = parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB)

    assert by_id(result)["One-Arm_Kettlebell_Swings"].primary_muscles == ("hamstrings",)
    assert result.ignored["muscle 'wings'"] == 1  # The skipped Wing Flap row is not counted.


def test_image_path_that_climbs_out_is_not_linked():
    result = parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB)

    media = by_id(result)["One-Arm_Kettlebell_Swings"].media
    assert [item["url"].rsplit("/exercises/", 1)[1] for item in media] == ["One-Arm_Kettlebell_Swings/0.jpg"]
    assert result.ignored["image path '../../etc/passwd'"] == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": 42}, "bad_name"),
        ({"name": "<b>Curl</b>"}, "bad_name"),
        ({"name": "!!!"}, "bad_name"),
        ({"id": None}, "bad_id"),
        ({"id": "../x y"}, "bad_id"),
        ({"category": "yoga"}, "bad_category"),
        ({"level": 3}, "bad_level"),
        ({"equipment": ["barbell"]}, "bad_type"),
        ({"instructions": ["Fine.", 7]}, "bad_type"),
        ({"instructions": ["x" * 2001]}, "too_long"),
        ({"primaryMuscles": None}, "no_muscles"),
    ],
)
def test_wrong_values_skip_the_row_instead_of_raising(change, code):
    row = load(FREE_SAMPLE)[0] | change

    result = parse([row], source=FREE_EXERCISE_DB)

    assert result.records == []
    assert [skip.code for skip in result.skipped] == [code]


def test_duplicate_ids_and_names_in_one_file_keep_the_first():
    first = load(FREE_SAMPLE)[0]
    rows = [
        first,
        first | {"name": "Curl, Barbell"},
        first | {"id": "Barbell_Curls", "name": "Barbell Curls"},
    ]

    result = parse(rows, source=FREE_EXERCISE_DB)

    assert [record.source_id for record in result.records] == ["Barbell_Curl"]
    assert [skip.reason for skip in result.skipped] == [
        "same id as row 1",
        "same name as row 1 (Barbell_Curl)",
    ]


@pytest.mark.parametrize(
    ("data", "source", "message"),
    [
        ({"results": []}, FREE_EXERCISE_DB, "JSON list of exercises; this one is a object"),
        ([], WGER, "object with a `results` list"),
        ({"results": {}}, WGER, "without a results list"),
    ],
)
def test_wrong_top_level_shape_is_a_format_error(data, source, message):
    with pytest.raises(ImportFormatError, match=re.escape(message)):
        parse(data, source=source)


# --- Parsing wger --------------------------------------------------------------------------------


def test_wger_result_keeps_english_and_its_license():
    record = by_id(parse(load(WGER_SAMPLE), source=WGER))["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a01"]

    assert record.source == WGER
    assert record.name == "SZ-Bar Curl"
    assert record.category == Exercise.Category.STRENGTH
    assert record.primary_muscles == ("biceps",)  # Biceps brachii and brachialis.
    assert record.secondary_muscles == ("front-delts",)
    assert record.equipment == ("ez-bar",)  # The gym mat is left out.
    assert (record.license, record.license_author) == ("CC-BY-SA 4", "alice")


def test_wger_html_description_becomes_plain_text_steps():
    record = by_id(parse(load(WGER_SAMPLE), source=WGER))["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a01"]

    assert record.description == "A classic for the biceps & brachialis."
    assert record.instructions == (
        "Hold the bar with an underhand grip.",
        "Curl it up \u2013 slowly.",
        "Lower it again.",
    )
    text = " ".join([record.description, *record.instructions])
    assert "<" not in text
    assert "stolen" not in text
    assert "display" not in text


def test_wger_paragraphs_become_steps_and_a_single_one_the_description():
    records = by_id(parse(load(WGER_SAMPLE), source=WGER))

    hip_thrust = records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a03"]
    assert (hip_thrust.description, hip_thrust.instructions) == (
        "",
        ("Shoulders on the bench.", "Drive your hips up."),
    )
    sprint = records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a04"]
    assert (sprint.description, sprint.instructions) == ("Row hard & fast for 30 seconds.", ())


def test_wger_without_english_is_skipped():
    result = parse(load(WGER_SAMPLE), source=WGER)

    assert [(skip.row, skip.code, skip.name) for skip in result.skipped] == [(2, "no_english", "")]
    assert result.skipped[0].source_id == "1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a02"


def test_wger_unknown_muscle_is_left_out_and_counted():
    result = parse(load(WGER_SAMPLE), source=WGER)

    hip_thrust = by_id(result)["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a03"]
    assert hip_thrust.primary_muscles == ("glutes",)
    assert hip_thrust.secondary_muscles == ("hamstrings",)
    assert result.ignored["muscle 'musculus imaginarius'"] == 1


def test_wger_categories_muscles_and_license_author_fallback():
    records = by_id(parse(load(WGER_SAMPLE), source=WGER))

    sprint = records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a04"]
    assert sprint.category == Exercise.Category.CARDIO
    assert sprint.secondary_muscles == ("traps", "calves")
    assert sprint.equipment == ("bodyweight",)
    assert (sprint.license, sprint.license_author) == ("CC0", "dora")  # The translation's author.
    crunch = records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a05"]
    assert crunch.primary_muscles == ("abdominals", "obliques")
    assert crunch.secondary_muscles == ()  # Serratus anterior has no muscle of ours.
    assert crunch.equipment == ("stability-ball",)
    assert (crunch.description, crunch.instructions) == ("", ())


def test_wger_media_keep_only_public_http_links():
    result = parse(load(WGER_SAMPLE), source=WGER)
    records = by_id(result)

    assert records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a01"].media == (
        {"type": "image", "url": "https://wger.de/media/exercise-images/74/curl.png", "title": "SZ-Bar Curl"},
    )
    assert records["1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a03"].media == ()
    assert result.ignored["image link 'javascript:alert(1)'"] == 1
    assert result.ignored["video link 'http://localhost:8000/media/video.mp4'"] == 1


def test_wger_row_without_license_is_skipped():
    row = load(WGER_SAMPLE)["results"][0] | {"license": None}

    result = parse({"results": [row]}, source=WGER)

    assert [skip.reason for skip in result.skipped] == ["no license"]


def test_wger_true_is_not_english():
    row = load(WGER_SAMPLE)["results"][0]
    row["translations"] = [translation | {"language": True} for translation in row["translations"]]

    with pytest.raises(ValueError, match="no English translation"):
        parse_wger_row(row, ignored=Counter())


@pytest.mark.parametrize(
    ("fragment", "blocks"),
    [
        ("<p>Up</p><SCRIPT type='x'>steal()</SCRIPT ><p>Down</p>", [("p", "Up"), ("p", "Down")]),
        ("<p>Safe</p><script>never closed", [("p", "Safe")]),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;Text</p>", [("p", "Text")]),
        ("<ul><li>One<br>line</li><li><p>Two</p></li></ul>", [("li", "One"), ("li", "line"), ("li", "Two")]),
        ("<p>5 &lt; 6 &amp; 7 &gt; 2</p>", [("p", "5 < 6 & 7 > 2")]),
        ("<p>Zero\u200bwidth\x00 and \u202eflipped</p>", [("p", "Zero width and flipped")]),
    ],
)
def test_html_to_blocks_keeps_only_text(fragment, blocks):
    assert html_to_blocks(fragment) == blocks


def test_absurdly_nested_html_skips_the_row():
    row = load(WGER_SAMPLE)["results"][0]
    row["translations"][1]["description"] = "<p" + "<" * 1500

    result = parse({"results": [row]}, source=WGER)

    assert [skip.code for skip in result.skipped] == ["bad_html"]


# --- Importing -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_exercises_with_their_relations_and_license():
    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert counts(output) == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 5}
    curl = Exercise.objects.get(source=FREE_EXERCISE_DB, source_id="Barbell_Curl")
    assert curl.slug == "barbell-curl"
    assert curl.status == Exercise.Status.APPROVED
    assert curl.instructions == ["Stand up with your torso upright.", "Curl the weights forward."]
    assert curl.license == "Unlicense (public domain)"
    assert list(curl.primary_muscles.values_list("slug", flat=True)) == ["biceps"]
    assert list(curl.secondary_muscles.values_list("slug", flat=True)) == ["forearms"]
    assert list(curl.equipment.values_list("slug", flat=True)) == ["barbell"]
    assert "row 8 “Wing Flap” (Wing_Flap): no primary muscle we can map (got 'wings')" in output


@pytest.mark.django_db
def test_wger_import_keeps_license_and_plain_text():
    output, _ = run(WGER_SAMPLE, WGER)

    assert counts(output) == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 1}
    curl = Exercise.objects.get(source=WGER, source_id="1f5a1a8c-9a6e-4d64-9b8e-6c1f1f0b7a01")
    assert (curl.license, curl.license_author) == ("CC-BY-SA 4", "alice")
    assert not any("<" in step for step in curl.instructions)
    assert "muscle 'musculus imaginarius' x1" in output


@pytest.mark.django_db
def test_second_run_creates_and_updates_nothing(django_assert_max_num_queries):
    run(FREE_SAMPLE, FREE_EXERCISE_DB)

    with django_assert_max_num_queries(12):  # Loads the library once; no query per unchanged row.
        output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert counts(output) == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 5}
    assert Exercise.objects.filter(source=FREE_EXERCISE_DB).count() == 5


@pytest.mark.django_db
def test_changed_entry_is_updated_and_keeps_its_status_and_slug(tmp_path):
    run(FREE_SAMPLE, FREE_EXERCISE_DB)
    curl = Exercise.objects.get(source_id="Barbell_Curl")
    Exercise.objects.filter(pk=curl.pk).update(status=Exercise.Status.REJECTED)
    rows = load(FREE_SAMPLE)
    rows[0] |= {"name": "Barbell Curl (Strict)", "equipment": "e-z curl bar", "secondaryMuscles": []}

    output, _ = run(write_json(tmp_path / "changed.json", rows), FREE_EXERCISE_DB)

    assert counts(output) == {"created": 0, "updated": 1, "unchanged": 4, "skipped": 5}
    curl.refresh_from_db()
    assert (curl.name, curl.name_key, curl.slug) == (
        "Barbell Curl (Strict)",
        "barbell curl strict",
        "barbell-curl",
    )
    assert curl.status == Exercise.Status.REJECTED
    assert list(curl.equipment.values_list("slug", flat=True)) == ["ez-bar"]
    assert not curl.secondary_muscles.exists()


@pytest.mark.django_db
def test_same_name_as_a_seed_exercise_is_skipped_as_a_duplicate():
    seed = ExerciseFactory(name="Pushup")

    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert counts(output)["skipped"] == 6
    assert "“Pushups” (Pushups): same name as the seed exercise “Pushup”" in output
    assert not Exercise.objects.filter(source=FREE_EXERCISE_DB, source_id="Pushups").exists()
    seed.refresh_from_db()
    assert (seed.source, seed.license) == (Exercise.Source.SEED, "")


@pytest.mark.django_db
def test_same_name_from_the_same_source_under_a_new_id_is_followed():
    old = ExerciseFactory(name="Barbell Curl", source=FREE_EXERCISE_DB, source_id="Old_Barbell_Curl")

    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert counts(output) == {"created": 4, "updated": 1, "unchanged": 0, "skipped": 5}
    old.refresh_from_db()
    assert old.source_id == "Barbell_Curl"
    assert list(old.primary_muscles.values_list("slug", flat=True)) == ["biceps"]


@pytest.mark.django_db
def test_a_seed_exercise_wins_over_an_older_import_with_the_same_name():
    ExerciseFactory(name="Pushups", source=FREE_EXERCISE_DB, source_id="Old_Pushups")
    ExerciseFactory(name="Pushup")

    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert "same name as the seed exercise “Pushup”" in output
    assert Exercise.objects.get(name="Pushups").source_id == "Old_Pushups"


@pytest.mark.django_db
def test_rename_onto_another_exercises_name_is_skipped(tmp_path):
    run(FREE_SAMPLE, FREE_EXERCISE_DB)
    ExerciseFactory(name="Strict Curl")
    rows = load(FREE_SAMPLE)
    rows[0]["name"] = "Strict Curls"

    output, _ = run(write_json(tmp_path / "renamed.json", rows), FREE_EXERCISE_DB)

    assert "(Barbell_Curl): renamed to the name of the seed exercise “Strict Curl”" in output
    assert Exercise.objects.get(source_id="Barbell_Curl").name == "Barbell Curl"


@pytest.mark.django_db
def test_deleted_or_rejected_exercises_do_not_block_a_name():
    ExerciseFactory(name="Pushups", slug="pushups-old", deleted_at=timezone.now())
    ExerciseFactory(name="Adductor Stretch", slug="adductor-stretch-old", status=Exercise.Status.REJECTED)

    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert counts(output)["created"] == 5


@pytest.mark.django_db
def test_slug_taken_by_another_exercise_gets_a_suffix():
    ExerciseFactory(name="Curl With A Barbell", slug="barbell-curl")
    ExerciseFactory(name="Curl With A Barbell Again", slug="barbell-curl-2")

    run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert Exercise.objects.get(source_id="Barbell_Curl").slug == "barbell-curl-3"


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    output, _ = run(FREE_SAMPLE, FREE_EXERCISE_DB, "--dry-run")

    assert counts(output) == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 5}
    assert "Dry run" in output
    assert not Exercise.objects.exists()
    assert not Exercise.primary_muscles.through.objects.exists()


@pytest.mark.django_db
def test_pending_status_is_given_to_created_exercises():
    run(WGER_SAMPLE, WGER, "--status", "pending")

    assert set(Exercise.objects.values_list("status", flat=True)) == {Exercise.Status.PENDING}


@pytest.mark.django_db
def test_progress_bar_goes_to_stderr():
    output, progress = run(FREE_SAMPLE, FREE_EXERCISE_DB)

    assert progress.endswith(f"\r[{'#' * 30}] 5/5\n")
    assert "[" not in output


@pytest.mark.django_db(transaction=True)
def test_batches_commit_one_by_one_and_bump_the_library_cache(monkeypatch):
    bumps = []
    monkeypatch.setattr("exercises.importers.library_changed", lambda: bumps.append(Exercise.objects.count()))

    report = exercises_import(parsed=parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB), batch_size=2)

    assert report.created == 5
    assert bumps == [2, 4, 5]  # After each batch's commit, with that batch's rows visible.


@pytest.mark.django_db
def test_dry_run_does_not_bump_the_library_cache(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        exercises_import(parsed=parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB), dry_run=True)

    assert callbacks == []


@pytest.mark.django_db
def test_mapped_slug_missing_from_the_catalog_skips_the_row():
    Equipment.objects.filter(slug="kettlebell").delete()

    report = exercises_import(parsed=parse(load(FREE_SAMPLE), source=FREE_EXERCISE_DB))

    assert report.created == 4
    assert [(skip.row, skip.code) for skip in report.skipped if skip.code == "not_in_catalog"] == [
        (4, "not_in_catalog")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        ('{"results": []}', "A free-exercise-db file is a JSON list of exercises; this one is a object"),
        ("[" * 100_000, "is not valid JSON|nests its JSON too deeply"),
    ],
)
def test_unreadable_file_is_a_command_error(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        run(path, FREE_EXERCISE_DB)


@pytest.mark.django_db
def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nope.json", WGER)
