//! mixplan: a training-mix planner for multimodal LLMs.
//!
//! The pipeline, one module a step:
//!
//! 1. [`load`] reads the built-in and overlay TOML files ([`diag`] keeps
//!    their text for error snippets);
//! 2. [`catalog`] and [`recipe`] check the raw files ([`catalog::schema`],
//!    [`recipe::schema`]) and turn them into validated types;
//! 3. [`plan::graph`] builds the dependency graph and rejects cycles;
//! 4. [`plan::expand`] resolves composite datasets to their leaves, once each;
//! 5. [`plan::alloc`] applies the counting rules with the exact arithmetic of
//!    [`num`]; [`plan::stats`] adds shares, breakdowns and batch figures;
//! 6. [`report`] renders the [`plan::Plan`] as a table, Markdown, JSON or CSV;
//!    [`export`] writes a stage as a trainer's data config (and reads
//!    trainers' configs back, and builds Megatron's blend index).
//!
//! [`cli`] ties them to the command line.

pub mod builtin;
pub mod catalog;
pub mod cli;
pub mod diag;
pub mod editor;
pub mod export;
pub mod id;
pub mod lazy;
pub mod load;
pub mod num;
pub mod output;
pub mod parse;
pub mod plain_toml;
pub mod plan;
pub mod quantity;
pub mod recipe;
pub mod report;
pub mod schema;
