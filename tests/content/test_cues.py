"""The cue checker catches planted content-blind shortcuts and passes a balanced quiz."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.content.catalog import read_quiz_files
from app.content.cue_strategies import FEATURES, Strategy, outcome
from app.content.cue_words import WordModel, words
from app.content.cues import ALL_RULES, BALANCE, HIT_RATE, PASS_MARK, WORDS, check_cues, main
from app.content.schema import Choice, Scenario
from tests.conftest import FIXTURE_COURSE

PLANTED = "quizzes/00-first-steps.yaml"
Option = tuple[str, int]


def quiz_yaml(scenarios: list[list[Option]], pass_mark: int = 80) -> str:
    """A quiz for the fixture's first module, one scenario per list of (text, points)."""
    lines = ["module: first-steps", f"pass_mark: {pass_mark}", "scenarios:"]
    for n, options in enumerate(scenarios):
        lines += [f"  - id: s{n}", f"    title: Scenario {n}", "    situation: Something happens."]
        lines += ["    choices:"]
        for k, (text, points) in enumerate(options):
            lines += [f"      - id: c{k}", f"        text: {text!r}"]
            lines += [f"        points: {points}", "        feedback: Because."]
    return "\n".join(lines).replace("\\'", "''") + "\n"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The fixture course's lessons and quizzes: the figures below are of the planted quizzes."""
    shutil.copytree(
        FIXTURE_COURSE, tmp_path / "course", ignore=shutil.ignore_patterns("refreshers")
    )
    return tmp_path / "course"


def plant(course: Path, scenarios: list[list[Option]], pass_mark: int = 80) -> None:
    (course / PLANTED).write_text(quiz_yaml(scenarios, pass_mark), encoding="utf-8")


def only(course: Path, rule: str) -> list[str]:
    return [str(p) for p in check_cues(course, frozenset({rule}))]


# The best option is always the one asking a question; lengths and the rest are even.
QUESTION_CUE = [
    [
        ("Say: is this the right call?", 2),
        ("Note it down for later", 1),
        ("Move on to item two", 0),
    ],
    [
        ("Ask: who else can help?", 2),
        ("Wait for the next meeting", 1),
        ("Leave it to the chair", 0),
    ],
    [
        ("Check: does she want that?", 2),
        ("Send a summary to the team", 1),
        ("Drop the subject now", 0),
    ],
    [("Query it: why the change?", 2), ("Write to the lead after", 1), ("Accept the decision", 0)],
    [("Put it to her: next steps?", 2), ("Book a follow-up slot", 1), ("Let the meeting close", 0)],
]
# The best option is the longest in three of five scenarios and plain otherwise.
LONGEST_CUE = [
    [("Hand the floor back to her and let her finish the plan", 2), ("Nod", 1), ("Move on", 0)],
    [("Put her name on the slide next to the idea she raised", 2), ("Smile", 1), ("Sit", 0)],
    [("Forward her report to the director with her name on top", 2), ("Wait", 1), ("Go", 0)],
    [
        ("Credit her", 2),
        ("Send the team a long summary of everything said today", 0),
        ("Wait a bit", 1),
    ],
    [
        ("Book the room", 2),
        ("Tell the chair at length about the agenda and timings", 0),
        ("Leave it", 1),
    ],
]
# The best option is always the second longest: no feature, neither longest nor shortest.
SECOND_LONGEST_CUE = [
    [
        ("Hand the floor back to her", 2),
        ("Nod along and then move to the next item", 0),
        ("Sit", 1),
    ],
    [
        ("Put her name on the slide", 2),
        ("Send the whole team a recap of the meeting", 1),
        ("Go", 0),
    ],
    [("Forward her report on", 2), ("Wait until the next quarterly review meeting", 0), ("Nod", 1)],
    [("Credit her by name", 2), ("Leave it for the chair to sort out later", 1), ("Wait", 0)],
    [("Book her the room", 2), ("Tell the chair at length about the timings", 0), ("Pass", 1)],
]
# Quoted speech only ever in the weaker options: a cue too, by its absence.
QUOTES_ONLY_WEAK = [
    [("Pass her the marker", 2), ('Say "great point"', 1), ("Let it go by", 0)],
    [("Move her item up", 2), ('Say "let us park it"', 0), ("Email the chair", 1)],
    [("Add her to the invite", 2), ("Ask the team later", 1), ('Say "next time"', 0)],
    [("Open with her data", 2), ('Tell him "well done"', 0), ("Read her notes", 1)],
]
# Features in best and weaker options alike; no length or position pattern.
BALANCED = [
    [
        ("Pass her the marker and wait for her", 2),
        ('Say "great point" and move on', 0),
        ("Ask the chair later?", 1),
    ],
    [
        ('Say "Lena, go on" to the room', 2),
        ("Move her item to the end of the agenda", 0),
        ("Wait a while", 1),
    ],
    [
        ("Ask her first: raise it?", 2),
        ('Tell him "well done" anyway', 1),
        ("Drop it and get on with the sprint work", 0),
    ],
    [("Read her notes", 2), ("Check with her: next week?", 0), ('Say "sounds fine" to all', 1)],
    [
        ("Change the agenda order today", 2),
        ("Note it privately in your own file", 1),
        ('Reply "noted?" to him', 0),
    ],
    [
        ('Quote her words: "the bay plan"', 2),
        ("Forward the plan, unsigned", 0),
        ("Ask Bo: why?", 1),
    ],
]


