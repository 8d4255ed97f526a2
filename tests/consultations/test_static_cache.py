"""Static files: versioned URLs, kept for a year by browsers and proxies; a stale URL is not."""
from __future__ import annotations

import re


def test_stylesheet_url_is_versioned_and_cached_for_a_year(seeded, client):
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', html)
    assert match, "stylesheet link without a content version"
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.public
    assert response.cache_control.immutable


def test_unversioned_or_stale_urls_are_revalidated(seeded, client):
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age != 365 * 24 * 3600 and not response.cache_control.immutable
        assert response.headers.get("ETag")


def test_public_pages_with_forms_stay_uncached_while_static_files_are_cached(seeded, client):
    assert "no-store" in client.get("/c/xihu-2023-demo/clauses/12").headers.get("Cache-Control", "")
