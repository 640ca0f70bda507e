//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`) loads the page from a file, its DOM is dumped and checked
//! for the stage totals and dataset names, and a screenshot is decoded and
//! checked to hold the chart colours, not one blank colour.
//!
//! Where no Chromium is found the tests skip with a message, unless
//! `MIXPLAN_REQUIRE_BROWSER` is set (`.ci/run` installs Chromium and sets
//! it), in which case a missing browser fails them.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MIXPLAN_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or `None` after saying why the test cannot run.
fn browser(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("MIXPLAN_REQUIRE_BROWSER").is_some() => {
            panic!("MIXPLAN_REQUIRE_BROWSER is set but no chromium is on PATH (apt-get install chromium)")
        }
        None => {
            eprintln!(
                "skipped {test}: no chromium on PATH (apt-get install chromium, or set MIXPLAN_CHROMIUM)"
            );
            None
        }
    }
}

fn page(args: &[&str], dir: &Path, name: &str) -> PathBuf {
    let out = Command::cargo_bin("mixplan").unwrap().args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = dir.join(name);
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// Runs headless Chromium with the flags that work on a closed network and
/// a fresh profile; gives its standard output. A browser that hangs is
/// killed after two minutes (a failure, not a measurement).
fn run(chromium: &Path, dir: &Path, args: &[String]) -> Vec<u8> {
    let profile = tempfile::tempdir_in(dir).unwrap();
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut v).map(|_| v)
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed: {}", String::from_utf8_lossy(&err));
    out
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// The DOM after Chromium parsed the page.
fn dom(chromium: &Path, dir: &Path, page: &Path) -> String {
    let out = run(chromium, dir, &["--dump-dom".into(), url(page)]);
    String::from_utf8(out).expect("utf-8 DOM")
}

/// A screenshot of the top `height` pixels, decoded to RGB pixels.
fn screenshot(chromium: &Path, dir: &Path, page: &Path, height: u32) -> (u32, u32, Vec<[u8; 3]>) {
    let png_path = dir.join(format!("{}.png", page.file_stem().unwrap().to_string_lossy()));
    run(
        chromium,
        dir,
        &[format!("--window-size=1200,{height}"), format!("--screenshot={}", png_path.display()), url(page)],
    );
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).expect("a screenshot")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour screenshot");
    let px = buf[..info.buffer_size()].chunks(channels).map(|c| [c[0], c[1], c[2]]).collect();
    (info.width, info.height, px)
}

fn hex(c: &str) -> [u8; 3] {
    let v = u32::from_str_radix(&c[1..], 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Pixels within 3 of `colour` in every channel.
fn count(px: &[[u8; 3]], colour: &str) -> usize {
    let c = hex(colour);
    px.iter().filter(|p| p.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 3)).count()
}

fn assert_not_blank(px: &[[u8; 3]]) {
    let first = px[0];
    assert!(px.iter().any(|p| *p != first), "the screenshot is one colour");
    let white = count(px, "#FFFFFF");
    // Charts and text cover a real part of the page, not a few stray pixels.
    assert!(
        px.len() - white > px.len() / 10,
        "only {} of {} pixels are not white",
        px.len() - white,
        px.len()
    );
}

#[test]
fn plan_page_renders_in_chromium() {
    let Some(chromium) = browser("plan_page_renders_in_chromium") else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = page(&["plan", "llava-1.5-7b", "-f", "html"], dir.path(), "plan.html");
    let dom = dom(&chromium, dir.path(), &page);
    // The stages as elements with their totals, from Chromium's DOM.
    assert!(dom.contains("<section class=\"stage\" id=\"stage-1-pretrain\" data-stage=\"pretrain\" data-total-seen=\"558128\""), "{dom}");
    assert!(dom.contains(
        "<section class=\"stage\" id=\"stage-2-sft\" data-stage=\"sft\" data-total-seen=\"665298\""
    ));
    assert!(dom.contains("665,298 distinct samples, 665,298 seen"));
    for ds in [
        "llava-pretrain-558k",
        "visual-genome",
        "vqav2",
        "ocr-vqa",
        "llava-instruct-150k-reasoning",
        "gqa",
        "ok-vqa",
    ] {
        assert!(dom.contains(&format!("<b>{ds}</b>")), "{ds} in the DOM");
    }
    // The charts are SVG elements in the DOM, with their labels as text.
    assert!(dom.matches("<svg").count() >= 10);
    assert!(dom.contains(">llava-v1.5-mix665k · 100.00%</text>"));
    let (w, h, px) = screenshot(&chromium, dir.path(), &page, 2600);
    assert_eq!((w, h), (1200, 2600));
    assert_not_blank(&px);
    // The stage-size bars are indigo; the first dataset and the first of
    // each breakdown are rose, the ninth purple: the palette reached the screen.
    for colour in ["#332288", "#CC6677", "#DDCC77", "#117733", "#AA4499"] {
        assert!(count(&px, colour) > 500, "{colour}: {} pixels", count(&px, colour));
    }
}

#[test]
fn compare_page_renders_in_chromium() {
    let Some(chromium) = browser("compare_page_renders_in_chromium") else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = page(
        &["compare", "llava-1.5-7b", "sharegpt4v-7b", "--stage", "sft", "-f", "html"],
        dir.path(),
        "compare.html",
    );
    let dom = dom(&chromium, dir.path(), &page);
    assert!(dom.contains("data-recipe=\"llava-1.5-7b\" data-total-seen=\"665298\""));
    assert!(dom.contains("data-recipe=\"sharegpt4v-7b\" data-total-seen=\"665058\""));
    assert!(dom.contains(">sharegpt4v-cap23k<") && dom.contains(">llava-instruct-150k-detail<"));
    let (_, _, px) = screenshot(&chromium, dir.path(), &page, 1800);
    assert_not_blank(&px);
    // The heatmap's darkest cell (the largest share) and the bars' first colour.
    assert!(count(&px, "#662506") > 300, "heatmap: {}", count(&px, "#662506"));
    assert!(count(&px, "#CC6677") > 500);
}
