"""The start page's features: the sample project and the workflow steps."""
