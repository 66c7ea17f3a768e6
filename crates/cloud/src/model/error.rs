use serde::{Deserialize, Serialize};

/// An error body of any Huawei Cloud service, in every shape api-notes.md lists.
///
/// ModelArts and API Gateway answer `{"error_code", "error_msg"}` (the gateway adds `request_id`),
/// CCE answers `{"errorCode", "errorMessage", "error_code", "error_msg"}` in varying subsets or
/// `{"code", "message"}`, and IAM nests `{"error": {"code", "message"}}`. Codes are strings, except
/// that IAM sends numbers. [`ErrorBody::code`] and [`ErrorBody::message`] pick the first non-empty
/// spelling, so callers never care which shape came.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// ModelArts, API Gateway and (sometimes) CCE: the error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<serde_json::Value>,
    /// ModelArts, API Gateway and (sometimes) CCE: the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    /// CCE: the error code.
    #[serde(default, rename = "errorCode", skip_serializing_if = "Option::is_none")]
    pub error_code_camel: Option<serde_json::Value>,
    /// CCE: the message.
    #[serde(
        default,
        rename = "errorMessage",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_message_camel: Option<String>,
    /// The short `{"code", "message"}` shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// The short `{"code", "message"}` shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// API Gateway: the request id (also sent as the `X-Request-Id` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// IAM: `{"error": {"code", "message", "title"}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<NestedError>,
}

/// The inner object of IAM's `{"error": {..}}` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NestedError {
    /// Code, a number or a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Short title, e.g. `Unauthorized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl ErrorBody {
    /// The `{"error_code", "error_msg"}` shape of ModelArts (seed 001), which the emulator answers.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_code: Some(serde_json::Value::String(code.into())),
            error_msg: Some(message.into()),
            ..Self::default()
        }
    }

    /// The error code, whichever field carried it.
    pub fn code(&self) -> Option<String> {
        [
            self.error_code.as_ref(),
            self.error_code_camel.as_ref(),
            self.code.as_ref(),
            self.error.as_ref().and_then(|nested| nested.code.as_ref()),
        ]
        .into_iter()
        .flatten()
        .find_map(code_text)
    }

    /// The message, whichever field carried it.
    pub fn message(&self) -> Option<String> {
        [
            self.error_msg.as_deref(),
            self.error_message_camel.as_deref(),
            self.message.as_deref(),
            self.error
                .as_ref()
                .and_then(|nested| nested.message.as_deref()),
            self.error
                .as_ref()
                .and_then(|nested| nested.title.as_deref()),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|message| !message.is_empty())
        .map(str::to_owned)
    }
}

fn code_text(code: &serde_json::Value) -> Option<String> {
    match code {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::decode;

    fn check(body: &str, code: Option<&str>, message: Option<&str>) {
        let parsed: ErrorBody = decode(body.as_bytes()).unwrap();
        assert_eq!(parsed.code().as_deref(), code, "{body}");
        assert_eq!(parsed.message().as_deref(), message, "{body}");
    }

    #[test]
    fn every_error_shape_decodes() {
        check(
            r#"{"error_code":"ModelArts.50004000","error_msg":"Bad request."}"#,
            Some("ModelArts.50004000"),
            Some("Bad request."),
        );
        check(
            r#"{"errorCode":"CCE.01400001","errorMessage":"the add-on already exists"}"#,
            Some("CCE.01400001"),
            Some("the add-on already exists"),
        );
        check(
            r#"{"errorCode":"CCE.01400001","errorMessage":"exists","error_code":"CCE_CM.0001","error_msg":"exists too"}"#,
            Some("CCE_CM.0001"),
            Some("exists too"),
        );
        check(
            r#"{"errorCode":"","errorMessage":"","error_code":"CCE.01404001","error_msg":"not found"}"#,
            Some("CCE.01404001"),
            Some("not found"),
        );
        check(
            r#"{"error_code":"","errorCode":"CCE.1","errorMessage":"m"}"#,
            Some("CCE.1"),
            Some("m"),
        );
        check(
            r#"{"code":"CCE.01500001","message":"internal"}"#,
            Some("CCE.01500001"),
            Some("internal"),
        );
        check(
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"abc"}"#,
            Some("APIGW.0301"),
            Some("Incorrect IAM authentication information"),
        );
        check(
            r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#,
            Some("401"),
            Some("The request you have made requires authentication."),
        );
        check("{}", None, None);
    }

    #[test]
    fn apigw_request_id_is_kept() {
        let parsed: ErrorBody =
            decode(br#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r-1"}"#)
                .unwrap();
        assert_eq!(parsed.request_id.as_deref(), Some("r-1"));
    }
}
