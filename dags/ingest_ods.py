"""
### ingest_ods: ODS NHS trust list (quarterly)

The ODS `etr.csv` (no header, 27 fields) lists NHS trusts with their region and ICB. Dated
vintages (`etr_<YYYY>-Q<n>.csv`) in `$LANDING_DIR/ods/` are each loaded once into
`raw.ods_trusts`. Emits `warehouse://raw/ods_trusts`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("ods", schedule="0 6 5 1,4,7,10 *", doc_md=__doc__)
