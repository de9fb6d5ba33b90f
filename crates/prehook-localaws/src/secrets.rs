//! Local SSM Parameter Store and Secrets Manager, on one port: the two reads a check's secret
//! references need, over awsJson 1.1 (`POST /` with `X-Amz-Target: AmazonSSM.GetParameter` or
//! `secretsmanager.GetSecretValue`), answering as the services do:
//!
//! - a SecureString is returned decrypted only with `WithDecryption: true` (else its
//!   ciphertext, as SSM does), a `name:version` selector is accepted;
//! - a secret is found by name or by its full ARN (the name, a hyphen and six characters);
//! - an unknown name answers `ParameterNotFound` / `ResourceNotFoundException`, a name marked
//!   denied answers `AccessDeniedException` with the message IAM gives.
//!
//! Point both `AWS_ENDPOINT_URL_SSM` and `AWS_ENDPOINT_URL_SECRETS_MANAGER` at [`LocalSecrets::url`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::reply::{Action, Reply};
use crate::server::{Endpoint, HttpCall};

pub const GET_PARAMETER: &str = "AmazonSSM.GetParameter";
pub const GET_SECRET_VALUE: &str = "secretsmanager.GetSecretValue";

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";
/// The six characters Secrets Manager appends to every secret's ARN.
const ARN_SUFFIX: &str = "AbCdEf";

/// One read as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretCall {
    /// `AmazonSSM.GetParameter` or `secretsmanager.GetSecretValue`.
    pub operation: String,
    /// `Name` or `SecretId`.
    pub id: String,
    /// `WithDecryption` of a GetParameter.
    pub with_decryption: bool,
    /// The service in the SigV4 credential scope (`ssm`, `secretsmanager`).
    pub signed_for: Option<String>,
    /// The whole credential scope, `AKID/20260101/us-east-1/ssm/aws4_request`: which
    /// credentials and region the caller signed with (never the secret key).
    pub credential: Option<String>,
}

#[derive(Debug, Clone)]
struct Parameter {
    value: String,
    secure: bool,
}

#[derive(Default)]
struct State {
    parameters: HashMap<String, Parameter>,
    secrets: HashMap<String, String>,
    denied: HashSet<String>,
    scripts: HashMap<String, VecDeque<Reply>>,
    calls: Vec<SecretCall>,
    /// Print one line per read on stdout (the `secrets` command).
    print: bool,
}

pub struct LocalSecrets {
    endpoint: Endpoint<State>,
}

impl LocalSecrets {
    pub async fn start() -> io::Result<Self> {
        let endpoint =
            Endpoint::start(|call, state| async move { handle(call, &state).await }).await?;
        Ok(Self { endpoint })
    }

    /// For `AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_SECRETS_MANAGER` or an SDK `endpoint_url`.
    pub fn url(&self) -> String {
        self.endpoint.url()
    }

    /// A String parameter.
    pub fn parameter(&self, name: &str, value: &str) {
        self.put_parameter(name, value, false);
    }

    /// A SecureString parameter: returned decrypted only when asked to.
    pub fn secure_parameter(&self, name: &str, value: &str) {
        self.put_parameter(name, value, true);
    }

    fn put_parameter(&self, name: &str, value: &str, secure: bool) {
        self.endpoint.lock().parameters.insert(
            name.into(),
            Parameter {
                value: value.into(),
                secure,
            },
        );
    }

    /// A secret with a `SecretString`.
    pub fn secret(&self, name: &str, value: &str) {
        self.endpoint
            .lock()
            .secrets
            .insert(name.into(), value.into());
    }

    /// The full ARN of the secret `name`, as Secrets Manager makes it.
    pub fn secret_arn(name: &str) -> String {
        format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-{ARN_SUFFIX}")
    }

    /// Reads of `id` (a parameter name or secret name) answer `AccessDeniedException`.
    pub fn deny(&self, id: &str) {
        self.endpoint.lock().denied.insert(id.into());
    }

    /// Queues `reply` for the next call of `operation` (`GET_PARAMETER`, `GET_SECRET_VALUE`).
    pub fn script(&self, operation: &str, reply: Reply) {
        self.endpoint
            .lock()
            .scripts
            .entry(operation.into())
            .or_default()
            .push_back(reply);
    }

    /// Prints `read <operation> <id> credential=<scope>` for every read from now on.
    pub fn print_calls(&self) {
        self.endpoint.lock().print = true;
    }

