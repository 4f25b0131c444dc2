"""Scale: fit on a sample, label and place the rest in chunks, in process or on Dask."""
