"""Stubs of the asset handlers. Behind `integration: lambda` they get the framework's mapped
request (`path`, `query`, `body`, ...) and return the body itself, not a proxy response."""

import os


def _url(asset_id, verb):
    return "https://%s.s3.amazonaws.com/%s/%s?verb=%s" % (
        os.environ.get("S3_BUCKET", "bucket"), os.environ.get("S3_KEY_PREFIX", "test"), asset_id, verb)


def create(event, context):
    return {"asset_id": "new", "upload_url": _url("new", "PUT")}


def track(event, context):
    return {"records": len(event.get("Records", []))}


def list_assets(event, context):
    return {"assets": []}


def get(event, context):
    asset_id = event["path"]["asset_id"]
    return {"asset_id": asset_id, "download_url": _url(asset_id, "GET")}
