//! Paths into a resource's attributes: `values.flavor.replicas`, `inputs.hosts[0]`.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathStep {
    /// An object key (at the top level: the attribute's name).
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path from a resource to one of its values: the attribute's name, then object keys and list
/// indices. Shown as `values.flavor.replicas` or `inputs.hosts[0]`; keys that are not identifiers
/// are quoted: `values["a.b"]`. The empty path stands for the whole resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    /// The path of the whole resource (no step).
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of a top-level attribute.
    pub fn attribute(name: &str) -> Self {
        Self {
            steps: vec![PathStep::Key(name.to_owned())],
        }
    }

    /// The path made of these steps.
    pub fn from_steps(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }

    /// Its steps.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Whether it is the whole resource.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// The top-level attribute it is in, if it is not the root.
    pub fn attribute_name(&self) -> Option<&str> {
        match self.steps.first() {
            Some(PathStep::Key(name)) => Some(name),
            _ => None,
        }
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &AttributePath) -> bool {
        self.steps.starts_with(&other.steps)
    }

    /// The JSON pointer (RFC 6901) of the path, as the state records sensitive values:
    /// `/values/flavor/replicas`.
    pub fn to_pointer(&self) -> String {
        pointer(&self.steps)
    }
}

/// The JSON pointer (RFC 6901) of `steps`: `/values/a~1b/0`.
pub fn pointer(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            PathStep::Key(key) => push_pointer_key(&mut out, key),
            PathStep::Index(index) => {
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
    }
    out
}

/// Whether the value at JSON pointer `outer` holds the value at `inner`, or is it:
/// `/values` holds `/values/custom/token`, but not `/values2`.
pub fn pointer_covers(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Appends `/` and `key` escaped as a JSON pointer token (`~` as `~0`, `/` as `~1`).
pub fn push_pointer_key(out: &mut String, key: &str) {
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// The unescaped tokens of a JSON pointer (RFC 6901): `/values/a~1b/0` is `values`, `a/b`, `0`.
/// The empty pointer (the whole document) has none. `None` when `pointer` is not a pointer: it
/// does not start with `/`, or holds a `~` not followed by `0` or `1`.
pub fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|raw| {
            let mut token = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                match (c, c == '~') {
                    (_, true) => match chars.next() {
                        Some('0') => token.push('~'),
                        Some('1') => token.push('/'),
                        _ => return None,
                    },
                    (c, false) => token.push(c),
                }
            }
            Some(token)
        })
        .collect()
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key(key) if is_identifier(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                PathStep::Key(key) => {
                    write!(f, "[{}]", serde_json::Value::String(key.clone()))?;
                }
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: &[PathStep]) -> AttributePath {
        AttributePath::from_steps(steps.to_vec())
    }

    #[test]
    fn a_pointer_covers_itself_and_what_is_under_it_only() {
        assert!(pointer_covers("/values", "/values"));
        assert!(pointer_covers("/values", "/values/custom/token"));
        assert!(!pointer_covers("/values", "/values2"));
        assert!(!pointer_covers("/values/custom", "/values"));
    }

    #[test]
    fn shows_like_hcl_and_points_like_json() {
        let replicas = path(&[
            PathStep::Key("values".into()),
            PathStep::Key("flavor".into()),
            PathStep::Key("replicas".into()),
        ]);
        assert_eq!(replicas.to_string(), "values.flavor.replicas");
        assert_eq!(replicas.to_pointer(), "/values/flavor/replicas");
        let odd = path(&[
            PathStep::Key("inputs".into()),
            PathStep::Key("a.b/c".into()),
            PathStep::Index(2),
        ]);
        assert_eq!(odd.to_string(), r#"inputs["a.b/c"][2]"#);
        assert_eq!(odd.to_pointer(), "/inputs/a.b~1c/2");
        assert!(replicas.starts_with(&AttributePath::attribute("values")));
        assert!(!AttributePath::attribute("values").starts_with(&replicas));
        assert_eq!(AttributePath::root().to_string(), "");
    }

    #[test]
    fn pointers_round_trip_their_escapes() {
        let steps = [
            PathStep::Key("values".into()),
            PathStep::Key("a~/b".into()),
            PathStep::Index(0),
        ];
        let text = pointer(&steps);
        assert_eq!(text, "/values/a~0~1b/0");
        assert_eq!(
            pointer_tokens(&text),
            Some(vec!["values".to_owned(), "a~/b".to_owned(), "0".to_owned()])
        );
        assert_eq!(pointer_tokens(""), Some(Vec::new()));
        assert_eq!(pointer_tokens("/"), Some(vec![String::new()]));
        assert_eq!(pointer_tokens("no-leading-slash"), None);
        assert_eq!(pointer_tokens("/a~2"), None);
        assert_eq!(pointer_tokens("/a~"), None);
    }
}
