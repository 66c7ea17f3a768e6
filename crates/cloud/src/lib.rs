//! The Huawei Cloud client of plinth: the only crate that talks HTTP.
//!
//! This first part holds the wire models of every call plinth makes (ModelArts pool plug-ins, CCE
//! and CCE Autopilot add-ons, IAM projects) and the `SDK-HMAC-SHA256` request signer. The emulator
//! uses both, so client and emulator cannot disagree on a field name or a signature.
//!
//! ```
//! use plinth_cloud::model::{decode, Addon};
//! let addon: Addon = decode(br#"{"kind":"Addon","apiVersion":"v3","kind":"Addon",
//!     "metadata":{"uid":"u1"},"spec":{"addonTemplateName":"coredns"}}"#).unwrap();
//! assert_eq!(addon.uid(), Some("u1"));
//! ```

pub mod model;
pub mod signing;
