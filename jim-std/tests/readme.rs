//! README.md's `--help` excerpt of the server is the program's real output.

mod common;

use std::process::Command;

use common::*;

#[test]
fn readme_shows_the_servers_real_help() {
    let readme = include_str!("../../README.md");
    let (status, help, _) = run_bounded(
        "server --help",
        {
            let mut c = Command::new(example_bin("server"));
            c.arg("--help");
            c
        },
        b"",
        PROMPTLY * 6,
    );
    assert!(status.success());
    for line in help.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            readme.contains(line),
            "README lacks this line of --help:\n{line}"
        );
    }
}
