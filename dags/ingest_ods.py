"""
### ingest_ods: ODS NHS trust list (quarterly)

The ODS `etr.csv` (no header, 27 fields) lists NHS trusts with their region and ICB (an STP code
before July 2022). Dated vintages (`etr_<YYYY>-Q<n>.csv`, the quarter the file describes) in
`$LANDING_DIR/ods/` are each loaded once into `raw.ods_trusts` and every vintage is kept: their
sequence is the organisation history (`int_organisation__history` -> `dim_organisation_history`,
a row per trust and validity interval). An undated `etr.csv` is dated by the day it is loaded, so
rename downloads to their quarter when backfilling. The mapping files in the same folder
(`ae_*_system_mapping_*.csv`, `data_DSPTmetric_*.csv`) are the `ods_mappings` source and its own
Airflow DAG, `ingest_ods_mappings`. Emits `warehouse://raw/ods_trusts`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("ods", schedule="0 6 5 1,4,7,10 *", doc_md=__doc__)
