"""`fusioncenter entities resolve-file`: a partner's list deduplicated without touching the index."""

import csv
import json

import pytest

from fusioncenter import cli
from fusioncenter.entities import synthetic


def write(path, rows):
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_resolve_file(tmp_path, capsys, db):
    rows = [
        {"ID": "1", "Given": "William", "Surname": "Schmidt", "DOB": "1980-05-03", "Tel": "(608) 555-0134"},
        {"ID": "2", "Given": "Bill", "Surname": "SCHMIDT", "DOB": "03/05/1980", "Tel": "608.555.0134"},
        {"ID": "3", "Given": "Mary", "Surname": "Vang", "DOB": "1990-01-01", "Tel": ""},
        {"ID": "4", "Given": "Mary", "Surname": "Vang", "DOB": "01/01/1990", "Tel": ""},
        {"ID": "5", "Given": "Jonathan", "Surname": "Schmidt", "DOB": "2001-09-09", "Tel": "(608) 555-0134"},
    ]
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write(src, rows)
    code = cli.main(["entities", "resolve-file", str(src), "--id-column", "ID", "--map", "first_name=Given",
                     "--map", "last_name=Surname", "--map", "dob=DOB", "--map", "phone=Tel", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rows"] == 5 and summary["entities"] == 3
    result = {r["ID"]: r for r in csv.DictReader(out.open())}
    assert result["1"]["entity_id"] == result["2"]["entity_id"]
    assert result["3"]["entity_id"] == result["4"]["entity_id"]
    assert result["5"]["entity_id"] not in (result["1"]["entity_id"], result["3"]["entity_id"])
    assert "first_name: nickname" in result["2"]["explanation"]
    from fusioncenter.entities.models import Mention

    assert not Mention.objects.exists()  # nothing imported


@pytest.mark.parametrize("args,message", [
    (["--id-column", "Nope", "--map", "last_name=Surname"], "no column 'Nope'"),
    (["--id-column", "ID", "--map", "surname"], "FIELD=COLUMN"),
    (["--id-column", "ID", "--map", "shoe_size=Surname"], "unknown field"),
    (["--id-column", "ID", "--map", "last_name=Missing"], "no column 'Missing'"),
    (["--id-column", "ID", "--map", "dob=Surname"], "name field"),
])
def test_resolve_file_bad_arguments(tmp_path, capsys, args, message):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write(src, [{"ID": "1", "Surname": "Smith"}])
    assert cli.main(["entities", "resolve-file", str(src), *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_resolve_file_duplicate_ids_and_missing_file(tmp_path, capsys):
    src = tmp_path / "in.csv"
    write(src, [{"ID": "1", "Surname": "Smith"}, {"ID": "1", "Surname": "Jones"}])
    assert cli.main(["entities", "resolve-file", str(src), "--id-column", "ID", "--map", "last_name=Surname",
                     "--out", str(tmp_path / "o.csv")]) == 2
    assert "not unique" in capsys.readouterr().err
    assert cli.main(["entities", "resolve-file", str(tmp_path / "none.csv"), "--id-column", "ID", "--map",
                     "last_name=Surname", "--out", str(tmp_path / "o.csv")]) == 2


def test_resolve_file_on_generated_list(tmp_path, capsys):
    records = synthetic.generate(300, seed=11)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write(src, records)
    maps = [f"--map={f}={f}" for f in ("first_name", "last_name", "dob", "sex", "phone", "email", "address")]
    assert cli.main(["entities", "resolve-file", str(src), "--id-column", "record_id", *maps, "--out", str(out)]) == 0
    got = {r["record_id"]: r["entity_id"] for r in csv.DictReader(out.open())}
    scores = synthetic.pairwise_scores(records, [got[r["record_id"]] for r in records])
    assert scores["f1"] > 0.95