    pub fn calls(&self) -> Vec<SecretCall> {
        self.endpoint.lock().calls.clone()
    }
}

/// The credential scope a request was signed with:
/// `AWS4-HMAC-SHA256 Credential=AKID/date/region/ssm/aws4_request, ...`.
fn credential_scope(call: &HttpCall) -> Option<String> {
    let authorization = call.header("authorization")?;
    let scope = authorization
        .split("Credential=")
        .nth(1)?
        .split(',')
        .next()?;
    Some(scope.trim().to_owned())
}

async fn handle(call: HttpCall, state: &Mutex<State>) -> Reply {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let operation = call.header("x-amz-target").unwrap_or_default().to_owned();
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let id = match operation.as_str() {
        GET_PARAMETER => text("Name"),
        GET_SECRET_VALUE => text("SecretId"),
        _ => {
            return Reply::aws_error(
                400,
                "UnknownOperationException",
                &format!("unknown operation {operation:?}"),
            );
        }
    };
    let scripted = {
        let mut state = lock();
        let credential = credential_scope(&call);
        if state.print {
            println!(
                "read {operation} {id} credential={}",
                credential.as_deref().unwrap_or("none")
            );
        }
        state.calls.push(SecretCall {
            operation: operation.clone(),
            id: id.clone(),
            with_decryption: body.get("WithDecryption") == Some(&Value::Bool(true)),
            signed_for: credential
                .as_deref()
                .and_then(|scope| scope.split('/').nth(3))
                .map(str::to_owned),
            credential,
        });
        state
            .scripts
            .get_mut(&operation)
            .and_then(VecDeque::pop_front)
    };
    match scripted {
        Some(Reply {
            delay,
            action: Action::Proceed,
        }) => tokio::time::sleep(delay).await,
        Some(reply) => return reply,
        None => {}
    }
    if operation == GET_PARAMETER {
        get_parameter(
            &id,
            body.get("WithDecryption") == Some(&Value::Bool(true)),
            &lock(),
        )
    } else {
        get_secret_value(&id, &lock())
    }
}

fn denied(action: &str, arn: &str) -> Reply {
    Reply::aws_error(
        400,
        "AccessDeniedException",
        &format!(
            "User: arn:aws:sts::{ACCOUNT}:assumed-role/prehook-role/prehook is not authorized to perform: {action} on resource: {arn} because no identity-based policy allows the {action} action"
        ),
    )
}

fn get_parameter(id: &str, decrypt: bool, state: &State) -> Reply {
    let name = id.split_once(':').map_or(id, |(name, _)| name);
    let arn = format!(
        "arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}",
        name.trim_start_matches('/')
    );
    if state.denied.contains(name) {
        return denied("ssm:GetParameter", &arn);
    }
    let Some(parameter) = state.parameters.get(name) else {
        return Reply::aws_error(400, "ParameterNotFound", "");
    };
    let value = if parameter.secure && !decrypt {
        // What SSM returns without decryption: the ciphertext, base64.
        "AQICAHhprehookLocalCiphertextNotTheValue==".to_owned()
    } else {
        parameter.value.clone()
    };
    Reply::json(
        200,
        &json!({"Parameter": {
            "Name": name,
            "Type": if parameter.secure { "SecureString" } else { "String" },
            "Value": value,
            "Version": 1,
            "LastModifiedDate": 1.7e9,
            "ARN": arn,
            "DataType": "text",
        }}),
    )
}

fn get_secret_value(id: &str, state: &State) -> Reply {
    let name = state
        .secrets
        .keys()
        .find(|name| *name == id || LocalSecrets::secret_arn(name) == id)
        .cloned();
    if state.denied.contains(id) || name.as_ref().is_some_and(|n| state.denied.contains(n)) {
        let arn = name.as_deref().map_or_else(
            || format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{id}"),
            LocalSecrets::secret_arn,
        );
        return denied("secretsmanager:GetSecretValue", &arn);
    }
    let Some(name) = name else {
        return Reply::aws_error(
            400,
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        );
    };
    Reply::json(
        200,
        &json!({
            "ARN": LocalSecrets::secret_arn(&name),
            "Name": name,
            "VersionId": "00000000-0000-0000-0000-000000000001",
            "SecretString": state.secrets[&name],
            "VersionStages": ["AWSCURRENT"],
            "CreatedDate": 1.7e9,
        }),
    )
}
