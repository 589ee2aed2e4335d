//! Located spec diagnostics: `SpecError` (one problem), `SpecErrors` (all of them, sorted) and the
//! internal collector the checks report into. Nothing here looks at the spec itself.

use std::fmt;

/// A 1-based position in a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Location {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Location {
    /// The start of the file, used only when the parser recorded no position at all.
    pub(crate) const START: Location = Location { line: 1, column: 1 };

    /// Converts a parser location; `None` when the parser recorded no position.
    pub(crate) fn from_yaml(location: serde_saphyr::Location) -> Option<Location> {
        let line = u32::try_from(location.line()).ok()?;
        let column = u32::try_from(location.column()).ok()?;
        (line > 0 && column > 0).then_some(Location { line, column })
    }

    /// Converts a parser location, falling back to the nearest ancestor's position.
    pub(crate) fn or(location: serde_saphyr::Location, ancestor: Location) -> Location {
        Location::from_yaml(location).unwrap_or(ancestor)
    }
}

/// One problem in a spec, with the file, line and column where it was found.
///
/// `Display` renders it as `path:line:column: message`, followed by indented `help:` and `note:`
/// lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpecError {
    path: String,
    line: u32,
    column: u32,
    message: String,
    help: Option<String>,
    notes: Vec<String>,
}

impl SpecError {
    pub(crate) fn new(path: &str, location: Location, message: impl Into<String>) -> SpecError {
        SpecError {
            path: path.to_owned(),
            line: location.line,
            column: location.column,
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub(crate) fn set_help(&mut self, help: String) {
        self.help = Some(help);
    }

    /// The spec path as the user wrote it (never made absolute).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 1-based line of the offending node.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column of the offending node.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The message: lowercase, no trailing full stop, names in backticks.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A suggestion for fixing the problem, if there is one.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Extra context lines.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn sort_key(&self) -> (u32, u32, &str) {
        (self.line, self.column, &self.message)
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one spec, sorted by position and deduplicated. Never empty when returned
/// by [`crate::generate`].
///
/// `Display` renders each error on its own line (plus its help and note lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors {
    errors: Vec<SpecError>,
}

impl SpecErrors {
    fn from_vec(mut errors: Vec<SpecError>) -> SpecErrors {
        errors.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        errors.dedup();
        SpecErrors { errors }
    }

    /// Appends another spec's errors after these (each spec's errors stay in position order).
    pub(crate) fn extend(&mut self, other: SpecErrors) {
        self.errors.extend(other.errors);
    }

    /// Iterates over the errors in position order.
    pub fn iter(&self) -> std::slice::Iter<'_, SpecError> {
        self.errors.iter()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are no errors (never true for a value returned by [`crate::generate`]).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl IntoIterator for SpecErrors {
    type Item = SpecError;
    type IntoIter = std::vec::IntoIter<SpecError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a SpecErrors {
    type Item = &'a SpecError;
    type IntoIter = std::slice::Iter<'a, SpecError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// The collector every check reports into; it knows the display path so checks only give
/// positions and wording.
pub(crate) struct Diags {
    path: String,
    errors: Vec<SpecError>,
}

impl Diags {
    pub(crate) fn new(path: &str) -> Diags {
        Diags {
            path: path.to_owned(),
            errors: Vec::new(),
        }
    }

    /// Records an error made elsewhere (by the parser).
    pub(crate) fn push(&mut self, error: SpecError) {
        self.errors.push(error);
    }

    /// Records an error and returns it so the caller can attach help and notes.
    pub(crate) fn error(&mut self, location: Location, message: impl Into<String>) -> Report<'_> {
        let error = SpecError::new(&self.path, location, message);
        self.errors.push(error);
        Report {
            error: self.errors.last_mut(),
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Finishes collection: `Err` with every error, sorted, when anything was reported.
    pub(crate) fn finish(self) -> Result<(), SpecErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors::from_vec(self.errors))
        }
    }

    /// Wraps the errors collected so far, sorted (used when stopping early).
    pub(crate) fn into_errors(self) -> SpecErrors {
        SpecErrors::from_vec(self.errors)
    }
}

/// A just-recorded error, to which help and notes can be attached.
pub(crate) struct Report<'a> {
    error: Option<&'a mut SpecError>,
}

impl Report<'_> {
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(error) = self.error.as_deref_mut() {
            error.help = Some(help.into());
        }
        self
    }

    pub(crate) fn help_opt(self, help: Option<String>) -> Self {
        match help {
            Some(help) => self.help(help),
            None => self,
        }
    }

    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        if let Some(error) = self.error.as_deref_mut() {
            error.notes.push(note.into());
        }
        self
    }
}

/// "Did you mean" for a misspelt name: the closest candidate by Jaro-Winkler similarity, if it is
/// close enough to be a plausible typo.
pub(crate) fn suggest<'a, I>(wrong: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&wrong.to_lowercase(), &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| format!("did you mean `{name}`?"))
}

/// Renders a small closed set of names as "`a`, `b` or `c`".
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
