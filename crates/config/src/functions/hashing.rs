//! Hash functions of strings and files, and UUIDs.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::filesystem::read_bytes;
use super::{Call, Failure, at, string_arg, whole};
use crate::value::Value;

fn hex_of<D: Digest>(bytes: &[u8]) -> Value {
    let digest = D::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    Value::String(hex)
}

fn base64_of<D: Digest>(bytes: &[u8]) -> Value {
    Value::String(STANDARD.encode(D::digest(bytes)))
}

pub(super) fn md5(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Md5>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn sha1(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha1>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn sha256(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha256>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn sha512(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha512>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn base64sha256(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(base64_of::<Sha256>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn base64sha512(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(base64_of::<Sha512>(string_arg(call.args, 0)?.as_bytes()))
}

pub(super) fn filemd5(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Md5>(&read_bytes(call)?))
}

pub(super) fn filesha1(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha1>(&read_bytes(call)?))
}

pub(super) fn filesha256(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha256>(&read_bytes(call)?))
}

pub(super) fn filesha512(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(hex_of::<Sha512>(&read_bytes(call)?))
}

pub(super) fn filebase64sha256(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(base64_of::<Sha256>(&read_bytes(call)?))
}

pub(super) fn filebase64sha512(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(base64_of::<Sha512>(&read_bytes(call)?))
}

/// `uuidv5(namespace, name)`: the name-based UUID in a namespace (`dns`, `url`, `oid`, `x500`
/// or a UUID).
pub(super) fn uuidv5(call: &Call<'_>) -> Result<Value, Failure> {
    let namespace = string_arg(call.args, 0)?;
    let name = string_arg(call.args, 1)?;
    let namespace = match namespace.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|_| {
            at(
                0,
                format!("uuidv5() doesn't support namespace {other:?}: expected dns, url, oid, x500 or a UUID"),
            )
        })?,
    };
    Ok(Value::String(
        uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string(),
    ))
}

/// `uuid()`: a random UUID is made when the run applies, so at plan time it is unknown, as in
/// Terraform.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn uuid(_: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::Unknown)
}

/// `bcrypt` is refused: its salt is random, so each run would hash the same password
/// differently and the plan would never settle (Terraform's planned value is unknown every
/// time, forcing an update on every apply).
pub(super) fn bcrypt(_: &Call<'_>) -> Result<Value, Failure> {
    Err(whole(
        "bcrypt is not supported: its random salt gives a different hash on every run, so the \
         configuration would never settle; hash the value once outside plinth and pass the hash \
         in (a sensitive variable)",
    ))
}
