"""Stubs of the two read handlers: the model queries DynamoDB."""

import json


def _reply(body):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def by_region(event, context):
    region = (event.get("pathParameters") or {}).get("region")
    return _reply({"region": region, "layers": []})


def by_package(event, context):
    params = event.get("pathParameters") or {}
    return _reply({"region": params.get("region"), "package": params.get("package"), "arn": None})
