//! Diagnostics: what went wrong, where, rendered as code frames.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
    /// The configuration can be used, but something looks wrong.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a source file: file name as given, 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as it was given to the loader (e.g. `main.hcl`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem found in a configuration, with its place and the offending source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    severity: Severity,
    message: String,
    place: Option<Place>,
    hint: Option<String>,
    note: Option<String>,
    /// Whether the source line is left out of the code frame: the line holds a sensitive value
    /// (a variables file's line for a sensitive variable). The place is still given.
    source_hidden: bool,
}

/// Where a diagnostic points, in a file it shares with the configuration's [`SourceMap`]:
/// byte offsets, from which the line, column, source line and underline are computed when the
/// diagnostic is read or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// A range of bytes.
    Range {
        file: Arc<SourceFile>,
        range: Range<usize>,
    },
    /// A line and column as the parser reported them (a syntax error); underlined with one caret.
    LineColumn {
        file: Arc<SourceFile>,
        line: usize,
        column: usize,
    },
}

impl Place {
    fn file(&self) -> &SourceFile {
        match self {
            Place::Range { file, .. } | Place::LineColumn { file, .. } => file,
        }
    }

    /// 1-based line and column.
    fn line_col(&self) -> (usize, usize) {
        match self {
            Place::Range { file, range } => file.line_col(range.start),
            Place::LineColumn { line, column, .. } => (*line, *column),
        }
    }

    fn location(&self) -> Location {
        let (line, column) = self.line_col();
        Location {
            file: self.file().name.clone(),
            line,
            column,
        }
    }

    /// The whole line the place starts on.
    fn source_line(&self) -> &str {
        self.file().line_text(self.line_col().0)
    }

    /// How many characters to underline: the range's, on its first line, at least 1.
    fn width(&self) -> usize {
        match self {
            Place::LineColumn { .. } => 1,
            Place::Range { file, range } => {
                let (_, column) = file.line_col(range.start);
                let available = self
                    .source_line()
                    .chars()
                    .count()
                    .saturating_sub(column - 1);
                let wanted = file
                    .text
                    .get(range.start..range.end.max(range.start).min(file.text.len()))
                    .map_or(1, |s| s.lines().next().map_or(1, |l| l.chars().count()));
                wanted.min(available).max(1)
            }
        }
    }
}

