//! The planner: from a configuration, the prior state and the objects a refresh observed, it computes
//! the plan graph (create, update, replace, delete, read, import, no-op) without doing any IO.
//!
//! Not written yet: it is the subject of the "Plan" issue. The crate exists so the workspace has its
//! final shape and the dependency direction `planner -> {config, state}` is fixed from the start.
