//! Numeric functions.

use super::{Call, Failure, at, int_arg, number, number_arg, string_arg, whole};
use crate::value::Value;

pub(super) fn abs(call: &Call<'_>) -> Result<Value, Failure> {
    match call.args[0].as_i64() {
        Some(i) => i
            .checked_abs()
            .map(Value::int)
            .map_or_else(|| number(number_arg(call.args, 0)?.abs()), Ok),
        None => number(number_arg(call.args, 0)?.abs()),
    }
}

pub(super) fn ceil(call: &Call<'_>) -> Result<Value, Failure> {
    number(number_arg(call.args, 0)?.ceil())
}

pub(super) fn floor(call: &Call<'_>) -> Result<Value, Failure> {
    number(number_arg(call.args, 0)?.floor())
}

/// `log(n, base)`.
pub(super) fn log(call: &Call<'_>) -> Result<Value, Failure> {
    let n = number_arg(call.args, 0)?;
    let base = number_arg(call.args, 1)?;
    number(n.ln() / base.ln())
}

pub(super) fn pow(call: &Call<'_>) -> Result<Value, Failure> {
    let n = number_arg(call.args, 0)?;
    let power = number_arg(call.args, 1)?;
    number(n.powf(power))
}

pub(super) fn signum(call: &Call<'_>) -> Result<Value, Failure> {
    let n = number_arg(call.args, 0)?;
    Ok(Value::int(if n > 0.0 {
        1
    } else if n < 0.0 {
        -1
    } else {
        0
    }))
}

pub(super) fn max(call: &Call<'_>) -> Result<Value, Failure> {
    extreme(call, |candidate, best| candidate > best)
}

pub(super) fn min(call: &Call<'_>) -> Result<Value, Failure> {
    extreme(call, |candidate, best| candidate < best)
}

/// The argument that beats every other one.
fn extreme(call: &Call<'_>, beats: fn(f64, f64) -> bool) -> Result<Value, Failure> {
    if call.args.is_empty() {
        return Err(whole("must pass at least one number"));
    }
    let mut best = (0, number_arg(call.args, 0)?);
    for i in 1..call.args.len() {
        let n = number_arg(call.args, i)?;
        if beats(n, best.1) {
            best = (i, n);
        }
    }
    match &call.args[best.0] {
        v @ Value::Number(_) => Ok(v.clone()),
        _ => number(best.1),
    }
}

/// `parseint(s, base)`: a whole number written in base 2 to 62 (digits, then `a`-`z`, then
/// `A`-`Z` above base 36, as Go's `big.Int.SetString`).
pub(super) fn parseint(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let base = int_arg(call.args, 1)?;
    if !(2..=62).contains(&base) {
        return Err(at(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let base = u32::try_from(base).unwrap_or(10);
    let invalid = || at(0, format!("cannot parse {text:?} as a base {base} integer"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    for c in digits.chars() {
        let digit = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return Err(invalid()),
        };
        if digit >= base {
            return Err(invalid());
        }
        total = total
            .checked_mul(i128::from(base))
            .and_then(|t| t.checked_add(i128::from(digit)))
            .filter(|t| *t <= i128::from(i64::MAX) + 1)
            .ok_or_else(|| {
                at(
                    0,
                    format!("{text:?} is beyond the 64-bit integers plinth's numbers hold"),
                )
            })?;
    }
    let value = if negative { -total } else { total };
    i64::try_from(value).map(Value::int).map_err(|_| {
        at(
            0,
            format!("{text:?} is beyond the 64-bit integers plinth's numbers hold"),
        )
    })
}
