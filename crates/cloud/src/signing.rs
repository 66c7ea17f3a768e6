//! AK/SK request signing, `SDK-HMAC-SHA256`, exactly as the official Huawei Cloud SDKs sign.
//!
//! The canonical request is `METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nBODY-SHA256`, where the URI has
//! every path segment percent-encoded and always ends with `/`, the query is sorted by name, the
//! headers are `name:value` lines of every signed header (all headers sent except names containing
//! `_`), and the signature is the hex HMAC-SHA256 of the string to sign keyed with the secret key.
//! Both the client and the emulator use this module, so they cannot disagree.

use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The header carrying the signing time, formatted as [`SDK_DATE_FORMAT`].
pub const SDK_DATE_HEADER: &str = "X-Sdk-Date";

/// `strftime` format of [`SDK_DATE_HEADER`]: UTC, e.g. `20261122T101500Z`.
pub const SDK_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// RFC 3986 unreserved characters are kept; everything else is percent-encoded, as Python's
/// `quote(s, safe='~')` does in the official signer.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An access key pair. The secret never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    access_key: String,
    secret_key: String,
}

impl AccessKey {
    /// A key pair from its two halves.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }

    /// The access key id (not secret).
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The secret key.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// What of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// The path as sent, percent-encoded or not (it is decoded, then encoded canonically).
    pub path: &'a str,
    /// Query parameters, decoded, in any order.
    pub query: &'a [(String, String)],
    /// Every header that will be sent (including `Host` and `X-Sdk-Date`), any case.
    pub headers: &'a [(String, String)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// The pieces of a computed signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
    /// Lowercase signed header names joined by `;`.
    pub signed_headers: String,
    /// Hex HMAC-SHA256.
    pub signature: String,
}

impl Signature {
    /// The `Authorization` header value for `access_key`.
    pub fn authorization(&self, access_key: &str) -> String {
        format!(
            "{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={}",
            self.signed_headers, self.signature
        )
    }
}

/// Signs `request` with `secret_key`. `request.headers` must already hold `Host` and
/// `X-Sdk-Date`; the date is read from there.
pub fn sign(request: &SignableRequest<'_>, secret_key: &str) -> Signature {
    let signed: Vec<String> = signed_header_names(request.headers);
    sign_with_headers(request, &signed, secret_key)
}

/// Signs `request` covering exactly the headers named in `signed_headers` (lowercase). A server
/// checking a signature uses this with the names the client listed in its `Authorization` header.
pub fn sign_with_headers(
    request: &SignableRequest<'_>,
    signed_headers: &[String],
    secret_key: &str,
) -> Signature {
    let canonical_request = canonical_request(request, signed_headers);
    let date = header_value(request.headers, SDK_DATE_HEADER).unwrap_or_default();
    let string_to_sign = format!(
        "{ALGORITHM}\n{date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let signature = hex::encode(hmac_sha256(
        secret_key.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    Signature {
        canonical_request,
        string_to_sign,
        signed_headers: signed_headers.join(";"),
        signature,
    }
}

/// The fields of an `SDK-HMAC-SHA256` `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id.
    pub access_key: String,
    /// The signed header names, lowercase, in the client's order.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses `SDK-HMAC-SHA256 Access=..., SignedHeaders=a;b, Signature=...`; `None` when the value
    /// is not of that form.
    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.trim().strip_prefix(ALGORITHM)?.trim_start();
        let (mut access, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (key, value) = part.trim().split_once('=')?;
            match key {
                "Access" => access = Some(value.to_owned()),
                "SignedHeaders" => {
                    signed = Some(value.split(';').map(str::to_owned).collect::<Vec<_>>());
                }
                "Signature" => signature = Some(value.to_owned()),
                _ => return None,
            }
        }
        Some(Self {
            access_key: access?,
            signed_headers: signed?,
            signature: signature?,
        })
    }
}

/// Constant-time comparison of two signatures, so a server does not leak how much of a guess
/// was right.
pub fn signatures_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The canonical request over `signed_headers` (lowercase names).
pub fn canonical_request(request: &SignableRequest<'_>, signed_headers: &[String]) -> String {
    let mut headers = String::new();
    for name in signed_headers {
        let value = header_value(request.headers, name).unwrap_or_default();
        headers.push_str(name);
        headers.push(':');
        headers.push_str(value.trim());
        headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        canonical_uri(request.path),
        canonical_query(request.query),
        headers,
        signed_headers.join(";"),
        hex::encode(Sha256::digest(request.body)),
    )
}

