"""The issue's done scenario as data: the Xihu seed revised with clause 3 deleted, clause 12 edited
and a new clause after clause 20, imported as round 2 of a consultation."""
from __future__ import annotations

from redrafts import Redraft, seed_text

XIHU_12_OLD = "对持续投入并增长显著的企业给予最高200万元资助"
XIHU_12_NEW = "对持续投入并增长显著的企业给予最高300万元资助,对首次设立研发机构的中小企业给予最高50万元资助"
XIHU_NEW_CLAUSE = "推动工业园区数字化改造。对完成数字化改造并通过验收的工业园区,给予最高200万元补助。"
OPENS, CLOSES = "2026-01-01T09:00", "2099-01-31T17:00"


def done_redraft() -> str:
    r = Redraft(seed_text(), "point").delete(3).edit(12, XIHU_12_OLD, XIHU_12_NEW).insert_after(20, XIHU_NEW_CLAUSE)
    r.replace("(征求意见稿)", "(修改稿)")
    return r.text()


def write_redraft(tmp_path) -> str:
    path = tmp_path / "xihu-2023-revised.txt"
    path.write_text(done_redraft(), encoding="utf-8")
    return str(path)


def expected_pairs() -> list[tuple]:
    """(old numbers, new numbers, kind) of every match the preview must propose."""
    same = lambda olds, news: [((o,), (n,), "unchanged") for o, n in zip(olds, news)]  # noqa: E731
    return (same([1, 2], [1, 2]) + [((3,), (), "deleted")] + same(range(4, 12), range(3, 11))
            + [((12,), (11,), "edited")] + same(range(13, 21), range(12, 20)) + [((), (20,), "new")]
            + same(range(21, 53), range(21, 53)))


def import_round_cli(runner, tmp_path, slug: str = "xihu-2023-demo", opens: str = OPENS, closes: str = CLOSES):
    return runner.invoke(args=["consultations", "import", write_redraft(tmp_path), "--slug", slug, "--new-round",
                               "--opens", opens, "--closes", closes])
