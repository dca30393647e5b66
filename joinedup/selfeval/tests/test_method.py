"""The LARC method on small cases worked out by hand. Figures 2 and 3 of the Round 1 report are
used as data: the features each group named in a 'confident' authority and in one at an earlier
stage of integration."""

import pytest

from joinedup.selfeval import method
from joinedup.selfeval.method import Respondent

# Figure 2: a 'confident' children's services authority
FIGURE_2 = {
    "dcs": {"locality_working", "holistic_view", "needs_analysis_planning", "ict", "relationships_cultures",
            "workforce_training"},
    "manager": {"locality_working", "holistic_view", "needs_analysis_planning", "multi_agency_panels", "vision",
                "workforce_training", "working_together"},
    "practitioner": {"locality_working", "holistic_view", "multi_agency_panels", "vision", "ict",
                     "relationships_cultures", "leadership", "working_together"},
}  # fmt: skip
FIGURE_2_TO_DEVELOP = {
    "manager": {"co_location", "consultation_professionals"},
    "practitioner": {"co_location", "consultation_professionals", "leadership", "communication"},
}
# Figure 3: an authority at an earlier stage of integration
FIGURE_3 = {
    "dcs": {"ict", "locality_working", "early_intervention", "needs_analysis_planning", "multi_agency_working"},
    "manager": {"multi_agency_panels", "locality_working", "holistic_view", "needs_analysis_planning",
                "multi_agency_working"},
    "practitioner": {"multi_agency_panels", "ict", "early_intervention", "holistic_view"},
}  # fmt: skip


def people(authority, features, levels, impacts, to_develop=None):
    """One respondent per level given; the group's features and impacts go to its first respondent."""
    result = []
    for group, group_levels in levels.items():
        for n, level in enumerate(group_levels):
            result.append(
                Respondent(
                    id=len(result) + 100 * authority,
                    authority=authority,
                    group=group,
                    level=level,
                    contributing=set(features.get(group, set())) if n == 0 else set(),
                    to_develop=set((to_develop or {}).get(group, set())) if n == 0 else set(),
                    impacts=set(impacts.get(group, set())) if n == 0 else set(),
                )
            )
    return result


CONFIDENT = people(
    1,
    FIGURE_2,
    {"dcs": [3], "manager": [2, 3, 3], "practitioner": [2, 2, 3]},
    {
        "dcs": {"tools_frameworks", "structures", "dialogue_closer_working"},
        "manager": {"tools_frameworks", "dialogue_closer_working", "better_access"},
        "practitioner": {"dialogue_closer_working", "better_access", "increased_workload"},
    },
    FIGURE_2_TO_DEVELOP,
)
EARLIER = people(
    2,
    FIGURE_3,
    {"dcs": [2], "manager": [1, 2], "practitioner": [1, 1, 2]},
    {
        "dcs": {"tools_frameworks"},
        "manager": {"tools_frameworks", "structures"},
        "practitioner": {"increased_workload"},
    },
)


def test_jaccard_is_shared_over_all_named():
    assert method.jaccard({"a", "b", "c"}, {"b", "c", "d"}) == pytest.approx(2 / 4)
    assert method.jaccard(set(), set()) is None


def test_feature_agreement_in_figure_2_is_the_mean_of_three_overlaps():
    # DCS-SM share 4 of 9, DCS-PR 4 of 10, SM-PR 5 of 10
    assert method.pairwise_agreement(FIGURE_2) == pytest.approx((4 / 9 + 4 / 10 + 5 / 10) / 3)


def test_feature_agreement_in_figure_3_is_lower():
    # DCS-SM share 3 of 7, DCS-PR 2 of 7, SM-PR 2 of 7
    assert method.pairwise_agreement(FIGURE_3) == pytest.approx(1 / 3)


def test_agreement_needs_two_groups():
    assert method.pairwise_agreement({"dcs": {"ict"}}) is None
    assert method.level_agreement({"dcs": 2.0}) is None


def test_impact_profile_counts_levels_and_too_early_by_group():
    answers = [
        Respondent(1, 1, "practitioner", level=2),
        Respondent(2, 1, "practitioner", level=2),
        Respondent(3, 1, "practitioner", too_early=True),
        Respondent(4, 1, "manager", level=3),
        Respondent(5, 1, "parent", level=None),
    ]

    profile = method.impact_profile(answers)

    assert profile["practitioner"] == {2: 2, "too_early": 1}
    assert profile["manager"] == {3: 1}
    assert profile["dcs"] == {}
    assert "parent" not in profile


def test_group_levels_are_medians():
    assert method.group_levels(CONFIDENT) == {"dcs": 3.0, "manager": 3.0, "practitioner": 2.0}
    assert method.group_levels(EARLIER) == {"dcs": 2.0, "manager": 1.5, "practitioner": 1.0}


