"""Reports from answers in the database: the authorities of Figures 2 and 3 rebuilt as sent
questionnaires, so the report must show the figures worked out by hand in test_method."""

import io

import pytest
from openpyxl import load_workbook

from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory
from joinedup.selfeval import reports, services
from joinedup.selfeval.models import Code
from joinedup.selfeval.services import Given

from .factories import ParticipantFactory, ResearcherFactory, RoundFactory, sent_response
from .test_method import FIGURE_2, FIGURE_2_TO_DEVELOP, FIGURE_3

pytestmark = pytest.mark.django_db

IMPACTS_2 = {
    "dcs": {"tools_frameworks", "structures", "dialogue_closer_working"},
    "manager": {"tools_frameworks", "dialogue_closer_working", "better_access"},
    "practitioner": {"dialogue_closer_working", "better_access", "increased_workload"},
}
IMPACTS_3 = {
    "dcs": {"tools_frameworks"},
    "manager": {"tools_frameworks", "structures"},
    "practitioner": {"increased_workload"},
}


def coded(response, key, scheme, keys, coder):
    answer = response.answers.get(question__key=key)
    services.code_answer(
        answer=answer, coder=coder, codes=[Code.objects.get(scheme=scheme, key=k) for k in sorted(keys)]
    )


def staff_answers(participant, group, levels, features, impacts, to_develop, coder, extent=None):
    """One response per level; the group's features and impacts are in the first one's words."""
    features_key = "features_contributing" if group == "practitioner" else "other_features"
    for n, level in enumerate(levels):
        answers = {"impact_level": Given(score=level)}
        if extent is not None:
            answers["extent_joint_planning"] = Given(score=extent[n])
        if n == 0:
            answers |= {
                features_key: Given(text="What works here"),
                "impacts_seen": Given(text="What changed"),
                "features_to_develop": Given(text="What needs to develop"),
            }
        response = sent_response(participant, group, answers, key_group="lac", by=coder)
        if n == 0:
            coded(response, features_key, "feature", features[group], coder)
            coded(response, "impacts_seen", "impact", impacts[group], coder)
            if to_develop.get(group):
                coded(response, "features_to_develop", "feature", to_develop[group], coder)


@pytest.fixture
def figures_round(loaded):
    coder = ResearcherFactory().user
    round_ = RoundFactory(name="Round 1")
    confident = ParticipantFactory(round=round_, authority__name="Westshire")
    earlier = ParticipantFactory(round=round_, authority__name="Eastborough")
    for group, levels in {"dcs": [3], "manager": [2, 3, 3], "practitioner": [2, 2, 3]}.items():
        extent = [4, 5, 3] if group == "practitioner" else None
        staff_answers(confident, group, levels, FIGURE_2, IMPACTS_2, FIGURE_2_TO_DEVELOP, coder, extent)
    for group, levels in {"dcs": [2], "manager": [1, 2], "practitioner": [1, 1, 2]}.items():
        staff_answers(earlier, group, levels, FIGURE_3, IMPACTS_3, {}, coder)
    sent_response(
        confident,
        "dcs",
        {
            "quantified_evidence": Given(choices=("ascribed",)),
            "quantified_evidence_detail": Given(text="LAC numbers down 12%"),
        },
        by=coder,
    )
    for n in range(6):
        outcomes = ("confidence", "school_work") if n < 5 else ("confidence",)
        sent_response(confident, "parent", {"difference_child": Given(choices=outcomes)}, key_group="lac", by=coder)
    for _ in range(3):
        sent_response(earlier, "child", {"difference_me": Given(choices=("feel_safer",))}, key_group="lac", by=coder)
    return {"round": round_, "confident": confident, "earlier": earlier, "coder": coder}


def summary(report):
    return dict(report.summary)


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def table(report, key, caption_start):
    return next(t for t in section(report, key).tables if t.caption.startswith(caption_start))


def test_the_confident_authoritys_report_shows_the_hand_worked_index(figures_round):
    report = reports.authority_report(figures_round["confident"], full=True)

    assert summary(report)["Self-reported level of impact"] == "3.0"
    assert summary(report)["Agreement between groups (0 to 100)"] == "50"  # 0.5049
    assert summary(report)["Confidence index (0 to 100)"] == "59"  # 0.5858
    assert summary(report)["Position in the round"] == "More confident: 1 of 2"


