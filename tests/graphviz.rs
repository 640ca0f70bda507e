//! Graphs people can read: the DOT of every built-in recipe goes through
//! Graphviz (`dot`, from Debian's `graphviz`; `.ci/run` installs it) and
//! must lay out without a warning into a picture of reasonable size.
//!
//! The bound: each side at most 1,500 + 125·√n points, n being the graph's
//! nodes. `graph` stacks a box of n datasets in columns of about 2·√n (a
//! label is some four times as wide as tall), so each side grows with √n:
//! about 125 pt per √n for 11-pt labels with their spacing, plus up to
//! 1,500 pt for the stage row, the box titles and margins. The layout that
//! stacked every dataset in one column grows with n instead: LLaVA-OneVision
//! (179 nodes) was 8,802 pt tall, where the bound is 3,172.

use assert_cmd::Command;
use std::io::Write;
use std::process::Stdio;

fn mixplan(args: &[&str]) -> String {
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn have_dot() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// `dot -Tsvg` of `text`: the picture's width and height in points, and
/// what Graphviz said on stderr.
fn layout(text: &str) -> ((f64, f64), String) {
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot runs");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("dot ends");
    assert!(out.status.success(), "dot failed: {}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8_lossy(&out.stdout);
    let attr = |name: &str| -> f64 {
        let start = svg.find("<svg width=\"").expect("an svg element");
        let tag = &svg[start..svg[start..].find('>').map_or(svg.len(), |e| start + e)];
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap_or_else(|| panic!("no {name} in {tag}")) + key.len();
        tag[at..].split('"').next().unwrap().trim_end_matches("pt").parse().expect("a number of points")
    };
    ((attr("width"), attr("height")), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_builtin_recipe_lays_out_at_a_readable_size() {
    if !have_dot() {
        eprintln!(
            "skipped: Graphviz `dot` is not installed (`apt-get install graphviz`; .ci/run installs it)"
        );
        return;
    }
    let list: serde_json::Value = serde_json::from_str(&mixplan(&["recipes", "-f", "json"])).expect("json");
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.len() >= 50, "{} recipes", ids.len());
    let mut failures = Vec::new();
    for id in ids {
        let graph: serde_json::Value =
            serde_json::from_str(&mixplan(&["graph", id, "-f", "json"])).expect("json");
        let n = graph["nodes"].as_array().unwrap().len() as f64;
        let ((w, h), warnings) = layout(&mixplan(&["graph", id]));
        let bound = 1500.0 + 125.0 * n.sqrt();
        if w > bound || h > bound || !warnings.is_empty() {
            failures.push(format!("{id}: {w} × {h} pt for {n} nodes (bound {bound:.0}) {warnings}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn composites_are_boxes_of_their_parts_and_stages_run_left_to_right() {
    let dot = mixplan(&["graph", "llava-1.5-7b"]);
    assert!(dot.contains("rankdir=LR;"), "{dot}");
    // The stages in training order, joined by bold arrows.
    let order = dot.find("\"recipe:llava-1.5-7b\" -> \"stage:llava-1.5-7b:pretrain\" [style=bold]");
    let next = dot.find("\"stage:llava-1.5-7b:pretrain\" -> \"stage:llava-1.5-7b:sft\" [style=bold]");
    assert!(order.is_some() && next.is_some(), "{dot}");
    // llava-v1.5-mix665k is a box holding its parts, llava-instruct-150k a
    // box inside it holding its three.
    let outer = dot.find("\"dataset:llava-v1.5-mix665k\" [shape=folder").expect("the mix");
    let start = dot[..outer].rfind("subgraph cluster_").expect("in a cluster");
    let body = &dot[start..];
    let inner = body.find("\"dataset:llava-instruct-150k\" [shape=folder").expect("nested composite");
    let inner_start = body[..inner].rfind("subgraph cluster_").expect("its own cluster");
    assert!(inner_start > 0, "{body}");
    for part in ["conversation", "detail", "reasoning"] {
        let at = body.find(&format!("\"dataset:llava-instruct-150k-{part}\" [")).expect("a part");
        assert!(at > inner_start, "{part} outside its composite");
    }
    // The boxes show what "contains" edges would: none are drawn.
    assert!(!dot.contains("\"dataset:llava-v1.5-mix665k\" -> \"dataset:vqav2\";"), "{dot}");
}
