//! The composite tree of a stage as a treemap: each leaf dataset a
//! rectangle whose area is its share of the stage's known seen samples,
//! nested in frames for the composites it came through (the leaves' `via`
//! chains). Layout: the squarified algorithm of Bruls, Huizing and van Wijk
//! (rows laid along the shorter side while the worst aspect ratio improves).

use super::esc;
use super::svg::{fit, n, open, text_width, WIDTH};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A node of the tree: a composite (children) or a leaf (a colour).
#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    /// Known seen samples under it.
    pub value: u128,
    pub colour: Option<String>,
    /// The tooltip of a leaf.
    pub title: String,
    pub children: Vec<Node>,
}

impl Node {
    /// Adds a leaf under the chain of composites `via`.
    pub fn insert(&mut self, via: &[String], leaf: Node) {
        self.value += leaf.value;
        match via.split_first() {
            None => self.children.push(leaf),
            Some((head, rest)) => {
                let i = match self.children.iter().position(|c| c.colour.is_none() && &c.name == head) {
                    Some(i) => i,
                    None => {
                        self.children.push(Node { name: head.clone(), ..Default::default() });
                        self.children.len() - 1
                    }
                };
                self.children[i].insert(rest, leaf);
            }
        }
    }

    /// Children largest first, ties by name, all the way down.
    pub fn sort(&mut self) {
        self.children.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
        self.children.iter_mut().for_each(Node::sort);
    }
}

/// Rectangles for `values` (largest first) filling `r`, areas in proportion.
pub fn squarify(values: &[f64], r: Rect) -> Vec<Rect> {
    let total: f64 = values.iter().sum();
    if total <= 0.0 || r.w <= 0.0 || r.h <= 0.0 {
        return values.iter().map(|_| Rect { x: r.x, y: r.y, w: 0.0, h: 0.0 }).collect();
    }
    let areas: Vec<f64> = values.iter().map(|v| v / total * r.w * r.h).collect();
    let mut out = Vec::with_capacity(areas.len());
    let mut rest = r;
    let mut i = 0;
    while i < areas.len() {
        let side = rest.w.min(rest.h);
        let mut j = i + 1;
        while j < areas.len() && worst(&areas[i..=j], side) <= worst(&areas[i..j], side) {
            j += 1;
        }
        rest = lay_row(&areas[i..j], rest, &mut out);
        i = j;
    }
    out
}

/// The largest aspect ratio of a row of `areas` along a side of length `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let s: f64 = areas.iter().sum();
    let (s2, w2) = (s * s, side * side);
    areas.iter().map(|&a| (w2 * a / s2).max(s2 / (w2 * a))).fold(0.0, f64::max)
}

/// Lays one row along the shorter side of `r`; returns what is left.
fn lay_row(areas: &[f64], r: Rect, out: &mut Vec<Rect>) -> Rect {
    let sum: f64 = areas.iter().sum();
    if r.w >= r.h {
        let cw = if r.h > 0.0 { (sum / r.h).min(r.w) } else { 0.0 };
        let mut y = r.y;
        for a in areas {
            let h = if cw > 0.0 { a / cw } else { 0.0 };
            out.push(Rect { x: r.x, y, w: cw, h });
            y += h;
        }
        Rect { x: r.x + cw, w: r.w - cw, ..r }
    } else {
        let rh = if r.w > 0.0 { (sum / r.w).min(r.h) } else { 0.0 };
        let mut x = r.x;
        for a in areas {
            let w = if rh > 0.0 { a / rh } else { 0.0 };
            out.push(Rect { x, y: r.y, w, h: rh });
            x += w;
        }
        Rect { y: r.y + rh, h: r.h - rh, ..r }
    }
}

/// The treemap of `root` (the stage) as SVG; `total` is the stage's known seen.
pub fn render(root: &Node, total: u128, height: f64, aria: &str) -> String {
    let mut s = open(WIDTH, height, "tree", aria);
    children(root, Rect { x: 0.0, y: 0.0, w: WIDTH, h: height }, total, &mut s);
    s.push_str("</svg>");
    s
}

fn children(node: &Node, r: Rect, total: u128, s: &mut String) {
    let kids: Vec<&Node> = node.children.iter().filter(|c| c.value > 0).collect();
    let values: Vec<f64> = kids.iter().map(|c| c.value as f64).collect();
    for (c, cr) in kids.iter().zip(squarify(&values, r)) {
        draw(c, cr, total, s);
    }
}

fn share(v: u128, total: u128) -> String {
    crate::report::percent((total > 0).then(|| v as f64 / total as f64))
}

