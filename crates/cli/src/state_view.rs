//! Showing what the state records about a resource, in the HCL-like form Terraform users know.

use plinth_core::ResourceAddress;
use plinth_state::{ResourceState, Status};

/// The text of `state show`: a comment naming the address, then a `resource` block holding the
/// attributes last seen, with sensitive values hidden.
pub fn resource_block(address: &ResourceAddress, resource: &ResourceState) -> String {
    let mut attributes = resource.attributes.to_value();
    for pointer in &resource.sensitive {
        if let Some(value) = attributes.pointer_mut(pointer) {
            *value = serde_json::Value::String("(sensitive value)".to_owned());
        }
    }
    let keyword = match address.mode() {
        plinth_core::Mode::Managed => "resource",
        plinth_core::Mode::Data => "data",
    };
    let mut block = hcl::Block::builder(keyword)
        .add_label(address.type_name())
        .add_label(address.name());
    if let serde_json::Value::Object(map) = attributes {
        for (key, value) in map {
            // Every JSON value has an HCL form, so the conversion cannot fail.
            let value = hcl::to_value(value).unwrap_or(hcl::Value::Null);
            block = block.add_attribute((key, value));
        }
    }
    let body = hcl::Body::builder().add_block(block.build()).build();
    let text = hcl::to_string(&body).unwrap_or_default();
    let mut out = format!("# {address}:\n");
    if resource.status == Status::Tainted {
        out.push_str("# (tainted: the next apply replaces it)\n");
    }
    if let Some(pending) = &resource.pending {
        let action = match pending.action {
            plinth_state::PendingAction::Create => "create",
            plinth_state::PendingAction::Update => "update",
            plinth_state::PendingAction::Delete => "delete",
        };
        out.push_str("# (a ");
        out.push_str(action);
        out.push_str(
            " was started and its outcome is not recorded: the next apply reconciles it)\n",
        );
    }
    out.push_str(&text);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
