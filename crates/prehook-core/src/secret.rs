//! Secrets in checks: a header or query value may name an SSM parameter or a Secrets Manager
//! secret instead of holding the text, so that an API key or a bearer token never lands in
//! `serverless.yml`, in `.serverless/` or in `prehook.json` inside the hook's zip.
//!
//! The config carries the reference ([`SecretRef`]) unresolved all the way into `prehook.json`;
//! the hook (and `serverless prehook check`) resolve it when they run, before the checks start,
//! and the engine keeps the values out of everything it reports ([`Redactor`]).

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::error::ConfigErrors;
use crate::node::{Node, describe, join, object};

/// Where a secret value is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum SecretRef {
    /// `{ ssm: /path/to/param }`: an SSM parameter (String or SecureString, decrypted), by name
    /// (optionally `name:version` or `name:label`) or ARN.
    Ssm { ssm: String },
    /// `{ secretsManager: name-or-arn, key: field }`: a Secrets Manager secret's string, or
    /// one field of it when it is a JSON object.
    SecretsManager {
        #[serde(rename = "secretsManager")]
        secrets_manager: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
}

impl fmt::Display for SecretRef {
    /// `ssm:/prod/api-key`, `secretsManager:prod/api`, `secretsManager:prod/api#token`: what
    /// messages and redaction marks name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ssm { ssm } => write!(f, "ssm:{ssm}"),
            Self::SecretsManager {
                secrets_manager,
                key: None,
            } => write!(f, "secretsManager:{secrets_manager}"),
            Self::SecretsManager {
                secrets_manager,
                key: Some(key),
            } => write!(f, "secretsManager:{secrets_manager}#{key}"),
        }
    }
}

/// A header or query value: text as written, or a reference resolved when the checks run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Secret(SecretRef),
}

impl Text {
    /// The text, unless it is a reference still to be resolved.
    pub fn plain(&self) -> Option<&str> {
        match self {
            Self::Plain(text) => Some(text),
            Self::Secret(_) => None,
        }
    }

    pub fn secret(&self) -> Option<&SecretRef> {
        match self {
            Self::Plain(_) => None,
            Self::Secret(reference) => Some(reference),
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::Plain(text.to_owned())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self::Plain(text)
    }
}

const REFERENCE_HINT: &str = "a secret reference is `{ ssm: /path/to/param }` or `{ secretsManager: name-or-arn, key: optional-json-key }`";

/// A header or query value at `node`: text (numbers and booleans as their text), or a secret
/// reference.
pub(crate) fn parse_text(node: Node<'_>, what: &str, errors: &mut ConfigErrors) -> Option<Text> {
    match node.value {
        Value::String(s) => Some(Text::Plain(s.clone())),
        Value::Number(n) => Some(Text::Plain(n.to_string())),
        Value::Bool(b) => Some(Text::Plain(b.to_string())),
        Value::Object(_) => parse_reference(node, errors).map(Text::Secret),
        other => {
            errors.push(
                node.path,
                format!(
                    "expected a {what} (text) or a secret reference, got {}; {REFERENCE_HINT}",
                    describe(other)
                ),
            );
            None
        }
    }
}

/// The keys of a reference to an SSM parameter, and to a Secrets Manager secret (name first).
pub const SSM_KEYS: [&str; 1] = ["ssm"];
pub const SECRETS_MANAGER_KEYS: [&str; 2] = ["secretsManager", "key"];
const REFERENCE_KEYS: [&str; 3] = [
    SSM_KEYS[0],
    SECRETS_MANAGER_KEYS[0],
    SECRETS_MANAGER_KEYS[1],
];

fn parse_reference(node: Node<'_>, errors: &mut ConfigErrors) -> Option<SecretRef> {
    let map = object(node, &REFERENCE_KEYS, errors)?;
    let text = |key: &str, errors: &mut ConfigErrors| -> Option<String> {
        let path = join(node.path, key);
        match map.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            other => {
                errors.push(
                    path,
                    format!("expected a non-empty text, got {}", describe(other)),
                );
                None
            }
        }
    };
    match (map.contains_key("ssm"), map.contains_key("secretsManager")) {
        (true, true) => {
            errors.push(
                node.path,
                "a secret reference names one place: `ssm` or `secretsManager`, not both",
            );
            None
        }
        (false, false) => {
            errors.push(
                node.path,
                format!("missing `ssm` or `secretsManager`: {REFERENCE_HINT}"),
            );
            None
        }
        (true, false) => {
            if map.contains_key("key") {
                errors.push(
                    join(node.path, "key"),
                    "`key` picks a field of a Secrets Manager secret's JSON; an SSM parameter is one value: remove `key`, or keep the value in Secrets Manager",
                );
            }
            let name = text("ssm", errors)?;
            check_ssm_name(&name, &join(node.path, "ssm"), errors)?;
            Some(SecretRef::Ssm { ssm: name })
        }
        (false, true) => {
            let key = map
                .contains_key("key")
                .then(|| text("key", errors))
                .flatten();
            if map.contains_key("key") && key.is_none() {
                return None;
            }
            let name = text("secretsManager", errors)?;
            check_secret_id(&name, &join(node.path, "secretsManager"), errors)?;
            Some(SecretRef::SecretsManager {
                secrets_manager: name,
                key,
            })
        }
    }
}

