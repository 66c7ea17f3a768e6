//! The terminal: `plinth apply` in a pseudo-terminal, interrupted with Ctrl-C while operations
//! run against a slow emulator, and the screen it leaves, read through a terminal emulator
//! (`vt100`): live lines cleared, messages whole and in order, at any number of operations in
//! flight.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::support::{CLUSTER_1, CLUSTER_2, Cloud, Project};

/// Tall enough that nothing scrolls away: the screen is the whole output.
const ROWS: u16 = 300;
const COLS: u16 = 160;

/// `plinth apply --auto-approve` running in a pseudo-terminal.
struct Terminal {
    output: Arc<Mutex<Vec<u8>>>,
    /// Says when the reader has read everything: the terminal closed after the process ended.
    drained: std::sync::mpsc::Receiver<()>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Terminal {
    fn apply(project: &Project) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_plinth"));
        command.args(["apply", "--auto-approve"]);
        command.cwd(project.path());
        command.env("TERM", "xterm-256color");
        for (name, _) in std::env::vars() {
            if name.starts_with("PLINTH_")
                || name.starts_with("HW_")
                || name.starts_with("HUAWEICLOUD_")
                || name == "NO_COLOR"
                || name == "CLICOLOR"
            {
                command.env_remove(name);
            }
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        let (done, drained) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keeps the master open as long as the reader runs.
            let _master = pair.master;
            let mut buffer = [0; 4096];
            while let Ok(read) = reader.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
            let _ = done.send(());
        });
        Self {
            output,
            drained,
            writer,
            child,
        }
    }

    /// The screen as a terminal shows it now.
    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(&self.output.lock().unwrap());
        let rows: Vec<String> = parser
            .screen()
            .rows(0, COLS)
            .map(|row| row.trim_end().to_owned())
            .collect();
        rows.join("\n").trim_end().to_owned()
    }

    /// Waits until the screen satisfies `ready`, failing with the screen after 60 s.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ctrl_c(&mut self) {
        self.writer.write_all(b"\x03").unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the exit status, then for the last output to be read (the reader ends when
    /// the terminal closes: the process and everything holding the terminal have ended).
    fn exit_code(&mut self) -> u32 {
        let status = self.child.wait().unwrap();
        self.drained
            .recv_timeout(Duration::from_secs(60))
            .expect("the terminal closes after plinth exits");
        status.exit_code()
    }
}

fn addons(cloud: &Cloud, in_flight: usize) -> String {
    let templates = ["coredns", "everest", "npd", "volcano"];
    let mut body = cloud.provider();
    for template in &templates[..in_flight] {
        let _ = write!(
            body,
            "resource \"huaweicloud_cce_addon\" \"{template}\" {{\n  cluster_id = \"{CLUSTER_1}\"\n  \
             template_name = \"{template}\"\n}}\n"
        );
    }
    // Waits for the first: skipped by the interrupt.
    let _ = write!(
        body,
        "resource \"huaweicloud_cce_addon\" \"later\" {{\n  cluster_id = \"{CLUSTER_2}\"\n  \
         template_name = \"coredns\"\n  depends_on = [huaweicloud_cce_addon.{}]\n}}\n",
        templates[0]
    );
    body
}

/// The position of `needle` on the screen, failing when it is not there exactly once.
#[track_caller]
fn once(screen: &str, needle: &str) -> usize {
    let found: Vec<usize> = screen.match_indices(needle).map(|(at, _)| at).collect();
    assert_eq!(
        found.len(),
        1,
        "`{needle}` is not on the screen once:\n{screen}"
    );
    found[0]
}

#[track_caller]
fn in_order(screen: &str, needles: &[&str]) {
    let positions: Vec<usize> = needles.iter().map(|needle| once(screen, needle)).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "not in the order {needles:?}:\n{screen}"
    );
}

#[test]
fn a_double_ctrl_c_leaves_a_clean_screen_at_any_number_of_operations_in_flight() {
    for in_flight in [1, 2, 4] {
        let cloud = Cloud::start(120_000);
        let project = Project::new();
        project.write("main.hcl", &addons(&cloud, in_flight));
        let mut terminal = Terminal::apply(&project);
        terminal.wait_for(&format!("{in_flight} live lines"), |screen| {
            screen.matches("Creating...").count() == in_flight
        });
        terminal.ctrl_c();
        let screen = terminal.wait_for("the first interrupt's message", |screen| {
            screen.contains("Press Ctrl-C again to stop at once")
        });
        in_order(
            &screen,
            &[
                "Interrupt received: starting nothing new",
                "Press Ctrl-C again to stop at once",
            ],
        );
        // The live lines are drawn again below the message, not over it.
        assert_eq!(screen.matches("Creating...").count(), in_flight, "{screen}");
        terminal.ctrl_c();
        let code = terminal.exit_code();
        let screen = terminal.screen();
        assert_eq!(code, 130, "{screen}");
        assert!(
            !screen.contains("Creating..."),
            "a live line was left on the screen:\n{screen}"
        );
        in_order(
            &screen,
            &[
                "Interrupt received: starting nothing new",
                "Press Ctrl-C again to stop at once",
                "Second interrupt: recording the operations in flight as pending",
                "huaweicloud_cce_addon.coredns: left running",
                "Apply interrupted",
            ],
        );
        once(&screen, "huaweicloud_cce_addon.later: skipped");
        assert_eq!(
            screen
                .matches("; recorded as pending for the next run")
                .count(),
            in_flight,
            "every operation in flight is said once to be left pending:\n{screen}"
        );
    }
}

#[test]
fn a_single_ctrl_c_lets_the_operations_in_flight_finish_on_a_clean_screen() {
    let cloud = Cloud::start(3_000);
    let project = Project::new();
    project.write("main.hcl", &addons(&cloud, 2));
    let mut terminal = Terminal::apply(&project);
    terminal.wait_for("two live lines", |screen| {
        screen.matches("Creating...").count() == 2
    });
    terminal.ctrl_c();
    let code = terminal.exit_code();
    let screen = terminal.screen();
    assert_eq!(code, 130, "{screen}");
    assert!(!screen.contains("Creating..."), "{screen}");
    in_order(
        &screen,
        &[
            "Press Ctrl-C again to stop at once",
            "huaweicloud_cce_addon.coredns: Creation complete",
            "Apply interrupted",
        ],
    );
    once(&screen, "huaweicloud_cce_addon.everest: Creation complete");
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_2}/coredns")),
        0
    );
}
