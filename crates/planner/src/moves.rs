//! Moves: which object of the prior state each configured address takes over. An object keeps its
//! identity when its address changes, by a `moved` block or because the configuration names its
//! identity (its natural key) under another address; it is then moved in the state, never
//! deleted and adopted again.

use std::collections::{BTreeMap, HashMap, HashSet};

use plinth_config::MovedBlock;
use plinth_core::ResourceAddress;
use plinth_state::State;

use crate::error::PlanError;

/// Why an object moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MoveCause {
    /// A `moved` block (or a chain of them) says so.
    Statement,
    /// The configuration names the object's identity (its natural key) at a new address.
    Identity,
}

/// The moves of one plan: for each new address, the old one and why.
#[derive(Debug, Clone, Default)]
pub(crate) struct Moves {
    to_from: HashMap<ResourceAddress, (ResourceAddress, MoveCause)>,
    from: HashSet<ResourceAddress>,
}

impl Moves {
    /// Where the object now at `to` was, and why it moved; `None` when it did not move.
    pub(crate) fn source(&self, to: &ResourceAddress) -> Option<&(ResourceAddress, MoveCause)> {
        self.to_from.get(to)
    }

    /// Whether the object the state records at `from` moves away.
    pub(crate) fn moves_away(&self, from: &ResourceAddress) -> bool {
        self.from.contains(from)
    }

    /// Records a move.
    pub(crate) fn insert(&mut self, from: ResourceAddress, to: ResourceAddress, cause: MoveCause) {
        self.from.insert(from.clone());
        self.to_from.insert(to, (from, cause));
    }

    /// The moves the `moved` blocks make of the prior state's managed objects, chains followed:
    /// `a -> b` and `b -> c` move an object at `a` to `c`. Refused, naming the blocks: two blocks
    /// from one address or to one address, a cycle, and a move onto an address that keeps an
    /// object of its own.
    pub(crate) fn from_statements(
        statements: &[MovedBlock],
        prior: &State,
    ) -> Result<Moves, PlanError> {
        check_unambiguous(statements)?;
        check_acyclic(statements)?;
        let mut moves = Moves::default();
        for address in prior.resources().keys() {
            let Some(destination) = destination(statements, address) else {
                continue;
            };
            moves.insert(address.clone(), destination, MoveCause::Statement);
        }
        for (to, (from, _)) in &moves.to_from {
            if prior.resource(to).is_some() && !moves.from.contains(to) {
                let statement = statements
                    .iter()
                    .find(|s| s.from.contains(from))
                    .map_or_else(String::new, |s| format!("{}: ", s.location));
                return Err(PlanError::Move {
                    message: format!(
                        "{statement}cannot move `{from}` to `{to}`: the state already has an \
                         object at `{to}`; remove one of them from the state first \
                         (`plinth state rm`), or change the `moved` block"
                    ),
                });
            }
        }
        Ok(moves)
    }
}

/// Where the object at `address` ends after every `moved` block that applies to it.
fn destination(statements: &[MovedBlock], address: &ResourceAddress) -> Option<ResourceAddress> {
    let mut at = address.clone();
    // `check_acyclic` passed: a chain is at most one step per statement.
    for _ in 0..statements.len() {
        let Some(statement) = statements.iter().find(|s| s.from.contains(&at)) else {
            break;
        };
        at = match statement.from.key() {
            Some(_) => statement.to.clone(),
            None => statement.to.clone().with_key(at.key().cloned()),
        };
    }
    (at != *address).then_some(at)
}

fn check_unambiguous(statements: &[MovedBlock]) -> Result<(), PlanError> {
    let mut from: BTreeMap<String, &MovedBlock> = BTreeMap::new();
    let mut to: BTreeMap<String, &MovedBlock> = BTreeMap::new();
    for statement in statements {
        for (seen, address, side) in [
            (&mut from, &statement.from, "from"),
            (&mut to, &statement.to, "to"),
        ] {
            if let Some(first) = seen.insert(address.to_string(), statement) {
                return Err(PlanError::Move {
                    message: format!(
                        "{}: ambiguous move: another `moved` block at {} also moves {side} \
                         `{address}`; keep one of them",
                        statement.location, first.location
                    ),
                });
            }
        }
    }
    Ok(())
}

