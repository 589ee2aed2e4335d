//! The in-memory job table behind the batch status endpoint: seeded jobs, submitted jobs and
//! per-job request counters. It decides a job's state; the HTTP layer only formats it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use fireworks_ai::audio_batch::{BatchJobStatus, BatchStatus};

/// When a job stops being `processing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// The first `n` successful polls answer `processing`; poll `n + 1` and later answer the
    /// final state.
    AfterPolls(u32),
    /// Polls answer `processing` until this much time has passed since the job was created.
    AfterTime(Duration),
    /// The job never leaves `processing`.
    Never,
}

/// A batch job to seed into the emulator with [`crate::RunningEmulator::seed_job`].
///
/// ```
/// use fireworks_ai_emulator::Job;
/// let job = Job::completes_after(3).with_result("application/json", r#"{"text":"hi"}"#);
/// # let _ = job;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    completion: Completion,
    final_status: String,
    processing_message: Option<String>,
    final_message: Option<String>,
    content_type: Option<String>,
    body: Option<String>,
}

impl Job {
    /// A job that answers `processing` for `polls` polls and then `completed` (without a body
    /// until [`Job::with_result`] adds one).
    pub fn completes_after(polls: u32) -> Self {
        Self::with_completion(Completion::AfterPolls(polls))
    }

    /// A job that answers `processing` until `time` has passed since it was seeded.
    pub fn completes_after_time(time: Duration) -> Self {
        Self::with_completion(Completion::AfterTime(time))
    }

    /// A job that is `processing` forever.
    pub fn never_completes() -> Self {
        Self::with_completion(Completion::Never)
    }

    /// A job with the given completion rule.
    pub fn with_completion(completion: Completion) -> Self {
        Self {
            completion,
            final_status: "completed".to_owned(),
            processing_message: Some("Request is being processed".to_owned()),
            final_message: None,
            content_type: None,
            body: None,
        }
    }

    /// The result served once the job is complete: the backend's content type and body.
    pub fn with_result(mut self, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self.body = Some(body.into());
        self
    }

    /// The final `status` value instead of `completed` (for example an undocumented `failed`),
    /// to test how clients treat values the spec does not list.
    pub fn with_final_status(mut self, status: impl Into<String>) -> Self {
        self.final_status = status.into();
        self
    }

    /// The `message` served while processing (default "Request is being processed"); `None`
    /// leaves the field out.
    pub fn with_processing_message(mut self, message: Option<String>) -> Self {
        self.processing_message = message;
        self
    }

    /// The `message` served in the final state (default: none).
    pub fn with_final_message(mut self, message: impl Into<String>) -> Self {
        self.final_message = Some(message.into());
        self
    }

    /// The response for `batch_id` after `polls` earlier successful polls of a job created at
    /// `created`.
    fn status(&self, batch_id: &str, polls: u32, created: Instant) -> BatchStatus {
        let done = match self.completion {
            Completion::AfterPolls(n) => polls >= n,
            Completion::AfterTime(time) => created.elapsed() >= time,
            Completion::Never => false,
        };
        if !done {
            let mut status = BatchStatus::new(BatchJobStatus::Processing, batch_id);
            status.message.clone_from(&self.processing_message);
            return status;
        }
        let mut status =
            BatchStatus::new(BatchJobStatus::from(self.final_status.as_str()), batch_id);
        status.message.clone_from(&self.final_message);
        status.content_type.clone_from(&self.content_type);
        status.body.clone_from(&self.body);
        status
    }
}

/// One seeded or submitted job with its poll counter.
#[derive(Debug)]
struct Entry {
    job: Job,
    polls: u32,
    created: Instant,
}

type Key = (String, String);

/// Jobs by `(account_id, batch_id)`, plus how many status requests each pair received.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    jobs: Mutex<HashMap<Key, Entry>>,
    requests: Mutex<HashMap<Key, u32>>,
}

/// Locks a mutex, carrying on after a panic elsewhere: the tables stay consistent because every
/// update is a single insert or increment.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Jobs {
    /// Adds or replaces a job; its poll counter starts at zero.
    pub(crate) fn insert(&self, account_id: &str, batch_id: &str, job: Job) {
        let entry = Entry {
            job,
            polls: 0,
            created: Instant::now(),
        };
        lock(&self.jobs).insert((account_id.to_owned(), batch_id.to_owned()), entry);
    }

    /// Counts one status request for the pair, whatever its outcome.
    pub(crate) fn count_request(&self, account_id: &str, batch_id: &str) {
        *lock(&self.requests)
            .entry((account_id.to_owned(), batch_id.to_owned()))
            .or_insert(0) += 1;
    }

    /// How many status requests the pair received.
    pub(crate) fn requests(&self, account_id: &str, batch_id: &str) -> u32 {
        lock(&self.requests)
            .get(&(account_id.to_owned(), batch_id.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Serves one successful poll: the job's current state, then advances its counter.
    /// `None` when the job is unknown.
    pub(crate) fn poll(&self, account_id: &str, batch_id: &str) -> Option<BatchStatus> {
        let mut jobs = lock(&self.jobs);
        let entry = jobs.get_mut(&(account_id.to_owned(), batch_id.to_owned()))?;
        let status = entry.job.status(batch_id, entry.polls, entry.created);
        entry.polls = entry.polls.saturating_add(1);
        Some(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_after_counts_successful_polls() {
        let jobs = Jobs::default();
        jobs.insert(
            "a",
            "b",
            Job::completes_after(2).with_result("text/plain", "hi"),
        );
        let states: Vec<_> = (0..4)
            .map(|_| jobs.poll("a", "b").map(|s| s.status.as_str().to_owned()))
            .collect();
        assert_eq!(
            states,
            [
                Some("processing".to_owned()),
                Some("processing".to_owned()),
                Some("completed".to_owned()),
                Some("completed".to_owned())
            ]
        );
        assert_eq!(jobs.poll("a", "other"), None);
    }

    #[test]
    fn final_state_carries_result_and_custom_status() {
        let jobs = Jobs::default();
        jobs.insert(
            "a",
            "b",
            Job::completes_after(0)
                .with_result("x/y", "raw")
                .with_final_status("failed"),
        );
        let status = jobs
            .poll("a", "b")
            .map(|s| (s.status, s.content_type, s.body, s.message));
        assert_eq!(
            status,
            Some((
                BatchJobStatus::Unknown("failed".to_owned()),
                Some("x/y".to_owned()),
                Some("raw".to_owned()),
                None
            ))
        );
    }

    #[test]
    fn never_completes_stays_processing() {
        let jobs = Jobs::default();
        jobs.insert("a", "b", Job::never_completes());
        for _ in 0..5 {
            assert_eq!(
                jobs.poll("a", "b").map(|s| s.status),
                Some(BatchJobStatus::Processing)
            );
        }
    }
}
