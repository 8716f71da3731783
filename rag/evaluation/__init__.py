"""Measurement: retrieval, answers, grading and speed."""
