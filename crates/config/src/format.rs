//! The canonical layout of an HCL file: what `plinth fmt` writes.
//!
//! Like `terraform fmt` (hclwrite), the formatter works on the tokens of the file, line by line, and
//! changes nothing but whitespace: every token, comment, string and heredoc comes out as it went in,
//! and every line break stays where it was (only blank lines are collapsed). hcl-edit parses the file
//! first: a file that does not parse is reported with its position and left alone, and the spans of
//! the parsed string literals, templates and heredocs tell the lexer which text to copy verbatim.
//!
//! The layout:
//! - two spaces of indentation per bracket level, where brackets opened on one line count as one
//!   level (`x = [{` indents its contents once) and a line that starts with closing brackets takes
//!   the indentation of the line that opened them;
//! - spacing between tokens as terraform writes it: `a = b`, `f(x, y)`, `a.b[0]`, `-1`, `!x`,
//!   `{ a = 1 }`, `{}`, `[1, 2]`; the inside of strings, templates and heredocs is never touched;
//! - the `=` of consecutive single-line attributes (and object items) aligned; a group ends at a
//!   blank line, a comment line, a block, or an attribute whose value spans several lines;
//! - trailing line comments of consecutive single-line statements aligned in one column;
//! - trailing whitespace removed (but not inside heredocs), CRLF turned into LF, runs of blank lines
//!   collapsed to one, no blank line after an opening bracket, before a closing bracket, or at the
//!   start or end of the file, which ends with exactly one newline.
//!
//! The result is checked before it is returned: it must parse again and contain the same text apart
//! from whitespace, so that a bug in the formatter can never damage a file.

use std::ops::Range;

use hcl_edit::parser::parse_body;
use hcl_edit::template::{HeredocTemplate, StringTemplate};
use hcl_edit::visit::Visit;
use hcl_edit::{Decorated, Span};

/// Formats one HCL file into its canonical layout.
///
/// The input may use CRLF line endings; the output always uses LF and, unless it is empty, ends with
/// exactly one newline. Formatting the output again returns it unchanged.
///
/// ```
/// let formatted = plinth_config::format_source("locals {\n    a=1\n    bbb =  \"x\"\n}\n")?;
/// assert_eq!(formatted, "locals {\n  a   = 1\n  bbb = \"x\"\n}\n");
/// # Ok::<(), plinth_config::FormatError>(())
/// ```
pub fn format_source(source: &str) -> Result<String, FormatError> {
    let source = source.replace("\r\n", "\n");
    let body = parse_body(&source).map_err(|error| FormatError::Syntax {
        line: error.location().line(),
        column: error.location().column(),
        message: error.message().to_owned(),
        source_line: error.line().to_owned(),
    })?;
    let mut literals = Literals::default();
    literals.visit_body(&body);
    let lines = lex(&source, literals.spans);
    let output = layout(&lines);
    check_output(&source, &output)?;
    Ok(output)
}

/// Why a file could not be formatted. Positions are one-based; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file is not valid HCL.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// The line of the error, starting at 1.
        line: usize,
        /// The column of the error in characters, starting at 1.
        column: usize,
        /// What the parser expected or found.
        message: String,
        /// The whole source line containing the error, for a code frame.
        source_line: String,
    },
    /// The formatter would have produced text that does not parse or that differs from the input
    /// in more than whitespace. This is a bug in plinth; the file must be left unchanged.
    #[error("internal formatter error: {message}; the file was left unchanged")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// Collects the byte ranges of string literals, string templates and heredocs, which are copied
/// verbatim. Templates are not descended into: their whole text is one range.
#[derive(Default)]
struct Literals {
    spans: Vec<Range<usize>>,
}

impl Visit for Literals {
    fn visit_string(&mut self, node: &Decorated<String>) {
        self.spans.extend(node.span());
    }

    fn visit_string_template(&mut self, node: &StringTemplate) {
        self.spans.extend(node.span());
    }

