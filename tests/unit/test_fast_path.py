"""The compiled validator (jsonschema-rs) must agree with jsonschema (the reference).

jobhook uses jsonschema-rs only to answer "valid" quickly; when it says invalid, the
reference builds the messages. So both must say valid for exactly the same payloads.
"""

from __future__ import annotations

import pytest
from _payload_corpus import odd_python_payloads, payloads

from jobhook_testkit import load_schema, schema

jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="no jsonschema-rs wheel here")


def test_compiled_and_reference_validators_agree_on_validity() -> None:
    reference = schema._validator()
    fast = jsonschema_rs.Draft202012Validator(load_schema(), validate_formats=True)
    disagreements = []
    checked = valid = 0
    for payload in payloads(4000):
        expected = reference.is_valid(payload)
        checked += 1
        valid += expected
        if fast.is_valid(payload) != expected:
            disagreements.append(payload)
    assert not disagreements, disagreements[:5]
    assert 0.2 < valid / checked < 0.8  # the sample really exercises both answers


def test_validate_uses_the_compiled_validator_by_default() -> None:
    assert schema._fast_validator() is not None


def test_output_is_the_same_with_and_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = list(payloads(300))
    with_fast = [schema.validate(p) for p in corpus]
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    monkeypatch.setattr(schema, "_pre_check", lambda: None)  # the reference alone
    assert [schema.validate(p) for p in corpus] == with_fast


def test_python_values_that_are_not_plain_json_get_the_reference_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The compiled validator read Decimal("3") as a valid count where jsonschema does
    # not, and raised ValueError on a mappingproxy or a non-string key: validate() must
    # neither raise nor answer differently with it.
    odd = odd_python_payloads()
    with_fast = [schema.validate(p) for p in odd]
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    monkeypatch.setattr(schema, "_pre_check", lambda: None)
    assert [schema.validate(p) for p in odd] == with_fast
    assert [bool(v) for v in with_fast] == [True, True, True, False, False, True, True, False]
