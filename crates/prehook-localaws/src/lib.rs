//! Local stand-ins for the AWS endpoints the hook talks to, on 127.0.0.1 over plain HTTP.
//!
//! - [`codedeploy`]: the CodeDeploy API (awsJson 1.1) the hook reads the AppSpec from and reports to;
//! - [`lambda`]: the Lambda Invoke API, with functions programmed from Rust;
//! - [`runtime`]: the Lambda Runtime API a `bootstrap` binary polls for events;
//! - [`rehearse`]: one CodeDeploy hook invocation of a real `bootstrap`, end to end.
//!
//! Every operation can be scripted to misbehave ([`Reply`]: errors, throttling, delays,
//! malformed bodies, dropped connections) so tests can prove the hook never hangs nor lies.

pub mod codedeploy;
pub mod lambda;
pub mod rehearse;
mod reply;
pub mod runtime;
mod server;

pub use codedeploy::{ApiCall, Deployment, LocalCodeDeploy, RevisionStyle, StatusReport};
pub use lambda::{Invocation, LocalLambda};
pub use reply::{Action, Reply};
pub use runtime::{LocalRuntime, RuntimeResult};
pub use server::{HttpCall, Server};
