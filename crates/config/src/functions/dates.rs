//! Date and time functions: timestamps are RFC 3339 strings, as in Terraform.

use chrono::{DateTime, Datelike as _, FixedOffset, SecondsFormat, Timelike as _, Utc};

use super::{Call, Failure, at, string_arg};
use crate::value::Value;

/// `timestamp()`: the time the run applies, so unknown at plan time, as in Terraform.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn timestamp(_: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::Unknown)
}

/// `plantimestamp()`: the time of the plan, known while planning.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn plantimestamp(_: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(rfc3339(&Utc::now().fixed_offset())))
}

fn parse(call: &Call<'_>, i: usize) -> Result<DateTime<FixedOffset>, Failure> {
    let text = string_arg(call.args, i)?;
    DateTime::parse_from_rfc3339(&text).map_err(|_| {
        at(
            i,
            format!("not a valid RFC3339 timestamp: cannot use {text:?} as year"),
        )
    })
}

/// RFC 3339 as Go writes it: `Z` for UTC, seconds without a fraction unless there is one.
fn rfc3339(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `timeadd(time, duration)`: a Go duration (`1h30m`, `-10s`) added.
pub(super) fn timeadd(call: &Call<'_>) -> Result<Value, Failure> {
    let time = parse(call, 0)?;
    let text = string_arg(call.args, 1)?;
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let duration = crate::duration::parse_duration(magnitude).map_err(|e| at(1, e))?;
    let duration = chrono::Duration::from_std(duration)
        .map_err(|_| at(1, format!("the duration {text:?} is too long")))?;
    let result = if negative {
        time.checked_sub_signed(duration)
    } else {
        time.checked_add_signed(duration)
    };
    // Go's RFC 3339 layout, which Terraform writes, has no fraction of a second.
    result
        .map(|t| Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true)))
        .ok_or_else(|| at(1, "the result is beyond the representable times"))
}

/// `timecmp(a, b)`: -1, 0 or 1 as `a` is before, at or after `b`.
pub(super) fn timecmp(call: &Call<'_>) -> Result<Value, Failure> {
    let a = parse(call, 0)?;
    let b = parse(call, 1)?;
    Ok(Value::int(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

/// `formatdate(spec, time)`: Terraform's format letters (`YYYY-MM-DD'T'hh:mm:ssZ`), quoted
/// literals in single quotes.
pub(super) fn formatdate(call: &Call<'_>) -> Result<Value, Failure> {
    let spec = string_arg(call.args, 0)?;
    let time = parse(call, 1)?;
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A quoted literal; `''` is a quote.
            let mut j = i + 1;
            if chars.get(j) == Some(&'\'') {
                out.push('\'');
                i = j + 1;
                continue;
            }
            loop {
                match chars.get(j) {
                    None => return Err(at(0, "unterminated literal '")),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&other) => {
                        out.push(other);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while chars.get(j) == Some(&c) {
            j += 1;
        }
        let token: String = chars[i..j].iter().collect();
        out.push_str(&verb(&token, &time).map_err(|m| at(0, m))?);
        i = j;
    }
    Ok(Value::String(out))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn verb(token: &str, time: &DateTime<FixedOffset>) -> Result<String, String> {
    let hour12 = match time.hour() % 12 {
        0 => 12,
        h => h,
    };
    let offset = time.offset().local_minus_utc();
    let (sign, offset_abs) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    let (oh, om) = (offset_abs / 3600, offset_abs % 3600 / 60);
    let month = MONTHS[time.month0() as usize];
    let weekday = time.weekday();
    let day_name = match weekday {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    };
    Ok(match token {
        "YYYY" => format!("{:04}", time.year()),
        "YY" => format!("{:02}", time.year().rem_euclid(100)),
        "MMMM" => month.to_owned(),
        "MMM" => month[..3].to_owned(),
        "MM" => format!("{:02}", time.month()),
        "M" => time.month().to_string(),
        "DD" => format!("{:02}", time.day()),
        "D" => time.day().to_string(),
        "EEEE" => day_name.to_owned(),
        "EEE" => day_name[..3].to_owned(),
        "hh" => format!("{:02}", time.hour()),
        "h" => time.hour().to_string(),
        "HH" => format!("{hour12:02}"),
        "H" => hour12.to_string(),
        "AA" => (if time.hour() < 12 { "AM" } else { "PM" }).to_owned(),
        "aa" => (if time.hour() < 12 { "am" } else { "pm" }).to_owned(),
        "mm" => format!("{:02}", time.minute()),
        "m" => time.minute().to_string(),
        "ss" => format!("{:02}", time.second()),
        "s" => time.second().to_string(),
        "ZZZ" if offset == 0 => "UTC".to_owned(),
        "Z" if offset == 0 => "Z".to_owned(),
        "ZZZZZ" | "Z" => format!("{sign}{oh:02}:{om:02}"),
        "ZZZZ" | "ZZZ" => format!("{sign}{oh:02}{om:02}"),
        other => {
            return Err(format!(
                "invalid date format verb {other:?}: quote literal text in single quotes, as in 'T'"
            ));
        }
    })
}
