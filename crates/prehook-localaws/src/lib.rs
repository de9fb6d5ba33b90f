//! Local stand-ins for the AWS endpoints the hook talks to, on 127.0.0.1 over plain HTTP.
//!
//! - [`codedeploy`]: the CodeDeploy API (awsJson 1.1) the hook reads the AppSpec from and reports to;
//! - [`lambda`]: the Lambda Invoke API, with functions programmed from Rust;
//! - [`runtime`]: the Lambda Runtime API a `bootstrap` binary polls for events;
//! - [`response_url`]: the pre-signed S3 URL a custom resource's response is uploaded to;
//! - [`secrets`]: SSM GetParameter and Secrets Manager GetSecretValue, for checks' secret
//!   references;
//! - [`rehearse`]: one CodeDeploy hook invocation of a real `bootstrap`, end to end;
//! - [`rehearse_first_deploy`]: CloudFormation creating a new alias's first-deploy gate, answered
//!   by a real `bootstrap`.
//!
//! Every operation can be scripted to misbehave ([`Reply`]: errors, throttling, delays,
//! malformed bodies, dropped connections) so tests can prove the hook never hangs nor lies.

pub mod codedeploy;
pub mod lambda;
pub mod rehearse;
pub mod rehearse_first_deploy;
mod reply;
pub mod response_url;
pub mod runtime;
pub mod secrets;
mod server;

pub use codedeploy::{ApiCall, Deployment, LocalCodeDeploy, RevisionStyle, StatusReport};
pub use lambda::{Invocation, LocalLambda};
pub use reply::{Action, Reply};
pub use response_url::{LocalResponseUrl, ResponseUpload};
pub use runtime::{LocalRuntime, RuntimeResult};
pub use secrets::{LocalSecrets, SecretCall};
pub use server::{HttpCall, Server};
