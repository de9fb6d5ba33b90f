//! Expected HTTP status codes: `200`, `"200-299"`, `"2xx"` or a list of those.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::error::ConfigErrors;
use crate::node::{Node, describe, index};

/// A set of accepted status codes, as inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSpec(Vec<(u16, u16)>);

impl Default for StatusSpec {
    /// Success or redirect: what a health check that "works" answers.
    fn default() -> Self {
        Self(vec![(200, 399)])
    }
}

impl StatusSpec {
    /// Anything but a server error (100-499): what a default check accepts, because a healthy
    /// app may well answer 404, 401 or 403 to an anonymous request on a route it declares; a
    /// broken version answers 5xx (or fails as a function).
    pub fn not_server_error() -> Self {
        Self(vec![(100, 499)])
    }

    pub fn accepts(&self, status: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
    }

    pub(crate) fn parse(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Self> {
        let mut ranges = Vec::new();
        match node.value {
            Value::Array(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let path = index(node.path, i);
                    if let Some(range) = parse_one(Node::new(item, &path), errors) {
                        ranges.push(range);
                    }
                }
                (ranges.len() == items.len()).then_some(Self(ranges))
            }
            Value::Array(_) => {
                errors.push(node.path, "expected at least one status code");
                None
            }
            _ => parse_one(node, errors).map(|range| Self(vec![range])),
        }
    }
}

fn parse_one(node: Node<'_>, errors: &mut ConfigErrors) -> Option<(u16, u16)> {
    const HINT: &str = "a status code (200), a range (\"200-299\", \"2xx\") or a list of those";
    let range = match node.value {
        Value::Number(n) => n.as_u64().map(|n| (n, n)),
        Value::String(s) => parse_text(s.trim()),
        _ => None,
    };
    let Some((lo, hi)) = range else {
        errors.push(
            node.path,
            format!("expected {HINT}, got {}", describe(node.value)),
        );
        return None;
    };
    if !(100..=599).contains(&lo) || !(100..=599).contains(&hi) {
        let shown = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        };
        errors.push(
            node.path,
            format!("expected status codes from 100 to 599, got {shown}"),
        );
        return None;
    }
    if lo > hi {
        errors.push(
            node.path,
            format!("the range {lo}-{hi} is empty: write the lower bound first"),
        );
        return None;
    }
    Some((lo as u16, hi as u16))
}

fn parse_text(s: &str) -> Option<(u64, u64)> {
    if let Some(class) = s.strip_suffix("xx").or_else(|| s.strip_suffix("XX")) {
        let digit: u64 = class.parse().ok().filter(|_| class.len() == 1)?;
        return Some((digit * 100, digit * 100 + 99));
    }
    match s.split_once('-') {
        Some((lo, hi)) => Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)),
        None => s.parse().ok().map(|n| (n, n)),
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if lo == hi {
                write!(f, "{lo}")?
            } else {
                write!(f, "{lo}-{hi}")?
            }
        }
        Ok(())
    }
}

impl Serialize for StatusSpec {
    /// The normalised form the hook reads back: a list of `"lo-hi"` or numbers.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items: Vec<Value> = self
            .0
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    Value::from(lo)
                } else {
                    Value::from(format!("{lo}-{hi}"))
                }
            })
            .collect();
        items.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<StatusSpec, String> {
        let mut errors = ConfigErrors::default();
        let spec = StatusSpec::parse(Node::new(&value, "expect.status"), &mut errors);
        spec.ok_or_else(|| errors.to_string())
    }

    #[test]
    fn accepts_numbers_ranges_classes_and_lists() {
        let spec = parse(json!(204)).unwrap();
        assert!(spec.accepts(204) && !spec.accepts(200));
        let spec = parse(json!("200-299")).unwrap();
        assert!(spec.accepts(200) && spec.accepts(299) && !spec.accepts(300));
        let spec = parse(json!("4xx")).unwrap();
        assert!(spec.accepts(404) && !spec.accepts(500));
        let spec = parse(json!([200, "301-302"])).unwrap();
        assert!(spec.accepts(301) && !spec.accepts(303));
        assert_eq!(spec.to_string(), "200, 301-302");
        assert!(StatusSpec::default().accepts(302) && !StatusSpec::default().accepts(404));
    }

    #[test]
    fn rejects_impossible_ranges_with_the_path() {
        assert_eq!(
            parse(json!(700)).unwrap_err(),
            "expect.status: expected status codes from 100 to 599, got 700"
        );
        assert_eq!(
            parse(json!("299-200")).unwrap_err(),
            "expect.status: the range 299-200 is empty: write the lower bound first"
        );
        assert!(
            parse(json!("ok"))
                .unwrap_err()
                .starts_with("expect.status: expected a status code")
        );
        assert!(
            parse(json!([200, true]))
                .unwrap_err()
                .starts_with("expect.status[1]: ")
        );
        assert!(parse(json!([])).is_err());
    }

    #[test]
    fn serializes_to_a_form_it_parses_back() {
        let spec = parse(json!([200, "300-399"])).unwrap();
        let value = serde_json::to_value(&spec).unwrap();
        assert_eq!(value, json!([200, "300-399"]));
        assert_eq!(parse(value).unwrap(), spec);
    }
}
