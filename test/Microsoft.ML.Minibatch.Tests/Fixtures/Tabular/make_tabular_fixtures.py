"""Plain CSV copies of the four classification data sets that Debian's python3-sklearn ships, laid out the way users
have such files, for the tabular benchmark (test/Microsoft.ML.Minibatch.Benchmarks, `tabular-compare`).

Regenerate (from this folder, with Debian's package installed: apt-get install python3-sklearn):

    /usr/bin/python3 make_tabular_fixtures.py

It reads the package's raw data files and does not import scikit-learn. The raw files have their own small header
convention: iris.csv, wine_data.csv and breast_cancer.csv start with one line "n_samples,n_features,class names...",
then one row per sample (the features, then the class index); digits.csv.gz has no header (64 pixel intensities, then
the digit). The feature names are not in the data files but in the package's loader source (sklearn/datasets/_base.py,
the `feature_names = [...]` literal of each load_* function), which this script reads as text with `ast`, without
running it. Cells are copied as the raw files spell them (no float round trip).

Writes:
- iris.csv           header; 4 features; label last, the species name (setosa, versicolor, virginica)
- wine.csv           header; label first ("class", the integer 0, 1 or 2), then the 13 features
- breast_cancer.csv  header; 30 features; label last ("target", 0 = malignant, 1 = benign, as the raw file has it)
- digits.csv         no header; 64 integer intensities 0..16; label last (the digit 0..9)
"""
import ast
import csv
import gzip
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets"
DATA = os.path.join(SKLEARN, "data")


def fail(message):
    sys.exit("make_tabular_fixtures: " + message)


def feature_names(function):
    """The list literal assigned to feature_names in `function` of the package's _base.py, read without importing."""
    with open(os.path.join(SKLEARN, "_base.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for statement in ast.walk(node):
                if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                        and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == "feature_names"):
                    lists = [n for n in ast.walk(statement.value) if isinstance(n, ast.List)]
                    if lists:
                        return [ast.literal_eval(e) for e in lists[0].elts]
    fail(f"no feature_names list literal in {function} of {SKLEARN}/_base.py")


def read_counted(name):
    """A raw file with the "n_samples,n_features,class names..." first line: (class names, rows of cells)."""
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    samples, features, classes = int(lines[0][0]), int(lines[0][1]), lines[0][2:]
    rows = [r for r in lines[1:] if r]
    if len(rows) != samples or any(len(r) != features + 1 for r in rows):
        fail(f"{name}: expected {samples} rows of {features} features and a label")
    return classes, rows


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
    print(f"{name}: {len(rows)} rows, {len(rows[0])} columns, {'a header' if header else 'no header'}")


def main():
    classes, rows = read_counted("iris.csv")
    names = feature_names("load_iris")
    write("iris.csv", names + ["species"], [r[:-1] + [classes[int(r[-1])]] for r in rows])

    _, rows = read_counted("wine_data.csv")
    names = feature_names("load_wine")
    write("wine.csv", ["class"] + names, [[r[-1]] + r[:-1] for r in rows])

    _, rows = read_counted("breast_cancer.csv")
    names = feature_names("load_breast_cancer")
    write("breast_cancer.csv", names + ["target"], rows)

    with gzip.open(os.path.join(DATA, "digits.csv.gz"), "rt", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    if any(len(r) != 65 for r in rows):
        fail("digits.csv.gz: expected 64 pixels and a label per row")
    # The raw file may spell the integers as floats ("0.0"); write them as the integers they are.
    rows = [[str(int(float(c))) for c in r] for r in rows]
    if any(not 0 <= int(c) <= 16 for r in rows for c in r[:-1]) or any(not 0 <= int(r[-1]) <= 9 for r in rows):
        fail("digits.csv.gz: intensities must lie in 0..16 and labels in 0..9")
    write("digits.csv", None, rows)


if __name__ == "__main__":
    main()
