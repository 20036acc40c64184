"""
### ingest_mhsds: Mental Health Services Monthly Statistics, MHSDS (monthly)

NHS England publishes the MHSDS monthly statistics on the second Thursday of the month; the main
long CSV (`MHSDS Data_<Mon><Perf|Final>_<YYYY>.csv`, unzipped from the publication's zip) goes into
`$LANDING_DIR/mhsds/`. Each new file is loaded once (by sha256) into `raw.mhsds_monthly`, every
breakdown included (staging keeps the provider rows); a `Final` file supersedes the `Perf` issue of
its month. This Airflow DAG runs at 09:00 on the second Thursday (`4#2`) and emits Asset
`warehouse://raw/mhsds_monthly`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("mhsds", schedule="0 9 * * 4#2", doc_md=__doc__)
