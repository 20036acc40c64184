"""
### ingest_nof_metrics and ingest_nof_league_table: NHS Oversight Framework data (quarterly)

NHS England publishes, per trust type (acute, non-acute hospital / mental health and community,
ambulance), the NOF metric data (`nhs-oversight-framework-<type>-trust-data[-q<n>-<yy>-<yy>][-v<n>].csv`)
and the league table (`...-trust-league-table[...].csv`) together, quarterly (Q1 2025/26 on
9 September 2025, then each quarter in March, June, September and December). Both go into ONE
landing folder, `$LANDING_DIR/nof/`, as published. They are two sources with distinct file
patterns, raw tables and Assets, so this file builds two Airflow DAGs, one per source (the
registry's one DAG per source): `ingest_nof_metrics` -> `raw.nof_metric_data`
(`warehouse://raw/nof_metric_data`) and `ingest_nof_league_table` -> `raw.nof_league_table`
(`warehouse://raw/nof_league_table`). Each runs at 08:00 every Monday of the publication months
(a late publication is picked up the next Monday); a `-v2` file supersedes its trust type and
quarter.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

PUBLICATION_MONTHS_WEEKLY = "0 8 * 3,6,9,12 1"

nof_metrics_dag = ingestion_dag("nof_metrics", schedule=PUBLICATION_MONTHS_WEEKLY, doc_md=__doc__)
nof_league_table_dag = ingestion_dag("nof_league_table", schedule=PUBLICATION_MONTHS_WEEKLY, doc_md=__doc__)