/// An SSM parameter name (`/prod/api-key`, `api-key`, with an optional `:version` or `:label`)
/// or ARN, as GetParameter takes it.
fn check_ssm_name(name: &str, path: &str, errors: &mut ConfigErrors) -> Option<()> {
    if name.starts_with("arn:") {
        return check_arn(name, "ssm", "parameter/", path, errors);
    }
    let (bare, selector) = name.split_once(':').unwrap_or((name, ""));
    let valid_name = !bare.is_empty()
        && bare.len() <= 2048
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    let valid_selector = name.matches(':').count() <= 1
        && selector
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if valid_name && valid_selector && !(name.contains(':') && selector.is_empty()) {
        Some(())
    } else {
        errors.push(
            path,
            format!(
                "{name:?} is not an SSM parameter name: letters, digits and `_.-/` (`/prod/api-key`), optionally `:version` or `:label`, or the parameter's ARN; write the name itself, not `${{ssm:...}}` (the framework would put the value in the package)"
            ),
        );
        None
    }
}

/// A Secrets Manager secret name (`prod/api`) or ARN, as GetSecretValue takes it.
fn check_secret_id(id: &str, path: &str, errors: &mut ConfigErrors) -> Option<()> {
    if id.starts_with("arn:") {
        return check_arn(id, "secretsmanager", "secret:", path, errors);
    }
    if id.len() <= 512
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
    {
        Some(())
    } else {
        errors.push(
            path,
            format!(
                "{id:?} is not a Secrets Manager secret name: letters, digits and `/_+=.@-` (`prod/api`), or the secret's ARN; write the name itself, not `${{...}}` (the framework would put the value in the package)"
            ),
        );
        None
    }
}

/// `arn:<partition>:<service>:<region>:<account>:<resource...>`
fn check_arn(
    arn: &str,
    service: &str,
    resource: &str,
    path: &str,
    errors: &mut ConfigErrors,
) -> Option<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && !parts[1].is_empty()
        && parts[2] == service
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with(resource)
        && parts[5].len() > resource.len()
        && !arn.contains(char::is_whitespace)
        && !arn.contains('$');
    if valid {
        Some(())
    } else {
        errors.push(
            path,
            format!(
                "{arn:?} is not an ARN of the form arn:<partition>:{service}:<region>:<account>:{resource}<name>"
            ),
        );
        None
    }
}

/// The IAM resource a reference is read from, for the hook's role: partition-aware, in the
/// stack's region and account unless the reference is an ARN.
///
/// - SSM: `arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prod/api-key`
///   (a leading `/` of the name is part of `parameter/`; a `:version`/`:label` is not part of
///   the ARN).
/// - Secrets Manager: a name gets the `-??????` wildcard, as AWS documents for a secret's ARN
///   (it ends in a hyphen and six random characters); an ARN is taken as it is, so give the
///   complete one.
pub fn iam_resource(reference: &SecretRef) -> (&'static str, Value) {
    match reference {
        SecretRef::Ssm { ssm } if ssm.starts_with("arn:") => (
            "ssm:GetParameter",
            Value::from(strip_selector_from_arn(ssm)),
        ),
        SecretRef::Ssm { ssm } => {
            let bare = ssm.split_once(':').map_or(ssm.as_str(), |(name, _)| name);
            (
                "ssm:GetParameter",
                serde_json::json!({"Fn::Sub": format!(
                    "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
                    bare.trim_start_matches('/')
                )}),
            )
        }
        SecretRef::SecretsManager {
            secrets_manager, ..
        } if secrets_manager.starts_with("arn:") => (
            "secretsmanager:GetSecretValue",
            Value::from(secrets_manager.as_str()),
        ),
        SecretRef::SecretsManager {
            secrets_manager, ..
        } => (
            "secretsmanager:GetSecretValue",
            serde_json::json!({"Fn::Sub": format!(
                "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{secrets_manager}-??????"
            )}),
        ),
    }
}

