"""
### ingest_ods_mappings: organisation -> STP/ICB -> region mapping files (on arrival, monthly check)

The files that place trusts in systems and regions beside the ODS trust list: the system mapping
sheets of NHS England's monthly A&E workbook (`ae_<month><year>_system_mapping_org_region_icb.csv`,
`ae_<month><year>_system_mapping_stp_icb_codes.csv`) and the NHSX DSPT system hierarchy of
February 2022 (`data_DSPTmetric_<YYYYMMDD>.csv`: trust -> STP -> region with successors and close
dates). They share the ODS landing folder, `$LANDING_DIR/ods/`, with the `etr` vintages but are a
separate source (`ods_mappings`, its own file patterns, raw table `raw.ods_mappings` with one layout
per file kind, Asset `warehouse://raw/ods_mappings`), so this Airflow DAG loads only them and the
`ingest_ods` DAG only the `etr` files. Runs at 06:30 on the 15th of every month (after the A&E
publication); each new file is loaded once (sha256). Models: `stg_ods__ae_org_region_icb`,
`stg_ods__ae_stp_icb_codes`, `stg_ods__dspt_organisations` -> `int_organisation__history`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("ods_mappings", schedule="30 6 15 * *", doc_md=__doc__)
