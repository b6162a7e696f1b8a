"""The coaching knowledge base the rules engine answers general questions from.

Written for FitAI: short, general training guidance that holds for healthy adults, never medical
advice. Each entry lists the words and phrases people use for its topic (synonyms, common
misspellings are left to the fuzzy match in `knowledge_search`). Entry order breaks ties, so keep
the broader entries after the specific ones.
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    title: str
    keywords: tuple[str, ...]
    answer: str


ENTRIES: tuple[KnowledgeEntry, ...] = (
    KnowledgeEntry(
        "progressive-overload",
        "Progressive overload",
        (
            "progressive overload",
            "overload",
            "progress",
            "get stronger",
            "add weight",
            "increase weight",
            "progression",
            "how much weight to add",
            "double progression",
        ),
        "Progressive overload means asking a little more of your body over time: more weight, more "
        "reps at the same weight, or more sets. A simple way is double progression: pick a rep range "
        "(say 8-12), stay at one weight until you hit the top of the range on every set with good "
        "form, then add the smallest jump available (about 2.5 kg on upper-body lifts, 5 kg on lower-"
        "body lifts) and build back up. Log every session so you know what to beat next time.",
    ),
    KnowledgeEntry(
        "reps-strength",
        "Rep ranges for strength",
        (
            "strength",
            "rep range strength",
            "stronger",
            "powerlifting",
            "heavy",
            "low reps",
            "1rm",
            "one rep max",
            "max strength",
        ),
        "For maximal strength most of your main-lift work sits at 1-6 reps per set with heavy loads "
        "(roughly 80-90 % of your one-rep max), 3-5 sets, and longer rests of 2-5 minutes. Keep one "
        "or two reps in reserve on most sets; save true max attempts for occasional tests. Lighter "
        "accessory work at 6-12 reps still helps by building muscle and protecting joints.",
    ),
    KnowledgeEntry(
        "reps-hypertrophy",
        "Rep ranges for muscle growth",
        (
            "hypertrophy",
            "muscle growth",
            "build muscle",
            "gain muscle",
            "bigger",
            "size",
            "bulk",
            "muscle mass",
            "rep range muscle",
            "how many reps",
        ),
        "Muscle grows across a wide range of loads as long as sets are taken close to failure. A "
        "practical target is 6-15 reps per set, finishing each set with 1-3 reps in reserve, and "
        "about 10-20 hard sets per muscle per week split over two or more sessions. Beginners "
        "grow well at the lower end of that volume; add sets only when progress stalls.",
    ),
    KnowledgeEntry(
        "reps-endurance",
        "Muscular endurance",
        ("endurance", "muscular endurance", "high reps", "stamina", "toning", "tone"),
        "For muscular endurance use lighter loads for 15-25 reps or timed sets, short rests of 30-60 "
        "seconds, and circuits that move from one muscle group to the next. What people call toning "
        "is building some muscle while losing some fat: lift with a hypertrophy approach and manage "
        "your food intake rather than chasing very high reps.",
    ),
    KnowledgeEntry(
        "fat-loss",
        "Training for fat loss",
        (
            "fat loss",
            "lose fat",
            "lose weight",
            "weight loss",
            "cut",
            "cutting",
            "burn fat",
            "calorie deficit",
            "slim down",
            "lean",
        ),
        "Fat loss comes from a sustained, moderate calorie deficit; training decides whether the "
        "weight you lose is mostly fat. Keep lifting with the same heavy compound exercises so you "
        "hold on to muscle, eat plenty of protein, add walking or cardio you enjoy, and aim to lose "
        "around 0.5-1 % of body weight per week. Faster than that usually costs muscle and energy.",
    ),
    KnowledgeEntry(
        "rest-between-sets",
        "Rest between sets",
        (
            "rest",
            "rest time",
            "rest between sets",
            "how long to rest",
            "rest period",
            "break between sets",
            "recovery between sets",
        ),
        "Rest long enough to repeat good-quality sets: 2-5 minutes on heavy compound lifts such as "
        "squats, deadlifts and presses, 1-2 minutes on isolation work, and 30-60 seconds in "
        "conditioning circuits. Shorter rest is not better for growth if it makes you drop reps; "
        "if you are short on time, pair non-competing exercises (a press with a row) as supersets.",
    ),
    KnowledgeEntry(
        "deload",
        "Deloads",
        (
            "deload",
            "deload week",
            "back off week",
            "take a week off",
            "burnout",
            "overtraining",
            "overreaching",
            "fatigue",
            "tired all the time",
        ),
        "A deload is a planned easy week: keep the same exercises but cut the number of sets by about "
        "half and the load by 10-20 %, or stop each set far from failure. Take one every 4-8 weeks, or "
        "sooner when performance drops for two sessions in a row, joints feel beaten up, sleep gets "
        "worse or motivation disappears. You come back fresher and usually stronger.",
    ),
    KnowledgeEntry(
        "warm-up",
        "Warming up",
        (
            "warm up",
            "warmup",
            "warm-up",
            "warming up",
            "before lifting",
            "mobility before",
            "ramp up",
            "warm up sets",
        ),
        "Start with 5 minutes of easy cardio to raise your temperature, a few dynamic moves for the "
        "joints you are about to use (leg swings, arm circles, hip openers), then ramp-up sets of the "
        "first lift: for example the empty bar for 10, then about 40 %, 60 % and 80 % of your working "
        "weight for 5, 3 and 1-2 reps. Later exercises for the same muscles need fewer warm-up sets.",
    ),
    KnowledgeEntry(
        "cool-down-stretching",
        "Stretching and cooling down",
        (
            "stretch",
            "stretching",
            "cool down",
            "cooldown",
            "flexibility",
            "mobility",
            "tight hamstrings",
            "static stretching",
        ),
        "Long static stretches are best done after training or as their own session: hold each stretch "
        "for 30-60 seconds and repeat a few times a week to gain range. Before lifting, prefer dynamic "
        "movement. Training through a full range of motion with control also improves flexibility. "
        "A cool-down of a few minutes of easy movement helps you feel better but is optional.",
    ),
    KnowledgeEntry(
        "sleep",
        "Sleep and recovery",
        ("sleep", "sleeping", "insomnia", "hours of sleep", "tired", "bedtime", "nap"),
        "Sleep is when most recovery happens. Aim for 7-9 hours a night at regular times; a dark, cool "
        "room and no heavy meals or caffeine late in the day help. After a short night, keep the "
        "session but reduce the volume or stop sets further from failure rather than chasing records. "
        "Persistent trouble sleeping is worth mentioning to a doctor.",
    ),
    KnowledgeEntry(
        "recovery",
        "Recovery between sessions",
        (
            "recovery",
            "recover",
            "rest day",
            "rest days",
            "how often train same muscle",
            "active recovery",
            "recovery time",
            "48 hours",
        ),
        "Most muscles recover from a hard session in 48-72 hours, so training each muscle two or three "
        "times a week works well. Rest days can be fully off or light activity such as walking or easy "
        "cycling. Signs you need more recovery: lifts going backwards, lingering soreness, poor sleep "
        "and low motivation. Fix sleep and food first, then reduce volume.",
    ),
    KnowledgeEntry(
        "protein",
        "Protein intake",
        (
            "protein",
            "how much protein",
            "protein intake",
            "protein shake",
            "whey",
            "grams of protein",
            "eat to build muscle",
            "diet for muscle",
        ),
        "A common general guideline for people who lift is about 1.6-2.2 g of protein per kg of body "
        "weight per day, spread over three to five meals with roughly 20-40 g each. Whole foods "
        "(meat, fish, eggs, dairy, legumes, tofu) cover it for most people; a shake is just a "
        "convenient food. If you have a kidney condition or another medical issue, ask a doctor or a "
        "registered dietitian for your own target.",
    ),
    KnowledgeEntry(
        "nutrition-basics",
        "Eating for training",
        (
            "nutrition",
            "diet",
            "calories",
            "carbs",
            "carbohydrates",
            "what to eat",
            "pre workout meal",
            "post workout meal",
            "meal timing",
            "food",
        ),
        "Total calories and protein over the day matter far more than timing. Carbohydrates fuel hard "
        "training, so eating a normal meal 1-3 hours before a session helps. After training, a meal "
        "with protein and carbohydrates within a few hours is plenty. For a personal plan, especially "
        "with a medical condition, see a registered dietitian.",
    ),
    KnowledgeEntry(
        "hydration",
        "Hydration",
        ("water", "hydration", "hydrate", "drink", "dehydrated", "electrolytes", "sweat"),
        "Drink regularly through the day so your urine stays pale, have some water during training, "
        "and more in the heat or in long sessions where you sweat a lot. For sessions longer than an "
        "hour of heavy sweating, a drink with some salt (electrolytes) helps.",
    ),
    KnowledgeEntry(
        "soreness-vs-injury",
        "Soreness versus injury",
        (
            "soreness",
            "sore",
            "doms",
            "muscle soreness",
            "sore after workout",
            "soreness or injury",
            "aching muscles",
            "stiff",
        ),
        "Normal training soreness (DOMS) is a dull, spread-out ache in the muscle that peaks one to two "
        "days after a session and fades within a few days; light movement helps. Warning signs are "
        "different: sharp or stabbing pain, pain in a joint, swelling, pain that gets worse during a "
        "set or lasts more than a week. Stop the movement that causes those and see a doctor or "
        "physiotherapist; I cannot diagnose injuries.",
    ),
    KnowledgeEntry(
        "plateau",
        "Breaking a plateau",
        (
            "plateau",
            "stuck",
            "stalled",
            "stall",
            "not progressing",
            "no progress",
            "cannot increase",
            "same weight for weeks",
            "hit a wall",
        ),
        "When a lift has not moved for three or four sessions, check the basics first: sleep, food and "
        "whether you are actually adding reps or weight. Then change one thing at a time: a short "
        "deload, a different rep range for a few weeks (for example 3x5 instead of 3x10), a variation "
        "of the lift (paused bench, front squat), or one more weekly set for that muscle. Beginners "
        "who stall on linear progress are ready for weekly instead of session-to-session increases.",
    ),
    KnowledgeEntry(
        "consistency",
        "Consistency and motivation",
        (
            "consistency",
            "consistent",
            "motivation",
            "motivated",
            "habit",
            "skip workouts",
            "lazy",
            "stick with it",
            "discipline",
            "missed workouts",
        ),
        "The plan you can follow for months beats the perfect plan you drop after three weeks. Pick a "
        "number of sessions you can keep even in a busy week, schedule them like appointments, and make "
        "the first minutes easy to start. Track your sessions: seeing a streak grow is motivating. A "
        "missed workout is not a failure; just do the next one.",
    ),
    KnowledgeEntry(
        "frequency",
        "How often to train",
        (
            "how often",
            "how many days",
            "days per week",
            "frequency",
            "times a week",
            "training split",
            "split",
            "full body",
            "upper lower",
            "push pull legs",
        ),
        "Two to four sessions a week is enough for excellent progress. With two or three days, full-body "
        "sessions hit every muscle often enough; with four, an upper/lower split works well; five or "
        "six days suit push/pull/legs. Choose the split that matches the days you can reliably train.",
    ),
    KnowledgeEntry(
        "beginner",
        "Starting out",
        (
            "beginner",
            "new to lifting",
            "just started",
            "start lifting",
            "first time gym",
            "novice",
            "where do i start",
            "getting started",
        ),
        "Start with two or three full-body sessions a week built on a squat or leg press, a hinge "
        "(Romanian deadlift or hip thrust), a push (bench or push-up) and a pull (row or pulldown), "
        "2-3 sets each at a weight you could lift a few more times. Add a little weight or a rep each "
        "session while form stays clean. Learn the movements before chasing numbers.",
    ),
    KnowledgeEntry(
        "cardio",
        "Cardio and conditioning",
        (
            "cardio",
            "conditioning",
            "running",
            "run",
            "cycling",
            "aerobic",
            "zone 2",
            "heart health",
            "endurance training",
            "treadmill",
            "rowing machine",
        ),
        "For health, aim for about 150 minutes a week of moderate cardio (you can talk but not sing) "
        "or 75 minutes of hard cardio, or a mix. Most of it can be easy, steady work, with one shorter "
        "harder session a week if you want more fitness. Cardio and lifting combine well: do them on "
        "separate days or put the one that matters most to you first.",
    ),
    KnowledgeEntry(
        "hiit",
        "Interval training",
        ("hiit", "intervals", "interval training", "sprints", "tabata", "circuit", "metcon"),
        "High-intensity intervals alternate short hard efforts (20 seconds to 2 minutes) with easy "
        "recovery. They are time-efficient but tiring: one or two sessions a week is plenty, on days "
        "away from heavy leg training. Warm up well first and build the number of intervals gradually.",
    ),
    KnowledgeEntry(
        "squat-form",
        "Squat form cues",
        (
            "squat form",
            "how to squat",
            "squat technique",
            "squat depth",
            "knees cave",
            "squat cues",
            "back squat form",
        ),
        "Squat cues: feet about shoulder width, toes slightly out; brace your core as if about to be "
        "punched, then sit down between your hips with knees tracking over your toes; keep your whole "
        "foot on the floor; go as deep as you can while your lower back stays neutral; drive up with "
        "chest and hips rising together. Film a set from the side to check depth and back position.",
    ),
    KnowledgeEntry(
        "bench-form",
        "Bench press form cues",
        (
            "bench form",
            "bench press form",
            "how to bench",
            "bench technique",
            "bench cues",
            "shoulder position bench",
            "bar path",
        ),
        "Bench cues: eyes under the bar, shoulder blades pulled back and down, a slight arch with "
        "glutes on the bench and feet planted; grip a little wider than shoulder width with wrists "
        "stacked over elbows; lower the bar under control to the lower chest with elbows around 45-70 "
        "degrees from your body; press up and slightly back. Use a spotter or safety arms for heavy sets.",
    ),
    KnowledgeEntry(
        "deadlift-form",
        "Deadlift form cues",
        (
            "deadlift form",
            "how to deadlift",
            "deadlift technique",
            "deadlift cues",
            "rounded back deadlift",
            "hip hinge",
            "hinge",
        ),
        "Deadlift cues: bar over the middle of your foot, shins close; hinge to grip just outside your "
        "legs; pull the slack out of the bar, chest up and back flat, lats tight; push the floor away "
        "and keep the bar against your legs; finish by standing tall, not leaning back; lower it the "
        "same way. If your lower back rounds, the weight is too heavy for now.",
    ),
    KnowledgeEntry(
        "overhead-press-form",
        "Overhead press form cues",
        (
            "overhead press form",
            "ohp form",
            "shoulder press form",
            "military press",
            "press overhead",
            "overhead press technique",
        ),
        "Overhead press cues: bar on the front of the shoulders, grip just outside shoulder width, "
        "forearms vertical; squeeze glutes and brace so your lower back does not arch; move your head "
        "back slightly, press straight up, then bring your head through so the bar ends over your "
        "mid-foot. Small jumps (1-2.5 kg) work best on this lift.",
    ),
    KnowledgeEntry(
        "row-pull-form",
        "Rows and pull-ups",
        (
            "row form",
            "pull up",
            "pullup",
            "pull-up",
            "chin up",
            "lat pulldown",
            "back training",
            "how to row",
            "first pull up",
        ),
        "For rows and pulldowns, lead with the elbows and squeeze your shoulder blades together; avoid "
        "jerking with your lower back. To earn a first pull-up, practise slow negatives (jump up, "
        "lower for 3-5 seconds), band-assisted reps and heavy pulldowns two or three times a week. "
        "Balance your pressing with at least as much pulling volume.",
    ),
    KnowledgeEntry(
        "breathing-bracing",
        "Breathing and bracing",
        ("breathing", "breathe", "bracing", "brace", "valsalva", "belt", "lifting belt", "core tight"),
        "For heavy lifts, take a big breath into your belly before each rep and brace your abs around "
        "it, hold it through the hardest part, and breathe out near the top. A belt gives your abs "
        "something to push against and is useful for heavy squats and deadlifts, but learn to brace "
        "without one first. For light sets, breathe steadily.",
    ),
    KnowledgeEntry(
        "rpe-rir",
        "Effort: RPE and reps in reserve",
        ("rpe", "rir", "reps in reserve", "failure", "to failure", "how hard", "intensity", "effort"),
        "Reps in reserve (RIR) is how many more reps you could have done; RPE 8 means about two left. "
        "Most working sets are best at 1-3 RIR. Going to failure on every set adds fatigue faster than "
        "it adds results, especially on heavy compound lifts; keep failure for the last set of safe "
        "isolation exercises.",
    ),
    KnowledgeEntry(
        "volume",
        "Training volume",
        (
            "volume",
            "how many sets",
            "sets per week",
            "weekly sets",
            "sets per muscle",
            "too much volume",
            "junk volume",
        ),
        "Count hard sets per muscle per week: around 10 is a solid start, 10-20 suits most intermediate "
        "lifters, and more is rarely needed. Spread them over at least two sessions, since past about "
        "8-10 hard sets for one muscle in one session extra sets do little. Increase volume slowly and "
        "only when progress stalls and you are recovering well.",
    ),
    KnowledgeEntry(
        "compound-isolation",
        "Compound and isolation exercises",
        (
            "compound",
            "isolation",
            "exercise order",
            "which exercise first",
            "accessory",
            "accessories",
            "big lifts",
        ),
        "Put compound lifts (squats, presses, rows, deadlifts) first in the session while you are "
        "fresh: they train several muscles at once with heavy loads. Follow them with isolation "
        "exercises (curls, raises, extensions) for the muscles you want to bring up.",
    ),
    KnowledgeEntry(
        "tracking",
        "Tracking your training",
        (
            "track",
            "tracking",
            "log",
            "logging",
            "training log",
            "measure progress",
            "progress photos",
            "weigh myself",
        ),
        "Log each set's weight and reps so every session has a number to beat; FitAI does that and "
        "keeps your records. For body composition, weigh yourself a few times a week at the same time "
        "and watch the weekly average, since daily weight swings by 1-2 kg with water and food. "
        "Measurements and photos every few weeks show what the scale hides.",
    ),
    KnowledgeEntry(
        "home-training",
        "Training with little equipment",
        (
            "home workout",
            "no equipment",
            "bodyweight",
            "body weight exercises",
            "no gym",
            "at home",
            "resistance bands",
            "calisthenics",
        ),
        "Without a gym, progress by making bodyweight exercises harder: slower reps, pauses, more "
        "reps, single-leg or single-arm versions (split squats, pistol progressions, archer push-ups), "
        "and less leverage. A pair of adjustable dumbbells or bands plus a pull-up bar covers almost "
        "every muscle. Take sets close to failure, since the loads are lighter.",
    ),
    KnowledgeEntry(
        "age-and-training",
        "Training at any age",
        ("older", "over 40", "over 50", "age", "senior", "getting older", "too old"),
        "Strength training helps at every age: it keeps muscle, bone and balance. Older lifters do "
        "well with the same principles, a longer warm-up, a little more recovery between hard "
        "sessions and a focus on controlled form. If you have a heart condition or another medical "
        "issue, get your doctor's go-ahead before starting.",
    ),
    KnowledgeEntry(
        "supplements",
        "Supplements",
        ("supplement", "supplements", "creatine", "pre workout", "bcaa", "caffeine"),
        "Most supplements add little to good food, sleep and training. Creatine monohydrate is the "
        "best studied for strength and muscle, and caffeine can improve performance; protein powder is "
        "simply food. Check with a doctor or pharmacist before taking any supplement if you have a "
        "medical condition or take medication.",
    ),
)

_WORDS = re.compile(r"[a-z0-9%]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "should",
        "so",
        "the",
        "to",
        "what",
        "when",
        "which",
        "why",
        "with",
        "you",
        "your",
        "am",
        "was",
        "we'll",
        "will",
        "would",
        "this",
        "that",
        "there",
        "get",
    ]
)
# A match on a phrase of several words is worth more than a lone word that may mean something else.
PHRASE_WEIGHT = 2.0
WORD_WEIGHT = 1.0
FUZZY_WORD_THRESHOLD = 85
MIN_SCORE = 1.0


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def words_of(text: str) -> list[str]:
    """Lower-case words of `text`, with one plural "s" dropped from longer words ("press" stays)."""
    return [_singular(word) for word in _WORDS.findall(text.lower())]


def _word_matches(word: str, message_words: set[str]) -> bool:
    if word in message_words:
        return True
    if len(word) < 5:
        return False
    return any(len(other) >= 4 and fuzz.ratio(word, other) >= FUZZY_WORD_THRESHOLD for other in message_words)


def _entry_score(entry: KnowledgeEntry, message_words: set[str], message_text: str) -> float:
    score = 0.0
    for keyword in entry.keywords:
        keyword_words = words_of(keyword)
        if len(keyword_words) > 1:
            if f" {' '.join(keyword_words)} " in f" {message_text} ":
                score += PHRASE_WEIGHT * len(keyword_words) / 2
            elif all(_word_matches(word, message_words) for word in keyword_words if word not in STOPWORDS):
                score += PHRASE_WEIGHT / 2
        elif (
            keyword_words
            and keyword_words[0] not in STOPWORDS
            and _word_matches(keyword_words[0], message_words)
        ):
            score += WORD_WEIGHT
    return score


def knowledge_search(text: str, *, limit: int = 2) -> list[KnowledgeEntry]:
    """The entries that fit `text` best, best first; empty when none reaches the minimum score."""
    message_words = words_of(text)
    message_text = " ".join(message_words)
    content_words = {word for word in message_words if word not in STOPWORDS}
    scored = [
        (score, -index, entry)
        for index, entry in enumerate(ENTRIES)
        if (score := _entry_score(entry, content_words, message_text)) >= MIN_SCORE
    ]
    scored.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [entry for _, _, entry in scored[:limit]]
