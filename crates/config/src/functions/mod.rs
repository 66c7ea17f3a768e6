//! The standard library of functions: Terraform 1.11's pure functions, one module per family
//! (the families of Terraform's documentation), with one table ([`FUNCTIONS`]) that dispatch,
//! suggestions and the documentation's check read.
//!
//! Values are plinth's, not Terraform's: numbers are 64-bit integers or floats (Terraform's are
//! arbitrary-precision), and a list and a tuple (a map and an object) are one kind of value, so
//! the conversions unify element types the way Terraform's do but know no other types.

mod collections;
mod conversions;
mod dates;
mod encoding;
mod filesystem;
mod format;
mod hashing;
mod ipnet;
mod numbers;
mod strings;

use std::ops::Range;
use std::path::Path;

use crate::eval::{EvalError, EvalResult, number_value, value_to_string};
use crate::redact::redact;
use crate::value::{ObjectMap, Value};

use self::collections::{
    alltrue, anytrue, chunklist, coalesce, coalescelist, compact, concat, contains, distinct,
    element, flatten, index, keys, length, lookup, matchkeys, merge, one, range, reverse,
    setintersection, setproduct, setsubtract, setunion, slice, sort, sum, transpose, values,
    zipmap,
};
use self::conversions::{
    issensitive, nonsensitive, sensitive, tobool, tolist, tomap, tonumber, toset, tostring,
};
use self::dates::{formatdate, plantimestamp, timeadd, timecmp, timestamp};
use self::encoding::{
    base64decode, base64encode, base64gzip, csvdecode, jsondecode, jsonencode, textdecodebase64,
    textencodebase64, urlencode, yamldecode, yamlencode,
};
use self::filesystem::{basename, dirname, file, filebase64, fileexists, fileset, templatefile};
use self::format::{format, formatlist};
use self::hashing::{
    base64sha256, base64sha512, bcrypt, filebase64sha256, filebase64sha512, filemd5, filesha1,
    filesha256, filesha512, md5, sha1, sha256, sha512, uuid, uuidv5,
};
use self::ipnet::{cidrhost, cidrnetmask, cidrsubnet, cidrsubnets};
use self::numbers::{abs, ceil, floor, log, max, min, parseint, pow, signum};
use self::strings::{
    chomp, endswith, indent, join, lower, regex, regexall, replace, split, startswith, strcontains,
    strrev, substr, title, trim, trimprefix, trimspace, trimsuffix, upper,
};

/// One function of the library: its name, how the documentation writes its calls, and how it
/// is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Function {
    /// The name a call uses.
    pub(crate) name: &'static str,
    /// The calls as the function table of docs/language.md writes them:
    /// `lookup(map, key, default?)`.
    #[cfg_attr(
        not(test),
        allow(
            dead_code,
            reason = "the test that keeps docs/language.md honest reads it"
        )
    )]
    pub(crate) signatures: &'static [&'static str],
    /// How it is evaluated.
    pub(crate) body: Body,
}

/// How a function is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body {
    /// Called by [`call`] with its arguments evaluated.
    Eager {
        /// How many arguments it takes.
        arity: Arity,
        /// How sensitive and unknown arguments mark the result.
        marks: Marks,
        /// The function itself.
        apply: fn(&Call<'_>) -> Result<Value, Failure>,
    },
    /// Evaluated by the evaluator itself, which evaluates the arguments one at a time and
    /// catches their errors (`try`, `can`); [`call`] never sees it.
    Lazy,
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arity {
    /// At least this many.
    pub(crate) min: usize,
    /// At most this many; `None` when there is no limit.
    pub(crate) max: Option<usize>,
}

impl Arity {
    const fn exactly(n: usize) -> Self {
        Self {
            min: n,
            max: Some(n),
        }
    }

    const fn between(min: usize, max: usize) -> Self {
        Self {
            min,
            max: Some(max),
        }
    }

    const fn at_least(min: usize) -> Self {
        Self { min, max: None }
    }

    /// `1`, `2 to 3`, `at least 1`, as an error message says how many arguments are expected.
    fn expected(self) -> String {
        match self.max {
            Some(max) if max == self.min => format!("{max}"),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("at least {}", self.min),
        }
    }
}

/// How sensitive and unknown arguments mark a function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marks {
    /// The result depends on every part of the arguments: one sensitive or unknown part
    /// anywhere makes the whole result sensitive or unknown.
    Deep,
    /// Only an argument that is sensitive or unknown as a whole marks the result.
    Shallow,
    /// As `Shallow` for sensitivity, but unknown arguments are the function's to handle
    /// (`coalesce` returns the first argument that is set, which may be unknown).
    ShallowSeesUnknown,
    /// The function sees its arguments as they are, marks and unknowns included, and marks its
    /// result itself (`sensitive`, `nonsensitive`, `issensitive`).
    Raw,
}

