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
