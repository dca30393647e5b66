"""The demo consortium: the generator knows no Django and repeats itself for a seed; the loader
fills every report and loads once."""

import ast
from pathlib import Path

import pytest
from django.core.management import call_command

from joinedup.agencies.tests.factories import LocalAuthorityFactory, LocalityFactory
from joinedup.selfeval import reports
from joinedup.selfeval.demo import consortium, loader
from joinedup.selfeval.models import Coding, ParticipatingAuthority, Response, Round


def test_the_generator_imports_no_django():
    source = Path(consortium.__file__).read_text()
    imported = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not [name for name in imported if name and name.startswith("django")]


def test_the_same_seed_gives_the_same_consortium():
    first, again, other = consortium.generate(seed=7), consortium.generate(seed=7), consortium.generate(seed=8)

    assert first.responses == again.responses
    assert first.responses != other.responses


def test_fourteen_authorities_with_every_group_in_every_round():
    generated = consortium.generate(seed=7)

    assert len(generated.authorities) == 14
    for number, *_ in generated.rounds:
        for index in range(14):
            groups = {r.instrument for r in generated.responses if r.round_number == number and r.authority == index}
            assert {"manager", "practitioner", "parent", "child"} <= groups


def test_open_answers_are_varied_and_carry_their_codes():
    generated = consortium.generate(seed=7)
    coded = [(r.answers[k]["text"], v) for r in generated.responses for k, v in r.codes.items()]

    texts = [text for text, _ in coded]
    assert len(coded) > 1000
    assert len(set(texts)) / len(texts) > 0.6
    assert all(codes for _, codes in coded)


@pytest.mark.django_db
def test_the_demo_authority_joins_first_and_every_report_is_filled(capsys):
    authority = LocalAuthorityFactory(name="Northshire", la_code="813")
    LocalityFactory(authority=authority, name="Riverside")

    call_command("selfeval_demo", seed=7)
    printed = capsys.readouterr().out

    assert "14 authorities, 2 rounds" in printed
    own = ParticipatingAuthority.objects.get(authority=authority, round__number=2)
    assert own.locality.name == "Riverside"
    report = reports.authority_report(own, full=True)
    assert dict(report.summary)["Confidence index (0 to 100)"] != "–"
    consortium_report = reports.consortium_report(own.round, names_shown_for=set(), own=own.pk)
    table1 = next(s for s in consortium_report.sections if s.key == "table1").tables[0]
    assert len(table1.rows) >= 10
    assert Response.objects.filter(submitted_at__isnull=True).exists(), "some saved and not sent"
    assert Coding.objects.filter(coder__username=loader.SECOND_CODER).exists()

    call_command("selfeval_demo", seed=7)
    assert "already loaded" in capsys.readouterr().out
    assert Round.objects.count() == 2
