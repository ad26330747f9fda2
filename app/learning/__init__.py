"""The learner's side: dashboard, lessons, quizzes, progress and certificates."""
