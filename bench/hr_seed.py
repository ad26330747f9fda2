"""Synthetic HR data for benchmarks: N people x every module, with progress, attempts, completions."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Engine, insert

from app.clock import utcnow
from app.content.catalog import Catalog
from app.models import (
    Assignment,
    AttemptAnswer,
    Completion,
    Department,
    LessonProgress,
    QuizAttempt,
    User,
)

DEPARTMENTS = [
    ("Engineering", 30),
    ("Sales", 20),
    ("Operations", 15),
    ("Finance", 10),
    ("Marketing", 8),
    ("Legal", 5),
    ("Support", 7),
    ("Research", 3),
    ("Facilities", 1),
    ("Board office", 0),
]


def seed(
    engine: Engine, catalog: Catalog, *, people: int = 20_000, seed: int = 1
) -> dict[str, int]:
    """Insert `people` learners with assignments to every module; returns row counts."""
    rng = random.Random(seed)
    now = utcnow()
    counts = dict.fromkeys(
        ("users", "assignments", "progress", "attempts", "answers", "completions"), 0
    )
    with engine.begin() as conn:
        conn.execute(insert(Department), [{"name": n, "created_at": now} for n, _ in DEPARTMENTS])
        dept_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM department ORDER BY id")]
        weights = [w or 0.05 for _, w in DEPARTMENTS]
        users = [
            {
                "email": f"person{i:05d}@bench.example",
                "name": f"Person {i:05d}",
                "role": "learner",
                "department_id": rng.choices(dept_ids, weights)[0],
                "external_id": f"E{i:05d}",
                "active": rng.random() > 0.02,
                "created_at": now - timedelta(days=200),
            }
            for i in range(people)
        ]
        conn.execute(insert(User), users)
        user_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM user ORDER BY id")]
        counts["users"] = len(user_ids)
        assignments, progress, completions, attempts = [], [], [], []
        for uid in user_ids:
            assigned = now - timedelta(days=rng.randint(10, 120))
            due = assigned + timedelta(days=30)
            for module in catalog.modules:
                assignments.append(
                    {
                        "user_id": uid,
                        "module_id": module.id,
                        "due_at": due,
                        "source": "bench",
                        "created_at": assigned,
                    }
                )
                roll = rng.random()
                if roll < 0.2:
                    continue  # not started
                opened = assigned + timedelta(hours=rng.randint(1, 400))
                read = roll > 0.3
                progress.append(
                    {
                        "user_id": uid,
                        "module_id": module.id,
                        "opened_at": opened,
                        "completed_at": opened if read else None,
                        "via": "self-paced",
                    }
                )
                tries = 0 if roll < 0.4 else (1 if roll < 0.85 else 2)
                passed = False
                for t in range(tries):
                    passed = t == tries - 1 and roll > 0.45
                    attempts.append((uid, module, opened + timedelta(minutes=30 * (t + 1)), passed))
                if read and passed:
                    completions.append(
                        {
                            "user_id": uid,
                            "module_id": module.id,
                            "completed_at": opened + timedelta(hours=1),
                            "via": "self-paced",
                        }
                    )
        conn.execute(insert(Assignment), assignments)
        conn.execute(insert(LessonProgress), progress)
        conn.execute(insert(Completion), completions)
        counts |= {
            "assignments": len(assignments),
            "progress": len(progress),
            "completions": len(completions),
        }
        rows = []
        for n, (uid, module, at, passed) in enumerate(attempts):
            quiz = module.quiz
            score = quiz.max_score if passed else quiz.max_score // 3
            rows.append(
                {
                    "user_id": uid,
                    "module_id": module.id,
                    "submission_id": f"bench-{n}",
                    "quiz_hash": quiz.content_hash,
                    "started_at": at - timedelta(minutes=5),
                    "submitted_at": at,
                    "score": score,
                    "max_score": quiz.max_score,
                    "percent": 100 * score // quiz.max_score,
                    "pass_mark": quiz.pass_mark,
                    "passed": passed,
                }
            )
        conn.execute(insert(QuizAttempt), rows)
        counts["attempts"] = len(rows)
        first_id = conn.exec_driver_sql("SELECT min(id) FROM quizattempt").scalar() or 0
        answers = []
        for n, (_uid, module, _at, passed) in enumerate(attempts):
            for scenario in module.quiz.scenarios:
                choice = scenario.best_choices[0] if passed else rng.choice(scenario.choices)
                answers.append(
                    {
                        "attempt_id": first_id + n,
                        "scenario_id": scenario.id,
                        "choice_id": choice.id,
                        "points": choice.points,
                    }
                )
            if len(answers) > 100_000:
                conn.execute(insert(AttemptAnswer), answers)
                counts["answers"] += len(answers)
                answers = []
        conn.execute(insert(AttemptAnswer), answers)
        counts["answers"] += len(answers)
    return counts
