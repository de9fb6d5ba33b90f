//! Regular expressions and header matchers as written in the config.

use std::fmt;

use regex_lite::Regex;
use serde::{Serialize, Serializer};

use crate::error::ConfigErrors;
use crate::node::{Node, string};

/// A compiled regular expression that remembers its source, so it serialises back as written.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    pub fn new(source: &str) -> Result<Self, String> {
        Regex::new(source)
            .map(|regex| Self {
                source: source.to_owned(),
                regex,
            })
            .map_err(|e| format!("invalid regular expression {:?}: {e}", source))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub(crate) fn parse(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Self> {
        let source = string(node, errors)?;
        Self::new(&source)
            .map_err(|message| errors.push(node.path, message))
            .ok()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// An expected header value: exact text, or a regular expression written between slashes (`/^max-age=\d+$/`).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueMatcher {
    Exact(String),
    Regex(Pattern),
}

impl ValueMatcher {
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(expected) => expected == value,
            Self::Regex(pattern) => pattern.is_match(value),
        }
    }

    pub(crate) fn parse(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Self> {
        let text = string(node, errors)?;
        match text
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
        {
            Some(source) if text.len() >= 2 => Pattern::new(source)
                .map(Self::Regex)
                .map_err(|m| errors.push(node.path, m))
                .ok(),
            _ => Some(Self::Exact(text)),
        }
    }
}

impl fmt::Display for ValueMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(text) => write!(f, "{text:?}"),
            Self::Regex(pattern) => write!(f, "/{}/", pattern.as_str()),
        }
    }
}

impl Serialize for ValueMatcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Exact(text) => serializer.serialize_str(text),
            Self::Regex(pattern) => serializer.serialize_str(&format!("/{}/", pattern.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_matchers_are_exact_unless_between_slashes() {
        let mut errors = ConfigErrors::default();
        let exact = ValueMatcher::parse(Node::new(&json!("text/html"), "h"), &mut errors).unwrap();
        assert!(exact.matches("text/html") && !exact.matches("text/html; charset=utf-8"));
        let regex =
            ValueMatcher::parse(Node::new(&json!("/^text/html/"), "h"), &mut errors).unwrap();
        assert!(regex.matches("text/html; charset=utf-8") && !regex.matches("application/json"));
        assert_eq!(serde_json::to_value(&regex).unwrap(), json!("/^text/html/"));
        assert!(errors.is_empty());
    }

    #[test]
    fn invalid_regexes_are_reported_at_their_path() {
        let mut errors = ConfigErrors::default();
        assert!(
            ValueMatcher::parse(
                Node::new(&json!("/([a-z/"), "expect.headers.etag"),
                &mut errors
            )
            .is_none()
        );
        assert!(
            Pattern::parse(
                Node::new(&json!("(unclosed"), "expect.bodyMatches"),
                &mut errors
            )
            .is_none()
        );
        assert_eq!(errors.0.len(), 2);
        assert_eq!(errors.0[0].path, "expect.headers.etag");
        assert!(
            errors.0[1]
                .message
                .starts_with("invalid regular expression \"(unclosed\"")
        );
    }
}
