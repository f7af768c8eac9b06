//! The sequential model of a held job and its print task under the four racing requests, written from the
//! job state machine (`platen_domain::job::transition`), the task state machine (`task::task_transition`) and
//! the pull-printing preconditions (crates/platen-app/src/pull.rs, spec §2 rows 24–26 and 57):
//!
//! | request (who)              | job held, task processing | job released (`pending`), task completed | canceled | aborted | redirected |
//! |----------------------------|---------------------------|------------------------------------------|----------|---------|------------|
//! | `cancel` (user)            | 204 → canceled            | 204 → canceled                           | 204      | 409     | 409        |
//! | `abort` (task's app)       | 204 → aborted, task aborted | 403 (no processing task)               | 409      | 204     | 409        |
//! | task PATCH `completed`     | 200 → released, task completed | 200 (already completed)             | 200, task completed if still processing (job stays canceled) | 409 (task aborted) | 200 (already completed) |
//! | `redirect` (task's app)    | 200 → redirected, task completed | 403 (no processing task)            | 409      | 409     | 409        |
//!
//! Concurrent requests are correct when their answers and the final state are those of *some* order of the same
//! requests run one at a time (linearizability; the requests are fired together, so every order is allowed).
//! [`explain`] searches for such an order.
//!
//! The one leniency: a refused `redirect` or `abort` may say 403 (no processing task) or 409 (the job is no
//! longer held) when both are true, as the two checks may notice the lost race in either order — e.g. a
//! redirect that loses to an abort gets 409 or 403. An `abort` of a job the same app already aborted is always
//! 204 (a retry is not an error), and a task PATCH to the state the task is in is always 200.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `POST …/cancel` by the job's owner.
    Cancel,
    /// `POST …/abort {"reason"}` by the task's app.
    Abort,
    /// `PATCH …/tasks/{id} {"status":{"state":"completed"}}` by the task's app.
    Complete,
    /// `POST …/redirect {"destinationPrinterId"}` by the task's app.
    Redirect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `paused` + `releaseWait`.
    Held,
    /// Released by the task's completion: `pending`, `isFetchable`.
    Released,
    Canceled,
    Aborted,
    /// `completed` with `redirectedTo`.
    Redirected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    Processing,
    Completed,
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub phase: Phase,
    pub task: Task,
}

impl State {
    pub const HELD: State = State {
        phase: Phase::Held,
        task: Task::Processing,
    };

    fn with(self, phase: Phase, task: Task) -> State {
        State { phase, task }
    }

    fn job_ended(self) -> bool {
        matches!(self.phase, Phase::Canceled | Phase::Aborted | Phase::Redirected)
    }
}

/// Every (answer, next state) the server may give for `op` in state `s` when it runs alone.
pub fn answers(s: State, op: Op) -> Vec<(u16, State)> {
    use Phase::*;
    match op {
        Op::Cancel => match s.phase {
            Held | Released => vec![(204, s.with(Canceled, s.task))],
            Canceled => vec![(204, s)],
            Aborted | Redirected => vec![(409, s)],
        },
        Op::Abort => match s.phase {
            Aborted => vec![(204, s)],
            Canceled | Redirected if s.task == Task::Processing => vec![(409, s)],
            Held | Released if s.task == Task::Processing => vec![(204, s.with(Aborted, Task::Aborted))],
            // No processing task and the job is no longer held: either refusal describes it.
            Canceled | Redirected | Released => vec![(409, s), (403, s)],
            Held => vec![(403, s)],
        },
        Op::Complete => match s.task {
            Task::Processing if s.phase == Held => vec![(200, s.with(Released, Task::Completed))],
            Task::Processing => vec![(200, s.with(s.phase, Task::Completed))],
            Task::Completed => vec![(200, s)],
            Task::Aborted => vec![(409, s)],
        },
        Op::Redirect => match s.phase {
            _ if s.job_ended() && s.task == Task::Processing => vec![(409, s)],
            Held if s.task == Task::Processing => vec![(200, s.with(Redirected, Task::Completed))],
            Held => vec![(403, s)],
            // No processing task and the job is no longer held: either refusal describes it.
            _ => vec![(409, s), (403, s)],
        },
    }
}

/// An order of `calls` (indices) that, run one at a time from [`State::HELD`], gives every call its observed
/// status and ends in `end`; `None` if there is none (the answers are not linearizable).
pub fn explain(calls: &[(Op, u16)], end: State) -> Option<Vec<usize>> {
    fn dfs(s: State, calls: &[(Op, u16)], used: &mut [bool], order: &mut Vec<usize>, end: State) -> bool {
        if order.len() == calls.len() {
            return s == end;
        }
        for i in 0..calls.len() {
            if used[i] {
                continue;
            }
            let (op, status) = calls[i];
            for (answer, next) in answers(s, op) {
                if answer != status {
                    continue;
                }
                used[i] = true;
                order.push(i);
                if dfs(next, calls, used, order, end) {
                    return true;
                }
                order.pop();
                used[i] = false;
            }
        }
        false
    }
    let mut used = vec![false; calls.len()];
    let mut order = Vec::with_capacity(calls.len());
    dfs(State::HELD, calls, &mut used, &mut order, end).then_some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_explains_the_obvious_and_rejects_the_impossible() {
        use Op::*;
        let aborted = State {
            phase: Phase::Aborted,
            task: Task::Aborted,
        };
        assert!(
            explain(
                &[(Abort, 204), (Cancel, 409), (Complete, 409), (Redirect, 409)],
                aborted
            )
            .is_some()
        );
        // A released job that the abort then "aborted" although its task had completed is not explainable.
        assert!(explain(&[(Complete, 200), (Abort, 204)], aborted).is_none());
        let released = State {
            phase: Phase::Released,
            task: Task::Completed,
        };
        assert!(explain(&[(Complete, 200), (Redirect, 403), (Abort, 403)], released).is_some());
        let canceled = State {
            phase: Phase::Canceled,
            task: Task::Completed,
        };
        assert!(explain(&[(Complete, 200), (Cancel, 204)], canceled).is_some());
        assert!(explain(&[(Cancel, 204), (Complete, 200)], canceled).is_some());
        let canceled_open = State {
            phase: Phase::Canceled,
            task: Task::Processing,
        };
        assert!(explain(&[(Cancel, 204), (Complete, 409)], canceled_open).is_none());
        // A redirect or abort losing to the other may be refused either way; a repeated abort may not.
        assert!(explain(&[(Abort, 204), (Redirect, 403)], aborted).is_some());
        assert!(explain(&[(Abort, 204), (Redirect, 409)], aborted).is_some());
        let redirected = State {
            phase: Phase::Redirected,
            task: Task::Completed,
        };
        assert!(explain(&[(Redirect, 200), (Abort, 403), (Redirect, 403)], redirected).is_some());
        assert!(explain(&[(Abort, 204), (Abort, 403)], aborted).is_none());
        // A cancel leaves the task processing: a redirect or abort after it conflicts (409) only.
        assert!(explain(&[(Cancel, 204), (Redirect, 403)], canceled_open).is_none());
    }
}
