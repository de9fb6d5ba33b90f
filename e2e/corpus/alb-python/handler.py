"""Stub behind the load balancer: answers with an ALB response."""


def handle(event, context):
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "text/plain"},
        "body": "ok",
    }
