//! Fault injection, as one table: every way the local CodeDeploy and Lambda endpoints can
//! misbehave (crates/prehook-localaws `Reply`), and the one status the hook must report for it,
//! exactly once and before the invocation's deadline. FAULTS.md lists the same cases.

use std::time::{Duration, Instant};

use base64::Engine;
use prehook_hook::{Error, Settings, Verdict};
use prehook_localaws::Reply;
use prehook_localaws::codedeploy::{GET_APPLICATION_REVISION, GET_DEPLOYMENT, PUT_STATUS};
use serde_json::{Value, json};

use crate::support::*;

const FUNCTION: &str = "website-dev-website";
const VERSION: &str = "5";
/// Lambda's limit for a synchronous response payload.
const SIX_MB: usize = 6 * 1024 * 1024;
/// Longer than any deadline in the table.
const SLOW: Duration = Duration::from_secs(30);

/// What the hook must end with.
#[derive(Debug, Clone, Copy)]
enum Expected {
    /// CodeDeploy accepted exactly this status, once, and the verdict's reason is as given.
    Reported(&'static str, Reason),
    /// A status was already there: the hook returns `Ok` and CodeDeploy accepts nothing new.
    AlreadyCompleted,
    /// No status could be reported: `Err` (so that Lambda retries), starting with this text.
    ReportFails(&'static str),
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    None,
    Is(&'static str),
    StartsWith(&'static str),
}

use Expected::*;

/// `None` when no verdict came back (the status could not be reported).
type Check = fn(&Env, Option<&Verdict>) -> Result<(), String>;

struct Case {
    name: &'static str,
    /// Scripts the fault into the endpoints of a healthy deployment of FUNCTION:VERSION.
    fault: fn(&Env),
    config: fn() -> Value,
    settings: fn() -> Settings,
    /// The invocation's deadline, from its start.
    deadline: Duration,
    expected: Expected,
    /// What else must hold (calls made, calls not made).
    also: Option<Check>,
}

fn case(name: &'static str, fault: fn(&Env), expected: Expected) -> Case {
    Case {
        name,
        fault,
        config: one_check,
        settings: fast_settings,
        deadline: Duration::from_secs(20),
        expected,
        also: None,
    }
}

impl Case {
    fn config(self, config: fn() -> Value) -> Self {
        Self { config, ..self }
    }
    fn settings(self, settings: fn() -> Settings) -> Self {
        Self { settings, ..self }
    }
    fn deadline(self, deadline: Duration) -> Self {
        Self { deadline, ..self }
    }
    fn also(self, also: Check) -> Self {
        Self {
            also: Some(also),
            ..self
        }
    }
}

fn one_check() -> Value {
    http_config(FUNCTION, "apigateway", json!(["GET /"]))
}

fn welcome_check() -> Value {
    http_config(
        FUNCTION,
        "apigateway",
        json!([{"request": "GET /", "expect": {"bodyContains": "Welcome"}}]),
    )
}

fn long_timeout() -> Value {
    json!({"functions": {FUNCTION: {"key": "website", "event": "apigateway", "retries": 0, "timeout": 60, "checks": ["GET /"]}}})
}

fn ten_second_timeout() -> Value {
    json!({"functions": {FUNCTION: {"key": "website", "event": "apigateway", "retries": 0, "timeout": 10, "checks": ["GET /"]}}})
}

fn retried_check() -> Value {
    json!({"functions": {FUNCTION: {"key": "website", "event": "apigateway", "retries": 3, "timeout": 5, "checks": ["GET /"]}}})
}

fn two_functions() -> Value {
    json!({"functions": {
        FUNCTION: {"event": "apigateway", "retries": 0, "timeout": 60, "checks": ["GET /"]},
        "website-dev-api": {"event": "apigateway", "retries": 0, "timeout": 60, "checks": ["GET /slow"]},
    }})
}

fn short_reserve() -> Settings {
    Settings {
        reserve: Duration::from_secs(2),
        ..fast_settings()
    }
}

fn two_report_attempts() -> Settings {
    Settings {
        report_attempts: 2,
        ..fast_settings()
    }
}

fn short_report_timeout() -> Settings {
    Settings {
        report_timeout: Duration::from_millis(500),
        ..fast_settings()
    }
}

/// Scripts `reply` for `times` calls of a CodeDeploy operation (more than the SDK's 3 attempts
/// of each of our calls makes it permanent).
fn codedeploy_times(env: &Env, operation: &str, reply: Reply, times: usize) {
    for _ in 0..times {
        env.codedeploy.script(operation, reply.clone());
    }
}

fn lambda_times(env: &Env, reply: Reply, times: usize) {
    for _ in 0..times {
        env.lambda.script(FUNCTION, Some(VERSION), reply.clone());
    }
}

fn set_appspec(env: &Env, appspec: &str) {
    env.codedeploy
        .add_deployment(DEPLOYMENT, APPLICATION, appspec);
}

/// The healthy deployment's AppSpec with `hooks` as its `Hooks`.
fn with_hooks(hooks: Value) -> String {
    let mut spec: Value = serde_json::from_str(&appspec(&[(FUNCTION, VERSION)])).unwrap();
    spec["Hooks"] = hooks;
    spec.to_string()
}

fn set_reply(env: &Env, reply: Reply) {
    env.lambda.reply(FUNCTION, Some(VERSION), reply);
}

fn nothing_invoked(env: &Env, _: Option<&Verdict>) -> Result<(), String> {
    let calls = env.lambda.calls();
    calls
        .is_empty()
        .then_some(())
        .ok_or(format!("expected no Invoke, got {}", calls.len()))
}

fn count_is(env: &Env, operation: &str, expected: usize) -> Result<(), String> {
    let found = env.codedeploy.count(operation);
    (found == expected).then_some(()).ok_or(format!(
        "expected {expected} {operation} calls, got {found}"
    ))
}

fn invokes_are(env: &Env, expected: usize) -> Result<(), String> {
    let found = env.lambda.calls().len();
    (found == expected)
        .then_some(())
        .ok_or(format!("expected {expected} Invoke calls, got {found}"))
}

fn reason_shorter_than_2k(_: &Env, verdict: Option<&Verdict>) -> Result<(), String> {
    let length = verdict
        .and_then(|v| v.reason.as_deref())
        .map_or(0, |r| r.chars().count());
    (length < 2000)
        .then_some(())
        .ok_or(format!("reason of {length} characters"))
}

fn proxy(status: u16, body: &str) -> Reply {
    Reply::output(&json!({"statusCode": status, "body": body}))
}

fn cases() -> Vec<Case> {
    vec![
        // --- CodeDeploy: reading the deployment and its AppSpec
        case("GetDeployment 5xx once", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::service_error(503)), Reported("Succeeded", Reason::None))
            .also(|env, _| count_is(env, GET_DEPLOYMENT, 2)),
        case("GetDeployment 5xx for good", |env| codedeploy_times(env, GET_DEPLOYMENT, Reply::service_error(500), 10),
            Reported("Failed", Reason::Is("cannot read deployment d-TEST00001: ServiceException: internal service error")))
            .also(nothing_invoked),
        case("GetDeployment throttled once", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::throttling()), Reported("Succeeded", Reason::None))
            .also(|env, _| count_is(env, GET_DEPLOYMENT, 2)),
        case("GetDeployment throttled for good", |env| codedeploy_times(env, GET_DEPLOYMENT, Reply::throttling(), 10),
            Reported("Failed", Reason::Is("cannot read deployment d-TEST00001: ThrottlingException: Rate exceeded"))),
        case("GetDeployment slow (1 s)", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::proceed().after(Duration::from_secs(1))), Reported("Succeeded", Reason::None)),
        case("GetDeployment slower than the deadline", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::proceed().after(SLOW)),
            Reported("Failed", Reason::Is("deadline reached before the checks could start (reading the deployment took too long)")))
            .settings(|| Settings { reserve: Duration::from_secs(2), ..fast_settings() })
            .deadline(Duration::from_secs(4)),
        case("GetDeployment malformed JSON", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::malformed_json()),
            Reported("Failed", Reason::StartsWith("cannot read deployment d-TEST00001: "))),
        case("GetDeployment connection dropped once", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::drop_connection()), Reported("Succeeded", Reason::None)),
        case("GetDeployment unknown deployment", |env| env.codedeploy.script(GET_DEPLOYMENT, Reply::aws_error(400, "DeploymentDoesNotExistException", "gone")),
            Reported("Failed", Reason::Is("cannot read deployment d-TEST00001: DeploymentDoesNotExistException: gone")))
            .also(nothing_invoked),
        case("GetApplicationRevision 5xx once", |env| env.codedeploy.script(GET_APPLICATION_REVISION, Reply::service_error(503)), Reported("Succeeded", Reason::None))
            .also(|env, _| count_is(env, GET_APPLICATION_REVISION, 2)),
        case("GetApplicationRevision 5xx for good", |env| codedeploy_times(env, GET_APPLICATION_REVISION, Reply::service_error(502), 10),
            Reported("Failed", Reason::Is("cannot read the AppSpec of deployment d-TEST00001: ServiceException: internal service error")))
            .also(nothing_invoked),
        case("GetApplicationRevision throttled once", |env| env.codedeploy.script(GET_APPLICATION_REVISION, Reply::throttling()), Reported("Succeeded", Reason::None)),
        case("GetApplicationRevision slower than the deadline", |env| env.codedeploy.script(GET_APPLICATION_REVISION, Reply::proceed().after(SLOW)),
            Reported("Failed", Reason::Is("deadline reached before the checks could start (reading the deployment took too long)")))
            .settings(|| Settings { reserve: Duration::from_secs(2), ..fast_settings() })
            .deadline(Duration::from_secs(4)),
        case("GetApplicationRevision malformed JSON", |env| env.codedeploy.script(GET_APPLICATION_REVISION, Reply::malformed_json()),
            Reported("Failed", Reason::StartsWith("cannot read the AppSpec of deployment d-TEST00001: "))),
        // --- the AppSpec itself
        case("AppSpec empty", |env| set_appspec(env, ""), Reported("Failed", Reason::Is("the AppSpec is empty"))).also(nothing_invoked),
        case("AppSpec neither JSON nor YAML", |env| set_appspec(env, "{Resources: [unclosed"),
            Reported("Failed", Reason::StartsWith("the AppSpec is neither JSON ("))).also(nothing_invoked),
        case("AppSpec without resources", |env| set_appspec(env, r#"{"version": 0.0, "Resources": []}"#),
            Reported("Failed", Reason::Is("the AppSpec has no resources: nothing to check"))).also(nothing_invoked),
        case("AppSpec resource without TargetVersion", |env| set_appspec(env, r#"{"version": 0.0, "Resources": [{"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Name": "website-dev-website"}}}]}"#),
            Reported("Failed", Reason::Is("AppSpec resource `Fn` has no `TargetVersion`"))).also(nothing_invoked),
        case("AppSpec targets $LATEST", |env| set_appspec(env, &appspec(&[(FUNCTION, "$LATEST")])),
            Reported("Failed", Reason::Is("AppSpec resource `Function0LambdaFunction` targets `$LATEST`; a deployment must target a published version"))).also(nothing_invoked),
        case("AppSpec names a function with no checks", |env| set_appspec(env, &appspec(&[(FUNCTION, VERSION), ("website-dev-admin", "2")])),
            Reported("Failed", Reason::Is("no checks configured for function website-dev-admin"))).also(nothing_invoked),
        // --- the wiring: the AppSpec must name this function as the hook of the event it serves
        case("AppSpec names another function as the hook", |env| set_appspec(env, &with_hooks(json!([{"BeforeAllowTraffic": "website-dev-otherHook"}]))),
            Reported("Failed", Reason::Is("wiring error in deployment d-TEST00001: website-dev-prehook serves BeforeAllowTraffic (PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic), but the AppSpec does not name it as the BeforeAllowTraffic hook (its hooks: BeforeAllowTraffic website-dev-otherHook)")))
            .also(nothing_invoked),
        case("AppSpec without hooks", |env| set_appspec(env, &with_hooks(json!([]))),
            Reported("Failed", Reason::Is("wiring error in deployment d-TEST00001: website-dev-prehook serves BeforeAllowTraffic (PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic), but the AppSpec does not name it as the BeforeAllowTraffic hook (it names no hooks)")))
            .also(nothing_invoked),
        case("AppSpec names the hook for the other event", |env| set_appspec(env, &with_hooks(json!([{"AfterAllowTraffic": HOOK_FUNCTION}]))),
            Reported("Failed", Reason::Is("wiring error in deployment d-TEST00001: website-dev-prehook serves BeforeAllowTraffic (PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic), but the AppSpec does not name it as the BeforeAllowTraffic hook (its hooks: AfterAllowTraffic website-dev-prehook); it names website-dev-prehook as the AfterAllowTraffic hook instead: set PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic on it")))
            .also(nothing_invoked),
        case("AppSpec names the hook for both events", |env| set_appspec(env, &with_hooks(json!([{"BeforeAllowTraffic": HOOK_FUNCTION}, {"AfterAllowTraffic": HOOK_FUNCTION}]))),
            Reported("Failed", Reason::StartsWith("wiring error in deployment d-TEST00001: the AppSpec names website-dev-prehook as both the BeforeAllowTraffic and the AfterAllowTraffic hook")))
            .also(nothing_invoked),
        // --- Lambda Invoke
        case("Invoke 429 once", |env| env.lambda.script(FUNCTION, Some(VERSION), Reply::too_many_requests()), Reported("Succeeded", Reason::None))
            .also(|env, _| invokes_are(env, 2))
        .config(ten_second_timeout),
        case("Invoke 429 for good", |env| lambda_times(env, Reply::too_many_requests(), 10),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: invoke failed: TooManyRequestsException: Rate exceeded")))
        .config(ten_second_timeout),
        case("Invoke 5xx once", |env| env.lambda.script(FUNCTION, Some(VERSION), Reply::service_error(500)), Reported("Succeeded", Reason::None))
        .config(ten_second_timeout),
        case("Invoke 5xx for good", |env| lambda_times(env, Reply::service_error(503), 10),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: invoke failed: ServiceException: internal service error")))
        .config(ten_second_timeout),
        case("Invoke version not found", |env| env.lambda.script(FUNCTION, Some(VERSION), Reply::aws_error(404, "ResourceNotFoundException", "Function not found: website-dev-website:5")),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: invoke failed: ResourceNotFoundException: Function not found: website-dev-website:5")))
            .also(|env, _| invokes_are(env, 1)),
        case("FunctionError Unhandled", |env| set_reply(env, Reply::function_error("Unhandled", "TypeError", "Cannot read properties of undefined")),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: function error (Unhandled): TypeError: Cannot read properties of undefined"))),
        case("FunctionError Handled", |env| set_reply(env, Reply::function_error("Handled", "Error", "boom")),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: function error (Handled): Error: boom"))),
        case("Invoke slow but within the check timeout", |env| set_reply(env, Reply::http(200, "ok").after(Duration::from_millis(1200))), Reported("Succeeded", Reason::None)),
        case("Invoke slower than the check timeout", |env| set_reply(env, Reply::http(200, "late").after(Duration::from_secs(8))),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: no answer within 5000 ms"))),
        case("Invoke payload not JSON", |env| set_reply(env, Reply::payload("<html>Bad Gateway</html>")),
            Reported("Failed", Reason::Is(r#"website-dev-website:5 GET /: the response is not a proxy response (not JSON): "<html>Bad Gateway</html>""#))),
        case("Invoke payload a JSON string", |env| set_reply(env, Reply::output(&json!("pong"))),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: the response is not a proxy response: expected a JSON object with `statusCode`"))),
        case("Invoke payload empty", |env| set_reply(env, Reply::payload("")),
            Reported("Failed", Reason::StartsWith("website-dev-website:5 GET /: the response is not a proxy response (not JSON)"))),
        case("Invoke huge payload (6 MB) that passes", |env| set_reply(env, proxy(200, &format!("{}Welcome", "x".repeat(SIX_MB - 100)))), Reported("Succeeded", Reason::None))
            .config(welcome_check),
        case("Invoke huge payload (6 MB) not JSON", |env| set_reply(env, Reply::payload("y".repeat(SIX_MB))),
            Reported("Failed", Reason::StartsWith("website-dev-website:5 GET /: the response is not a proxy response (not JSON): \"yyyy")))
            .also(reason_shorter_than_2k),
        case("Invoke huge error payload (6 MB)", |env| set_reply(env, Reply::function_error("Unhandled", "Error", &"z".repeat(SIX_MB))),
            Reported("Failed", Reason::StartsWith("website-dev-website:5 GET /: function error (Unhandled): Error: zzzz")))
            .also(reason_shorter_than_2k),
        case("Invoke response with no statusCode", |env| set_reply(env, Reply::output(&json!({"body": "Welcome"}))),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: the response has no statusCode: is the function answering as an HTTP proxy integration?"))),
        case("Invoke response with statusCode 0", |env| set_reply(env, Reply::output(&json!({"statusCode": 0}))),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: the response has an invalid statusCode 0"))),
        case("Invoke base64 body", |env| set_reply(env, Reply::output(&json!({"statusCode": 200, "isBase64Encoded": true,
                "body": base64::engine::general_purpose::STANDARD.encode("<h1>Welcome</h1>")}))),
            Reported("Succeeded", Reason::None)).config(welcome_check),
        case("Invoke base64 flag on a body that is not base64", |env| set_reply(env, Reply::output(&json!({"statusCode": 200, "isBase64Encoded": true, "body": "Welcome!"}))),
            Reported("Failed", Reason::StartsWith("website-dev-website:5 GET /: the body is marked isBase64Encoded but is not base64: "))).config(welcome_check),
        case("Invoke connection dropped once", |env| env.lambda.script(FUNCTION, Some(VERSION), Reply::drop_connection()), Reported("Succeeded", Reason::None))
        .config(ten_second_timeout),
        case("Invoke connection dropped for good", |env| lambda_times(env, Reply::drop_connection(), 10),
            Reported("Failed", Reason::StartsWith("website-dev-website:5 GET /: invoke failed: ")))
            // Long enough for the SDK's retries, which the check's timeout would cut short.
            .config(ten_second_timeout),
        case("Invoke fails, then passes on a retry", |env| lambda_times(env, Reply::http(503, "warming up"), 2), Reported("Succeeded", Reason::None))
            .config(retried_check).also(|env, _| invokes_are(env, 3)),
        case("Function answers 502 on every retry", |env| set_reply(env, Reply::http(502, "bad gateway")),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: expected status 200-399, got 502")))
            .config(retried_check).also(|env, _| invokes_are(env, 4)),
        // --- PutLifecycleEventHookExecutionStatus
        case("PutStatus throttled then accepted", |env| env.codedeploy.script(PUT_STATUS, Reply::throttling()), Reported("Succeeded", Reason::None))
            .also(|env, _| count_is(env, PUT_STATUS, 2)),
        case("PutStatus 5xx beyond the SDK's retries, then accepted", |env| codedeploy_times(env, PUT_STATUS, Reply::service_error(503), 3), Reported("Succeeded", Reason::None))
            .also(|env, _| count_is(env, PUT_STATUS, 4)),
        case("PutStatus connection dropped then accepted", |env| env.codedeploy.script(PUT_STATUS, Reply::drop_connection()), Reported("Succeeded", Reason::None)),
        case("PutStatus slower than its timeout, then retried", |env| env.codedeploy.script(PUT_STATUS, Reply::proceed().after(Duration::from_millis(1500))), Reported("Succeeded", Reason::None))
            .settings(short_report_timeout),
        case("PutStatus LifecycleEventAlreadyCompletedException", |env| env.codedeploy.complete_execution(EXECUTION), AlreadyCompleted)
            .also(|env, _| count_is(env, PUT_STATUS, 1)),
        case("PutStatus failing for good", |env| codedeploy_times(env, PUT_STATUS, Reply::service_error(500), 20),
            ReportFails("could not report the status to CodeDeploy: ServiceException: internal service error"))
            .settings(two_report_attempts)
            // Two attempts of ours, each retried by the SDK (3 attempts in its standard mode).
            .also(|env, _| count_is(env, PUT_STATUS, 6)),
        case("PutStatus rejected (not retryable)", |env| env.codedeploy.script(PUT_STATUS, Reply::aws_error(400, "InvalidDeploymentIdException", "bad id")),
            ReportFails("could not report the status to CodeDeploy: InvalidDeploymentIdException: bad id"))
            .also(|env, _| count_is(env, PUT_STATUS, 1)),
        // --- the invocation's deadline
        case("Checks still running at the reserve", |env| {
                set_appspec(env, &appspec(&[(FUNCTION, VERSION), ("website-dev-api", "8")]));
                env.lambda.reply("website-dev-api", Some("8"), Reply::http(200, "slow").after(Duration::from_secs(30)));
            },
            Reported("Failed", Reason::Is("deadline reached with checks still running: website-dev-api:8 GET /slow")))
            .config(two_functions).settings(short_reserve).deadline(Duration::from_secs(8))
            .also(|_, verdict| verdict.is_some_and(|v| (v.checks, v.failed) == (2, 1)).then_some(()).ok_or(format!("{verdict:?}"))),
        case("Deadline shorter than one check's timeout", |env| set_reply(env, Reply::http(200, "slow").after(SLOW)),
            Reported("Failed", Reason::Is("deadline reached with checks still running: website-dev-website:5 GET /")))
            .config(long_timeout).settings(short_reserve).deadline(Duration::from_secs(8)),
        case("Deadline shorter than one check's timeout, fast answer", |_| {}, Reported("Succeeded", Reason::None))
            .config(long_timeout).settings(short_reserve).deadline(Duration::from_secs(8)),
        case("Retries that would cross the deadline", |env| set_reply(env, Reply::http(503, "down")),
            Reported("Failed", Reason::Is("website-dev-website:5 GET /: expected status 200-399, got 503")))
            .config(retried_check)
            .settings(|| Settings { reserve: Duration::from_secs(2), backoff: prehook_engine::Backoff { first: Duration::from_secs(10), max: Duration::from_secs(10) }, ..fast_settings() })
            .deadline(Duration::from_secs(8))
            .also(|env, _| invokes_are(env, 1)),
    ]
}

async fn run_case(case: Case) -> Result<(), String> {
    let env = Env::start(&[(FUNCTION, VERSION)]).await;
    env.lambda.reply(
        FUNCTION,
        Some(VERSION),
        Reply::http(200, "<h1>Welcome</h1>"),
    );
    (case.fault)(&env);
    let hook = env.hook((case.config)(), (case.settings)()).await;
    let deadline = Instant::now() + case.deadline;
    let outcome = hook.handle(&event(), deadline).await;
    let returned = Instant::now();
    if returned >= deadline {
        return Err(format!(
            "returned {:?} after the deadline",
            returned - deadline
        ));
    }
    let verdict = judge(&env, case.expected, outcome, deadline)?;
    case.also
        .map_or(Ok(()), |also| also(&env, verdict.as_ref()))
}

fn judge(
    env: &Env,
    expected: Expected,
    outcome: Result<Verdict, Error>,
    deadline: Instant,
) -> Result<Option<Verdict>, String> {
    let reports = env.codedeploy.reports();
    match expected {
        Reported(status, reason) => {
            let verdict = outcome.map_err(|e| format!("expected Ok, got Err({e})"))?;
            let [report] = reports.as_slice() else {
                return Err(format!("expected one accepted status, got {reports:?}"));
            };
            if (report.deployment_id.as_str(), report.execution_id.as_str())
                != (DEPLOYMENT, EXECUTION)
            {
                return Err(format!("status reported for another execution: {report:?}"));
            }
            if report.status != status || format!("{:?}", verdict.status) != status {
                return Err(format!(
                    "expected {status}, reported {} with verdict {verdict:?}",
                    report.status
                ));
            }
            if report.at >= deadline {
                return Err(format!(
                    "reported {:?} after the deadline",
                    report.at - deadline
                ));
            }
            let actual = verdict.reason.as_deref();
            let matches = match reason {
                Reason::None => actual.is_none(),
                Reason::Is(text) => actual == Some(text),
                Reason::StartsWith(text) => actual.is_some_and(|a| a.starts_with(text)),
            };
            if !matches {
                return Err(format!("expected reason {reason:?}, got {actual:?}"));
            }
            Ok(Some(verdict))
        }
        AlreadyCompleted => {
            let verdict = outcome.map_err(|e| format!("expected Ok, got Err({e})"))?;
            if !reports.is_empty() {
                return Err(format!("expected the earlier status to stand: {reports:?}"));
            }
            Ok(Some(verdict))
        }
        ReportFails(prefix) => match outcome {
            Ok(verdict) => Err(format!("expected Err, got Ok({verdict:?})")),
            Err(error) if !error.to_string().starts_with(prefix) => Err(format!(
                "expected an error starting {prefix:?}, got {error}"
            )),
            Err(_) if !reports.is_empty() => Err(format!("expected no status: {reports:?}")),
            Err(_) => Ok(None),
        },
    }
}

/// Every case at once, each on a thread and a runtime of its own (as Lambda runs one invocation
/// per process) with endpoints of its own: the table costs as long as its slowest case, not
/// their sum, and a case parsing 6 MB cannot delay another case's deadline.
#[test]
fn every_fault_ends_in_the_expected_status_reported_once_before_the_deadline() {
    let cases = cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    eprintln!("fault cases: {}", cases.len());
    let started = Instant::now();
    let threads: Vec<_> = cases
        .into_iter()
        .map(|case| {
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(run_case(case))
            })
        })
        .collect();
    let outcomes: Vec<Result<(), String>> = threads
        .into_iter()
        .map(|t| t.join().unwrap_or_else(|_| Err("panicked".into())))
        .collect();
    let failures: Vec<String> = names
        .iter()
        .zip(outcomes)
        .filter_map(|(name, outcome)| match outcome {
            Ok(()) => None,
            Err(why) => Some(format!("{name}: {why}")),
        })
        .collect();
    eprintln!(
        "fault cases: {} passed, {} failed in {:?}",
        names.len() - failures.len(),
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// FAULTS.md is the table of these cases: one row per case, under the same name.
#[test]
fn faults_md_lists_every_case() {
    let doc = include_str!("FAULTS.md");
    let rows: Vec<&str> = doc
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| case") && !l.starts_with("| ---"))
        .collect();
    let mut names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    names.extend(gate_cases().iter().map(|c| c.name));
    for name in &names {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("| {name} |"))),
            "FAULTS.md has no row for {name:?}"
        );
    }
    assert_eq!(rows.len(), names.len(), "FAULTS.md rows vs cases");
}

// --- The first-deploy gate: CloudFormation's Custom::PrehookFirstDeploy, answered by a PUT of
// the response to its pre-signed ResponseURL (a local stand-in here). Every case starts with a
// healthy FUNCTION:VERSION whose alias does not exist, and asserts: the response CloudFormation
// got, that it got exactly one, that it came before the deadline; or, when none could be sent,
// the error that makes Lambda run the hook again.

use prehook_engine::{InvokeRequest, InvokeResponse};
use prehook_hook::Hook;
use prehook_hook::aws::{AwsError, LambdaApi};
use prehook_hook::custom_resource::{HttpsUploader, NotSent};
use prehook_hook::first_deploy::{AliasApi, Answer};
use prehook_localaws::LocalResponseUrl;
use prehook_localaws::response_url::s3_error;

#[derive(Debug, Clone, Copy)]
enum GateExpected {
    /// CloudFormation received exactly this status, once, with this reason.
    Answered(&'static str, Reason),
    /// No response could be sent: `Err`, starting with this text, and nothing received.
    NotSent(&'static str),
}

type GateCheck = fn(&Env, &LocalResponseUrl) -> Result<(), String>;

struct GateCase {
    name: &'static str,
    fault: fn(&Env, &LocalResponseUrl),
    config: fn() -> Value,
    settings: fn() -> Settings,
    deadline: Duration,
    /// The check's invoke path panics.
    panics: bool,
    expected: GateExpected,
    also: Option<GateCheck>,
}

fn gate(
    name: &'static str,
    fault: fn(&Env, &LocalResponseUrl),
    expected: GateExpected,
) -> GateCase {
    GateCase {
        name,
        fault,
        config: one_check,
        settings: fast_settings,
        deadline: Duration::from_secs(20),
        panics: false,
        expected,
        also: None,
    }
}

impl GateCase {
    fn config(self, config: fn() -> Value) -> Self {
        Self { config, ..self }
    }
    fn settings(self, settings: fn() -> Settings) -> Self {
        Self { settings, ..self }
    }
    fn deadline(self, deadline: Duration) -> Self {
        Self { deadline, ..self }
    }
    fn panics(self) -> Self {
        Self {
            panics: true,
            ..self
        }
    }
    fn also(self, also: GateCheck) -> Self {
        Self {
            also: Some(also),
            ..self
        }
    }
}

fn response_calls_are(responses: &LocalResponseUrl, expected: usize) -> Result<(), String> {
    let found = responses.calls();
    (found == expected).then_some(()).ok_or(format!(
        "expected {expected} calls of the ResponseURL, got {found}"
    ))
}

fn alias_times(env: &Env, reply: Reply, times: usize) {
    for _ in 0..times {
        env.lambda.script_alias(FUNCTION, "Live", reply.clone());
    }
}

fn response_times(responses: &LocalResponseUrl, reply: Reply, times: usize) {
    for _ in 0..times {
        responses.script(reply.clone());
    }
}

const NEW_ALIAS: &str = "alias Live of website-dev-website is new";

fn gate_cases() -> Vec<GateCase> {
    use GateExpected::*;
    vec![
        // --- the response upload
        gate("Gate: ResponseURL 5xx once", |_, r| r.script(s3_error(503, "SlowDown")),
            Answered("SUCCESS", Reason::Is("alias Live of website-dev-website is new: version 5 passed 1 check")))
            .also(|_, r| response_calls_are(r, 2)),
        gate("Gate: ResponseURL 5xx for good", |_, r| response_times(r, s3_error(503, "SlowDown"), 10),
            NotSent("could not send the response to CloudFormation: the ResponseURL answered HTTP 503"))
            .settings(two_report_attempts).also(|_, r| response_calls_are(r, 2)),
        gate("Gate: ResponseURL refuses the upload (403)", |_, r| r.script(s3_error(403, "AccessDenied")),
            NotSent("could not send the response to CloudFormation: the ResponseURL answered HTTP 403"))
            .also(|_, r| response_calls_are(r, 1)),
        gate("Gate: ResponseURL connection dropped once", |_, r| r.script(Reply::drop_connection()),
            Answered("SUCCESS", Reason::StartsWith(NEW_ALIAS))),
        gate("Gate: ResponseURL slower than its timeout, then retried", |_, r| r.script(Reply::respond(200, vec![], "").after(Duration::from_millis(1500))),
            Answered("SUCCESS", Reason::StartsWith(NEW_ALIAS)))
            .settings(short_report_timeout).also(|_, r| response_calls_are(r, 2)),
        gate("Gate: ResponseURL never answers", |_, r| response_times(r, Reply::proceed().after(SLOW), 10),
            NotSent("could not send the response to CloudFormation: no answer from the ResponseURL within"))
            .settings(short_reserve).deadline(Duration::from_secs(5)),
        // --- GetAlias
        gate("Gate: GetAlias 5xx once, alias exists", |env, _| {
                env.lambda.alias(FUNCTION, "Live", "4");
                env.lambda.script_alias(FUNCTION, "Live", Reply::service_error(503));
            },
            Answered("SUCCESS", Reason::Is("alias Live of website-dev-website exists (version 4): CodeDeploy checks version 5 before it shifts traffic")))
            .also(|env, _| invokes_are(env, 0)),
        gate("Gate: GetAlias throttled for good", |env, _| alias_times(env, Reply::too_many_requests(), 10),
            Answered("SUCCESS", Reason::StartsWith(NEW_ALIAS)))
            .config(ten_second_timeout).also(|env, _| invokes_are(env, 1)),
        gate("Gate: GetAlias access denied, broken version", |env, _| {
                env.lambda.script_alias(FUNCTION, "Live", Reply::aws_error(403, "AccessDeniedException", "not authorized to perform: lambda:GetAlias"));
                set_reply(env, Reply::http(500, "broken"));
            },
            Answered("FAILED", Reason::Is("alias Live of website-dev-website is new, and version 5 failed its checks: website-dev-website:5 GET /: expected status 200-399, got 500"))),
        gate("Gate: GetAlias slower than its timeout", |env, _| env.lambda.script_alias(FUNCTION, "Live", Reply::proceed().after(SLOW)),
            Answered("SUCCESS", Reason::StartsWith(NEW_ALIAS)))
            .also(|env, _| invokes_are(env, 1)),
        gate("Gate: GetAlias malformed JSON", |env, _| alias_times(env, Reply::malformed_json(), 10),
            Answered("SUCCESS", Reason::StartsWith(NEW_ALIAS)))
            .also(|env, _| invokes_are(env, 1)),
        // --- the deadline, a panic
        gate("Gate: checks still running at the reserve", |env, _| set_reply(env, Reply::http(200, "slow").after(SLOW)),
            Answered("FAILED", Reason::Is("alias Live of website-dev-website is new, and version 5 failed its checks: deadline reached with checks still running: website-dev-website:5 GET /")))
            .config(long_timeout).settings(short_reserve).deadline(Duration::from_secs(8)),
        gate("Gate: panic while checking", |_, _| {},
            Answered("FAILED", Reason::Is("internal error while checking: bug in an invoke path")))
            .panics(),
    ]
}

/// Panics in the invoke path; the alias does not exist.
struct PanickingLambda;

impl LambdaApi for PanickingLambda {
    async fn invoke(&self, _: InvokeRequest) -> Result<InvokeResponse, AwsError> {
        panic!("bug in an invoke path")
    }
}

impl AliasApi for PanickingLambda {
    async fn alias_version(&self, _: &str, _: &str) -> Result<Option<String>, AwsError> {
        Ok(None)
    }
}

async fn run_gate_case(case: GateCase) -> Result<(), String> {
    let env = Env::start(&[]).await;
    let responses = LocalResponseUrl::start().await.map_err(|e| e.to_string())?;
    env.lambda.reply(
        FUNCTION,
        Some(VERSION),
        Reply::http(200, "<h1>Welcome</h1>"),
    );
    (case.fault)(&env, &responses);
    let hook = env.hook((case.config)(), (case.settings)()).await;
    let event = gate_event("Create", &responses.url(), VERSION);
    let uploader = HttpsUploader::new();
    let deadline = Instant::now() + case.deadline;
    let outcome: Result<Answer, NotSent> = if case.panics {
        let hook = Hook {
            codedeploy: hook.codedeploy,
            lambda: PanickingLambda,
            secrets: hook.secrets,
            serves: hook.serves,
            config: hook.config,
            settings: hook.settings,
            function_name: hook.function_name,
        };
        hook.handle_custom_resource(&event, &uploader, deadline)
            .await
    } else {
        hook.handle_custom_resource(&event, &uploader, deadline)
            .await
    };
    let returned = Instant::now();
    if returned >= deadline {
        return Err(format!(
            "returned {:?} after the deadline",
            returned - deadline
        ));
    }
    let uploads = responses.uploads();
    match case.expected {
        GateExpected::Answered(status, reason) => {
            let answer = outcome.map_err(|e| format!("expected a response, got Err({e})"))?;
            let [upload] = uploads.as_slice() else {
                return Err(format!("expected one response, got {uploads:?}"));
            };
            if upload.at >= deadline {
                return Err(format!(
                    "responded {:?} after the deadline",
                    upload.at - deadline
                ));
            }
            let response = upload.json();
            if response["Status"] != status {
                return Err(format!("expected {status}, got {response} ({answer:?})"));
            }
            if response["PhysicalResourceId"] != "prehook-first-deploy:website-dev-website:Live" {
                return Err(format!("unstable physical id: {response}"));
            }
            let actual = response["Reason"].as_str();
            let matches = match reason {
                Reason::None => actual.is_none(),
                Reason::Is(text) => actual == Some(text),
                Reason::StartsWith(text) => actual.is_some_and(|a| a.starts_with(text)),
            };
            if !matches {
                return Err(format!("expected reason {reason:?}, got {actual:?}"));
            }
        }
        GateExpected::NotSent(prefix) => match outcome {
            Ok(answer) => return Err(format!("expected Err, got Ok({answer:?})")),
            Err(error) if !error.to_string().starts_with(prefix) => {
                return Err(format!(
                    "expected an error starting {prefix:?}, got {error}"
                ));
            }
            Err(_) if !uploads.is_empty() => {
                return Err(format!("expected no response: {uploads:?}"));
            }
            Err(_) => {}
        },
    }
    case.also.map_or(Ok(()), |also| also(&env, &responses))
}

/// The gate's table, every case at once as above.
#[test]
fn every_gate_fault_ends_in_one_response_before_the_deadline() {
    let cases = gate_cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    eprintln!("gate fault cases: {}", cases.len());
    let threads: Vec<_> = cases
        .into_iter()
        .map(|case| {
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(run_gate_case(case))
            })
        })
        .collect();
    let failures: Vec<String> = names
        .iter()
        .zip(
            threads
                .into_iter()
                .map(|t| t.join().unwrap_or_else(|_| Err("panicked".into()))),
        )
        .filter_map(|(name, outcome)| outcome.err().map(|why| format!("{name}: {why}")))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
