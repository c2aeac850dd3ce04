//! The command line: `dateline [serve]`, `migrate`, `openapi`, `user create`.

use std::process::ExitCode;

use crate::auth::model::Role;
use crate::config::Settings;
use crate::startup::{Application, prepare};
use crate::store::Db;

const USAGE: &str = "\
dateline: a headless newsroom CMS

USAGE:
    dateline [serve]        migrate the database and serve the API
    dateline migrate        apply pending database migrations and exit
    dateline demo           fill an empty database with a demo newsroom
    dateline seed [--articles N] [--seed S]
                            fill an empty database with a large, deterministic newsroom
                            for benchmarks (default 10000 stories, seed 42)
    dateline render         store the JSON of every public story that has none yet (the
                            server also does it in the background after it starts)
    dateline backup PATH    copy a live SQLite database to PATH, consistently (PostgreSQL: pg_dump)
    dateline export PATH [--with-secrets]
                            write the whole newsroom (rows and media files) to the folder
                            PATH; password hashes, API keys and webhooks only if asked
    dateline import PATH    load an export into this (empty) database and media store
    dateline import wordpress FILE.xml [--media DIR] [--pages] [--source NAME]
    dateline import ghost FILE.json [--media DIR] [--pages] [--source URL]
                            move a WordPress (WXR) or Ghost (JSON) site in (see
                            `dateline import --help`)
    dateline openapi        print the OpenAPI document (JSON)
    dateline user create --email EMAIL --role ROLE [--name NAME] [--password PASSWORD]
                            create a user; without --password, reads one line from stdin

Configuration comes from the environment and .env (see .env.example).";

const IMPORT_USAGE: &str = "\
USAGE:
    dateline import wordpress FILE.xml [--media DIR] [--pages] [--source NAME]
    dateline import ghost FILE.json [--media DIR] [--pages] [--source URL]
    dateline import PATH            load a `dateline export` folder into an empty newsroom

