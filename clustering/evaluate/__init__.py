"""Measures of clusterings: metrics, comparisons, what the eye sees, what sets groups apart, profiles."""
