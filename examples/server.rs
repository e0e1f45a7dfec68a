//! The JIM chat server: `cargo run --example server -- [ADDR [PORT]]`.
//!
//! Listens on `0.0.0.0:7777` unless told otherwise, relays messages between
//! users and rooms in both dialects of the protocol, and stops cleanly on
//! Ctrl-C (or SIGTERM). Port 0 picks any free port; the line
//! `jim server listening on ADDR` on stdout says which. Logs go to stderr;
//! `RUST_LOG` sets the level (default `info`).
//!
//! Accounts, contacts and messages are kept in a SQLite file (`--db`,
//! default `$XDG_DATA_HOME/jim/jim.db`, else `~/.local/share/jim/jim.db`,
//! else `./jim.db`; the path is logged at start). `server user add NAME`
//! and friends manage accounts in the same file.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use jim_std::hub::{Auth, RateLimit, Registration};
use jim_std::store::{Durability, Passwords, Retention, SqliteStore, Storage, Store};
use jim_std::{Server, ServerConfig};

/// Exit code for a bad command line (as clap uses).
const USAGE: u8 = 2;

/// JIM (JSON Instant Messaging) server.
#[derive(Parser, Debug)]
#[command(
    name = "server",
    version,
    override_usage = "server [OPTIONS] [ADDR] [PORT]\n       server [--db PATH] [--sync SYNC] user <COMMAND>"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    /// Address to listen on (IPv4, IPv6 or host name) [default: 0.0.0.0]
    #[arg(value_name = "ADDR")]
    positional_addr: Option<String>,

    /// Port to listen on; 0 picks any free port [default: 7777]
    #[arg(value_name = "PORT", value_parser = clap::value_parser!(u16))]
    positional_port: Option<u16>,

    /// Address to listen on (wins over ADDR)
    #[arg(short, long, value_name = "ADDR")]
    addr: Option<String>,

    /// Port to listen on, 0 for any free port (wins over PORT)
    #[arg(short, long, value_name = "PORT")]
    port: Option<u16>,

    /// Most clients served at once; more are answered 500 "server busy"
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,

    /// Most clients from one IP address at once
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    max_per_address: u64,

    /// Seconds a client may send nothing before it is disconnected; a probe goes out at half of it (0: never)
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    idle_timeout: u64,

    /// Seconds one message may take to arrive once it has started (0: no limit)
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    message_deadline: u64,

    /// Requests per second a client may make on average (0: no limit)
    #[arg(long, value_name = "N", default_value_t = 50)]
    rate: u32,

    /// Requests a client may make at once after a quiet spell
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    burst: u32,

    /// KiB queued for a client that does not read before it is disconnected
    #[arg(long, value_name = "KIB", default_value_t = 128, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    max_queue: u64,

    #[command(flatten)]
    db: DbArgs,

    /// Who must log in: optional (a bare presence works, but not on an account's name) or required
    #[arg(long, value_enum, default_value_t = AuthArg::Optional)]
    auth: AuthArg,

    /// Whether the first authenticate of an unknown name creates its account
    #[arg(long, value_enum, default_value_t = RegistrationArg::Open)]
    registration: RegistrationArg,

    /// Room messages replayed to a client that joins (0: none)
    #[arg(long, value_name = "N", default_value_t = 20)]
    history: u32,

    /// Delete stored messages older than this many days (0: keep forever)
    #[arg(long, value_name = "DAYS", default_value_t = 0)]
    keep_days: u64,

    /// Keep at most this many stored messages, deleting the oldest (0: no limit)
    #[arg(long, value_name = "N", default_value_t = 0)]
    keep_messages: u64,
}

#[derive(clap::Args, Debug)]
struct DbArgs {
    /// SQLite database file, created if missing ("memory": keep nothing) [default: the user's data directory, jim/jim.db]
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,

    /// normal: a commit survives the server being killed; full: also a power loss (an fsync per commit)
    #[arg(long, value_enum, default_value_t = SyncArg::Normal, global = true)]
    sync: SyncArg,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage accounts in the database (works while the server runs)
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account; the password is read from the terminal (not echoed) or one line of stdin
    Add {
        /// The account name
        name: String,
    },
    /// List the accounts
    List,
    /// Delete an account (its contacts and messages stay)
    Remove {
        /// The account name
        name: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum AuthArg {
    Optional,
    Required,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum RegistrationArg {
    Open,
    Closed,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SyncArg {
    Normal,
    Full,
}

impl DbArgs {
    /// Where the data goes: `--db`, or the default file (its directory
    /// created).
    fn storage(&self) -> Result<Storage, String> {
        let durability = match self.sync {
            SyncArg::Normal => Durability::Normal,
            SyncArg::Full => Durability::Full,
        };
        let path = match &self.db {
            Some(path) if path.as_os_str() == "memory" => return Ok(Storage::Memory),
            Some(path) => path.clone(),
            None => {
                let path = default_db();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                path
            }
        };
        Ok(Storage::Sqlite { path, durability })
    }
}

/// `$XDG_DATA_HOME/jim/jim.db`, `~/.local/share/jim/jim.db`, or `jim.db`.
fn default_db() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")));
    match data {
        Some(dir) => dir.join("jim").join("jim.db"),
        None => PathBuf::from("jim.db"),
    }
}

/// The command line. `--db` and `--sync` go before or after `user`; the
/// options of a running server do not go with `user` at all (rather than
/// being ignored without a word).
fn parse_args() -> Result<Args, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Args::command();
    let matches = command.clone().try_get_matches()?;
    if matches.subcommand_name().is_some() {
        let serving = command.get_arguments().find(|arg| {
            let id = arg.get_id().as_str();
            !matches!(id, "db" | "sync")
                && matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        });
        if let Some(arg) = serving {
            let name = match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => arg
                    .get_value_names()
                    .and_then(|names| names.first())
                    .map_or_else(|| arg.get_id().to_string(), ToString::to_string),
            };
            return Err(command.error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "{name} is for running the server; `server user` takes only --db and --sync"
                ),
            ));
        }
    }
    Args::from_arg_matches(&matches)
}

