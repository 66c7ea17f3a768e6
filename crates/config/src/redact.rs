//! The one redaction rule of diagnostics: a message built from values that are sensitive shows
//! `(sensitive value)` where the value's text would be.
//!
//! Messages are built from values in a few places only: function failures
//! ([`crate::functions`]), indexing and attribute reads ([`crate::eval`]), type conversions
//! ([`crate::types`]) and values given for variables ([`crate::load`]). Each passes its message
//! and the values it was built from through [`redact`], which replaces every text a sensitive
//! part of those values could show as: a string, a number or a bool, an object key inside a
//! sensitive object, and the escaped form a quoted rendering (`%q`, JSON) would give. Replacing
//! the texts rather than trusting each message to leave them out keeps the rule in one place: a
//! new message cannot forget it.

use crate::eval::value_to_string;
use crate::value::Value;

/// What a message shows instead of a sensitive value.
pub(crate) const SENSITIVE: &str = "(sensitive value)";

/// `message` with the text of every sensitive part of `inputs` replaced by
/// `(sensitive value)`; unchanged when no input holds a sensitive part.
pub(crate) fn redact(message: String, inputs: &[&Value]) -> String {
    let mut secrets = Vec::new();
    for input in inputs {
        collect(input, false, &mut secrets);
    }
    redact_texts(message, secrets)
}

/// `message` with every occurrence of each of `secrets` replaced by `(sensitive value)`.
pub(crate) fn redact_texts(mut message: String, mut secrets: Vec<String>) -> String {
    // An empty text occurs everywhere and shows nothing; longer texts first, so that a secret
    // that contains another is replaced whole.
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    for secret in &secrets {
        if message.contains(secret.as_str()) {
            message = message.replace(secret.as_str(), SENSITIVE);
        }
    }
    message
}

/// The texts of the sensitive parts of `value` (all of it when `inside` a sensitive one).
fn collect(value: &Value, inside: bool, out: &mut Vec<String>) {
    match value {
        Value::Sensitive(inner) => collect(inner, true, out),
        Value::List(items) | Value::Set(items) => {
            for item in items {
                collect(item, inside, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if inside {
                    push_text(key, out);
                }
                collect(item, inside, out);
            }
        }
        leaf if inside => {
            if let Some(text) = value_to_string(leaf) {
                push_text(&text, out);
            }
        }
        _ => {}
    }
}

/// A text and its escaped form inside quotes, when that differs (`a"b` is written `a\"b`).
fn push_text(text: &str, out: &mut Vec<String>) {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    let escaped = &quoted[1..quoted.len() - 1];
    if escaped != text {
        out.push(escaped.to_owned());
    }
    out.push(text.to_owned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ObjectMap;

    #[test]
    fn sensitive_texts_are_replaced_and_others_kept() {
        let secret = Value::string("hunter2").mark_sensitive();
        let plain = Value::string("visible");
        assert_eq!(
            redact(
                "`hunter2` and `visible` are not numbers".to_owned(),
                &[&secret, &plain]
            ),
            "`(sensitive value)` and `visible` are not numbers"
        );
    }

    #[test]
    fn nested_parts_keys_of_sensitive_objects_and_escaped_forms_are_replaced() {
        let object = Value::Object(ObjectMap::from_iter([(
            "key-secret".to_owned(),
            Value::string("say \"hi\""),
        )]))
        .mark_sensitive();
        let list = Value::List(vec![Value::string("a"), Value::int(4242).mark_sensitive()]);
        let message = r#"no `key-secret`, "say \"hi\"" or 4242 here, only a"#.to_owned();
        assert_eq!(
            redact(message, &[&object, &list]),
            "no `(sensitive value)`, \"(sensitive value)\" or (sensitive value) here, only a"
        );
    }

    #[test]
    fn a_secret_inside_another_is_replaced_by_the_longer_one_first() {
        let short = Value::string("abc").mark_sensitive();
        let long = Value::string("abcdef").mark_sensitive();
        assert_eq!(
            redact("x abcdef y abc".to_owned(), &[&short, &long]),
            "x (sensitive value) y (sensitive value)"
        );
    }

    #[test]
    fn an_empty_secret_changes_nothing() {
        let empty = Value::string("").mark_sensitive();
        assert_eq!(redact("message".to_owned(), &[&empty]), "message");
    }
}
