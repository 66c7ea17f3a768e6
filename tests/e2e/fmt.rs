//! `plinth fmt`.

use crate::support::Project;

const UGLY: &str = "resource \"huaweicloud_cce_addon\" \"dns\" {\n    # the cluster\n    cluster_id = \"c0ffee00-0000-4000-8000-000000000001\"\n    template_name = \"coredns\"\n}\n";

#[test]
fn check_exits_3_and_changes_nothing() {
    let project = Project::new();
    project.write("main.hcl", UGLY);
    let run = project.plinth(&["fmt", "--check"]);
    run.code(3);
    assert_eq!(run.stdout, "main.hcl\n");
    assert_eq!(project.read("main.hcl"), UGLY);
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let project = Project::new();
    project.write("main.hcl", UGLY);
    project.plinth(&["fmt"]).code(0);
    let formatted = project.read("main.hcl");
    assert!(formatted.contains("  # the cluster\n"), "{formatted}");
    assert!(formatted.contains("  cluster_id    = "), "{formatted}");
    let run = project.plinth(&["fmt", "--check"]);
    run.code(0);
    assert_eq!(run.stdout, "");
}

#[test]
fn diff_shows_the_change() {
    let project = Project::new();
    project.write("main.hcl", UGLY);
    let run = project.plinth(&["fmt", "--check", "--diff"]);
    run.code(3);
    assert!(run.stdout.contains("--- a/main.hcl"), "{}", run.stdout);
    assert!(
        run.stdout.contains("+  template_name = \"coredns\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let project = Project::new();
    project.write("main.hcl", UGLY);
    project.write("broken.hcl", "resource \"x\" {\n  a = \n");
    let run = project.plinth(&["fmt"]);
    run.code(1);
    assert!(run.stderr.contains("broken.hcl:"), "{}", run.stderr);
    assert_eq!(project.read("broken.hcl"), "resource \"x\" {\n  a = \n");
}
