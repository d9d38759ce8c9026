"""The Okta collector: users, factors, admin roles, password and sign-on policies, API
tokens and the System Log, read with the official `okta` SDK (the only package that
imports it)."""
