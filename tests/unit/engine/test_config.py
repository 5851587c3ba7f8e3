from __future__ import annotations

import json
import pickle

import pytest

from workers.engine import (
    Direction,
    EngineConfigError,
    Strategy,
    default_config_document,
    engine_config_from_dict,
    load_engine_config,
)
from workers.engine.fieldmap import FIELD_SPECS


def test_defaults_without_a_file():
    config = load_engine_config(None)
    assert config.synced_paths == [spec.path for spec in FIELD_SPECS]
    assert config.stage_for("default", "closedwon") == "Launched"
    assert config.dealstage_for("default", "Closed Lost") == "closedlost"
    assert config.strategies["LifeCycle.Stage"] is Strategy.LAST_WRITE_WINS
    assert config.directions["Customer.Account.CompanyName"] is Direction.PUSH
    assert config.hubspot_timezone == "UTC" and config.currency == "USD"


def test_toml_file_overrides_defaults(tmp_path):
    path = tmp_path / "engine.toml"
    path.write_text(
        """
hubspot_timezone = "Europe/Berlin"
title_strip_tags = ["#AWS", "[aws]"]

[pipelines.default.stages]
appointmentscheduled = "Prospect"
qualifiedtobuy = "Prospect"
closedwon = "Launched"
closedlost = "Closed Lost"

[pipelines.default.reverse]
Prospect = "qualifiedtobuy"

[industry_overrides]
RESEARCH = "Life Sciences"

[opportunity_types]
renewal = "Flat Renewal"

[fields."LifeCycle.NextSteps"]
enabled = false

[fields."Project.CustomerBusinessProblem"]
strategy = "MANUAL"
properties = ["aws_business_problem"]
""",
        encoding="utf-8",
    )
    config = load_engine_config(str(path))
    assert config.hubspot_timezone == "Europe/Berlin"
    assert config.title_strip_tags == ("#AWS", "[aws]")
    assert config.dealstage_for("default", "Prospect") == "qualifiedtobuy"
    assert (
        config.stage_for("default", "contractsent") is None
    )  # the file's table replaces the pipeline
    assert config.industry_overrides == {"RESEARCH": "Life Sciences"}
    assert config.opportunity_types["renewal"] == "Flat Renewal"
    assert config.opportunity_types["newbusiness"] == "Net New Business"  # defaults kept
    assert "LifeCycle.NextSteps" not in config.synced_paths
    problem = config.settings("Project.CustomerBusinessProblem")
    assert problem.strategy is Strategy.MANUAL and problem.properties == ("aws_business_problem",)
    assert problem.direction is Direction.BOTH


def test_json_file_is_accepted_and_the_default_document_round_trips(tmp_path):
    path = tmp_path / "engine.json"
    path.write_text(json.dumps(default_config_document()), encoding="utf-8")
    assert load_engine_config(str(path)) == load_engine_config(None)


def test_direction_change_implies_the_strategy():
    config = engine_config_from_dict({"fields": {"LifeCycle.Stage": {"direction": "pull"}}})
    assert config.strategies["LifeCycle.Stage"] is Strategy.PARTNER_CENTRAL_WINS


def _errors(raw) -> dict[str, list[str]]:
    with pytest.raises(EngineConfigError) as caught:
        engine_config_from_dict(raw, origin="engine.toml")
    assert "engine.toml" in str(caught.value)
    return caught.value.errors


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ({"colour": "blue"}, "colour", "Unknown field"),
        ({"hubspot_timezone": "Mars/Olympus"}, "hubspot_timezone", "unknown time zone"),
        ({"currency": "XYZ"}, "currency", "Must be one of"),
        ({"pipelines": {"p": {"stages": {"s1": "Won"}}}}, "pipelines.p.stages.s1", "Prospect"),
        (
            {"pipelines": {"p": {"stages": {"a": "Prospect"}, "reverse": {"Prospect": "zz"}}}},
            "pipelines.p.reverse",
            "zz",
        ),
        ({"pipelines": {"p": {}}}, "pipelines.p.stages", "required"),
        (
            {"industry_overrides": {"RESEARCH": "Science"}},
            "industry_overrides.RESEARCH",
            "Must be one of",
        ),
        (
            {"opportunity_types": {"renewal": "Renewal"}},
            "opportunity_types.renewal",
            "Must be one of",
        ),
        ({"fields": {"Project.Budget": {}}}, "fields.Project.Budget (key)", "Must be one of"),
        (
            {"fields": {"LifeCycle.Stage": {"strategy": "NEWEST"}}},
            "fields.LifeCycle.Stage.strategy",
            "Must be one of",
        ),
        (
            {"fields": {"LifeCycle.Stage": {"direction": "sideways"}}},
            "fields.LifeCycle.Stage.direction",
            "Must be one of",
        ),
        (
            {"fields": {"LifeCycle.Stage": {"colour": 1}}},
            "fields.LifeCycle.Stage.colour",
            "Unknown field",
        ),
        (
            {"fields": {"LifeCycle.Stage": {"properties": []}}},
            "fields.LifeCycle.Stage.properties",
            "Shorter than minimum length",
        ),
        (
            {"fields": {"Project.Title": {"strategy": "PARTNER_CENTRAL_WINS"}}},
            "fields.Project.Title.strategy",
            "push-only",
        ),
        (
            {"fields": {"Customer.Contacts": {"direction": "both"}}},
            "fields.Customer.Contacts.direction",
            "cannot",
        ),
        ({"default_pipeline": "enterprise"}, "default_pipeline", "no stage table"),
        # Partner Central takes monthly spend in USD or EUR only.
        ({"currency": "GBP"}, "currency", "Must be one of"),
        ({"spend_months": 0}, "spend_months", "greater than or equal to 1"),
        (
            {"property_defaults": {"aws_delivery_models": "SaaS or PaaS;Hosting"}},
            "property_defaults.aws_delivery_models",
            "['Hosting']",
        ),
        (
            {"property_defaults": {"dealname": "x"}},
            "property_defaults.dealname (key)",
            "Must be one of",
        ),
    ],
)
def test_bad_configuration_names_the_key(raw, key, fragment):
    errors = _errors(raw)
    assert key in errors, errors
    assert any(fragment in message for message in errors[key]), errors[key]


def test_all_errors_are_reported_at_once():
    errors = _errors(
        {"colour": "blue", "currency": "XYZ", "fields": {"LifeCycle.Stage": {"strategy": "X"}}}
    )
    assert {"colour", "currency", "fields.LifeCycle.Stage.strategy"} <= set(errors)


def test_bad_file_syntax_and_suffix_are_clear_errors(tmp_path):
    broken = tmp_path / "engine.toml"
    broken.write_text("fields = [", encoding="utf-8")
    with pytest.raises(EngineConfigError, match="not valid toml"):
        load_engine_config(str(broken))
    yaml = tmp_path / "engine.yaml"
    yaml.write_text("a: 1", encoding="utf-8")
    with pytest.raises(EngineConfigError, match=r"\.toml or \.json"):
        load_engine_config(str(yaml))
    with pytest.raises(EngineConfigError, match="cannot read"):
        load_engine_config(str(tmp_path / "missing.toml"))
    top_level_list = tmp_path / "engine.json"
    top_level_list.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(EngineConfigError, match="top level"):
        load_engine_config(str(top_level_list))


def test_config_error_survives_pickling():
    error = EngineConfigError("bad", {"currency": ["Must be one of"]})
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "bad" and copy.errors == {"currency": ["Must be one of"]}
