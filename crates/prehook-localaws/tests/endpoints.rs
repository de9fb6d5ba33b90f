//! The local endpoints speak the wire protocols: checked with plain HTTP/1.1 over TCP.

use std::time::Duration;

use prehook_localaws::{LocalCodeDeploy, LocalLambda, LocalRuntime, Reply, RuntimeResult};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Sends one request and reads the answer until the server closes (`Connection: close`);
/// `None` when the connection is dropped without an answer.
async fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Answer> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw).await;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    })
}

fn addr(url: &str) -> &str {
    url.trim_start_matches("http://")
}

async fn codedeploy_call(cd: &LocalCodeDeploy, operation: &str, body: Value) -> Option<Answer> {
    let target = format!("CodeDeploy_20141006.{operation}");
    send(
        addr(&cd.url()),
        "POST",
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        &body.to_string(),
    )
    .await
}

#[tokio::test]
async fn codedeploy_serves_the_appspec_and_records_one_final_status() {
    let cd = LocalCodeDeploy::start().await.unwrap();
    cd.add_deployment("d-1", "app", "{\"Resources\": []}");

    let deployment = codedeploy_call(&cd, "GetDeployment", json!({"deploymentId": "d-1"}))
        .await
        .unwrap();
    let info: Value = serde_json::from_str(&deployment.body).unwrap();
    assert_eq!(info["deploymentInfo"]["applicationName"], "app");
    let revision = codedeploy_call(
        &cd,
        "GetApplicationRevision",
        json!({"applicationName": "app", "revision": info["deploymentInfo"]["revision"]}),
    )
    .await
    .unwrap();
    let revision: Value = serde_json::from_str(&revision.body).unwrap();
    assert_eq!(
        revision["revision"]["appSpecContent"]["content"],
        "{\"Resources\": []}"
    );

    let put = json!({"deploymentId": "d-1", "lifecycleEventHookExecutionId": "e-1", "status": "Succeeded"});
    assert_eq!(
        codedeploy_call(&cd, "PutLifecycleEventHookExecutionStatus", put.clone())
            .await
            .unwrap()
            .status,
        200
    );
    let again = codedeploy_call(&cd, "PutLifecycleEventHookExecutionStatus", put)
        .await
        .unwrap();
    assert_eq!(again.status, 400);
    assert!(
        again
            .head
            .contains("x-amzn-errortype: lifecycleeventalreadycompletedexception")
    );
    assert_eq!(cd.reports().len(), 1);
    assert_eq!(
        cd.wait_for_report(Duration::from_millis(10))
            .await
            .unwrap()
            .status,
        "Succeeded"
    );
    assert_eq!(cd.count("PutLifecycleEventHookExecutionStatus"), 2);
    assert_eq!(
        cd.wait_for_reports(2, Duration::from_millis(10))
            .await
            .len(),
        1,
        "a rejected second status is not a report"
    );
}

#[tokio::test]
async fn codedeploy_scripts_misbehave_in_order_then_behave() {
    let cd = LocalCodeDeploy::start().await.unwrap();
    cd.add_deployment("d-1", "app", "x");
    cd.script("GetDeployment", Reply::throttling());
    cd.script("GetDeployment", Reply::malformed_json());
    cd.script("GetDeployment", Reply::drop_connection());
    let body = json!({"deploymentId": "d-1"});

    let throttled = codedeploy_call(&cd, "GetDeployment", body.clone())
        .await
        .unwrap();
    assert_eq!(throttled.status, 400);
    assert!(throttled.body.contains("ThrottlingException"));
    let malformed = codedeploy_call(&cd, "GetDeployment", body.clone())
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&malformed.body).is_err());
    assert!(
        codedeploy_call(&cd, "GetDeployment", body.clone())
            .await
            .is_none(),
        "dropped"
    );
    assert_eq!(
        codedeploy_call(&cd, "GetDeployment", body)
            .await
            .unwrap()
            .status,
        200
    );
    let missing = codedeploy_call(&cd, "GetDeployment", json!({"deploymentId": "d-2"}))
        .await
        .unwrap();
    assert!(missing.body.contains("DeploymentDoesNotExistException"));
}

