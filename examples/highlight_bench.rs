//! What highlighting alone costs: every fenced code block of a site's
//! Markdown, highlighted as `ssgx build` does (cache bypassed), timed per
//! language on one thread and in total on N threads, with the default
//! engine or the one named (`lexical`, `tree-sitter`).
//!
//!     cargo run --release --example highlight_bench -- benches/work/c10000/ssgx/site 2 tree-sitter
//!
//! Used for the authoring bar's analysis in benches/RESULTS.md.

use std::collections::BTreeMap;
use std::error::Error;
use std::time::Instant;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use rayon::prelude::*;
use ssgx::markdown::highlight::highlight;
use ssgx::project::{HighlightEngine, MarkdownConfig};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// (language, code) of every fenced block with a language.
fn code_blocks(root: &str) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let mut blocks = Vec::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry?;
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path())?;
        let mut current: Option<(String, String)> = None;
        for event in Parser::new(&text) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if !lang.is_empty() => {
                    current = Some((lang.to_string(), String::new()));
                }
                Event::Text(t) => {
                    if let Some((_, code)) = current.as_mut() {
                        code.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
                _ => {}
            }
        }
    }
    Ok(blocks)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .ok_or("usage: highlight_bench SITE_DIR [THREADS] [ENGINE]")?;
    let threads: usize = args.next().map_or(Ok(1), |t| t.parse())?;
    let highlight_engine = match args.next().as_deref() {
        None | Some("lexical") => HighlightEngine::Lexical,
        Some("tree-sitter") => HighlightEngine::TreeSitter,
        Some(other) => return Err(format!("unknown engine {other}").into()),
    };
    let blocks = code_blocks(&root)?;
    let lines: usize = blocks.iter().map(|(_, code)| code.lines().count()).sum();
    let config = MarkdownConfig {
        highlight_code: true,
        highlight_engine,
        ..MarkdownConfig::default()
    };
    // Each run gets its own text, so the in-process block cache never answers.
    let salted = |code: &str, run: u32| format!("{code}\n{}", "\n".repeat(run as usize));

    // Per language, one thread (grammars compiled first, not timed).
    for lang in blocks
        .iter()
        .map(|(l, _)| l.as_str())
        .collect::<std::collections::BTreeSet<_>>()
    {
        highlight("x\n", lang, &config);
    }
    let mut per_lang: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (lang, code) in &blocks {
        let text = salted(code, 1);
        let started = Instant::now();
        highlight(&text, lang, &config);
        let entry = per_lang.entry(lang).or_default();
        entry.0 += started.elapsed().as_secs_f64();
        entry.1 += code.lines().count();
    }
    println!("{} blocks, {lines} lines", blocks.len());
    for (lang, (secs, n)) in &per_lang {
        println!(
            "  {lang:10} {:6.2} µs/line ({n} lines)",
            secs * 1e6 / *n as f64
        );
    }

    // All blocks on THREADS threads.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let started = Instant::now();
    let bytes: usize = blocks
        .par_iter()
        .map(|(lang, code)| highlight(&salted(code, 2), lang, &config).map_or(0, |h| h.len()))
        .sum();
    let wall = started.elapsed();
    println!(
        "all blocks on {threads} thread(s): {:.0} ms wall, {:.2} µs/line, {bytes} bytes of HTML",
        wall.as_secs_f64() * 1e3,
        wall.as_secs_f64() * 1e6 / lines as f64
    );
    Ok(())
}
