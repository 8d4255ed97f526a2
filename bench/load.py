"""Load against a running server: wrk for GETs, a threaded browser-like client for comment POSTs."""
from __future__ import annotations

import http.client
import re
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: int = 0


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rate and p50 and p99):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)),
                     int(non_2xx.group(1)) if non_2xx else 0,
                     sum(int(n) for n in errors.groups()) if errors else 0)


def wrk(url: str, duration: int, threads: int = 2, connections: int = 16, cookie: str | None = None) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


# Browser-like comment submission ----------------------------------------------------------

TOKEN_INPUT = re.compile(r"<input[^>]*>")


def form_tokens(html: str) -> dict[str, str]:
    found = {}
    for tag in TOKEN_INPUT.findall(html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) in ("csrf_token", "token"):
            found[name.group(1)] = value.group(1)
    return found


class Browser:
    """One keep-alive connection and one cookie jar (the session cookie is all the app sets)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}
        self.last_headers: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise
        text = response.read().decode("utf-8", "replace")
        self.last_headers = dict(response.getheaders())
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def expect_ok(base: str, path: str, cookie: str | None = None) -> None:
    """One GET before wrk (which counts a redirect to the login page as a success) must be a 200."""
    browser = Browser(base)
    if cookie:
        browser.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
    for _attempt in range(20):  # the last wrk run's queued requests may still hold every slot
        status, _ = browser.request("GET", path)
        if status != 503:
            break
        time.sleep(0.5)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, not 200")


def sign_in(base: str, email: str, password: str) -> str:
    """Signs a staff member in on the running server; returns the Cookie header to send."""
    browser = Browser(base)
    _status, page = browser.request("GET", "/staff/login")
    data = {**form_tokens(page), "email": email, "password": password}
    status, _ = browser.request("POST", "/staff/login", urlencode(data))
    if status != 302:
        raise RuntimeError(f"staff login on {base} answered {status}")
    return browser.cookie_header()


@dataclass
class PostResult:
    comments_per_s: float
    comments: int
    errors: int
    p50_ms: float
    p99_ms: float
    error_kinds: dict[str, int] = field(default_factory=dict)
    waited: int = 0  # comments that met a 429/503 and waited out its Retry-After (offered load only)


FLOW_SCRIPT = Path(__file__).with_name("comment_flow.lua")
FLOW_LINE = re.compile(
    r"^comment-flow comments=(\d+) errors=(\d+) seconds=([\d.]+) p50=([\d.]+) p99=([\d.]+) waited=(\d+)$", re.M)


def post_comments(base: str, slug: str, clause: int, clients: int, duration: float,
                  offered_per_s: float | None = None) -> PostResult:
    """`clients` browsers, each GETs the clause page, POSTs its form with the page's tokens and
    follows the 303 to the receipt page, over and over for `duration` seconds; latency is per
    comment (the three requests). With `offered_per_s`, the browsers together start that many
    comments a second (each one every clients/offered_per_s seconds) and wait out a 429/503's
    Retry-After before sending the same request again, as people do; such a comment's latency
    includes its wait, and it is counted in `waited`. Driven by wrk (bench/comment_flow.lua, one thread per
    connection so that each keeps its own cookie and tokens): a load generator in C costs the
    shared cores a tenth of what the Python client (post_comments_python) does, so the figure
    measures the server more than the client."""
    page, action = f"/c/{slug}/clauses/{clause}", f"/c/{slug}/clauses/{clause}/comment"
    command = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
               "-s", str(FLOW_SCRIPT), base + page, "--", page, action]
    if offered_per_s:
        command.append(f"{1000 * clients / offered_per_s:.1f}")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = FLOW_LINE.search(done.stdout)
    if not found:
        raise RuntimeError(f"cannot read the comment flow's output:\n{done.stdout}\n{done.stderr}")
    comments, errors, seconds, p50, p99, waited = found.groups()
    kinds = dict(re.findall(r"^comment-flow-error (.+)=(\d+)$", done.stdout, re.M))
    return PostResult(int(comments) / float(seconds), int(comments), int(errors), float(p50), float(p99),
                      {kind: int(count) for kind, count in kinds.items()}, int(waited))


def post_comments_python(base: str, slug: str, clause: int, clients: int, duration: float) -> PostResult:
    """`clients` threads, each GETs the clause page and POSTs its form with the page's tokens,
    over and over for `duration` seconds. Latency is per comment (GET + POST)."""
    page, action = f"/c/{slug}/clauses/{clause}", f"/c/{slug}/clauses/{clause}/comment"
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(number: int) -> None:
        browser, n = Browser(base), 0
        while time.monotonic() < stop:
            n += 1
            started = time.perf_counter()
            try:
                status, html = browser.request("GET", page)
                if status != 200:
                    raise RuntimeError(f"GET {status}")
                data = {**form_tokens(html), "stance": "amend", "identity_type": "individual", "consent": "y",
                        "body": f"压测意见{number}-{n}:建议进一步明确申报条件和兑现时间。",
                        "email": f"load{number}@example.com", "website": ""}
                status, _ = browser.request("POST", action, urlencode(data))
                if status != 303:
                    raise RuntimeError(f"POST {status}")
                status, _ = browser.request("GET", urlsplit(browser.last_headers["Location"]).path)
                if status != 200:
                    raise RuntimeError(f"receipt {status}")
            except Exception as error:  # counted, and the client carries on as a person would
                with lock:
                    kind = str(error)[:40] or type(error).__name__
                    errors[kind] = errors.get(kind, 0) + 1
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return PostResult(len(latencies) / elapsed, len(latencies), sum(errors.values()),
                      statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], errors)


# A flash crowd ----------------------------------------------------------------------------

@dataclass
class SurgeResult:
    clients: int
    served: int  # 200 pages and 303 receipts
    shed: int  # 429/503 with Retry-After
    bad: int  # anything else: errors, or a 429/503 without Retry-After
    served_per_s: float
    served_p99_ms: float
    shed_p99_ms: float
    shed_max_ms: float
    comments: int
    bad_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def shed_share(self) -> float:
        return self.shed / max(1, self.served + self.shed + self.bad)


def _p99(values: list[float]) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def surge(base: str, slug: str, clause: int, clients: int, duration: float) -> SurgeResult:
    """`clients` browsers at once (e.g. 10x what the server can serve), each GETs the clause page
    and POSTs its form, over and over, without pausing: a crowd that does not wait for Retry-After.
    Each response is served (200/303), shed (429/503 with Retry-After) or bad (anything else)."""
    page, action = f"/c/{slug}/clauses/{clause}", f"/c/{slug}/clauses/{clause}/comment"
    served_ms: list[float] = []
    shed_ms: list[float] = []
    bad: dict[str, int] = {}
    comments = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def timed(browser: Browser, method: str, path: str, body: str | None = None):
        started = time.perf_counter()
        status, html = browser.request(method, path, body)
        elapsed = (time.perf_counter() - started) * 1000
        return status, html, elapsed, browser.last_headers

    def client(number: int) -> None:
        browser, n = Browser(base), 0
        while time.monotonic() < stop:
            n += 1
            try:
                status, html, ms, headers = timed(browser, "GET", page)
                if status == 200:
                    data = {**form_tokens(html), "stance": "amend", "identity_type": "individual", "consent": "y",
                            "body": f"高峰意见{number}-{n}:建议进一步明确申报条件和兑现时间。",
                            "email": f"surge{number}@example.com", "website": ""}
                    with lock:
                        served_ms.append(ms)
                    status, html, ms, headers = timed(browser, "POST", action, urlencode(data))
                    if status == 303:
                        with lock:
                            served_ms.append(ms)
                            comments[0] += 1
                        continue
                if status in (429, 503) and headers.get("Retry-After"):
                    with lock:
                        shed_ms.append(ms)
                    continue
                kind = f"{status} without Retry-After" if status in (429, 503) else f"status {status}"
            except Exception as error:  # noqa: BLE001 - counted, and the client carries on
                kind = str(error)[:40] or type(error).__name__
            with lock:
                bad[kind] = bad.get(kind, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return SurgeResult(clients, len(served_ms), len(shed_ms), sum(bad.values()), len(served_ms) / elapsed,
                       _p99(served_ms), _p99(shed_ms), max(shed_ms or [0.0]), comments[0], bad)