def test_the_earlier_authority_is_placed_below(figures_round):
    report = reports.authority_report(figures_round["earlier"], full=True)

    assert summary(report)["Confidence index (0 to 100)"] == "28"  # 0.2778
    assert summary(report)["Position in the round"] == "Developing: 2 of 2"
    explanation = " ".join(section(report, "confidence").paragraphs)
    assert "each group's median level (DCS 2, SM 1.5, PR 1)" in explanation
    assert "Named by every group" not in explanation


def test_the_report_lists_features_as_figure_2_does(figures_round):
    report = reports.authority_report(figures_round["confident"], full=True)

    contributing = table(report, "features", "Perceptions of key features").rows
    assert contributing[:2] == [["Locality working", "DCS, SM, PR"], ["Holistic view of child", "DCS, SM, PR"]]
    assert ["Leadership", "PR"] in contributing
    assert table(report, "features", "Features still to develop").rows[0] == [
        "Consultation with service professionals",
        "SM, PR",
    ]


def test_impact_levels_by_group(figures_round):
    report = reports.authority_report(figures_round["confident"], full=True)

    rows = table(report, "impact", "Self-placed level").rows
    assert rows[2] == ["Practitioners", 0, 2, 1, 0, 0, "2.0"]
    assert section(report, "impact").chart.startswith("<svg")


def test_small_counts_are_suppressed_in_the_version_shared_beyond_the_authority(figures_round):
    full = reports.authority_report(figures_round["confident"], full=True)
    shared = reports.authority_report(figures_round["confident"], full=False)

    assert table(full, "about", "Answers sent").rows[2] == ["Practitioners", 3]
    assert table(shared, "about", "Answers sent").rows[2] == ["Practitioners", "<5"]
    assert table(shared, "about", "Answers sent").rows[3] == ["Parents and carers", 6]
    assert table(full, "dimensions", "Mean scores").rows[0][3] == "4.0"
    assert table(shared, "dimensions", "Mean scores").rows[0][3] == "<5 answers"


def test_box_6_answer_and_evidence(figures_round):
    report = reports.authority_report(figures_round["confident"], full=True)

    assert section(report, "evidence").paragraphs == [
        "The director's answer: Evidence of quantified improvements ascribed to integrated children's services.",
        "The evidence described: LAC numbers down 12%",
    ]


def test_consortium_report_reproduces_the_studys_tables(figures_round):
    report = reports.consortium_report(figures_round["round"], names_shown_for=set(), own=None)

    assert table(report, "table1", "Parents").rows == [
        [1, "Enhanced confidence/self-esteem", 6],
        [2, "Getting on well with school work", 5],
    ]
    assert table(report, "table1", "Children").rows == []  # 3 children: under the minimum of 5
    practitioners = table(report, "table2", "Key contributing features: Practitioners").rows
    # Named in both authorities: ICT, multi-agency panels, holistic view (one practitioner each)
    assert [row[1] for row in practitioners[:3]] == [
        "Multi-agency panels and meetings",
        "Holistic view of the child",
        "ICT",
    ]
    assert all(row[2] >= 1 for row in practitioners)
    assert [row[3] for row in practitioners[:3]] == ["<5", "<5", "<5"]
    box6 = dict((row[0][:20], row[1]) for row in table(report, "box6", "Responses").rows)
    assert box6["Evidence of quantifi"] == 1 and box6["No response"] == 1


def test_benchmarking_names_only_the_viewers_own_authority(figures_round):
    own = figures_round["earlier"].pk

    report = reports.consortium_report(figures_round["round"], names_shown_for=set(), own=own)

    rows = table(report, "benchmarking", "Authorities by confidence").rows
    names = [row[0] for row in rows]
    assert names[1] == "Eastborough (yours)"
    assert names[0].startswith("Authority ") and "Westshire" not in " ".join(names)
    assert rows[0][1:3] == ["More confident", "59"]