/// Every header name sent, lowercase and sorted, except names containing `_`.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| !name.contains('_'))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Each path segment decoded, then percent-encoded; always ends with `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut uri: String = path
        .split('/')
        .map(|segment| {
            let decoded = percent_decode_str(segment).decode_utf8_lossy();
            utf8_percent_encode(&decoded, UNRESERVED).to_string()
        })
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Parameters sorted by name (then value), names and values percent-encoded, joined by `&`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(name, value)| {
            (
                utf8_percent_encode(name, UNRESERVED).to_string(),
                utf8_percent_encode(value, UNRESERVED).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC-SHA256 takes keys of any length")
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AK: &str = "AKTESTEXAMPLE0000001";
    const SK: &str = "SKtestExampleSecretKey000000000000000000";
    const DATE: &str = "20261122T101500Z";

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// api-notes.md, vector (i): a GET with `X-Project-Id`.
    #[test]
    fn vector_get_modelarts_plugins() {
        let headers = headers(&[
            ("Host", "modelarts.cn-north-4.myhuaweicloud.com"),
            ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
            ("X-Sdk-Date", DATE),
        ]);
        let request = SignableRequest {
            method: "GET",
            path: "/v2/0123456789abcdef0123456789abcdef/pools/pool-a/plugins",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let signature = sign(&request, SK);
        assert_eq!(
            signature.canonical_request,
            "GET\n/v2/0123456789abcdef0123456789abcdef/pools/pool-a/plugins/\n\n\
             host:modelarts.cn-north-4.myhuaweicloud.com\n\
             x-project-id:0123456789abcdef0123456789abcdef\n\
             x-sdk-date:20261122T101500Z\n\n\
             host;x-project-id;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            signature
                .string_to_sign
                .ends_with("8768642637155ac8d97101bbe7fb47cccf5ad0fd1164cf1b123fe2e4d7414e18")
        );
        assert_eq!(
            signature.authorization(AK),
            "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, \
             SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=c784611c139cd63f7a53d83bf251e2d96b472beb0f302355f5f70c2429a2c6f4"
        );
    }

    /// api-notes.md, vector (ii): a POST with a JSON body.
    #[test]
    fn vector_post_cce_addon() {
        let headers = headers(&[
            ("Content-Type", "application/json"),
            ("Host", "cce.cn-north-4.myhuaweicloud.com"),
            ("X-Sdk-Date", DATE),
        ]);
        let request = SignableRequest {
            method: "POST",
            path: "/api/v3/addons",
            query: &[],
            headers: &headers,
            body: br#"{"kind":"Addon","apiVersion":"v3"}"#,
        };
        let signature = sign(&request, SK);
        assert!(signature.canonical_request.ends_with(
            "content-type;host;x-sdk-date\n\
             fe2e7610c40eae437db98fa67b221f8d992eab3ee7a27f825bac3268fab8866f"
        ));
        assert!(
            signature
                .string_to_sign
                .ends_with("bd7486d9fd51cd9bf3ec5e30866e5e62149bda87603dc6ca8b7d4da56db0fbdb")
        );
        assert_eq!(
            signature.signature,
            "914bc0a173a4b2b23e42afe1fe4728d49c24fe88d116a2076ecedcc2f3ec5b7d"
        );
    }

    #[test]
    fn uri_segments_are_encoded_and_end_with_slash() {
        assert_eq!(canonical_uri("/api/v3/addons"), "/api/v3/addons/");
        assert_eq!(canonical_uri("/api/v3/addons/"), "/api/v3/addons/");
        assert_eq!(canonical_uri("/a b/c~d_e.f-g"), "/a%20b/c~d_e.f-g/");
        // An already encoded segment is not encoded twice.
        assert_eq!(canonical_uri("/pools/my%20pool"), "/pools/my%20pool/");
        assert_eq!(canonical_uri("/p/ä:x"), "/p/%C3%A4%3Ax/");
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        let query = vec![
            ("poolName".to_owned(), "pool a".to_owned()),
            ("cluster_id".to_owned(), "c/1".to_owned()),
            ("a".to_owned(), String::new()),
        ];
        assert_eq!(
            canonical_query(&query),
            "a=&cluster_id=c%2F1&poolName=pool%20a"
        );
    }

    #[test]
    fn headers_with_underscore_are_not_signed() {
        let names = signed_header_names(&headers(&[
            ("X-Sdk-Date", DATE),
            ("X_Custom", "1"),
            ("Host", "h"),
        ]));
        assert_eq!(names, ["host", "x-sdk-date"]);
    }

    #[test]
    fn authorization_round_trips() {
        let parsed = Authorization::parse(
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(parsed.access_key, "AK1");
        assert_eq!(parsed.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(parsed.signature, "abc");
        assert_eq!(Authorization::parse("Bearer x"), None);
        assert_eq!(Authorization::parse("SDK-HMAC-SHA256 Access=AK1"), None);
    }

    #[test]
    fn secret_is_not_in_debug_output() {
        let key = AccessKey::new(AK, SK);
        let debug = format!("{key:?}");
        assert!(debug.contains(AK));
        assert!(!debug.contains(SK));
    }

    #[test]
    fn signature_comparison() {
        assert!(signatures_match("abc", "abc"));
        assert!(!signatures_match("abc", "abd"));
        assert!(!signatures_match("abc", "ab"));
    }
}
