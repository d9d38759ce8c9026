"""The GitHub collector: an organisation's repositories, their default branches'
protection, merged pull requests, and Dependabot and code-scanning alerts, read through
the REST API with `githubkit` (the only package that imports it)."""