def test_trends_follow_an_authority_across_rounds(figures_round):
    later = ParticipantFactory(round=RoundFactory(name="Round 2"), authority=figures_round["confident"].authority)
    coder = figures_round["coder"]
    for group, levels in {"dcs": [4], "manager": [4, 4], "practitioner": [4]}.items():
        staff_answers(later, group, levels, FIGURE_2, IMPACTS_2, {}, coder)

    report = reports.trends(later.authority, full=True)

    rows = table(report, "trend_index", "Round by round").rows
    assert [row[0] for row in rows] == ["Round 1", "Round 2"]
    assert rows[0][2] == "59"
    assert int(rows[1][2]) > 59


# Pages and downloads


@pytest.fixture
def westshire_director(client, figures_round):
    director = PractitionerFactory(role=Role.DIRECTOR, agency__authority=figures_round["confident"].authority)
    client.force_login(director.user)
    return client


def test_a_director_opens_their_authoritys_report_with_charts(westshire_director, figures_round):
    page = westshire_director.get(f"/self-evaluation/authorities/{figures_round['confident'].pk}/report")

    html = page.content.decode()
    assert page.status_code == 200
    assert "How confident is integrated working here?" in html
    assert '<svg role="img"' in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_a_director_cannot_open_another_authoritys_report(westshire_director, figures_round):
    assert (
        westshire_director.get(f"/self-evaluation/authorities/{figures_round['earlier'].pk}/report").status_code == 404
    )


def test_the_report_downloads_as_pdf_and_spreadsheet(westshire_director, figures_round):
    base = f"/self-evaluation/authorities/{figures_round['confident'].pk}/report"

    pdf = westshire_director.get(f"{base}.pdf")
    xlsx = westshire_director.get(f"{base}.xlsx?version=shared")

    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert 'filename="westshire-round-1.pdf"' in pdf["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Summary"
    assert "Answers sent, by group" in book.sheetnames
    assert [c.value for c in book["Answers sent, by group"][5]] == ["Practitioners", "<5"]


def test_the_consortium_page_for_a_director(westshire_director, figures_round):
    page = westshire_director.get(f"/self-evaluation/rounds/{figures_round['round'].pk}/report")

    html = page.content.decode()
    assert "Westshire (yours)" in html and "Eastborough" not in html
    assert "Table 2: key contributing features" in html


def test_the_consortium_report_downloads_with_the_same_suppression(westshire_director, figures_round):
    xlsx = westshire_director.get(f"/self-evaluation/rounds/{figures_round['round'].pk}/report.xlsx")

    book = load_workbook(io.BytesIO(xlsx.content))
    rows = [[c.value for c in row] for row in book["Authorities by confidence index"].iter_rows(min_row=3)]
    assert [row[0] for row in rows] == ["Westshire (yours)", rows[1][0]]
    assert rows[1][0].startswith("Authority ")
    assert rows[1][5] == 6  # the other authority's staff: 6 answers, shown
    practitioners = [[c.value for c in row] for row in book["Key contributing features Pract"].iter_rows(min_row=3)]
    assert practitioners[0][3] == "<5"  # one practitioner in each authority named it: suppressed


def test_the_trends_page_and_the_home_page_for_a_director(westshire_director, figures_round):
    trends = westshire_director.get(f"/self-evaluation/authorities/{figures_round['confident'].pk}/trends")
    home = westshire_director.get("/self-evaluation/")

    assert "Confidence over time" in trends.content.decode()
    assert "Your authority&#39;s report" in home.content.decode()


def test_a_group_too_small_to_stay_anonymous_is_not_named_beyond_the_authority():
    """One director naming a feature would be one person's view, named."""
    from types import SimpleNamespace

    from joinedup.selfeval.method import Respondent
    from joinedup.selfeval.reports import _features_section

    staff = [Respondent(id=1, authority=1, group="dcs", contributing={"locality"})] + [
        Respondent(id=n, authority=1, group="practitioner", contributing={"locality"}) for n in range(2, 8)
    ]
    labels = {"locality": SimpleNamespace(name="Locality working")}

    shared = _features_section(staff, labels, full=False).tables[0].rows
    own = _features_section(staff, labels, full=True).tables[0].rows

    assert shared == [["Locality working", "PR"]]
    assert own == [["Locality working", "DCS, PR"]]
