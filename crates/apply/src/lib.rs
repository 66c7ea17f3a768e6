//! All cloud work of `plan` and `apply`: refreshing what plinth manages (concurrent reads) and executing
//! a plan graph through the cloud client, recording every result in state.
//!
//! Not written yet: it is the subject of the "Plan" and "Apply" issues. The crate exists so the
//! workspace has its final shape and the dependency direction `apply -> {planner, state, cloud}` is
//! fixed from the start.
