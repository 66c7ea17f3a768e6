//! Every fixture is one configuration in one file: valid ones snapshot their expanded
//! instances and outputs, invalid ones their rendered diagnostics.

use std::fmt::Write as _;
use std::path::Path;

use plinth_config::{NoValues, SourceFile, Sources, evaluate_outputs, expand, load_sources};

fn sources(path: &Path) -> Sources {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    Sources {
        dir: Some(path.parent().unwrap().to_path_buf()),
        files: vec![SourceFile::new(name, text)],
        ..Sources::default()
    }
}

fn dump(path: &Path) -> String {
    let config = match load_sources(sources(path)) {
        Ok(config) => config,
        Err(diagnostics) => panic!("{} should be valid:\n{diagnostics}", path.display()),
    };
    let mut out = String::new();
    for warning in config.warnings() {
        writeln!(out, "{warning}").unwrap();
    }
    let instances = expand(&config, &NoValues).unwrap_or_else(|d| panic!("{d}"));
    for instance in &instances {
        writeln!(out, "{} ({})", instance.address, instance.location).unwrap();
        for (name, value) in &instance.attributes {
            writeln!(out, "  {name} = {value}").unwrap();
        }
        let dependencies = instance.dependencies();
        if !dependencies.is_empty() {
            let names: Vec<String> = dependencies.iter().map(ToString::to_string).collect();
            writeln!(out, "  # depends on {}", names.join(", ")).unwrap();
        }
        let lifecycle = &instance.lifecycle;
        if *lifecycle != plinth_config::Lifecycle::default() {
            writeln!(out, "  # lifecycle {lifecycle:?}").unwrap();
        }
        if instance.timeouts != plinth_config::Timeouts::default() {
            writeln!(out, "  # timeouts {:?}", instance.timeouts).unwrap();
        }
    }
    for output in evaluate_outputs(&config, &NoValues).unwrap_or_else(|d| panic!("{d}")) {
        let marker = if output.sensitive { " (sensitive)" } else { "" };
        writeln!(out, "output {}{marker} = {}", output.name, output.value).unwrap();
    }
    out
}

#[test]
fn valid_fixtures() {
    insta::glob!("../fixtures/valid", "*.hcl", |path| {
        insta::assert_snapshot!(dump(path));
    });
}

#[test]
fn invalid_fixtures() {
    insta::glob!("../fixtures/invalid", "*.hcl", |path| {
        let rendered = match load_sources(sources(path)) {
            Ok(config) => match expand(&config, &NoValues) {
                Ok(_) => panic!("{} should be invalid", path.display()),
                Err(diagnostics) => diagnostics.to_string(),
            },
            Err(diagnostics) => diagnostics.to_string(),
        };
        insta::assert_snapshot!(rendered);
    });
}
