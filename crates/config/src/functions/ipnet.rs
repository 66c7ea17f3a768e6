//! IP network functions, with go-cidr's arithmetic (which Terraform uses).

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Call, Failure, at, int_arg, string_arg};
use crate::value::Value;

/// A parsed prefix: its network address as a number, its length and the address width.
#[derive(Clone, Copy)]
struct Prefix {
    address: u128,
    length: u32,
    bits: u32,
}

impl Prefix {
    fn parse(call: &Call<'_>, i: usize) -> Result<Prefix, Failure> {
        let text = string_arg(call.args, i)?;
        let net: IpNet = text.parse().map_err(|_| {
            at(
                i,
                format!("invalid CIDR expression: invalid CIDR address: {text}"),
            )
        })?;
        let (address, bits) = match net.network() {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        };
        Ok(Prefix {
            address,
            length: u32::from(net.prefix_len()),
            bits,
        })
    }

    /// The mask of the address width (all ones).
    fn width_mask(self) -> u128 {
        if self.bits == 128 {
            u128::MAX
        } else {
            (1u128 << self.bits) - 1
        }
    }

    /// The network mask of `length` bits.
    fn mask(self, length: u32) -> u128 {
        let host = self.bits - length;
        let host_mask = if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        };
        self.width_mask() & !host_mask
    }

    fn ip(self, address: u128) -> IpAddr {
        if self.bits == 32 {
            IpAddr::from(
                u32::try_from(address & 0xffff_ffff)
                    .unwrap_or(0)
                    .to_be_bytes(),
            )
        } else {
            IpAddr::from(address.to_be_bytes())
        }
    }

    fn cidr(self, address: u128, length: u32) -> String {
        format!("{}/{length}", self.ip(address))
    }
}

/// `cidrhost(prefix, hostnum)`: the address of host `hostnum` (negative: from the end).
pub(super) fn cidrhost(call: &Call<'_>) -> Result<Value, Failure> {
    let prefix = Prefix::parse(call, 0)?;
    let number = int_arg(call.args, 1)?;
    let host_bits = prefix.bits - prefix.length;
    let max = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let offset = if number < 0 {
        let back = u128::from((number + 1).unsigned_abs());
        if back > max {
            return Err(at(
                1,
                format!(
                    "prefix of {} does not accommodate a host numbered {number}",
                    prefix.length
                ),
            ));
        }
        max - back
    } else {
        let n = u128::from(number.unsigned_abs());
        if n > max {
            return Err(at(
                1,
                format!(
                    "prefix of {} does not accommodate a host numbered {number}",
                    prefix.length
                ),
            ));
        }
        n
    };
    Ok(Value::String(
        prefix.ip(prefix.address | offset).to_string(),
    ))
}

/// `cidrnetmask(prefix)`: the dotted netmask of an IPv4 prefix.
pub(super) fn cidrnetmask(call: &Call<'_>) -> Result<Value, Failure> {
    let prefix = Prefix::parse(call, 0)?;
    if prefix.bits != 32 {
        return Err(at(0, "IPv6 addresses cannot have a netmask"));
    }
    Ok(Value::String(
        prefix.ip(prefix.mask(prefix.length)).to_string(),
    ))
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(super) fn cidrsubnet(call: &Call<'_>) -> Result<Value, Failure> {
    let prefix = Prefix::parse(call, 0)?;
    let newbits = int_arg(call.args, 1)?;
    let number = int_arg(call.args, 2)?;
    if newbits < 0 {
        return Err(at(1, "must extend prefix by at least zero bits"));
    }
    if newbits > 32 {
        return Err(at(1, "may not extend prefix by more than 32 bits"));
    }
    let newbits = u32::try_from(newbits).unwrap_or(0);
    let length = prefix.length + newbits;
    if length > prefix.bits {
        return Err(at(
            1,
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                prefix.length
            ),
        ));
    }
    if number < 0 || u128::from(number.unsigned_abs()) >= (1u128 << newbits) {
        return Err(at(
            2,
            format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {number}"
            ),
        ));
    }
    let shift = prefix.bits - length;
    let subnet = prefix.address | (u128::from(number.unsigned_abs()) << shift);
    Ok(Value::String(prefix.cidr(subnet, length)))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned to its own size.
pub(super) fn cidrsubnets(call: &Call<'_>) -> Result<Value, Failure> {
    let prefix = Prefix::parse(call, 0)?;
    if call.args.len() == 1 {
        return Ok(Value::List(Vec::new()));
    }
    let width = prefix.width_mask();
    let first = int_arg(call.args, 1)?.clamp(1, 32);
    let first = prefix.length + u32::try_from(first).unwrap_or(1);
    // The subnet before the first: the one whose successor is the start of the prefix.
    let first = first.min(prefix.bits);
    let mut current = (
        prefix.address.wrapping_sub(1) & width & prefix.mask(first),
        first,
    );
    let mut out = Vec::new();
    for i in 1..call.args.len() {
        let newbits = int_arg(call.args, i)?;
        if newbits < 1 {
            return Err(at(i, "must extend prefix by at least one bit"));
        }
        if newbits > 32 {
            return Err(at(i, "may not extend prefix by more than 32 bits"));
        }
        let length = prefix.length + u32::try_from(newbits).unwrap_or(0);
        if length > prefix.bits {
            return Err(at(
                i,
                format!(
                    "would extend prefix to {length} bits, which is too long for an IPv{} address",
                    if prefix.bits == 32 { 4 } else { 6 }
                ),
            ));
        }
        // go-cidr's NextSubnet: the subnet of `length` bits holding the last address of the
        // current one, then the one after it.
        let current_last = current.0 | (width & !prefix.mask(current.1));
        let containing = current_last & prefix.mask(length);
        let last = containing | (width & !prefix.mask(length));
        let next = last.wrapping_add(1) & width;
        let next_start = next & prefix.mask(length);
        let rollover = next == 0;
        if rollover || (next_start & prefix.mask(prefix.length)) != prefix.address {
            return Err(at(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {}",
                    prefix.cidr(current.0, current.1)
                ),
            ));
        }
        current = (next_start, length);
        out.push(Value::String(prefix.cidr(next_start, length)));
    }
    Ok(Value::List(out))
}
