//! Many waits on one driver: [`WaitAll`] (from [`Client::wait_all`]) steps every wait's poll
//! loop (the same `Poller` a single [`Wait`] runs) from one future, with a bounded number of
//! polls in flight. An idle wait is then its poll state in a queue ordered by due time, not a
//! task with a sleeping future, and a poll's call future exists only while it is on the wire.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::{Either, select};
use futures_util::stream::{self, BoxStream, FuturesUnordered, StreamExt};

use crate::__private::BoxFuture;
use crate::client::Client;
use crate::error::Error;
use crate::retry::Clock;
use crate::wait::{Next, Poller, WaitErrorKind};
use crate::waiter::{Status, Wait, WaitStatus};

/// Waits on many resources at once from one driver; get it from [`Client::wait_all`].
///
/// Each [`Wait`] keeps its own policy, options, deadline, failed states and progress callback
/// and ends exactly as it would alone; what they share is the driver. At most
/// [`WaitAll::max_in_flight`] polls (and start calls) are in flight at once (default: the
/// client's [`crate::ClientBuilder::max_in_flight`]); a wait whose poll is due while that many
/// are on the wire polls as soon as one returns. An idle wait costs its poll state, a few
/// hundred bytes, instead of a task and a sleeping future each (see `BENCHMARKS.md`). It
/// spawns nothing: dropping it stops every wait.
///
/// ```no_run
/// # async fn run(client: &fireworks_ai::Client, ids: &[String]) -> Result<(), fireworks_ai::Error> {
/// use futures_util::StreamExt;
///
/// let waits = ids.iter().map(|id| client.batch_inference().wait_batch_inference_job(id));
/// let mut done = client.wait_all(waits).into_stream();
/// while let Some((index, result)) = done.next().await {
///     match result {
///         Ok(job) => println!("{}: {:?}", ids[index], job.state),
///         Err(err) => println!("{}: {err}", ids[index]),
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "waits do nothing until awaited or streamed"]
pub struct WaitAll<'a, T> {
    clock: Arc<dyn Clock>,
    /// Every wait, boxed as it arrives (an unboxed `Vec<Wait>` would cost its full size per
    /// wait again while the driver holds the boxes).
    slots: Vec<Slot<'a, T>>,
    max_in_flight: usize,
}

impl<T> fmt::Debug for WaitAll<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitAll")
            .field("waits", &self.slots.len())
            .field("max_in_flight", &self.max_in_flight)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// One driver for many waits (for example the generated `wait_*` of many jobs): see
    /// [`WaitAll`]. Results come back by the wait's index in `waits`.
    pub fn wait_all<'a, T, I>(&'a self, waits: I) -> WaitAll<'a, T>
    where
        T: WaitStatus + Send + 'a,
        I: IntoIterator<Item = Wait<'a, T>>,
    {
        WaitAll {
            clock: self.inner().clock_arc(),
            slots: waits
                .into_iter()
                .map(|wait| Slot::Waiting(Box::new(wait)))
                .collect(),
            max_in_flight: self.inner().config().max_in_flight,
        }
    }
}

impl<'a, T: WaitStatus + Send + 'a> WaitAll<'a, T> {
    /// How many polls (and start calls) may be in flight at once; `0` counts as 1. The
    /// client's own per-server limit still applies on top.
    pub fn max_in_flight(mut self, polls: usize) -> Self {
        self.max_in_flight = polls.max(1);
        self
    }

    /// Each wait's result as it ends, with its index in the input: the done status, or the
    /// error that ended it.
    pub fn into_stream(self) -> BoxStream<'a, (usize, Result<T, Error>)> {
        let driver = Driver {
            slots: self.slots,
            due: BinaryHeap::new(),
            in_flight: FuturesUnordered::new(),
            clock: self.clock,
            max_in_flight: self.max_in_flight,
        };
        let mut driver = driver;
        let now = driver.clock.now();
        driver
            .due
            .extend((0..driver.slots.len()).map(|i| Reverse((now, i))));
        Box::pin(stream::unfold(driver, |mut driver| async move {
            let item = driver.next().await?;
            Some((item, driver))
        }))
    }

    /// Every wait's result, in input order.
    pub async fn wait(self) -> Vec<Result<T, Error>> {
        let count = self.slots.len();
        let mut results: Vec<Option<Result<T, Error>>> = (0..count).map(|_| None).collect();
        let mut done = self.into_stream();
        while let Some((index, result)) = done.next().await {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
        results.into_iter().flatten().collect()
    }
}