    fn visit_heredoc_template(&mut self, node: &HeredocTemplate) {
        self.spans.extend(node.span());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    /// A string literal, string template or heredoc, copied verbatim.
    Literal,
    /// `# ...` or `// ...`, without its newline and trailing whitespace.
    LineComment,
    /// `/* ... */`, possibly over several lines.
    BlockComment,
    Punct,
    /// Anything the lexer does not know; the whitespace around it is kept as it was.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    /// Whether whitespace preceded the token in the input (only used around `Other`).
    space_before: bool,
}

impl Token<'_> {
    fn is(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }

    /// +1 for an opening bracket, -1 for a closing one, 0 otherwise.
    fn bracket(&self) -> i32 {
        match (self.kind, self.text) {
            (Kind::Punct, "{" | "[" | "(") => 1,
            (Kind::Punct, "}" | "]" | ")") => -1,
            _ => 0,
        }
    }

    fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }

    fn is_multiline(&self) -> bool {
        self.text.contains('\n')
    }
}

/// Operators, longest first so that the first match is the right one.
const PUNCTUATION: [&str; 27] = [
    "...", "==", "!=", "<=", ">=", "&&", "||", "=>", "{", "}", "[", "]", "(", ")", "=", "<", ">",
    "!", "+", "-", "*", "/", "%", "?", ":", ",", ".",
];

/// Splits the source into lines of tokens. `literals` are the byte ranges to keep as single tokens;
/// they may contain newlines, which then do not end a line.
fn lex(source: &str, mut literals: Vec<Range<usize>>) -> Vec<Vec<Token<'_>>> {
    literals.sort_by_key(|range| range.start);
    let mut literals = literals.into_iter().peekable();
    let mut lines = vec![Vec::new()];
    let mut pos = 0;
    let mut space_before = false;
    while let Some(c) = source[pos..].chars().next() {
        while literals.next_if(|range| range.start < pos).is_some() {}
        let rest = &source[pos..];
        let literal = literals
            .next_if(|range| range.start == pos)
            .filter(|range| range.end > pos && source.is_char_boundary(range.end));
        let (kind, len, text_len) = if let Some(range) = literal {
            (Kind::Literal, range.end - pos, range.end - pos)
        } else if c == '\n' {
            lines.push(Vec::new());
            pos += 1;
            space_before = false;
            continue;
        } else if c.is_whitespace() {
            pos += c.len_utf8();
            space_before = true;
            continue;
        } else if c == '#' || rest.starts_with("//") {
            let len = rest.find('\n').unwrap_or(rest.len());
            (Kind::LineComment, len, rest[..len].trim_end().len())
        } else if let Some(inner) = rest.strip_prefix("/*") {
            let len = inner.find("*/").map_or(rest.len(), |end| end + 4);
            (Kind::BlockComment, len, len)
        } else if c.is_ascii_digit() {
            let len = number_len(rest);
            (Kind::Number, len, len)
        } else if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            (Kind::Ident, len, len)
        } else if let Some(punct) = PUNCTUATION.iter().find(|p| rest.starts_with(**p)) {
            (Kind::Punct, punct.len(), punct.len())
        } else {
            (Kind::Other, c.len_utf8(), c.len_utf8())
        };
        let token = Token {
            kind,
            text: &source[pos..pos + text_len],
            space_before,
        };
        if let Some(line) = lines.last_mut() {
            line.push(token);
        }
        pos += len;
        space_before = false;
    }
    lines
}

/// The length of the number at the start of `s`: digits, an optional fraction and exponent.
fn number_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut len = digits(0);
    if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
        len += 1 + digits(len + 1);
    }
    if matches!(bytes.get(len), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(len + 1), Some(b'+' | b'-')));
        if bytes.get(len + 1 + sign).is_some_and(u8::is_ascii_digit) {
            len += 1 + sign + digits(len + 1 + sign);
        }
    }
    len
}

