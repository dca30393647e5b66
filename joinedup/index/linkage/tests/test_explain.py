from joinedup.index.linkage.explain import explain_pairs

from .conftest import canonical, record

WILLIAM = dict(forenames="William James", surname="Smith", date_of_birth="2012-03-04", sex="M", postcode="NX4 2AB")


def test_a_pair_is_explained_comparison_by_comparison():
    frame = canonical(
        record("health", "1", **WILLIAM),
        record("school", "9", **{**WILLIAM, "forenames": "Bill James", "date_of_birth": "2012-04-03"}),
    )

    [explanation] = explain_pairs(frame, [("health:1", "school:9")])

    evidence = {item.comparison: item for item in explanation.evidence}
    assert evidence["forename"].level == "Nickname (Bill ~ William)"
    assert evidence["forename"].match_weight > 0
    assert evidence["date_of_birth"].level == "Day and month swapped"
    assert evidence["middle_names"].level == "Same middle names"
    assert evidence["nhs_number"].level == "Missing on one record or both"
    assert evidence["nhs_number"].match_weight == 0
    total = explanation.prior_weight + sum(item.match_weight for item in explanation.evidence)
    assert abs(total - explanation.match_weight) < 1e-6
    assert explanation.match_probability > 0.99


def test_a_twin_is_told_apart_by_the_forename_alone():
    twin = dict(surname="Okafor", date_of_birth="2016-09-12", sex="F", postcode="NX4 2AB")
    frame = canonical(record("health", "1", forenames="Grace", **twin), record("health", "2", forenames="Hope", **twin))

    [explanation] = explain_pairs(frame, [("health:1", "health:2")])

    evidence = {item.comparison: item for item in explanation.evidence}
    agreeing = sum(item.match_weight for item in explanation.evidence if item.match_weight > 0)
    assert evidence["forename"].level == "First names differ and no identifier agrees"
    assert -evidence["forename"].match_weight > agreeing
    assert explanation.match_probability < 0.001
