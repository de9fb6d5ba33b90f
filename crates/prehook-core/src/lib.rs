//! The pure core of serverless-prehook.
//!
//! Everything that needs no I/O lives here, so that the plugin (through the napi binding) and
//! the hook Lambda validate and interpret the very same config:
//! - [`check`], [`hook_config`]: the checks config model, its parser and its validation;
//! - [`status`], [`pattern`]: expected status codes, regular expressions, header matchers;
//! - [`appspec`]: which functions and versions a CodeDeploy deployment moves;
//! - [`event`]: the events a check sends, [`route`]: declared routes and their parameters; [`evaluate`]: judging what came back;
//! - [`secret`]: header and query values kept in SSM or Secrets Manager, resolved when the
//!   checks run;
//! - [`transform`]: the service-config transform the Serverless plugin applies;
//! - [`artifact`]: the hook's deployment zip (shipped `bootstrap` + `prehook.json`).

pub mod appspec;
pub mod artifact;
pub mod check;
pub mod error;
pub mod evaluate;
pub mod event;
pub mod hook_config;
mod node;
pub mod pattern;
pub mod route;
pub mod schema;
pub mod secret;
pub mod status;
pub mod transform;

pub use appspec::{AppSpec, AppSpecError, AppSpecHook, AppSpecResource, LifecycleEvent};
pub use check::{Body, Check, EventKind, Expect, HttpRequest, Request, parse_checks};
pub use error::{ConfigError, ConfigErrors};
pub use evaluate::{Evaluation, Outcome, evaluate};
pub use event::{EventContext, build_event, client_context, user_agent};
pub use hook_config::{FunctionChecks, HookConfig, Skip};
pub use pattern::{Pattern, ValueMatcher};
pub use secret::{Redactor, SecretRef, Text};
pub use status::StatusSpec;
pub use transform::{Changes, Plan, PluginFacts, transform};

/// The version of this project, sent in `User-Agent: serverless-prehook/<version>`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
