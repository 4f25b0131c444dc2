"""The notebook front: `Map`, a clustering on the app's WebGL scatter as a two-way anywidget."""

from clustering.notebook.map import Map

__all__ = ["Map"]