def test_question_cue_breaks_hit_rate_naming_file_and_rule(course: Path) -> None:
    plant(course, QUESTION_CUE)
    found = only(course, HIT_RATE)
    assert any(p.startswith(f"{PLANTED}:") and "cue rule hit-rate" in p for p in found), found
    assert any("“question" in p and "To fix:" in p for p in found)


def test_longest_cue_breaks_hit_rate_while_quiz_stays_below_pass_mark(course: Path) -> None:
    plant(course, LONGEST_CUE)
    found = only(course, HIT_RATE)
    assert any(p.startswith(f"{PLANTED}:7: scenarios[0].choices: cue rule hit-rate") for p in found)
    assert only(course, PASS_MARK) == []


def test_second_longest_cue_breaks_hit_rate_and_pass_mark(course: Path) -> None:
    plant(course, SECOND_LONGEST_CUE)
    found = only(course, HIT_RATE)
    assert any("“second longest”" in p and "length rank" in p for p in found), found
    assert any("“second longest”" in p for p in only(course, PASS_MARK))


@pytest.mark.parametrize(
    ("step", "lengths", "left"),
    [
        ("second longest", [30, 10, 20, 5], [2]),
        ("second shortest", [30, 10, 20, 5], [1]),
        ("second longest", [10, 10, 4], [2]),  # two lengths: the second longest is the shorter
        ("second shortest", [7], [0]),  # one option left: it is every rank
    ],
)
def test_length_ranks_pick_by_distinct_length(
    step: str, lengths: list[int], left: list[int]
) -> None:
    assert Strategy((step,)).pick(["x" * n for n in lengths]) == left


def test_question_cue_reaches_the_pass_mark_at_the_pass_mark_line(course: Path) -> None:
    plant(course, QUESTION_CUE)
    found = only(course, PASS_MARK)
    assert len(found) == 1 and found[0].startswith(f"{PLANTED}:2: pass_mark: cue rule pass-mark")
    assert "scores 100%" in found[0] and "pass mark of 80%" in found[0]


def test_random_answers_reaching_the_pass_mark_is_reported(course: Path) -> None:
    plant(course, BALANCED, pass_mark=30)
    found = only(course, PASS_MARK)
    assert (
        len(found) == 1 and "random answers score" in found[0] and "raise `pass_mark`" in found[0]
    )