def test_confidence_of_the_figure_2_authority_worked_by_hand():
    result = method.confidence(CONFIDENT)

    assert result.level == 3.0  # median of 3, 3 and 2
    assert result.impact_score == pytest.approx(2 / 3)  # (3 - 1) / 3
    assert result.feature_agreement == pytest.approx(0.448148, abs=1e-6)
    assert result.impact_agreement == pytest.approx((2 / 4 + 1 / 5 + 2 / 4) / 3)  # 0.4
    assert result.level_agreement == pytest.approx(1 - 1 / 3)  # levels span 2 to 3
    assert result.agreement == pytest.approx((0.448148 + 0.4 + 2 / 3) / 3, abs=1e-6)
    assert result.index == pytest.approx((2 / 3 + 0.504938) / 2, abs=1e-6)  # 0.5858
    assert result.shared_features == ("holistic_view", "locality_working")


def test_confidence_of_the_figure_3_authority_worked_by_hand():
    result = method.confidence(EARLIER)

    assert result.level == 1.5  # median of 2, 1.5 and 1
    assert result.impact_score == pytest.approx(0.5 / 3)
    assert result.impact_agreement == pytest.approx((1 / 2 + 0 + 0) / 3)
    assert result.index == pytest.approx((0.5 / 3 + (1 / 3 + 1 / 6 + 2 / 3) / 3) / 2)  # 0.2778
    assert result.shared_features == ()  # "none of the positive features are highlighted by all three groups"


def test_no_index_without_levels_or_without_two_groups():
    only_directors = [Respondent(1, 1, "dcs", level=2, contributing={"ict"})]

    assert method.confidence(only_directors).index is None
    assert method.confidence([Respondent(1, 1, "dcs"), Respondent(2, 1, "manager")]).index is None


def test_bands_are_thirds_of_the_round_by_index():
    indices = {1: 0.9, 2: 0.8, 3: 0.7, 4: 0.6, 5: 0.5, 6: 0.4, 7: None}

    result = method.bands(indices)

    assert result == {
        1: "More confident",
        2: "More confident",
        3: "Developing",
        4: "Developing",
        5: "Earlier stage",
        6: "Earlier stage",
    }


def test_tied_authorities_share_the_better_band():
    assert method.bands({1: 0.5, 2: 0.5, 3: 0.1}) == {1: "More confident", 2: "More confident", 3: "Earlier stage"}


def test_figure_2_lists_features_shared_by_all_groups_first():
    order = ["holistic_view", "locality_working", "needs_analysis_planning", "workforce_training"]

    figure = method.feature_figure(CONFIDENT, order)

    assert figure["contributing"][:2] == [
        ("holistic_view", ["dcs", "manager", "practitioner"]),
        ("locality_working", ["dcs", "manager", "practitioner"]),
    ]
    assert ("leadership", ["practitioner"]) == figure["contributing"][-1]
    assert figure["to_develop"][0] == ("co_location", ["manager", "practitioner"])
    assert len(figure["contributing"]) == 10 and len(figure["to_develop"]) == 4


# Table 2: ranked by authorities, then participants


def practitioners_naming(feature, authorities_and_people):
    result = []
    for authority, count in authorities_and_people.items():
        result += [Respondent(len(result), authority, "practitioner", contributing={feature}) for _ in range(count)]
    return result


def test_table_2_ranks_by_authorities_then_participants_at_least_half():
    answers = (
        practitioners_naming("working_together", {1: 1, 2: 1, 3: 1})  # 3 authorities, 3 people
        + practitioners_naming("communication", {1: 3, 2: 1, 3: 1})  # 3 authorities, 5 people
        + practitioners_naming("locality_working", {1: 1, 2: 1, 3: 1, 4: 1})  # 4 authorities, 4 people
        + practitioners_naming("time", {4: 6})  # 1 authority, 6 people: under half of 4
        + practitioners_naming("ict", {2: 1, 4: 1})  # 2 authorities: exactly half
    )

    table = method.table2(answers, "practitioner")

    assert [(r.key, r.authorities, r.participants) for r in table] == [
        ("locality_working", 4, 4),
        ("communication", 3, 5),
        ("working_together", 3, 3),
        ("ict", 2, 2),
    ]


def test_table_2_ties_keep_the_codebook_order():
    answers = practitioners_naming("vision", {1: 1, 2: 1}) + practitioners_naming("ict", {1: 1, 2: 1})

    assert [r.key for r in method.table2(answers, "practitioner", order=["vision", "ict"])] == ["vision", "ict"]
    assert [r.key for r in method.table2(answers, "practitioner")] == ["ict", "vision"]


def test_table_2_counts_a_group_only_in_its_own_column():
    answers = practitioners_naming("ict", {1: 2}) + [Respondent(9, 1, "manager", contributing={"vision"})]

    assert [r.key for r in method.table2(answers, "manager")] == ["vision"]


# Table 1: rank order with a minimum count


