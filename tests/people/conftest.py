from tests.collectors.google_workspace.conftest import settings, workspace  # noqa: F401 - fixtures