def test_quotes_only_in_weaker_options_break_balance(course: Path) -> None:
    plant(course, QUOTES_ONLY_WEAK)
    found = only(course, BALANCE)
    assert len(found) == 1, found
    assert found[0].startswith(f"{PLANTED}:7: scenarios[0].choices: cue rule balance")
    assert "quoted speech is in 0% of the course's best options" in found[0]


def test_questions_only_in_best_options_break_balance(course: Path) -> None:
    plant(course, QUESTION_CUE)
    found = only(course, BALANCE)
    assert [p for p in found if "question is in" in p and p.startswith(PLANTED)]


def test_balanced_quiz_passes_every_rule(course: Path) -> None:
    plant(course, BALANCED)
    assert check_cues(course, ALL_RULES) == []


def test_fixture_course_passes_every_rule() -> None:
    assert check_cues(FIXTURE_COURSE, ALL_RULES) == []


def test_best_always_first_is_reported_but_not_enforced(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    always_first = [[(t, p) for t, p in s] for s in BALANCED]
    for options in always_first:
        options.sort(key=lambda option: -option[1])
    plant(course, always_first)
    assert check_cues(course, ALL_RULES) == []
    assert main([str(course)]) == 0
    report = capsys.readouterr().out
    assert "100%  passes  2 of 2  first" in report
    assert "first/last are reported, not enforced: options are shuffled" in report


@pytest.fixture
def content_env(course: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(course))
    get_settings.cache_clear()
    yield course
    get_settings.cache_clear()


def test_cli_check_with_cue_rules_fails_on_planted_quiz(content_env: Path) -> None:
    plant(content_env, QUESTION_CUE)
    relaxed = CliRunner().invoke(cli, ["check", "--no-cue-rules"])
    assert relaxed.exit_code == 0 and "Not enforced yet" in relaxed.output
    strict = CliRunner().invoke(cli, ["check", "--cue-rules"])
    assert strict.exit_code == 1
    for rule in ("hit-rate", "pass-mark", "balance"):
        assert f"{PLANTED}:" in strict.output and f"cue rule {rule}" in strict.output


def test_cli_check_with_cue_rules_passes_balanced_quiz(content_env: Path) -> None:
    plant(content_env, BALANCED)
    result = CliRunner().invoke(cli, ["check", "--cue-rules"])
    assert result.exit_code == 0, result.output
    assert "OK: 2 modules, 7 scenarios" in result.output


def test_report_prints_course_and_quiz_figures(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant(course, QUESTION_CUE)
    assert main([str(course)]) == 1
    out = capsys.readouterr().out
    assert f"{PLANTED}: pool 5, draw 6, pass mark 80%" in out
    assert "question: in 5 of 6 best options" in out
    assert "cue rule hit-rate" in out


def scenario(*options: Option) -> Scenario:
    choices = [
        Choice(id=f"c{k}", text=t, points=p, feedback="f") for k, (t, p) in enumerate(options)
    ]
    return Scenario(id="s", title="t", situation="s", choices=choices)


@pytest.mark.parametrize(
    ("steps", "options", "hit", "points"),
    [
        (("quoted speech",), [('"A"', 2), ("“B”", 0), ("C", 1)], 0.5, 1.0),
        (("quoted speech", "longest"), [('"A"', 2), ("“Bbbb”", 0), ("C", 1)], 0.0, 0.0),
        (("question",), [("A", 2), ("B", 0), ("C", 1)], 1 / 3, 1.0),
        (("ask/privately", "shortest"), [("Ask her", 2), ("Go", 0), ("ask Bo now", 1)], 1.0, 2.0),
        (("first",), [("A", 0), ("B", 2), ("C", 1)], 0.0, 0.0),
        (("last",), [("A", 0), ("B", 1), ("C", 2), ("D", 2)], 1.0, 2.0),
    ],
)
def test_ties_count_the_expected_hit(
    steps: tuple[str, ...], options: list[Option], hit: float, points: float
) -> None:
    found = outcome(Strategy(steps), scenario(*options))
    assert found.hit == pytest.approx(hit) and found.points == pytest.approx(points)


@pytest.mark.parametrize(
    ("feature", "text", "has"),
    [
        ("quoted speech", 'Say "go on"', True),
        ("quoted speech", "Say “go on”", True),
        ("quoted speech", "Say \u2018I don\u2019t mind\u2019 to him", True),
        ("quoted speech", "Say 'I'd like that' to him", True),
        ("quoted speech", "Lerato\u2019s idea, the students' work", False),
        ("question", "Why not?", True),
        ("ask/privately", "ASK her first", True),
        ("ask/privately", "Talk to her Privately", True),
        ("ask/privately", "Finish the task; she asked", False),
    ],
)
def test_features_match_words_and_quotes(feature: str, text: str, has: bool) -> None:
    assert FEATURES[feature](text) is has


def _word_cue_quiz(module: str, best_word: str, weak_word: str = "") -> str:
    """25 scenarios whose best option, alone, says `best_word`; lengths and features even."""
    rows = [
        [
            (f"Hand it over {best_word} today", 2),
            ("Send a short note later", 1),
            ("Let it go on", 0),
        ],
        [
            (f"Book the room {best_word} now", 2),
            ("Wait for the next one", 1),
            ("Leave it to Bo", 0),
        ],
        [
            (f"Name her work {best_word} here", 2),
            ("Email the lead after", 1),
            ("Move on quickly", 0),
        ],
        [
            (f"Ask the chair {best_word} first", 2),
            ("Think about it more", 1),
            ("Do nothing else", 0),
        ],
        [(f"Open with her {best_word} plan", 2), ("Read her notes later", 1), ("Skip the item", 0)],
    ]
    # Enough scenarios for the model to learn from (cue_words.LEAST_TO_LEARN_FROM).
    many = [
        [(f"{t} {weak_word} ({n})" if p < 2 else f"{t} ({n})", p) for t, p in row]
        for n in range(5)
        for row in rows
    ]
    return quiz_yaml(many).replace("module: first-steps", f"module: {module}")


def test_a_word_only_best_options_use_is_learned_from_the_other_quizzes(course: Path) -> None:
    """Both quizzes' best options say "kindly": a model trained on one answers the other."""
    (course / PLANTED).write_text(_word_cue_quiz("first-steps", "kindly"), encoding="utf-8")
    second = course / "quizzes/01-second-steps.yaml"
    second.write_text(_word_cue_quiz("second-steps", "kindly"), encoding="utf-8")
    found = only(course, WORDS)
    assert {p.split(":")[0] for p in found} == {PLANTED, "quizzes/01-second-steps.yaml"}, found
    assert all("cue rule learned-words" in p and "reaching the pass mark" in p for p in found)


def test_the_word_model_is_blind_when_the_word_is_shared(course: Path) -> None:
    """The same word in the weaker options too: it carries no weight either way."""
    for module, path in (
        ("first-steps", PLANTED),
        ("second-steps", "quizzes/01-second-steps.yaml"),
    ):
        quiz = _word_cue_quiz(module, "kindly", weak_word="kindly")
        (course / path).write_text(quiz, encoding="utf-8")
    quiz = read_quiz_files(course)[0][0][0]
    assert abs(WordModel.learn(quiz.scenarios).weights["kindly"]) < 0.1


def test_a_course_too_small_to_learn_from_is_not_judged_by_words(course: Path) -> None:
    plant(course, BALANCED)
    assert only(course, WORDS) == []


def test_words_ignore_case_short_and_common_words() -> None:
    assert words("Ask HER to lead the Plan, then ask again") == {
        "ask",
        "lead",
        "plan",
        "then",
        "again",
    }
