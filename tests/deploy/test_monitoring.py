"""Observability that reaches someone: JSON logs, alarms that notify, a dashboard, access logs
that keep secrets out, failure destinations, and metrics the code really emits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sniper import metrics
from sniper.devstack.local.template import Template

TOPIC = {"Ref": "AlarmTopic"}
# What an access log line may say: no header, no raw path or query string, no caller identity.
ACCESS_LOG_VARIABLES = frozenset(
    {"requestId", "requestTimeEpoch", "httpMethod", "routeKey", "status", "protocol",
     "responseLength", "responseLatency", "integrationLatency", "integrationStatus",
     "error.message", "authorizer.error"}
)  # fmt: skip


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template.of_type("AWS::CloudWatch::Alarm").items()}


def _substituted(text: str) -> str:
    """A !Sub body with each ${...} replaced by a placeholder, so it can be parsed."""
    return re.sub(r"\$\{([^}]+)\}", lambda m: "SUB:" + m.group(1), text)


# ---------------------------------------------------------------- alarms reach someone


def test_every_alarm_acts_on_the_alarm_topic(template: Template) -> None:
    alarms = _alarms(template)
    assert len(alarms) >= 10
    for name, alarm in alarms.items():
        assert TOPIC in alarm.get("AlarmActions", []), f"{name} notifies nobody"
        assert TOPIC in alarm.get("OKActions", []), f"{name} never says it recovered"


def test_the_alarm_email_subscribes_to_the_topic_when_given(template: Template) -> None:
    parameter = template.parameters["AlarmEmail"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert parameter["Default"] == "" and pattern.fullmatch("")
    assert pattern.fullmatch("ops@example.com")
    assert not pattern.fullmatch("not an address")
    subscription = template.resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": TOPIC, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}
    }  # fmt: skip
    assert template.document["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def test_the_alarms_the_operator_needs_exist(template: Template) -> None:
    # (namespace, metric, dimension value) of every single-metric alarm.
    watched = {
        (_key(alarm["Namespace"]), alarm["MetricName"], _key(dimension["Value"]))
        for alarm in _alarms(template).values()
        if "MetricName" in alarm
        for dimension in alarm.get("Dimensions", [])
    }
    depth = (_key("AWS/SQS"), "ApproximateNumberOfMessagesVisible")
    errors = (_key("AWS/Lambda"), "Errors")
    expected = {
        (*depth, _key({"Fn::GetAtt": ["BidExecutorDeadLetterQueue", "QueueName"]})),
        (*depth, _key({"Fn::GetAtt": ["NotificationDeadLetterQueue", "QueueName"]})),
        (*depth, _key({"Fn::GetAtt": ["TokenRefreshDeadLetterQueue", "QueueName"]})),
        (*errors, _key({"Ref": "TokenRefreshFunction"})),
        (*errors, _key({"Ref": "BidExecutorFunction"})),
        (_key("AWS/ApiGateway"), "5xx", _key({"Ref": "HttpApi"})),
        (_key(_namespace(template)), "SnipesLate", _key("ebay-sniper")),
        (_key(_namespace(template)), "SnipesLost", _key("ebay-sniper")),
    }
    assert expected <= watched


def test_the_throttle_alarm_sums_every_function(template: Template) -> None:
    alarm = _alarms(template)["FunctionThrottlesAlarm"]
    stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert {s["Metric"]["MetricName"] for s in stats} == {"Throttles"}
    functions = {s["Metric"]["Dimensions"][0]["Value"]["Ref"] for s in stats}
    assert functions == set(template.of_type("AWS::Serverless::Function"))
    (total,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert total["Expression"] == "SUM(METRICS())"


# ---------------------------------------------------------------- metrics: one namespace, real names


def _namespace(template: Template) -> Any:
    return template.globals["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def test_custom_metric_alarms_read_what_the_code_emits(template: Template) -> None:
    namespace = _namespace(template)
    assert namespace == {"Fn::Sub": "EbaySniper/${AWS::StackName}"}
    service = template.globals["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for name, alarm in _alarms(template).items():
        if alarm.get("Namespace") == namespace:
            assert alarm["MetricName"] in metrics.METRIC_NAMES, name
            assert alarm["Dimensions"] == [{"Name": "service", "Value": service}], name


def _dashboard(template: Template) -> dict[str, Any]:
    body = template.resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    parsed: dict[str, Any] = json.loads(_substituted(body))
    return parsed


def test_the_dashboard_has_the_guides_panels_and_ours(template: Template) -> None:
    widgets = _dashboard(template)["widgets"]
    titles = " | ".join(w["properties"]["title"] for w in widgets)
    for panel in ("API requests", "API latency", "DynamoDB consumed capacity", "DynamoDB throttles",
                  "Lambda duration", "Lambda errors", "Lambda throttles", "Lambda concurrency",
                  "Cost drivers", "Firing precision", "Snipe outcomes", "Alarms"):  # fmt: skip
        assert panel in titles, panel
    # Widgets do not overlap on the 24-column grid.
    cells = set()
    for widget in widgets:
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, widget["properties"]["title"]
                cells.add((x, y))
        assert widget["x"] + widget["width"] <= 24


def _metric_rows(widget: dict[str, Any]) -> list[list[Any]]:
    return [row for row in widget["properties"].get("metrics", [])]


def test_the_dashboard_covers_every_function_table_queue_and_alarm(template: Template) -> None:
    widgets = {w["properties"]["title"]: w for w in _dashboard(template)["widgets"]}
    functions = {f"SUB:{f}" for f in template.of_type("AWS::Serverless::Function")}
    for title in ("Lambda duration p99 (ms)", "Lambda errors", "Lambda throttles",
                  "Lambda concurrency (max)", "Cost drivers: Lambda invocations"):  # fmt: skip
        assert {row[3] for row in _metric_rows(widgets[title])} == functions, title
    tables = {f"SUB:{t.logical_id}" for t in template.tables()}
    for title in ("DynamoDB consumed capacity (units)", "DynamoDB throttles"):
        assert {row[3] for row in _metric_rows(widgets[title])} == tables, title
    queues = {f"SUB:{q}.QueueName" for q in template.of_type("AWS::SQS::Queue")}
    assert {
        row[3]
        for row in _metric_rows(widgets["Wakes delayed, and dead letters (messages waiting)"])
    } == queues
    log_groups = {f"SUB:{g}" for g in template.of_type("AWS::Logs::LogGroup")}
    assert {
        row[3] for row in _metric_rows(widgets["Cost drivers: log ingestion (bytes)"])
    } == log_groups
    alarms = {f"SUB:{a}.Arn" for a in template.of_type("AWS::CloudWatch::Alarm")}
    assert set(widgets["Alarms"]["properties"]["alarms"]) == alarms


def test_the_dashboards_custom_metrics_are_emitted_by_the_code(template: Template) -> None:
    namespace = _substituted(_namespace(template)["Fn::Sub"])
    used = set()
    for widget in _dashboard(template)["widgets"]:
        for row in _metric_rows(widget):
            if row[0] == namespace:
                assert row[2:4] == ["service", "ebay-sniper"]
                used.add(row[1])
    assert used == metrics.METRIC_NAMES


# ---------------------------------------------------------------- logs


def test_every_function_logs_json_at_the_level_its_settings_say(template: Template) -> None:
    logging = template.globals["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    assert logging["SystemLogLevel"] in ("INFO", "WARN")
    level = template.globals["Environment"]["Variables"]["LOG_LEVEL"]
    assert logging["ApplicationLogLevel"] == level
    for spec in template.functions():
        properties = template.resources[spec.logical_id]["Properties"]
        assert "LoggingConfig" not in properties, f"{spec.logical_id} overrides the log format"
        assert "LOG_LEVEL" not in spec.environment or spec.environment["LOG_LEVEL"] == level


def test_access_logs_are_json_and_keep_secrets_out(template: Template) -> None:
    settings = template.resources["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    group = template.resources["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == 30
    line_format: str = settings["Format"]
    variables = set(re.findall(r"\$context\.([A-Za-z.]+)", line_format))
    assert variables == ACCESS_LOG_VARIABLES
    # What one line looks like, with each variable filled in: a JSON object.
    line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", line_format))
    assert line["route"] == "x" and "path" not in line
    for forbidden in ("header", "Authorization", "querystring", "identity", "path", "domainName"):
        assert forbidden.lower() not in line_format.lower().replace("routekey", ""), forbidden


# ---------------------------------------------------------------- failure destinations


@pytest.mark.parametrize(
    ("function", "queue"),
    [
        ("BidExecutorFunction", "BidExecutorDeadLetterQueue"),
        ("NotificationHandlerFunction", "NotificationDeadLetterQueue"),
        ("TokenRefreshFunction", "TokenRefreshDeadLetterQueue"),
    ],
)
def test_failed_asynchronous_events_are_parked_and_alarmed(
    template: Template, function: str, queue: str
) -> None:
    config = template.resources[function]["Properties"]["EventInvokeConfig"]
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS", "Destination": {"Fn::GetAtt": [queue, "Arn"]}
    }  # fmt: skip
    properties = template.resources[queue]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarmed = [
        a for a in _alarms(template).values()
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Dimensions"][0]["Value"] == {"Fn::GetAtt": [queue, "QueueName"]}
    ]  # fmt: skip
    assert len(alarmed) == 1
