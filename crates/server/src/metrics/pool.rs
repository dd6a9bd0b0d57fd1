//! Database pool saturation, read at scrape time.
//!
//! A gauge kept up to date on every checkout would cost every query a
//! write; the pool already knows its state, so the collector asks it when
//! Prometheus scrapes.

use latchkey_store::Db;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _};
use prometheus_client::metrics::gauge::ConstGauge;

/// Encodes the pool's size, idle and in-use connections.
#[derive(Debug)]
pub struct PoolCollector {
    db: Db,
}

impl PoolCollector {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let state = self.db.pool_state();
        let max = ConstGauge::new(i64::from(state.max_size));
        max.encode(encoder.encode_descriptor(
            "db_pool_max_connections",
            "The most connections the database pool opens (database.pool_size)",
            None,
            max.metric_type(),
        )?)?;
        let idle = i64::from(state.idle);
        let in_use = i64::from(state.connections.saturating_sub(state.idle));
        let mut family = encoder.encode_descriptor(
            "db_pool_connections",
            "Open database connections, idle or in use; in_use near max means requests wait for a connection",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        for (label, value) in [("idle", idle), ("in_use", in_use)] {
            let labels = [("state", label)];
            ConstGauge::new(value).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
