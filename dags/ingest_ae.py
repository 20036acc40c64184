"""
### ingest_ae: A&E Attendances and Emergency Admissions (monthly)

NHS England publishes the monthly provider CSV (`Monthly-AE-<Month>-<Year>[-revised].csv`) on the
second Thursday of the following month. Drop files into `$LANDING_DIR/ae/`; each new file is
loaded once (by sha256) into `raw.ae_monthly`; a `-revised` file supersedes the first issue of
its month and both stay queryable. Emits Asset `warehouse://raw/ae_monthly`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("ae", schedule="0 9 * * 4#2", doc_md=__doc__)  # the second Thursday of the month
