"""A CodeDeploy BeforeAllowTraffic hook written by hand with boto3, as the SAM samples do.

Reads the deployment's AppSpec, sends `GET /healthcheck` as an API Gateway (REST) event to the
new version of each function in it, one after the other, and reports Succeeded when every one
answers 2xx. The benchmark's Python peer: plain, idiomatic, no handicaps.
"""

import json

import boto3

codedeploy = boto3.client("codedeploy")
lambda_client = boto3.client("lambda")

HEALTHCHECK_PATH = "/healthcheck"


def handler(event, context):
    deployment_id = event["DeploymentId"]
    execution_id = event["LifecycleEventHookExecutionId"]
    status = "Failed"
    try:
        deployment = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        revision = codedeploy.get_application_revision(
            applicationName=deployment["applicationName"],
            revision=deployment["revision"],
        )["revision"]
        appspec = json.loads(revision["appSpecContent"]["content"])
        results = [
            check(properties["Name"], properties["TargetVersion"])
            for resource in appspec["Resources"]
            for properties in (r["Properties"] for r in resource.values())
        ]
        status = "Succeeded" if all(results) else "Failed"
    except Exception as error:
        print(f"pre-traffic check failed: {error!r}")
    finally:
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id,
            lifecycleEventHookExecutionId=execution_id,
            status=status,
        )
    print(json.dumps({"deploymentId": deployment_id, "status": status}))
    return status


def check(function_name, version):
    response = lambda_client.invoke(
        FunctionName=function_name,
        Qualifier=version,
        Payload=json.dumps(api_gateway_event("GET", HEALTHCHECK_PATH)),
    )
    result = json.loads(response["Payload"].read())
    passed = "FunctionError" not in response and 200 <= result.get("statusCode", 0) < 300
    print(json.dumps({
        "function": function_name,
        "version": version,
        "status": result.get("statusCode"),
        "passed": passed,
    }))
    return passed


def api_gateway_event(method, path):
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Host": "localhost", "User-Agent": "pre-traffic-hook"},
        "multiValueHeaders": {"Host": ["localhost"], "User-Agent": ["pre-traffic-hook"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": path,
            "stage": "pre-traffic",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pre-traffic-hook"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
