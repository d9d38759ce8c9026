"""The auditor's evidence package for a review period (DESIGN.md, "evidence package").

    period.py          the analysis: population, results over time, exception windows, gaps
    coverage.py        every policy requirement: automated control, manual evidence, or none
    sampling.py        reproducible samples of runs, for auditors who test samples
    package.py         builds the zip or folder: files, manifest.json, SHA256SUMS, signature
    render_html.py     index.html, self-contained (inline CSS and SVG charts, no script)
    render_csv.py      CSV per control, coverage
    render_xlsx.py     workbook.xlsx (openpyxl)
    render_json.py     JSON documents per control and for the whole report
    render_oscal.py    OSCAL assessment results
    signing.py         Ed25519 keys and signatures
    verify_package.py  checking a package with nothing but its own files

Reports read the store through its API only.
"""
