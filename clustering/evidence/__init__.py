"""How sure and how many: calibrated confidence, resampled reruns, suggestions, level trees, consensus."""
