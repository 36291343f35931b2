//! Depth-first traversal with an explicit stack (no recursion, so a deep
//! forged tree cannot overflow the call stack), guarded against cycles.

use super::{BlockRead, Entry, Guard, Image, Result};
use crate::model::Name;

/// What a walk callback is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkEvent {
    /// An entry, before the contents of a directory (pre-order).
    Visit,
    /// A directory whose contents have all been visited (post-order).
    Leave,
}

/// Callback of [`Image::walk_with`].
pub(crate) type Visitor<'a, R> =
    dyn FnMut(&mut Image<R>, WalkEvent, &Name, &Entry) -> Result<()> + 'a;

struct Frame {
    dir: Entry,
    path: Vec<u8>,
    children: std::vec::IntoIter<Entry>,
}

fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(parent.len() + 1 + name.len());
    p.extend_from_slice(parent);
    if p.last() != Some(&b'/') {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

impl<R: BlockRead> Image<R> {
    /// Walks the tree below `from` (included) depth-first, calling `f` with
    /// each entry's path relative to `from` (`/` for `from` itself, `/a/b`
    /// below). Refuses directory cycles, depths beyond
    /// [`Limits::max_depth`](super::Limits) and more than
    /// [`Limits::max_entries`](super::Limits) entries.
    pub fn walk<F>(&mut self, from: &Entry, mut f: F) -> Result<()>
    where
        F: FnMut(WalkEvent, &Name, &Entry) -> Result<()>,
    {
        self.walk_with(from, &mut |_, ev, p, e| f(ev, p, e))
    }

    /// All entries below `from` (included) with their paths, in walk order.
    pub fn find(&mut self, from: &Entry) -> Result<Vec<(Name, Entry)>> {
        let mut out = Vec::new();
        self.walk(from, |ev, p, e| {
            if ev == WalkEvent::Visit {
                out.push((p.clone(), e.clone()));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The walk, with the image handed to the callback so it can read data.
    pub(crate) fn walk_with(&mut self, from: &Entry, f: &mut Visitor<'_, R>) -> Result<()> {
        let mut guard = Guard::new(&self.opts.limits);
        let root_path = Name(b"/".to_vec());
        f(self, WalkEvent::Visit, &root_path, from)?;
        if !from.is_dir() {
            return Ok(());
        }
        guard.enter(from, 0)?;
        let children = self.read_dir(from)?;
        let mut stack = vec![Frame {
            dir: from.clone(),
            path: b"/".to_vec(),
            children: children.into_iter(),
        }];
        while let Some(top) = stack.last_mut() {
            match top.children.next() {
                Some(child) => {
                    guard.count(child.record_lba)?;
                    let path = join(&top.path, child.name.as_bytes());
                    let depth = stack.len() as u32;
                    f(self, WalkEvent::Visit, &Name(path.clone()), &child)?;
                    if child.is_dir() {
                        guard.enter(&child, depth)?;
                        let children = self.read_dir(&child)?;
                        stack.push(Frame {
                            dir: child,
                            path,
                            children: children.into_iter(),
                        });
                    }
                }
                None => {
                    if let Some(fr) = stack.pop() {
                        f(self, WalkEvent::Leave, &Name(fr.path), &fr.dir)?;
                    }
                }
            }
        }
        Ok(())
    }
}
