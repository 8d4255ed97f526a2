"""Keyword extraction: jieba segmentation, the shipped stop-word list, deterministic order."""
from __future__ import annotations

import random

from westlake_feedback.reports.keywords import stopwords, tokens, top_keywords


def test_stopword_list_ships_with_the_package():
    words = stopwords()
    assert len(words) > 300
    assert {"建议", "意见", "我们", "进一步", "加强", "相关", "的"} <= words
    assert "," in words   # "，" from the file, folded by NFKC as the text is


def test_stop_words_are_dropped():
    words = dict(top_keywords(["我们建议进一步加强停车场建设，相关部门应该完善停车位管理。"] * 3))
    assert {"停车场", "停车位"} <= set(words)
    assert not {"我们", "建议", "进一步", "加强", "相关", "应该", "完善", "的", "，"} & set(words)


def test_numbers_single_characters_and_ascii_noise_are_dropped():
    text = "2023年预算49亿元，第三十条 30% 的 和 http://www.example.com/abc?id=7 abc123 ＡＩ 和 5G 产业"
    kept = tokens(text)
    assert "AI" in kept and "5G" in kept and "产业" in kept and "预算" in kept
    for noise in ("2023", "年", "49", "亿元", "30", "%", "http", "www", "example", "com", "abc", "abc123", "的", "和"):
        assert noise not in kept


def test_order_is_count_then_word_and_does_not_depend_on_input_order():
    texts = ["人才公寓租金太高", "人才公寓不够", "养老服务补贴", "养老机构", "停车位"] * 2
    first = top_keywords(texts, n=20)
    shuffled = texts[:]
    random.Random(7).shuffle(shuffled)
    assert top_keywords(shuffled, n=20) == first
    counts = [c for _, c in first]
    assert counts == sorted(counts, reverse=True)
    for (w1, c1), (w2, c2) in zip(first, first[1:]):
        assert c1 > c2 or w1 < w2
    assert first[:3] == [("人才", 4), ("公寓", 4), ("养老", 4)]


def test_n_limits_the_list_and_empty_text_is_fine():
    assert len(top_keywords(["人才公寓租金太高，养老服务补贴，停车位不足，学校食堂卫生"], n=3)) == 3
    assert top_keywords(["", "的了吗", "   "]) == []


def test_segmenting_block_by_block_gives_exactly_jiebas_words():
    """tokens() segments each block of Han text once (cached) instead of jieba.lcut on the whole
    text; the words and their order must be the same, and so must the counts over many texts."""
    import jieba

    from westlake_feedback.reports.keywords import count_keywords, keep

    texts = [
        "2023年预算49亿元，第三十条 30% 的 和 http://www.example.com/abc?id=7 abc123 ＡＩ 和 5G 产业",
        "人才公寓租金太高！建议：加快建设保障性租赁住房（第12条）；\n\t停车位不足。",
        "对本条表示支持,尤其是对小微企业的扶持力度(12345)。",
        "資金撥付流程過長，希望壓縮到三十個工作日以內。𠀀𠀁 㐀㐁 鿕鿖 GDP增长7.5%以上",
        "",
        "   ",
    ]
    for text in texts:
        import unicodedata

        folded = unicodedata.normalize("NFKC", text)
        assert tokens(text) == [t.strip() for t in jieba.lcut(folded) if keep(t)]
    many = texts * 50 + [f"第{n}条:建议加大扶持力度,资金拨付流程过长({n})。" for n in range(200)]
    expected: dict = {}
    for text in many:
        for word in tokens(text):
            expected[word] = expected.get(word, 0) + 1
    assert dict(count_keywords(many)) == expected