#[tokio::test]
async fn lambda_invokes_by_name_and_qualifier_and_reports_unknown_functions() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.function("fn", Some("3"), |call| async move {
        Reply::output(&json!({"got": call.json()}))
    });
    lambda.script(
        "fn",
        Some("3"),
        Reply::function_error("Unhandled", "Error", "boom"),
    );

    let path = "/2015-03-31/functions/fn/invocations?Qualifier=3";
    let failed = send(
        addr(&lambda.url()),
        "POST",
        path,
        &[("x-amz-client-context", "e30=")],
        "{\"a\":1}",
    )
    .await
    .unwrap();
    assert!(failed.head.contains("x-amz-function-error: unhandled"));
    let ok = send(addr(&lambda.url()), "POST", path, &[], "{\"a\":1}")
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ok.body).unwrap(),
        json!({"got": {"a": 1}})
    );
    assert!(ok.head.contains("x-amz-executed-version: 3"));
    // By ARN, qualifier in the name.
    let arn =
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A0%3Afunction%3Afn%3A3/invocations";
    assert_eq!(
        send(addr(&lambda.url()), "POST", arn, &[], "1")
            .await
            .unwrap()
            .status,
        200
    );
    let unknown = send(
        addr(&lambda.url()),
        "POST",
        "/2015-03-31/functions/fn/invocations?Qualifier=9",
        &[],
        "{}",
    )
    .await
    .unwrap();
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("Function not found: fn:9"));

    let calls = lambda.calls_of("fn");
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[0].client_context.as_deref(), Some("e30="));
    assert!(calls.iter().all(|c| c.qualifier.is_some()));
}

#[tokio::test]
async fn runtime_api_hands_out_events_and_collects_results() {
    let runtime = LocalRuntime::start().await.unwrap();
    assert!(runtime.polls().is_empty());
    let id = runtime.invoke(&json!({"DeploymentId": "d-1"}), Duration::from_secs(30));

    let next = send(
        &runtime.address(),
        "GET",
        "/2018-06-01/runtime/invocation/next",
        &[],
        "",
    )
    .await
    .unwrap();
    assert!(
        next.head
            .contains(&format!("lambda-runtime-aws-request-id: {id}"))
    );
    assert!(next.head.contains("lambda-runtime-deadline-ms: "));
    assert_eq!(runtime.polls().len(), 1, "the poll's arrival is recorded");
    assert!(runtime.wait_polls(1, Duration::ZERO).await);
    assert!(!runtime.wait_polls(2, Duration::from_millis(10)).await);
    assert!(
        next.head
            .contains("lambda-runtime-invoked-function-arn: arn:aws:lambda:")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&next.body).unwrap(),
        json!({"DeploymentId": "d-1"})
    );

    let posted = send(
        &runtime.address(),
        "POST",
        &format!("/2018-06-01/runtime/invocation/{id}/response"),
        &[],
        "\"done\"",
    )
    .await
    .unwrap();
    assert_eq!(posted.status, 202);
    assert_eq!(
        runtime.wait_result(&id, Duration::from_secs(1)).await,
        Some(RuntimeResult::Response("\"done\"".into()))
    );

    send(
        &runtime.address(),
        "POST",
        "/2018-06-01/runtime/init/error",
        &[],
        "{\"errorMessage\":\"bad\"}",
    )
    .await
    .unwrap();
    assert_eq!(
        runtime.init_error().as_deref(),
        Some(&b"{\"errorMessage\":\"bad\"}"[..])
    );
}

#[tokio::test]
async fn lambda_lists_versions_in_pages_and_records_who_signed() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.versions("fn", &["1", "9", "10"]);
    lambda.page_size(2);
    lambda.reply("fn", None, Reply::output(&json!({})));
    let list = |marker: &str| {
        let path = format!("/2015-03-31/functions/fn/versions?MaxItems=50{marker}");
        let url = lambda.url();
        async move {
            let answer = send(addr(&url), "GET", &path, &[], "").await.unwrap();
            serde_json::from_str::<Value>(&answer.body).unwrap()
        }
    };
    let first = list("").await;
    let versions = |page: &Value| -> Vec<String> {
        page["Versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["Version"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(versions(&first), ["$LATEST", "1"]);
    let second = list(&format!(
        "&Marker={}",
        first["NextMarker"].as_str().unwrap()
    ))
    .await;
    assert_eq!(versions(&second), ["9", "10"]);
    assert!(second.get("NextMarker").is_none());

    let unknown = send(
        addr(&lambda.url()),
        "GET",
        "/2015-03-31/functions/other/versions",
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(unknown.status, 404);

    let signed = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=00";
    send(
        addr(&lambda.url()),
        "POST",
        "/2015-03-31/functions/fn/invocations?Qualifier=10",
        &[("authorization", signed)],
        "{}",
    )
    .await
    .unwrap();
    assert_eq!(
        lambda.calls()[0].credential.as_deref(),
        Some("AKIDTEST/20260101/eu-west-1/lambda/aws4_request")
    );
}

#[tokio::test]
async fn lambda_answers_get_alias_for_declared_aliases_only() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.alias("svc-dev-web", "Live", "7");
    let addr = addr(&lambda.url()).to_owned();
    let found = send(
        &addr,
        "GET",
        "/2015-03-31/functions/svc-dev-web/aliases/Live",
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(found.status, 200);
    let body: Value = serde_json::from_str(&found.body).unwrap();
    assert_eq!(
        (body["Name"].as_str(), body["FunctionVersion"].as_str()),
        (Some("Live"), Some("7"))
    );
    let missing = send(
        &addr,
        "GET",
        "/2015-03-31/functions/svc-dev-web/aliases/Prod",
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .head
            .to_lowercase()
            .contains("x-amzn-errortype: resourcenotfoundexception"),
        "{}",
        missing.head
    );
    lambda.script_alias("svc-dev-web", "Live", Reply::throttling());
    let throttled = send(
        &addr,
        "GET",
        "/2015-03-31/functions/svc-dev-web/aliases/Live",
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(throttled.status, 400);
    assert_eq!(lambda.alias_calls().len(), 3);
}

#[tokio::test]
async fn lambda_forwards_invokes_of_unknown_functions_to_another_endpoint() {
    let upstream = LocalLambda::start().await.unwrap();
    upstream.reply(
        "svc-dev-web",
        Some("3"),
        Reply::output(&json!({"pong": true})),
    );
    let front = LocalLambda::start().await.unwrap();
    front.forward_to(&upstream.url());
    let answer = send(
        addr(&front.url()),
        "POST",
        "/2015-03-31/functions/svc-dev-web/invocations?Qualifier=3",
        &[],
        "{\"ping\":1}",
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "{\"pong\":true}");
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].qualifier.as_deref(),
            calls[0].json()["ping"].as_i64()
        ),
        (Some("3"), Some(1))
    );
}

