"""Makes the real-file suite from the city cohort (standards/examples/city-cohort.json): the same
16 cities as a user's files come, each of which tests/test_real_files.py scores to the JSON's numbers.

    python tests/data/make_files.py            # every file; the LibreOffice one when soffice is installed

The files are kept in the repository, so the tests need neither this script nor LibreOffice.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import smartcity_rules as scr  # noqa: E402

STANDARD = ROOT / "standards" / "shandong-city-2019.scs"
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"


def cohort() -> list[dict[str, object]]:
    return json.loads(COHORT.read_text(encoding="utf-8"))  # numbers as numbers, as a spreadsheet holds them


def columns(records: list[dict[str, object]]) -> list[str]:
    return list(dict.fromkeys(key for record in records for key in record))


def headings(keys: list[str], by_label: bool) -> list[str]:
    """The inputs' labels as the standard writes them (`label@previous` for last period's)."""
    if not by_label:
        return keys
    labels = {info.name: info.label for info in scr.load(STANDARD).inputs}
    return [labels[k.partition("@")[0]] + ("@previous" if "@" in k else "") if k != "entity" else k for k in keys]


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return repr(value) if isinstance(value, float) else str(value)


def csv_text(delimiter: str = ",", by_label: bool = False) -> str:
    records = cohort()
    keys = columns(records)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")  # as Excel saves them
    writer.writerow(headings(keys, by_label))
    for record in records:
        writer.writerow([cell(record.get(k)) for k in keys])
    return out.getvalue()


def write_csvs() -> None:
    (HERE / "city-gbk.csv").write_bytes(csv_text(by_label=True).encode("gbk"))  # Excel on a Chinese Windows
    (HERE / "city-bom.csv").write_bytes(csv_text().encode("utf-8-sig"))  # Excel's "CSV UTF-8"
    (HERE / "city-semicolon.csv").write_bytes(csv_text(";").encode("utf-8"))  # a European locale's Excel
    (HERE / "city-labels.csv").write_bytes(csv_text(by_label=True).encode("utf-8"))
    (HERE / "city-unicode.txt").write_bytes(csv_text("\t", by_label=True).encode("utf-16"))  # "Unicode text"


def write_openpyxl() -> None:
    import openpyxl

    records = cohort()
    keys = columns(records)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headings(keys, by_label=True))
    for record in records:
        sheet.append([record.get(k) for k in keys])
    book.save(HERE / "city-openpyxl.xlsx")


def write_parquet() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = cohort()
    keys = columns(records)
    pq.write_table(pa.table({k: [r.get(k) for r in records] for k in keys}), HERE / "city.parquet")


def write_libreoffice() -> bool:
    """city-libreoffice.xlsx, converted by LibreOffice from the label-headed CSV; False without soffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "city-libreoffice.csv"
        source.write_bytes(csv_text(by_label=True).encode("utf-8"))
        # CSV filter options: comma (44), double quote (34), UTF-8 (76), from line 1.
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{scratch}/profile",
                        "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", scratch, str(source)],
                       check=True, capture_output=True, timeout=300)
        shutil.copy(Path(scratch) / "city-libreoffice.xlsx", HERE / "city-libreoffice.xlsx")
    return True


if __name__ == "__main__":
    write_csvs()
    write_openpyxl()
    write_parquet()
    print("city-libreoffice.xlsx:", "written" if write_libreoffice() else "skipped (no soffice)")
