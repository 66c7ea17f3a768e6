//! What people read: every error message, in one snapshot.

use std::time::Duration;

use plinth_cloud::{
    ApiError, ClientSettings, CloudError, ResourceType, Service, SettingsError, TimeLimit,
};

fn api(service: Service, status: u16, body: &str, request_id: Option<&str>) -> CloudError {
    ApiError::from_response(
        service,
        "POST",
        "https://cce.cn-north-4.myhuaweicloud.com/api/v3/addons",
        status,
        body.as_bytes(),
        request_id.map(str::to_owned),
    )
    .into()
}

#[test]
fn error_messages() {
    let errors: Vec<CloudError> = vec![
        api(
            Service::Cce,
            400,
            r#"{"errorCode":"CCE.01400001","errorMessage":"the add-on already exists"}"#,
            Some("4f2a9c"),
        ),
        api(
            Service::ModelArts,
            400,
            r#"{"error_code":"ModelArts.50004000","error_msg":"Bad request."}"#,
            None,
        ),
        api(
            Service::Cce,
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"r-9"}"#,
            None,
        ),
        api(Service::Cce, 502, "<html>Bad Gateway</html>", None),
        api(Service::Iam, 401, r#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#, None),
        CloudError::OutcomeUnknown {
            creates: true,
            service: Service::Cce,
            method: "POST".to_owned(),
            url: "https://cce.cn-north-4.myhuaweicloud.com/api/v3/addons".to_owned(),
            cause: "operation timed out".to_owned(),
        },
        CloudError::OutcomeUnknown {
            creates: false,
            service: Service::Cce,
            method: "PUT".to_owned(),
            url: "https://cce.cn-north-4.myhuaweicloud.com/api/v3/addons/a1".to_owned(),
            cause: "no answer within 60s (`request_timeout`)".to_owned(),
        },
        CloudError::TimedOut {
            service: Service::Iam,
            method: "GET".to_owned(),
            url: "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4".to_owned(),
            limit: TimeLimit::Request,
            timeout: Duration::from_secs(60),
            attempts: 2,
        },
        CloudError::TimedOut {
            service: Service::Cce,
            method: "DELETE".to_owned(),
            url: "http://10.0.0.1:8080/api/v3/addons/a1".to_owned(),
            limit: TimeLimit::Connect,
            timeout: Duration::from_secs(10),
            attempts: 2,
        },
        SettingsError::ZeroTimeout {
            name: "connect_timeout",
        }
        .into(),
        CloudError::Transport {
            service: Service::ModelArts,
            method: "GET".to_owned(),
            url: "https://modelarts.cn-north-4.myhuaweicloud.com/v2/p/pools/pool-a/plugins".to_owned(),
            message: "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".to_owned(),
        },
        CloudError::OperationFailed {
            what: "huaweicloud_cce_addon cluster_id=c1 template_name=coredns id=a1".to_owned(),
            status: "installFailed".to_owned(),
            reason: Some("image pull back-off".to_owned()),
            message: None,
        },
        CloudError::Timeout {
            what: "huaweicloud_modelarts_pool_plugin pool_name=pool-a template_name=gpu-beta".to_owned(),
            timeout: Duration::from_secs(600),
            last_status: Some("Pending".to_owned()),
        },
        CloudError::Disappeared {
            what: "huaweicloud_cce_autopilot_addon id=a1".to_owned(),
        },
        CloudError::ProjectNotFound {
            region: "cn-north-4".to_owned(),
        },
        ResourceType::CCE_ADDON.parse_import_id("a1").unwrap_err(),
        ResourceType::AUTOPILOT_ADDON.parse_import_id("a/b/c").unwrap_err(),
        ClientSettings::default().resolve(|_| None).unwrap_err().into(),
        ClientSettings {
            region: Some("cn-north-4".to_owned()),
            ..ClientSettings::default()
        }
        .resolve(|_| None)
        .unwrap_err()
        .into(),
        SettingsError::HalfKeyPair {
            missing: "secret_key",
            present: "access_key",
            variable: "HW_SECRET_KEY",
        }
        .into(),
    ];
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n---\n"));
}
