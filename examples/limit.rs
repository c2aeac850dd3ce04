//! The ceiling for the load benchmark: a minimal actix-web server that answers every
//! GET with the same bytes from memory (the exact body the real server sent for the
//! endpoint being measured), so each endpoint can be reported as a share of what
//! actix-web itself can do on this machine.
//!   cargo run --release --example limit -- 127.0.0.1:18099 BODY_FILE CONTENT_TYPE [CODING]
//! With CODING (`br`, `gzip`) the file holds the encoded bytes and is sent as such.
//! With CONTENT_TYPE `text/event-stream` each response sends the file's bytes and then
//! stays open, as an idle Server-Sent Events reader's does (bench/sse.sh).

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(listen), Some(file), Some(content_type)) = (args.get(1), args.get(2), args.get(3))
    else {
        eprintln!("usage: limit ADDR BODY_FILE CONTENT_TYPE");
        std::process::exit(2);
    };
    let body = web::Bytes::from(std::fs::read(file)?);
    let content_type = content_type.clone();
    let coding = args.get(4).cloned();
    HttpServer::new(move || {
        let body = body.clone();
        let content_type = content_type.clone();
        let coding = coding.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            let content_type = content_type.clone();
            let coding = coding.clone();
            async move {
                let mut res = HttpResponse::Ok();
                if content_type == "text/event-stream" {
                    use futures_util::StreamExt;
                    let first =
                        futures_util::stream::once(std::future::ready(Ok::<_, actix_web::Error>(
                            body,
                        )));
                    return res
                        .content_type(content_type)
                        .streaming(first.chain(futures_util::stream::pending()));
                }
                res.content_type(content_type);
                if let Some(coding) = coding {
                    res.insert_header(("content-encoding", coding));
                }
                res.body(body)
            }
        }))
    })
    .bind(listen)?
    .run()
    .await
}