/// `server user …`: exit code 0 on success, 1 on failure.
fn user_command(command: &UserCommand, db: &DbArgs) -> ExitCode {
    let storage = match db.storage() {
        Ok(Storage::Sqlite { path, durability }) => (path, durability),
        Ok(_) => {
            eprintln!("error: accounts need a database file (--db PATH)");
            return ExitCode::from(USAGE);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut store = match SqliteStore::open(&storage.0, storage.1) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        UserCommand::Add { name } => add_user(&mut store, name),
        UserCommand::List => store.accounts().map_err(|e| e.to_string()).map(|names| {
            for name in names {
                println!("{name}");
            }
        }),
        UserCommand::Remove { name } => match store.remove_account(name) {
            Ok(true) => {
                println!("account {name} removed");
                Ok(())
            }
            Ok(false) => Err(format!("no account {name}")),
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn add_user(store: &mut SqliteStore, name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 25 {
        return Err("an account name has 1 to 25 characters".into());
    }
    let password = read_password(name)?;
    if password.is_empty() {
        return Err("empty password".into());
    }
    let phc = Passwords::default()
        .hash(&password)
        .map_err(|e| e.to_string())?;
    match store.create_account(name, &phc) {
        Ok(true) => {
            println!("account {name} created");
            Ok(())
        }
        Ok(false) => Err(format!("account {name} exists")),
        Err(e) => Err(e.to_string()),
    }
}

/// From the terminal without echo, or the first line of stdin.
fn read_password(name: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("password for {name}: "))
            .map_err(|e| format!("cannot read the password: {e}"));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if let Some(Command::User(command)) = &args.command {
        return user_command(command, &args.db);
    }
    let storage = match args.db.storage() {
        Ok(storage) => storage,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let host = args
        .addr
        .or(args.positional_addr)
        .unwrap_or_else(|| "0.0.0.0".into());
    let port = args.port.or(args.positional_port);
    let addrs = match jim_std::addr::resolve(&host, port) {
        Ok(addrs) => addrs,
        Err(e) => {
            eprintln!("error: bad address {host:?}: {e}");
            return ExitCode::from(USAGE);
        }
    };

    let config = ServerConfig::default()
        .max_connections(usize::try_from(args.max_connections).unwrap_or(usize::MAX))
        .max_per_address(usize::try_from(args.max_per_address).unwrap_or(usize::MAX))
        .idle_timeout(Duration::from_secs(args.idle_timeout))
        .message_deadline(Duration::from_secs(args.message_deadline))
        .rate(RateLimit {
            per_second: args.rate,
            burst: args.burst,
        })
        .max_queue(usize::try_from(args.max_queue * 1024).unwrap_or(usize::MAX))
        .storage(storage)
        .auth(match args.auth {
            AuthArg::Optional => Auth::Optional,
            AuthArg::Required => Auth::Required,
        })
        .registration(match args.registration {
            RegistrationArg::Open => Registration::Open,
            RegistrationArg::Closed => Registration::Closed,
        });
    let mut config = config;
    config.history_on_join = args.history;
    config.store.retention = Retention {
        max_age: (args.keep_days > 0).then(|| Duration::from_secs(args.keep_days * 86_400)),
        max_messages: (args.keep_messages > 0).then_some(args.keep_messages),
    };
    // Many systems start programs with room for 1,024 open files: about a
    // thousand clients, whatever --max-connections says. Raised as far as
    // the hard limit lets this program go.
    #[cfg(unix)]
    match jim_std::raise_open_files_limit(config.descriptors_needed() as u64) {
        Ok((before, after)) if after > before => {
            log::info!("open-files limit raised from {before} to {after}");
        }
        Ok(_) => {}
        Err(e) => log::warn!("could not raise the open-files limit: {e}"),
    }
    let server = match Server::bind(&addrs[..], config) {
        Ok(server) => server,
        Err(e) => {
            let at = addrs
                .first()
                .map_or_else(|| host.clone(), ToString::to_string);
            match e.kind() {
                std::io::ErrorKind::AddrInUse => eprintln!(
                    "error: cannot listen on {at}: the port is taken (another server? \
                     pick another with --port)"
                ),
                std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::PermissionDenied => {
                    eprintln!("error: cannot listen on {at}: {e}")
                }
                // The database, the storage thread, the poller: the error
                // says which.
                _ => eprintln!("error: cannot start: {e}"),
            }
            return ExitCode::FAILURE;
        }
    };

    let stop = server.shutdown_handle();
    if let Err(e) = ctrlc::set_handler(move || {
        log::info!("interrupted, shutting down");
        stop.shutdown();
    }) {
        log::warn!("cannot handle Ctrl-C ({e}); stop the server with a signal");
    }

    // Tests and scripts read this line to learn the port: print, then flush
    // (stdout is block-buffered when it is a pipe).
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "jim server listening on {}", server.local_addr());
    let _ = stdout.flush();

    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