impl Diagnostic {
    /// An error without a place in a source file (e.g. a file that cannot be read).
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            place: None,
            hint: None,
            note: None,
            source_hidden: false,
        }
    }

    /// Turns this diagnostic into a warning.
    #[must_use]
    pub fn into_warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    /// Adds a hint: the clear next step for the user.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a note: more context about the problem.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    /// Sets the hint of a diagnostic already recorded.
    pub(crate) fn set_hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into());
    }

    /// Sets the note of a diagnostic already recorded.
    /// Leaves the source line out (it holds a sensitive value); its place is still given.
    pub(crate) fn hide_source(&mut self) {
        self.source_hidden = true;
    }

    pub(crate) fn set_note(&mut self, note: impl Into<String>) {
        self.note = Some(note.into());
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The message, lowercase, without trailing period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the problem is, when it is in a source file.
    pub fn location(&self) -> Option<Location> {
        self.place.as_ref().map(Place::location)
    }

    /// The file name, when the problem is in a source file.
    pub fn file(&self) -> Option<&str> {
        self.place.as_ref().map(|p| p.file().name())
    }

    /// 1-based line, when the problem is in a source file.
    pub fn line(&self) -> Option<usize> {
        self.place.as_ref().map(|p| p.line_col().0)
    }

    /// 1-based column, when the problem is in a source file.
    pub fn column(&self) -> Option<usize> {
        self.place.as_ref().map(|p| p.line_col().1)
    }

    /// The whole source line the problem is on.
    pub fn source_line(&self) -> Option<&str> {
        if self.source_hidden {
            return None;
        }
        self.place.as_ref().map(Place::source_line)
    }

    /// How many characters from the column are underlined (at least 1).
    pub fn width(&self) -> usize {
        self.place.as_ref().map_or(1, Place::width)
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The note, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity, self.message)?;
        let location = self.location();
        let gutter = location.as_ref().map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(location) = &location {
            writeln!(f, "{pad}--> {location}")?;
            if let Some(line) = self.source_line() {
                let prefix: String = line
                    .chars()
                    .take(location.column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", location.line, line.trim_end())?;
                writeln!(f, "{pad} | {prefix}{}", "^".repeat(self.width()))?;
            }
        }
        if let Some(note) = &self.note {
            writeln!(f, "{pad} = note: {note}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// All the problems of one run, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Appends one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Appends one diagnostic and returns it, to add a hint or note.
    pub(crate) fn push_mut(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        self.items.push(diagnostic);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Drops the diagnostics after the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// Removes repeated diagnostics (same place and message), keeping the first.
    pub(crate) fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.items
            .retain(|d| seen.insert((d.location(), d.message.clone())));
    }

    /// Appends all diagnostics of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Whether at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether there is no diagnostic at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The diagnostics, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// `Ok(value)` when there is no error, else `Err(self)`.
    pub(crate) fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(value)
        }
    }

    /// Sorts by file, line and column, keeping the order of diagnostics at the same place.
    pub(crate) fn sort(&mut self) {
        // A stable sort: diagnostics at one place keep their order.
        self.items.sort_by_cached_key(Diagnostic::location);
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        Diagnostics {
            items: vec![diagnostic],
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// One source file of a configuration, as the [`SourceMap`] that holds it names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(u32);

impl FileId {
    /// Its position in the source map.
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// The source files of a configuration, each named by a [`FileId`]: expressions and blocks keep
/// a file and byte offsets, and this turns them into lines and columns when a diagnostic or a
/// location is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SourceMap {
    /// Shared with the diagnostics that point into them.
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// Adds a file; answers its id.
    pub(crate) fn add(&mut self, file: SourceFile) -> FileId {
        // Four billion files do not fit in memory: the conversion cannot fail in practice.
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(Arc::new(file));
        id
    }

    /// The file `id` names.
    pub(crate) fn get(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id.index()]
    }

    /// Every file, in the order they were added.
    pub(crate) fn files(&self) -> &[Arc<SourceFile>] {
        &self.files
    }

    /// The line and column of byte `offset` of file `id`.
    pub(crate) fn location(&self, id: FileId, offset: usize) -> Location {
        self.get(id).location(offset)
    }

    /// An error at `range` of file `id`.
    pub(crate) fn error(
        &self,
        id: FileId,
        range: &Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.get(id).error(range, message)
    }
}

/// One source file of a configuration: a name for messages and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A source file named `name` (shown in diagnostics) with contents `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The name shown in diagnostics.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    pub(crate) fn location(&self, offset: usize) -> Location {
        let (line, column) = self.line_col(offset);
        Location {
            file: self.name.clone(),
            line,
            column,
        }
    }

    /// An error at `range` of this file.
    pub(crate) fn error(
        self: &Arc<Self>,
        range: &Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            place: Some(Place::Range {
                file: Arc::clone(self),
                range: range.clone(),
            }),
            hint: None,
            note: None,
            source_hidden: false,
        }
    }

    /// An error at a line and column given by the parser.
    pub(crate) fn error_at_line_col(
        self: &Arc<Self>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            place: Some(Place::LineColumn {
                file: Arc::clone(self),
                line: line.clamp(1, self.line_starts.len()),
                column: column.max(1),
            }),
            hint: None,
            note: None,
            source_hidden: false,
        }
    }
}

/// Where a path came from, for messages about files.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_code_frame_with_hint() {
        let text = "resource \"huaweicloud_cce_addon\" \"coredns\" {\n".to_owned()
            + &"\n".repeat(10)
            + "  verison = \"1.28.6\"\n}\n";
        let source = Arc::new(SourceFile::new("main.hcl", text.clone()));
        let start = text.find("verison").unwrap();
        let diagnostic = source
            .error(
                &(start..start + 7),
                "unknown attribute `verison` in resource `huaweicloud_cce_addon.coredns`",
            )
            .with_hint("did you mean `version`?");
        assert_eq!(
            diagnostic.to_string(),
            "error: unknown attribute `verison` in resource `huaweicloud_cce_addon.coredns`\n  --> main.hcl:12:3\n   |\n12 |   verison = \"1.28.6\"\n   |   ^^^^^^^\n   = hint: did you mean `version`?\n"
        );
        assert_eq!(
            (diagnostic.line(), diagnostic.column(), diagnostic.width()),
            (Some(12), Some(3), 7)
        );
    }

    #[test]
    fn a_source_map_names_each_file_by_its_id() {
        let mut map = SourceMap::default();
        let main = map.add(SourceFile::new("main.hcl", "a = 1\n"));
        let vars = map.add(SourceFile::new("plinth.vars", "x = 1\ny = 2\n"));
        assert_ne!(main, vars);
        assert_eq!(map.get(vars).name(), "plinth.vars");
        assert_eq!(map.location(vars, 6).to_string(), "plinth.vars:2:1");
        assert_eq!(map.location(main, 4).to_string(), "main.hcl:1:5");
        assert_eq!(
            map.files().iter().map(|f| f.name()).collect::<Vec<_>>(),
            ["main.hcl", "plinth.vars"]
        );
    }

    #[test]
    fn columns_count_characters_and_carets_stay_on_the_line() {
        let source = Arc::new(SourceFile::new("x.hcl", "a = \"é\" + b\nnext\n"));
        let diagnostic = source.error(&(11..100), "m");
        assert_eq!(diagnostic.column(), Some(11));
        assert_eq!(diagnostic.width(), 1);
        assert_eq!(source.line_col(source.text().len()), (3, 1));
    }
}
