//! `cascade mcu`, `cascade gateway`, `cascade vnet`: load the configuration (flags > file >
//! `CASCADE_*` > defaults), start logging, run until SIGTERM/SIGINT. The servers themselves live
//! in their crates; this module only plugs the H.323 implementations into their seams.

use std::sync::Arc;

use anyhow::Context;
use service::shutdown::Shutdown;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
}

/// `cascade mcu`.
pub fn mcu(args: &mcu::Args) -> anyhow::Result<()> {
    let config = mcu::Config::load(args)?;
    service::telemetry::init(config.log_format);
    service::limits::raise_open_files_and_log();
    runtime()?.block_on(async {
        let server = mcu::Server::bind(config).await?;
        tracing::info!(http = %server.http_addr(), h323 = %server.h323_addr(), "cascade mcu listening");
        server.serve(mcu::h323::H323Signalling::default(), Shutdown::on_signals()).await
    })
}

/// `cascade gateway`.
pub fn gateway(args: &gateway::Args) -> anyhow::Result<()> {
    let config = gateway::Config::load(args)?;
    service::telemetry::init(config.log_format);
    service::limits::raise_open_files_and_log();
    runtime()?.block_on(async {
        let server =
            gateway::Server::bind(config, Arc::new(gateway::h323::H323Dialer::default())).await?;
        tracing::info!(http = %server.http_addr(), "cascade gateway listening");
        server.serve(Shutdown::on_signals()).await
    })
}

/// `cascade vnet`.
pub fn vnet(args: &vnet::Args) -> anyhow::Result<()> {
    let config = vnet::Config::load(args)?;
    service::telemetry::init(config.log_format);
    service::limits::raise_open_files_and_log();
    runtime()?.block_on(async {
        let server = vnet::Server::bind(config).await?;
        tracing::info!(http = %server.http_addr(), "cascade vnet listening");
        server.serve(Shutdown::on_signals()).await
    })
}
