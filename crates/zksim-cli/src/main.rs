//! `zksim`: run ZooKeeper session scenarios on a virtual clock, and move them around as links.
//!
//! Exit status: 0 on success, 2 on bad input (the reason on stderr).

mod bench;

use std::io::{Read, Write};
use std::process::ExitCode;

use zksim::link;
use zksim::scenario::{Limits, Scenario};

const HELP: &str = "\
zksim: ZooKeeper's session machinery, version by version, on a deterministic virtual clock

USAGE:
    zksim run SCENARIO [--until MS] [--json | --log]
    zksim diff SCENARIO --vs VERSION [--until MS] [--json]
    zksim link encode FILE [--page URL] [--at MS]
    zksim link decode LINK
    zksim gallery [NAME]
    zksim bench [--clients N] [--servers N] [--minutes M] [--sessions N --hours H]
    zksim --help | --version

SCENARIO is a scenario file (JSON, format 1), a link (…#s=1.…), or - for standard input.

run            runs the scenario to its until_ms (or --until MS) and prints a summary;
               --json prints the run report (servers, sessions, clients, ops, znodes and the
               trace hash), --log prints every ZooKeeper log line with its virtual time and node.
diff           runs the scenario as written and under VERSION, and prints the first event where
               the two runs differ (what each release did there) and both summaries; --json
               prints both reports and the divergence.
link encode    prints the link of a scenario file (--page sets the page, --at the position).
link decode    prints the scenario a link carries, as JSON.
gallery        lists the built-in stories, or prints one as a scenario file.
bench          measures events per second and memory per session (see the README).

Exit status: 0 on success, 2 on a bad scenario, link or argument (the reason on stderr).
";

/// `println!` that ends the process quietly when the reader has gone away (`zksim ... | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = writeln!(stdout, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("zksim: writing the output: {e}");
            std::process::exit(2);
        }
    }};
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("zksim: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let Some(cmd) = args.first() else {
        out!("{}", HELP.trim_end());
        return Ok(());
    };
    match cmd.as_str() {
        "-h" | "--help" | "help" => {
            out!("{}", HELP.trim_end());
            Ok(())
        }
        "-V" | "--version" => {
            out!("zksim {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        "run" => cmd_run(&args[1..]),
        "diff" => cmd_diff(&args[1..]),
        "link" => cmd_link(&args[1..]),
        "gallery" => cmd_gallery(&args[1..]),
        "bench" => zksim_cli_bench(&args[1..]),
        other => Err(format!("unknown command {other:?} (try --help)")),
    }
}

fn read_input(arg: &str) -> Result<String, String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading standard input: {e}"))?;
        return Ok(s);
    }
    if looks_like_link(arg) {
        return Ok(arg.to_string());
    }
    let meta = std::fs::metadata(arg).map_err(|e| format!("{arg}: {e}"))?;
    if meta.len() as usize > Limits::NATIVE.json_bytes_max {
        return Err(format!(
            "{arg}: larger than {} bytes",
            Limits::NATIVE.json_bytes_max
        ));
    }
    std::fs::read_to_string(arg).map_err(|e| format!("{arg}: {e}"))
}

fn looks_like_link(s: &str) -> bool {
    s.contains("#s=") || s.starts_with("s=1.") || s.starts_with("1.")
}

/// A scenario from JSON text or a link (the text decides which).
fn parse_scenario(text: &str) -> Result<(Scenario, Option<u64>), String> {
    let t = text.trim();
    if t.starts_with('{') {
        Scenario::from_json(t, &Limits::NATIVE)
            .map(|s| (s, None))
            .map_err(|e| format!("scenario: {e}"))
    } else {
        link::decode(t, &Limits::NATIVE)
            .map(|d| (d.scenario, d.t_ms))
            .map_err(|e| e.to_string())
    }
}

fn take_value(args: &[String], i: &mut usize, flag: &str) -> Result<String, String> {
    *i += 1;
    args.get(*i)
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn parse_ms(v: &str, flag: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("{flag}: expected milliseconds (a whole number), got {v:?}"))
}

