"""Fitting: the one pipeline that assembles every ClusterResult (full, sampled, edited, imported), rows, layouts."""
