"""Public page cost against the number of approved comments on one clause (in-process).

    .venv/bin/python bench/flat_pages.py [--sizes 1000 20000] [--database-url URL]

Fills N approved comments on clause 12 of the demo draft (bench/fill.py), then times the clause
page, the notice, the whole draft and the home page with the Flask test client and counts their
SQL queries (bench/counts.py). Prints figures; asserts nothing. A PostgreSQL URL is emptied first.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.counts import counting  # noqa: E402
from bench.fill import CLAUSE, SLUG, database_url, fill_to, make_app, prepare  # noqa: E402

CLAUSE_PAGE = f"/c/{SLUG}/clauses/{CLAUSE}"
KEYSET = "page 50 by before= link"
PAGES = [CLAUSE_PAGE, f"{CLAUSE_PAGE}?page=50", KEYSET, f"/c/{SLUG}/", f"/c/{SLUG}/full", "/"]


def resolve(client, page: str) -> str:
    """The URL behind a label: the 'older' link of page 49 (a keyset cursor), if the page has one."""
    if page != KEYSET:
        return page
    html = client.get(f"{CLAUSE_PAGE}?page=49").get_data(as_text=True)
    link = re.search(r'href="([^"]*before=[^"]*)"', html)
    return link.group(1).replace("&amp;", "&").split("#")[0] if link else f"{CLAUSE_PAGE}?page=50"


def measure(app, client, repeat: int) -> dict[str, tuple[float, int]]:
    results = {}
    for label in PAGES:
        page = resolve(client, label)
        client.get(page)  # warm
        with counting(app) as statements:
            assert client.get(page).status_code == 200, page
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(page)
            samples.append((time.perf_counter() - start) * 1000)
        results[label] = (statistics.median(samples), len(statements))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wf-flat-"))
    url = database_url(args.database_url, workdir)
    app = make_app(url, workdir)
    prepare(app)
    client = app.test_client()
    table = {}
    for size in sorted(args.sizes):
        fill_to(app, size)
        table[size] = measure(app, client, args.repeat)
    print(f"database: {url.split('://')[0]}   median of {args.repeat} in-process GETs")
    print(f"{'page':<30}" + "".join(f"{str(s) + ' comments':>22}" for s in sorted(table)) + "   ratio")
    for page in PAGES:
        cells = [table[s][page] for s in sorted(table)]
        print(f"{page:<30}" + "".join(f"{ms:10.1f} ms {q:3d} q   " for ms, q in cells)
              + f"{cells[-1][0] / cells[0][0]:6.2f}x")


if __name__ == "__main__":
    main()