/// The arguments of one call, evaluated, and what the call may read.
pub(crate) struct Call<'a> {
    /// The arguments, without marks; none is unknown but for [`Marks::ShallowSeesUnknown`].
    args: &'a [Value],
    /// The configuration's directory, which `file()` reads relative to.
    dir: Option<&'a Path>,
}

impl Call<'_> {
    /// The path `path` names, relative to the configuration's directory.
    fn path(&self, path: &str) -> std::path::PathBuf {
        self.dir
            .map_or_else(|| Path::new(path).to_path_buf(), |d| d.join(path))
    }
}

/// Why a call failed: the message, and the argument it is about (`None`: the call as a whole).
#[derive(Debug)]
pub(crate) struct Failure {
    argument: Option<usize>,
    message: String,
}

const fn eager(
    name: &'static str,
    signatures: &'static [&'static str],
    arity: Arity,
    marks: Marks,
    apply: fn(&Call<'_>) -> Result<Value, Failure>,
) -> Function {
    Function {
        name,
        signatures,
        body: Body::Eager {
            arity,
            marks,
            apply,
        },
    }
}

const fn lazy(name: &'static str, signatures: &'static [&'static str]) -> Function {
    Function {
        name,
        signatures,
        body: Body::Lazy,
    }
}

/// Every function, sorted by name: dispatch, suggestions and the check of the documentation's
/// table all read this one list.
#[rustfmt::skip]
pub(crate) const FUNCTIONS: &[Function] = &[
    eager("abs",              &["abs(n)"],                                 Arity::exactly(1),    Marks::Shallow,            abs),
    eager("alltrue",          &["alltrue(list)"],                          Arity::exactly(1),    Marks::Deep,               alltrue),
    eager("anytrue",          &["anytrue(list)"],                          Arity::exactly(1),    Marks::Deep,               anytrue),
    eager("base64decode",     &["base64decode(s)"],                        Arity::exactly(1),    Marks::Shallow,            base64decode),
    eager("base64encode",     &["base64encode(s)"],                        Arity::exactly(1),    Marks::Shallow,            base64encode),
    eager("base64gzip",       &["base64gzip(s)"],                          Arity::exactly(1),    Marks::Shallow,            base64gzip),
    eager("base64sha256",     &["base64sha256(s)"],                        Arity::exactly(1),    Marks::Shallow,            base64sha256),
    eager("base64sha512",     &["base64sha512(s)"],                        Arity::exactly(1),    Marks::Shallow,            base64sha512),
    eager("basename",         &["basename(path)"],                         Arity::exactly(1),    Marks::Shallow,            basename),
    eager("bcrypt",           &["bcrypt(s, cost?)"],                       Arity::between(1, 2), Marks::Shallow,            bcrypt),
    lazy("can",               &["can(e)"]),
    eager("ceil",             &["ceil(n)"],                                Arity::exactly(1),    Marks::Shallow,            ceil),
    eager("chomp",            &["chomp(s)"],                               Arity::exactly(1),    Marks::Shallow,            chomp),
    eager("chunklist",        &["chunklist(list, size)"],                  Arity::exactly(2),    Marks::Shallow,            chunklist),
    eager("cidrhost",         &["cidrhost(prefix, hostnum)"],              Arity::exactly(2),    Marks::Shallow,            cidrhost),
    eager("cidrnetmask",      &["cidrnetmask(prefix)"],                    Arity::exactly(1),    Marks::Shallow,            cidrnetmask),
    eager("cidrsubnet",       &["cidrsubnet(prefix, newbits, netnum)"],    Arity::exactly(3),    Marks::Shallow,            cidrsubnet),
    eager("cidrsubnets",      &["cidrsubnets(prefix, newbits...)"],        Arity::at_least(1),   Marks::Shallow,            cidrsubnets),
    eager("coalesce",         &["coalesce(v...)"],                         Arity::at_least(1),   Marks::ShallowSeesUnknown, coalesce),
    eager("coalescelist",     &["coalescelist(list...)"],                  Arity::at_least(1),   Marks::ShallowSeesUnknown, coalescelist),
    eager("compact",          &["compact(list)"],                          Arity::exactly(1),    Marks::Deep,               compact),
    eager("concat",           &["concat(list...)"],                        Arity::at_least(0),   Marks::Shallow,            concat),
    eager("contains",         &["contains(list, v)"],                      Arity::exactly(2),    Marks::Deep,               contains),
    eager("csvdecode",        &["csvdecode(s)"],                           Arity::exactly(1),    Marks::Shallow,            csvdecode),
    eager("dirname",          &["dirname(path)"],                          Arity::exactly(1),    Marks::Shallow,            dirname),
    eager("distinct",         &["distinct(list)"],                         Arity::exactly(1),    Marks::Deep,               distinct),
    eager("element",          &["element(list, index)"],                   Arity::exactly(2),    Marks::Shallow,            element),
    eager("endswith",         &["endswith(s, suffix)"],                    Arity::exactly(2),    Marks::Shallow,            endswith),
    eager("file",             &["file(path)"],                             Arity::exactly(1),    Marks::Shallow,            file),
    eager("filebase64",       &["filebase64(path)"],                       Arity::exactly(1),    Marks::Shallow,            filebase64),
    eager("filebase64sha256", &["filebase64sha256(path)"],                 Arity::exactly(1),    Marks::Shallow,            filebase64sha256),
    eager("filebase64sha512", &["filebase64sha512(path)"],                 Arity::exactly(1),    Marks::Shallow,            filebase64sha512),
    eager("fileexists",       &["fileexists(path)"],                       Arity::exactly(1),    Marks::Shallow,            fileexists),
    eager("filemd5",          &["filemd5(path)"],                          Arity::exactly(1),    Marks::Shallow,            filemd5),
    eager("fileset",          &["fileset(path, pattern)"],                 Arity::exactly(2),    Marks::Shallow,            fileset),
    eager("filesha1",         &["filesha1(path)"],                         Arity::exactly(1),    Marks::Shallow,            filesha1),
    eager("filesha256",       &["filesha256(path)"],                       Arity::exactly(1),    Marks::Shallow,            filesha256),
    eager("filesha512",       &["filesha512(path)"],                       Arity::exactly(1),    Marks::Shallow,            filesha512),
    eager("flatten",          &["flatten(list)"],                          Arity::exactly(1),    Marks::Deep,               flatten),
    eager("floor",            &["floor(n)"],                               Arity::exactly(1),    Marks::Shallow,            floor),
    eager("format",           &["format(spec, v...)"],                     Arity::at_least(1),   Marks::Deep,               format),
    eager("formatdate",       &["formatdate(spec, time)"],                 Arity::exactly(2),    Marks::Shallow,            formatdate),
    eager("formatlist",       &["formatlist(spec, v...)"],                 Arity::at_least(1),   Marks::Deep,               formatlist),
    eager("indent",           &["indent(n, s)"],                           Arity::exactly(2),    Marks::Shallow,            indent),
    eager("index",            &["index(list, v)"],                         Arity::exactly(2),    Marks::Deep,               index),
    eager("issensitive",      &["issensitive(v)"],                         Arity::exactly(1),    Marks::Raw,                issensitive),
    eager("join",             &["join(sep, list...)"],                     Arity::at_least(1),   Marks::Deep,               join),
    eager("jsondecode",       &["jsondecode(s)"],                          Arity::exactly(1),    Marks::Shallow,            jsondecode),
    eager("jsonencode",       &["jsonencode(v)"],                          Arity::exactly(1),    Marks::Deep,               jsonencode),
    eager("keys",             &["keys(map)"],                              Arity::exactly(1),    Marks::Shallow,            keys),
    eager("length",           &["length(x)"],                              Arity::exactly(1),    Marks::Shallow,            length),
    eager("log",              &["log(n, base)"],                           Arity::exactly(2),    Marks::Shallow,            log),
    eager("lookup",           &["lookup(map, key, default?)"],             Arity::between(2, 3), Marks::Shallow,            lookup),
    eager("lower",            &["lower(s)"],                               Arity::exactly(1),    Marks::Shallow,            lower),
    eager("matchkeys",        &["matchkeys(values, keys, searchset)"],     Arity::exactly(3),    Marks::Deep,               matchkeys),
    eager("max",              &["max(n...)"],                              Arity::at_least(0),   Marks::Shallow,            max),
    eager("md5",              &["md5(s)"],                                 Arity::exactly(1),    Marks::Shallow,            md5),
    eager("merge",            &["merge(obj...)"],                          Arity::at_least(0),   Marks::Shallow,            merge),
    eager("min",              &["min(n...)"],                              Arity::at_least(0),   Marks::Shallow,            min),
    eager("nonsensitive",     &["nonsensitive(v)"],                        Arity::exactly(1),    Marks::Raw,                nonsensitive),
    eager("one",              &["one(list)"],                              Arity::exactly(1),    Marks::Shallow,            one),
    eager("parseint",         &["parseint(s, base)"],                      Arity::exactly(2),    Marks::Shallow,            parseint),
    eager("plantimestamp",    &["plantimestamp()"],                        Arity::exactly(0),    Marks::Shallow,            plantimestamp),
    eager("pow",              &["pow(n, power)"],                          Arity::exactly(2),    Marks::Shallow,            pow),
    eager("range",            &["range(end)", "range(start, end, step?)"], Arity::between(1, 3), Marks::Shallow,            range),
    eager("regex",            &["regex(pattern, s)"],                      Arity::exactly(2),    Marks::Shallow,            regex),
    eager("regexall",         &["regexall(pattern, s)"],                   Arity::exactly(2),    Marks::Shallow,            regexall),
    eager("replace",          &["replace(s, search, replacement)"],        Arity::exactly(3),    Marks::Shallow,            replace),
    eager("reverse",          &["reverse(list)"],                          Arity::exactly(1),    Marks::Shallow,            reverse),
    eager("sensitive",        &["sensitive(v)"],                           Arity::exactly(1),    Marks::Raw,                sensitive),
    eager("setintersection",  &["setintersection(set...)"],                Arity::at_least(1),   Marks::Deep,               setintersection),
    eager("setproduct",       &["setproduct(set...)"],                     Arity::at_least(1),   Marks::Deep,               setproduct),
    eager("setsubtract",      &["setsubtract(a, b)"],                      Arity::exactly(2),    Marks::Deep,               setsubtract),
    eager("setunion",         &["setunion(set...)"],                       Arity::at_least(1),   Marks::Deep,               setunion),
    eager("sha1",             &["sha1(s)"],                                Arity::exactly(1),    Marks::Shallow,            sha1),
    eager("sha256",           &["sha256(s)"],                              Arity::exactly(1),    Marks::Shallow,            sha256),
    eager("sha512",           &["sha512(s)"],                              Arity::exactly(1),    Marks::Shallow,            sha512),
    eager("signum",           &["signum(n)"],                              Arity::exactly(1),    Marks::Shallow,            signum),
    eager("slice",            &["slice(list, start, end)"],                Arity::exactly(3),    Marks::Shallow,            slice),
    eager("sort",             &["sort(list)"],                             Arity::exactly(1),    Marks::Deep,               sort),
    eager("split",            &["split(sep, s)"],                          Arity::exactly(2),    Marks::Shallow,            split),
    eager("startswith",       &["startswith(s, prefix)"],                  Arity::exactly(2),    Marks::Shallow,            startswith),
    eager("strcontains",      &["strcontains(s, substr)"],                 Arity::exactly(2),    Marks::Shallow,            strcontains),
    eager("strrev",           &["strrev(s)"],                              Arity::exactly(1),    Marks::Shallow,            strrev),
    eager("substr",           &["substr(s, offset, length)"],              Arity::exactly(3),    Marks::Shallow,            substr),
    eager("sum",              &["sum(list)"],                              Arity::exactly(1),    Marks::Deep,               sum),
    eager("templatefile",     &["templatefile(path, vars)"],               Arity::exactly(2),    Marks::Deep,               templatefile),
    eager("textdecodebase64", &["textdecodebase64(s, encoding)"],          Arity::exactly(2),    Marks::Shallow,            textdecodebase64),
    eager("textencodebase64", &["textencodebase64(s, encoding)"],          Arity::exactly(2),    Marks::Shallow,            textencodebase64),
    eager("timeadd",          &["timeadd(time, duration)"],                Arity::exactly(2),    Marks::Shallow,            timeadd),
    eager("timecmp",          &["timecmp(a, b)"],                          Arity::exactly(2),    Marks::Shallow,            timecmp),
    eager("timestamp",        &["timestamp()"],                            Arity::exactly(0),    Marks::Shallow,            timestamp),
    eager("title",            &["title(s)"],                               Arity::exactly(1),    Marks::Shallow,            title),
    eager("tobool",           &["tobool(v)"],                              Arity::exactly(1),    Marks::Shallow,            tobool),
    eager("tolist",           &["tolist(x)"],                              Arity::exactly(1),    Marks::Shallow,            tolist),
    eager("tomap",            &["tomap(obj)"],                             Arity::exactly(1),    Marks::Shallow,            tomap),
    eager("tonumber",         &["tonumber(v)"],                            Arity::exactly(1),    Marks::Shallow,            tonumber),
    eager("toset",            &["toset(list)"],                            Arity::exactly(1),    Marks::Deep,               toset),
    eager("tostring",         &["tostring(v)"],                            Arity::exactly(1),    Marks::Deep,               tostring),
    eager("transpose",        &["transpose(map)"],                         Arity::exactly(1),    Marks::Deep,               transpose),
    eager("trim",             &["trim(s, cutset)"],                        Arity::exactly(2),    Marks::Shallow,            trim),
    eager("trimprefix",       &["trimprefix(s, prefix)"],                  Arity::exactly(2),    Marks::Shallow,            trimprefix),
    eager("trimspace",        &["trimspace(s)"],                           Arity::exactly(1),    Marks::Shallow,            trimspace),
    eager("trimsuffix",       &["trimsuffix(s, suffix)"],                  Arity::exactly(2),    Marks::Shallow,            trimsuffix),
    lazy("try",               &["try(e...)"]),
    eager("upper",            &["upper(s)"],                               Arity::exactly(1),    Marks::Shallow,            upper),
    eager("urlencode",        &["urlencode(s)"],                           Arity::exactly(1),    Marks::Shallow,            urlencode),
    eager("uuid",             &["uuid()"],                                 Arity::exactly(0),    Marks::Shallow,            uuid),
    eager("uuidv5",           &["uuidv5(namespace, name)"],                Arity::exactly(2),    Marks::Shallow,            uuidv5),
    eager("values",           &["values(map)"],                            Arity::exactly(1),    Marks::Shallow,            values),
    eager("yamldecode",       &["yamldecode(s)"],                          Arity::exactly(1),    Marks::Shallow,            yamldecode),
    eager("yamlencode",       &["yamlencode(v)"],                          Arity::exactly(1),    Marks::Deep,               yamlencode),
    eager("zipmap",           &["zipmap(keys, values)"],                   Arity::exactly(2),    Marks::Deep,               zipmap),
];

/// The most elements `range()` gives (docs/language.md, "Limits").
pub(crate) const MAX_RANGE: usize = 1_048_576;

/// The widest field of `format()` (`%1000000d`), Go's limit, which Terraform's `format` has too
/// (docs/language.md, "Limits").
pub(crate) const MAX_FORMAT_WIDTH: usize = 1_000_000;

/// The function called `name`.
fn lookup_function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|function| function.name == name)
}

