"""
### ingest_dm01: Diagnostics Waiting Times and Activity, DM01 (monthly)

NHS England publishes the DM01 monthly provider workbook
(`Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>[-revised][_<suffix>].xlsx`, sheet `Provider`)
on the second Thursday of the following month, with the combined performance summary. Drop files
into `$LANDING_DIR/dm01/` (a legacy `.xls` must be saved as `.xlsx` under the same name); each new
file is loaded once (by sha256) into `raw.dm01_provider_monthly`, national and regional total rows
included (dropped in staging); a `-revised` file supersedes its month. This Airflow DAG runs at
09:00 on the second Thursday (`4#2`) and emits Asset `warehouse://raw/dm01_provider_monthly`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("dm01", schedule="0 9 * * 4#2", doc_md=__doc__)
