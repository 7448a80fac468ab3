"""The start page: the welcome page, the sample project and the workflow's steps."""