fn cmd_run(args: &[String]) -> Result<(), String> {
    let mut input = None;
    let mut until = None;
    let mut mode = "summary";
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--json" => mode = "json",
            "--log" => mode = "log",
            "--until" => until = Some(parse_ms(&take_value(args, &mut i, "--until")?, "--until")?),
            a if input.is_none() && (a == "-" || !a.starts_with("--")) => {
                input = Some(a.to_string())
            }
            a => return Err(format!("run: unexpected argument {a:?}")),
        }
        i += 1;
    }
    let input = input.ok_or("run: which scenario? (a file, a link, or - for stdin)")?;
    let (scenario, _) = parse_scenario(&read_input(&input)?)?;
    if let Some(u) = until
        && u > Limits::NATIVE.until_ms_max
    {
        return Err(format!(
            "--until: at most {} ms",
            Limits::NATIVE.until_ms_max
        ));
    }
    let world = zksim::report::run_scenario(&scenario, until, mode == "log");
    match mode {
        "json" => {
            let v = zksim::report::report(&world);
            out!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
            );
        }
        "log" => {
            for line in zksim::report::log_lines(&world) {
                out!("{line}");
            }
        }
        _ => print_summary(&world),
    }
    Ok(())
}

fn cmd_diff(args: &[String]) -> Result<(), String> {
    let mut input = None;
    let mut until = None;
    let mut vs = None;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--json" => json = true,
            "--until" => until = Some(parse_ms(&take_value(args, &mut i, "--until")?, "--until")?),
            "--vs" => {
                let v = take_value(args, &mut i, "--vs")?;
                let known: Vec<&str> = zksim::profile::Version::ALL
                    .iter()
                    .map(|v| v.name())
                    .collect();
                vs = Some(zksim::profile::Version::parse(&v).ok_or_else(|| {
                    format!(
                        "--vs: unknown version {v:?} (expected one of {})",
                        known.join(", ")
                    )
                })?);
            }
            a if input.is_none() && (a == "-" || !a.starts_with("--")) => {
                input = Some(a.to_string())
            }
            a => return Err(format!("diff: unexpected argument {a:?}")),
        }
        i += 1;
    }
    let input = input.ok_or("diff: which scenario? (a file, a link, or - for stdin)")?;
    let vs = vs.ok_or("diff: --vs VERSION is required (the profile to compare with)")?;
    let (scenario, _) = parse_scenario(&read_input(&input)?)?;
    if let Some(u) = until
        && u > Limits::NATIVE.until_ms_max
    {
        return Err(format!(
            "--until: at most {} ms",
            Limits::NATIVE.until_ms_max
        ));
    }
    let d = zksim::diff::diff(&scenario, vs, until);
    if json {
        out!(
            "{}",
            serde_json::to_string_pretty(&zksim::diff::report(&d)).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let (an, bn) = (d.a.profile().name, d.b.profile().name);
    match &d.divergence {
        None => out!("{an} and {bn} run this scenario alike: no event differs."),
        Some(v) => {
            let at = |w: &zksim::world::World, e: &Option<zksim::trace::TraceEvent>| match e {
                Some(e) => format!(
                    "{:.3} s [{}] {}",
                    e.at_ms as f64 / 1000.0,
                    w.node_name(&e.node),
                    e.explain
                ),
                None => "(the run had ended)".to_string(),
            };
            out!("first divergence (event {}):", v.index);
            out!("  {an}: {}", at(&d.a, &v.a));
            out!("  {bn}: {}", at(&d.b, &v.b));
        }
    }
    out!("");
    print_summary(&d.a);
    print_summary(&d.b);
    Ok(())
}

fn print_summary(w: &zksim::world::World) {
    use zksim::ids::hex;
    out!(
        "zksim {} · ended at {} ms · {} events · trace {}",
        w.profile().name,
        w.now_ms(),
        w.trace().len(),
        w.trace_hash()
    );
    for s in w.server_views() {
        out!("  server s{}: {}", s.myid, s.role.name());
    }
    for s in w.session_views() {
        out!(
            "  session {} (minted by s{}, {} ms): {}{}",
            hex(s.id),
            s.minted_by,
            s.timeout_ms,
            s.state,
            if s.collides { " — ID COLLISION" } else { "" }
        );
    }
    for c in w.client_views() {
        out!(
            "  client {}: {} on {} · events {}",
            c.name,
            c.state,
            c.server
                .map(|s| format!("s{s}"))
                .unwrap_or_else(|| "-".into()),
            c.events.join(", ")
        );
    }
    for o in w.op_views() {
        out!(
            "  {:>8} ms {} {} {} -> {}",
            o.at_ms,
            o.client,
            o.op,
            o.path.clone().unwrap_or_default(),
            match o.code {
                Some(c) => format!("{} ({c})", zksim::codes::name(c)),
                None => "no answer".into(),
            }
        );
    }
}

fn cmd_link(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("encode") => {
            let mut file = None;
            let mut page = "http://127.0.0.1:8080/".to_string();
            let mut at = None;
            let mut i = 1;
            while i < args.len() {
                match args[i].as_str() {
                    "--page" => page = take_value(args, &mut i, "--page")?,
                    "--at" => at = Some(parse_ms(&take_value(args, &mut i, "--at")?, "--at")?),
                    a if file.is_none() => file = Some(a.to_string()),
                    a => return Err(format!("link encode: unexpected argument {a:?}")),
                }
                i += 1;
            }
            let file = file.ok_or("link encode: which scenario file?")?;
            let (scenario, _) = parse_scenario(&read_input(&file)?)?;
            if let Some(t) = at
                && t > scenario.until_ms
            {
                return Err(format!(
                    "--at {t} is past the scenario's until_ms {}",
                    scenario.until_ms
                ));
            }
            out!("{}", link::to_url(&page, &scenario, at));
            Ok(())
        }
        Some("decode") => {
            let l = args.get(1).ok_or("link decode: which link?")?;
            let d = link::decode(l, &Limits::NATIVE).map_err(|e| e.to_string())?;
            out!("{}", d.scenario.to_json_pretty());
            if let Some(t) = d.t_ms {
                eprintln!("position: {t} ms");
            }
            Ok(())
        }
        _ => Err("link: encode FILE or decode LINK".into()),
    }
}

