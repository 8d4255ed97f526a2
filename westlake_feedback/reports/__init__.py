"""Close-of-window reports: figures computed from plain data, written as HTML, DOCX and XLSX.

Entry point: `build.build_all(report_input, progress=None)`. The caller (worker, CLI, staff view)
loads a `data.ReportInput` from the database (`loading.load_report_input`, one streamed Core
select); only loading.py, services.py, jobs.py (claiming builds), views.py and cli.py touch the
database, the writers work on plain data.
"""
