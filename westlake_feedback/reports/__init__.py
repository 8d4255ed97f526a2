"""Close-of-window reports: figures computed from plain data, written as HTML, DOCX and XLSX.

Entry point: `build.build_all(report_input, progress=None)`. The caller (worker, CLI, staff view)
loads a `data.ReportInput` from the database (`services.load_report_input`); only services.py,
views.py and cli.py touch the database, the writers work on plain data.
"""
