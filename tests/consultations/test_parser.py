"""parse_draft(): the real seed, hand-written 第X章/第X条 drafts, flattened web text and errors.

Pure parser tests: no app, no database (run with --noconftest).
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from westlake_feedback.consultations.parser import DraftParseError, ParsedDraft, parse_draft
from westlake_feedback.consultations.parser_meta import cn_to_int

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "westlake_feedback" / "consultations" / "data" / "xihu-2023-draft.txt"
DRAFTS = Path(__file__).parent / "drafts"

SEED_HEADINGS = [
    "扩大有效投资政策",
    "科技创新政策",
    "五大产业生态圈高质量发展政策",
    "现代服务业高质量发展政策",
    "扩大内需和对外开放政策",
    "乡村振兴和城乡一体化发展政策",
    "保障和改善民生政策",
]
SEED_DEPARTMENTS = [
    "区发改经信局",
    "区科技局",
    "区发改经信局",
    "区商务局",
    "区商务局、区投资促进局",
    "区农业农村局、区发改经信局",
    "区人力社保局",
]
SEED_MEMBERS = [range(1, 6), range(6, 16), range(16, 21), range(21, 29), range(29, 36), range(36, 47), range(47, 53)]


def read(name: str) -> str:
    return (DRAFTS / name).read_text(encoding="utf-8")


def numbers(clauses) -> list[int]:
    return [c.number for c in clauses]


def structure(draft: ParsedDraft):
    """Everything except source line numbers, for comparing differently laid-out copies."""
    return (
        [(s.number, s.label, s.heading, s.lead_department, s.intro,
          [(c.number, c.label, c.title, c.text, c.subsection) for c in s.clauses]) for s in draft.sections],
        [(c.number, c.label, c.title, c.text) for c in draft.loose_clauses],
    )


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text) -> ParsedDraft:
    return parse_draft(seed_text)


# ---------------------------------------------------------------- the real seed
class TestSeed:
    def test_seven_sections_with_exact_headings_labels_and_departments(self, seed):
        assert [s.number for s in seed.sections] == [1, 2, 3, 4, 5, 6, 7]
        assert [s.label for s in seed.sections] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
        assert [s.heading for s in seed.sections] == SEED_HEADINGS
        assert [s.lead_department for s in seed.sections] == SEED_DEPARTMENTS

    def test_52_clauses_in_order_with_labels(self, seed):
        assert numbers(seed.all_clauses) == list(range(1, 53))
        assert [c.label for c in seed.all_clauses] == [f"{n}." for n in range(1, 53)]
        assert seed.loose_clauses == []

    def test_clauses_stay_in_the_section_they_appear_under(self, seed):
        assert [numbers(s.clauses) for s in seed.sections] == [list(r) for r in SEED_MEMBERS]
        assert [len(s.clauses) for s in seed.sections] == [5, 10, 5, 8, 7, 11, 6]
        # 34 and 35 are about farmland but are printed under 五、: they stay there
        assert {34, 35} <= set(numbers(seed.sections[4].clauses))

    @pytest.mark.parametrize("number, title", [
        (1, "强化项目建设资金保障"),
        (2, "向上争取资金支持"),
        (12, "实施企业研发投入奖补政策"),
        (25, "强化服务业人才支撑"),
        (34, "推进土地综合整治和耕地垦造"),
        (48, "支持推进“劳有所得”"),
        (52, "支持推进“弱有众扶”"),
    ])
    def test_clause_titles_are_the_first_sentence(self, seed, number, title):
        assert seed.all_clauses[number - 1].title == title

    def test_clause_text_is_verbatim_after_the_marker(self, seed, seed_text):
        lines = seed_text.splitlines()
        first = seed.all_clauses[0]
        assert first.line == 33
        assert lines[32] == "1." + first.text
        assert first.text.startswith("强化项目建设资金保障。围绕保障重大项目建设")
        for clause in seed.all_clauses:
            assert lines[clause.line - 1] == clause.label + clause.text
            assert clause.text.startswith(clause.title + "。")

    def test_section_intro_is_the_paragraph_under_the_heading(self, seed):
        assert seed.sections[0].intro.startswith("落实省扩大有效投资“千项万亿”工程")
        assert seed.sections[0].intro.endswith("完成固定资产投资增长7%以上。")
        assert seed.sections[5].intro.startswith("坚持农业农村优先发展")
        assert all(s.intro and "\n" not in s.intro for s in seed.sections)
        assert [s.line for s in seed.sections] == [31, 38, 50, 57, 67, 76, 89]

    def test_titles_and_issuer(self, seed):
        assert seed.title == "关于推动经济高质量发展的若干政策(征求意见稿)"
        assert seed.notice_title == "关于对《西湖区人民政府关于推动经济高质量发展的若干政策》征求意见的通知"
        assert seed.issuer == "西湖区政府办公室"

    def test_page_metadata(self, seed):
        assert seed.index_number == "00250239-7/2023-25660"
        assert seed.document_number is None        # 文号 has no value: the next line is another key
        assert seed.published_at == datetime(2023, 3, 15, 9, 21)

    def test_comment_window(self, seed):
        assert seed.opens_on == date(2023, 3, 15)
        assert seed.closes_on == date(2023, 3, 22)

    def test_contacts(self, seed):
        assert seed.contact_person == "许可汗"
        assert seed.postal_address == "杭州市西湖区浙文三西路18号"
        assert seed.postcode == "310007"
        assert seed.phone == "0571-87971371"
        assert seed.email == "xkh_work@sina.com"

    def test_notice_text_is_the_body_paragraph_only(self, seed, seed_text):
        assert seed.notice_text == seed_text.splitlines()[19]
        assert seed.notice_text.startswith("为深入贯彻落实中央和省委")
        assert "自2023年3月15日至3月22日" in seed.notice_text
        for noise in ("联系人", "邮政编码", "xkh_work", "发布日期", "浏览次数", "西湖区政府办公室\n"):
            assert noise not in seed.notice_text

    def test_preamble_is_the_drafts_own_paragraph(self, seed, seed_text):
        assert seed.preamble == seed_text.splitlines()[29]
        assert seed.preamble.endswith("结合我区实际,现制定以下政策。")
        for junk in ("|", "法定主动公开内容", "政府信息公开年报", "浏览次数", "公开方式", "主动公开",
                     "统一编号", "索引号", "征求意见稿", "联系人"):
            assert junk not in seed.preamble

    def test_closing_text(self, seed, seed_text):
        assert seed.closing_text == seed_text.splitlines()[96]
        assert seed.closing_text.startswith("上述7个领域政策")
        assert seed.all_clauses[-1].text.endswith("实现分层分类精准救助。")

    def test_bom_crlf_full_width_and_trailing_spaces_change_nothing(self, seed, seed_text):
        noisy = "\ufeff" + "\r\n".join(line + " \u3000\t" for line in seed_text.splitlines())
        again = parse_draft(noisy)
        assert again == seed

    def test_full_width_and_ascii_punctuation_are_interchangeable(self, seed, seed_text):
        swapped = seed_text.translate(str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，"}))
        swapped = swapped.replace("\n1.", "\n1．").replace("\n2.", "\n2、")
        again = parse_draft(swapped)
        assert [s.heading for s in again.sections] == SEED_HEADINGS
        assert [s.lead_department for s in again.sections] == SEED_DEPARTMENTS
        assert numbers(again.all_clauses) == list(range(1, 53))
        assert [c.label for c in again.all_clauses][:3] == ["1．", "2、", "3."]
        assert again.title == "关于推动经济高质量发展的若干政策（征求意见稿）"
        assert (again.opens_on, again.closes_on) == (date(2023, 3, 15), date(2023, 3, 22))
        assert again.contact_person == "许可汗" and again.email == "xkh_work@sina.com"

    def test_blank_lines_between_paragraphs_are_ignored(self, seed, seed_text):
        spaced = parse_draft(seed_text.replace("\n", "\n\n"))
        assert structure(spaced) == structure(seed)
        assert spaced.notice_text == seed.notice_text and spaced.closing_text == seed.closing_text

    def test_seed_flattened_onto_one_line_keeps_its_structure(self, seed, seed_text):
        flat = parse_draft(" ".join(seed_text.splitlines()))
        assert [s.heading for s in flat.sections] == SEED_HEADINGS
        assert [s.lead_department for s in flat.sections] == SEED_DEPARTMENTS
        assert [numbers(s.clauses) for s in flat.sections] == [list(r) for r in SEED_MEMBERS]
        assert [c.title for c in flat.all_clauses] == [c.title for c in seed.all_clauses]
        assert [c.text for c in flat.all_clauses[:-1]] == [c.text for c in seed.all_clauses[:-1]]
        assert {c.line for c in flat.all_clauses} == {1}
        assert flat.all_clauses[-1].text == seed.all_clauses[-1].text    # the closing words run on, split off
        assert flat.closing_text == seed.closing_text
        for name in ("title", "notice_title", "notice_text", "preamble", "issuer", "published_at", "opens_on",
                     "closes_on", "contact_person", "postal_address", "postcode", "phone", "email"):
            assert getattr(flat, name) == getattr(seed, name), name

    def test_numbering_gap_in_the_seed_names_the_line(self, seed_text):
        lines = seed_text.splitlines()
        assert lines[39].startswith("6.")
        broken = "\n".join(lines[:39] + lines[40:])          # drop clause 6 (line 40)
        with pytest.raises(DraftParseError) as caught:
            parse_draft(broken)
        assert caught.value.line == 40                       # clause 7 now sits on line 40
        assert caught.value.message == "第40行：条款编号从5跳到了7，缺少第6条，请检查原文。"

    def test_duplicate_number_in_the_seed_names_the_line(self, seed_text):
        with pytest.raises(DraftParseError) as caught:
            parse_draft(seed_text.replace("\n12.实施企业", "\n11.实施企业"))
        assert caught.value.line == 46
        assert "第46行" in caught.value.message and "重复" in caught.value.message


# ---------------------------------------------------------------- hand-written 第X章/第X条 drafts
class TestTocAndExplanation:
    """目录 + 起草说明 (with its own 一、 headings, 1. points and article references) before the body."""

    @pytest.fixture(scope="class")
    def draft(self):
        return parse_draft(read("public-space-toc.txt"))

    def test_chapters_are_the_real_ones_not_the_table_of_contents(self, draft):
        assert [s.label for s in draft.sections] == ["第一章", "第二章", "第三章", "第四章", "第五章"]
        assert [s.heading for s in draft.sections] == ["总则", "规划与设置", "日常管理", "法律责任", "附则"]
        assert [s.number for s in draft.sections] == [1, 2, 3, 4, 5]
        assert all(s.clauses for s in draft.sections)
        assert all(s.lead_department is None and s.intro == "" for s in draft.sections)
        assert draft.sections[0].line == 39

    def test_articles(self, draft):
        assert numbers(draft.all_clauses) == list(range(1, 21))
        assert [numbers(s.clauses) for s in draft.sections] == [
            [1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12, 13], [14, 15, 16, 17, 18], [19, 20]]
        assert draft.loose_clauses == []
        labels = [c.label for c in draft.all_clauses]
        assert labels[:3] == ["第一条", "第二条", "第三条"] and labels[-1] == "第二十条"
        assert draft.all_clauses[0].title.startswith("为了加强城市公共空间管理")
        assert draft.all_clauses[-1].title == "本办法自2024年1月1日起施行"
        assert draft.all_clauses[0].line == 40

    def test_multi_paragraph_articles_and_sub_items_stay_in_the_article(self, draft):
        art2, art6, art11 = (draft.all_clauses[i - 1] for i in (2, 6, 11))
        assert art2.text.split("\n")[1] == "本办法所称城市公共空间，是指城市道路、广场、公园绿地、滨水空间等向公众开放的场所。"
        assert art6.title == "设置城市公共空间设施，应当符合下列要求"
        assert art6.text.count("\n") == 3 and "（三）与周边环境相协调。" in art6.text
        assert art11.text.endswith("1.申请书；\n2.活动方案和安全保障措施；\n3.恢复原状的承诺书。")

    def test_in_text_references_do_not_split_articles(self, draft):
        art13 = draft.all_clauses[12]
        assert art13.text == "违反第十一条规定，擅自临时占用城市公共空间的，按照本办法第十七条处理。"
        assert "依照本办法第五条规定的专项规划" in draft.all_clauses[6].text

    def test_sections_jie_are_recorded_on_the_articles(self, draft):
        chapter3 = draft.sections[2]
        assert [c.subsection for c in chapter3.clauses] == ["第一节 一般规定"] * 2 + ["第二节 临时占用"] * 3
        assert draft.all_clauses[0].subsection is None and draft.all_clauses[13].subsection is None

    def test_explanation_is_kept_in_the_preamble_and_never_parsed(self, draft):
        assert draft.preamble.startswith("关于《杭州市西湖区城市公共空间管理办法（征求意见稿）》的起草说明\n一、起草背景")
        assert "第一条至第四条规定了立法目的" in draft.preamble
        assert "1.2023年6月，成立起草小组" in draft.preamble
        assert "目" not in draft.preamble.split("\n")[-1]
        for toc_line in ("目　录", "第一章　总则", "第五章　附则"):
            assert toc_line not in draft.preamble

    def test_metadata(self, draft):
        assert draft.title == "杭州市西湖区城市公共空间管理办法（征求意见稿）"
        assert draft.notice_title == "关于公开征求《杭州市西湖区城市公共空间管理办法（征求意见稿）》意见的公告"
        assert draft.issuer == "杭州市西湖区城市管理局"
        assert draft.published_at == datetime(2023, 11, 16, 10, 5)
        assert (draft.opens_on, draft.closes_on) == (date(2023, 11, 16), date(2023, 12, 15))
        assert draft.contact_person == "陈晓明"
        assert draft.phone == "0571-88001234"
        assert draft.email == "xhcg_fzk@163.com"
        assert draft.postal_address == "杭州市西湖区文二西路100号西湖区城市管理局法规科"
        assert draft.postcode == "310012"

    def test_notice_text(self, draft):
        assert draft.notice_text.startswith("为进一步规范城市公共空间管理")
        assert "联系人" not in draft.notice_text and "杭州市西湖区城市管理局\n" not in draft.notice_text
        assert "起草背景" not in draft.notice_text
        assert draft.closing_text == ""


class TestBracketTitles:
    """第一条(立法目的) / 第二条（…） / 第三条 （…） / 第四条【…】, 第一章总则 without a space."""

    @pytest.fixture(scope="class")
    def draft(self):
        return parse_draft(read("elderly-care-brackets.txt"))

    def test_chapters(self, draft):
        assert [(s.label, s.heading) for s in draft.sections] == [
            ("第一章", "总则"), ("第二章", "服务供给"), ("第三章", "保障措施"), ("第四章", "附则")]
        assert [numbers(s.clauses) for s in draft.sections] == [[1, 2, 3, 4], [5, 6, 7], [8, 9, 10], [11]]

    def test_bracketed_titles(self, draft):
        assert [c.title for c in draft.all_clauses] == [
            "立法目的", "适用范围", "基本原则", "部门职责", "服务内容", "服务设施", "服务机构",
            "资金保障", "人才培养", "志愿服务", "施行日期"]
        assert draft.all_clauses[0].text.startswith("(立法目的)为了规范居家养老服务")
        assert draft.all_clauses[2].text.startswith("（基本原则）居家养老服务")
        assert draft.all_clauses[3].text.startswith("【部门职责】区民政部门")

    def test_metadata(self, draft):
        assert draft.title == "杭州市西湖区居家养老服务条例（草案）"
        assert draft.notice_title == "关于《杭州市西湖区居家养老服务条例（草案）》公开征求意见的通知"
        assert draft.index_number == "002502397/2024-00012"
        assert draft.document_number == "西司〔2024〕1号"
        assert draft.issuer == "杭州市西湖区民政局"
        assert draft.published_at == datetime(2024, 1, 5)
        assert (draft.opens_on, draft.closes_on) == (date(2024, 1, 5), date(2024, 2, 4))
        assert draft.contact_person == "王女士"
        assert draft.phone == "0571-85251234"
        assert draft.email == "xhmz@hz.gov.cn"
        assert draft.postal_address == "杭州市西湖区西溪路1号区民政局养老服务科"
        assert draft.postcode == "310013"
        assert "首页" not in draft.notice_text and "联系人" not in draft.notice_text
        assert draft.preamble == ""

    def test_windows_line_endings(self, draft):
        again = parse_draft(read("elderly-care-brackets.txt").replace("\n", "\r\n"))
        assert again == draft


class TestFlattened:
    """Web text with a whole notice on one line and many articles per line."""

    @pytest.fixture(scope="class")
    def draft(self):
        return parse_draft(read("flattened-parking.txt"))

    def test_articles_are_split_but_references_are_not(self, draft):
        assert numbers(draft.all_clauses) == list(range(1, 13))
        assert [(s.label, s.heading) for s in draft.sections] == [
            ("第一章", "总则"), ("第二章", "设施建设"), ("第三章", "停放管理"), ("第四章", "附则")]
        assert [numbers(s.clauses) for s in draft.sections] == [[1, 2, 3, 4], [5, 6, 7], [8, 9, 10], [11, 12]]
        art3, art6, art9 = (draft.all_clauses[i - 1] for i in (3, 6, 9))
        assert art3.text == "区交通运输部门负责停车管理工作。区公安交通管理部门依照本办法第十二条规定负责道路停车泊位的设置。"
        assert art6.text == "鼓励利用地下空间建设公共停车设施。违反第五条规定的，依照本办法第十一条处理。"
        assert art9.text == "道路停车泊位实行分时段收费。前款规定的收费标准由价格主管部门制定。"
        assert draft.all_clauses[4].title == "新建建筑物应当按照标准配建停车设施"   # "设施建设第五条" split
        assert [c.line for c in draft.all_clauses] == [2] * 7 + [3] * 5

    def test_metadata_from_a_flattened_notice(self, draft):
        assert draft.title == "杭州市西湖区停车管理办法（征求意见稿）"
        assert draft.notice_title == "关于公开征求《杭州市西湖区停车管理办法（征求意见稿）》意见的公告"
        assert draft.issuer == "杭州市西湖区交通运输局"
        assert draft.published_at == datetime(2023, 3, 15)
        assert (draft.opens_on, draft.closes_on) == (date(2023, 3, 15), date(2023, 4, 14))
        assert draft.contact_person == "李明"
        assert draft.phone == "0571-87654321"
        assert draft.email == "xhjt@hz.gov.cn"
        assert draft.postal_address == "杭州市西湖区天目山路200号"
        assert draft.postcode == "310007"
        assert draft.notice_text.startswith("为规范停车秩序")
        assert "发布时间" not in draft.notice_text and "2023年3月15日" not in draft.notice_text[-12:]

    def test_everything_on_one_line_with_a_table_of_contents(self):
        text = ("起草说明\n为落实上级要求，起草本办法。本办法共三章五条。\n一、主要内容\n1.明确适用范围。\n"
                "某某管理办法 目录 第一章 总则 第二章 管理 第三章 附则 第一章 总则 第一条 为了规范管理，制定本办法。"
                "第二条 本办法适用于本区。 第二章 管理 第三条 区政府负责管理。第四条 街道配合。"
                "第三章 附则 第五条 本办法自公布之日起施行。")
        draft = parse_draft(text)
        assert [(s.heading, numbers(s.clauses)) for s in draft.sections] == [
            ("总则", [1, 2]), ("管理", [3, 4]), ("附则", [5])]
        assert draft.title == "某某管理办法"
        assert draft.preamble == "起草说明\n为落实上级要求，起草本办法。本办法共三章五条。\n一、主要内容\n1.明确适用范围。"

    def test_a_whole_page_on_one_line(self):
        lines = read("public-space-toc.txt").splitlines()
        flat = parse_draft(" ".join(lines))
        draft = parse_draft("\n".join(lines))
        assert [(s.heading, numbers(s.clauses)) for s in flat.sections] == [
            (s.heading, numbers(s.clauses)) for s in draft.sections]
        assert [c.title for c in flat.all_clauses] == [c.title for c in draft.all_clauses]
        for name in ("title", "notice_title", "issuer", "published_at", "opens_on", "closes_on",
                     "contact_person", "postal_address", "postcode", "phone", "email"):
            assert getattr(flat, name) == getattr(draft, name), name
        assert flat.preamble.startswith("关于《杭州市西湖区城市公共空间管理办法（征求意见稿）》的起草说明\n一、起草背景")
        assert flat.preamble.endswith("第五章为附则。")
        assert flat.notice_text.startswith("为进一步规范城市公共空间管理")

    def test_text_glued_without_any_separator_still_yields_the_articles(self):
        glued = parse_draft("".join(read("public-space-toc.txt").splitlines()))
        assert [s.heading for s in glued.sections] == ["总则", "规划与设置", "日常管理", "法律责任", "附则"]
        assert numbers(glued.all_clauses) == list(range(1, 21))
        assert [c.subsection for c in glued.sections[2].clauses] == ["第一节 一般规定"] * 2 + ["第二节 临时占用"] * 3
        assert glued.email == "xhcg_fzk@163.com" and glued.contact_person == "陈晓明"

    def test_a_run_on_article_with_a_missing_number_is_an_error(self):
        with pytest.raises(DraftParseError) as caught:
            parse_draft("第一条 为了规范管理，制定本办法。第二条 本办法适用于本区。第四条 本办法自公布之日起施行。")
        assert caught.value.line == 1
        assert "从2跳到了4" in caught.value.message


class TestNoChapters:
    @pytest.fixture(scope="class")
    def draft(self):
        return parse_draft(read("street-vendors-no-chapters.txt"))

    def test_articles_are_loose_clauses(self, draft):
        assert draft.sections == []
        assert numbers(draft.loose_clauses) == [1, 2, 3, 4, 5, 6]
        assert draft.all_clauses == draft.loose_clauses
        assert draft.loose_clauses[1].title == "疏导点的设置应当遵循下列原则"
        assert draft.loose_clauses[3].text.endswith("3.不得占用盲道、消防通道。")   # 1. lines are not clauses
        assert draft.loose_clauses[4].text.startswith("违反本规定第四条规定的")

    def test_deadline_only_window_opens_on_publication(self, draft):
        assert draft.published_at == datetime(2023, 11, 16)
        assert (draft.opens_on, draft.closes_on) == (date(2023, 11, 16), date(2023, 11, 23))

    def test_metadata_preamble_and_closing(self, draft):
        assert draft.title == "西湖区流动摊贩疏导点管理规定（征求意见稿）"
        assert draft.issuer == "西湖区城市管理局"
        assert draft.contact_person == "赵敏"
        assert draft.phone == "0571-86541230"
        assert draft.email == "xhcgsr@126.com"
        assert draft.postal_address == "杭州市西湖区古墩路88号"
        assert draft.postcode == "310030"
        assert draft.preamble == "为规范流动摊贩疏导点设置和管理，根据《浙江省城市市容和环境卫生管理条例》，结合本区实际，制定本规定。"
        assert draft.closing_text == "西湖区城市管理局\n2023年11月16日"
        assert draft.loose_clauses[-1].text == "本规定自发布之日起施行。"
        assert "|" not in draft.notice_text and "赵敏" not in draft.notice_text


class TestArabicNumbers:
    @pytest.fixture(scope="class")
    def draft(self):
        return parse_draft(read("drone-arabic.txt"))

    def test_arabic_articles_and_headings_on_the_next_line(self, draft):
        assert [(s.label, s.heading) for s in draft.sections] == [
            ("第一章", "总则"), ("第二章", "飞行管理"), ("第三章", "附则")]
        assert [numbers(s.clauses) for s in draft.sections] == [[1, 2], [3, 4, 5, 6], [7]]
        assert [c.label for c in draft.all_clauses] == [f"第{n}条" for n in range(1, 8)]
        assert draft.all_clauses[3].text == "在管控区域内飞行的，应当依照本办法第5条规定提出申请。"
        assert [c.subsection for c in draft.sections[1].clauses] == [
            "第一节 飞行区域", "第一节 飞行区域", "第二节 飞行申请", "第二节 飞行申请"]

    def test_metadata_and_closing(self, draft):
        assert draft.title == "西湖区低空飞行器安全管理办法（试行）（征求意见稿）"
        assert draft.issuer == "杭州市西湖区人民政府办公室"       # from the notice title
        assert draft.published_at == datetime(2023, 11, 16)
        assert (draft.opens_on, draft.closes_on) == (date(2023, 11, 16), date(2023, 11, 23))
        assert draft.email == "xhdk2023@163.com"
        assert draft.postal_address == "杭州市西湖区文三路500号区政府办公室综合科"
        assert draft.contact_person == "孙立" and draft.phone == "0571-87050000"
        assert draft.postcode is None
        assert draft.closing_text == "附件：西湖区低空飞行申请表"
        assert draft.all_clauses[-1].text == "本办法自2024年1月1日起施行，有效期两年。"


# ---------------------------------------------------------------- smaller format cases
def test_chinese_numerals():
    cases = {"一": 1, "十": 10, "十一": 11, "二十": 20, "二十一": 21, "九十九": 99, "一百": 100,
             "一百零五": 105, "一百一十": 110, "一百二十三": 123, "二〇二三": 2023, "１２": 12, "7": 7}
    assert {k: cn_to_int(k) for k in cases} == cases


def test_long_regulation_with_large_numerals_and_run_on_lines():
    def cn(n: int) -> str:
        digits = "零一二三四五六七八九"
        if n < 10:
            return digits[n]
        if n < 20:
            return "十" + (digits[n % 10] if n % 10 else "")
        if n < 100:
            return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
        rest = n % 100
        tail = "" if rest == 0 else "零" + digits[rest] if rest < 10 else cn(rest) if rest >= 20 else "一" + cn(rest)
        return digits[n // 100] + "百" + tail

    parts = []
    for n in range(1, 121):
        if n % 20 == 1:
            parts.append(f"第{cn(n // 20 + 1)}章 第{n // 20 + 1}部分")
        parts.append(f"第{cn(n)}条\u3000依照本办法第{cn(max(1, n - 3))}条规定，做好第{n}项工作。")
    text = "\n".join(" ".join(parts[i:i + 30]) for i in range(0, len(parts), 30))
    draft = parse_draft(text)
    assert numbers(draft.all_clauses) == list(range(1, 121))
    assert [len(s.clauses) for s in draft.sections] == [20] * 6
    assert [c.label for c in draft.all_clauses][104:111] == [
        "第一百零五条", "第一百零六条", "第一百零七条", "第一百零八条", "第一百零九条", "第一百一十条", "第一百一十一条"]


@pytest.mark.parametrize("marker", ["第一条 ", "第一条\u3000", "第一条", "第 一 条 "])
def test_article_marker_spacing(marker):
    draft = parse_draft(f"{marker}为了规范管理，制定本办法。\n第二条 本办法适用于本区。")
    assert numbers(draft.loose_clauses) == [1, 2]
    assert draft.loose_clauses[0].text == "为了规范管理，制定本办法。"
    assert draft.loose_clauses[0].title == "为了规范管理，制定本办法"


def test_marker_alone_on_its_line():
    draft = parse_draft("第一章\n总则\n第一条\n为了规范管理，制定本办法。\n第二章\n附则\n第二条\n本办法适用于本区。")
    assert [(s.heading, numbers(s.clauses)) for s in draft.sections] == [("总则", [1]), ("附则", [2])]
    assert draft.all_clauses[1].text == "本办法适用于本区。"


def test_article_starting_like_a_reference_is_still_an_article_when_the_number_fits():
    draft = parse_draft("第一条 为了规范管理。\n第二条 本办法适用于本区。\n第三条规定的事项由区政府负责。\n第四条 施行。")
    assert numbers(draft.loose_clauses) == [1, 2, 3, 4]


def test_numbered_points_restarting_in_each_section_get_unique_numbers():
    draft = parse_draft("一、总体要求\n1.指导思想。坚持以人民为中心。\n2.基本原则。统筹兼顾。\n"
                        "二、重点任务\n1.加强组织领导。成立领导小组。\n2.强化资金保障。设立专项资金。")
    assert [numbers(s.clauses) for s in draft.sections] == [[1, 2], [3, 4]]
    assert [c.label for c in draft.all_clauses] == ["1.", "2.", "1.", "2."]
    assert [c.title for c in draft.all_clauses] == ["指导思想", "基本原则", "加强组织领导", "强化资金保障"]


def test_parenthesised_points_under_sections():
    draft = parse_draft("西湖区关于促进夜间经济发展的实施意见（征求意见稿）\n为繁荣夜间经济，制定本意见。\n"
                        "一、总体要求\n到2025年，建成夜间经济集聚区5个。\n（一）优化空间布局。打造两大核心区。\n"
                        "（二）丰富消费业态。支持发展深夜食堂。\n二、保障措施\n（三）加强组织领导。建立联席会议制度。\n"
                        "本意见自2024年1月1日起施行。")
    assert [(s.heading, s.intro, numbers(s.clauses)) for s in draft.sections] == [
        ("总体要求", "到2025年，建成夜间经济集聚区5个。", [1, 2]), ("保障措施", "", [3])]
    assert [c.label for c in draft.all_clauses] == ["（一）", "（二）", "（三）"]
    assert draft.title == "西湖区关于促进夜间经济发展的实施意见（征求意见稿）"
    assert draft.preamble == "为繁荣夜间经济，制定本意见。"
    assert draft.closing_text == "本意见自2024年1月1日起施行。"


def test_explanation_after_the_draft_goes_to_the_closing_text():
    draft = parse_draft("某某办法（草案）\n第一条 为了规范。\n第二条 本办法施行。\n"
                        "关于《某某办法（草案）》的起草说明\n一、背景\n第一条规定了立法目的。\n第三条 这不是条款。")
    assert numbers(draft.loose_clauses) == [1, 2]
    assert draft.closing_text.startswith("关于《某某办法（草案）》的起草说明\n一、背景")
    assert draft.title == "某某办法（草案）"


def test_contact_lines_after_the_last_article_are_closing_text():
    draft = parse_draft("某某办法（草案）\n第一条 为了规范。\n第二条 本办法施行。\n"
                        "《某某办法（草案）》起草说明\n第二十三条对违法行为作出规定。")
    assert numbers(draft.loose_clauses) == [1, 2]
    assert draft.closing_text == "《某某办法（草案）》起草说明\n第二十三条对违法行为作出规定。"
    draft = parse_draft("第一条 为了规范。\n第二条 本办法施行。\n联系人：张三\n联系电话：0571-85250000")
    assert draft.loose_clauses[-1].text == "本办法施行。"
    assert draft.closing_text == "联系人：张三\n联系电话：0571-85250000"
    assert (draft.contact_person, draft.phone) == ("张三", "0571-85250000")


def test_prose_that_starts_with_an_article_reference_is_not_a_duplicate():
    draft = parse_draft("第一条 为了规范。\n第二条 适用范围。\n第三条 本办法施行。\n第一条对立法目的作出规定。")
    assert numbers(draft.loose_clauses) == [1, 2, 3]
    assert draft.loose_clauses[-1].text == "本办法施行。\n第一条对立法目的作出规定。"


def test_an_item_ending_in_shuo_ming_is_not_an_explanation_heading():
    draft = parse_draft("第一条 申请人应当提交下列材料：\n（一）申请书；\n（二）情况说明\n第二条 本办法施行。")
    assert draft.loose_clauses[0].text == "申请人应当提交下列材料：\n（一）申请书；\n（二）情况说明"
    assert numbers(draft.loose_clauses) == [1, 2] and draft.closing_text == ""


def test_signature_after_the_last_article_is_closing_text():
    draft = parse_draft("某某管理办法\n第一条 为了规范管理。\n第二条 本办法自公布之日起施行。\n"
                        "杭州市西湖区人民政府\n二〇二三年十一月十六日")
    assert draft.loose_clauses[-1].text == "本办法自公布之日起施行。"
    assert draft.closing_text == "杭州市西湖区人民政府\n二〇二三年十一月十六日"


# ---------------------------------------------------------------- comment windows
ARTICLES = "\n第一条 为了规范管理。\n第二条 本办法施行。"


@pytest.mark.parametrize("notice, opens, closes", [
    ("发布日期：2023-03-15\n自2023年3月15日起至2023年4月14日止，公众可提出意见。", date(2023, 3, 15), date(2023, 4, 14)),
    ("征求意见时间为2023年3月15日至2023年3月22日。", date(2023, 3, 15), date(2023, 3, 22)),
    ("公开征求意见时间：2023年11月16日—11月23日。", date(2023, 11, 16), date(2023, 11, 23)),
    ("发布日期：2023-11-16\n请于11月23日前将意见反馈至我局。", date(2023, 11, 16), date(2023, 11, 23)),
    ("发布日期：2023-11-16\n意见截止日期为2023年11月23日。", date(2023, 11, 16), date(2023, 11, 23)),
    ("发布日期：2023-12-20\n请于1月5日前将意见反馈至我局。", date(2023, 12, 20), date(2024, 1, 5)),
    ("发布日期：2023-12-20\n征求意见时间为2023年12月25日至1月5日。", date(2023, 12, 25), date(2024, 1, 5)),
    ("发布日期：2023-03-15\n自本公告发布之日起30日内，公众可提出意见。", date(2023, 3, 15), date(2023, 4, 14)),
    ("征求意见截止时间：2023年11月23日。", None, date(2023, 11, 23)),
])
def test_comment_window_phrasings(notice, opens, closes):
    draft = parse_draft(notice + ARTICLES)
    assert (draft.opens_on, draft.closes_on) == (opens, closes)


def test_missing_year_comes_from_today_without_a_publication_date():
    draft = parse_draft("请于11月23日前将意见反馈至我局。" + ARTICLES, today=date(2024, 10, 30))
    assert (draft.opens_on, draft.closes_on) == (None, date(2024, 11, 23))
    assert draft.published_at is None


def test_dates_inside_the_draft_body_are_not_a_window():
    draft = parse_draft("第一条 本办法自2024年1月1日起至2024年12月31日止施行，请于3月1日前报送材料。\n第二条 施行。")
    assert (draft.opens_on, draft.closes_on) == (None, None)


def test_contact_variants():
    draft = parse_draft("关于征求《某某办法》意见的通知\n公众可通过信函方式提出意见。联系人：张先生，"
                        "咨询电话：（0571）85250000，电子邮件：zhang@example.cn，通信地址：杭州市西湖区某某路1号"
                        "（邮编：310012）。\n杭州市西湖区某某局\n2023年5月4日" + ARTICLES)
    assert draft.contact_person == "张先生"
    assert draft.phone == "（0571）85250000"
    assert draft.email == "zhang@example.cn"
    assert draft.postal_address == "杭州市西湖区某某路1号"
    assert draft.postcode == "310012"
    assert draft.issuer == "杭州市西湖区某某局"
    assert draft.published_at == datetime(2023, 5, 4)


def test_an_email_anywhere_in_the_notice_is_found():
    draft = parse_draft("关于征求《某某办法》意见的通知\n请将意见发送至 yijian@xihu.gov.cn ，谢谢。" + ARTICLES)
    assert draft.email == "yijian@xihu.gov.cn"


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("text", ["", "   ", "\ufeff\r\n\u3000\n\t\n"])
def test_empty_text_is_an_error(text):
    with pytest.raises(DraftParseError) as caught:
        parse_draft(text)
    assert "文本为空" in caught.value.message


def test_text_without_clauses_is_an_error():
    with pytest.raises(DraftParseError) as caught:
        parse_draft("关于开展调研的通知\n各单位：请于3月1日前报送2023年工作总结。\n西湖区政府办公室\n2023年2月1日")
    assert "未能识别出任何条款" in caught.value.message


def test_article_gap_names_the_line():
    text = "第一章 总则\n第一条 为了规范管理。\n第二条 本办法适用于本区。\n第二章 附则\n第五条 本办法自公布之日起施行。"
    with pytest.raises(DraftParseError) as caught:
        parse_draft(text)
    assert caught.value.line == 5
    assert caught.value.message == "第5行：条款编号从2跳到了5，缺少第3至4条，请检查原文。"


def test_article_going_backwards_names_the_line():
    with pytest.raises(DraftParseError) as caught:
        parse_draft("第一条 为了规范管理。\n第二条 适用范围。\n第三条 管理职责。\n\n第二条 本办法自公布之日起施行。")
    assert caught.value.line == 5
    assert "倒退" in caught.value.message or "重复" in caught.value.message


def test_chapter_gap_names_the_line():
    with pytest.raises(DraftParseError) as caught:
        parse_draft("第一章 总则\n第一条 为了规范管理。\n第三章 附则\n第二条 本办法自公布之日起施行。")
    assert caught.value.line == 3
    assert "第3行" in caught.value.message


def test_spaced_out_chapter_headings_are_joined():
    draft = parse_draft("某某办法（征求意见稿）\n第一章　总　则\n第一条　为了规范管理，制定本办法。\n"
                        "第二章 附 则\n第二条　本办法自发布之日起施行。\n")
    assert [s.heading for s in draft.sections] == ["总则", "附则"]
