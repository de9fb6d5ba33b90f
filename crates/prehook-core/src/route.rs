//! Declared HTTP routes (`/users/{id}`, `/files/{key+}`): which concrete path they match, with
//! which path parameters, and a concrete path a default check can send to them.

use std::collections::BTreeMap;

/// What a path parameter is filled with in a default check: a number is what most routes
/// with an `{id}` accept, and a healthy handler that does not know it answers 404, not 5xx.
pub const PARAMETER_PLACEHOLDER: &str = "1";
/// What a greedy parameter (`{proxy+}`) is filled with: a path that names its sender.
pub const GREEDY_PLACEHOLDER: &str = "serverless-prehook";

/// The framework's path as a route: a leading `/`, no trailing one (API Gateway ignores it).
pub fn normalize(path: &str) -> String {
    let trimmed = path.trim().trim_matches('/');
    format!("/{trimmed}")
}

/// Whether the route has path parameters (`{id}` or `{proxy+}`).
pub fn has_parameters(route: &str) -> bool {
    segments(route).any(|segment| parameter(segment).is_some())
}

/// A concrete path for `route`: every parameter filled with a placeholder.
pub fn fill(route: &str) -> String {
    let filled: Vec<&str> = segments(route)
        .map(|segment| match parameter(segment) {
            Some((_, true)) => GREEDY_PLACEHOLDER,
            Some((_, false)) => PARAMETER_PLACEHOLDER,
            None => segment,
        })
        .collect();
    format!("/{}", filled.join("/"))
}

/// The path parameters `path` (without its query string) gets from `route`, or `None` when the
/// route does not match it. A greedy parameter takes the rest of the path, at least one segment.
pub fn path_parameters(route: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let route: Vec<&str> = segments(route).collect();
    let path: Vec<&str> = segments(path).collect();
    let mut parameters = BTreeMap::new();
    for (i, segment) in route.iter().enumerate() {
        match parameter(segment) {
            Some((name, true)) => {
                let rest = path.get(i..).filter(|rest| !rest.is_empty())?;
                parameters.insert(name.to_owned(), rest.join("/"));
                return (i == route.len() - 1).then_some(parameters);
            }
            Some((name, false)) => {
                parameters.insert(name.to_owned(), (*path.get(i)?).to_owned());
            }
            None if path.get(i) == Some(segment) => {}
            None => return None,
        }
    }
    (route.len() == path.len()).then_some(parameters)
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

/// `{name}` → `(name, false)`, `{name+}` → `(name, true)`.
fn parameter(segment: &str) -> Option<(&str, bool)> {
    let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
    Some(match inner.strip_suffix('+') {
        Some(name) => (name, true),
        None => (inner, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(route: &str, path: &str) -> Option<Vec<(String, String)>> {
        path_parameters(route, path).map(|p| p.into_iter().collect())
    }

    #[test]
    fn routes_match_their_paths_with_parameters() {
        assert_eq!(params("/", "/"), Some(vec![]));
        assert_eq!(params("/users", "/users/"), Some(vec![]));
        assert_eq!(
            params("/users/{id}", "/users/7"),
            Some(vec![("id".into(), "7".into())])
        );
        assert_eq!(
            params("/base/{proxy+}", "/base/a/b"),
            Some(vec![("proxy".into(), "a/b".into())])
        );
        assert_eq!(
            params("/base/{proxy+}", "/base"),
            None,
            "greedy takes one segment at least"
        );
        assert_eq!(params("/users/{id}", "/users/7/x"), None);
        assert_eq!(params("/users/{id}", "/orders/7"), None);
        assert_eq!(params("/users", "/"), None);
    }

    #[test]
    fn filled_routes_match_themselves() {
        for route in ["/", "/users/{id}", "/base/{proxy+}", "/a/{b}/c/{d+}"] {
            let path = fill(route);
            assert!(path_parameters(route, &path).is_some(), "{route} -> {path}");
        }
        assert_eq!(fill("/users/{id}/orders"), "/users/1/orders");
        assert_eq!(fill("/{proxy+}"), "/serverless-prehook");
        assert!(has_parameters("/{proxy+}") && !has_parameters("/users"));
    }

    #[test]
    fn framework_paths_are_normalised() {
        assert_eq!(normalize(""), "/");
        assert_eq!(normalize("users/{id}"), "/users/{id}");
        assert_eq!(normalize("/base/"), "/base");
    }
}
