import pytest


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """Pages are keyed by the minute: a test that crossed a minute boundary would see a miss where
    it expects a hit. The page cache's clock stands still here (the app's own clock runs on)."""
    import time as real_time

    import westlake_feedback.pagecache as pagecache

    class StillClock:
        frozen = real_time.time()

        @classmethod
        def time(cls):
            return cls.frozen

    monkeypatch.setattr(pagecache, "time", StillClock)
    return StillClock
