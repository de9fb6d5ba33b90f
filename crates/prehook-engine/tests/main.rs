//! Integration tests of prehook-engine, one binary.

mod run;
mod secrets;
mod world;
