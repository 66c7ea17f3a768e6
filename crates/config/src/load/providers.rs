//! Several provider configurations: `provider "huaweicloud" { alias = "hk" ... }` blocks, and
//! the `provider = huaweicloud.ALIAS` of resources and data sources that use one.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;

use super::{Loader, PROVIDER_ATTRIBUTES, block_range};
use crate::diagnostic::{Diagnostics, FileId};
use crate::eval::span;
use crate::model::{Configuration, ProviderConfig};

impl Loader {
    /// A `provider` block with an `alias`: read here, `true`; without one, `false` (the default
    /// configuration, read by `provider_block`).
    pub(super) fn aliased_provider_block(&mut self, file: FileId, block: &Block) -> bool {
        let Some(alias) = block.body.get_attribute("alias") else {
            return false;
        };
        let Some(name) = self.literal_string(file, alias, "`alias`") else {
            return true;
        };
        if !is_identifier(&name) {
            self.error(
                file,
                &span(&alias.value),
                format!("invalid provider alias `{name}`"),
            )
            .set_hint("an alias starts with a letter and holds letters, digits, `_` and `-`");
            return true;
        }
        if !self.declare(
            format!("provider.{name}"),
            &format!("`provider \"huaweicloud\"` block with alias `{name}`"),
            file,
            &block_range(block),
        ) {
            return true;
        }
        self.no_blocks(file, &block.body, "the provider block", &[]);
        let mut attributes = Vec::new();
        for attribute in block.body.attributes() {
            let key = attribute.key.as_str();
            if key == "alias" {
                continue;
            }
            if PROVIDER_ATTRIBUTES.contains(&key) {
                attributes.push((key.to_owned(), self.expr(file, &attribute.value)));
            } else {
                let mut candidates = PROVIDER_ATTRIBUTES.to_vec();
                candidates.push("alias");
                self.unknown_attribute(file, attribute, "the provider block", &candidates);
            }
        }
        let location = self.config.sources.location(file, block_range(block).start);
        self.aliased_providers.push((
            ProviderConfig {
                location: Some(location),
                alias: Some(name),
                ..ProviderConfig::default()
            },
            attributes,
        ));
        true
    }

    /// `provider = huaweicloud` or `provider = huaweicloud.ALIAS` of a resource or data source:
    /// the alias (`None` for the default configuration). Whether it is declared is checked once
    /// everything is loaded.
    pub(super) fn provider_reference(&mut self, file: FileId, expr: &Expression) -> Option<String> {
        let range = span(expr);
        let text = self.source(file).text()[range.clone()].trim().to_owned();
        match text.strip_prefix("huaweicloud.") {
            Some(alias) if is_identifier(alias) && !matches!(expr, Expression::String(_)) => {
                self.provider_uses.push((alias.to_owned(), file, range));
                Some(alias.to_owned())
            }
            _ if text == "huaweicloud" => None,
            _ => {
                self.error(file, &range, format!("`{text}` is not a provider configuration"))
                    .set_hint("write `huaweicloud.ALIAS` (no quotes), the alias of a `provider \"huaweicloud\"` block");
                None
            }
        }
    }
}

/// Whether `text` can be a provider alias.
pub(super) fn is_identifier(text: &str) -> bool {
    text.bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Refuses an alias used (by a resource, a data source or a module's `providers`) that no
/// `provider` block declares.
pub(super) fn check_provider_references(
    config: &Configuration,
    uses: &[(String, FileId, std::ops::Range<usize>)],
    diagnostics: &mut Diagnostics,
) {
    for (alias, file, range) in uses {
        if config
            .aliased_providers
            .iter()
            .any(|p| p.alias.as_deref() == Some(alias.as_str()))
        {
            continue;
        }
        let declared: Vec<&str> = config
            .aliased_providers
            .iter()
            .filter_map(|p| p.alias.as_deref())
            .collect();
        let mut diagnostic = config.error(
            *file,
            range,
            format!("provider configuration `huaweicloud.{alias}` is not declared"),
        );
        diagnostic = match crate::schema::suggest(alias, declared.iter().copied()) {
            Some(s) => diagnostic.with_hint(format!("did you mean `huaweicloud.{s}`?")),
            None => diagnostic.with_hint(format!(
                "declare it in the root module: `provider \"huaweicloud\" {{ alias = \"{alias}\" region = \"...\" }}`"
            )),
        };
        diagnostics.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use crate::{SourceFile, Sources, load_sources};

    const PROVIDERS: &str = r#"
provider "huaweicloud" {
  region = "cn-north-4"
}

provider "huaweicloud" {
  alias      = "hk"
  region     = "ap-southeast-1"
  project_id = "0123456789abcdef0123456789abcdef"
}
"#;

    fn load(text: &str) -> Result<crate::Configuration, crate::Diagnostics> {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", format!("{PROVIDERS}{text}"))],
            ..Sources::default()
        })
    }

    #[test]
    fn aliased_providers_and_resources_that_use_them() {
        let config = load(
            r#"
resource "huaweicloud_cce_addon" "bj" {
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = "coredns"
}

resource "huaweicloud_cce_addon" "hk" {
  provider      = huaweicloud.hk
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = "coredns"
}
"#,
        )
        .unwrap();
        let hk = &config.aliased_providers()[0];
        assert_eq!(hk.alias.as_deref(), Some("hk"));
        assert_eq!(hk.region.as_deref(), Some("ap-southeast-1"));
        assert_eq!(
            config.provider().unwrap().region.as_deref(),
            Some("cn-north-4")
        );
        let providers: Vec<Option<&str>> = config.resources().map(|r| r.provider()).collect();
        assert_eq!(providers, [None, Some("hk")]);
    }

    #[test]
    fn provider_mistakes_are_reported() {
        let errors = load(
            r#"
provider "huaweicloud" {
  alias  = "hk"
  region = "ap-east-1"
}

resource "huaweicloud_cce_addon" "a" {
  provider      = huaweicloud.hkk
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = "coredns"
}

resource "huaweicloud_cce_addon" "b" {
  provider      = "huaweicloud.hk"
  cluster_id    = "c0ffee00-0000-4000-8000-000000000002"
  template_name = "coredns"
}

resource "huaweicloud_cce_addon" "c" {
  provider      = huaweicloud.hk
  cluster_id    = "c0ffee00-0000-4000-8000-000000000003"
  template_name = "coredns"
}

resource "huaweicloud_cce_addon" "d" {
  provider      = huaweicloud.hk
  cluster_id    = "c0ffee00-0000-4000-8000-000000000003"
  template_name = "coredns"
}
"#,
        )
        .unwrap_err();
        insta::assert_snapshot!(errors.to_string());
    }
}
