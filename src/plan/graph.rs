//! How recipes fit together: `extends` (a recipe inherits its parent's
//! stages, replacing those it redefines), `include` (a stage starts from
//! another stage's mix) and `after` (the training order of a recipe's
//! stages). Each is resolved with work lists, never recursion, so a chain of
//! any length costs its length: `extends` and `include` are functional
//! graphs (one target each), walked once with three colours.
//!
//! A stage is planned once per definition ([`StageKey`]): a stage a recipe
//! inherits is the same stage in every recipe that inherits it.

use crate::diag::{codes, suggest, Diagnostic, Diagnostics, Loc, Subject};
use crate::id::Id;
use crate::load::Inputs;
use crate::recipe::{RecipeIx, Stage, StageRef};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::BinaryHeap;

/// One stage definition: the recipe whose file writes it and its index there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StageKey {
    pub recipe: RecipeIx,
    pub stage: u32,
}

/// `extends` and `include` resolved, with the problems found.
pub struct Resolved<'a> {
    inputs: &'a Inputs,
    /// The parent of each recipe; `None` without `extends`, or when the
    /// parent is unknown or on a cycle (both reported).
    parent: Vec<Option<RecipeIx>>,
    /// Recipes whose `extends` chain runs into a cycle.
    cyclic: Vec<bool>,
    /// Stage id → index, per recipe.
    defines: Vec<FxHashMap<Id, u32>>,
    /// The definition each stage's `include` resolves to.
    include: FxHashMap<StageKey, StageKey>,
    /// Stages whose `include` chain runs into a cycle.
    include_cyclic: FxHashMap<StageKey, ()>,
    /// (recipe, stage id) → the definition the recipe sees.
    memo: RefCell<FxHashMap<(RecipeIx, Id), Option<StageKey>>>,
}

impl<'a> Resolved<'a> {
    /// Resolves every recipe's `extends` and every stage's `include`.
    pub fn build(inputs: &'a Inputs, diags: &mut Diagnostics) -> Resolved<'a> {
        let recipes = &inputs.recipes;
        let n = recipes.len();
        let mut parent = vec![None; n];
        for r in recipes.ixs() {
            let recipe = recipes.skeleton(r);
            if let Some((p, loc)) = &recipe.extends {
                match recipes.lookup(p.as_str()) {
                    Some(pix) => parent[r.ix()] = Some(pix),
                    None => diags.push(
                        recipes
                            .unknown(p.as_str(), Some(loc.clone()))
                            .about(Subject::Recipe(recipe.id.to_string())),
                    ),
                }
            }
        }
        let defines = recipes
            .ixs()
            .map(|r| {
                recipes.skeleton(r).stages.iter().enumerate().map(|(i, s)| (s.0.clone(), i as u32)).collect()
            })
            .collect();
        let (cycles, cyclic) = functional_cycles(n, |i| parent[i].map(RecipeIx::ix));
        for cycle in cycles {
            let names: Vec<String> =
                cycle.iter().map(|&i| format!("recipe `{}`", recipes.id(RecipeIx(i as u32)))).collect();
            let first = recipes.skeleton(RecipeIx(cycle[0] as u32));
            diags.push(
                cycle_error(&names, first.extends.as_ref().map(|e| e.1.clone()), "extends")
                    .about(Subject::Recipe(first.id.to_string())),
            );
        }
        for (i, c) in cyclic.iter().enumerate() {
            if *c {
                parent[i] = None;
            }
        }
        let mut resolved = Resolved {
            inputs,
            parent,
            cyclic,
            defines,
            include: FxHashMap::default(),
            include_cyclic: FxHashMap::default(),
            memo: RefCell::default(),
        };
        resolved.resolve_includes(diags);
        resolved
    }

    fn resolve_includes(&mut self, diags: &mut Diagnostics) {
        let recipes = &self.inputs.recipes;
        let mut keys = Vec::new();
        for r in recipes.ixs() {
            let recipe = recipes.skeleton(r);
            for (i, (_, include)) in recipe.stages.iter().enumerate() {
                let key = StageKey { recipe: r, stage: i as u32 };
                keys.push(key);
                let Some(inc) = include else { continue };
                let subject = Subject::Recipe(recipe.id.to_string());
                let Some(t) = recipes.lookup(inc.recipe.as_str()) else {
                    diags.push(recipes.unknown(inc.recipe.as_str(), Some(inc.loc.clone())).about(subject));
                    continue;
                };
                match self.lookup(t, &inc.stage) {
                    Some(target) => {
                        self.include.insert(key, target);
                    }
                    None if self.cyclic[t.ix()] => {}
                    None => diags.push(self.unknown_stage(t, &inc.stage, &inc.loc).about(subject)),
                }
            }
        }
        let index: FxHashMap<StageKey, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let (cycles, on_cycle) =
            functional_cycles(keys.len(), |i| self.include.get(&keys[i]).and_then(|t| index.get(t).copied()));
        for cycle in cycles {
            // Each link as written, with the stage it resolves to when it is
            // inherited: `r2:s` → `r1:s` (inherited from `r2:s`).
            let mut names = vec![format!("`{}`", self.stage_name(keys[cycle[0]]))];
            for w in cycle.windows(2) {
                let (from, to) = (keys[w[0]], keys[w[1]]);
                let written = self.include_ref(from).map(ToString::to_string).unwrap_or_default();
                let resolved = self.stage_name(to);
                names.push(if written == resolved {
                    format!("`{resolved}`")
                } else {
                    format!("`{written}` (inherited from `{resolved}`)")
                });
            }
            let first = keys[cycle[0]];
            let loc = self.include_ref(first).map(|i| i.loc.clone());
            let d = cycle_error(&names, loc, "include");
            diags.push(d.about(Subject::Recipe(self.recipe_id(first.recipe).to_string())));
        }
        for (i, c) in on_cycle.iter().enumerate() {
            if *c {
                self.include_cyclic.insert(keys[i], ());
            }
        }
    }

    fn recipe_id(&self, r: RecipeIx) -> &Id {
        self.inputs.recipes.id(r)
    }

    fn include_ref(&self, k: StageKey) -> Option<&'a StageRef> {
        self.inputs.recipes.skeleton(k.recipe).stages[k.stage as usize].1.as_ref()
    }

