"""
### ingest_cancer: Cancer Waiting Times provider workbook (monthly)

NHS England publishes the monthly Cancer Waiting Times provider workbook
(`<MONTH>-<YYYY>-CWT-CRS-PROVIDER-WORKBOOK-PROVISIONAL.xlsx`: one sheet per standard and breakdown,
28-day Faster Diagnosis Standard, 31-day and 62-day) around the second Thursday of the second
month after the activity, as provisional statistics, and re-issues months later as finalised
(`-FINAL`) figures. Drop files into `$LANDING_DIR/cancer/`; each new file is loaded once (by
sha256) into `raw.cancer_provider_monthly`, every sheet with its name in column `sheet`, national
rows included (dropped in staging); a FINAL issue supersedes the PROVISIONAL one of its month and
both stay queryable. This Airflow DAG runs at 09:00 on the second Thursday (`4#2`) of each month
and emits Asset `warehouse://raw/cancer_provider_monthly`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("cancer", schedule="0 9 * * 4#2", doc_md=__doc__)
