"""The shared geometry: preprocessing, the kNN graph, projections, and the device (CPU or RAPIDS) choice."""