    /// `recipe:stage` of a definition.
    pub fn stage_name(&self, k: StageKey) -> String {
        format!(
            "{}:{}",
            self.recipe_id(k.recipe),
            self.inputs.recipes.skeleton(k.recipe).stages[k.stage as usize].0
        )
    }

    pub fn stage(&self, k: StageKey) -> &'a Stage {
        &self.inputs.recipes.get(k.recipe).stages[k.stage as usize]
    }

    pub fn parent(&self, r: RecipeIx) -> Option<RecipeIx> {
        self.parent[r.ix()]
    }

    pub fn is_cyclic(&self, r: RecipeIx) -> bool {
        self.cyclic[r.ix()]
    }

    /// The stage definition that `include` of `k` resolves to.
    pub fn include_of(&self, k: StageKey) -> Option<StageKey> {
        if self.include_cyclic.contains_key(&k) {
            return None;
        }
        self.include.get(&k).copied()
    }

    pub fn include_is_cyclic(&self, k: StageKey) -> bool {
        self.include_cyclic.contains_key(&k)
    }

    /// The definition of stage `id` that recipe `r` sees: its own, else its
    /// nearest ancestor's. Memoized along the chain.
    pub fn lookup(&self, r: RecipeIx, id: &Id) -> Option<StageKey> {
        if let Some(hit) = self.memo.borrow().get(&(r, id.clone())) {
            return *hit;
        }
        let mut walked = Vec::new();
        let mut cur = Some(r);
        let mut found = None;
        while let Some(c) = cur {
            if let Some(hit) = self.memo.borrow().get(&(c, id.clone())) {
                found = *hit;
                break;
            }
            walked.push(c);
            if let Some(&i) = self.defines[c.ix()].get(id) {
                found = Some(StageKey { recipe: c, stage: i });
                break;
            }
            cur = self.parent[c.ix()];
        }
        let mut memo = self.memo.borrow_mut();
        for w in walked {
            memo.insert((w, id.clone()), found);
        }
        found
    }

    /// The recipe's stages after `extends`, in training order: the parent's
    /// stages with the same id replaced in place, new stages after them,
    /// then ordered by `after` (file order among independent stages).
    /// Problems with `after` go to `diags`.
    pub fn effective(&self, r: RecipeIx, diags: &mut Diagnostics) -> Vec<StageKey> {
        let mut chain = vec![r];
        let mut cur = self.parent[r.ix()];
        while let Some(p) = cur {
            chain.push(p);
            cur = self.parent[p.ix()];
        }
        let mut list: Vec<StageKey> = Vec::new();
        let mut pos: FxHashMap<&Id, usize> = FxHashMap::default();
        for &c in chain.iter().rev() {
            for (i, s) in self.inputs.recipes.get(c).stages.iter().enumerate() {
                let key = StageKey { recipe: c, stage: i as u32 };
                match pos.get(&s.id) {
                    Some(&p) => list[p] = key,
                    None => {
                        pos.insert(&s.id, list.len());
                        list.push(key);
                    }
                }
            }
        }
        self.order(r, list, &pos, diags)
    }

    /// Kahn's algorithm over `after`, the earliest position first.
    fn order(
        &self,
        r: RecipeIx,
        list: Vec<StageKey>,
        pos: &FxHashMap<&Id, usize>,
        diags: &mut Diagnostics,
    ) -> Vec<StageKey> {
        let n = list.len();
        let mut deps_left = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        let subject = Subject::Recipe(self.recipe_id(r).to_string());
        for (i, k) in list.iter().enumerate() {
            for (a, loc) in &self.stage(*k).after {
                match pos.get(a) {
                    Some(&j) if j != i => {
                        deps_left[i] += 1;
                        dependents[j].push(i);
                    }
                    Some(_) => diags.push(
                        cycle_error(
                            &[format!("`{}`", self.stage_name(*k)), format!("`{}`", self.stage_name(*k))],
                            Some(loc.clone()),
                            "after",
                        )
                        .about(subject.clone()),
                    ),
                    None => {
                        let owner = k.recipe;
                        diags.push(
                            self.unknown_stage(owner, a, loc)
                                .about(Subject::Recipe(self.recipe_id(owner).to_string())),
                        )
                    }
                }
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<usize>> =
            (0..n).filter(|&i| deps_left[i] == 0).map(std::cmp::Reverse).collect();
        let mut order = Vec::with_capacity(n);
        let mut done = vec![false; n];
        while order.len() < n {
            let i = match ready.pop() {
                Some(std::cmp::Reverse(i)) => i,
                None => {
                    // A cycle among `after`: report it, then go on in file order.
                    let left: Vec<usize> = (0..n).filter(|&i| !done[i]).collect();
                    diags.push(self.after_cycle(&list, &left, pos).about(subject.clone()));
                    for &i in &left {
                        done[i] = true;
                        order.push(list[i]);
                    }
                    break;
                }
            };
            done[i] = true;
            order.push(list[i]);
            for &d in &dependents[i] {
                deps_left[d] -= 1;
                if deps_left[d] == 0 {
                    ready.push(std::cmp::Reverse(d));
                }
            }
        }
        order
    }

    /// The `after` cycle among the stages left when Kahn's algorithm stops.
    fn after_cycle(&self, list: &[StageKey], left: &[usize], pos: &FxHashMap<&Id, usize>) -> Diagnostic {
        let left_set: rustc_hash::FxHashSet<usize> = left.iter().copied().collect();
        // Every stage left has an `after` inside the set: follow the first
        // one until a stage repeats.
        let next = |i: usize| {
            self.stage(list[i])
                .after
                .iter()
                .filter_map(|(a, loc)| pos.get(a).map(|&j| (j, loc)))
                .find(|(j, _)| left_set.contains(j))
        };
        let mut seen: FxHashMap<usize, usize> = FxHashMap::default();
        let mut path = Vec::new();
        let mut cur = left[0];
        while !seen.contains_key(&cur) {
            seen.insert(cur, path.len());
            path.push(cur);
            match next(cur) {
                Some((j, _)) => cur = j,
                None => break,
            }
        }
        let start = seen.get(&cur).copied().unwrap_or(0);
        let mut cycle: Vec<usize> = path[start..].to_vec();
        cycle.push(cur);
        let names: Vec<String> = cycle.iter().map(|&i| format!("`{}`", self.stage_name(list[i]))).collect();
        let loc = next(cycle[0]).map(|(_, l)| l.clone());
        cycle_error(&names, loc, "after")
    }

    fn unknown_stage(&self, recipe: RecipeIx, stage: &Id, loc: &Loc) -> Diagnostic {
        let mut ids: Vec<&str> = Vec::new();
        let mut cur = Some(recipe);
        while let Some(c) = cur {
            ids.extend(self.inputs.recipes.skeleton(c).stages.iter().map(|s| s.0.as_str()));
            cur = self.parent[c.ix()];
        }
        ids.sort_unstable();
        ids.dedup();
        Diagnostic::error(
            codes::UNKNOWN_STAGE,
            format!("recipe `{}` has no stage `{stage}`", self.recipe_id(recipe)),
        )
        .at(Some(loc.clone()))
        .label("unknown stage")
        .maybe_help(suggest(stage.as_str(), ids.iter().copied()).or_else(|| {
            let list: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
            (!list.is_empty()).then(|| format!("its stages are {}", list.join(", ")))
        }))
    }
}

/// "dependency cycle: a → b → a", pointing at the first link.
pub fn cycle_error(names: &[String], loc: Option<Loc>, kind: &str) -> Diagnostic {
    Diagnostic::error(codes::CYCLE, format!("dependency cycle: {}", names.join(" → ")))
        .at(loc)
        .label(format!("first link of the cycle ({kind})"))
        .help("a dataset, stage or recipe cannot depend on itself; remove one link of the cycle")
}

/// The cycles of a graph where each node has at most one successor, each
/// once, starting at its smallest node, and which nodes reach a cycle.
/// Linear: every node is walked once.
pub fn functional_cycles(n: usize, next: impl Fn(usize) -> Option<usize>) -> (Vec<Vec<usize>>, Vec<bool>) {
    // 0 unvisited, 1 on the current walk, 2 done
    let mut state = vec![0u8; n];
    let mut bad = vec![false; n];
    let mut cycles = Vec::new();
    let mut walk = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        walk.clear();
        let mut cur = Some(start);
        let mut into_bad = false;
        while let Some(c) = cur {
            match state[c] {
                0 => {
                    state[c] = 1;
                    walk.push(c);
                    cur = next(c).filter(|&x| x < n);
                }
                1 => {
                    // A new cycle: from c to the end of the walk.
                    let at = walk.iter().position(|&w| w == c).unwrap_or(0);
                    let mut cycle = walk[at..].to_vec();
                    let min = cycle.iter().enumerate().min_by_key(|(_, v)| **v).map_or(0, |(i, _)| i);
                    cycle.rotate_left(min);
                    cycle.push(cycle[0]);
                    cycles.push(cycle);
                    into_bad = true;
                    break;
                }
                _ => {
                    into_bad = bad[c];
                    break;
                }
            }
        }
        for &w in &walk {
            state[w] = 2;
            bad[w] = into_bad;
        }
    }
    cycles.sort();
    (cycles, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_has_no_cycle_and_a_loop_one() {
        // 0 → 1 → 2, 3 → 4 → 3, 5 → 4
        let next = [Some(1), Some(2), None, Some(4), Some(3), Some(4)];
        let (cycles, bad) = functional_cycles(6, |i| next[i]);
        assert_eq!(cycles, vec![vec![3, 4, 3]]);
        assert_eq!(bad, vec![false, false, false, true, true, true]);
    }

    #[test]
    fn a_long_chain_is_walked_without_recursion() {
        let n = 1_000_000;
        let (cycles, bad) = functional_cycles(n, |i| (i + 1 < n).then_some(i + 1));
        assert!(cycles.is_empty() && bad.iter().all(|b| !b));
    }
}
