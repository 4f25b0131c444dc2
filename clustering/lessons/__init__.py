"""Lessons for teaching: stories computed step by step, every sentence derived from the numbers shown."""
