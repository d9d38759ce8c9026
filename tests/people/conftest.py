from tests.collectors.google_workspace.conftest import settings, workspace  # noqa: F401 - fixtures
from tests.collectors.jamf.conftest import jamf  # noqa: F401 - fixture
