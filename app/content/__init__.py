"""Course content: lessons and quizzes validated into typed models at start-up."""