/// `arn:...:parameter/name:3` -> `arn:...:parameter/name`
fn strip_selector_from_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [.., resource] if resource.contains(':') => {
            let cut = arn.len() - (resource.len() - resource.find(':').unwrap_or(resource.len()));
            arn[..cut].to_owned()
        }
        _ => arn.to_owned(),
    }
}

/// Header and query names whose literal value is most likely a credential.
pub fn looks_like_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    const EXACT: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "key"];
    const PARTS: [&str; 8] = [
        "api-key",
        "api_key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
    ];
    EXACT.contains(&name.as_str()) || PARTS.iter().any(|part| name.contains(part))
}

/// The warning for a literal credential-like value at `path`.
pub fn credential_warning(path: &str) -> String {
    format!(
        "{path}: looks like a credential written as plain text: it ends up in prehook.json inside the hook's zip (readable by anyone who may call lambda:GetFunction) and in .serverless/. Keep it in SSM or Secrets Manager and write `{{ ssm: /path/to/param }}` or `{{ secretsManager: name, key: field }}`: the hook reads it when it runs"
    )
}

/// The shortest value hidden in an answer before it is judged.
pub const MIN_ANSWER_CHARS: usize = 6;

/// Replaces resolved secret values in what a run reports, so that no log line, check result or
/// verdict reason carries one, even where a function echoes what it was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// (text to hide, mark), longest text first so that a value containing another is hidden
    /// whole.
    values: Vec<(String, String)>,
}

impl Redactor {
    /// Hides `value` (and its JSON-escaped and percent-encoded forms, as an echoed event or a
    /// query string carries it) behind `[redacted <reference>]`.
    pub fn add(&mut self, reference: &SecretRef, value: &str) {
        if value.is_empty() {
            return;
        }
        let mark = format!("[redacted {reference}]");
        let escape = |text: &str| {
            let json = Value::from(text).to_string();
            json[1..json.len() - 1].to_owned()
        };
        // As sent, inside a JSON string (an echoed event), inside a JSON string inside a JSON
        // string (an echoed event as a proxy response's body), and in a query string.
        let escaped = escape(value);
        let twice = escape(&escaped);
        for form in [value.to_owned(), escaped, twice, percent_encode(value)] {
            if !self.values.iter().any(|(v, _)| *v == form) {
                self.values.push((form, mark.clone()));
            }
        }
        self.values
            .sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// [`Redactor::redact`] for an answer before it is judged, with the values of at least
    /// [`MIN_ANSWER_CHARS`] characters only: hiding `1` or `ok` in an answer would break its
    /// JSON and fail a healthy version. Shorter values are still hidden in what is reported.
    pub fn redact_answer(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, mark) in &self.values {
            if value.chars().count() >= MIN_ANSWER_CHARS && out.contains(value.as_str()) {
                out = out.replace(value.as_str(), mark);
            }
        }
        out
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, mark) in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), mark);
            }
        }
        out
    }
}