#[tokio::test]
async fn the_response_url_keeps_each_put_and_refuses_anything_else() {
    let responses = prehook_localaws::LocalResponseUrl::start().await.unwrap();
    let url = responses.url();
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let path = format!("/{path}");
    let put = send(
        host,
        "PUT",
        &path,
        &[("content-type", "")],
        "{\"Status\":\"SUCCESS\"}",
    )
    .await
    .unwrap();
    assert_eq!(put.status, 200);
    let get = send(host, "GET", &path, &[], "").await.unwrap();
    assert_eq!(get.status, 403);
    responses.script(prehook_localaws::response_url::s3_error(503, "SlowDown"));
    let failed = send(host, "PUT", &path, &[], "{}").await.unwrap();
    assert_eq!(failed.status, 503);
    let uploads = responses.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].field("Status").as_deref(), Some("SUCCESS"));
    assert_eq!(uploads[0].content_type.as_deref(), Some(""));
    assert_eq!(responses.calls(), 3);
}

#[tokio::test]
async fn secrets_answer_as_ssm_and_secrets_manager_do() {
    use prehook_localaws::LocalSecrets;
    use prehook_localaws::secrets::{GET_PARAMETER, GET_SECRET_VALUE};

    let store = LocalSecrets::start().await.unwrap();
    store.secure_parameter("/app/token", "s3cret");
    store.secret("app/api", r#"{"key":"k"}"#);
    store.deny("/app/denied");
    let call = |target: &'static str, body: Value| {
        let url = store.url();
        async move {
            let addr = addr(&url).to_owned();
            let headers = [
                ("x-amz-target", target),
                ("content-type", "application/x-amz-json-1.1"),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=x",
                ),
            ];
            let answer = send(&addr, "POST", "/", &headers, &body.to_string())
                .await
                .unwrap();
            let value: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
            (answer.status, value)
        }
    };

    // A SecureString is decrypted only when asked to; a version selector is accepted.
    let (status, plain) = call(
        GET_PARAMETER,
        json!({"Name": "/app/token:1", "WithDecryption": true}),
    )
    .await;
    assert_eq!(
        (status, plain["Parameter"]["Value"].as_str()),
        (200, Some("s3cret"))
    );
    assert_eq!(plain["Parameter"]["Type"], "SecureString");
    let (_, cipher) = call(GET_PARAMETER, json!({"Name": "/app/token"})).await;
    assert_ne!(cipher["Parameter"]["Value"], "s3cret");
    let (status, missing) = call(GET_PARAMETER, json!({"Name": "/app/none"})).await;
    assert_eq!(
        (status, missing["__type"].as_str()),
        (400, Some("ParameterNotFound"))
    );
    let (status, denied) = call(GET_PARAMETER, json!({"Name": "/app/denied"})).await;
    assert_eq!(
        (status, denied["__type"].as_str()),
        (400, Some("AccessDeniedException"))
    );

    // A secret by name or by its full ARN.
    for id in ["app/api".to_owned(), LocalSecrets::secret_arn("app/api")] {
        let (status, secret) = call(GET_SECRET_VALUE, json!({"SecretId": id})).await;
        assert_eq!(
            (status, secret["SecretString"].as_str()),
            (200, Some(r#"{"key":"k"}"#))
        );
        assert_eq!(secret["ARN"], LocalSecrets::secret_arn("app/api"));
    }
    let (status, none) = call(GET_SECRET_VALUE, json!({"SecretId": "app/none"})).await;
    assert_eq!(
        (status, none["__type"].as_str()),
        (400, Some("ResourceNotFoundException"))
    );

    let calls = store.calls();
    assert_eq!(calls.len(), 7);
    assert!(calls[0].with_decryption && !calls[1].with_decryption);
    assert_eq!(calls[0].signed_for.as_deref(), Some("ssm"));
}
