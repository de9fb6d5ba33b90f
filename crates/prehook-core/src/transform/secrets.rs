//! What secret references in checks mean for the package: the hook's role may read exactly
//! those parameters and secrets, and a literal that looks like a credential gets a warning
//! that points at the reference form.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::functions::CheckedFunction;
use crate::check::{Check, Request};
use crate::node::{index, join};
use crate::secret::{SecretRef, Text, credential_warning, iam_resource, looks_like_credential};

/// Every reference of every check (pre- and post-traffic), each once, in order.
pub fn references(checked: &[CheckedFunction]) -> BTreeSet<SecretRef> {
    checked
        .iter()
        .flat_map(|f| f.checks.checks.iter().chain(&f.checks.after_traffic))
        .filter_map(|check| match &check.request {
            Request::Http(http) => Some(http.secrets().cloned().collect::<Vec<_>>()),
            Request::Raw(_) => None,
        })
        .flatten()
        .collect()
}

/// `ssm:GetParameter` and `secretsmanager:GetSecretValue` on exactly the referenced
/// resources; nothing when no check references a secret.
///
/// No `kms:Decrypt`: a SecureString or secret encrypted with the AWS managed key (`aws/ssm`,
/// `aws/secretsmanager`) is decrypted through the service for any principal of the account
/// allowed to read it, as that key's policy says (`kms:ViaService`, `kms:CallerAccount`). A
/// customer managed key needs its key policy to allow the hook's role (README).
pub fn statements(checked: &[CheckedFunction]) -> Vec<Value> {
    let mut by_action: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for reference in references(checked) {
        let (action, resource) = iam_resource(&reference);
        match by_action.iter_mut().find(|(a, _)| *a == action) {
            Some((_, resources)) if resources.contains(&resource) => {}
            Some((_, resources)) => resources.push(resource),
            None => by_action.push((action, vec![resource])),
        }
    }
    by_action.sort_by_key(|(action, _)| *action);
    by_action
        .into_iter()
        .map(|(action, resources)| {
            json!({"Effect": "Allow", "Action": [action], "Resource": resources})
        })
        .collect()
}

/// One warning per literal header or query value whose name says credential, with its path.
pub fn warnings(checked: &[CheckedFunction]) -> Vec<String> {
    let mut warnings = Vec::new();
    for function in checked {
        let prehook = join(&join("functions", &function.key), "prehook");
        for (list, checks) in [
            ("checks", &function.checks.checks),
            ("afterTraffic", &function.checks.after_traffic),
        ] {
            for (i, check) in checks.iter().enumerate() {
                let path = index(&join(&prehook, list), i);
                warnings.extend(check_warnings(check, &path));
            }
        }
    }
    warnings
}

fn check_warnings(check: &Check, path: &str) -> Vec<String> {
    let Request::Http(http) = &check.request else {
        return Vec::new();
    };
    let request = join(path, "request");
    let mut found = Vec::new();
    for (list, values) in [("headers", &http.headers), ("query", &http.query)] {
        for (name, value) in values {
            if matches!(value, Text::Plain(_)) && looks_like_credential(name) {
                found.push(credential_warning(&join(&join(&request, list), name)));
            }
        }
    }
    if let Some((_, own_query)) = http.path.split_once('?') {
        for name in own_query
            .split('&')
            .map(|p| p.split('=').next().unwrap_or(p))
        {
            if looks_like_credential(name) {
                found.push(credential_warning(&format!(
                    "{request}.path (query parameter `{name}`)"
                )));
            }
        }
    }
    found
}
