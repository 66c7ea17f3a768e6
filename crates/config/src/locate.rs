//! Diagnostics at a place inside a resource block, for checks made after loading (the planner's
//! template checks): the attribute, or a key of an object written literally inside it.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};

use crate::diagnostic::Diagnostic;
use crate::model::{Configuration, Resource};

impl Configuration {
    /// A diagnostic (an error; [`Diagnostic::into_warning`] makes it a warning) pointing at
    /// `path` inside `resource`: `["version"]` is the attribute's value, `["values", "custom",
    /// "stub_domain"]` the key `stub_domain` where the object is written literally. Where the
    /// path leaves what is written literally (a variable, a function call), it points at the
    /// last expression it reached; an attribute not written points at the block.
    pub fn error_at(
        &self,
        resource: &Resource,
        path: &[&str],
        message: impl Into<String>,
    ) -> Diagnostic {
        let range = path.split_first().and_then(|(name, rest)| {
            let expr = resource.attributes().get(*name)?;
            Some(key_range(&expr.expr, rest).unwrap_or_else(|| expr.expr.span().unwrap_or(0..0)))
        });
        match range {
            Some(range) => self.error(resource.file, &range, message),
            None => self.error(resource.file, &(resource.offset..resource.offset), message),
        }
    }
}

/// The range of the key at `path` inside `expr` (literal objects only), or of the deepest
/// expression reached. `None` when `path` is empty.
fn key_range(expr: &Expression, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let Expression::Object(object) = expr else {
        return expr.span();
    };
    let found = object.iter().find(|(key, _)| match key {
        ObjectKey::Ident(ident) => ident.as_str() == *first,
        ObjectKey::Expression(Expression::String(text)) => text.as_str() == *first,
        ObjectKey::Expression(_) => false,
    });
    match found {
        None => object.span(),
        Some((key, _)) if rest.is_empty() => key.span(),
        Some((key, value)) => key_range(value.expr(), rest).or_else(|| key.span()),
    }
}

#[cfg(test)]
mod tests {
    use crate::{SourceFile, Sources, load_sources};

    fn load_str(text: &str) -> crate::Configuration {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", text)],
            ..Sources::default()
        })
        .unwrap()
    }

    #[test]
    fn error_at_points_at_the_key_written_literally() {
        let config = load_str(
            r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values = {
    custom = {
      stub_domain = {}
    }
  }
}
"#,
        );
        let resource = config.resources().next().unwrap();
        let at_key = config.error_at(resource, &["values", "custom", "stub_domain"], "x");
        assert_eq!((at_key.line(), at_key.column()), (Some(7), Some(7)));
        let at_attribute = config.error_at(resource, &["template_name"], "x");
        assert_eq!(
            (at_attribute.line(), at_attribute.column()),
            (Some(4), Some(19))
        );
        let missing = config.error_at(resource, &["values", "basic", "x"], "x");
        assert_eq!(missing.line(), Some(5));
        let unwritten = config.error_at(resource, &["version"], "x");
        assert_eq!(unwritten.line(), Some(2));
    }
}