fn draw(node: &Node, r: Rect, total: u128, s: &mut String) {
    if r.w < 0.5 || r.h < 0.5 {
        return;
    }
    match &node.colour {
        Some(colour) => leaf(node, colour, r, total, s),
        None => {
            let _ = write!(
                s,
                "<g><title>{} (composite): {} seen, {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ECECF1\" stroke=\"#6B6B78\" stroke-width=\"1\"/>",
                esc(&node.name),
                crate::report::count(node.value),
                share(node.value, total),
                n(r.x), n(r.y), n(r.w), n(r.h)
            );
            let head = r.h > 44.0 && r.w > 70.0;
            if head {
                let label = format!("{} · {}", node.name, share(node.value, total));
                if let Some(t) = fit(&label, r.w - 10.0, 12.0).or_else(|| fit(&node.name, r.w - 10.0, 12.0)) {
                    let _ = write!(
                        s,
                        "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"700\" fill=\"#2B2B33\">{}</text>",
                        n(r.x + 5.0),
                        n(r.y + 14.0),
                        esc(&t)
                    );
                }
            }
            s.push_str("</g>");
            let top = if head { 19.0 } else { 2.0 };
            let inner =
                Rect { x: r.x + 2.0, y: r.y + top, w: (r.w - 4.0).max(0.0), h: (r.h - top - 2.0).max(0.0) };
            children(node, inner, total, s);
        }
    }
}

fn leaf(node: &Node, colour: &str, r: Rect, total: u128, s: &mut String) {
    let ink = super::palette::ink_on(colour);
    let _ = write!(
        s,
        "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>",
        esc(&node.title),
        n(r.x), n(r.y), n(r.w), n(r.h)
    );
    if r.h >= 17.0 {
        if let Some(t) = fit(&node.name, r.w - 8.0, 12.0) {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{ink}\">{}</text>",
                n(r.x + 4.0),
                n(r.y + 14.0),
                esc(&t)
            );
            let pct = share(node.value, total);
            if r.h >= 32.0 && text_width(&pct, 12.0) <= r.w - 8.0 {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{ink}\" class=\"num\">{}</text>",
                    n(r.x + 4.0),
                    n(r.y + 28.0),
                    pct
                );
            }
        }
    }
    s.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(r: &Rect) -> f64 {
        r.w * r.h
    }

    #[test]
    fn squarify_matches_the_papers_example() {
        // Bruls et al.: values 6,6,4,3,2,2,1 in a 6×4 rectangle. The first
        // row is the two 6s stacked in a column 3 wide (12 ÷ 4 = 3); the
        // next row (4 and 3, at the top of the 3×4 rest) is 7 ÷ 3 high.
        let r = squarify(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0], Rect { x: 0.0, y: 0.0, w: 6.0, h: 4.0 });
        assert_eq!(r[0], Rect { x: 0.0, y: 0.0, w: 3.0, h: 2.0 });
        assert_eq!(r[1], Rect { x: 0.0, y: 2.0, w: 3.0, h: 2.0 });
        assert!((r[2].h - 7.0 / 3.0).abs() < 1e-9 && (r[2].w - 12.0 / 7.0).abs() < 1e-9);
        // Every area is its value (the whole is 24 = the sum of the values).
        for (v, rect) in [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0].iter().zip(&r) {
            assert!((area(rect) - v).abs() < 1e-9, "{rect:?}");
        }
    }

    #[test]
    fn squarify_tiles_without_overlap() {
        let values: Vec<f64> = (1..=40).rev().map(|v| f64::from(v * v)).collect();
        let whole = Rect { x: 10.0, y: 5.0, w: 1000.0, h: 300.0 };
        let r = squarify(&values, whole);
        let total: f64 = r.iter().map(area).sum();
        assert!((total - 300_000.0).abs() < 1e-6);
        for (i, a) in r.iter().enumerate() {
            assert!(a.x >= whole.x - 1e-9 && a.x + a.w <= whole.x + whole.w + 1e-6);
            assert!(a.y >= whole.y - 1e-9 && a.y + a.h <= whole.y + whole.h + 1e-6);
            for b in &r[i + 1..] {
                let ox = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let oy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(ox <= 1e-6 || oy <= 1e-6, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn nothing_to_lay_out() {
        assert!(squarify(&[], Rect { x: 0.0, y: 0.0, w: 1.0, h: 1.0 }).is_empty());
        let r = squarify(&[0.0, 0.0], Rect { x: 0.0, y: 0.0, w: 1.0, h: 1.0 });
        assert!(r.iter().all(|r| area(r) == 0.0));
    }

    #[test]
    fn leaves_nest_under_their_chains() {
        let leaf = |name: &str, v| Node {
            name: name.into(),
            value: v,
            colour: Some("#000000".into()),
            ..Default::default()
        };
        let mut root = Node::default();
        root.insert(&["mix".into(), "inner".into()], leaf("a", 5));
        root.insert(&["mix".into()], leaf("b", 7));
        root.insert(&[], leaf("c", 1));
        root.sort();
        assert_eq!(root.value, 13);
        let mix = &root.children[0];
        assert_eq!((mix.name.as_str(), mix.value), ("mix", 12));
        // Inside `mix`: b (7) before the composite `inner` (5).
        assert_eq!(mix.children[0].name, "b");
        assert_eq!((mix.children[1].name.as_str(), mix.children[1].value), ("inner", 5));
        assert_eq!(root.children[1].name, "c");
    }
}
