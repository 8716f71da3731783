"""Study: rubric points, the one grader, quiz items, topics and progress."""