/// Calls function `name` with evaluated arguments (`spans` are their places, `range` the call's).
pub(crate) fn call(
    name: &str,
    args: Vec<Value>,
    spans: &[Range<usize>],
    range: Range<usize>,
    dir: Option<&Path>,
) -> EvalResult {
    // `try` and `can` are evaluated before a call is made; here they are as unknown as any name
    // that is not in the table.
    let Some(&Function {
        body: Body::Eager {
            arity,
            marks,
            apply,
        },
        ..
    }) = lookup_function(name)
    else {
        let error = EvalError::new(range, format!("unknown function `{name}`"));
        let names = FUNCTIONS.iter().map(|function| function.name);
        return Err(match crate::schema::suggest(name, names) {
            Some(s) => error.with_hint(format!("did you mean `{s}`?")),
            None => error,
        });
    };
    if args.len() < arity.min || arity.max.is_some_and(|max| args.len() > max) {
        let expected = arity.expected();
        let plural = if expected == "1" { "" } else { "s" };
        return Err(EvalError::new(
            range,
            format!(
                "`{name}` takes {expected} argument{plural}, found {}",
                args.len()
            ),
        ));
    }
    let arg_span = |i: usize| spans.get(i).cloned().unwrap_or_else(|| range.clone());
    if marks == Marks::Raw {
        // The function handles marks itself and builds no message from a sensitive value.
        return apply(&Call { args: &args, dir }).map_err(|failure| {
            EvalError::new(
                failure.argument.map_or_else(|| range.clone(), arg_span),
                format!("{name}: {}", failure.message),
            )
        });
    }
    let deep = marks == Marks::Deep;
    let marked = if deep {
        args.iter().any(Value::contains_sensitive)
    } else {
        args.iter().any(Value::is_sensitive)
    };
    // What the redaction of a failure's message needs and stripping the marks loses: the
    // arguments whose marks go (all of them for a deep function, the marked ones otherwise);
    // nothing is kept when no argument is sensitive.
    let sensitive_args: Vec<Value> = if deep {
        if marked { args.clone() } else { Vec::new() }
    } else {
        args.iter().filter(|a| a.is_sensitive()).cloned().collect()
    };
    let args: Vec<Value> = if deep {
        args.iter().map(Value::strip_marks).collect()
    } else {
        args.into_iter().map(|a| a.unmark().0).collect()
    };
    let unknown = match marks {
        Marks::Deep => args.iter().any(Value::contains_unknown),
        Marks::Shallow => args.iter().any(Value::is_unknown),
        Marks::ShallowSeesUnknown | Marks::Raw => false,
    };
    let result = if unknown {
        Value::Unknown
    } else {
        apply(&Call { args: &args, dir }).map_err(|failure| {
            let inputs: Vec<&Value> = sensitive_args.iter().chain(&args).collect();
            EvalError::new(
                failure.argument.map_or_else(|| range.clone(), arg_span),
                redact(format!("{name}: {}", failure.message), &inputs),
            )
        })?
    };
    Ok(if marked {
        result.mark_sensitive()
    } else {
        result
    })
}

