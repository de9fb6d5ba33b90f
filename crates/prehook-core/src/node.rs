//! A JSON value together with its path, so every parse error can name the key it is about.

use serde_json::{Map, Value};

use crate::error::ConfigErrors;

#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub path: &'a str,
}

impl<'a> Node<'a> {
    pub fn new(value: &'a Value, path: &'a str) -> Self {
        Self { value, path }
    }
}

/// `parent.key`, or `key` at the root.
pub(crate) fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    match (path.is_empty(), simple) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (true, false) => format!("[{}]", Value::from(key)),
        (false, false) => format!("{path}[{}]", Value::from(key)),
    }
}

/// `parent[index]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// How a value is described in messages: "a string", "a list", ...
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::from(s.as_str())),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// The mapping at `node`, reporting keys outside `allowed` (typos are the most common mistake).
pub(crate) fn object<'a>(
    node: Node<'a>,
    allowed: &[&str],
    errors: &mut ConfigErrors,
) -> Option<&'a Map<String, Value>> {
    let Value::Object(map) = node.value else {
        errors.push(
            node.path,
            format!("expected a mapping, got {}", describe(node.value)),
        );
        return None;
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(
                join(node.path, key),
                format!("unknown key; expected one of: {}", allowed.join(", ")),
            );
        }
    }
    Some(map)
}

pub(crate) fn string(node: Node<'_>, errors: &mut ConfigErrors) -> Option<String> {
    match node.value {
        Value::String(s) => Some(s.clone()),
        other => {
            errors.push(
                node.path,
                format!("expected a string, got {}", describe(other)),
            );
            None
        }
    }
}

/// A whole number within `min..=max`.
pub(crate) fn integer(
    node: Node<'_>,
    min: u64,
    max: u64,
    errors: &mut ConfigErrors,
) -> Option<u64> {
    match node.value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.push(
                node.path,
                format!(
                    "expected a whole number from {min} to {max}, got {}",
                    describe(node.value)
                ),
            );
            None
        }
    }
}

/// A string or a list of strings, as a list.
pub(crate) fn strings(node: Node<'_>, errors: &mut ConfigErrors) -> Vec<String> {
    match node.value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let path = index(node.path, i);
                string(Node::new(item, &path), errors)
            })
            .collect(),
        other => {
            errors.push(
                node.path,
                format!(
                    "expected a string or a list of strings, got {}",
                    describe(other)
                ),
            );
            Vec::new()
        }
    }
}

/// A string that must be one of `allowed` (an enumerated setting).
pub(crate) fn one_of(
    node: Node<'_>,
    allowed: &[&str],
    errors: &mut ConfigErrors,
) -> Option<String> {
    match node.value.as_str() {
        Some(found) if allowed.contains(&found) => Some(found.to_owned()),
        _ => {
            errors.push(
                node.path,
                format!(
                    "expected one of {}, got {}",
                    allowed.join(", "),
                    describe(node.value)
                ),
            );
            None
        }
    }
}