/// One output line before alignment.
struct Line<'a> {
    indent: usize,
    /// The tokens up to a trailing line comment, joined with canonical spacing.
    code: String,
    /// A line comment that follows code on the same line.
    comment: Option<&'a str>,
    /// No multi-line token, and every bracket opened on the line is closed on it (and none closed
    /// that was opened before): the line is a whole single-line statement.
    balanced: bool,
    /// For a balanced `key = value` line, the length of the key in bytes.
    key_len: Option<usize>,
    /// The line's code ends with an opening bracket: no blank line may follow it.
    opens: bool,
    /// The line starts with a closing bracket: no blank line may precede it.
    closes: bool,
}

fn layout(lines: &[Vec<Token<'_>>]) -> String {
    let indents = indents(lines);
    let mut before = None;
    let mut items: Vec<Option<Line<'_>>> = Vec::new();
    for (tokens, indent) in lines.iter().zip(indents) {
        if tokens.is_empty() {
            // A blank line survives only between two lines, and only once, and never right after
            // an opening bracket: a closing bracket below removes it again.
            if items
                .last()
                .is_some_and(|item| item.as_ref().is_some_and(|line| !line.opens))
            {
                items.push(None);
            }
            continue;
        }
        let line = render_line(tokens, indent, &mut before);
        if line.closes && items.last().is_some_and(Option::is_none) {
            items.pop();
        }
        items.push(Some(line));
    }
    if items.last().is_some_and(Option::is_none) {
        items.pop();
    }
    align_keys(&mut items);
    let comment_columns = comment_columns(&items);

    let mut output = String::new();
    for (item, comment_column) in items.iter().zip(comment_columns) {
        if let Some(line) = item {
            let start = output.len();
            output.extend(std::iter::repeat_n("  ", line.indent));
            output.push_str(&line.code);
            if let Some(comment) = line.comment {
                let width = output[start..].chars().count();
                let pad = comment_column.map_or(1, |column| column.saturating_sub(width).max(1));
                output.extend(std::iter::repeat_n(' ', pad));
                output.push_str(comment);
            }
        }
        output.push('\n');
    }
    output
}

/// The indentation level of every line. Each open bracket remembers the indentation of the line
/// that opened it; a line is indented one level deeper than the line that opened the innermost
/// bracket still open, except that closing brackets at its start take it back to the level of the
/// line that opened them.
fn indents(lines: &[Vec<Token<'_>>]) -> Vec<usize> {
    let mut open: Vec<usize> = Vec::new();
    lines
        .iter()
        .map(|tokens| {
            let mut indent = open.last().map_or(0, |opener| opener + 1);
            let mut leading = true;
            for token in tokens {
                match token.bracket() {
                    -1 => {
                        if let Some(opener) = open.pop()
                            && leading
                        {
                            indent = opener;
                        }
                    }
                    1 => {
                        leading = false;
                        open.push(indent);
                    }
                    _ => leading = false,
                }
            }
            indent
        })
        .collect()
}

/// Joins the tokens of one line. `before` is the last significant token seen so far in the file,
/// carried from line to line (it tells a negation from a subtraction).
fn render_line<'a>(
    tokens: &[Token<'a>],
    indent: usize,
    before: &mut Option<Token<'a>>,
) -> Line<'a> {
    let (code_tokens, comment) = match tokens {
        [code @ .., last] if !code.is_empty() && last.kind == Kind::LineComment => {
            (code, Some(last.text))
        }
        _ => (tokens, None),
    };
    let mut code = String::new();
    let mut subject_before = None;
    for (k, token) in code_tokens.iter().enumerate() {
        if k > 0 && space_between(subject_before.as_ref(), &code_tokens[k - 1], token) {
            code.push(' ');
        }
        subject_before = *before;
        if !token.is_comment() {
            *before = Some(*token);
        }
        if token.kind == Kind::BlockComment && token.is_multiline() {
            let trimmed: Vec<&str> = token.text.split('\n').map(str::trim_end).collect();
            code.push_str(&trimmed.join("\n"));
        } else {
            code.push_str(token.text);
        }
    }

    let mut depth = 0;
    let mut balanced = !tokens.iter().any(Token::is_multiline);
    for token in code_tokens {
        depth += token.bracket();
        balanced &= depth >= 0;
    }
    balanced &= depth == 0;
    let key_len = match code_tokens {
        [key, equals, _, ..]
            if balanced && matches!(key.kind, Kind::Ident | Kind::Literal) && equals.is("=") =>
        {
            Some(key.text.len())
        }
        _ => None,
    };
    Line {
        indent,
        code,
        comment,
        balanced,
        key_len,
        opens: code_tokens.last().is_some_and(|token| token.bracket() > 0),
        closes: tokens.first().is_some_and(|token| token.bracket() < 0),
    }
}

/// Whether a space separates `subject` and the token `after` it on one line; `before` is the
/// significant token preceding `subject`. The rules are those of terraform's hclwrite.
fn space_between(before: Option<&Token<'_>>, subject: &Token<'_>, after: &Token<'_>) -> bool {
    let keyword = |token: &Token<'_>| {
        token.kind == Kind::Ident
            && matches!(token.text, "in" | "if")
            && !before.is_some_and(|before| before.is("."))
    };
    if subject.kind == Kind::Other || after.kind == Kind::Other {
        return after.space_before;
    }
    if subject.is_comment() || after.is_comment() {
        return true;
    }
    if keyword(subject) && (after.is("(") || after.is("[")) {
        // `for x in [a, b]`, `if (cond)`: a keyword, not a call or an index.
        return true;
    }
    if subject.kind == Kind::Ident && after.is("(") {
        return false;
    }
    if subject.is(".") || after.is(".") || after.is(",") || after.is("...") {
        return false;
    }
    if subject.is(",") {
        // `f(a, b,)` and `[1, 2,]`, but `{ a = 1, }` like any other brace.
        return !(after.is(")") || after.is("]"));
    }
    if after.is("[")
        && (matches!(subject.kind, Kind::Ident | Kind::Number | Kind::Literal)
            || subject.bracket() < 0)
    {
        return false;
    }
    if subject.is("-") {
        // A minus after an operator, a separator, an opening bracket or nothing is a negation.
        let negation =
            before.is_none_or(|before| before.kind == Kind::Punct && before.bracket() >= 0);
        return !negation;
    }
    if subject.is("{") || after.is("}") {
        return !(subject.is("{") && after.is("}"));
    }
    if subject.bracket() > 0 || after.bracket() < 0 || subject.is("!") {
        return false;
    }
    true
}