/// A failure about argument `i`.
fn at(i: usize, message: impl Into<String>) -> Failure {
    Failure {
        argument: Some(i),
        message: message.into(),
    }
}

/// A failure of the call as a whole.
fn whole(message: impl Into<String>) -> Failure {
    Failure {
        argument: None,
        message: message.into(),
    }
}

fn string_arg(args: &[Value], i: usize) -> Result<String, Failure> {
    value_to_string(&args[i]).ok_or_else(|| {
        at(
            i,
            format!("expected a string, found {}", args[i].type_name()),
        )
    })
}

fn list_arg(args: &[Value], i: usize) -> Result<Vec<Value>, Failure> {
    match &args[i] {
        Value::List(items) | Value::Set(items) => Ok(items.clone()),
        other => Err(at(
            i,
            format!("expected a list, found {}", other.type_name()),
        )),
    }
}

fn object_arg(args: &[Value], i: usize) -> Result<ObjectMap, Failure> {
    match &args[i] {
        Value::Object(map) => Ok(map.clone()),
        other => Err(at(
            i,
            format!("expected a map or object, found {}", other.type_name()),
        )),
    }
}

/// A whole number: a number, or a string that is one, as Terraform converts arguments.
fn int_arg(args: &[Value], i: usize) -> Result<i64, Failure> {
    let number = number_arg(args, i)?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let whole = number as i64;
    #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
    if number.fract() == 0.0 && whole as f64 == number {
        return Ok(args[i].as_i64().unwrap_or(whole));
    }
    Err(at(
        i,
        format!("expected a whole number, found {}", number_text(number)),
    ))
}

