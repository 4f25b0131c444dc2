"""The visual layer the app, the reports and the notebook widget share: the WebGL scatter, colours, map
labels, filters and row search."""