fn check_acyclic(statements: &[MovedBlock]) -> Result<(), PlanError> {
    for start in statements {
        let mut at = &start.to;
        for _ in 0..statements.len() {
            let Some(next) = statements
                .iter()
                .find(|s| s.from.contains(at) || at.contains(&s.from))
            else {
                break;
            };
            if std::ptr::eq(next, start) {
                return Err(PlanError::Move {
                    message: format!(
                        "{}: the `moved` blocks from `{}` form a cycle: an object cannot move \
                         back to where it was; remove one of them",
                        start.location, start.from
                    ),
                });
            }
            at = &next.to;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use plinth_config::{SourceFile, Sources, load_sources};
    use plinth_state::{Change, ResourceState};
    use serde_json::json;

    use super::*;

    fn statements(hcl: &str) -> Vec<MovedBlock> {
        load_sources(Sources {
            files: vec![SourceFile::new("moves.hcl", hcl)],
            ..Sources::default()
        })
        .unwrap()
        .moved_blocks()
        .to_vec()
    }

    fn state(addresses: &[&str]) -> State {
        let mut state = State::default();
        for address in addresses {
            state.apply(Change::Upsert {
                address: address.parse().unwrap(),
                resource: ResourceState::new(None, json!({})),
            });
        }
        state
    }

    fn moved(hcl: &str, prior: &[&str]) -> Result<Vec<String>, String> {
        let moves = Moves::from_statements(&statements(hcl), &state(prior))
            .map_err(|error| error.to_string())?;
        let mut shown: Vec<String> = moves
            .to_from
            .iter()
            .map(|(to, (from, _))| format!("{from} -> {to}"))
            .collect();
        shown.sort();
        Ok(shown)
    }

    #[test]
    fn whole_resources_move_with_their_instances_and_chains_are_followed() {
        let hcl = r#"
moved {
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.b
}
moved {
  from = huaweicloud_cce_addon.b
  to   = huaweicloud_cce_addon.c
}
moved {
  from = huaweicloud_modelarts_pool_plugin.gpu[0]
  to   = huaweicloud_modelarts_pool_plugin.gpu["pool-a"]
}
"#;
        let prior = [
            "huaweicloud_cce_addon.a[0]",
            "huaweicloud_cce_addon.a[1]",
            "huaweicloud_modelarts_pool_plugin.gpu[0]",
            "huaweicloud_modelarts_pool_plugin.gpu[1]",
        ];
        assert_eq!(
            moved(hcl, &prior).unwrap(),
            [
                "huaweicloud_cce_addon.a[0] -> huaweicloud_cce_addon.c[0]",
                "huaweicloud_cce_addon.a[1] -> huaweicloud_cce_addon.c[1]",
                r#"huaweicloud_modelarts_pool_plugin.gpu[0] -> huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            ]
        );
        // Not in the state: nothing moves.
        assert_eq!(moved(hcl, &[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn ambiguous_cyclic_and_occupied_moves_are_refused() {
        let twice = r"
moved {
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.b
}
moved {
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.c
}
";
        assert_eq!(
            moved(twice, &[]).unwrap_err(),
            "moves.hcl:6:1: ambiguous move: another `moved` block at moves.hcl:2:1 also moves \
             from `huaweicloud_cce_addon.a`; keep one of them"
        );
        let cycle = r"
moved {
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.b
}
moved {
  from = huaweicloud_cce_addon.b
  to   = huaweicloud_cce_addon.a
}
";
        assert_eq!(
            moved(cycle, &[]).unwrap_err(),
            "moves.hcl:2:1: the `moved` blocks from `huaweicloud_cce_addon.a` form a cycle: an \
             object cannot move back to where it was; remove one of them"
        );
        let occupied = r"
moved {
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.b
}
";
        assert_eq!(
            moved(
                occupied,
                &["huaweicloud_cce_addon.a", "huaweicloud_cce_addon.b"]
            )
            .unwrap_err(),
            "moves.hcl:2:1: cannot move `huaweicloud_cce_addon.a` to `huaweicloud_cce_addon.b`: \
             the state already has an object at `huaweicloud_cce_addon.b`; remove one of them \
             from the state first (`plinth state rm`), or change the `moved` block"
        );
    }
}