fn cmd_gallery(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => {
            for s in zksim::gallery::STORIES {
                let name = s.scenario().ok().and_then(|sc| sc.name).unwrap_or_default();
                out!("{:<28} {name}", s.id);
            }
            out!(
                "\n`zksim gallery ID` prints a story's scenario; `zksim run <(zksim gallery ID)` runs it."
            );
            Ok(())
        }
        Some(id) => {
            let s = zksim::gallery::story(id)
                .ok_or_else(|| format!("gallery: no story {id:?} (zksim gallery lists them)"))?;
            out!("{}", s.json.trim_end());
            Ok(())
        }
    }
}

fn zksim_cli_bench(args: &[String]) -> Result<(), String> {
    let mut servers: u8 = 5;
    let mut clients: usize = 10_000;
    let mut minutes: u64 = 10;
    let mut hours: Option<u64> = None;
    let mut i = 0;
    let num = |v: String, flag: &str| -> Result<u64, String> {
        v.parse::<u64>()
            .map_err(|_| format!("{flag}: expected a whole number, got {v:?}"))
    };
    while i < args.len() {
        match args[i].as_str() {
            "--servers" => {
                servers =
                    num(take_value(args, &mut i, "--servers")?, "--servers")?.clamp(1, 255) as u8
            }
            "--clients" | "--sessions" => {
                clients = num(take_value(args, &mut i, "--clients")?, "--clients")?
                    .clamp(1, Limits::NATIVE.clients_max as u64) as usize
            }
            "--minutes" => minutes = num(take_value(args, &mut i, "--minutes")?, "--minutes")?,
            "--hours" => hours = Some(num(take_value(args, &mut i, "--hours")?, "--hours")?),
            a => return Err(format!("bench: unexpected argument {a:?}")),
        }
        i += 1;
    }
    let until_ms = match hours {
        Some(h) => h * 3_600_000,
        None => minutes * 60_000,
    };
    if until_ms == 0 || until_ms > Limits::NATIVE.until_ms_max {
        return Err("bench: the simulated time must be positive and at most 30 days".into());
    }
    let w = bench::Workload {
        servers,
        clients,
        until_ms,
        tick_ms: 2000,
        timeout_ms: 30_000,
    };
    let r = bench::run(&w);
    bench::print(
        "zksim bench (release build recommended: cargo run --release -p zksim-cli -- bench)",
        &w,
        &r,
    );
    Ok(())
}
