//! AK/SK signature checking, as API Gateway does in front of every Huawei Cloud service.

use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use percent_encoding::percent_decode_str;
use plinth_cloud::signing::{
    Authorization, SDK_DATE_FORMAT, SDK_DATE_HEADER, SignableRequest, sign_with_headers,
    signatures_match,
};

use crate::errors::{APIG_AUTH, ApiError};

/// How far `X-Sdk-Date` may be from the server's clock.
const MAX_SKEW: TimeDelta = TimeDelta::minutes(15);

/// The key pair requests must be signed with.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub access_key: String,
    pub secret_key: String,
}

/// Checks the `Authorization` header of a request against `credentials`; `Err` is the 401 answer.
pub(crate) fn verify(
    credentials: &Credentials,
    parts: &Parts,
    body: &[u8],
    request_id: &str,
) -> Result<(), ApiError> {
    let reject = |message: String| {
        Err(ApiError::apig(
            StatusCode::UNAUTHORIZED,
            APIG_AUTH,
            format!("Incorrect IAM authentication information: {message}"),
            request_id,
        ))
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let Some(value) = header("authorization") else {
        if header("x-auth-token").is_some() {
            return reject("decrypt token fail".to_owned());
        }
        return reject("Unauthorized, the Authorization header is missing".to_owned());
    };
    let Some(authorization) = Authorization::parse(value) else {
        return reject(format!(
            "the Authorization header is not an SDK-HMAC-SHA256 signature: {value}"
        ));
    };
    if authorization.access_key != credentials.access_key {
        return reject(format!(
            "Get secretKey failed,ak:{},err:ak not exist",
            authorization.access_key
        ));
    }
    let date = header(SDK_DATE_HEADER)
        .and_then(|date| NaiveDateTime::parse_from_str(date, SDK_DATE_FORMAT).ok())
        .map(|date| date.and_utc());
    let Some(date) = date else {
        return reject("verify aksk signature fail, X-Sdk-Date is missing or invalid".to_owned());
    };
    if (Utc::now() - date).abs() > MAX_SKEW {
        return reject(format!(
            "verify aksk signature fail, X-Sdk-Date {} is more than 15 minutes from the server \
             time",
            date.format(SDK_DATE_FORMAT)
        ));
    }
    if !authorization
        .signed_headers
        .iter()
        .any(|name| name.eq_ignore_ascii_case(SDK_DATE_HEADER))
    {
        return reject("verify aksk signature fail, x-sdk-date is not signed".to_owned());
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|query| {
            url_pairs(query)
                .into_iter()
                .filter(|(name, _)| !name.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let signable = SignableRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: &query,
        headers: &headers,
        body,
    };
    let signed_headers: Vec<String> = authorization
        .signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let expected = sign_with_headers(&signable, &signed_headers, &credentials.secret_key);
    if signatures_match(&expected.signature, &authorization.signature) {
        Ok(())
    } else {
        reject("verify aksk signature fail".to_owned())
    }
}

/// Decodes an `application/x-www-form-urlencoded` query into pairs, in order.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded_in_order() {
        assert_eq!(
            url_pairs("cluster_id=c%2F1&name=a+b&flag&empty="),
            [
                ("cluster_id".to_owned(), "c/1".to_owned()),
                ("name".to_owned(), "a b".to_owned()),
                ("flag".to_owned(), String::new()),
                ("empty".to_owned(), String::new()),
            ]
        );
    }
}