impl<'a, T: WaitStatus + Send + 'a> IntoFuture for WaitAll<'a, T> {
    type Output = Vec<Result<T, Error>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// One wait's place in the driver.
enum Slot<'a, T> {
    /// Not started: its start call (if any) and first poll are still to come.
    Waiting(Box<Wait<'a, T>>),
    /// Between polls.
    Idle(Box<Poller<'a, Status<T>>>),
    /// Its start call or a poll is in flight.
    Busy,
    /// Ended; its result has been yielded.
    Done,
}

/// What an in-flight step gives back.
enum Step<'a, T> {
    Started(Result<Box<Poller<'a, Status<T>>>, Error>),
    Polled(Box<Poller<'a, Status<T>>>, Option<Result<Status<T>, Error>>),
}

struct Driver<'a, T> {
    slots: Vec<Slot<'a, T>>,
    /// Waits whose next step is due, earliest first.
    due: BinaryHeap<Reverse<(Instant, usize)>>,
    in_flight: FuturesUnordered<BoxFuture<'a, (usize, Step<'a, T>)>>,
    clock: Arc<dyn Clock>,
    max_in_flight: usize,
}

impl<'a, T: WaitStatus + Send + 'a> Driver<'a, T> {
    /// The next wait to end, or `None` when all have.
    async fn next(&mut self) -> Option<(usize, Result<T, Error>)> {
        loop {
            let now = self.clock.now();
            while self.in_flight.len() < self.max_in_flight {
                match self.due.peek() {
                    Some(Reverse((at, index))) if *at <= now => {
                        let index = *index;
                        self.due.pop();
                        self.launch(index);
                    }
                    _ => break,
                }
            }
            if self.in_flight.is_empty() && self.due.is_empty() {
                return None;
            }
            // With room for another step, also wake when the next one falls due.
            let wake = (self.in_flight.len() < self.max_in_flight)
                .then(|| self.due.peek().map(|Reverse((at, _))| *at))
                .flatten()
                .map(|at| at.saturating_duration_since(now));
            let step = match (self.in_flight.is_empty(), wake) {
                (true, Some(delay)) => {
                    self.clock.sleep(delay).await;
                    continue;
                }
                (false, Some(delay)) => {
                    match select(self.in_flight.next(), self.clock.sleep(delay)).await {
                        Either::Left((Some(step), _)) => step,
                        Either::Left((None, _)) | Either::Right(_) => continue,
                    }
                }
                (_, None) => match self.in_flight.next().await {
                    Some(step) => step,
                    None => continue,
                },
            };
            if let Some(ended) = self.settle(step) {
                return Some(ended);
            }
        }
    }

    /// Puts wait `index`'s next step (its start, or a poll) in flight.
    fn launch(&mut self, index: usize) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        match std::mem::replace(slot, Slot::Busy) {
            Slot::Waiting(wait) => self.in_flight.push(Box::pin(async move {
                (index, Step::Started(wait.into_poller().await.map(Box::new)))
            })),
            Slot::Idle(mut poller) => self.in_flight.push(Box::pin(async move {
                let item = poller.poll().await;
                (index, Step::Polled(poller, item))
            })),
            other => *slot = other,
        }
    }

    /// Records a finished step: schedules the wait's next poll, or returns its result if it
    /// has ended.
    fn settle(&mut self, (index, step): (usize, Step<'a, T>)) -> Option<(usize, Result<T, Error>)> {
        let (mut poller, status) = match step {
            Step::Started(Ok(poller)) => (poller, None),
            Step::Polled(poller, Some(Ok(status))) => (poller, Some(status)),
            Step::Polled(poller, None) => (poller, None),
            Step::Started(Err(err)) | Step::Polled(_, Some(Err(err))) => {
                return self.end(index, Err(err));
            }
        };
        match poller.schedule() {
            Next::Poll(delay) => {
                if let Some(slot) = self.slots.get_mut(index) {
                    *slot = Slot::Idle(poller);
                }
                self.due.push(Reverse((self.clock.now() + delay, index)));
                None
            }
            Next::End(Some(Err(err))) => self.end(index, Err(err)),
            Next::End(_) => match status {
                Some(status) => self.end(index, Ok(status.0)),
                // A poller ends without an error only after a done status.
                None => {
                    let err = poller.finish(WaitErrorKind::NoResult);
                    self.end(index, Err(err))
                }
            },
        }
    }

    fn end(&mut self, index: usize, result: Result<T, Error>) -> Option<(usize, Result<T, Error>)> {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Slot::Done;
        }
        Some((index, result))
    }
}