/// A number: a number, or a string that is one, as Terraform converts arguments.
fn number_arg(args: &[Value], i: usize) -> Result<f64, Failure> {
    let converted = match &args[i] {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::eval::parse_number(s).and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }),
        _ => None,
    };
    converted.ok_or_else(|| match &args[i] {
        Value::String(s) => at(i, format!("a number is required, found the string {s:?}")),
        other => at(
            i,
            format!("a number is required, found {}", other.type_name()),
        ),
    })
}

/// A bool: a bool, or the string `true` or `false`, as Terraform converts arguments.
fn bool_arg(args: &[Value], i: usize) -> Result<bool, Failure> {
    match &args[i] {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(at(
            i,
            format!("a bool is required, found {}", other.type_name()),
        )),
    }
}

/// A number's text as Terraform writes it: whole numbers without a fraction, the others in
/// the shortest decimal form that reads back as the same number, never with an exponent.
fn number_text(n: f64) -> String {
    match number_value(n) {
        Ok(Value::Number(number)) if number.is_i64() || number.is_u64() => number.to_string(),
        _ => format!("{n}"),
    }
}

/// A number value from a float (whole numbers are exact integers).
fn number(n: f64) -> Result<Value, Failure> {
    number_value(n).map_err(whole)
}

fn len_value(n: usize) -> Value {
    Value::int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::{Arity, Body, FUNCTIONS};
    use crate::value::Value;

    fn eval(src: &str) -> Result<Value, String> {
        crate::eval::tests::eval_with(src, &[])
    }

    fn json(src: &str) -> serde_json::Value {
        eval(src).unwrap().to_json().unwrap()
    }

    #[allow(clippy::needless_pass_by_value)]
    fn check(src: &str, expected: serde_json::Value) {
        assert_eq!(json(src), expected, "{src}");
    }

    fn check_error(src: &str, expected: &str) {
        let error = eval(src).unwrap_err();
        assert!(error.contains(expected), "{src}: {error}");
    }

    #[test]
    fn jsonencode_and_jsondecode() {
        check(
            r#"jsonencode({b = [1, "x"], a = null})"#,
            serde_json::json!(r#"{"a":null,"b":[1,"x"]}"#),
        );
        check(
            r#"jsondecode("{\"a\": [1, 2.5]}")"#,
            serde_json::json!({"a": [1, 2.5]}),
        );
        check_error(r#"jsondecode("{")"#, "jsondecode: invalid JSON");
    }

    #[test]
    fn file_reads_relative_to_the_directory() {
        check_error(
            r#"file("does-not-exist.json")"#,
            "file: cannot read `does-not-exist.json`",
        );
    }

    #[test]
    fn collection_functions() {
        check(
            r"merge({a = 1, b = 1}, null, {b = 2})",
            serde_json::json!({"a": 1, "b": 2}),
        );
        check(r#"lookup({a = 1}, "a")"#, serde_json::json!(1));
        check(r#"lookup({a = 1}, "b", 0)"#, serde_json::json!(0));
        check_error(
            r#"lookup({a = 1}, "b")"#,
            "the given key `b` does not exist",
        );
        check(r"concat([1], [], [2, 3])", serde_json::json!([1, 2, 3]));
        check(r"length({a = 1, b = 2})", serde_json::json!(2));
        check(r#"length("héllo")"#, serde_json::json!(5));
        check(r"keys({b = 1, a = 2})", serde_json::json!(["a", "b"]));
        check(r"values({b = 1, a = 2})", serde_json::json!([2, 1]));
        check(r#"contains(["a", "b"], "b")"#, serde_json::json!(true));
        check(r"range(3)", serde_json::json!([0, 1, 2]));
        check(r"range(1, 7, 3)", serde_json::json!([1, 4]));
        check(r"range(3, 0)", serde_json::json!([3, 2, 1]));
        check(r#"coalesce(null, "", "x")"#, serde_json::json!("x"));
        check(r#"toset(["b", "a", "b"])"#, serde_json::json!(["a", "b"]));
        check(
            r#"tolist(toset(["b", "a"]))"#,
            serde_json::json!(["a", "b"]),
        );
        check(r#"tomap({a = "x"})"#, serde_json::json!({"a": "x"}));
        check(r#"concat(["a"], ["b", "c"]...)"#.replace(r#"["b", "c"]..."#, r#"[["b", "c"]]..."#).as_str(), serde_json::json!(["a", "b", "c"]));
        check_error(
            r#"concat([1], "x")"#,
            "concat: expected a list, found string",
        );
    }

    #[test]
    fn string_functions() {
        check(r#"lower("CoreDNS")"#, serde_json::json!("coredns"));
        check(r#"upper("gpu")"#, serde_json::json!("GPU"));
        check(r"tostring(12)", serde_json::json!("12"));
        check(r#"tonumber("12")"#, serde_json::json!(12));
        check(r#"join(",", ["a", "b"])"#, serde_json::json!("a,b"));
        check(r#"split(",", "a,b")"#, serde_json::json!(["a", "b"]));
        check(r#"trimspace("  x ")"#, serde_json::json!("x"));
        check(
            r#"try(jsondecode("{"), "fallback")"#,
            serde_json::json!("fallback"),
        );
        check(r#"can(jsondecode("{"))"#, serde_json::json!(false));
    }

    #[test]
    fn format_verbs() {
        check(
            r#"format("%s-%d-%v-%q-%%", "a", 7, [1], "q")"#,
            serde_json::json!("a-7-[1]-\"q\"-%"),
        );
        check_error(r#"format("%d", "x")"#, "`%d`: a number is required");
        check_error(
            r#"format("%s %s", "x")"#,
            "not enough arguments for `%s`: need argument 2 but have 1 in total",
        );
        check_error(r#"format("%y", 1)"#, "unrecognized verb `%y`");
        check(
            r#"format("%03d|%-4s|%4s|%03d", 7, "ab", "cd", -7)"#,
            serde_json::json!("007|ab  |  cd|-07"),
        );
    }

    /// The function calls in the first column of the function table of docs/language.md.
    fn documented_signatures() -> Vec<String> {
        let doc = include_str!("../../../../docs/language.md");
        let table = doc
            .split("## Functions")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/language.md has a `## Functions` section");
        let mut signatures = Vec::new();
        for row in table.lines().filter(|line| line.starts_with("| `")) {
            let first = row.split(" | ").next().unwrap();
            // The code spans of the first column: `toset(list)`, `tolist(x)`, `tomap(obj)`.
            signatures.extend(first.split('`').skip(1).step_by(2).map(str::to_owned));
        }
        signatures
    }

    #[test]
    fn the_documented_functions_are_the_registry() {
        let mut documented = documented_signatures();
        assert!(documented.len() > 20, "{documented:?}");
        let mut registered: Vec<String> = FUNCTIONS
            .iter()
            .flat_map(|function| function.signatures.iter().map(|s| (*s).to_owned()))
            .collect();
        documented.sort();
        registered.sort();
        assert_eq!(
            documented, registered,
            "the function table of docs/language.md and the registry differ"
        );
    }

    #[test]
    fn the_registry_is_sorted_and_its_signatures_name_their_function() {
        let names: Vec<&str> = FUNCTIONS.iter().map(|function| function.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for function in FUNCTIONS {
            for signature in function.signatures {
                assert!(
                    signature.starts_with(&format!("{}(", function.name)),
                    "{signature} is not a call of `{}`",
                    function.name
                );
            }
        }
    }

    /// How many arguments the documented calls of a function take, read from their parameters
    /// (`x` required, `x?` optional, `x...` any number).
    fn documented_arity(signatures: &[&str]) -> Arity {
        let mut min = usize::MAX;
        let mut max = Some(0);
        for signature in signatures {
            let inside = &signature[signature.find('(').unwrap() + 1..signature.len() - 1];
            let params: Vec<&str> = inside.split(", ").filter(|p| !p.is_empty()).collect();
            let required = params
                .iter()
                .filter(|p| !p.ends_with('?') && !p.ends_with("..."))
                .count();
            min = min.min(required);
            max = match max {
                Some(max) if !params.iter().any(|p| p.ends_with("...")) => {
                    Some(max.max(params.len()))
                }
                _ => None,
            };
        }
        Arity { min, max }
    }

    #[test]
    fn arities_are_those_the_signatures_document() {
        for function in FUNCTIONS {
            let Body::Eager { arity, .. } = function.body else {
                continue;
            };
            let documented = documented_arity(function.signatures);
            assert_eq!(arity.max, documented.max, "{}", function.name);
            // A variadic function may ask for one of its repeated arguments at least
            // (`coalesce(v...)`): a call without any is refused by its arity, before it runs.
            if documented.max.is_none() {
                assert!(
                    (documented.min..=documented.min + 1).contains(&arity.min),
                    "{}",
                    function.name
                );
            } else {
                assert_eq!(arity.min, documented.min, "{}", function.name);
            }
        }
    }

    #[test]
    fn base64gzip_decompresses_to_the_text() {
        use base64::Engine as _;
        use std::io::Read as _;
        let Value::String(encoded) = eval(r#"base64gzip("hello, plinth")"#).unwrap() else {
            panic!("not a string");
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello, plinth");
    }

    #[test]
    fn impure_functions_are_unknown_until_apply_and_plantimestamp_is_known() {
        assert_eq!(eval("timestamp()").unwrap(), Value::Unknown);
        assert_eq!(eval("uuid()").unwrap(), Value::Unknown);
        assert_eq!(eval("upper(uuid())").unwrap(), Value::Unknown);
        let now = eval("plantimestamp()").unwrap();
        let text = now.as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok(), "{text}");
        check_error("bcrypt(\"x\")", "its random salt");
    }

    #[test]
    fn sensitivity_functions_mark_and_unmark() {
        let secret = [("token", Value::string("hunter2").mark_sensitive())];
        let eval_secret = |src: &str| crate::eval::tests::eval_with(src, &secret).unwrap();
        assert_eq!(eval_secret("issensitive(var.token)"), Value::Bool(true));
        assert_eq!(
            eval_secret("nonsensitive(var.token)"),
            Value::string("hunter2")
        );
        assert_eq!(
            eval_secret(r#"sensitive("x")"#),
            Value::string("x").mark_sensitive()
        );
        // A function of a sensitive value gives a sensitive value, and its failure does not
        // show it.
        assert!(eval_secret("upper(var.token)").is_sensitive());
        let error = crate::eval::tests::eval_with("tonumber(var.token)", &secret).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(eval("issensitive(timestamp())").unwrap(), Value::Unknown);
    }

    #[test]
    fn templatefile_reports_the_place_in_the_template() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/functions/files");
        let error = crate::testing::evaluate(r#"templatefile("bad.tpl", {})"#, &dir).unwrap_err();
        assert!(error.starts_with("templatefile: bad.tpl:1:3: "), "{error}");
    }

    #[test]
    fn an_unknown_function_suggests_a_close_name() {
        let error = super::call("lenght", Vec::new(), &[], 0..6, None).unwrap_err();
        assert_eq!(error.message, "unknown function `lenght`");
        assert_eq!(error.hint.as_deref(), Some("did you mean `length`?"));
        // `try` and `can` are suggested too, though the evaluator calls them itself.
        let error = super::call("trye", Vec::new(), &[], 0..4, None).unwrap_err();
        assert_eq!(error.hint.as_deref(), Some("did you mean `try`?"));
    }

    #[test]
    fn arity_and_unknown_functions() {
        check_error("upper()", "`upper` takes 1 argument, found 0");
        check_error(r"lookup({})", "`lookup` takes 2 to 3 arguments, found 1");
        let error = eval("uper(\"x\")").unwrap_err();
        assert_eq!(error, "unknown function `uper`");
    }
}
