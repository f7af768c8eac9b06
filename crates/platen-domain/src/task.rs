//! The print task state machine (`printTaskProcessingState`): a task is created `processing` by a trigger and
//! ends `completed` (released by its app, or redirected) or `aborted`. Ended tasks never change again.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskState {
    Pending,
    Processing,
    Completed,
    Aborted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskTransition {
    To(TaskState),
    /// Setting the state the task already ended in (an SDK retry of the same PATCH).
    AlreadyDone,
    /// The task already ended in another state.
    Refused(TaskState),
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::Pending,
        TaskState::Processing,
        TaskState::Completed,
        TaskState::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Processing => "processing",
            TaskState::Completed => "completed",
            TaskState::Aborted => "aborted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, TaskState::Completed | TaskState::Aborted)
    }
}

/// THE table.
pub fn task_transition(from: TaskState, to: TaskState) -> TaskTransition {
    use TaskState::*;
    match (from, to) {
        (Pending | Processing, Processing) => TaskTransition::To(Processing),
        (Pending | Processing, Completed) => TaskTransition::To(Completed),
        (Pending | Processing, Aborted) => TaskTransition::To(Aborted),
        (Pending, Pending) => TaskTransition::AlreadyDone,
        (Processing, Pending) => TaskTransition::Refused(Processing),
        (a, b) if a == b => TaskTransition::AlreadyDone,
        (a, _) => TaskTransition::Refused(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_tasks_stay_ended() {
        for from in TaskState::ALL.into_iter().filter(|s| s.is_terminal()) {
            for to in TaskState::ALL {
                assert!(
                    !matches!(task_transition(from, to), TaskTransition::To(_)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert_eq!(
            task_transition(TaskState::Processing, TaskState::Completed),
            TaskTransition::To(TaskState::Completed)
        );
        assert_eq!(
            task_transition(TaskState::Completed, TaskState::Completed),
            TaskTransition::AlreadyDone
        );
        assert_eq!(
            task_transition(TaskState::Aborted, TaskState::Completed),
            TaskTransition::Refused(TaskState::Aborted)
        );
    }
}