/// Pads the keys of each group of consecutive `key = value` lines so that their `=` line up.
fn align_keys(items: &mut [Option<Line<'_>>]) {
    for group in items.split_mut(|item| item.as_ref().is_none_or(|line| line.key_len.is_none())) {
        let width = |line: &Line<'_>| {
            line.key_len
                .map_or(0, |len| line.code[..len].chars().count())
        };
        let max = group.iter().flatten().map(width).max().unwrap_or(0);
        for line in group.iter_mut().flatten() {
            let pad = max - width(line);
            if let Some(len) = line.key_len {
                line.code.insert_str(len, &" ".repeat(pad));
            }
        }
    }
}

/// The column (in characters) of the trailing comment of every line that is part of a run of
/// consecutive balanced lines with trailing comments: one space after the longest line of the run.
fn comment_columns(items: &[Option<Line<'_>>]) -> Vec<Option<usize>> {
    let aligned = |item: &Option<Line<'_>>| {
        item.as_ref()
            .is_some_and(|line| line.balanced && line.comment.is_some())
    };
    let width = |line: &Line<'_>| line.indent * 2 + line.code.chars().count();
    let mut columns = vec![None; items.len()];
    let mut start = 0;
    while start < items.len() {
        let end = start
            + items[start..]
                .iter()
                .take_while(|item| aligned(item))
                .count();
        let column = items[start..end]
            .iter()
            .flatten()
            .map(width)
            .max()
            .map(|w| w + 1);
        for slot in &mut columns[start..end] {
            *slot = column;
        }
        start = end + 1;
    }
    columns
}

