//! Reads the secrets the checks reference (SSM parameters, Secrets Manager secrets) before the
//! checks start, and hands the values, or why each could not be read, to the run: the engine
//! sends them and keeps them out of every attempt, result and verdict it reports.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::future::join_all;
use prehook_core::SecretRef;
use prehook_core::secret::secret_field;
use prehook_engine::{CheckRun, Error};
use serde_json::json;

use crate::aws::{AwsError, describe};
use crate::log;

/// The two reads, as a trait so the handler can be driven by any client; implemented for the
/// SDK clients below (tests point those at local endpoints).
pub trait SecretsApi: Send + Sync {
    /// GetParameter with decryption: the value of a String or SecureString parameter.
    fn get_parameter(&self, name: &str) -> impl Future<Output = Result<String, AwsError>> + Send;

    /// GetSecretValue: the secret's string.
    fn get_secret(&self, id: &str) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// The SDK clients of both stores.
#[derive(Debug, Clone)]
pub struct SdkSecrets {
    pub ssm: aws_sdk_ssm::Client,
    pub secrets_manager: aws_sdk_secretsmanager::Client,
}

impl SdkSecrets {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Self {
            ssm: aws_sdk_ssm::Client::new(sdk),
            secrets_manager: aws_sdk_secretsmanager::Client::new(sdk),
        }
    }
}

impl SecretsApi for SdkSecrets {
    async fn get_parameter(&self, name: &str) -> Result<String, AwsError> {
        let output = self
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(describe)?;
        output
            .parameter()
            .and_then(|p| p.value())
            .map(str::to_owned)
            .ok_or_else(|| AwsError {
                message: "GetParameter returned no value".into(),
                retryable: false,
            })
    }

    async fn get_secret(&self, id: &str) -> Result<String, AwsError> {
        let output = self
            .secrets_manager
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(describe)?;
        match (output.secret_string(), output.secret_binary()) {
            (Some(text), _) => Ok(text.to_owned()),
            (None, Some(_)) => Err(AwsError {
                message: "the secret holds binary data (SecretBinary); a check sends text: store it as a string".into(),
                retryable: false,
            }),
            (None, None) => Err(AwsError {
                message: "GetSecretValue returned no value".into(),
                retryable: false,
            }),
        }
    }
}

/// Reads every reference of `run` concurrently, each within `limit` and before `cutoff`, and
/// gives the run the values or the reasons. Logs which references were read and which not
/// (names only: a reference is no secret, its value is).
pub async fn resolve<S: SecretsApi>(
    secrets: &S,
    run: &mut CheckRun,
    limit: Duration,
    cutoff: Instant,
) {
    let references = run.secret_references();
    if references.is_empty() {
        return;
    }
    let deadline = cutoff.min(Instant::now() + limit);
    let allowed = deadline.saturating_duration_since(Instant::now());
    let reads = references.iter().map(|reference| async move {
        tokio::time::timeout_at(deadline.into(), read(secrets, reference))
            .await
            .unwrap_or(Err(Error::SecretTimeout(allowed)))
    });
    let values = join_all(reads).await;
    let mut unread = Vec::new();
    for (reference, value) in references.iter().zip(values) {
        if let Err(reason) = &value {
            unread.push(json!({"reference": reference.to_string(), "error": reason.to_string()}));
        }
        run.resolve_secret(reference, value);
    }
    let read: Vec<String> = references.iter().map(ToString::to_string).collect();
    if unread.is_empty() {
        log::message("INFO", "secrets read", json!({"references": read}));
    } else {
        log::message(
            "ERROR",
            "secrets unreadable",
            json!({"references": read, "unreadable": unread}),
        );
    }
}

async fn read<S: SecretsApi>(secrets: &S, reference: &SecretRef) -> Result<String, Error> {
    let store = |e: AwsError| Error::SecretStore(e.message);
    match reference {
        SecretRef::Ssm { ssm } => secrets.get_parameter(ssm).await.map_err(store),
        SecretRef::SecretsManager {
            secrets_manager,
            key,
        } => {
            let secret = secrets.get_secret(secrets_manager).await.map_err(store)?;
            secret_field(&secret, key.as_deref()).map_err(Error::SecretValue)
        }
    }
}
