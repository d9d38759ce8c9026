"""The GitLab collector: a group's projects (subgroups included), their default
branches' protection and approval rules, merged merge requests with approvals and
pipelines, and vulnerabilities where the tier provides them, read through the REST API
with `python-gitlab` (the only package that imports it)."""