def test_table_1_keeps_views_given_by_five_or_more_in_rank_order():
    def parents(outcome, count):
        return [Respondent(i, 1, "parent", outcomes={outcome}) for i in range(count)]

    answers = parents("confidence", 7) + parents("feel_happier", 5) + parents("school_work", 5) + parents("calmer", 4)
    answers += [Respondent(99, 1, "child", outcomes={"calmer"}) for _ in range(3)]

    assert method.table1(answers, "parent", order=["confidence", "school_work", "feel_happier"]) == [
        ("confidence", 7),
        ("school_work", 5),
        ("feel_happier", 5),
    ]
    assert method.table1(answers, "child") == []
    assert method.table1(answers, "child", min_count=3) == [("calmer", 3)]


# Box 6


def test_box_6_tallies_each_authoritys_answer_and_counts_silence():
    answers = (
        [Respondent(a, a, "dcs", quantified_evidence="early_days") for a in range(1, 7)]
        + [Respondent(a, a, "dcs", quantified_evidence="not_ascribed") for a in range(7, 10)]
        + [Respondent(a, a, "dcs", quantified_evidence="ascribed") for a in (10, 11)]
        + [Respondent(12, 12, "manager", quantified_evidence="ascribed")]  # not a director: not counted
    )

    assert method.box6(answers, range(1, 15)) == {"early_days": 6, "not_ascribed": 3, "ascribed": 2, "no_response": 3}


# Dimensions


def test_dimension_means_average_each_persons_mean():
    answers = [
        Respondent(1, 1, "dcs", dimensions={"extent": [4, 5], "reach": [2]}),
        Respondent(2, 1, "practitioner", dimensions={"extent": [2], "reach": []}),
    ]

    assert method.dimension_means(answers) == {"extent": (pytest.approx(3.25), 2), "reach": (2, 1)}


# Small counts


@pytest.mark.parametrize(
    "count, full, shown",
    [(0, False, 0), (1, False, "<5"), (4, False, "<5"), (5, False, 5), (12, False, 12), (3, True, 3)],
)
def test_counts_under_five_are_suppressed_beyond_the_authority(count, full, shown):
    assert method.suppressed(count, full=full) == shown


def test_means_of_fewer_than_five_answers_are_suppressed_beyond_the_authority():
    assert method.mean_or_suppressed(3.456, 4, full=False) == "<5 answers"
    assert method.mean_or_suppressed(3.456, 4, full=True) == "3.5"
    assert method.mean_or_suppressed(3.456, 5, full=False) == "3.5"
    assert method.mean_or_suppressed(None, 0, full=True) == "–"


# Cohen's kappa on known examples


def labels(both_yes, first_only, second_only, both_no):
    first = ["yes"] * both_yes + ["yes"] * first_only + ["no"] * second_only + ["no"] * both_no
    second = ["yes"] * both_yes + ["no"] * first_only + ["yes"] * second_only + ["no"] * both_no
    return first, second


@pytest.mark.parametrize(
    "table, kappa",
    [
        ((20, 5, 10, 15), 0.4),  # po 0.70, pe 0.50
        ((45, 15, 25, 15), 0.1304),  # po 0.60, pe 0.54
        ((25, 35, 5, 35), 0.2593),  # po 0.60, pe 0.46: same agreement, different kappa
        ((10, 0, 0, 10), 1.0),
        ((0, 10, 10, 0), -1.0),
    ],
)
def test_cohens_kappa_on_two_by_two_tables(table, kappa):
    assert method.cohens_kappa(*labels(*table)) == pytest.approx(kappa, abs=1e-4)


def test_cohens_kappa_with_three_categories():
    first = ["a", "a", "b", "b", "c", "c"]
    second = ["a", "b", "b", "b", "c", "a"]
    # po = 4/6; pe = (2*2 + 2*3 + 2*1) / 36 = 1/3; kappa = (2/3 - 1/3) / (2/3)
    assert method.cohens_kappa(first, second) == pytest.approx(0.5)


def test_kappa_is_undefined_without_items_or_variation():
    assert method.cohens_kappa([], []) is None
    assert method.cohens_kappa(["a", "a"], ["a", "a"]) is None
    with pytest.raises(ValueError, match="same items"):
        method.cohens_kappa(["a"], ["a", "b"])


def test_per_code_and_pooled_kappa_for_answers_with_several_codes():
    first = [{"ict", "vision"}, {"ict"}, {"time"}, {"vision"}]
    second = [{"ict"}, {"ict"}, {"time"}, {"vision", "time"}]

    per_code = method.code_kappas(first, second, ["ict", "vision", "time", "leadership"])

    assert per_code["ict"] == pytest.approx(1.0)
    # vision: yes/no, no/no, no/no, yes/yes: po 3/4, pe = .5*.25 + .5*.75 = .5, kappa .5
    assert per_code["vision"] == pytest.approx(0.5)
    # time: no/no, no/no, yes/yes, no/yes: po 3/4, pe = .25*.5 + .75*.5 = .5, kappa .5
    assert per_code["time"] == pytest.approx(0.5)
    assert per_code["leadership"] is None
    # pooled over ict, vision, time: po = (1 + .75 + .75)/3, pe = (.5 + .5 + .5)/3
    assert method.pooled_kappa(first, second, ["ict", "vision", "time", "leadership"]) == pytest.approx(
        (2.5 / 3 - 0.5) / 0.5
    )
