"""MkDocs hook: fills the controls reference from the catalog at build time.

The markers `<!-- evidra:controls-table -->` and `<!-- evidra:parameters-table -->`
are replaced by tables generated from `src/evidra/controls/catalog/`, read from this
checkout (not from whatever evidra is installed), so the site always shows the tree it
is built from.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parents[2] / "src"


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if "<!-- evidra:" not in markdown:
        return markdown
    if str(_SRC) not in sys.path:
        sys.path.insert(0, str(_SRC))
    from evidra.controls.catalog import catalog
    from evidra.output.catalog_markdown import controls_table, parameters_table

    controls = list(catalog().values())
    markdown = markdown.replace("<!-- evidra:controls-table -->", controls_table(controls))
    return markdown.replace("<!-- evidra:parameters-table -->", parameters_table(controls))
