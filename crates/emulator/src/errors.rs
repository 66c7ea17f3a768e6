//! The error answers of the emulated services, each in its service's own body format.
//!
//! Codes marked "documented" appear in Huawei Cloud's public error-code tables; the others are
//! chosen by the emulator in the same style (docs/emulator.md lists them all).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Request body error (documented, CCE add-on manager).
pub(crate) const CCE_BAD_REQUEST: &str = "SVCSTG.CCE-ADDONMGR.4000003";
/// The add-on does not exist (documented, CCE add-on manager; answered with 404 here).
pub(crate) const CCE_ADDON_NOT_FOUND: &str = "SVCSTG.CCE-ADDONMGR.4040204";
/// The cluster does not exist (chosen).
pub(crate) const CCE_CLUSTER_NOT_FOUND: &str = "CCE.01404001";
/// An instance of the template is already installed in the cluster (chosen).
pub(crate) const CCE_ADDON_EXISTS: &str = "SVCSTG.CCE-ADDONMGR.4090001";
/// The add-on is busy with another operation (chosen).
pub(crate) const CCE_ADDON_BUSY: &str = "SVCSTG.CCE-ADDONMGR.4090002";
/// Bad request (documented, seed 001).
pub(crate) const MODELARTS_BAD_REQUEST: &str = "ModelArts.50004000";
/// Pool or plug-in not found (chosen).
pub(crate) const MODELARTS_NOT_FOUND: &str = "ModelArts.50004004";
/// The project id of the path is not the caller's (chosen).
pub(crate) const MODELARTS_PROJECT_MISMATCH: &str = "ModelArts.0103";
/// Authentication failure of API Gateway (documented).
pub(crate) const APIG_AUTH: &str = "APIGW.0301";
/// Flow control of API Gateway (documented).
pub(crate) const APIG_THROTTLED: &str = "APIGW.0308";

/// An error answer: a status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: Value,
}

impl ApiError {
    /// A CCE error; the service sends both spellings of the fields.
    pub(crate) fn cce(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            body: json!({
                "errorCode": code,
                "errorMessage": message,
                "error_code": code,
                "error_msg": message,
            }),
        }
    }

    /// A ModelArts error (seed 001's shape).
    pub(crate) fn modelarts(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error_code": code, "error_msg": message.into() }),
        }
    }

    /// An API Gateway error, which carries the request id in its body.
    pub(crate) fn apig(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        request_id: &str,
    ) -> Self {
        Self {
            status,
            body: json!({
                "error_code": code,
                "error_msg": message.into(),
                "request_id": request_id,
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