/// Percent-encodes all but the unreserved characters (RFC 3986), for query values.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The value of a Secrets Manager secret for `key`: the whole string without a key, else that
/// field of its JSON object (text as it is, any other JSON value as JSON).
pub fn secret_field(secret: &str, key: Option<&str>) -> Result<String, String> {
    let Some(key) = key else {
        return Ok(secret.to_owned());
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(secret) else {
        return Err(format!(
            "the secret is not a JSON object, so it has no key {key:?}: remove `key` to use the whole string"
        ));
    };
    match map.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Null) | None => {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            Err(format!(
                "the secret's JSON has no key {key:?} (its keys: {})",
                keys.join(", ")
            ))
        }
        Some(other) => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(value: Value) -> Result<Text, String> {
        let mut errors = ConfigErrors::default();
        let parsed = parse_text(Node::new(&value, "h"), "header value", &mut errors);
        errors
            .into_result(parsed)
            .map(Option::unwrap)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn references_parse_and_serialise_as_written() {
        for value in [
            json!({"ssm": "/prod/api-key"}),
            json!({"ssm": "api-key:3"}),
            json!({"ssm": "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/shared/key"}),
            json!({"secretsManager": "prod/api", "key": "token"}),
            json!({"secretsManager": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf"}),
        ] {
            let parsed = text(value.clone()).unwrap();
            assert!(parsed.secret().is_some());
            assert_eq!(serde_json::to_value(&parsed).unwrap(), value);
        }
        assert_eq!(text(json!(3)).unwrap(), Text::Plain("3".into()));
        assert_eq!(
            text(json!({"secretsManager": "prod/api", "key": "token"}))
                .unwrap()
                .secret()
                .unwrap()
                .to_string(),
            "secretsManager:prod/api#token"
        );
    }

    #[test]
    fn bad_references_say_what_to_write() {
        let cases = [
            (json!({}), "h: missing `ssm` or `secretsManager`"),
            (
                json!({"ssm": "/a", "secretsManager": "b"}),
                "h: a secret reference names one place",
            ),
            (
                json!({"ssm": "/a", "key": "k"}),
                "h.key: `key` picks a field of a Secrets Manager secret",
            ),
            (json!({"ssm": ""}), "h.ssm: expected a non-empty text"),
            (
                json!({"ssm": "${ssm:/a}"}),
                "h.ssm: \"${ssm:/a}\" is not an SSM parameter name",
            ),
            (
                json!({"secretsManager": "a b"}),
                "h.secretsManager: \"a b\" is not a Secrets Manager secret name",
            ),
            (
                json!({"secretsManager": "arn:aws:ssm:us-east-1:123456789012:parameter/x"}),
                "h.secretsManager: \"arn:aws:ssm:us-east-1:123456789012:parameter/x\" is not an ARN of the form arn:<partition>:secretsmanager:",
            ),
            (
                json!({"secretsManager": "s", "key": 1}),
                "h.key: expected a non-empty text, got the number 1",
            ),
            (
                json!({"sm": "s"}),
                "h.sm: unknown key; expected one of: ssm, secretsManager, key",
            ),
            (
                json!([1]),
                "h: expected a header value (text) or a secret reference, got a list",
            ),
        ];
        for (value, expected) in cases {
            let err = text(value.clone()).unwrap_err();
            assert!(err.contains(expected), "{value}: {err}");
        }
    }

    #[test]
    fn iam_resources_are_partition_aware_and_exact() {
        let ssm = |name: &str| iam_resource(&SecretRef::Ssm { ssm: name.into() });
        assert_eq!(
            ssm("/prod/api-key:3"),
            (
                "ssm:GetParameter",
                json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prod/api-key"})
            )
        );
        assert_eq!(
            ssm("plain").1,
            json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/plain"})
        );
        assert_eq!(
            ssm("arn:aws:ssm:us-east-1:123456789012:parameter/shared/key:label").1,
            json!("arn:aws:ssm:us-east-1:123456789012:parameter/shared/key")
        );
        let secret = |id: &str| {
            iam_resource(&SecretRef::SecretsManager {
                secrets_manager: id.into(),
                key: Some("k".into()),
            })
        };
        assert_eq!(
            secret("prod/api"),
            (
                "secretsmanager:GetSecretValue",
                json!({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/api-??????"})
            )
        );
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-AbCdEf";
        assert_eq!(secret(arn).1, json!(arn));
    }

    #[test]
    fn redaction_hides_every_form_of_a_value() {
        let mut redactor = Redactor::default();
        let reference = SecretRef::Ssm { ssm: "/k".into() };
        redactor.add(&reference, "s3cr\"t value");
        redactor.add(&reference, "");
        assert_eq!(
            redactor.redact(r#"got s3cr"t value, {"h":"s3cr\"t value"}, q=s3cr%22t%20value"#),
            "got [redacted ssm:/k], {\"h\":\"[redacted ssm:/k]\"}, q=[redacted ssm:/k]"
        );
        // A short value is hidden in reports, but not in an answer still to be judged.
        redactor.add(&reference, "ok");
        let answer = r#"{"statusCode":200,"body":"ok"}"#;
        assert_eq!(redactor.redact_answer(answer), answer);
        assert_eq!(redactor.redact("it is ok"), "it is [redacted ssm:/k]");
    }

    #[test]
    fn secret_fields_come_from_a_json_object() {
        assert_eq!(secret_field("plain", None).unwrap(), "plain");
        assert_eq!(
            secret_field(r#"{"token":"t","n":3}"#, Some("token")).unwrap(),
            "t"
        );
        assert_eq!(secret_field(r#"{"n":3}"#, Some("n")).unwrap(), "3");
        assert_eq!(
            secret_field(r#"{"a":1,"b":2}"#, Some("token")).unwrap_err(),
            "the secret's JSON has no key \"token\" (its keys: a, b)"
        );
        assert!(
            secret_field("plain", Some("token"))
                .unwrap_err()
                .starts_with("the secret is not a JSON object")
        );
    }

    #[test]
    fn credential_names() {
        for name in [
            "Authorization",
            "x-api-key",
            "X-Auth-Token",
            "api_key",
            "client_secret",
            "Cookie",
        ] {
            assert!(looks_like_credential(name), "{name}");
        }
        for name in ["X-Check", "Accept", "content-type", "page", "q"] {
            assert!(!looks_like_credential(name), "{name}");
        }
    }
}
