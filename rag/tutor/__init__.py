"""Answers: the tutor's turns, the scope gate, the offline composer and coach mode."""