Moves a WordPress (WXR 1.0-1.2, Tools -> Export) or Ghost (1.0 and later, Settings ->
Labs -> Export) site in: authors and co-authors, categories (WordPress) or primary tags
(Ghost) as sections, tags, photos, posts as articles with their bodies in blocks, old
addresses as redirects, and who may read each (Ghost's members-only and paid posts).
Every post is imported or named in the report with the reason; what could not be
mapped is listed line by line. Re-running updates what changed in the source, never
duplicates, and leaves alone what editors changed in Dateline since.

OPTIONS:
    --media DIR      the site's media folder (wp-content/uploads, content/images): photos
                     are read from it; without it, each photo is reported and left out
    --pages          import pages as articles too
    --source NAME    names the site, the same on every run. A Ghost export does not say
                     which site it is from: give its address (https://site.example),
                     which also turns Ghost's own links (__GHOST_URL__) into full
                     addresses; without it the site is named by its title and owner.
                     A WordPress export names itself; --source overrides that name.

Against a running server on the same SQLite file, the import waits its turn for each
write. The report goes to stdout; the exit status is 1 if any record failed.";

/// Runs the command named on the command line.
pub fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["-h" | "--help" | "help", ..] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["openapi"] => {
            println!("{}", crate::openapi::ApiDoc::build().json);
            ExitCode::SUCCESS
        }
        [] | ["serve"] => run(serve),
        ["migrate"] => run(migrate),
        ["backup", path] => {
            let path = std::path::PathBuf::from(path);
            run(move |settings| backup(settings, &path))
        }
        ["export", path, rest @ ..] if rest.iter().all(|f| *f == "--with-secrets") => {
            let (path, secrets) = (std::path::PathBuf::from(path), !rest.is_empty());
            run(move |settings| export(settings, &path, secrets))
        }
        ["import", ..] if words.iter().any(|w| matches!(*w, "-h" | "--help" | "help")) => {
            println!("{IMPORT_USAGE}");
            ExitCode::SUCCESS
        }
        ["import"] | ["import", "wordpress" | "ghost"] => {
            eprintln!("dateline: import needs a file\n{IMPORT_USAGE}");
            ExitCode::from(2)
        }
        ["import", kind @ ("wordpress" | "ghost"), file, rest @ ..] => {
            let (kind, file) = (kind.to_string(), std::path::PathBuf::from(file));
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            run(move |settings| import_from(settings, &kind, &file, &rest))
        }
        ["import", path] => {
            let path = std::path::PathBuf::from(path);
            run(move |settings| import(settings, &path))
        }
        ["demo"] => run(demo),
        ["render"] => run(render),
        ["seed", rest @ ..] => {
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            run(move |settings| seed(settings, &rest))
        }
        ["user", "create", rest @ ..] => {
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            run(move |settings| create_user(settings, &rest))
        }
        _ => {
            eprintln!("unknown command: {}\n\n{USAGE}", args.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Loads settings and runs `command`, printing any failure as one line.
fn run(command: impl FnOnce(Settings) -> Result<(), String>) -> ExitCode {
    crate::telemetry::init();
    let outcome = Settings::from_env()
        .map_err(|e| e.to_string())
        .and_then(command);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dateline: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    tracing::info!(database = ?settings.database_url, listen = %settings.listen, "starting");
    let state = prepare(settings)?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(state)?;
        tracing::info!(port = app.port(), "serving; docs at /docs");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn seed(settings: Settings, args: &[String]) -> Result<(), String> {
    let plan = crate::seed::parse_args(args)?;
    let state = prepare(settings)?;
    let summary = actix_web::rt::System::new()
        .block_on(async move { crate::seed::run(&state, plan).await })?;
    println!("{summary}");
    Ok(())
}

fn render(settings: Settings) -> Result<(), String> {
    let state = prepare(settings)?;
    let made = crate::content::articles::renders::render_all(
        &state.db,
        state.renders.generation(),
        &state.media,
    )
    .map_err(|e| e.to_string())?;
    println!("rendered {made} stories");
    Ok(())
}

fn demo(settings: Settings) -> Result<(), String> {
    let state = prepare(settings)?;
    let summary =
        actix_web::rt::System::new().block_on(async move { crate::demo::run(&state).await })?;
    println!("{summary}");
    Ok(())
}

/// The database (migrated) and media store, without the first-admin bootstrap: an
/// import must find the database empty.
fn open_store(settings: &Settings) -> Result<(Db, crate::media::files::MediaStore), String> {
    let db = Db::connect(&settings.database_url, 2)?;
    db.migrate()?;
    Ok((db, crate::media::files::MediaStore::open(settings)?))
}

fn backup(settings: Settings, path: &std::path::Path) -> Result<(), String> {
    let (db, _) = open_store(&settings)?;
    actix_web::rt::System::new().block_on(crate::portability::backup(&db, path))?;
    println!("backed up to {}", path.display());
    Ok(())
}

fn export(settings: Settings, path: &std::path::Path, secrets: bool) -> Result<(), String> {
    let (db, media) = open_store(&settings)?;
    let manifest = actix_web::rt::System::new()
        .block_on(crate::portability::export(&db, &media, path, secrets))?;
    println!("exported to {}: {}", path.display(), manifest["tables"]);
    Ok(())
}

fn import(settings: Settings, path: &std::path::Path) -> Result<(), String> {
    let (db, media) = open_store(&settings)?;
    let summary =
        actix_web::rt::System::new().block_on(crate::portability::import(&db, &media, path))?;
    println!("imported {}: {summary}", path.display());
    Ok(())
}

fn import_from(
    settings: Settings,
    kind: &str,
    file: &std::path::Path,
    args: &[String],
) -> Result<(), String> {
    let mut options = crate::importers::Options {
        progress: true,
        ..Default::default()
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pages" => options.pages = true,
            "--source" => {
                let name = args.next().ok_or("import: --source needs a name or URL")?;
                if name.trim().is_empty() || name.len() > 200 {
                    return Err("import: --source must be 1 to 200 characters".into());
                }
                options.source = Some(name.trim().to_owned());
            }
            "--media" => {
                let dir = args.next().ok_or("import: --media needs a folder")?;
                let dir = std::path::PathBuf::from(dir);
                if !dir.is_dir() {
                    return Err(format!("import: --media {}: not a folder", dir.display()));
                }
                options.media_dir = Some(dir);
            }
            other => return Err(format!("import {kind}: unknown option {other:?}")),
        }
    }
    // Read first: a file that is not an export creates or changes nothing.
    let bundle = crate::importers::read_file(kind, file, &options)?;
    let state = prepare(settings)?;
    let report = actix_web::rt::System::new()
        .block_on(async move { crate::importers::run(&state, bundle, &options).await });
    println!("{report}");
    let failed = [
        report.authors,
        report.sections,
        report.tags,
        report.images,
        report.articles,
    ]
    .iter()
    .map(|t| t.failed)
    .sum::<usize>();
    if failed > 0 {
        return Err(format!(
            "import {kind}: {failed} record(s) failed; see above"
        ));
    }
    Ok(())
}

fn migrate(settings: Settings) -> Result<(), String> {
    let db = Db::connect(&settings.database_url, 1)?;
    let ran = db.migrate()?;
    println!("applied {ran} migration(s)");
    Ok(())
}

fn create_user(settings: Settings, args: &[String]) -> Result<(), String> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let email = flag("--email").ok_or("user create: --email is required")?;
    let role = Role::parse(&flag("--role").ok_or("user create: --role is required")?)
        .map_err(|e| format!("user create: --role: {e}"))?;
    let password = match flag("--password") {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("user create: reading the password from stdin: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = Db::connect(&settings.database_url, 1)?;
    db.migrate()?;
    let user =
        crate::users::create_blocking(&db, &email, flag("--name").as_deref(), role, &password)
            .map_err(|e| format!("user create: {e}"))?;
    println!("created {} {} ({})", user.role, user.email, user.id);
    Ok(())
}
