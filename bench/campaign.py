"""A generated campaign with its truth: copies of one circulated letter, each with the sender's name,
its punctuation and a few characters changed, mixed with distinct opinions that share stock phrases
(建议进一步细化, 我认为, 关于第X条). Deterministic for a given seed. Used by tests/clusters/ and
bench/clusters.py."""
from __future__ import annotations

import random

TEMPLATE = (
    "尊敬的市司法局：我是{place}的居民{name}。关于《西湖区电动自行车停放充电管理办法（草案）》第十二条，"
    "我们坚决反对在居民楼一楼大厅和楼道内统一设置充电点的做法。楼道是消防通道，电动自行车电池起火后蔓延极快，"
    "去年全省已经发生多起因楼道充电引发的火灾，造成人员伤亡。建议将充电点统一设在小区室外的独立车棚，"
    "配备烟感报警和自动断电装置，由物业公司负责日常巡查，并在2026年底前完成改造。恳请采纳。此致敬礼！{name}"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯健俊帆鹏辉"
PLACES = ("文新街道", "北山街道", "西溪街道", "翠苑街道", "古荡街道", "留下街道", "转塘街道", "蒋村街道", "灵隐街道")
FILLERS = ("也", "都", "非常", "确实", "真的", "一定", "尽快")
PUNCTUATION = {"，": (",", " ", "、", ""), "。": (".", "！", ""), "：": (":", ","), "！": ("!", "。")}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# Distinct opinions: a stock opening and closing around a middle drawn from many independent parts.
OPENINGS = ("我认为", "关于第{n}条，", "对于第{n}条，我的意见是：", "本人建议", "作为一名居民，我认为", "")
CLOSINGS = ("建议进一步细化。", "建议进一步细化相关规定。", "请予以考虑。", "希望采纳。", "以上意见供参考。", "")
SUBJECTS = (
    "充电桩的收费标准", "物业公司的管理责任", "老旧小区的改造资金", "外卖骑手的停车需求", "违规充电的处罚力度",
    "电池以旧换新的补贴", "车棚的建设用地", "消防设施的检查频次", "业主委员会的表决程序", "街道的监督职责",
    "快递车辆的通行时间", "夜间充电的电价优惠", "电动自行车的登记上牌", "商场门口的停放秩序", "学校周边的交通安全",
    "地下车库的防火分区", "租户和房东的责任划分", "充电设备的质量认证", "社区网格员的巡查", "投诉举报的处理时限",
)
PREDICATES = (
    "应当由区政府统一制定", "需要明确具体的执行部门", "目前规定得过于笼统", "应该给予一定的过渡期",
    "最好先在几个社区试点", "不宜一刀切", "应当向社会公开征求意见", "需要配套财政资金支持",
    "应该和现有的消防条例衔接", "可以参考上海和深圳的做法", "要考虑低收入群体的实际困难", "应当纳入年度考核",
)
DETAILS = (
    "比如每度电的价格不应超过一元", "例如规定三个工作日内答复", "可以按照车位数量分摊费用", "并且每季度公布一次检查结果",
    "同时要听取老年人的意见", "以免增加居民的经济负担", "避免出现无人负责的情况", "否则很难真正落实",
    "尤其是没有电梯的多层住宅", "特别是人口密集的城中村", "并设立专门的举报电话", "还要防止重复收费",
    "建议写明具体的罚款数额", "对于屡次违规的要加重处罚", "并给物业企业一定的奖励", "对困难家庭减免费用",
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def campaign_copy(rng: random.Random) -> str:
    text = TEMPLATE.format(name=_name(rng), place=rng.choice(PLACES))
    chars = list(text)
    for index, ch in enumerate(chars):  # different punctuation here and there
        if ch in PUNCTUATION and rng.random() < 0.3:
            chars[index] = rng.choice(PUNCTUATION[ch])
    text = "".join(chars)
    if rng.random() < 0.5:
        text = text.translate(FULL_WIDTH)  # full-width digits
    for _ in range(rng.randint(0, 3)):  # a few characters added
        at = rng.randrange(len(text))
        text = text[:at] + rng.choice(FILLERS) + text[at:]
    if rng.random() < 0.3:
        text = text.replace("。", "。\n\n", 2)  # line breaks
    return text


def distinct_opinion(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 3)):
        parts.append(f"{rng.choice(SUBJECTS)}{rng.choice(PREDICATES)}，{rng.choice(DETAILS)}。")
    opening = rng.choice(OPENINGS).format(n=rng.randint(1, 30))
    return opening + "".join(parts) + rng.choice(CLOSINGS)


def generate(copies: int = 500, distinct: int = 500, seed: int = 10) -> list[tuple[str, str]]:
    """(text, truth label) in a shuffled arrival order: label "campaign" for the copies, a label of
    its own for each distinct opinion (texts drawn twice by chance share a label)."""
    rng = random.Random(seed)
    items = [(campaign_copy(rng), "campaign") for _ in range(copies)]
    seen: dict[str, str] = {}
    for index in range(distinct):
        text = distinct_opinion(rng)
        items.append((text, seen.setdefault(text, f"opinion-{index}")))
    rng.shuffle(items)
    return items


def pair_scores(truth: list[str], found: list[object]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering `found` against the `truth` labels."""
    from collections import Counter

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    both = pairs(Counter(zip(truth, found)))
    predicted, actual = pairs(Counter(found)), pairs(Counter(truth))
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    return precision, recall
