//! `passeport`: the command line of the career passport (see `shared/CONTRACT.md`).
//!
//! Exit codes: `0` success (for `verify`: valid), `1` a verification said invalid, `2` bad usage
//! or bad input (the message on stderr says what and where).
#![forbid(unsafe_code)]

mod cmd;
mod io;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc: issuing and verifying build and drop many small JSON values per item, and glibc's
/// allocator took about 16 % of a batch's time (perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Career passport: issue, hold, present and verify career credentials.
#[derive(Debug, Parser)]
#[command(name = "passeport", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make and inspect keys (JWK).
    #[command(subcommand)]
    Key(cmd::key::KeyCommand),
    /// Issue a passport record as a verifiable credential.
    Issue(cmd::issue::IssueArgs),
    /// Present credentials (holder), disclosing only chosen claims.
    Present(cmd::present::PresentArgs),
    /// Verify a credential or presentation (employer).
    Verify(cmd::verify::VerifyArgs),
    /// The holder's wallet.
    #[command(subcommand)]
    Wallet(cmd::wallet::WalletCommand),
    /// Run the signing and sharing service.
    Serve(cmd::serve::ServeArgs),
    /// Administer the service (API keys).
    #[command(subcommand)]
    Admin(cmd::admin::AdminCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Key(c) => cmd::key::run(c),
        Command::Issue(a) => cmd::issue::run(a),
        Command::Present(a) => cmd::present::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Wallet(c) => cmd::wallet::run(c),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Admin(c) => cmd::admin::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("passeport: {e:#}");
            ExitCode::from(2)
        }
    }
}