/// Refuses output that does not parse or whose text differs from the input in more than
/// whitespace: the file is then better left alone.
fn check_output(source: &str, output: &str) -> Result<(), FormatError> {
    let significant = |text: &str| {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    if significant(source) != significant(output) {
        return Err(FormatError::Internal {
            message: "the formatted text differs from the original in more than whitespace"
                .to_owned(),
        });
    }
    parse_body(output).map_err(|error| FormatError::Internal {
        message: format!(
            "the formatted text does not parse at {}:{}: {}",
            error.location().line(),
            error.location().column(),
            error.message()
        ),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats `input`, compares with `expected`, and checks that formatting again changes nothing.
    #[track_caller]
    fn check(input: &str, expected: &str) {
        let formatted = format_source(input).unwrap();
        assert_eq!(
            formatted, expected,
            "\n--- got ---\n{formatted}--- expected ---\n{expected}"
        );
        let again = format_source(&formatted).unwrap();
        assert_eq!(again, formatted, "formatting is not idempotent");
    }

    #[test]
    fn indents_blocks_two_spaces() {
        check(
            "resource \"a\" \"b\" {\nx = 1\n      lifecycle {\n prevent_destroy = true\n        }\n}\n",
            "resource \"a\" \"b\" {\n  x = 1\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
        );
    }

    #[test]
    fn aligns_equals_in_a_group_of_attributes() {
        check(
            "locals {\n  a = 1\n  long_name = 2\n  mid_ = 3\n}\n",
            "locals {\n  a         = 1\n  long_name = 2\n  mid_      = 3\n}\n",
        );
    }

    #[test]
    fn blank_line_comment_line_and_block_end_an_alignment_group() {
        check(
            "locals {\n  a = 1\n  bb = 2\n\n  ccc = 3\n  # note\n  dddd = 4\n  e = 5\n  f { x = 1 }\n  gg = 6\n}\n",
            "locals {\n  a  = 1\n  bb = 2\n\n  ccc = 3\n  # note\n  dddd = 4\n  e    = 5\n  f { x = 1 }\n  gg = 6\n}\n",
        );
    }

    #[test]
    fn multi_line_value_ends_an_alignment_group() {
        check(
            "resource \"a\" \"b\" {\n  cluster_id = 1\n  version = 2\n  values = {\n    basic = { cluster_ip = \"x\" }\n    flavor = { replicas = 2 }\n  }\n  n = 1\n}\n",
            "resource \"a\" \"b\" {\n  cluster_id = 1\n  version    = 2\n  values = {\n    basic  = { cluster_ip = \"x\" }\n    flavor = { replicas = 2 }\n  }\n  n = 1\n}\n",
        );
    }

    #[test]
    fn normalises_spacing_between_tokens() {
        check(
            "x={a=1,b=[1,2 , 3 , ]}\ny = f( a , b... )\nz = var . a [ 0 ]\nw = - 1 + 2 -3\nv = ! true\nu = {   }\nt=a?b:c\n",
            "x = { a = 1, b = [1, 2, 3,] }\ny = f(a, b...)\nz = var.a[0]\nw = -1 + 2 - 3\nv = !true\nu = {}\nt = a ? b : c\n",
        );
    }

    #[test]
    fn keeps_space_after_keywords_of_for_expressions() {
        check(
            "x = [for v in [1, 2]: v if(v > 1)]\ny = {for k, v in var.m : k => v...}\n",
            "x = [for v in [1, 2] : v if (v > 1)]\ny = { for k, v in var.m : k => v... }\n",
        );
    }

    #[test]
    fn string_and_template_contents_are_untouched() {
        check(
            "x = \"a  =  b # not a comment ${ var.x }  \"\ny=\"${join(\",\",  var.l)}\"\n",
            "x = \"a  =  b # not a comment ${ var.x }  \"\ny = \"${join(\",\",  var.l)}\"\n",
        );
    }

    #[test]
    fn heredoc_contents_are_untouched() {
        check(
            "locals {\nx = <<EOT\n  keep   this  \n# and this\nEOT\n      y = 1\n}\n",
            "locals {\n  x = <<EOT\n  keep   this  \n# and this\nEOT\n  y = 1\n}\n",
        );
    }

    #[test]
    fn collapses_blank_lines_and_trims_trailing_whitespace() {
        check(
            "\n\nlocals {   \n\n\n  a = 1   \n\n\n\n  b = 2\n\n}\n\n\n\nlocals {}\n\n",
            "locals {\n  a = 1\n\n  b = 2\n}\n\nlocals {}\n",
        );
    }

    #[test]
    fn crlf_becomes_lf_and_a_final_newline_is_added() {
        check("locals {\r\n  a = 1\r\n}", "locals {\n  a = 1\n}\n");
    }

    #[test]
    fn keeps_every_kind_of_comment_in_place() {
        check(
            "# head\n// slashes\n/* block\n   comment   \n*/\nlocals { # open\n  a = 1 # one\n  // own line\n  b = /* inline */ 2\n} # close\n",
            "# head\n// slashes\n/* block\n   comment\n*/\nlocals { # open\n  a = 1 # one\n  // own line\n  b = /* inline */ 2\n} # close\n",
        );
    }

    #[test]
    fn aligns_trailing_comments_of_consecutive_lines() {
        check(
            "provider \"huaweicloud\" {\n  region = \"cn-north-4\" # region\n  project_id = var.project_id # project\n  sandbox = true\n}\n",
            "provider \"huaweicloud\" {\n  region     = \"cn-north-4\"   # region\n  project_id = var.project_id # project\n  sandbox    = true\n}\n",
        );
    }

    #[test]
    fn brackets_opened_on_one_line_indent_once() {
        check(
            "x = [{\na = 1\n}, {\nb = 2\n}]\ny = merge(\nlocal.a,\n{\nc = 3\n},\n)\n",
            "x = [{\n  a = 1\n}, {\n  b = 2\n}]\ny = merge(\n  local.a,\n  {\n    c = 3\n  },\n)\n",
        );
    }

    #[test]
    fn lists_of_objects_are_indented_per_level() {
        check(
            "x = [\n{\nname = \"a\"\nport = 80\n},\n{ name = \"b\", port = 81 },\n]\n",
            "x = [\n  {\n    name = \"a\"\n    port = 80\n  },\n  { name = \"b\", port = 81 },\n]\n",
        );
    }

    #[test]
    fn no_blank_line_after_opening_or_before_closing_bracket() {
        check(
            "locals {\n\n  a = [\n\n    1,\n\n  ]\n\n}\n",
            "locals {\n  a = [\n    1,\n  ]\n}\n",
        );
    }

    #[test]
    fn empty_and_comment_only_files() {
        check("", "");
        check("\n\n  \n", "");
        check("  # only a comment   \n\n", "# only a comment\n");
    }

    #[test]
    fn syntax_error_reports_line_and_column() {
        let error = format_source("locals {\n  a = = 1\n}\n").unwrap_err();
        let FormatError::Syntax {
            line,
            column,
            message,
            source_line,
        } = &error
        else {
            panic!("expected a syntax error, got {error:?}");
        };
        assert_eq!((*line, *column), (2, 7));
        assert!(!message.is_empty());
        assert_eq!(source_line, "  a = = 1");
        assert_eq!(error.to_string(), format!("2:7: {message}"));
    }

    #[test]
    fn unclosed_block_is_a_syntax_error() {
        assert!(matches!(
            format_source("locals {\n  a = 1\n"),
            Err(FormatError::Syntax { .. })
        ));
    }

    #[test]
    fn unknown_characters_keep_their_spacing() {
        // Text the parser accepted but the lexer does not know is never glued to or torn from
        // its neighbours.
        let lines = lex("x=a §b @ c\n", Vec::new());
        assert_eq!(layout(&lines), "x = a §b @ c\n");
    }

    #[test]
    fn lexes_numbers_with_fraction_and_exponent() {
        assert_eq!(number_len("1.5e+3,"), 6);
        assert_eq!(number_len("10.b"), 2);
        assert_eq!(number_len("2e"), 1);
    }
}
